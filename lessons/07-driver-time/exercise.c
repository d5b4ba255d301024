/*
 * lessons/07-driver-time/exercise.c - YOUR exercise for lesson 7.
 *
 * Part 1: compute where the timer wheel puts a deadline. Part 2: a future
 * that awaits an interval. Contracts and a worked example in exercise.h.
 * Then:
 *
 *     asynclab check 7
 *
 * Stuck? asynclab hint 7
 */
#include "exercise.h"

void wheel_place(uint64_t elapsed, uint64_t deadline, unsigned *level,
                 unsigned *slot)
{
    /* TODO: clamp a deadline more than WHEEL_MAX_MS ahead; find the
     * highest base-64 digit (WHEEL_SLOT_BITS bits each) where elapsed and
     * deadline differ: that is the level (0 at least); the slot is the
     * deadline's digit at that level. */
    (void)elapsed;
    (void)deadline;
    *level = 99;
    *slot = 99;
}

poll_t ticker_poll(future_t *f, context_t *cx)
{
    ticker_t *self = (ticker_t *)f;
    (void)cx;
    /* TODO: with ASYNC_BEGIN / AWAIT / ASYNC_END, await self->iv
     * TICKER_TICKS times; after each tick store
     * driver_now_ms(driver_current()) in self->at[self->count++]. */
    (void)self;
    return POLL_READY;
}
