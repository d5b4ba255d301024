/*
 * tests/lesson-wrong/05-check-then-register.c - a plausible wrong answer
 * to lesson 5's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: look at the flag, then keep the waker, then say PENDING.
 * Right on one thread; but the event can be set between the look and the
 * keeping, and then it wakes nobody: a lost wakeup.
 *
 * expect: nobody was woken: a lost wakeup
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
    waker_register(&w->event->waiter, cx);
    return POLL_PENDING;
}
