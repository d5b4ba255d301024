/*
 * scenarios/scenario.c - the table of scenarios.
 *
 * Adding one: write scenarios/scenario_<name>.c defining
 * `const scenario_t scenario_<name>`, and add one line to SCENARIOS below
 * (it both declares the object and lists it).
 *
 * Tests: tests/cli.sh.
 */
#include "scenarios/scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define SCENARIOS(X)                                                           \
    X(scenario_widgets)                                                        \
    X(scenario_sleepers)                                                       \
    X(scenario_naive_sleep)                                                    \
    X(scenario_echo)                                                           \
    X(scenario_mini_redis)                                                     \
    X(scenario_c10k)                                                           \
    X(scenario_fanout)                                                         \
    X(scenario_crunch)                                                         \
    X(scenario_imbalance)                                                      \
    X(scenario_pingpong)                                                       \
    X(scenario_timers)                                                         \
    X(scenario_blocking)                                                       \
    X(scenario_yield)                                                          \
    X(scenario_tour)

#define DECLARE(s) extern const scenario_t s;
SCENARIOS(DECLARE)
#undef DECLARE

#define ENTRY(s) &s,
const scenario_t *const scenario_table[] = {SCENARIOS(ENTRY) NULL};
#undef ENTRY

void scenario_params_init(scenario_params_t *p)
{
    p->tasks = SCENARIO_UNSET;
    p->ms = SCENARIO_UNSET;
    p->rounds = SCENARIO_UNSET;
    p->connections = SCENARIO_UNSET;
    p->port = SCENARIO_UNSET;
}

void scenario_spawns_init(scenario_spawns_t *s)
{
    atomic_init(&s->spawned, 0);
    atomic_init(&s->err, 0);
}

void scenario_spawns_fail(scenario_spawns_t *s, int err)
{
    int none = 0;
    /* Relaxed: read after executor_run returned, which orders it. */
    if (err != 0)
        atomic_compare_exchange_strong_explicit(
            &s->err, &none, err, memory_order_relaxed, memory_order_relaxed);
}

bool scenario_spawns_failed(scenario_spawns_t *s)
{
    return atomic_load_explicit(&s->err, memory_order_relaxed) != 0;
}

int scenario_spawn(scenario_spawns_t *s, executor_t *ex, future_t *f,
                   size_t size, const char *name, bool counted)
{
    int err = ex != NULL ? executor_spawn(ex, f, size, name, NULL)
                         : spawn(f, size, name, NULL);
    if (err != 0) {
        future_drop(f); /* a failed spawn took nothing: it is still ours */
        scenario_spawns_fail(s, err);
    } else if (counted) {
        atomic_fetch_add_explicit(&s->spawned, 1, memory_order_relaxed);
    }
    return err;
}

int scenario_spawns_finish(scenario_spawns_t *s, scenario_result_t *out,
                           int run_err)
{
    out->tasks_spawned = atomic_load_explicit(&s->spawned, memory_order_relaxed);
    out->spawn_err = atomic_load_explicit(&s->err, memory_order_relaxed);
    return run_err != 0 ? run_err : out->spawn_err;
}

int scenario_spawn_copies_and_run(executor_t *ex, scenario_spawns_t *s, int n,
                                  future_t *f, size_t size, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (scenario_spawn(s, ex, f, size, name, true) != 0)
            break; /* the ones spawned still run; finish reports it */
    }
    return executor_run(ex);
}

const scenario_t *scenario_by_name(const char *name)
{
    for (const scenario_t *const *s = scenario_table; *s != NULL; s++) {
        if (strcmp((*s)->name, name) == 0)
            return *s;
    }
    for (const scenario_t *const *s = scenario_workloads; *s != NULL; s++) {
        if (strcmp((*s)->name, name) == 0)
            return *s;
    }
    return NULL;
}
