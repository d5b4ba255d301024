/*
 * tests/lesson-wrong/12-drop-swallows.c - a plausible wrong answer to lesson 12's
 * exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: the drop leaves the line and gives back the waker, but a
 * waiter that notify_one had already chosen (and taken out of the line)
 * takes its notification with it. The next waiter is never woken.
 *
 * expect: lost when the waiter it was handed to was dropped
 */
#include "exercise.h"

/* Take w out of the line, mark why, wake it. */
static void grant(mini_notify_t *n, mini_waiter_t *w, int why)
{
    list_remove(&n->waiters, &w->node);
    w->queued = false;
    w->got = why;
    waker_t wk = waker_take(&w->waker);
    if (waker_is_set(&wk))
        waker_wake(&wk);
}

void mini_notify_one(mini_notify_t *n)
{
    mini_waiter_t *w = mini_waiter_of(n->waiters.head);
    if (w == NULL)
        n->permit = true;
    else
        grant(n, w, MINI_BY_ONE);
}

void mini_notify_waiters(mini_notify_t *n)
{
    mini_waiter_t *w;
    while ((w = mini_waiter_of(n->waiters.head)) != NULL)
        grant(n, w, MINI_BY_ALL);
}

poll_t mini_notified_poll(future_t *f, context_t *cx)
{
    mini_notified_t *self = (mini_notified_t *)f;
    mini_notify_t *n = self->notify;
    mini_waiter_t *w = &self->waiter;

    if (w->got == MINI_NOT_YET && !w->queued && n->permit) {
        n->permit = false;
        w->got = MINI_BY_ONE;
    }
    if (w->got != MINI_NOT_YET) {
        waker_drop(&w->waker);
        w->got = MINI_NOT_YET; /* used: the drop has nothing to pass on */
        return POLL_READY;
    }
    waker_register(&w->waker, cx);
    if (!w->queued) {
        list_push_back(&n->waiters, &w->node);
        w->queued = true;
    }
    return POLL_PENDING;
}

void mini_notified_drop(future_t *f)
{
    mini_notified_t *self = (mini_notified_t *)f;
    mini_notify_t *n = self->notify;
    mini_waiter_t *w = &self->waiter;

    if (w->queued) {
        list_remove(&n->waiters, &w->node);
        w->queued = false;
    }
    waker_drop(&w->waker);
    w->got = MINI_NOT_YET; /* whatever it was given is gone with it */
}
