/*
 * bench/echo.c - the echo server's two tasks; see bench/echo.h.
 *
 * A connection's lifetime, and who closes what:
 *
 *   accept ──> echo_conn_t spawned (owns the stream)
 *                 │ read n > 0 ──> write_all n ──┐
 *                 │ <────────────────────────────┘
 *                 │ read 0 (peer closed), an error, or stop
 *                 v
 *              close the stream, on_close hook ──> READY
 *
 * Drop (the executor shut down first) closes too, and leaves the stop
 * notify's waiter queue, so a notify_t outlives no dangling waiter.
 *
 * Tests: tests/cli.sh (the echo and c10k scenarios).
 */
#include "bench/echo.h"

#include <errno.h>
#include <string.h>

#include "core/executor.h"

/* ---- one connection ---------------------------------------------------- */

/* Close once; the hook hears of it once. */
static void conn_close(echo_conn_t *self)
{
    if (self->stream.fd < 0)
        return;
    tcp_stream_close(&self->stream);
    if (self->hooks.on_close_fn != NULL)
        self->hooks.on_close_fn(self->hooks.arg);
}

static poll_t echo_conn_poll(future_t *f, context_t *cx)
{
    echo_conn_t *self = (echo_conn_t *)f;
    /* The select: stop first, then the socket. READY is final: never
     * polled again, because the task ends right here. */
    if (future_poll(&self->stop.base, cx) == POLL_READY) {
        conn_close(self);
        return POLL_READY;
    }
    ASYNC_BEGIN(self);
    for (;;) {
        tcp_read_init(&self->read, &self->stream, self->buf, sizeof self->buf);
        AWAIT(self, cx, &self->read.base);
        if (self->read.result <= 0)
            break; /* the peer closed, or an error: this connection is over */
        tcp_write_all_init(&self->write, &self->stream, self->buf,
                           (size_t)self->read.result);
        AWAIT(self, cx, &self->write.base);
        if (self->write.result < 0)
            break;
    }
    conn_close(self);
    ASYNC_END(self);
}

static void echo_conn_drop(future_t *f)
{
    echo_conn_t *self = (echo_conn_t *)f;
    future_drop(&self->stop.base); /* leaves the waiter queue if queued */
    conn_close(self);
}

/* Spawn an echo task for a new stream, or close the stream. */
static void spawn_conn(echo_server_t *s, tcp_stream_t stream)
{
    echo_conn_t conn = {
        .base = {echo_conn_poll, echo_conn_drop},
        .stream = stream,
        .hooks = s->hooks,
    };
    notified_init(&conn.stop, s->stop_notify);
    if (spawn(&conn.base, sizeof conn, "echo-conn", NULL) != 0)
        future_drop(&conn.base); /* refused, so still ours: closes it */
}

/* ---- the accept loop --------------------------------------------------- */

static poll_t echo_server_poll(future_t *f, context_t *cx)
{
    echo_server_t *self = (echo_server_t *)f;
    while (future_poll(&self->stop.base, cx) == POLL_PENDING) {
        tcp_stream_t stream;
        int result;
        if (tcp_listener_poll_accept(&self->listener, cx, &stream, &result) ==
            POLL_PENDING)
            return POLL_PENDING;
        if (self->hooks.on_accept_fn != NULL)
            self->hooks.on_accept_fn(self->hooks.arg, result);
        if (result < 0) {
            /* Out of fds, say: let the other tasks run (and close some)
             * before trying again, instead of spinning inside one poll. */
            waker_wake_by_ref(cx->waker);
            return POLL_PENDING;
        }
        self->accepted++;
        spawn_conn(self, stream);
    }
    tcp_listener_close(&self->listener);
    return POLL_READY;
}

static void echo_server_drop(future_t *f)
{
    echo_server_t *self = (echo_server_t *)f;
    future_drop(&self->stop.base);
    tcp_listener_close(&self->listener); /* a no-op once closed */
}

void echo_server_init(echo_server_t *s, tcp_listener_t listener, notify_t *stop,
                      const echo_hooks_t *hooks)
{
    *s = (echo_server_t){
        .base = {echo_server_poll, echo_server_drop},
        .listener = listener,
        .stop_notify = stop,
    };
    if (hooks != NULL)
        s->hooks = *hooks;
    notified_init(&s->stop, stop);
}

/* ---- the client's round trips ------------------------------------------ */

static poll_t echo_rounds_poll(future_t *f, context_t *cx)
{
    echo_rounds_t *self = (echo_rounds_t *)f;
    ASYNC_BEGIN(self);
    for (self->round = 0; self->round < self->rounds; self->round++) {
        memset(self->out, 'a' + self->round % 26, ECHO_MESSAGE);
        tcp_write_all_init(&self->write, self->stream, self->out, ECHO_MESSAGE);
        AWAIT(self, cx, &self->write.base);
        if (self->write.result < 0) {
            self->result = (int)self->write.result;
            break;
        }
        tcp_read_exact_init(&self->read, self->stream, self->in, ECHO_MESSAGE);
        AWAIT(self, cx, &self->read.base);
        if (self->read.result < 0)
            self->result = (int)self->read.result;
        else if (memcmp(self->in, self->out, ECHO_MESSAGE) != 0)
            self->result = -EPROTO;
        if (self->result != 0)
            break;
    }
    ASYNC_END(self);
}

void echo_rounds_init(echo_rounds_t *r, tcp_stream_t *stream, int rounds)
{
    *r = (echo_rounds_t){
        .base = {echo_rounds_poll, NULL}, /* owns nothing: the stream is
                                             borrowed */
        .stream = stream,
        .rounds = rounds,
    };
}
