/*
 * tests/lesson-wrong/04-turn-every-step.c - a plausible wrong answer to
 * lesson 4's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: the driver is turned at every step, "to be safe, so no
 * timer is ever late". Each turn is a system call (epoll_wait) on the
 * real executor: one per poll instead of one per pass.
 *
 * expect: the driver turns once, before its first poll
 */
#include "exercise.h"

int mini_spin_step(mini_spin_t *s)
{
    if (s->len == 0)
        return 0;
    if (s->pass_left == 0) {
        s->pass_left = s->len;
        s->passes++;
    }
    s->pass_left--;
    if (s->turn != NULL)
        s->turn(s->turn_arg);
    future_t *f = mini_spin_pop(s);
    context_t cx = {.waker = &s->noop};
    s->polls++;
    if (future_poll(f, &cx) == POLL_READY) {
        s->completed++;
    } else {
        s->wasted_polls++;
        mini_spin_push(s, f);
    }
    return 1;
}

int mini_spin_run(mini_spin_t *s)
{
    while (mini_spin_step(s) == 1)
        ;
    return 0;
}
