/*
 * lessons/08-driver-io/check.c - the checker of lesson 8's exercise.
 * `asynclab check 8` compiles it with your exercise.c and runs it.
 *
 * On one notify executor (one thread): a server task accepts CLIENTS
 * connections on 127.0.0.1 and spawns your echo_conn for each; CLIENTS
 * client tasks each connect, send ROUNDS messages, read each echo back,
 * and close. Every wait is a real socket wait in epoll. The run is made
 * one scheduling decision at a time, at most STEP_LIMIT of them, so that a
 * connection task that never ends is named, not waited for; and the
 * process's open descriptors are counted before and after.
 */
#include "lessons/check.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "core/executor.h"
#include "exercise.h"
#include "notify_executor/notify_executor.h"

enum { CLIENTS = 20, ROUNDS = 5, MSG = 64 };

/* Scheduling decisions the run may take. A right answer takes a few
 * hundred (one per poll or park, each for a real event); a connection
 * task that spins takes them all. A count, not a time. */
enum { STEP_LIMIT = 200000 };

/* Open file descriptors of this process. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    int n = 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* ---- the server: accept CLIENTS connections, spawn an echo_conn each ---- */

typedef struct server {
    future_t base;
    async_t async;
    tcp_listener_t *listener;
    int *port; /* where the clients find it */
    tcp_accept_t acc;
    int accepted;
    echo_totals_t *totals;
} server_t;

static poll_t server_poll(future_t *f, context_t *cx)
{
    server_t *self = (server_t *)f;
    ASYNC_BEGIN(self);
    /* Bound here, at the first poll, so that it registers with this
     * executor's driver (driver_current()). */
    if (tcp_listener_bind(self->listener, NULL, NULL, 0) != 0)
        return POLL_READY;
    *self->port = tcp_listener_port(self->listener);
    while (self->accepted < CLIENTS) {
        tcp_accept_init(&self->acc, self->listener);
        AWAIT(self, cx, &self->acc.base);
        if (self->acc.result < 0)
            break;
        self->accepted++;
        echo_conn_t c;
        echo_conn_init(&c, self->acc.stream, self->totals);
        if (spawn(&c.base, sizeof c, "echo", NULL) != 0)
            tcp_stream_close(&c.stream);
    }
    ASYNC_END(self);
}

/* ---- a client: ROUNDS messages, each echoed back ------------------------- */

typedef struct client {
    future_t base;
    async_t async;
    int id, round;
    const int *port; /* set by the server's first poll, before ours */
    tcp_connect_t conn;
    tcp_stream_t stream;
    char out[MSG], in[MSG];
    tcp_write_all_t wr;
    tcp_read_exact_t rd;
    int *good;   /* clients whose every echo matched */
    int *closed; /* clients that read end of stream instead */
    int *wrong;  /* clients that got other bytes than they sent */
} client_t;

static poll_t client_poll(future_t *f, context_t *cx)
{
    client_t *self = (client_t *)f;
    ASYNC_BEGIN(self);
    tcp_connect_init(&self->conn, NULL, (uint16_t)*self->port);
    AWAIT(self, cx, &self->conn.base);
    if (self->conn.result < 0)
        goto done;
    self->stream = self->conn.stream;
    for (self->round = 0; self->round < ROUNDS; self->round++) {
        snprintf(self->out, MSG, "client %3d says hello #%d", self->id,
                 self->round);
        tcp_write_all_init(&self->wr, &self->stream, self->out, MSG);
        AWAIT(self, cx, &self->wr.base);
        tcp_read_exact_init(&self->rd, &self->stream, self->in, MSG);
        AWAIT(self, cx, &self->rd.base);
        if (self->rd.result != MSG) {
            (*self->closed)++;
            goto close;
        }
        if (memcmp(self->in, self->out, MSG) != 0) {
            (*self->wrong)++;
            goto close;
        }
    }
    (*self->good)++;
close:
    tcp_stream_close(&self->stream);
done:
    ASYNC_END(self);
}

static void io_echo_serves_every_client(void **state)
{
    (void)state;
    int fds_before = open_fds();
    executor_config_t cfg = {.kind = &notify_executor_kind};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    echo_totals_t totals = {0, 0};
    int good = 0, closed = 0, wrong = 0, port = 0;
    tcp_listener_t l = {.fd = -1};
    server_t srv = {.base = {server_poll, NULL},
                    .listener = &l,
                    .port = &port,
                    .totals = &totals};
    /* The notify executor polls in spawn order: the server binds first. */
    assert_int_equal(executor_spawn(ex, &srv.base, sizeof srv, "server", NULL),
                     0);
    for (int i = 0; i < CLIENTS; i++) {
        client_t c = {.base = {client_poll, NULL},
                      .id = i,
                      .port = &port,
                      .good = &good,
                      .closed = &closed,
                      .wrong = &wrong};
        assert_int_equal(executor_spawn(ex, &c.base, sizeof c, "client", NULL),
                         0);
    }
    /* executor_run, one decision at a time, so that a task that never
     * ends is stopped and named instead of hanging the checker. */
    int rc = 0;
    long steps = 0;
    while (steps < STEP_LIMIT && (rc = executor_step(ex)) == 1)
        steps++;
    if (l.fd >= 0)
        tcp_listener_close(&l);
    executor_destroy(ex);
    int fds_left = open_fds() - fds_before;

    EXPECT(steps < STEP_LIMIT || good + closed + wrong < CLIENTS,
           "every client had closed, and %d connection tasks were still "
           "running after %d scheduling decisions: a read of 0 bytes means "
           "the client closed, for good (every later read says 0 again at "
           "once); that connection is over",
           CLIENTS - totals.finished, STEP_LIMIT);
    EXPECT(steps < STEP_LIMIT, "the run did not end in %d scheduling "
                               "decisions (%d of %d clients done)",
           STEP_LIMIT, good + closed + wrong, CLIENTS);

    EXPECT(closed == 0,
           "%d of %d clients sent a message and got end of stream instead of "
           "its echo: the connection task closed the socket without "
           "echoing (read, then write the bytes back, in a loop)",
           closed, CLIENTS);
    EXPECT(port > 0, "the server could not listen on 127.0.0.1");
    EXPECT(rc == 0, "the executor's run returned %d", rc);
    EXPECT(wrong == 0,
           "%d of %d clients got other bytes back than they sent: echo "
           "exactly the bytes each read returned, no more",
           wrong, CLIENTS);
    EXPECT(good == CLIENTS, "%d of %d clients got all %d echoes back", good,
           CLIENTS, ROUNDS);
    EXPECT(totals.finished == CLIENTS,
           "%d of %d connection tasks finished: each must finish when its "
           "client closes (a read of 0 bytes)",
           totals.finished, CLIENTS);
    EXPECT(totals.bytes == (size_t)CLIENTS * ROUNDS * MSG,
           "the connections counted %zu bytes echoed; %d were sent",
           totals.bytes, CLIENTS * ROUNDS * MSG);
    EXPECT(fds_left <= 0 || steps >= STEP_LIMIT,
           "%d sockets were still open after every connection task had "
           "finished: each task owns its stream, and a finished task that "
           "left it open leaks a descriptor per connection (a server dies "
           "of that at its ulimit)",
           fds_left);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(io_echo_serves_every_client),
};

CHECK_MAIN("lesson08", tests)
