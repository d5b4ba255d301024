/*
 * lessons/18-mini-redis/exercise.c - YOUR exercise for lesson 18.
 *
 * Write mini-redis's expiry task: sleep on the driver's timer wheel until
 * the earliest deadline, or until told of an earlier one; delete what is
 * due; again; end at stop. Contract in exercise.h; the futures are
 * sleep_t (driver/time.h) and notified_t (sync/notify.h). Then:
 *
 *     asynclab check 18
 *
 * Stuck? asynclab hint 18
 */
#include "exercise.h"

void expiry_task_drop(future_t *f)
{
    expiry_task_t *t = (expiry_task_t *)f;
    /* TODO: drop t->changed if t->changed_live, t->sleep if
     * t->sleep_live (future_drop), and clear both flags. */
    (void)t;
}

poll_t expiry_task_poll(future_t *f, context_t *cx)
{
    expiry_task_t *t = (expiry_task_t *)f;
    (void)cx;
    /* TODO: loop {
     *   stop set? expiry_task_drop, READY.
     *   not waiting? planned = EXPIRY_NONE; next = expire_due(now);
     *     planned = next; arm the sleep until next (sleep_until_init the
     *     first time, sleep_reset after; DRIVER_NEVER for EXPIRY_NONE);
     *     notified_init a fresh changed; waiting = true.
     *   changed READY? not waiting; again.
     *   sleep READY? drop changed; not waiting; again.
     *   else PENDING.
     * } */
    (void)t;
    return POLL_READY;
}
