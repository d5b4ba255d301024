/*
 * scenarios/scenario_pingpong.c - `pingpong`: pairs of tasks pass a number
 * back and forth over two channels, R exchanges each.
 *
 * Each send wakes the other task from inside a poll. On the ws runtime
 * that wake goes to the polling worker's LIFO slot: the woken task runs
 * next, on the same worker, while its data is still in cache (Tokio's
 * reasoning, 2019). A pair could then keep one worker forever, so the
 * slot is capped: after 3 LIFO polls in a row the next wake goes to the
 * back of the ring, where others may steal it. Watch the LIFO column.
 *
 * Tests: tests/cli.sh runs every scenario; tests/viz.sh.
 */
#include <stdio.h>

#include "scenarios/demo.h"
#include "scenarios/scenario.h"

/* The pairs are spawned from inside one task, so on ws they start on one
 * worker (where the LIFO slot matters) rather than in the inject queue. */
typedef struct pair_spawner {
    future_t base;
    int pairs, rounds;
    demo_count_t *done;
    scenario_spawns_t *spawns;
} pair_spawner_t;

static poll_t pair_spawner_poll(future_t *f, context_t *cx)
{
    (void)cx;
    pair_spawner_t *s = (pair_spawner_t *)f;
    for (int i = 0; i < s->pairs; i++) {
        demo_pinger_t a, b;
        int err = demo_pingpong_init(&a, &b, s->rounds, s->done);
        if (err != 0) {
            scenario_spawns_fail(s->spawns, err); /* no channels: no pair */
            break;
        }
        /* A refused spawn drops its own future; b was never spawned. */
        if (scenario_spawn(s->spawns, NULL, &a.base, sizeof a, "ping",
                           true) != 0) {
            future_drop(&b.base);
            break;
        }
        /* ping, alone, sees its channel close and ends. */
        if (scenario_spawn(s->spawns, NULL, &b.base, sizeof b, "pong",
                           true) != 0)
            break;
    }
    return POLL_READY;
}

static int pingpong_run(executor_t *ex, const scenario_params_t *p,
                        scenario_result_t *out)
{
    int pairs = scenario_param(p->tasks, 1);
    int rounds = scenario_param(p->rounds, 20);
    static demo_count_t done; /* outlives pending tasks */
    static scenario_spawns_t spawns;
    atomic_init(&done, 0);
    scenario_spawns_init(&spawns);
    snprintf(out->what, sizeof out->what,
             "%d pair(s) of tasks exchange a message %d times", pairs, rounds);
    out->tasks_expected = 2 * (uint64_t)pairs;
    pair_spawner_t s = {{pair_spawner_poll, NULL}, pairs, rounds, &done,
                        &spawns};
    int err = scenario_spawn(&spawns, ex, &s.base, sizeof s, "spawner", false);
    if (err == 0)
        err = executor_run(ex);
    /* Relaxed: pairs with the count through executor_run. */
    out->tasks_done = atomic_load_explicit(&done, memory_order_relaxed);
    return scenario_spawns_finish(&spawns, out, err);
}

const scenario_t scenario_pingpong = {
    .name = "pingpong",
    .summary = "task pairs wake each other: the LIFO slot and its cap",
    .defaults = "--tasks 1 --rounds 20",
    .run = pingpong_run,
};
