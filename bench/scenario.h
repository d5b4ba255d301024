/*
 * bench/scenario.h - named workloads that run on any executor.
 *
 * A scenario is a small program written once against core/executor.h:
 * it spawns its tasks on the executor it is given, runs them to the end,
 * and says what happened. `asynclab run` and `compare` (cli/) time it and
 * print the executor's statistics; lessons name one to show a point.
 *
 *     scenario_t ─┬─ name        "sleepers"        (the command line's word)
 *                 ├─ summary     one line for --help
 *                 ├─ defaults    "--tasks 100 --ms 200"
 *                 └─ run(ex, params, result)
 *
 * Each scenario lives in its own file, bench/scenario_<name>.c, and is
 * listed by one line in bench/scenario.c.
 *
 * Parameters come from the command line; one the user did not give is
 * SCENARIO_UNSET and the scenario picks its own default (scenario_param).
 *
 * Tests: tests/cli.sh runs them end to end.
 */
#ifndef ASYNCLAB_BENCH_SCENARIO_H
#define ASYNCLAB_BENCH_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "core/executor.h"

#define SCENARIO_UNSET (-1)

typedef struct scenario_params {
    int tasks;       /* --tasks: how many tasks to spawn */
    int ms;          /* --ms: how long each one waits */
    int rounds;      /* --rounds: repetitions inside each task */
    int connections; /* --connections: clients of a network scenario */
    int port;        /* --port: where a server listens, 0 for any */
} scenario_params_t;

/* Every parameter SCENARIO_UNSET. */
void scenario_params_init(scenario_params_t *p);

/* given, or dflt when the user left it unset. */
static inline int scenario_param(int given, int dflt)
{
    return given == SCENARIO_UNSET ? dflt : given;
}

typedef struct scenario_result {
    uint64_t tasks_expected; /* tasks that should have finished */
    uint64_t tasks_done;     /* tasks that did */
    char what[160];          /* the run in words: "100 tasks slept 200 ms" */
} scenario_result_t;

typedef struct scenario {
    const char *name;     /* "sleepers" */
    const char *summary;  /* one short line for --help */
    const char *defaults; /* the options it reads, with their defaults */
    /*
     * Spawn the tasks on ex and run them to the end. Returns 0, or the
     * executor's -errno (-EDEADLK: a lost wakeup). Fills out either way.
     * Tasks still pending on error are the caller's to destroy with ex.
     */
    int (*run)(executor_t *ex, const scenario_params_t *p,
               scenario_result_t *out);
} scenario_t;

/*
 * Spawn n copies of the size-byte future at f (never polled yet, so it may
 * be copied), detached, then run ex until every task is done. Returns 0,
 * the first spawn's -errno, or executor_run's.
 */
int scenario_spawn_copies_and_run(executor_t *ex, int n, const future_t *f,
                                  size_t size, const char *name);

/* Every scenario, in --help order; ends with NULL. */
extern const scenario_t *const scenario_table[];

/* The benchmark workloads as scenarios (bench/scenario_workloads.c):
 * run once, sized by --tasks. Not listed in --help's scenarios. */
extern const scenario_t *const scenario_workloads[];

/* The scenario called name (a scenario, else a workload), or NULL. */
const scenario_t *scenario_by_name(const char *name);

#endif
