/*
 * tests/lesson-wrong/08-stream-left-open.c - a plausible wrong answer to
 * lesson 8's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: the task ends when its client closes, and leaves its
 * stream open ("the client closed it already"). The client closed ITS
 * end; this descriptor is the server's, and each finished connection
 * leaks one.
 *
 * expect: sockets were still open after every connection task had finished
 */
#include "exercise.h"

poll_t echo_conn_poll(future_t *f, context_t *cx)
{
    echo_conn_t *self = (echo_conn_t *)f;
    ASYNC_BEGIN(self);
    for (;;) {
        tcp_read_init(&self->rd, &self->stream, self->buf, sizeof self->buf);
        AWAIT(self, cx, &self->rd.base);
        if (self->rd.result <= 0)
            break; /* the client closed (0), or an error */
        tcp_write_all_init(&self->wr, &self->stream, self->buf,
                           (size_t)self->rd.result);
        AWAIT(self, cx, &self->wr.base);
        if (self->wr.result < 0)
            break;
        self->totals->bytes += (size_t)self->wr.result;
    }
    self->totals->finished++;
    ASYNC_END(self);
}
