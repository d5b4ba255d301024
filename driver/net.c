/*
 * driver/net.c - async TCP: non-blocking sockets driven by the reactor.
 *
 * Every operation is io_poll(): wait for readiness, try the syscall, and on
 * EWOULDBLOCK clear the readiness seen (tick-checked, driver/reactor.h) and
 * wait again. The futures at the bottom are thin state around it.
 *
 * Threads: a stream's reader and writer may be polled on different threads
 * (one each); the reactor keeps a waker per direction.
 *
 * Tests: tests/test_reactor.c.
 */
#include "driver/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/coop.h"
#include "core/task.h"

#define LISTEN_BACKLOG SOMAXCONN

/* ---- addresses and sockets ----------------------------------------------- */

/* A numeric IPv4 or IPv6 address (NULL: 127.0.0.1). 0 or -EINVAL. */
static int sockaddr_of(const char *addr, uint16_t port,
                       struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (addr == NULL)
        addr = "127.0.0.1";
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *len = sizeof *v6;
        return 0;
    }
    return -EINVAL;
}

/* The task asking, for the trace: 0 outside a task. */
static uint64_t current_task_id(void)
{
    task_t *t = task_current();
    return t != NULL ? t->id : 0;
}

/* Register fd with d's reactor (none without a driver). 0 or -errno.
 * Traced, so the visualizer's driver panel can list registered fds. */
static int attach(int fd, driver_t *d, reactor_reg_t **reg)
{
    *reg = NULL;
    if (d == NULL)
        return 0;
    int err = reactor_register(driver_reactor(d), fd, reg);
    if (err == 0)
        TRACE(driver_trace(d), TRACE_IO_REGISTER, TRACE_NO_WORKER,
              current_task_id(), (uint64_t)fd, 0);
    return err;
}

static void detach_and_close(int *fd, reactor_reg_t **reg, driver_t *d)
{
    if (*reg != NULL) {
        reactor_deregister(*reg); /* before close: the fd number is reused */
        if (d != NULL)
            TRACE(driver_trace(d), TRACE_IO_DEREGISTER, TRACE_NO_WORKER,
                  current_task_id(), (uint64_t)*fd, 0);
    }
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
    *reg = NULL;
}

/* ---- the one loop behind every operation --------------------------------- */

/* A syscall attempt: bytes (or 0) on success, -errno on failure. */
typedef ssize_t (*io_op_fn)(int fd, void *arg);

/*
 * want: the bytes asked for (0 for accept). A read or write that moved
 * fewer bytes than asked has drained the socket buffer (or filled it), so
 * readiness is cleared at once, as after EAGAIN: the next attempt waits
 * for the next edge instead of making a syscall only to hear EAGAIN. An
 * event that arrived meanwhile changed the tick, so the clear is skipped
 * and nothing is lost (reactor.h). This halves the recv calls of an echo
 * loop (Tokio does the same).
 */
static poll_t io_poll(int fd, reactor_reg_t *reg, reactor_dir_t dir,
                      context_t *cx, io_op_fn op, void *arg, size_t want,
                      ssize_t *result)
{
    bool spent = false;
    if (fd < 0) {
        *result = -EBADF;
        return POLL_READY;
    }
    for (;;) {
        reactor_event_t ev = {UINT32_MAX, 0};
        if (reg != NULL &&
            reactor_poll_ready(reg, dir, cx, &ev) == POLL_PENDING)
            return POLL_PENDING;
        if (!spent && !coop_poll_proceed(cx))
            return POLL_PENDING; /* the budget woke our task */
        spent = true;
        ssize_t n = op(fd, arg);
        if (n == -EINTR)
            continue;
        if (n != -EAGAIN && n != -EWOULDBLOCK) {
            if (reg != NULL && n > 0 && (size_t)n < want)
                reactor_clear_ready(reg, ev);
            *result = n;
            return POLL_READY;
        }
        if (reg == NULL) { /* no reactor: come straight back */
            waker_wake_by_ref(cx->waker);
            return POLL_PENDING;
        }
        reactor_clear_ready(reg, ev);
    }
}

typedef struct io_buf {
    void *buf;
    size_t len;
} io_buf_t;

static ssize_t op_recv(int fd, void *arg)
{
    io_buf_t *b = arg;
    ssize_t n = recv(fd, b->buf, b->len, 0);
    return n < 0 ? -errno : n;
}

