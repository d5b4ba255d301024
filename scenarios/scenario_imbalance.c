/*
 * scenarios/scenario_imbalance.c - `imbalance`: one task spawns N children of
 * very unequal size: every eighth child yields 8 x R times, the others R
 * times. The light ones finish early; the heavy ones are left in a few
 * rings while other workers run out of work.
 *
 * On ws it shows why work stealing exists: idle workers go searching and
 * take half of a busy ring, so the heavy tasks spread out instead of
 * queueing behind each other on one worker; and once nothing is left to
 * steal, workers park. On spin and notify (one thread) the heavy tasks
 * simply take longer.
 *
 * Tests: tests/cli.sh runs every scenario; tests/viz.sh.
 */
#include <inttypes.h>
#include <stdio.h>

#include "scenarios/demo.h"
#include "scenarios/scenario.h"

#define HEAVY_EVERY 8

typedef struct imbalance_root {
    future_t base;
    int children, rounds;
    demo_count_t *done;
    scenario_spawns_t *spawns;
} imbalance_root_t;

static poll_t root_poll(future_t *f, context_t *cx)
{
    (void)cx;
    imbalance_root_t *r = (imbalance_root_t *)f;
    for (int i = 0; i < r->children; i++) {
        bool heavy = i % HEAVY_EVERY == 0;
        demo_yielder_t y;
        /* int64_t: 8 x --rounds does not fit an int past 268,435,455 */
        demo_yielder_init(&y,
                          heavy ? (int64_t)HEAVY_EVERY * r->rounds
                                : (int64_t)r->rounds,
                          (uint64_t)i + 1, r->done);
        if (scenario_spawn(r->spawns, NULL, &y.base, sizeof y,
                           heavy ? "heavy" : "light", true) != 0)
            break; /* refused: the result reports the shortfall */
    }
    return POLL_READY;
}

static int imbalance_run(executor_t *ex, const scenario_params_t *p,
                         scenario_result_t *out)
{
    int children = scenario_param(p->tasks, 32);
    int rounds = scenario_param(p->rounds, 2);
    static demo_count_t done; /* outlives pending tasks */
    static scenario_spawns_t spawns;
    atomic_init(&done, 0);
    scenario_spawns_init(&spawns);
    snprintf(out->what, sizeof out->what,
             "1 task spawns %d children; every %dth yields %" PRId64
             " times, the rest %d",
             children, HEAVY_EVERY, (int64_t)HEAVY_EVERY * rounds, rounds);
    out->tasks_expected = (uint64_t)children;
    imbalance_root_t r = {{root_poll, NULL}, children, rounds, &done, &spawns};
    int err = scenario_spawn(&spawns, ex, &r.base, sizeof r, "root", false);
    if (err == 0)
        err = executor_run(ex);
    /* Relaxed: pairs with the count through executor_run. */
    out->tasks_done = atomic_load_explicit(&done, memory_order_relaxed);
    return scenario_spawns_finish(&spawns, out, err);
}

const scenario_t scenario_imbalance = {
    .name = "imbalance",
    .summary = "children of unequal size: idle workers steal the heavy ones",
    .defaults = "--tasks 32 --rounds 2",
    .run = imbalance_run,
};
