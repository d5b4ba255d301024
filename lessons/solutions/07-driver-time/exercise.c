/*
 * lessons/solutions/07-driver-time/exercise.c - the reference solution.
 * See lessons/07-driver-time/exercise.h for the contracts.
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
    future_drop(&self->iv.base); /* cancels the interval's timer, if armed */
}
