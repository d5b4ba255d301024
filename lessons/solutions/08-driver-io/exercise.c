/*
 * lessons/solutions/08-driver-io/exercise.c - the reference solution.
 * See lessons/08-driver-io/exercise.h for the contract.
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
    tcp_stream_close(&self->stream);
    self->totals->finished++;
    ASYNC_END(self);
}
