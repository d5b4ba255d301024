/*
 * scenarios/scenario.h - named workloads that run on any executor.
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
 * Each scenario lives in its own file, scenarios/scenario_<name>.c, and is
 * listed by one line in scenarios/scenario.c.
 *
 * Parameters come from the command line; one the user did not give is
 * SCENARIO_UNSET and the scenario picks its own default (scenario_param).
 *
 * Tests: tests/cli.sh runs them end to end.
 */
#ifndef ASYNCLAB_SCENARIOS_SCENARIO_H
#define ASYNCLAB_SCENARIOS_SCENARIO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/executor.h"
#include "core/future.h"

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
    uint64_t tasks_spawned;  /* of tasks_expected, how many were spawned
                                (set by scenario_spawns_finish) */
    int spawn_err;           /* 0, or why the first failed spawn failed:
                                the run then returns an error too */
    char what[160];          /* the run in words: "100 tasks slept 200 ms" */
} scenario_result_t;

/*
 * What a scenario's spawns did, counted from any thread (the tasks that
 * spawn may run on any worker). A scenario that cannot spawn all it was
 * asked for must not pass for a success: the first failure is kept, the
 * spawning stops there (no retrying what the machine just refused), the
 * tasks already spawned run to their end, and the run returns the error.
 * `asynclab run` then says, in one line, how many of the tasks it could
 * spawn and why not, and exits 1.
 *
 * A failed spawn leaves the future with its caller (core/executor.h):
 * scenario_spawn drops it.
 */
typedef struct scenario_spawns {
    atomic_uint_fast64_t spawned; /* counted spawns that succeeded */
    atomic_int err;               /* the first failure's -errno, or 0 */
} scenario_spawns_t;

void scenario_spawns_init(scenario_spawns_t *s);

/*
 * Spawn f detached: on ex with executor_spawn, or (ex NULL, from inside a
 * task) on the current executor with spawn(). counted: the task is one of
 * the result's tasks_expected (a root task that only spawns others is
 * not). On failure f is dropped (future_drop) and the error noted. Returns
 * 0 or the spawn's -errno.
 */
int scenario_spawn(scenario_spawns_t *s, executor_t *ex, future_t *f,
                   size_t size, const char *name, bool counted);

/* Note a failure to make a task at all (-ENOMEM from a channel, say) as
 * a failed spawn. */
void scenario_spawns_fail(scenario_spawns_t *s, int err);

/* Whether some spawn has failed: the spawning loops stop there. */
bool scenario_spawns_failed(scenario_spawns_t *s);

/*
 * After the run: fill out->tasks_spawned and out->spawn_err, and return
 * the run's result: run_err if it is an error, else the spawn's error,
 * else 0.
 */
int scenario_spawns_finish(scenario_spawns_t *s, scenario_result_t *out,
                           int run_err);

typedef struct scenario {
    const char *name;     /* "sleepers" */
    const char *summary;  /* one short line for --help */
    const char *defaults; /* the options it reads, with their defaults */
    /*
     * Spawn the tasks on ex and run them to the end. Returns 0, or the
     * executor's -errno (-EDEADLK: a lost wakeup), or a refused spawn's
     * (-ENOMEM: out->spawn_err says so, out->tasks_spawned how many
     * were). Fills out either way. Tasks still pending on error are the
     * caller's to destroy with ex.
     */
    int (*run)(executor_t *ex, const scenario_params_t *p,
               scenario_result_t *out);
    /*
     * NULL: it runs in virtual time too (--sim), reading time only through
     * the executor's clock (driver_current()), never the machine's. Else
     * why it cannot, ending a sentence that starts with its name: "talks
     * to real sockets, ...". run and compare refuse --sim with it (exit 2).
     */
    const char *no_sim;
} scenario_t;

/* sc->no_sim, or NULL: for the commands' one-line refusal of --sim. */
static inline const char *scenario_no_sim(const scenario_t *sc)
{
    return sc->no_sim;
}

/*
 * Spawn n copies of the size-byte future at f (never polled yet and
 * owning nothing, so it may be copied), detached and counted in s, then
 * run ex until every task is done. A refused spawn stops the spawning;
 * the tasks spawned still run. Returns executor_run's result; pass it to
 * scenario_spawns_finish, which adds the spawn's error.
 */
int scenario_spawn_copies_and_run(executor_t *ex, scenario_spawns_t *s, int n,
                                  future_t *f, size_t size, const char *name);

/* Every scenario, in --help order; ends with NULL. */
extern const scenario_t *const scenario_table[];

/* The benchmark workloads as scenarios (scenarios/scenario_workloads.c):
 * run once, sized by --tasks. Not listed in --help's scenarios. */
extern const scenario_t *const scenario_workloads[];

/* The scenario called name (a scenario, else a workload), or NULL. */
const scenario_t *scenario_by_name(const char *name);

#endif
