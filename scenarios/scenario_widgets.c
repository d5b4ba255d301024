/*
 * scenarios/scenario_widgets.c - `widgets`: N widget tasks, half written by
 * hand and half with the async macros (scenarios/widget.h), each not ready R
 * times before it is. No waiting on the outside world: every PENDING is
 * followed by a wake, so this is pure scheduling work. On the spin
 * executor the wasted polls are exactly N * R.
 *
 * Tests: tests/cli.sh.
 */
#include <stdio.h>

#include "scenarios/scenario.h"
#include "scenarios/widget.h"

static int widgets_run(executor_t *ex, const scenario_params_t *p,
                       scenario_result_t *out)
{
    int tasks = scenario_param(p->tasks, 1000);
    int rounds = scenario_param(p->rounds, 3);
    /* Outlives every task: run returns only when all have finished, and
     * a task still pending on error never touches it again. */
    static widget_tally_t tally;
    static scenario_spawns_t spawns;
    widget_tally_init(&tally);
    scenario_spawns_init(&spawns);

    snprintf(out->what, sizeof out->what,
             "%d widget tasks (half by hand, half with macros), "
             "each not ready %d times",
             tasks, rounds);
    out->tasks_expected = (uint64_t)tasks;
    for (int i = 0; i < tasks; i++) {
        widget_task_t w;
        if (i % 2 == 0)
            widget_task_init_hand(&w, rounds, i, &tally);
        else
            widget_task_init_async(&w, rounds, i, &tally);
        if (scenario_spawn(&spawns, ex, &w.base, sizeof w, "widget", true) != 0)
            break; /* those spawned still run; the result says how many */
    }
    int err = executor_run(ex);
    /* Relaxed: executor_run has returned, which orders every task's
     * fetch_add (widget.c's finish) before this load. */
    out->tasks_done = atomic_load_explicit(&tally.done, memory_order_relaxed);
    return scenario_spawns_finish(&spawns, out, err);
}

const scenario_t scenario_widgets = {
    .name = "widgets",
    .summary = "widget tasks (hand-written and macro) not ready R times",
    .defaults = "--tasks 1000 --rounds 3",
    .run = widgets_run,
};
