/*
 * scenarios/scenario_workloads.c - every benchmark workload (bench/workload.c)
 * also answers to its name as a scenario, so `asynclab run yield_many`
 * and `asynclab compare yield_many --executors spin,notify,ws` run the
 * exact work `asynclab bench` times, once, with the executor's counters.
 *
 * A scenario's run gets no pointer to itself, so each workload gets a
 * two-line run function of its own (WORKLOAD_SCENARIO), all of them
 * calling run_workload. scenario_by_name looks here after the table of
 * scenarios; a scenario with the same name (timers) wins.
 *
 * Tests: tests/cli.sh and tests/bench.sh run workloads this way.
 */
#include <errno.h>
#include <stdio.h>

#include "scenarios/scenario.h"
#include "bench/workload.h"

/* Set up, one iteration of size --tasks (or the workload's own), down. */
static int run_workload(const char *name, executor_t *ex,
                        const scenario_params_t *p, scenario_result_t *out)
{
    const workload_t *w = workload_by_name(name);
    int size = scenario_param(p->tasks, w->size);
    void *state = NULL;
    out->tasks_expected = (uint64_t)size;
    out->tasks_done = 0;
    snprintf(out->what, sizeof out->what, "%s (size %d)", w->shape, size);
    int err = w->setup != NULL ? w->setup(ex, &state) : 0;
    if (err != 0)
        return err;
    err = w->iteration(ex, state, size);
    if (w->teardown != NULL)
        w->teardown(ex, state);
    if (err == 0)
        out->tasks_done = (uint64_t)size;
    return err;
}

/* no_sim: NULL, or why it cannot run in virtual time (scenario.h). */
#define WORKLOAD_SCENARIO(id, no_sim)                                          \
    static int run_##id(executor_t *ex, const scenario_params_t *p,           \
                        scenario_result_t *out)                                \
    {                                                                          \
        return run_workload(#id, ex, p, out);                                  \
    }                                                                          \
    static const scenario_t scenario_##id = {                                  \
        #id, "a benchmark workload, run once (asynclab bench --help)",         \
        "--tasks N: its size", run_##id, no_sim};

WORKLOAD_SCENARIO(spawn_many_local, NULL)
WORKLOAD_SCENARIO(spawn_many_remote_idle, NULL)
WORKLOAD_SCENARIO(yield_many, NULL)
WORKLOAD_SCENARIO(ping_pong, NULL)
WORKLOAD_SCENARIO(chained_spawn, NULL)
WORKLOAD_SCENARIO(timers, NULL)
WORKLOAD_SCENARIO(tcp_echo, WORKLOAD_TCP_NO_SIM)

const scenario_t *const scenario_workloads[] = {
    &scenario_spawn_many_local, &scenario_spawn_many_remote_idle,
    &scenario_yield_many,       &scenario_ping_pong,
    &scenario_chained_spawn,    &scenario_timers,
    &scenario_tcp_echo,         NULL,
};
