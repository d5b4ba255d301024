/*
 * lessons/solutions/04-spin-executor/exercise.c - the reference solution.
 * See lessons/04-spin-executor/exercise.h for the contracts.
 */
#include "exercise.h"

int mini_spin_step(mini_spin_t *s)
{
    if (s->len == 0)
        return 0;
    if (s->pass_left == 0) {
        /* A new pass: the futures queued now, and no others. */
        s->pass_left = s->len;
        s->passes++;
        if (s->turn != NULL)
            s->turn(s->turn_arg);
    }
    s->pass_left--;
    future_t *f = mini_spin_pop(s);
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
