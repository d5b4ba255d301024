/*
 * lessons/06-notify-executor/exercise.c - YOUR exercise for lesson 6.
 *
 * Part 1: a notify executor - wake, spawn and step. The picture and the
 * contracts are in exercise.h. Part 2: answer three questions from
 * `asynclab compare`. Then:
 *
 *     asynclab check 6
 *
 * Stuck? asynclab hint 6
 */
#include "exercise.h"

void mini_task_wake(mini_task_t *t)
{
    /* TODO: ignore a task that is done or already queued; otherwise mark
     * it queued, push it to the ready queue (ready_push) and count a wake
     * in t->ex->wakes. */
    (void)t;
}

void mini_notify_spawn(mini_notify_t *ex, mini_task_t *t, future_t *f)
{
    *t = (mini_task_t){.future = f, .ex = ex};
    /* TODO: a new task is ready to run: wake it. */
}

int mini_notify_step(mini_notify_t *ex)
{
    /* TODO: pop a ready task (none: return 0); clear its `queued` flag
     * BEFORE polling; poll it with mini_task_waker(t) in the context; count
     * the poll; READY: set done, count completed. Return 1. */
    (void)ex;
    return 0;
}

/* Part 2: "spin", "notify" or "same" for each. */
const char *const sleepers_fewest_polls = "TODO";
const char *const widgets_fewest_polls = "TODO";
const char *const sleepers_parked = "TODO";
