/*
 * tests/test_reactor.c - the epoll reactor (driver/reactor.c) and async TCP
 * (driver/net.c) on loopback.
 *
 * No executor: futures are polled by hand in a small loop that parks in
 * the driver between rounds (drive()), with a counting waker. Tests wait
 * for events, never for amounts of time.
 *
 * Run one test: ./build/tests/test_reactor tcp_echo_on_loopback
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/async.h"
#include "core/waker.h"
#include "driver/driver.h"
#include "driver/net.h"
#include "driver/reactor.h"

#define MAX_ROUNDS 100000

/* Poll every future until all are READY, parking between rounds. */
static void drive(driver_t *d, future_t **fs, int n)
{
    counting_waker_t counts = {0};
    waker_t w = counting_waker(&counts);
    context_t cx = {&w};
    uint32_t done = 0, all = (1u << n) - 1;
    for (int round = 0; round < MAX_ROUNDS && done != all; round++) {
        for (int i = 0; i < n; i++)
            if (!(done & (1u << i)) && future_poll(fs[i], &cx) == POLL_READY)
                done |= 1u << i;
        if (done != all && d != NULL)
            driver_park(d, 1000);
    }
    assert_int_equal(done, all);
    waker_drop(&w);
}

static void socketpair_nb(int sv[2])
{
    assert_int_equal(
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
        0);
}

/* A connected pair of TCP streams on loopback, via accept and connect. */
static void tcp_pair(driver_t *d, tcp_listener_t *l, tcp_stream_t *client,
                     tcp_stream_t *server)
{
    tcp_accept_t acc;
    tcp_connect_t con;
    assert_int_equal(tcp_listener_bind(l, d, NULL, 0), 0);
    int port = tcp_listener_port(l);
    assert_true(port > 0);
    tcp_accept_init(&acc, l);
    tcp_connect_init(&con, "127.0.0.1", (uint16_t)port);
    future_t *fs[] = {&acc.base, &con.base};
    drive(d, fs, 2);
    assert_int_equal(acc.result, 0);
    assert_int_equal(con.result, 0);
    *client = con.stream;
    *server = acc.stream;
    future_drop(&con.base);
    future_drop(&acc.base);
}

/* ---- reactor ------------------------------------------------------------- */

static void reactor_registers_and_deregisters(void **state)
{
    (void)state;
    reactor_t r;
    reactor_reg_t *reg[2];
    int sv[2];
    assert_int_equal(reactor_init(&r), 0);
    socketpair_nb(sv);
    assert_int_equal(reactor_register(&r, sv[0], &reg[0]), 0);
    assert_int_equal(reactor_register(&r, sv[1], &reg[1]), 0);
    assert_int_equal(reactor_count(&r), 2);
    reactor_deregister(reg[0]);
    assert_int_equal(reactor_count(&r), 1);
    reactor_destroy(&r); /* frees reg[1] */
    close(sv[0]);
    close(sv[1]);
}

static void reactor_register_reports_errors(void **state)
{
    (void)state;
    reactor_t r;
    reactor_reg_t *reg;
    assert_int_equal(reactor_init(&r), 0);
    assert_int_equal(reactor_register(&r, -1, &reg), -EBADF);
    int file = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    assert_true(file >= 0);
    assert_int_equal(reactor_register(&r, file, &reg), -EPERM);
    close(file);
    assert_int_equal(reactor_count(&r), 0);
    reactor_destroy(&r);
}

static void reactor_readiness_wakes_the_reader(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    reactor_t *r = driver_reactor(d);
    reactor_reg_t *reg;
    int sv[2];
    socketpair_nb(sv);
    assert_int_equal(reactor_register(r, sv[0], &reg), 0);
    counting_waker_t c = {0};
    waker_t w = counting_waker(&c);
    context_t cx = {&w};
    reactor_event_t ev;
    assert_int_equal(reactor_poll_ready(reg, REACTOR_READ, &cx, &ev),
                     POLL_PENDING);
    assert_true(driver_has_work(d)); /* a registration holds a waker */
    assert_int_equal(write(sv[1], "x", 1), 1);
    for (int i = 0; i < 100 && atomic_load(&c.wakes) == 0; i++)
        driver_park(d, 1000);
    assert_int_equal(atomic_load(&c.wakes), 1);
    assert_false(driver_has_work(d)); /* the wake consumed it */
    assert_int_equal(reactor_poll_ready(reg, REACTOR_READ, &cx, &ev),
                     POLL_READY);
    assert_true(ev.ready & REACTOR_READABLE);
    reactor_deregister(reg);
    close(sv[0]);
    close(sv[1]);
    driver_destroy(d);
    waker_drop(&w);
    assert_int_equal(atomic_load(&c.live), 0);
}

