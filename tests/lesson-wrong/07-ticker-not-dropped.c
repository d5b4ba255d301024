/*
 * tests/lesson-wrong/07-ticker-not-dropped.c - a plausible wrong answer to
 * lesson 7's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: ticker_drop does nothing ("the ticker owns no memory of
 * its own"). But its interval's timer is linked into the driver's wheel;
 * dropped between two ticks, the ticker leaves it there, pointing into
 * memory that is no longer the ticker's.
 *
 * expect: the driver still holds its timer
 */
#include "exercise.h"

void wheel_place(uint64_t elapsed, uint64_t deadline, unsigned *level,
                 unsigned *slot)
{
    if (deadline - elapsed > WHEEL_MAX_MS)
        deadline = elapsed + WHEEL_MAX_MS;
    unsigned l = WHEEL_LEVELS - 1;
    /* The highest base-64 digit where they differ; level 0 at least. */
    while (l > 0 && ((elapsed ^ deadline) >> (l * WHEEL_SLOT_BITS)) == 0)
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
    (void)self;
}
