/*
 * tests/lesson-wrong/07-place-by-distance.c - a plausible wrong answer to
 * lesson 7's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: the level is picked by how far away the deadline is
 * (deadline - elapsed) instead of by the highest digit where the two
 * differ. It agrees with the wheel most of the time, and is wrong when a
 * near deadline crosses into the next 64-ms block.
 *
 * expect: the level comes from the digits, not the distance
 */
#include "exercise.h"

void wheel_place(uint64_t elapsed, uint64_t deadline, unsigned *level,
                 unsigned *slot)
{
    if (deadline - elapsed > WHEEL_MAX_MS)
        deadline = elapsed + WHEEL_MAX_MS;
    unsigned l = WHEEL_LEVELS - 1;
    while (l > 0 && ((deadline - elapsed) >> (l * WHEEL_SLOT_BITS)) == 0)
        l--;
    *level = l;
    *slot = (unsigned)(deadline >> (l * WHEEL_SLOT_BITS)) & (WHEEL_SLOTS - 1);
}

poll_t ticker_poll(future_t *f, context_t *cx)
{
    ticker_t *self = (ticker_t *)f;
    ASYNC_BEGIN(self);
    while (self->count < TICKER_TICKS) {
        AWAIT(self, cx, &self->iv.base);
        self->at[self->count++] = driver_now_ms(driver_current());
    }
    ASYNC_END(self);
}

void ticker_drop(future_t *f)
{
    ticker_t *self = (ticker_t *)f;
    future_drop(&self->iv.base); /* cancels the interval's timer, if armed */
}
