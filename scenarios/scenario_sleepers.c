/*
 * scenarios/scenario_sleepers.c - `sleepers`: N tasks each sleep M ms with the
 * driver's timer (driver/time.h), then finish. Almost all of the run is
 * waiting, so it shows what an executor does while nothing is ready:
 *
 *   spin     polls every sleeper again and again: CPU/wall near 1.0,
 *            wasted polls in the millions;
 *   notify   parks in epoll_wait until the wheel's next deadline: CPU/wall
 *            near 0, one poll to start and one to finish per task.
 *
 * The acceptance check of the compare command:
 *   asynclab compare sleepers --executors spin,notify --tasks 100 --ms 200
 *
 * Tests: tests/cli.sh.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "scenarios/scenario.h"
#include "core/async.h"
#include "driver/time.h"

typedef struct sleeper {
    future_t base;
    async_t async;
    sleep_t nap;
    atomic_uint_fast64_t *done; /* finished tasks, shared */
} sleeper_t;

static poll_t sleeper_poll(future_t *f, context_t *cx)
{
    sleeper_t *s = (sleeper_t *)f;
    ASYNC_BEGIN(s);
    AWAIT(s, cx, &s->nap.base);
    /* Relaxed: a count, read after executor_run returned. */
    atomic_fetch_add_explicit(s->done, 1, memory_order_relaxed);
    ASYNC_END(s);
}

/* Dropped before its end (the executor shut down): cancel the timer. */
static void sleeper_drop(future_t *f)
{
    sleeper_t *s = (sleeper_t *)f;
    future_drop(&s->nap.base);
}

static int sleepers_run(executor_t *ex, const scenario_params_t *p,
                        scenario_result_t *out)
{
    int tasks = scenario_param(p->tasks, 100);
    int ms = scenario_param(p->ms, 200);
    static atomic_uint_fast64_t done; /* outlives pending tasks */
    static scenario_spawns_t spawns;
    atomic_init(&done, 0);
    scenario_spawns_init(&spawns);

    snprintf(out->what, sizeof out->what,
             "%d tasks, each sleeps %d ms on the driver's timer", tasks, ms);
    out->tasks_expected = (uint64_t)tasks;
    sleeper_t s = {.base = {sleeper_poll, sleeper_drop}, .done = &done};
    sleep_init(&s.nap, (uint64_t)ms);
    int err = scenario_spawn_copies_and_run(ex, &spawns, tasks, &s.base,
                                            sizeof s, "sleeper");
    /* Relaxed: pairs with the fetch_add above through executor_run. */
    out->tasks_done = atomic_load_explicit(&done, memory_order_relaxed);
    return scenario_spawns_finish(&spawns, out, err);
}

const scenario_t scenario_sleepers = {
    .name = "sleepers",
    .summary = "tasks sleep M ms on the driver's timer wheel",
    .defaults = "--tasks 100 --ms 200",
    .run = sleepers_run,
};
