/*
 * tests/lesson-wrong/04-ready-pushed-back.c - a plausible wrong answer to
 * lesson 4's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: every polled future goes back in the queue, READY ones
 * too ("the spin executor polls everyone round and round"). A finished
 * future is polled again, and the queue never empties.
 *
 * expect: was polled again after it answered READY
 */
#include "exercise.h"

int mini_spin_step(mini_spin_t *s)
{
    if (s->len == 0)
        return 0;
    if (s->pass_left == 0) {
        s->pass_left = s->len;
        s->passes++;
        if (s->turn != NULL)
            s->turn(s->turn_arg);
    }
    s->pass_left--;
    future_t *f = mini_spin_pop(s);
    context_t cx = {.waker = &s->noop};
    s->polls++;
    if (future_poll(f, &cx) == POLL_READY)
        s->completed++;
    else
        s->wasted_polls++;
    mini_spin_push(s, f);
    return 1;
}

int mini_spin_run(mini_spin_t *s)
{
    while (mini_spin_step(s) == 1)
        ;
    return 0;
}
