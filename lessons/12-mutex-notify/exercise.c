/*
 * lessons/12-mutex-notify/exercise.c - YOUR exercise for lesson 12.
 *
 * A mini Notify: notify_one with its permit, notify_waiters, and the
 * notified future's poll and drop. The contract and its traps are in
 * exercise.h; the lesson's "The exercise" says what the checker tries.
 * Then:
 *
 *     asynclab check 12
 *
 * Stuck? asynclab hint 12
 */
#include "exercise.h"

void mini_notify_one(mini_notify_t *n)
{
    /* TODO: one notification, for the oldest waiter or for later. */
    (void)n;
}

void mini_notify_waiters(mini_notify_t *n)
{
    /* TODO: everyone waiting now, and nobody later. */
    (void)n;
}

poll_t mini_notified_poll(future_t *f, context_t *cx)
{
    /* TODO: READY when notified; otherwise wait in line. */
    (void)f;
    (void)cx;
    return POLL_PENDING;
}

void mini_notified_drop(future_t *f)
{
    /* TODO: leave no trace, and lose nothing. */
    (void)f;
}
