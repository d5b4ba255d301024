/*
 * lessons/18-mini-redis/exercise.c - YOUR exercise for lesson 18.
 *
 * Write mini-redis's expiry task: it deletes every key at its deadline,
 * sleeping on the driver's timer wheel in between, and ends at stop. The
 * contract and its trap are in exercise.h. Then:
 *
 *     asynclab check 18
 *
 * Stuck? asynclab hint 18
 */
#include "exercise.h"

void expiry_task_drop(future_t *f)
{
    expiry_task_t *t = (expiry_task_t *)f;
    /* TODO: release what is live. */
    (void)t;
}

poll_t expiry_task_poll(future_t *f, context_t *cx)
{
    expiry_task_t *t = (expiry_task_t *)f;
    (void)cx;
    /* TODO: exercise.h's contract. */
    (void)t;
    return POLL_READY;
}
