/*
 * scenarios/scenario_blocking.c - `blocking`: a task makes a blocking call
 * (nanosleep, M ms) inside its poll, R times, among N light tasks that
 * share its worker's queue.
 *
 * The rule broken: poll never blocks (core/future.h). What it costs: the
 * worker is held for M ms per poll. The visualizer warns about any poll
 * that holds a worker more than 10 ms. On spin and notify everything
 * stops meanwhile; on ws (threads) the other workers steal the light
 * tasks from the blocked worker's ring, so only the blocked worker's
 * LIFO slot waits. The fix is ws_spawn_blocking (workstealing/blocking.h),
 * which runs such calls on the blocking pool instead.
 *
 * Tests: tests/cli.sh runs every scenario; tests/viz.sh.
 */
#include <stdio.h>

#include "scenarios/demo.h"
#include "scenarios/scenario.h"

typedef struct blocking_root {
    future_t base;
    int light, ms, rounds;
    demo_count_t *done;
    scenario_spawns_t *spawns;
} blocking_root_t;

/* The blocker first, so it is at the front of the ring it shares with the
 * light tasks. */
static poll_t root_poll(future_t *f, context_t *cx)
{
    (void)cx;
    blocking_root_t *r = (blocking_root_t *)f;
    demo_blocker_t b;
    demo_blocker_init(&b, r->ms, r->rounds, r->done);
    if (scenario_spawn(r->spawns, NULL, &b.base, sizeof b, "blocker", true) !=
        0)
        return POLL_READY; /* refused: the result reports the shortfall */
    for (int i = 0; i < r->light; i++) {
        demo_yielder_t y;
        demo_yielder_init(&y, r->rounds, (uint64_t)i + 1, r->done);
        if (scenario_spawn(r->spawns, NULL, &y.base, sizeof y, "light",
                           true) != 0)
            break;
    }
    return POLL_READY;
}

static int blocking_run(executor_t *ex, const scenario_params_t *p,
                        scenario_result_t *out)
{
    int light = scenario_param(p->tasks, 16);
    int ms = scenario_param(p->ms, 25);
    int rounds = scenario_param(p->rounds, 4);
    static demo_count_t done; /* outlives pending tasks */
    static scenario_spawns_t spawns;
    atomic_init(&done, 0);
    scenario_spawns_init(&spawns);
    snprintf(out->what, sizeof out->what,
             "1 task blocks %d ms per poll (%d polls) among %d light tasks", ms,
             rounds, light);
    out->tasks_expected = (uint64_t)light + 1;
    blocking_root_t r = {{root_poll, NULL}, light, ms, rounds, &done, &spawns};
    int err = scenario_spawn(&spawns, ex, &r.base, sizeof r, "root", false);
    if (err == 0)
        err = executor_run(ex);
    /* Relaxed: pairs with the count through executor_run. */
    out->tasks_done = atomic_load_explicit(&done, memory_order_relaxed);
    return scenario_spawns_finish(&spawns, out, err);
}

const scenario_t scenario_blocking = {
    .name = "blocking",
    .summary = "a task blocks its worker in poll (a warning; others steal)",
    .defaults = "--tasks 16 --ms 25 --rounds 4",
    .run = blocking_run,
};