/*
 * The timeline of driver/reactor.h, staged by hand: readiness is seen, the
 * read would block, a new event arrives, THEN the poller clears. The clear
 * must keep the new event, or the reader would sleep on buffered data.
 */
static void
reactor_tick_keeps_an_event_between_wouldblock_and_clear(void **state)
{
    (void)state;
    reactor_t r;
    reactor_reg_t *reg;
    int sv[2];
    char buf[8];
    assert_int_equal(reactor_init(&r), 0);
    socketpair_nb(sv);
    assert_int_equal(reactor_register(&r, sv[0], &reg), 0);
    counting_waker_t c = {0};
    waker_t w = counting_waker(&c);
    context_t cx = {&w};
    reactor_event_t seen, again;

    reactor_set_ready(reg, REACTOR_READABLE); /* a stale event */
    assert_int_equal(reactor_poll_ready(reg, REACTOR_READ, &cx, &seen),
                     POLL_READY);
    assert_int_equal(recv(sv[0], buf, sizeof buf, 0), -1); /* would block */
    assert_int_equal(errno, EAGAIN);
    /* Between the would-block and the clear: data and its event arrive. */
    assert_int_equal(write(sv[1], "y", 1), 1);
    reactor_set_ready(reg, REACTOR_READABLE);
    reactor_clear_ready(reg, seen); /* tick changed: must not clear */
    assert_int_equal(reactor_poll_ready(reg, REACTOR_READ, &cx, &again),
                     POLL_READY);
    assert_int_equal(again.tick, seen.tick + 1);
    assert_int_equal(recv(sv[0], buf, sizeof buf, 0), 1);

    /* Nothing new this time: the clear does clear, and we wait. */
    assert_int_equal(recv(sv[0], buf, sizeof buf, 0), -1);
    reactor_clear_ready(reg, again);
    assert_int_equal(reactor_poll_ready(reg, REACTOR_READ, &cx, &again),
                     POLL_PENDING);
    assert_int_equal(reactor_set_ready(reg, REACTOR_READABLE), 1);
    assert_int_equal(atomic_load(&c.wakes), 1);

    reactor_deregister(reg);
    reactor_destroy(&r);
    close(sv[0]);
    close(sv[1]);
    waker_drop(&w);
    assert_int_equal(atomic_load(&c.live), 0);
}

static void reactor_closed_bits_are_never_cleared(void **state)
{
    (void)state;
    reactor_t r;
    reactor_reg_t *reg;
    int sv[2];
    assert_int_equal(reactor_init(&r), 0);
    socketpair_nb(sv);
    assert_int_equal(reactor_register(&r, sv[0], &reg), 0);
    waker_t w = waker_noop();
    context_t cx = {&w};
    reactor_event_t ev;
    reactor_set_ready(reg, REACTOR_READABLE | REACTOR_READ_CLOSED);
    assert_int_equal(reactor_poll_ready(reg, REACTOR_READ, &cx, &ev),
                     POLL_READY);
    reactor_clear_ready(reg, ev);
    assert_int_equal(reactor_poll_ready(reg, REACTOR_READ, &cx, &ev),
                     POLL_READY);
    assert_int_equal(ev.ready, REACTOR_READ_CLOSED);
    reactor_deregister(reg);
    reactor_destroy(&r);
    close(sv[0]);
    close(sv[1]);
}

static void reactor_unpark_interrupts_an_endless_poll(void **state)
{
    (void)state;
    reactor_t r;
    reactor_turn_t turn;
    assert_int_equal(reactor_init(&r), 0);
    reactor_unpark(&r);
    assert_int_equal(reactor_poll(&r, -1, NULL, &turn), 0);
    assert_true(turn.unparked);
    assert_int_equal(reactor_poll(&r, 0, NULL, &turn), 0);
    assert_false(turn.unparked); /* drained: one unpark, one return */
    reactor_destroy(&r);
}

