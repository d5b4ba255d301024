/*
 * cli/cmd_compare.c - `asynclab compare SCENARIO --executors spin,notify`:
 * the same scenario on several executors, one after the other in this
 * process, one row each. The columns are the ones that tell executors
 * apart on a waiting workload: CPU per wall second (does it burn a core
 * while it waits?), polls and wasted polls (does it poll what is not
 * ready?), wakes and parks (does it wait for wakes?).
 *
 * Tests: tests/cli.sh.
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "bench/executors.h"
#include "cli/cli.h"

enum { MAX_EXECUTORS = 8 };

typedef struct compare_args {
    cli_scenario_args_t scenario; /* first: cli_scenario_opts fill it */
    const char *executors;        /* "spin,notify" */
} compare_args_t;

static const cli_opt_t compare_opts[] = {
    {"--executors", CLI_STRING, 0, 0, offsetof(compare_args_t, executors),
     "A,B,...", "the executors to compare (default: all)"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const compare_tables[] = {compare_opts,
                                                  cli_scenario_opts, NULL};

static void compare_usage(FILE *out)
{
    fputs("usage: asynclab compare SCENARIO [--executors A,B,...] "
          "[options]\n"
          "\n"
          "Run SCENARIO once on each executor and print one row each: "
          "tasks\n"
          "finished, wall time, CPU time (user + sys), CPU/wall, polls, "
          "wasted\n"
          "polls, wakes, parks.\n"
          "\n",
          out);
    cli_print_options(out, compare_tables);
    cli_print_scenarios(out);
}

static int compare_main(int argc, char **argv);

const cli_command_t cli_cmd_compare = {
    .name = "compare",
    .summary = "run a scenario on several executors, one row each",
    .usage = compare_usage,
    .main = compare_main,
};

/*
 * Split "spin,notify" into names (pointing into buf) and check each one.
 * Returns how many, or -1 after cli_usage_error.
 */
static int split_executors(const char *list, char *buf, size_t size,
                           const char **names)
{
    snprintf(buf, size, "%s", list);
    int n = 0;
    char *save = NULL;
    for (char *name = strtok_r(buf, ",", &save); name != NULL;
         name = strtok_r(NULL, ",", &save)) {
        if (executor_kind_by_name(name) == NULL) {
            cli_usage_error(&cli_cmd_compare,
                            "--executors: unknown executor '%s' (known: %s)",
                            name, executor_names(", "));
            return -1;
        }
        if (n == MAX_EXECUTORS) {
            cli_usage_error(&cli_cmd_compare,
                            "--executors: at most %d executors", MAX_EXECUTORS);
            return -1;
        }
        names[n++] = name;
    }
    if (n == 0)
        cli_usage_error(&cli_cmd_compare,
                        "--executors: expected a list like spin,notify, "
                        "got '%s'",
                        list);
    return n > 0 ? n : -1;
}

static void print_header(void)
{
    printf("%-8s %11s %8s %8s %9s %12s %13s %10s %8s\n", "executor", "finished",
           "wall s", "cpu s", "cpu/wall", "polls", "wasted polls", "wakes",
           "parks");
}

static void print_row(const cli_measure_t *m)
{
    const executor_stats_t *st = &m->stats;
    char finished[32];
    snprintf(finished, sizeof finished, "%" PRIu64 "/%" PRIu64,
             m->result.tasks_done, m->result.tasks_expected);
    printf("%-8s %11s %8.3f %8.3f %9.2f %12" PRIu64 " %13" PRIu64 " %10" PRIu64
           " %8" PRIu64 "\n",
           m->executor, finished, m->wall_s, m->user_s + m->sys_s,
           cli_cpu_per_wall(m), st->polls, st->pending_polls, st->wakes,
           st->parks);
}

/*
 * Run one row; false when it failed (said on stderr after the row). The
 * first row printed is preceded by what the scenario did and the header.
 */
static bool compare_one(const scenario_t *sc, const char *executor,
                        const cli_scenario_args_t *args, bool *header_done)
{
    cli_measure_t m;
    int err = cli_measure(sc, executor, args, &m);
    if (err != 0) {
        fprintf(stderr, "asynclab: cannot create the %s executor: %s\n",
                executor, cli_strerror(err));
        return false;
    }
    if (!*header_done) {
        *header_done = true;
        printf("%s: %s\n\n", sc->name, m.result.what);
        print_header();
    }
    print_row(&m);
    fflush(stdout);
    if (m.err != 0) {
        fprintf(stderr, "asynclab: %s on %s failed: %s\n", sc->name, executor,
                cli_strerror(m.err));
        return false;
    }
    return true;
}

static int compare_main(int argc, char **argv)
{
    compare_args_t args = {.executors = executor_names(",")};
    cli_scenario_args_init(&args.scenario);
    cli_positionals_t pos = {.max = 1};
    int status;
    if (!cli_parse(&cli_cmd_compare, compare_tables, &args, argc, argv, &pos,
                   &status))
        return status;
    const scenario_t *sc = cli_scenario_arg(&cli_cmd_compare, &pos);
    if (sc == NULL)
        return CLI_EXIT_USAGE;
    char buf[256];
    const char *names[MAX_EXECUTORS];
    int n = split_executors(args.executors, buf, sizeof buf, names);
    if (n < 0)
        return CLI_EXIT_USAGE;

    bool ok = true, header_done = false;
    for (int i = 0; i < n; i++)
        ok = compare_one(sc, names[i], &args.scenario, &header_done) && ok;
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}
