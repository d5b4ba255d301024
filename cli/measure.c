/*
 * cli/measure.c - what `run` and `compare` share: the scenario options,
 * and one measured run of a scenario on one executor.
 *
 * The measure is the one lesson 4 and 6 turn on: wall time against CPU
 * time. A spin executor waiting 200 ms for its sleepers uses 200 ms of
 * CPU (CPU/wall near 1.0); a notify executor parked in epoll uses almost
 * none (near 0.0). Only the scenario's run is timed, not the executor's
 * creation or destruction. getrusage(RUSAGE_SELF) counts every thread of
 * the process, so worker threads are included.
 *
 * Tests: tests/cli.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/executors.h"
#include "cli/cli.h"
#include "core/trace.h"

#define SCENARIO_OPT(field) offsetof(cli_scenario_args_t, params.field)

/*
 * The ranges below are what every scenario's arithmetic is written for:
 * counts and rounds up to INT_MAX (products of two of them are taken in
 * 64 bits: timers' --ms x --tasks, imbalance's 8 x --rounds), and waits
 * up to a day, so that a deadline of --ms x --tasks milliseconds (timers'
 * last sleeper) stays far below 2^63 ms on every clock.
 */
#define SCENARIO_MAX_MS 86400000 /* a day */

const cli_opt_t cli_scenario_opts[] = {
    {"--tasks", CLI_INT, 1, INT_MAX, SCENARIO_OPT(tasks), "N",
     "how many tasks (default: the scenario's)"},
    {"--ms", CLI_INT, 0, SCENARIO_MAX_MS, SCENARIO_OPT(ms), "M",
     "how long each task waits, in milliseconds (at most 86400000, a day)"},
    {"--rounds", CLI_INT, 0, INT_MAX, SCENARIO_OPT(rounds), "R",
     "repetitions inside each task"},
    {"--connections", CLI_INT, 1, INT_MAX, SCENARIO_OPT(connections), "C",
     "clients of a network scenario"},
    {"--port", CLI_INT, 0, 65535, SCENARIO_OPT(port), "P",
     "port a server listens on (0: any free one)"},
    {"--workers", CLI_INT, 1, 1024, offsetof(cli_scenario_args_t, workers), "N",
     "worker threads of the ws executor (default 2)"},
    {"--sim", CLI_FLAG, 0, 0, offsetof(cli_scenario_args_t, sim), NULL,
     "ws: simulate the workers on one thread, with virtual time"},
    {"--seed", CLI_U64, 0, 0, offsetof(cli_scenario_args_t, seed), "S",
     "the simulation's interleaving (default 1)"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

void cli_scenario_args_init(cli_scenario_args_t *a)
{
    scenario_params_init(&a->params);
    a->workers = 0;
    a->sim = false;
    a->seed = 1;
    a->trace = NULL;
}

void cli_print_scenarios(FILE *out)
{
    fputs("\nscenarios:\n", out);
    for (const scenario_t *const *s = scenario_table; *s != NULL; s++)
        fprintf(out, "  %-12s %s\n  %-12s (%s)\n", (*s)->name, (*s)->summary,
                "", (*s)->defaults);
    fputs("\nexecutors:\n", out);
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++)
        fprintf(out, "  %-12s %s\n", e->name, e->summary);
}

const scenario_t *cli_scenario_arg(const cli_command_t *cmd,
                                   const cli_positionals_t *pos)
{
    if (pos->count == 0) {
        cli_usage_error(cmd, "%s: missing SCENARIO", cmd->name);
        return NULL;
    }
    const scenario_t *sc = scenario_by_name(pos->args[0]);
    if (sc == NULL)
        cli_usage_error(cmd, "%s: unknown scenario", pos->args[0]);
    return sc;
}

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
                      const cli_scenario_args_t *args, cli_measure_t *m)
{
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    double start = monotonic_s();

    m->err = sc->run(ex, &args->params, &m->result);

    m->wall_s = monotonic_s() - start;
    getrusage(RUSAGE_SELF, &after);
    m->user_s = seconds(after.ru_utime) - seconds(before.ru_utime);
    m->sys_s = seconds(after.ru_stime) - seconds(before.ru_stime);
}

int cli_measure(const scenario_t *sc, const char *executor,
                const cli_scenario_args_t *args, cli_measure_t *m)
{
    memset(m, 0, sizeof *m);
    m->executor = executor;
    executor_config_t cfg = {
        .kind = executor_kind_by_name(executor),
        .workers = args->workers,
        .sim = args->sim,
        .seed = args->seed,
        .virtual_time = args->sim,
        .trace = args->trace,
    };
    if (cfg.kind == NULL)
        return -EINVAL;
    /* A simulated run is reproducible: hash its trace to show it. */
    trace_hash_sink_t hash;
    trace_tee_sink_t both; /* the hash and run --trace's file */
    trace_hash_sink_init(&hash);
    if (args->sim)
        cfg.trace = &hash.sink;
    if (args->sim && args->trace != NULL) {
        trace_tee_sink_init(&both, &hash.sink, args->trace);
        cfg.trace = &both.sink;
    }
    errno = 0;
    executor_t *ex = executor_create(&cfg);
    if (ex == NULL)
        return errno != 0 ? -errno : -ENOMEM;

    timed_run(sc, ex, args, m);
    executor_stats(ex, &m->stats);
    executor_destroy(ex);
    m->hashed = args->sim;
    m->trace_hash = hash.hash;
    m->trace_events = hash.events;
    return 0;
}

double cli_cpu_per_wall(const cli_measure_t *m)
{
    return m->wall_s > 0 ? (m->user_s + m->sys_s) / m->wall_s : 0.0;
}

/* Why a spawn was refused (core/executor.h lists what it returns). */
static const char *spawn_strerror(int err)
{
    switch (err) {
    case -ENOMEM:
        return "out of memory";
    case -ESHUTDOWN:
        return "the executor was shutting down";
    default:
        return strerror(-err);
    }
}

void cli_describe_failure(const scenario_result_t *r, int err, char *buf,
                          size_t n)
{
    if (r->spawn_err != 0)
        snprintf(buf, n, "could spawn %" PRIu64 " of %" PRIu64 " tasks (%s)",
                 r->tasks_spawned, r->tasks_expected,
                 spawn_strerror(r->spawn_err));
    else
        snprintf(buf, n, "%s", cli_strerror(err));
}

void cli_report_failure(const char *cmd, const scenario_t *sc,
                        const cli_measure_t *m)
{
    char why[192];
    cli_describe_failure(&m->result, m->err, why, sizeof why);
    if (m->result.spawn_err != 0)
        fprintf(stderr, "asynclab: %s: %s on %s %s\n", cmd, sc->name,
                m->executor, why);
    else
        fprintf(stderr, "asynclab: %s on %s failed: %s\n", sc->name,
                m->executor, why);
}

const char *cli_strerror(int err)
{
    switch (err) {
    case -EDEADLK:
        return "a lost wakeup: every remaining task is pending and nothing "
               "holds its waker";
    default:
        return strerror(-err);
    }
}
