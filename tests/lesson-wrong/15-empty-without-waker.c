/*
 * tests/lesson-wrong/15-empty-without-waker.c - a plausible wrong answer
 * to lesson 15 (run by tests/lesson_wrong.sh): an empty source returns
 * PENDING and leaves no waker, so the value that comes later wakes nobody.
 * expect: left no waker in src->waiter
 */
#include "exercise.h"

poll_t take_poll(future_t *f, context_t *cx)
{
    take_t *t = (take_t *)f;
    source_t *s = t->src;
    if (s->next == s->end) {
        (void)cx; /* nothing there: come back later */
        return POLL_PENDING;
    }
    if (!coop_poll_proceed(cx))
        return POLL_PENDING; /* budget spent: our task is already woken */
    t->value = s->next++;
    return POLL_READY;
}
