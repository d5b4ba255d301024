/*
 * lessons/15-fairness/exercise.c - YOUR exercise for lesson 15.
 *
 * take_poll is always READY, so a task that awaits it in a loop never lets
 * anyone else run. Make it spend the cooperative budget. Contract in
 * exercise.h. Then:
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
    /* TODO: spend one unit of the cooperative budget first (core/coop.h);
     * when there is none left, take nothing and return PENDING. */
    t->value = t->src->next++;
    return POLL_READY;
}

/* Part 2. */
const long taken_before_other_task_ran = -1;
const long self_wakes_widgets_notify = -1;
