/*
 * tests/lesson-wrong/18-notified-never-dropped.c - a plausible wrong
 * answer to lesson 18 (run by tests/lesson_wrong.sh): when the sleep wins,
 * the notified_t that lost is forgotten, not dropped, and the next round
 * makes a new one over it while it is still in the notify's queue.
 * expect: a notified_t that lost to the sleep must be dropped
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
            atomic_store(&s->planned, EXPIRY_NONE); /* scanning */
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
            t->changed_live = false;
            t->waiting = false;
            continue; /* something is due */
        }
        return POLL_PENDING; /* both keep our waker */
    }
}