static void reactor_deregister_drops_the_wakers(void **state)
{
    (void)state;
    reactor_t r;
    reactor_reg_t *reg;
    int sv[2];
    assert_int_equal(reactor_init(&r), 0);
    socketpair_nb(sv);
    assert_int_equal(reactor_register(&r, sv[0], &reg), 0);
    counting_waker_t c = {0};
    waker_t w = counting_waker(&c);
    context_t cx = {&w};
    reactor_event_t ev;
    reactor_poll_ready(reg, REACTOR_READ, &cx, &ev);
    reactor_poll_ready(reg, REACTOR_WRITE, &cx, &ev);
    assert_int_equal(atomic_load(&c.live), 3);
    assert_true(reactor_has_wakers(&r));
    reactor_deregister(reg);
    assert_int_equal(atomic_load(&c.live), 1);
    assert_false(reactor_has_wakers(&r));
    reactor_destroy(&r);
    close(sv[0]);
    close(sv[1]);
    waker_drop(&w);
}

/* ---- threads: a reader on one thread, the dispatcher on another ---------- */

static const waker_vtable_t sem_vtable;

static waker_t sem_clone(const void *data)
{
    return (waker_t){&sem_vtable, data};
}

static void sem_wake(const void *data)
{
    sem_post((sem_t *)data);
}

static void sem_drop(const void *data)
{
    (void)data;
}

static const waker_vtable_t sem_vtable = {sem_clone, sem_wake, sem_wake,
                                          sem_drop};

typedef struct reader {
    reactor_reg_t *reg;
    int fd;
    int want;
    atomic_int got;
    atomic_bool lost; /* waited 10 s for a wake that never came */
    sem_t woken;
} reader_t;

static void *read_until_all(void *arg)
{
    reader_t *rd = arg;
    waker_t w = {&sem_vtable, &rd->woken};
    context_t cx = {&w};
    char buf[64];
    while (atomic_load(&rd->got) < rd->want) {
        reactor_event_t ev;
        if (reactor_poll_ready(rd->reg, REACTOR_READ, &cx, &ev) ==
            POLL_PENDING) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 10;
            if (sem_timedwait(&rd->woken, &ts) < 0) {
                atomic_store(&rd->lost, true);
                return NULL;
            }
            continue;
        }
        ssize_t n = recv(rd->fd, buf, sizeof buf, 0);
        if (n > 0)
            atomic_fetch_add(&rd->got, (int)n);
        else if (n < 0 && errno == EAGAIN)
            reactor_clear_ready(rd->reg, ev);
    }
    return NULL;
}

static void reactor_reader_thread_never_loses_a_wake(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    int sv[2];
    socketpair_nb(sv);
    reader_t rd = {.fd = sv[0], .want = 2000};
    sem_init(&rd.woken, 0, 0);
    assert_int_equal(reactor_register(driver_reactor(d), sv[0], &rd.reg), 0);
    pthread_t th;
    pthread_create(&th, NULL, read_until_all, &rd);
    int sent = 0;
    while (atomic_load(&rd.got) < rd.want && !atomic_load(&rd.lost)) {
        if (sent < rd.want && write(sv[1], "z", 1) == 1)
            sent++;
        driver_park(d, sent < rd.want ? 0 : 10);
    }
    pthread_join(th, NULL);
    assert_false(atomic_load(&rd.lost));
    assert_int_equal(atomic_load(&rd.got), rd.want);
    reactor_deregister(rd.reg);
    close(sv[0]);
    close(sv[1]);
    sem_destroy(&rd.woken);
    driver_destroy(d);
}

typedef struct parker {
    driver_t *d;
    atomic_bool stop;
} parker_t;

static void *park_until_stopped(void *arg)
{
    parker_t *p = arg;
    while (!atomic_load(&p->stop))
        driver_park(p->d, 1);
    return NULL;
}

/* Registrations come and go while another thread is inside epoll_wait and
 * dispatch: memory is only reused once no dispatch can hold it (ASan). */
