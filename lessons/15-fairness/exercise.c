/*
 * lessons/15-fairness/exercise.c - YOUR exercise for lesson 15.
 *
 * take_poll is READY whenever a value is there, so a task that awaits it
 * in a loop never lets anyone else run, and it does not wait at all when
 * no value is there. The contract and its trap are in exercise.h. Then:
 *
 *     asynclab check 15
 *
 * Stuck? asynclab hint 15
 */
#include "exercise.h"

poll_t take_poll(future_t *f, context_t *cx)
{
    take_t *t = (take_t *)f;
    (void)cx;
    /* TODO: exercise.h's contract. */
    t->value = t->src->next++;
    return POLL_READY;
}
