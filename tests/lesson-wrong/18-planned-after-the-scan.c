/*
 * tests/lesson-wrong/18-planned-after-the-scan.c - a plausible wrong
 * answer to lesson 18 (run by tests/lesson_wrong.sh): planned is only set
 * after the scan, so while expire_due runs it still promises the last
 * deadline, and a SET that lands behind the scan wakes nobody.
 * expect: while expire_due was scanning at 300 ms, was deleted at 1000 ms
 */
#include "exercise.h"

void expiry_task_drop(future_t *f)
{
    expiry_task_t *t = (expiry_task_t *)f;
    if (t->changed_live)
        future_drop(&t->changed.base);
    if (t->sleep_live)
        future_drop(&t->sleep.base);
    t->changed_live = t->sleep_live = false;
}

poll_t expiry_task_poll(future_t *f, context_t *cx)
{
    expiry_task_t *t = (expiry_task_t *)f;
    expiry_store_t *s = t->store;
    for (;;) {
        if (atomic_load(&s->stop)) {
            expiry_task_drop(f);
            return POLL_READY;
        }
        if (!t->waiting) {
            uint64_t next = s->expire_due(s, driver_now_ms(driver_current()));
            atomic_store(&s->planned, next);
            /* DRIVER_NEVER: a sleep that arms no timer and keeps no waker;
             * the notified future keeps ours. */
            uint64_t until = next >= DRIVER_NEVER ? DRIVER_NEVER : next;
            if (t->sleep_live) {
                sleep_reset(&t->sleep, until);
            } else {
                sleep_until_init(&t->sleep, until);
                t->sleep_live = true;
            }
            notified_init(&t->changed, &s->changed);
            t->changed_live = true;
            t->waiting = true;
        }
        if (future_poll(&t->changed.base, cx) == POLL_READY) {
            t->changed_live = false; /* finished: nothing left to drop */
            t->waiting = false;
            continue; /* plan again: an earlier deadline, or stop */
        }
        if (future_poll(&t->sleep.base, cx) == POLL_READY) {
            future_drop(&t->changed.base); /* leave the queue */
            t->changed_live = false;
            t->waiting = false;
            continue; /* something is due */
        }
        return POLL_PENDING; /* both keep our waker */
    }
}
