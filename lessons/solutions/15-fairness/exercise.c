/*
 * lessons/solutions/15-fairness/exercise.c - the reference solution.
 * See lessons/15-fairness/exercise.h for the idea.
 */
#include "exercise.h"

poll_t take_poll(future_t *f, context_t *cx)
{
    take_t *t = (take_t *)f;
    if (!coop_poll_proceed(cx))
        return POLL_PENDING; /* budget spent: our task is already woken */
    t->value = t->src->next++;
    return POLL_READY;
}

const long taken_before_other_task_ran = COOP_BUDGET;
const long self_wakes_widgets_notify = 3000;
