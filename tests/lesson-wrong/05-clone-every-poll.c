/*
 * tests/lesson-wrong/05-clone-every-poll.c - a plausible wrong answer to
 * lesson 5's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: every PENDING poll stores a fresh clone of cx's waker in
 * the slot, over whatever was there. Each poll leaks the previous clone
 * (for a task waker: a reference that keeps the task alive forever).
 *
 * expect: do not replace it with a copy of itself
 */
#include "exercise.h"

void event_set(event_t *e)
{
    if (e->set)
        return;
    e->set = true;
    if (waker_is_set(&e->waiter))
        waker_wake(&e->waiter);
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
    w->event->waiter = waker_clone(cx->waker);
    if (w->event->set)
        return POLL_READY;
    return POLL_PENDING;
}
