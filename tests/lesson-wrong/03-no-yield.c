/*
 * tests/lesson-wrong/03-no-yield.c - a plausible wrong answer to lesson
 * 3's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: the yield of the async fn is left out ("it does nothing,
 * the sum is the same"). The sum is right; the poll sequence is not, and
 * on an executor the other ready tasks never get their turn in between.
 *
 * expect: Did you forget YIELD_NOW
 */
#include "exercise.h"

poll_t pair_sum_poll(future_t *f, context_t *cx)
{
    pair_sum_t *self = (pair_sum_t *)f;
    ASYNC_BEGIN(self);
    AWAIT(self, cx, &self->a.base);
    AWAIT(self, cx, &self->b.base);
    self->output = self->a.value + self->b.value;
    ASYNC_END(self);
}
