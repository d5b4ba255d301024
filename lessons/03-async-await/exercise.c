/*
 * lessons/03-async-await/exercise.c - YOUR exercise for lesson 3.
 *
 * Write pair_sum_poll with the macros of core/async.h: await widget a,
 * yield once, await widget b, then store a.value + b.value in output.
 * The contract is in exercise.h. Then:
 *
 *     asynclab check 3
 *
 * Stuck? asynclab hint 3
 */
#include "exercise.h"

poll_t pair_sum_poll(future_t *f, context_t *cx)
{
    pair_sum_t *self = (pair_sum_t *)f;
    (void)cx;
    /* TODO: ASYNC_BEGIN(self); then AWAIT the first widget, YIELD_NOW,
     * AWAIT the second, set self->output; end with ASYNC_END(self). */
    self->output = 0;
    return POLL_READY;
}
