/*
 * scenarios/scenario_naive_sleep.c - `naive-sleep`: N tasks each waiting M ms
 * with the naive Sleep of scenarios/naive_sleep.h, which looks at the clock on
 * every poll and never keeps its waker.
 *
 * The lesson in one command each (lessons 4 and 5):
 *   asynclab run naive-sleep --executor spin     finishes on time, 100% CPU
 *   asynclab run naive-sleep --executor notify   a lost wakeup: the
 *                                                executor says so (EDEADLK)
 *
 * Tests: tests/cli.sh.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "scenarios/naive_sleep.h"
#include "scenarios/scenario.h"
#include "core/async.h"

typedef struct naive_sleeper {
    future_t base;
    async_t async;
    naive_sleep_t nap;
    atomic_uint_fast64_t *done; /* finished tasks, shared */
} naive_sleeper_t;

static poll_t naive_sleeper_poll(future_t *f, context_t *cx)
{
    naive_sleeper_t *s = (naive_sleeper_t *)f;
    ASYNC_BEGIN(s);
    AWAIT(s, cx, &s->nap.base);
    /* Relaxed: a count, read after executor_run returned. */
    atomic_fetch_add_explicit(s->done, 1, memory_order_relaxed);
    ASYNC_END(s);
}

static int naive_sleep_run(executor_t *ex, const scenario_params_t *p,
                           scenario_result_t *out)
{
    int tasks = scenario_param(p->tasks, 100);
    int ms = scenario_param(p->ms, 200);
    static atomic_uint_fast64_t done; /* outlives pending tasks */
    static scenario_spawns_t spawns;
    atomic_init(&done, 0);
    scenario_spawns_init(&spawns);

    snprintf(out->what, sizeof out->what,
             "%d tasks, each sleeps %d ms checking the clock (no waker)", tasks,
             ms);
    out->tasks_expected = (uint64_t)tasks;
    naive_sleeper_t s = {.base = {naive_sleeper_poll, NULL}, .done = &done};
    naive_sleep_init(&s.nap, (uint64_t)ms);
    int err = scenario_spawn_copies_and_run(ex, &spawns, tasks, &s.base,
                                            sizeof s, "naive-sleeper");
    /* Relaxed: pairs with the fetch_add above through executor_run. */
    out->tasks_done = atomic_load_explicit(&done, memory_order_relaxed);
    return scenario_spawns_finish(&spawns, out, err);
}

const scenario_t scenario_naive_sleep = {
    .name = "naive-sleep",
    .summary = "tasks sleep by checking the clock, keeping no waker",
    .defaults = "--tasks 100 --ms 200",
    .run = naive_sleep_run,
};
