/*
 * tests/lesson-wrong/15-spend-on-empty.c - a plausible wrong answer to
 * lesson 15 (run by tests/lesson_wrong.sh): the budget is spent first, on
 * every poll, so a poll that finds the source empty costs the task a unit
 * for no work (Tokio gives such a unit back: "restore on pending").
 * expect: the empty poll spent the unit
 */
#include "exercise.h"

poll_t take_poll(future_t *f, context_t *cx)
{
    take_t *t = (take_t *)f;
    source_t *s = t->src;
    if (!coop_poll_proceed(cx))
        return POLL_PENDING; /* budget spent: our task is already woken */
    if (s->next == s->end) {
        waker_register(&s->waiter, cx); /* nothing there: spend nothing */
        return POLL_PENDING;
    }
    if (!coop_poll_proceed(cx))
        return POLL_PENDING; /* budget spent: our task is already woken */
    t->value = s->next++;
    return POLL_READY;
}
