/*
 * scenarios/scenario_fanout.c - `fanout`: one task spawns N children; each
 * does a little work and yields R times. The shape that makes a
 * work-stealing runtime steal:
 *
 *   the parent runs on one worker and spawns every child from there, so
 *   they all land in THAT worker's ring (the overflow spills half of a
 *   full ring to the inject queue); the other workers find their own
 *   queues empty, go searching, and steal half of the busy ring at a
 *   time. Their statistics show it: steals > 0, stolen >> steals.
 *
 * On the spin and notify executors (one thread) it is simply N tasks,
 * each polled R + 1 times.
 *
 * Lesson 13 runs it in simulation to replay one interleaving exactly:
 *   asynclab run fanout --executor ws --workers 4 --sim --seed 7
 *
 * Tests: tests/cli.sh.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "scenarios/demo.h"
#include "scenarios/scenario.h"

typedef struct parent {
    future_t base;
    int children, rounds;
    atomic_uint_fast64_t *done;
    scenario_spawns_t *spawns;
} parent_t;

/* Spawn every child from inside a task, so they start on this worker. */
static poll_t parent_poll(future_t *f, context_t *cx)
{
    (void)cx;
    parent_t *p = (parent_t *)f;
    for (int i = 0; i < p->children; i++) {
        demo_yielder_t c; /* works a little, yields, `rounds` times */
        demo_yielder_init(&c, p->rounds, (uint64_t)i + 1, p->done);
        if (scenario_spawn(p->spawns, NULL, &c.base, sizeof c, "child",
                           true) != 0)
            break; /* refused: the run reports how many it could spawn */
    }
    return POLL_READY;
}

static int fanout_run(executor_t *ex, const scenario_params_t *p,
                      scenario_result_t *out)
{
    int children = scenario_param(p->tasks, 1000);
    int rounds = scenario_param(p->rounds, 3);
    static atomic_uint_fast64_t done; /* outlives pending tasks */
    static scenario_spawns_t spawns;
    atomic_init(&done, 0);
    scenario_spawns_init(&spawns);

    snprintf(out->what, sizeof out->what,
             "1 task spawns %d children, each works and yields %d times",
             children, rounds);
    out->tasks_expected = (uint64_t)children;
    parent_t parent = {{parent_poll, NULL}, children, rounds, &done, &spawns};
    int err = scenario_spawn(&spawns, ex, &parent.base, sizeof parent,
                             "parent", false);
    if (err == 0)
        err = executor_run(ex);
    /* Relaxed: pairs with the fetch_add above through executor_run. */
    out->tasks_done = atomic_load_explicit(&done, memory_order_relaxed);
    return scenario_spawns_finish(&spawns, out, err);
}

const scenario_t scenario_fanout = {
    .name = "fanout",
    .summary = "one task spawns N children that work and yield (steals)",
    .defaults = "--tasks 1000 --rounds 3",
    .run = fanout_run,
};
