/*
 * core/coop.c - the cooperative budget; see core/coop.h for the idea.
 * A thread-local, because a poll runs on one thread from start to end.
 */
#include "core/coop.h"

static _Thread_local int budget = COOP_UNLIMITED;

int coop_budget_set(int value)
{
    int prev = budget;
    budget = value;
    return prev;
}

bool coop_poll_proceed(context_t *cx)
{
    if (budget == COOP_UNLIMITED)
        return true;
    if (budget > 0) {
        budget--;
        return true;
    }
    waker_wake_by_ref(cx->waker);
    return false;
}
