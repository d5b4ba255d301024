/*
 * bench/scenario_tour.c - `tour`: the default demo (`make run` opens it in
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

#include "bench/demo.h"
#include "bench/scenario.h"

#define TOUR_SLEEPERS        3
#define TOUR_PINGPONG_ROUNDS 8
#define TOUR_YIELDS          12

typedef struct tour_root {
    future_t base;
    int children, rounds;
    demo_count_t *done;
} tour_root_t;

/* Spawn, or (shutting down) release what the future owns. A task that
 * did not start shows in the result as one not done. */
static void spawn_or_drop(future_t *f, size_t size, const char *name)
{
    if (spawn(f, size, name, NULL) != 0 && f->drop != NULL)
        f->drop(f);
}

static void spawn_sleepers(const tour_root_t *r)
{
    static const uint64_t ms[TOUR_SLEEPERS] = {10, 30, 100};
    for (int i = 0; i < TOUR_SLEEPERS; i++) {
        demo_sleeper_t s;
        demo_sleeper_init(&s, ms[i], 1, r->done);
        spawn_or_drop(&s.base, sizeof s, "sleeper");
    }
}

static poll_t tour_poll(future_t *f, context_t *cx)
{
    (void)cx;
    tour_root_t *r = (tour_root_t *)f;
    for (int i = 0; i < r->children; i++) {
        demo_yielder_t y;
        demo_yielder_init(&y, r->rounds, (uint64_t)i + 1, r->done);
        spawn_or_drop(&y.base, sizeof y, "child");
    }
    demo_pinger_t a, b;
    if (demo_pingpong_init(&a, &b, TOUR_PINGPONG_ROUNDS, r->done) == 0) {
        spawn_or_drop(&a.base, sizeof a, "ping");
        spawn_or_drop(&b.base, sizeof b, "pong");
    }
    spawn_sleepers(r);
    demo_yielder_t y;
    demo_yielder_init(&y, TOUR_YIELDS, 99, r->done);
    spawn_or_drop(&y.base, sizeof y, "yielder");
    return POLL_READY;
}

static int tour_run(executor_t *ex, const scenario_params_t *p,
                    scenario_result_t *out)
{
    int children = scenario_param(p->tasks, 12);
    int rounds = scenario_param(p->rounds, 2);
    static demo_count_t done; /* outlives pending tasks */
    atomic_init(&done, 0);
    snprintf(out->what, sizeof out->what,
             "a tour: %d children, a ping/pong pair, %d sleepers, a yielder",
             children, TOUR_SLEEPERS);
    /* The root's poll runs inside executor_run, so the count of tasks it
     * starts is known only after it; this is the plan. */
    out->tasks_expected = (uint64_t)children + 2 + TOUR_SLEEPERS + 1;
    tour_root_t r = {{tour_poll, NULL}, children, rounds, &done};
    int err = executor_spawn(ex, &r.base, sizeof r, "tour", NULL);
    if (err == 0)
        err = executor_run(ex);
    /* Relaxed: pairs with the count through executor_run. */
    out->tasks_done = atomic_load_explicit(&done, memory_order_relaxed);
    return err;
}

const scenario_t scenario_tour = {
    .name = "tour",
    .summary = "the guided demo: steals, the LIFO slot, timers, a warning",
    .defaults = "--tasks 12 --rounds 2",
    .run = tour_run,
};
