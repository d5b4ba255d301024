/*
 * lessons/solutions/05-wakers/exercise.c - the reference solution.
 * See lessons/05-wakers/exercise.h for the contracts.
 */
#include "exercise.h"

void event_set(event_t *e)
{
    if (e->set)
        return;
    e->set = true;
    if (waker_is_set(&e->waiter))
        waker_wake(&e->waiter); /* consumes: the slot is empty after */
}

void event_destroy(event_t *e)
{
    waker_drop(&e->waiter);
}

poll_t event_wait_poll(future_t *f, context_t *cx)
{
    event_wait_t *w = (event_wait_t *)f;
    if (w->event->set)
        return POLL_READY;
    waker_register(&w->event->waiter, cx); /* clone unless will_wake */
    /* Look again: the event may have been set while the waker was being
     * kept, and then it woke nobody. */
    if (w->event->set) {
        waker_drop(&w->event->waiter); /* nobody will wake it now */
        return POLL_READY;
    }
    return POLL_PENDING;
}
