/*
 * tests/lesson-wrong/06-queued-twice.c - lesson 6, wrong: the wake checks
 * `done` but not `queued`, so a task woken twice is linked into the ready
 * queue twice and the list's links tangle.
 * expect: a task was queued twice
 * (tests/lesson_wrong.sh)
 */
#include "exercise.h"

void mini_task_wake(mini_task_t *t)
{
    if (t->done)
        return; /* finished, or already waiting its turn: once is enough */
    mini_notify_t *ex = t->ex;
    t->queued = true;
    t->next = NULL;
    if (ex->tail != NULL)
        ex->tail->next = t;
    else
        ex->head = t;
    ex->tail = t;
    ex->wakes++;
}

void mini_notify_spawn(mini_notify_t *ex, mini_task_t *t, future_t *f)
{
    *t = (mini_task_t){.future = f, .ex = ex};
    ex->live++;
    mini_task_wake(t);
}

int mini_notify_step(mini_notify_t *ex)
{
    mini_task_t *t;
    do { /* a task that woke itself and then finished is skipped */
        t = ex->head;
        if (t == NULL)
            return 0;
        ex->head = t->next;
        if (ex->head == NULL)
            ex->tail = NULL;
        t->queued = false; /* from here on, a wake queues it again */
    } while (t->done);
    waker_t w = mini_task_waker(t);
    context_t cx = {.waker = &w};
    ex->polls++;
    if (future_poll(t->future, &cx) == POLL_READY) {
        t->done = true;
        ex->live--;
        ex->completed++;
    }
    return 1;
}

int mini_notify_run(mini_notify_t *ex)
{
    while (ex->live > 0) {
        if (mini_notify_step(ex) == 1)
            continue;
        int err = ex->park(ex); /* nothing ready: sleep until a wake */
        if (err < 0)
            return err;
    }
    return 0;
}
