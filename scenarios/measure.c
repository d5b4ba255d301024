/*
 * scenarios/measure.c - one measured run of a scenario on one executor:
 * what `run` and `compare` print, and what lessons 4 and 6 turn on.
 *
 * The measure is wall time against CPU time. A spin executor waiting
 * 200 ms for its sleepers uses 200 ms of CPU (CPU/wall near 1.0); a notify
 * executor parked in epoll uses almost none (near 0.0). Only the
 * scenario's run is timed, not the executor's creation or destruction.
 * getrusage(RUSAGE_SELF) counts every thread of the process, so worker
 * threads are included.
 *
 * Tests: tests/cli.sh (through `asynclab run` and `compare`).
 */
#include "scenarios/measure.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench/executors.h"
#include "core/trace.h"

/* ---- the measured run ---------------------------------------------------- */

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run sc on ex between two readings of both clocks. */
static void timed_run(const scenario_t *sc, executor_t *ex,
                      const scenario_setup_t *setup, scenario_measure_t *m)
{
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    double start = monotonic_s();

    m->err = sc->run(ex, &setup->params, &m->result);

    m->wall_s = monotonic_s() - start;
    getrusage(RUSAGE_SELF, &after);
    m->user_s = seconds(after.ru_utime) - seconds(before.ru_utime);
    m->sys_s = seconds(after.ru_stime) - seconds(before.ru_stime);
}

int scenario_measure(const scenario_t *sc, const char *executor,
                const scenario_setup_t *setup, scenario_measure_t *m)
{
    memset(m, 0, sizeof *m);
    m->executor = executor;
    executor_config_t cfg = {
        .kind = executor_kind_by_name(executor),
        .workers = setup->workers,
        .sim = setup->sim,
        .seed = setup->seed,
        .virtual_time = setup->sim,
        .trace = setup->trace,
    };
    if (cfg.kind == NULL)
        return -EINVAL;
    /* A simulated run is reproducible: hash its trace to show it. */
    trace_hash_sink_t hash;
    trace_tee_sink_t both; /* the hash and run --trace's file */
    trace_hash_sink_init(&hash);
    if (setup->sim)
        cfg.trace = &hash.sink;
    if (setup->sim && setup->trace != NULL) {
        trace_tee_sink_init(&both, &hash.sink, setup->trace);
        cfg.trace = &both.sink;
    }
    errno = 0;
    executor_t *ex = executor_create(&cfg);
    if (ex == NULL)
        return errno != 0 ? -errno : -ENOMEM;

    timed_run(sc, ex, setup, m);
    executor_stats(ex, &m->stats);
    executor_destroy(ex);
    m->hashed = setup->sim;
    m->trace_hash = hash.hash;
    m->trace_events = hash.events;
    return 0;
}

bool scenario_machine_busy(double *load, long *cpus)
{
    *cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("ASYNCLAB_LOADAVG");
    if (env != NULL && *env != 0) {
        char *end;
        *load = strtod(env, &end);
        if (*end != 0)
            return false; /* not a number: as if unreadable */
    } else if (getloadavg(load, 1) != 1) {
        return false;
    }
    return *cpus > 0 && *load > (double)*cpus;
}

bool scenario_load_note_due(bool sim, double *load, long *cpus)
{
    if (sim || (!isatty(STDERR_FILENO) && getenv("ASYNCLAB_LOADAVG") == NULL))
        return false;
    return scenario_machine_busy(load, cpus);
}

void scenario_print_load_note(FILE *out, double load, long cpus)
{
    fprintf(out,
            "asynclab: note: load average %.2f on %ld CPU%s: other work "
            "shares them, so wall times stretch and CPU/wall falls\n",
            load, cpus, cpus == 1 ? "" : "s");
}

double scenario_cpu_per_wall(const scenario_measure_t *m)
{
    return m->wall_s > 0 ? (m->user_s + m->sys_s) / m->wall_s : 0.0;
}
