/*
 * lessons/solutions/04-spin-executor/exercise.c - the reference solution.
 * See lessons/04-spin-executor/exercise.h for the contracts.
 */
#include "exercise.h"

int mini_spin_step(mini_spin_t *s)
{
    future_t *f = mini_spin_pop(s);
    if (f == NULL)
        return 0;
    context_t cx = {.waker = &s->noop};
    s->polls++;
    if (future_poll(f, &cx) == POLL_READY) {
        s->completed++;
    } else {
        s->wasted_polls++;
        mini_spin_push(s, f); /* cannot fail: we just made room */
    }
    return 1;
}

int mini_spin_run(mini_spin_t *s)
{
    while (mini_spin_step(s) == 1)
        ;
    return 0;
}

const char *const compare_least_cpu = "notify";
const char *const compare_most_wasted = "spin";
const char *const compare_cpu_per_wall = "spin";
