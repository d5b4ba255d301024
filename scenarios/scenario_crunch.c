/*
 * scenarios/scenario_crunch.c - `crunch`: a CPU-bound fanout. One task
 * spawns N pieces of real computation; each piece does R steps of
 * CRUNCH_STEP units of arithmetic and yields between two steps. Nothing
 * waits for a timer or a socket: the only way to finish sooner is more
 * cores.
 *
 *   parent (a task) ──spawn──> piece 0 ┐  each: step, yield, step, yield,
 *                   ──spawn──> piece 1 ├  ... R steps of CRUNCH_STEP
 *                   ──spawn──> ...     ┘  units; adds its sum at the end
 *
 * Why it is cut like this:
 *   - N pieces, not one: a task runs on one worker at a time, so one big
 *     task keeps one core busy however many workers there are.
 *   - spawned from a task: they land in that worker's ring, and a second
 *     worker, finding its own empty, steals half of them (lesson 13).
 *   - a yield between steps: a poll is short (about 20 us here), so a
 *     worker is never held for long and the scheduler stays in charge
 *     (lesson 15). The work itself does not move between workers: the
 *     tasks do.
 *
 * On notify (one thread) the wall time is the sum of all the work; on ws
 * with 2 workers on an idle 2-core machine it is about half of it, with
 * CPU/wall about 2. The sum printed is the same on every executor: the
 * work is the same, only where it ran differs. Lesson 16 measures it:
 *
 *     asynclab compare crunch --executors notify,ws --workers 2
 *
 * Tests: tests/test_crunch.c (the sum on each executor, both workers
 * used in a --sim run); tests/test_scenario.c (extreme options).
 */
#include <stdatomic.h>
#include <stdio.h>

#include "core/async.h"
#include "scenarios/scenario.h"

#define CRUNCH_STEP 4096 /* units of work in one poll */

/* One unit: a few rounds of a 64-bit mixer (splitmix64's finaliser) over
 * the unit's number. Pure arithmetic on registers: a core's worth of work
 * that the compiler cannot fold away, since every result is summed. */
static uint64_t crunch_unit(uint64_t x)
{
    for (int r = 0; r < 4; r++) {
        x += 0x9e3779b97f4a7c15u;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
        x ^= x >> 31;
    }
    return x;
}

uint64_t scenario_crunch_units(uint64_t from, uint64_t to)
{
    uint64_t sum = 0;
    for (uint64_t i = from; i < to; i++)
        sum += crunch_unit(i);
    return sum;
}

typedef struct crunch_shared {
    atomic_uint_fast64_t done; /* pieces finished */
    atomic_uint_fast64_t sum;  /* the pieces' sums, added (mod 2^64) */
    scenario_spawns_t spawns;
} crunch_shared_t;

typedef struct piece {
    future_t base;
    async_t async;
    uint64_t first;     /* its first unit */
    int64_t steps, i;   /* wide: --rounds up to INT_MAX */
    uint64_t sum;
    crunch_shared_t *shared;
} piece_t;

static poll_t piece_poll(future_t *f, context_t *cx)
{
    piece_t *p = (piece_t *)f;
    ASYNC_BEGIN(p);
    for (p->i = 0; p->i < p->steps; p->i++) {
        uint64_t at = p->first + (uint64_t)p->i * CRUNCH_STEP;
        p->sum += scenario_crunch_units(at, at + CRUNCH_STEP);
        if (p->i + 1 < p->steps)
            YIELD_NOW(p, cx);
    }
    /* Relaxed: read after executor_run returned, which orders them. */
    atomic_fetch_add_explicit(&p->shared->sum, p->sum, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->shared->done, 1, memory_order_relaxed);
    ASYNC_END(p);
}

typedef struct parent {
    future_t base;
    int pieces;
    int64_t steps;
    crunch_shared_t *shared;
} parent_t;

/* Spawn every piece from inside a task, so they start on this worker's
 * ring and the others must steal. */
static poll_t parent_poll(future_t *f, context_t *cx)
{
    (void)cx;
    parent_t *pa = (parent_t *)f;
    for (int k = 0; k < pa->pieces; k++) {
        piece_t p = {.base = {piece_poll, NULL},
                     .first = (uint64_t)k * (uint64_t)pa->steps * CRUNCH_STEP,
                     .steps = pa->steps,
                     .shared = pa->shared};
        if (scenario_spawn(&pa->shared->spawns, NULL, &p.base, sizeof p,
                           "piece", true) != 0)
            break; /* refused: the run reports how many it could spawn */
    }
    return POLL_READY;
}

static int crunch_run(executor_t *ex, const scenario_params_t *p,
                      scenario_result_t *out)
{
    int pieces = scenario_param(p->tasks, 8);
    int64_t steps = scenario_param(p->rounds, 2000);
    static crunch_shared_t shared; /* outlives pending tasks */
    atomic_init(&shared.done, 0);
    atomic_init(&shared.sum, 0);
    scenario_spawns_init(&shared.spawns);

    out->tasks_expected = (uint64_t)pieces;
    parent_t parent = {{parent_poll, NULL}, pieces, steps, &shared};
    int err = scenario_spawn(&shared.spawns, ex, &parent.base, sizeof parent,
                             "parent", false);
    if (err == 0)
        err = executor_run(ex);
    out->tasks_done = atomic_load_explicit(&shared.done, memory_order_relaxed);
    snprintf(out->what, sizeof out->what,
             "%d pieces of %lld steps of %d units, a yield between steps; "
             "sum %016llx",
             pieces, (long long)steps, CRUNCH_STEP,
             (unsigned long long)atomic_load_explicit(&shared.sum,
                                                      memory_order_relaxed));
    return scenario_spawns_finish(&shared.spawns, out, err);
}

const scenario_t scenario_crunch = {
    .name = "crunch",
    .summary = "one task spawns N pieces of CPU work that yield (speed-up)",
    .defaults = "--tasks 8 --rounds 2000",
    .run = crunch_run,
};
