/*
 * scenarios/scenario_timers.c - `timers`: N tasks sleep on the driver's timer
 * wheel, task i for (i + 1) x M ms, R times over. Shows the driver: the
 * pending timers by wheel level (a deadline under 64 ms away sits on
 * level 0, under 4096 ms on level 1, ...), the executor parking until the
 * next deadline, and "timer woke tN" in the log.
 *
 * Tests: tests/cli.sh runs every scenario; tests/viz.sh.
 */
#include <inttypes.h>
#include <stdio.h>

#include "scenarios/demo.h"
#include "scenarios/scenario.h"

static int timers_run(executor_t *ex, const scenario_params_t *p,
                      scenario_result_t *out)
{
    int tasks = scenario_param(p->tasks, 6);
    int ms = scenario_param(p->ms, 15);
    int rounds = scenario_param(p->rounds, 3);
    static demo_count_t done; /* outlives pending tasks */
    static scenario_spawns_t spawns;
    atomic_init(&done, 0);
    scenario_spawns_init(&spawns);
    /* In uint64_t: --ms x --tasks does not fit an int (both up to
     * INT_MAX: the product is below 2^62). */
    snprintf(out->what, sizeof out->what,
             "%d tasks sleep %d to %" PRIu64 " ms, %d times each", tasks, ms,
             (uint64_t)ms * (uint64_t)tasks, rounds);
    out->tasks_expected = (uint64_t)tasks;
    for (int i = 0; i < tasks; i++) {
        demo_sleeper_t s;
        demo_sleeper_init(&s, (uint64_t)ms * ((uint64_t)i + 1), rounds, &done);
        if (scenario_spawn(&spawns, ex, &s.base, sizeof s, "sleeper", true) !=
            0)
            break; /* those spawned still run; the result says how many */
    }
    int err = executor_run(ex);
    /* Relaxed: pairs with the count through executor_run. */
    out->tasks_done = atomic_load_explicit(&done, memory_order_relaxed);
    return scenario_spawns_finish(&spawns, out, err);
}

const scenario_t scenario_timers = {
    .name = "timers",
    .summary = "tasks sleep staggered times on the timer wheel (the driver)",
    .defaults = "--tasks 6 --ms 15 --rounds 3",
    .run = timers_run,
};
