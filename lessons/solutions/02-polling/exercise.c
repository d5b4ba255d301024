/*
 * lessons/solutions/02-polling/exercise.c - the reference solution.
 * See lessons/02-polling/exercise.h for the contract.
 */
#include "exercise.h"

poll_t line_reader_poll(future_t *f, context_t *cx)
{
    line_reader_t *r = (line_reader_t *)f;
    for (;;) {
        int b = script_source_next(r->src);
        if (b == SOURCE_WOULD_BLOCK) {
            /* Not ready. Until lesson 5 gives us someone to hand the waker
             * to, "poll me again" is the honest thing to say. */
            waker_wake_by_ref(cx->waker);
            return POLL_PENDING;
        }
        if (b == SOURCE_EOF || b == '\n') {
            r->eof = b == SOURCE_EOF;
            r->line[r->len] = '\0';
            return POLL_READY;
        }
        if (r->len < LINE_MAX_LEN)
            r->line[r->len++] = (char)b;
    }
}