static void reactor_deregister_during_dispatch_is_safe(void **state)
{
    (void)state;
    parker_t p = {.d = driver_create(false)};
    pthread_t th;
    pthread_create(&th, NULL, park_until_stopped, &p);
    for (int i = 0; i < 500; i++) {
        int sv[2];
        reactor_reg_t *reg;
        socketpair_nb(sv);
        assert_int_equal(reactor_register(driver_reactor(p.d), sv[0], &reg), 0);
        assert_int_equal(write(sv[1], "q", 1), 1);
        if (i % 2)
            sched_yield();
        reactor_deregister(reg);
        close(sv[0]);
        close(sv[1]);
    }
    atomic_store(&p.stop, true);
    driver_unpark(p.d);
    pthread_join(th, NULL);
    assert_int_equal(reactor_count(driver_reactor(p.d)), 0);
    driver_destroy(p.d);
}

/* ---- TCP ----------------------------------------------------------------- */

typedef struct echo_server {
    future_t base;
    async_t async;
    tcp_stream_t *stream;
    size_t expect, total;
    char buf[16384];
    tcp_read_t rd;
    tcp_write_all_t wr;
} echo_server_t;

static poll_t echo_server_poll(future_t *f, context_t *cx)
{
    echo_server_t *self = (echo_server_t *)f;
    ASYNC_BEGIN(self);
    while (self->total < self->expect) {
        tcp_read_init(&self->rd, self->stream, self->buf, sizeof self->buf);
        AWAIT(self, cx, &self->rd.base);
        if (self->rd.result <= 0)
            break;
        tcp_write_all_init(&self->wr, self->stream, self->buf,
                           (size_t)self->rd.result);
        AWAIT(self, cx, &self->wr.base);
        if (self->wr.result != self->rd.result)
            break;
        self->total += (size_t)self->rd.result;
    }
    ASYNC_END(self);
}

static void tcp_echo_on_loopback(void **state)
{
    (void)state;
    enum { SIZE = 1 << 20 }; /* big enough to fill socket buffers */
    driver_t *d = driver_create(false);
    driver_set_current(d);
    tcp_listener_t l;
    tcp_stream_t client, server;
    tcp_pair(d, &l, &client, &server);
    assert_int_equal(tcp_stream_set_nodelay(&client, true), 0);
    char *out = malloc(SIZE), *in = malloc(SIZE);
    for (size_t i = 0; i < SIZE; i++)
        out[i] = (char)(i * 7 + 3);
    echo_server_t *echo = calloc(1, sizeof *echo);
    echo->base.poll = echo_server_poll;
    echo->stream = &server;
    echo->expect = SIZE;
    tcp_write_all_t wr;
    tcp_read_exact_t rd;
    tcp_write_all_init(&wr, &client, out, SIZE);
    tcp_read_exact_init(&rd, &client, in, SIZE);
    future_t *fs[] = {&echo->base, &wr.base, &rd.base};
    drive(d, fs, 3);
    assert_int_equal(wr.result, SIZE);
    assert_int_equal(rd.result, SIZE);
    assert_int_equal(echo->total, SIZE);
    assert_memory_equal(in, out, SIZE);
    driver_stats_t st;
    driver_stats(d, &st);
    assert_int_equal(st.fds_registered, 3);
    assert_true(st.io_events > 0);
    tcp_stream_close(&client);
    tcp_stream_close(&server);
    tcp_listener_close(&l);
    driver_set_current(NULL);
    driver_destroy(d);
    free(echo);
    free(out);
    free(in);
}

