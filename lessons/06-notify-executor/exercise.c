/*
 * lessons/06-notify-executor/exercise.c - YOUR exercise for lesson 6.
 *
 * A notify executor: the wake, the spawn, the step and the run loop. The
 * contracts and the traps are in exercise.h. Then:
 *
 *     asynclab check 6
 *
 * and, once it passes (with lesson 10's block_on), watch your own
 * executor run real timers: asynclab run sleepers --executor mine
 *
 * Stuck? asynclab hint 6
 */
#include "exercise.h"

void mini_task_wake(mini_task_t *t)
{
    /* TODO */
    (void)t;
}

void mini_notify_spawn(mini_notify_t *ex, mini_task_t *t, future_t *f)
{
    *t = (mini_task_t){.future = f, .ex = ex};
    /* TODO */
}

int mini_notify_step(mini_notify_t *ex)
{
    /* TODO */
    (void)ex;
    return 0;
}

int mini_notify_run(mini_notify_t *ex)
{
    /* TODO */
    (void)ex;
    return 0;
}