static ssize_t op_send(int fd, void *arg)
{
    io_buf_t *b = arg;
    ssize_t n = send(fd, b->buf, b->len, MSG_NOSIGNAL);
    return n < 0 ? -errno : n;
}

static ssize_t op_accept(int fd, void *arg)
{
    int *out = arg;
    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0)
        return errno == ECONNABORTED ? -EAGAIN : -errno; /* gone: next */
    *out = c;
    return 0;
}

poll_t tcp_stream_poll_read(tcp_stream_t *s, context_t *cx, void *buf,
                            size_t len, ssize_t *result)
{
    io_buf_t b = {buf, len};
    return io_poll(s->fd, s->reg, REACTOR_READ, cx, op_recv, &b, len, result);
}

poll_t tcp_stream_poll_write(tcp_stream_t *s, context_t *cx, const void *buf,
                             size_t len, ssize_t *result)
{
    io_buf_t b = {(void *)buf, len};
    return io_poll(s->fd, s->reg, REACTOR_WRITE, cx, op_send, &b, len, result);
}

poll_t tcp_listener_poll_accept(tcp_listener_t *l, context_t *cx,
                                tcp_stream_t *out, int *result)
{
    int fd = -1;
    ssize_t rc;
    if (io_poll(l->fd, l->reg, REACTOR_READ, cx, op_accept, &fd, 0, &rc) ==
        POLL_PENDING)
        return POLL_PENDING;
    *result = (int)rc;
    if (rc < 0)
        return POLL_READY;
    *out = (tcp_stream_t){fd, NULL, l->driver};
    *result = attach(fd, l->driver, &out->reg);
    if (*result < 0)
        detach_and_close(&out->fd, &out->reg, out->driver);
    return POLL_READY;
}

/* ---- listener ------------------------------------------------------------ */

int tcp_listener_bind(tcp_listener_t *l, driver_t *d, const char *addr,
                      uint16_t port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1, err = sockaddr_of(addr, port, &ss, &len);
    *l = (tcp_listener_t){-1, NULL, d != NULL ? d : driver_current()};
    if (err < 0)
        return err;
    l->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0)
        return -errno;
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l->fd, (struct sockaddr *)&ss, len) < 0 ||
        listen(l->fd, LISTEN_BACKLOG) < 0) {
        err = -errno;
        goto fail;
    }
    err = attach(l->fd, l->driver, &l->reg);
    if (err < 0)
        goto fail;
    return 0;
fail:
    detach_and_close(&l->fd, &l->reg, l->driver);
    return err;
}

int tcp_listener_port(const tcp_listener_t *l)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(l->fd, (struct sockaddr *)&ss, &len) < 0)
        return -errno;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

void tcp_listener_close(tcp_listener_t *l)
{
    detach_and_close(&l->fd, &l->reg, l->driver);
}

/* ---- stream -------------------------------------------------------------- */

int tcp_stream_set_nodelay(tcp_stream_t *s, bool on)
{
    int v = on;
    if (setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) < 0)
        return -errno;
    return 0;
}

int tcp_stream_shutdown(tcp_stream_t *s, int how)
{
    return shutdown(s->fd, how) < 0 ? -errno : 0;
}

void tcp_stream_close(tcp_stream_t *s)
{
    detach_and_close(&s->fd, &s->reg, s->driver);
}

/* ---- accept and connect futures ------------------------------------------ */

static poll_t accept_poll(future_t *f, context_t *cx)
{
    tcp_accept_t *a = (tcp_accept_t *)f;
    return tcp_listener_poll_accept(a->listener, cx, &a->stream, &a->result);
}

void tcp_accept_init(tcp_accept_t *a, tcp_listener_t *l)
{
    a->base.poll = accept_poll;
    a->base.drop = NULL; /* the accepted stream is the caller's */
    a->listener = l;
    a->stream = TCP_STREAM_CLOSED;
    a->result = 0;
}

/* The first poll: make the socket and start connecting. 0 or -errno. */
static int connect_start(tcp_connect_t *c)
{
    struct sockaddr_storage ss;
    socklen_t len;
    tcp_stream_t *s = &c->stream;
    int err = sockaddr_of(c->addr[0] ? c->addr : NULL, c->port, &ss, &len);
    if (err < 0)
        return err;
    s->driver = driver_current();
    s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0)
        return -errno;
    if (connect(s->fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
        return -errno;
    return attach(s->fd, s->driver, &s->reg);
}

/* Writable means the handshake ended: SO_ERROR says how. A connected peer
 * name tells a finished connect from readiness seen too early. */
static ssize_t op_connect_done(int fd, void *arg)
{
    (void)arg;
    int err = 0;
    socklen_t len = sizeof err;
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -errno;
    if (err != 0)
        return -err;
    if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0)
        return errno == ENOTCONN ? -EAGAIN : -errno;
    return 0;
}