static void tcp_peer_close_reads_zero_then_zero_or_error(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    driver_set_current(d);
    tcp_listener_t l;
    tcp_stream_t client, server;
    tcp_pair(d, &l, &client, &server);
    tcp_stream_close(&client);
    char buf[16];
    tcp_read_t rd;
    tcp_read_init(&rd, &server, buf, sizeof buf);
    future_t *fs[] = {&rd.base};
    drive(d, fs, 1);
    assert_int_equal(rd.result, 0); /* end of stream */
    for (int i = 0; i < 3; i++) {
        tcp_read_init(&rd, &server, buf, sizeof buf);
        drive(d, fs, 1);
        assert_true(rd.result <= 0);
    }
    /* Writing to the gone peer: an error value, not SIGPIPE. */
    ssize_t last = 0;
    for (int i = 0; i < 100 && last >= 0; i++) {
        tcp_write_t wr;
        future_t *w[] = {&wr.base};
        tcp_write_init(&wr, &server, buf, sizeof buf);
        drive(d, w, 1);
        last = wr.result;
    }
    assert_true(last == -EPIPE || last == -ECONNRESET);
    tcp_stream_close(&server);
    tcp_listener_close(&l);
    driver_set_current(NULL);
    driver_destroy(d);
}

static void tcp_read_exact_reports_an_early_close(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    driver_set_current(d);
    tcp_listener_t l;
    tcp_stream_t client, server;
    tcp_pair(d, &l, &client, &server);
    tcp_write_all_t wr;
    tcp_write_all_init(&wr, &client, "abc", 3);
    future_t *w[] = {&wr.base};
    drive(d, w, 1);
    assert_int_equal(wr.result, 3);
    assert_int_equal(tcp_stream_shutdown(&client, SHUT_WR), 0);
    char buf[8];
    tcp_read_exact_t rd;
    tcp_read_exact_init(&rd, &server, buf, sizeof buf);
    future_t *r[] = {&rd.base};
    drive(d, r, 1);
    assert_int_equal(rd.result, -EPIPE);
    assert_int_equal(rd.done, 3);
    assert_memory_equal(buf, "abc", 3);
    tcp_stream_close(&client);
    tcp_stream_close(&server);
    tcp_listener_close(&l);
    driver_set_current(NULL);
    driver_destroy(d);
}

static void tcp_shutdown_write_still_lets_the_peer_answer(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    driver_set_current(d);
    tcp_listener_t l;
    tcp_stream_t client, server;
    tcp_pair(d, &l, &client, &server);
    assert_int_equal(tcp_stream_shutdown(&client, SHUT_WR), 0);
    char buf[8];
    tcp_read_t rd;
    tcp_read_init(&rd, &server, buf, sizeof buf);
    future_t *r[] = {&rd.base};
    drive(d, r, 1);
    assert_int_equal(rd.result, 0);
    tcp_write_all_t wr;
    tcp_read_exact_t back;
    tcp_write_all_init(&wr, &server, "late", 4);
    tcp_read_exact_init(&back, &client, buf, 4);
    future_t *fs[] = {&wr.base, &back.base};
    drive(d, fs, 2);
    assert_int_equal(back.result, 4);
    assert_memory_equal(buf, "late", 4);
    tcp_stream_close(&client);
    tcp_stream_close(&server);
    tcp_listener_close(&l);
    driver_set_current(NULL);
    driver_destroy(d);
}

static void tcp_connect_refused_gives_econnrefused(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    driver_set_current(d);
    tcp_listener_t l;
    assert_int_equal(tcp_listener_bind(&l, d, "127.0.0.1", 0), 0);
    int port = tcp_listener_port(&l);
    tcp_listener_close(&l); /* now nobody listens there */
    tcp_connect_t con;
    tcp_connect_init(&con, NULL, (uint16_t)port);
    future_t *fs[] = {&con.base};
    drive(d, fs, 1);
    assert_int_equal(con.result, -ECONNREFUSED);
    assert_int_equal(con.stream.fd, -1);
    future_drop(&con.base);
    driver_stats_t st;
    driver_stats(d, &st);
    assert_int_equal(st.fds_registered, 0);
    driver_set_current(NULL);
    driver_destroy(d);
}

static void tcp_bad_address_is_einval(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    driver_set_current(d);
    tcp_listener_t l;
    assert_int_equal(tcp_listener_bind(&l, d, "not-an-ip", 0), -EINVAL);
    assert_int_equal(l.fd, -1);
    tcp_connect_t con;
    tcp_connect_init(&con, "300.1.2.3", 80);
    future_t *fs[] = {&con.base};
    drive(d, fs, 1);
    assert_int_equal(con.result, -EINVAL);
    future_drop(&con.base);
    driver_set_current(NULL);
    driver_destroy(d);
}

