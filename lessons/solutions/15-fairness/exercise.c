/*
 * lessons/solutions/15-fairness/exercise.c - the reference solution.
 * See lessons/15-fairness/exercise.h for the contract.
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
    if (!coop_poll_proceed(cx))
        return POLL_PENDING; /* budget spent: our task is already woken */
    t->value = s->next++;
    return POLL_READY;
}
