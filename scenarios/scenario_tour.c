/*
 * scenarios/scenario_tour.c - `tour`: the default demo (`make run` opens it in
 * the visualizer: ws, 4 workers, simulated, paced). One root task starts a
 * little of everything, so each concept shows up in one run:
 *
 *   12 workers' worth of children  work and yield: they land in the root's
 *                                  ring and the idle workers steal them
 *   a ping/pong pair               wake each other: the LIFO slot, its cap
 *   3 sleepers (10, 30, 100 ms)    the driver: timers by wheel level, the
 *                                  parked worker that holds the driver,
 *                                  "timer woke t.."
 *   1 yielder                      nothing but self-wakes: a warning
 *
 * --tasks scales the children (default 12), --rounds their yields (2).
 *
 * Tests: tests/cli.sh runs every scenario; tests/viz.sh.
 */
#include <stdio.h>

#include "scenarios/demo.h"
#include "scenarios/scenario.h"

#define TOUR_SLEEPERS        3
#define TOUR_PINGPONG_ROUNDS 8
#define TOUR_YIELDS          12

typedef struct tour_root {
    future_t base;
    int children, rounds;
    demo_count_t *done;
    scenario_spawns_t *spawns;
} tour_root_t;

/* Spawn, unless a spawn was refused already: then give up on the rest
 * (no retrying what the machine refused, once per task asked for). A
 * refused future is dropped; the result reports the shortfall. */
static bool spawn_or_give_up(const tour_root_t *r, future_t *f, size_t size,
                             const char *name)
{
    if (scenario_spawns_failed(r->spawns)) {
        future_drop(f);
        return false;
    }
    return scenario_spawn(r->spawns, NULL, f, size, name, true) == 0;
}

static void spawn_sleepers(const tour_root_t *r)
{
    static const uint64_t ms[TOUR_SLEEPERS] = {10, 30, 100};
    for (int i = 0; i < TOUR_SLEEPERS; i++) {
        demo_sleeper_t s;
        demo_sleeper_init(&s, ms[i], 1, r->done);
        if (!spawn_or_give_up(r, &s.base, sizeof s, "sleeper"))
            return;
    }
}

static poll_t tour_poll(future_t *f, context_t *cx)
{
    (void)cx;
    tour_root_t *r = (tour_root_t *)f;
    for (int i = 0; i < r->children; i++) {
        demo_yielder_t y;
        demo_yielder_init(&y, r->rounds, (uint64_t)i + 1, r->done);
        if (!spawn_or_give_up(r, &y.base, sizeof y, "child"))
            return POLL_READY;
    }
    demo_pinger_t a, b;
    int err = demo_pingpong_init(&a, &b, TOUR_PINGPONG_ROUNDS, r->done);
    if (err != 0) {
        scenario_spawns_fail(r->spawns, err);
        return POLL_READY;
    }
    if (!spawn_or_give_up(r, &a.base, sizeof a, "ping")) {
        future_drop(&b.base); /* never spawned: still ours */
        return POLL_READY;
    }
    if (!spawn_or_give_up(r, &b.base, sizeof b, "pong"))
        return POLL_READY;
    spawn_sleepers(r);
    demo_yielder_t y;
    demo_yielder_init(&y, TOUR_YIELDS, 99, r->done);
    spawn_or_give_up(r, &y.base, sizeof y, "yielder");
    return POLL_READY;
}

static int tour_run(executor_t *ex, const scenario_params_t *p,
                    scenario_result_t *out)
{
    int children = scenario_param(p->tasks, 12);
    int rounds = scenario_param(p->rounds, 2);
    static demo_count_t done; /* outlives pending tasks */
    static scenario_spawns_t spawns;
    atomic_init(&done, 0);
    scenario_spawns_init(&spawns);
    snprintf(out->what, sizeof out->what,
             "a tour: %d children, a ping/pong pair, %d sleepers, a yielder",
             children, TOUR_SLEEPERS);
    /* The root's poll runs inside executor_run, so the count of tasks it
     * starts is known only after it; this is the plan. */
    out->tasks_expected = (uint64_t)children + 2 + TOUR_SLEEPERS + 1;
    tour_root_t r = {{tour_poll, NULL}, children, rounds, &done, &spawns};
    int err = scenario_spawn(&spawns, ex, &r.base, sizeof r, "tour", false);
    if (err == 0)
        err = executor_run(ex);
    /* Relaxed: pairs with the count through executor_run. */
    out->tasks_done = atomic_load_explicit(&done, memory_order_relaxed);
    return scenario_spawns_finish(&spawns, out, err);
}

const scenario_t scenario_tour = {
    .name = "tour",
    .summary = "the guided demo: steals, the LIFO slot, timers, a warning",
    .defaults = "--tasks 12 --rounds 2",
    .run = tour_run,
};