static void tcp_bind_a_taken_port_is_eaddrinuse(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    tcp_listener_t a, b;
    assert_int_equal(tcp_listener_bind(&a, d, NULL, 0), 0);
    int port = tcp_listener_port(&a);
    assert_int_equal(tcp_listener_bind(&b, d, NULL, (uint16_t)port),
                     -EADDRINUSE);
    tcp_listener_close(&a);
    driver_destroy(d);
}

static void tcp_closed_stream_gives_ebadf(void **state)
{
    (void)state;
    tcp_stream_t s = TCP_STREAM_CLOSED;
    char buf[4];
    tcp_read_t rd;
    tcp_write_t wr;
    tcp_read_init(&rd, &s, buf, sizeof buf);
    tcp_write_init(&wr, &s, buf, sizeof buf);
    future_t *fs[] = {&rd.base, &wr.base};
    drive(NULL, fs, 2);
    assert_int_equal(rd.result, -EBADF);
    assert_int_equal(wr.result, -EBADF);
    tcp_stream_close(&s); /* twice closed is still fine */
}

static void tcp_nodelay_sets_the_option(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    driver_set_current(d);
    tcp_listener_t l;
    tcp_stream_t client, server;
    tcp_pair(d, &l, &client, &server);
    int v = 0;
    socklen_t len = sizeof v;
    assert_int_equal(tcp_stream_set_nodelay(&server, true), 0);
    getsockopt(server.fd, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    assert_true(v != 0);
    assert_int_equal(tcp_stream_set_nodelay(&server, false), 0);
    getsockopt(server.fd, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    assert_int_equal(v, 0);
    tcp_stream_close(&client);
    tcp_stream_close(&server);
    assert_int_equal(tcp_stream_set_nodelay(&server, true), -EBADF);
    tcp_listener_close(&l);
    driver_set_current(NULL);
    driver_destroy(d);
}

static void tcp_works_without_a_driver(void **state)
{
    (void)state;
    driver_set_current(NULL); /* the spin executor's situation */
    tcp_listener_t l;
    tcp_stream_t client, server;
    tcp_pair(NULL, &l, &client, &server);
    assert_null(client.reg);
    tcp_write_all_t wr;
    tcp_read_exact_t rd;
    char buf[5];
    tcp_write_all_init(&wr, &client, "hello", 5);
    tcp_read_exact_init(&rd, &server, buf, 5);
    future_t *fs[] = {&rd.base, &wr.base};
    drive(NULL, fs, 2);
    assert_int_equal(rd.result, 5);
    assert_memory_equal(buf, "hello", 5);
    tcp_stream_close(&client);
    tcp_stream_close(&server);
    tcp_listener_close(&l);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reactor_registers_and_deregisters),
        cmocka_unit_test(reactor_register_reports_errors),
        cmocka_unit_test(reactor_readiness_wakes_the_reader),
        cmocka_unit_test(
            reactor_tick_keeps_an_event_between_wouldblock_and_clear),
        cmocka_unit_test(reactor_closed_bits_are_never_cleared),
        cmocka_unit_test(reactor_unpark_interrupts_an_endless_poll),
        cmocka_unit_test(reactor_deregister_drops_the_wakers),
        cmocka_unit_test(reactor_reader_thread_never_loses_a_wake),
        cmocka_unit_test(reactor_deregister_during_dispatch_is_safe),
        cmocka_unit_test(tcp_echo_on_loopback),
        cmocka_unit_test(tcp_peer_close_reads_zero_then_zero_or_error),
        cmocka_unit_test(tcp_read_exact_reports_an_early_close),
        cmocka_unit_test(tcp_shutdown_write_still_lets_the_peer_answer),
        cmocka_unit_test(tcp_connect_refused_gives_econnrefused),
        cmocka_unit_test(tcp_bad_address_is_einval),
        cmocka_unit_test(tcp_bind_a_taken_port_is_eaddrinuse),
        cmocka_unit_test(tcp_closed_stream_gives_ebadf),
        cmocka_unit_test(tcp_nodelay_sets_the_option),
        cmocka_unit_test(tcp_works_without_a_driver),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("reactor", tests, NULL, NULL);
}
