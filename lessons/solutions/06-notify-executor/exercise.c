/*
 * lessons/solutions/06-notify-executor/exercise.c - the reference solution.
 * See lessons/06-notify-executor/exercise.h for the contracts.
 */
#include "exercise.h"

void mini_task_wake(mini_task_t *t)
{
    if (t->done || t->queued)
        return; /* finished, or already waiting its turn: once is enough */
    t->queued = true;
    ready_push(t->ex, t);
    t->ex->wakes++;
}

void mini_notify_spawn(mini_notify_t *ex, mini_task_t *t, future_t *f)
{
    *t = (mini_task_t){.future = f, .ex = ex};
    mini_task_wake(t);
}

int mini_notify_step(mini_notify_t *ex)
{
    mini_task_t *t = ready_pop(ex);
    if (t == NULL)
        return 0;
    t->queued = false; /* from here on, a wake queues it again */
    waker_t w = mini_task_waker(t);
    context_t cx = {.waker = &w};
    ex->polls++;
    if (future_poll(t->future, &cx) == POLL_READY) {
        t->done = true;
        ex->completed++;
    }
    return 1;
}

const char *const sleepers_fewest_polls = "notify";
const char *const widgets_fewest_polls = "same";
const char *const sleepers_parked = "notify";
