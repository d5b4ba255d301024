/*
 * tests/lesson-wrong/03-yield-after-b.c - a plausible wrong answer to
 * lesson 3's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: both widgets are awaited, then the yield. The same sum,
 * the same number of polls, the same wakes: only the order of the polls
 * says b was started in the poll that finished a.
 *
 * expect: the yield comes between the two awaits
 */
#include "exercise.h"

poll_t pair_sum_poll(future_t *f, context_t *cx)
{
    pair_sum_t *self = (pair_sum_t *)f;
    ASYNC_BEGIN(self);
    AWAIT(self, cx, &self->a.base);
    AWAIT(self, cx, &self->b.base);
    YIELD_NOW(self, cx);
    self->output = self->a.value + self->b.value;
    ASYNC_END(self);
}
