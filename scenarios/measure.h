/*
 * scenarios/measure.h - run a scenario once on an executor chosen by
 * name, and measure it: wall time, CPU time (user and system, every
 * thread), the executor's counters, and in simulation the trace's hash.
 *
 * Tests: tests/cli.sh.
 */
#ifndef ASYNCLAB_SCENARIOS_MEASURE_H
#define ASYNCLAB_SCENARIOS_MEASURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "core/executor.h"
#include "scenarios/scenario.h"

struct trace_sink;

/* How to run it: the scenario's parameters and the executor's set-up. */
typedef struct scenario_setup {
    scenario_params_t params;
    int workers; /* 0: the executor's default */
    bool sim;
    uint64_t seed;
    struct trace_sink *trace; /* NULL: tracing off (run --trace) */
} scenario_setup_t;

typedef struct scenario_measure {
    const char *executor;     /* its name */
    int err;                  /* the scenario's result: 0 or -errno */
    scenario_result_t result; /* what it did */
    executor_stats_t stats;   /* the executor's counters after the run */
    double wall_s;            /* CLOCK_MONOTONIC around the run */
    double user_s, sys_s;     /* getrusage(RUSAGE_SELF) deltas */
    bool hashed;              /* --sim: the run's trace was hashed */
    uint64_t trace_hash;      /* FNV-1a of every event (trace_hash_sink):
                                 same seed and workload, same hash */
    uint64_t trace_events;
} scenario_measure_t;

/*
 * Create an executor of the named kind, run sc on it, measure, destroy.
 * Returns 0 (see m->err for the scenario's own result) or -errno when the
 * executor cannot be created.
 */
int scenario_measure(const scenario_t *sc, const char *executor,
                     const scenario_setup_t *setup, scenario_measure_t *m);

/* (user + sys) / wall: 1.0 is one core busy the whole time. */
double scenario_cpu_per_wall(const scenario_measure_t *m);

/*
 * Is the machine busy with other work? The 1-minute load average
 * (getloadavg) against the CPUs online: above it, runnable threads queue
 * for a CPU, so a run's wall time stretches and its CPU/wall falls (a
 * spin executor shows 0.4 instead of 1.0). Read it before the run, which
 * adds to the load itself. ASYNCLAB_LOADAVG in the environment, a number,
 * stands for the reading (tests; 0 silences the note). False when the
 * load cannot be read.
 */
bool scenario_machine_busy(double *load, long *cpus);

/*
 * Whether `run` and `compare` print the note: the machine is busy, the run
 * is not a simulation (its counters and hash do not depend on the load),
 * and stderr is a terminal (a person reads it; a script comparing output
 * does not get a line that comes and goes with the load), or
 * ASYNCLAB_LOADAVG is set. Call before the run.
 */
bool scenario_load_note_due(bool sim, double *load, long *cpus);

/* The note itself, one line on out. */
void scenario_print_load_note(FILE *out, double load, long cpus);

#endif
