/*
 * core/coop.h - the cooperative budget (Tokio's coop module, 2020).
 *
 * A task whose futures are always ready (a channel that never empties)
 * would otherwise never return to its executor. The executor grants a
 * budget of COOP_BUDGET operations per task poll; leaf futures in sync/
 * and driver/ spend one unit each time they would return READY, and when
 * the budget is gone they wake their own task and return PENDING instead.
 * The task goes to the back of the queue; everyone else gets a turn.
 *
 * The budget is a thread-local: one poll runs on one thread. Outside an
 * executor that grants one, the budget is unlimited.
 */
#ifndef ASYNCLAB_CORE_COOP_H
#define ASYNCLAB_CORE_COOP_H

#include <stdbool.h>

#include "core/waker.h"

#define COOP_BUDGET 128
#define COOP_UNLIMITED (-1)

/* Set the budget for the poll about to start; returns the previous one. */
int coop_budget_set(int budget);

/*
 * Spend one unit. True: go on and return READY. False: the budget is
 * spent; the caller's task has been woken and the caller must return
 * PENDING without doing its operation.
 */
bool coop_poll_proceed(context_t *cx);

#endif
