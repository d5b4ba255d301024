/*
 * lessons/14-blocking/exercise.c - YOUR exercise for lesson 14.
 *
 * This checksum task calls a blocking function right inside its poll, so
 * it stalls the worker thread for SLOW_MS each time. Make it keep the
 * worker free: the contract and its trap are in exercise.h. Then:
 *
 *     asynclab check 14
 *
 * Stuck? asynclab hint 14
 */
#include "exercise.h"

poll_t checksum_task_poll(future_t *f, context_t *cx)
{
    checksum_task_t *t = (checksum_task_t *)f;
    (void)cx;
    /* TODO: this blocks the worker. */
    t->result = (uintptr_t)slow_checksum((void *)t->text);
    t->done = true;
    return POLL_READY;
}
