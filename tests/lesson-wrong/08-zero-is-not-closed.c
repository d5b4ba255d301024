/*
 * tests/lesson-wrong/08-zero-is-not-closed.c - a plausible wrong answer to
 * lesson 8's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: a read of 0 bytes is taken for "nothing this time" and the
 * loop reads again. The client has closed: every later read says 0 at
 * once, and the task spins (the cooperative budget keeps the thread
 * responsive, but the task never ends).
 *
 * expect: a read of 0 bytes means the client closed
 */
#include "exercise.h"

poll_t echo_conn_poll(future_t *f, context_t *cx)
{
    echo_conn_t *self = (echo_conn_t *)f;
    ASYNC_BEGIN(self);
    for (;;) {
        tcp_read_init(&self->rd, &self->stream, self->buf, sizeof self->buf);
        AWAIT(self, cx, &self->rd.base);
        if (self->rd.result < 0)
            break;
        if (self->rd.result == 0)
            continue;
        tcp_write_all_init(&self->wr, &self->stream, self->buf,
                           (size_t)self->rd.result);
        AWAIT(self, cx, &self->wr.base);
        if (self->wr.result < 0)
            break;
        self->totals->bytes += (size_t)self->wr.result;
    }
    tcp_stream_close(&self->stream);
    self->totals->finished++;
    ASYNC_END(self);
}
