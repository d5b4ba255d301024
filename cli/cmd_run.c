/*
 * cli/cmd_run.c - `asynclab run SCENARIO --executor NAME [options]`: run a
 * scenario once on one executor and print what it cost, in the executor's
 * own counters (polls, wasted polls, wakes, ...) and in time (wall, CPU,
 * and their ratio).
 *
 * Tests: tests/cli.sh.
 */
#include <inttypes.h>
#include <stddef.h>

#include "bench/executors.h"
#include "cli/cli.h"

typedef struct run_args {
    cli_scenario_args_t scenario; /* first: cli_scenario_opts fill it */
    const char *executor;
} run_args_t;

static const cli_opt_t run_opts[] = {
    {"--executor", CLI_STRING, 0, 0, offsetof(run_args_t, executor), "NAME",
     "which executor runs it (default: spin)"},
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

static void print_measure(const char *scenario, const cli_measure_t *m)
{
    const executor_stats_t *st = &m->stats;
    printf("%-16s %s: %s\n", "scenario", scenario, m->result.what);
    printf("%-16s %s\n", "executor", m->executor);
    printf("%-16s %" PRIu64 " of %" PRIu64 "\n", "tasks finished",
           m->result.tasks_done, m->result.tasks_expected);
    printf("%-16s %.3f s\n", "wall", m->wall_s);
    printf("%-16s %.3f s (user %.3f + sys %.3f)\n", "cpu", m->user_s + m->sys_s,
           m->user_s, m->sys_s);
    printf("%-16s %.2f\n", "cpu/wall", cli_cpu_per_wall(m));
    print_counter("polls", st->polls);
    print_counter("wasted polls", st->pending_polls);
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
    if (executor_kind_by_name(args.executor) == NULL)
        return cli_usage_error(&cli_cmd_run,
                               "--executor: unknown executor '%s' (known: %s)",
                               args.executor, executor_names(", "));

    cli_measure_t m;
    int err = cli_measure(sc, args.executor, &args.scenario, &m);
    if (err != 0) {
        fprintf(stderr, "asynclab: cannot create the %s executor: %s\n",
                args.executor, cli_strerror(err));
        return CLI_EXIT_FAILED;
    }
    print_measure(sc->name, &m);
    if (m.err != 0) {
        fprintf(stderr, "asynclab: %s on %s failed: %s\n", sc->name,
                args.executor, cli_strerror(m.err));
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}
