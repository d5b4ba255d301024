/*
 * lessons/solutions/03-async-await/exercise.c - the reference solution.
 * See lessons/03-async-await/exercise.h for the contract.
 */
#include "exercise.h"

poll_t pair_sum_poll(future_t *f, context_t *cx)
{
    pair_sum_t *self = (pair_sum_t *)f;
    ASYNC_BEGIN(self);
    AWAIT(self, cx, &self->a.base);
    YIELD_NOW(self, cx);
    AWAIT(self, cx, &self->b.base);
    self->output = self->a.value + self->b.value;
    ASYNC_END(self);
}