static poll_t connect_poll(future_t *f, context_t *cx)
{
    tcp_connect_t *c = (tcp_connect_t *)f;
    ssize_t rc;
    if (!c->started) {
        c->started = true;
        c->result = connect_start(c);
        if (c->result < 0) {
            tcp_stream_close(&c->stream);
            c->started = false;
            return POLL_READY;
        }
    }
    tcp_stream_t *s = &c->stream;
    if (io_poll(s->fd, s->reg, REACTOR_WRITE, cx, op_connect_done, NULL, 0,
                &rc) == POLL_PENDING)
        return POLL_PENDING;
    c->result = (int)rc;
    if (rc < 0)
        tcp_stream_close(s);
    c->started = false; /* done: drop leaves the stream to the caller */
    return POLL_READY;
}

static void connect_drop(future_t *f)
{
    tcp_connect_t *c = (tcp_connect_t *)f;
    if (c->started) /* dropped mid-handshake */
        tcp_stream_close(&c->stream);
}

void tcp_connect_init(tcp_connect_t *c, const char *addr, uint16_t port)
{
    c->base.poll = connect_poll;
    c->base.drop = connect_drop;
    c->addr[0] = '\0';
    if (addr != NULL) {
        strncpy(c->addr, addr, sizeof c->addr - 1);
        c->addr[sizeof c->addr - 1] = '\0';
    }
    c->port = port;
    c->started = false;
    c->stream = TCP_STREAM_CLOSED;
    c->result = 0;
}

/* ---- read and write futures ---------------------------------------------- */

static poll_t read_poll(future_t *f, context_t *cx)
{
    tcp_read_t *r = (tcp_read_t *)f;
    return tcp_stream_poll_read(r->stream, cx, r->buf, r->len, &r->result);
}

void tcp_read_init(tcp_read_t *r, tcp_stream_t *s, void *buf, size_t len)
{
    *r = (tcp_read_t){{read_poll, NULL}, s, buf, len, 0};
}

static poll_t write_poll(future_t *f, context_t *cx)
{
    tcp_write_t *w = (tcp_write_t *)f;
    return tcp_stream_poll_write(w->stream, cx, w->buf, w->len, &w->result);
}

void tcp_write_init(tcp_write_t *w, tcp_stream_t *s, const void *buf,
                    size_t len)
{
    *w = (tcp_write_t){{write_poll, NULL}, s, buf, len, 0};
}

static poll_t read_exact_poll(future_t *f, context_t *cx)
{
    tcp_read_exact_t *r = (tcp_read_exact_t *)f;
    ssize_t n;
    while (r->done < r->len) {
        if (tcp_stream_poll_read(r->stream, cx, (char *)r->buf + r->done,
                                 r->len - r->done, &n) == POLL_PENDING)
            return POLL_PENDING;
        if (n <= 0) {
            r->result = n == 0 ? -EPIPE : n; /* 0: closed before the end */
            return POLL_READY;
        }
        r->done += (size_t)n;
    }
    r->result = (ssize_t)r->len;
    return POLL_READY;
}

void tcp_read_exact_init(tcp_read_exact_t *r, tcp_stream_t *s, void *buf,
                         size_t len)
{
    *r = (tcp_read_exact_t){{read_exact_poll, NULL}, s, buf, len, 0, 0};
}

static poll_t write_all_poll(future_t *f, context_t *cx)
{
    tcp_write_all_t *w = (tcp_write_all_t *)f;
    ssize_t n;
    while (w->done < w->len) {
        if (tcp_stream_poll_write(w->stream, cx, (const char *)w->buf + w->done,
                                  w->len - w->done, &n) == POLL_PENDING)
            return POLL_PENDING;
        if (n <= 0) {
            w->result = n == 0 ? -EPIPE : n; /* 0 would loop for ever */
            return POLL_READY;
        }
        w->done += (size_t)n;
    }
    w->result = (ssize_t)w->len;
    return POLL_READY;
}

void tcp_write_all_init(tcp_write_all_t *w, tcp_stream_t *s, const void *buf,
                        size_t len)
{
    *w = (tcp_write_all_t){{write_all_poll, NULL}, s, buf, len, 0, 0};
}
