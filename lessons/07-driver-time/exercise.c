/*
 * lessons/07-driver-time/exercise.c - YOUR exercise for lesson 7.
 *
 * Part 1: compute where the timer wheel puts a deadline. Part 2: a future
 * that awaits an interval, and what happens when it is dropped. The
 * contracts, their traps and a worked example are in exercise.h. Then:
 *
 *     asynclab check 7
 *
 * Stuck? asynclab hint 7
 */
#include "exercise.h"

void wheel_place(uint64_t elapsed, uint64_t deadline, unsigned *level,
                 unsigned *slot)
{
    /* TODO */
    (void)elapsed;
    (void)deadline;
    *level = 99;
    *slot = 99;
}

poll_t ticker_poll(future_t *f, context_t *cx)
{
    ticker_t *self = (ticker_t *)f;
    (void)cx;
    /* TODO (the line below is the untouched exercise: replace it) */
    (void)self;
    return POLL_READY;
}

void ticker_drop(future_t *f)
{
    /* TODO */
    (void)f;
}
