/*
 * bench/scenario.c - the table of scenarios.
 *
 * Adding one: write bench/scenario_<name>.c defining
 * `const scenario_t scenario_<name>`, and add one line to SCENARIOS below
 * (it both declares the object and lists it).
 *
 * Tests: tests/cli.sh.
 */
#include "bench/scenario.h"

#include <stddef.h>
#include <string.h>

#define SCENARIOS(X)                                                           \
    X(scenario_widgets)                                                        \
    X(scenario_sleepers)                                                       \
    X(scenario_naive_sleep)                                                    \
    X(scenario_echo)                                                           \
    X(scenario_c10k)                                                           \
    X(scenario_fanout)                                                         \
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

int scenario_spawn_copies_and_run(executor_t *ex, int n, const future_t *f,
                                  size_t size, const char *name)
{
    int err = 0;
    for (int i = 0; i < n && err == 0; i++)
        err = executor_spawn(ex, f, size, name, NULL);
    return err != 0 ? err : executor_run(ex);
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
