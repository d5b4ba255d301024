/*
 * scenarios/scenario_yield.c - `yield`: N tasks each do a little work and
 * yield, R times. Nothing ever waits: every wake is a self-wake, so the
 * visualizer warns ("more than half of wakes are self-wakes") - the mark
 * of a task that polls a condition by yielding instead of keeping a waker.
 *
 * Yielding is still right for its real job, sharing a thread during a
 * long computation; the warning asks which of the two a task is doing.
 *
 * Tests: tests/cli.sh runs every scenario; tests/viz.sh.
 */
#include <stdio.h>

#include "scenarios/demo.h"
#include "scenarios/scenario.h"

static int yield_run(executor_t *ex, const scenario_params_t *p,
                     scenario_result_t *out)
{
    int tasks = scenario_param(p->tasks, 4);
    int rounds = scenario_param(p->rounds, 20);
    static demo_count_t done; /* outlives pending tasks */
    static scenario_spawns_t spawns;
    atomic_init(&done, 0);
    scenario_spawns_init(&spawns);
    snprintf(out->what, sizeof out->what, "%d tasks each yield %d times", tasks,
             rounds);
    out->tasks_expected = (uint64_t)tasks;
    demo_yielder_t y;
    demo_yielder_init(&y, rounds, 1, &done);
    int err = scenario_spawn_copies_and_run(ex, &spawns, tasks, &y.base,
                                            sizeof y, "yielder");
    /* Relaxed: pairs with the count through executor_run. */
    out->tasks_done = atomic_load_explicit(&done, memory_order_relaxed);
    return scenario_spawns_finish(&spawns, out, err);
}

const scenario_t scenario_yield = {
    .name = "yield",
    .summary = "tasks that only yield: every wake a self-wake (a warning)",
    .defaults = "--tasks 4 --rounds 20",
    .run = yield_run,
};
