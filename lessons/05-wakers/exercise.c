/*
 * lessons/05-wakers/exercise.c - YOUR exercise for lesson 5.
 *
 * Make a future keep its waker, and an event use it. As it stands, this
 * code is the naive sleep's bug again: event_wait_poll says PENDING and
 * keeps nothing, so on an executor that waits for wakes nobody can ever
 * poll the task again. The contracts, and the worst moment, are in
 * exercise.h. Then:
 *
 *     asynclab check 5
 *
 * What a waker can do is in core/waker.h. Stuck? asynclab hint 5
 */
#include "exercise.h"

void event_set(event_t *e)
{
    if (e->set)
        return;
    e->set = true;
    /* TODO */
}

void event_destroy(event_t *e)
{
    /* TODO */
    (void)e;
}

poll_t event_wait_poll(future_t *f, context_t *cx)
{
    event_wait_t *w = (event_wait_t *)f;
    (void)cx;
    if (w->event->set)
        return POLL_READY;
    /* TODO */
    return POLL_PENDING;
}
