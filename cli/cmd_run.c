/*
 * cli/cmd_run.c - `asynclab run SCENARIO --executor NAME [options]`: run a
 * scenario once on one executor and print what it cost, in the executor's
 * own counters (polls, pending polls, wakes, ...) and in time (wall, CPU,
 * and their ratio). With --trace FILE, every scheduling event is recorded
 * to FILE for `asynclab replay` and `asynclab trace export`.
 *
 * Tests: tests/cli.sh, tests/trace.sh (--trace).
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "bench/executors.h"
#include "cli/cli.h"
#include "cli/cli_trace.h"
#include "cli/mine.h"
#include "core/trace.h"
#include "trace/file.h"
#include "visualizer/tour.h"

typedef struct run_args {
    cli_scenario_args_t scenario; /* first: cli_scenario_opts fill it */
    const char *executor;
    const char *trace; /* --trace FILE, or NULL */
    bool trace_drop;   /* --trace-drop: bounded buffers that drop */
    int trace_buffer;  /* --trace-buffer KIB, with --trace-drop */
    bool narrate;      /* --narrate: the tour's captions as it runs */
    const char *mine_from; /* --mine-from: yours or solutions */
} run_args_t;

static const cli_opt_t run_opts[] = {
    {"--executor", CLI_STRING, 0, 0, offsetof(run_args_t, executor), "NAME",
     "which executor runs it (default: spin)"},
    {"--trace", CLI_STRING, 0, 0, offsetof(run_args_t, trace), "FILE",
     "record every scheduling event to FILE (asynclab replay FILE); "
     "nothing is lost"},
    {"--trace-drop", CLI_FLAG, 0, 0, offsetof(run_args_t, trace_drop), NULL,
     "for huge runs: bounded trace buffers per thread that drop events "
     "(counted, per thread) rather than take more memory"},
    {"--trace-buffer", CLI_INT, 1, 1048576, offsetof(run_args_t, trace_buffer),
     "KIB", "--trace-drop's buffer per thread, in KiB (default 256)"},
    {"--narrate", CLI_FLAG, 0, 0, offsetof(run_args_t, narrate), NULL,
     "tour on ws with --sim: print the visualizer's captions at their "
     "events (what `make run` shows without a terminal)"},
    CLI_MINE_OPT(run_args_t, mine_from),
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const run_tables[] = {run_opts, cli_scenario_opts,
                                              NULL};

static void run_usage(FILE *out)
{
    fputs("usage: asynclab run SCENARIO [--executor NAME] [options]\n"
          "\n"
          "Run SCENARIO once on one executor; print the executor's "
          "statistics,\n"
          "the wall time, the CPU time (user + sys) and CPU/wall.\n"
          "\n",
          out);
    cli_print_options(out, run_tables);
    cli_print_scenarios(out);
}

static void print_counter(const char *label, uint64_t value)
{
    printf("%-16s %" PRIu64 "\n", label, value);
}

static void print_measure(const char *scenario, const scenario_measure_t *m)
{
    const executor_stats_t *st = &m->stats;
    printf("%-16s %s: %s\n", "scenario", scenario, m->result.what);
    printf("%-16s %s\n", "executor", m->executor);
    printf("%-16s %" PRIu64 " of %" PRIu64 "\n", "tasks finished",
           m->result.tasks_done, m->result.tasks_expected);
    printf("%-16s %.3f s\n", "wall", m->wall_s);
    printf("%-16s %.3f s (user %.3f + sys %.3f)\n", "cpu", m->user_s + m->sys_s,
           m->user_s, m->sys_s);
    printf("%-16s %.2f\n", "cpu/wall", scenario_cpu_per_wall(m));
    print_counter("polls", st->polls);
    print_counter("pending polls", st->pending_polls);
    print_counter("wakes", st->wakes);
    print_counter("self-wakes", st->self_wakes);
    print_counter("steals", st->steals);
    print_counter("stolen", st->stolen);
    print_counter("parks", st->parks);
    print_counter("driver turns", st->driver_turns);
    print_counter("spawned", st->spawned);
    print_counter("completed", st->completed);
    print_counter("max queue depth", st->max_queue_depth);
    if (m->hashed)
        printf("%-16s %016" PRIx64 " (%" PRIu64 " events)\n", "trace hash",
               m->trace_hash, m->trace_events);
}

static int run_main(int argc, char **argv);

static const char *run_name(void *ctx, uint64_t id)
{
    (void)ctx;
    return trace_name_of(id);
}

/* --trace: a trace file writer whose header describes this run. NULL
 * after printing why it cannot be created. */
static trace_writer_t *open_trace(const run_args_t *a, const char *scenario,
                                  const trace_writer_opts_t *opts)
{
    bool ws = strcmp(a->executor, "ws") == 0;
    uint32_t workers = !ws                    ? 1
                       : a->scenario.workers ? (uint32_t)a->scenario.workers
                                             : 2;
    trace_info_t info;
    trace_info_set(&info, a->executor, scenario, workers, a->scenario.sim,
                   a->scenario.seed,
                   a->scenario.sim ? TRACE_CLOCK_VIRTUAL
                                   : TRACE_CLOCK_MONOTONIC);
    int err = 0;
    trace_writer_t *w = trace_writer_open_opts(a->trace, &info, opts, &err);
    if (w == NULL)
        fprintf(stderr, "asynclab: %s: %s\n", a->trace, strerror(-err));
    return w;
}

/* Finish the trace file; false (after saying why) when it failed. The
 * summary line says how many events it holds and how many were lost. */
static bool close_trace(trace_writer_t *w, const char *path)
{
    trace_writer_report_t rep = {0};
    int err = trace_writer_close_report(w, &rep);
    if (err != 0) {
        fprintf(stderr, "asynclab: %s: %s\n", path, strerror(-err));
        trace_writer_report_free(&rep);
        return false;
    }
    cli__print_trace_report(stdout, "trace           ", path, &rep);
    trace_writer_report_free(&rep);
    return true;
}

const cli_command_t cli_cmd_run = {
    .name = "run",
    .summary = "run a scenario on one executor and print its statistics",
    .usage = run_usage,
    .main = run_main,
};

static int run_main(int argc, char **argv)
{
    run_args_t args = {.executor = "spin"};
    cli_scenario_args_init(&args.scenario);
    cli_positionals_t pos = {.max = 1};
    int status;
    if (!cli_parse(&cli_cmd_run, run_tables, &args, argc, argv, &pos, &status))
        return status;
    const scenario_t *sc = cli_scenario_arg(&cli_cmd_run, &pos);
    if (sc == NULL)
        return CLI_EXIT_USAGE;
    if (args.scenario.sim && scenario_no_sim(sc) != NULL)
        return cli_usage_error(&cli_cmd_run, "--sim: %s %s", sc->name,
                               scenario_no_sim(sc));
    if (cli_mine_named(args.executor) &&
        (status = cli_mine_prepare(args.mine_from)) != 0)
        return status;
    if (executor_kind_by_name(args.executor) == NULL)
        return cli_usage_error(&cli_cmd_run,
                               "--executor: unknown executor '%s' (known: %s)",
                               args.executor, executor_names(", "));

    trace_writer_opts_t topts;
    if (!cli__trace_opts(&cli_cmd_run, args.trace, args.trace_drop,
                         args.trace_buffer, &topts, &status))
        return status;
    trace_writer_t *trace = NULL;
    if (args.trace != NULL) {
        trace = open_trace(&args, sc->name, &topts);
        if (trace == NULL)
            return CLI_EXIT_FAILED;
        args.scenario.trace = trace_writer_sink(trace);
    }
    /* --narrate: the tour's captions (visualizer/tour.h), printed as their
     * events come; beside the trace file when there is one. */
    viz_tour_narrator_t narrator;
    trace_tee_sink_t both;
    if (args.narrate) {
        if (!viz_tour_applies(sc->name, args.executor) || !args.scenario.sim)
            return cli_usage_error(&cli_cmd_run,
                                   "--narrate: only for the tour on ws with "
                                   "--sim (its captions follow one "
                                   "simulated run)");
        uint32_t workers =
            args.scenario.workers > 0 ? (uint32_t)args.scenario.workers : 2;
        if (viz_tour_narrator_init(&narrator, workers, run_name, NULL,
                                   stdout) != 0) {
            fprintf(stderr, "asynclab: out of memory\n");
            return CLI_EXIT_FAILED;
        }
        if (args.scenario.trace != NULL) {
            trace_tee_sink_init(&both, args.scenario.trace, &narrator.sink);
            args.scenario.trace = &both.sink;
        } else {
            args.scenario.trace = &narrator.sink;
        }
    }
    /* Before the run, which adds to the load itself. */
    double load;
    long cpus;
    bool busy = scenario_load_note_due(args.scenario.sim, &load, &cpus);
    scenario_measure_t m;
    int err = scenario_measure(sc, args.executor, &args.scenario, &m);
    if (args.narrate)
        viz_tour_narrator_destroy(&narrator);
    if (trace != NULL && !close_trace(trace, args.trace))
        return CLI_EXIT_FAILED;
    if (err != 0) {
        fprintf(stderr, "asynclab: cannot create the %s executor: %s\n",
                args.executor, cli_strerror(err));
        return CLI_EXIT_FAILED;
    }
    print_measure(sc->name, &m);
    if (busy)
        scenario_print_load_note(stderr, load, cpus);
    if (m.err != 0) {
        cli_report_failure(cli_cmd_run.name, sc, &m);
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}
