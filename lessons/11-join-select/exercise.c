/*
 * lessons/11-join-select/exercise.c - YOUR exercise for lesson 11.
 *
 * Write a join of n futures, a race (a select of two) and a deadline (a
 * timeout built on the race), to the contracts in exercise.h. Read the
 * contracts' traps: the checker's fake children count every poll, drop
 * and kept waker, and say which rule was broken. Then:
 *
 *     asynclab check 11
 *
 * Stuck? asynclab hint 11
 */
#include "exercise.h"

poll_t join_n_poll(future_t *f, context_t *cx)
{
    (void)f;
    (void)cx;
    return POLL_PENDING; /* TODO */
}

poll_t race_poll(future_t *f, context_t *cx)
{
    (void)f;
    (void)cx;
    return POLL_PENDING; /* TODO */
}

void race_drop(future_t *f)
{
    (void)f; /* TODO */
}

void deadline_init(deadline_t *d, future_t *inner, uint64_t ms)
{
    (void)ms;
    race_init(&d->race, inner, &d->sleep.base); /* TODO: and the sleep */
}

bool deadline_timed_out(const deadline_t *d)
{
    (void)d;
    return false; /* TODO */
}
