/*
 * tests/lesson-wrong/15-take-then-ask.c - a plausible wrong answer to
 * lesson 15 (run by tests/lesson_wrong.sh): the value is taken first and
 * the budget asked after, so every refusal throws a value away.
 * expect: do not skip a value
 */
#include "exercise.h"

poll_t take_poll(future_t *f, context_t *cx)
{
    take_t *t = (take_t *)f;
    source_t *s = t->src;
    if (s->next == s->end) {
        waker_register(&s->waiter, cx); /* nothing there: spend nothing */
        return POLL_PENDING;
    }
    t->value = s->next++;
    if (!coop_poll_proceed(cx))
        return POLL_PENDING; /* budget spent: our task is already woken */
    return POLL_READY;
}
