/*
 * cli/cmd_compare.c - `asynclab compare SCENARIO --executors spin,notify`:
 * the same scenario on several executors, one after the other in this
 * process, one row each. The columns are the ones that tell executors
 * apart on a waiting workload: CPU per wall second (does it burn a core
 * while it waits?), polls and pending polls (does it poll what is not
 * ready?), wakes and parks (does it wait for wakes?).
 *
 * Tests: tests/cli.sh.
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "bench/executors.h"
#include "cli/cli.h"
#include "cli/mine.h"

enum { MAX_EXECUTORS = 8 };

typedef struct compare_args {
    cli_scenario_args_t scenario; /* first: cli_scenario_opts fill it */
    const char *executors;        /* "spin,notify" */
    bool csv;
    bool json;
    const char *mine_from; /* --mine-from: yours or solutions */
} compare_args_t;

static const cli_opt_t compare_opts[] = {
    {"--executors", CLI_STRING, 0, 0, offsetof(compare_args_t, executors),
     "A,B,...", "the executors to compare (default: all)"},
    {"--csv", CLI_FLAG, 0, 0, offsetof(compare_args_t, csv), NULL,
     "print the rows as CSV (a header line, then one line per executor)"},
    {"--json", CLI_FLAG, 0, 0, offsetof(compare_args_t, json), NULL,
     "print the rows as a JSON array of objects"},
    CLI_MINE_OPT(compare_args_t, mine_from),
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const compare_tables[] = {compare_opts,
                                                  cli_scenario_opts, NULL};

static void compare_usage(FILE *out)
{
    fputs("usage: asynclab compare WORKLOAD [--executors A,B,...] "
          "[--csv|--json] [options]\n"
          "\n"
          "Run WORKLOAD (a scenario, or a benchmark workload such as "
          "yield_many)\n"
          "once on each executor and print one row each: tasks finished, "
          "wall\n"
          "time, CPU time (user + sys), CPU/wall, polls, pending polls "
          "(PENDING\n"
          "results; on spin every one is wasted), wakes, self-wakes, "
          "steals, parks,\n"
          "max queue depth; then a bar chart of wall and CPU time per "
          "executor.\n"
          "\n",
          out);
    cli_print_options(out, compare_tables);
    cli_print_scenarios(out);
    fputs("\nbenchmark workloads (run once, --tasks sets the size):\n ", out);
    for (const scenario_t *const *w = scenario_workloads; *w != NULL; w++)
        fprintf(out, " %s", (*w)->name);
    fputs("\n", out);
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
    if (strlen(list) >= size) { /* never cut: a cut list names others */
        cli_usage_error(&cli_cmd_compare,
                        "--executors: a list of %zu characters; at most %zu "
                        "fit",
                        strlen(list), size - 1);
        return -1;
    }
    memcpy(buf, list, strlen(list) + 1);
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

/* ---- the table, the chart, CSV and JSON -------------------------------- */

static void print_header(void)
{
    printf("%-8s %9s %7s %7s %8s %9s %9s %9s %9s %7s %6s %9s\n", "executor",
           "finished", "wall s", "cpu s", "cpu/wall", "polls", "pending",
           "wakes", "self", "steals", "parks", "max queue");
}

static void print_row(const scenario_measure_t *m)
{
    const executor_stats_t *st = &m->stats;
    char finished[48]; /* two 20-digit counts and a slash */
    snprintf(finished, sizeof finished, "%" PRIu64 "/%" PRIu64,
             m->result.tasks_done, m->result.tasks_expected);
    printf("%-8s %9s %7.3f %7.3f %8.2f %9" PRIu64 " %9" PRIu64 " %9" PRIu64
           " %9" PRIu64 " %7" PRIu64 " %6" PRIu64 " %9" PRIu64 "\n",
           m->executor, finished, m->wall_s, m->user_s + m->sys_s,
           scenario_cpu_per_wall(m), st->polls, st->pending_polls, st->wakes,
           st->self_wakes, st->steals, st->parks, st->max_queue_depth);
}

static const char *const csv_header =
    "executor,tasks_done,tasks_expected,wall_s,cpu_s,cpu_per_wall,polls,"
    "pending_polls,wakes,self_wakes,steals,parks,max_queue_depth";

static void print_csv_row(const scenario_measure_t *m)
{
    const executor_stats_t *st = &m->stats;
    printf("%s,%" PRIu64 ",%" PRIu64 ",%.6f,%.6f,%.4f,%" PRIu64 ",%" PRIu64
           ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
           m->executor, m->result.tasks_done, m->result.tasks_expected,
           m->wall_s, m->user_s + m->sys_s, scenario_cpu_per_wall(m), st->polls,
           st->pending_polls, st->wakes, st->self_wakes, st->steals,
           st->parks, st->max_queue_depth);
}

static void print_json_row(const scenario_measure_t *m, bool first)
{
    const executor_stats_t *st = &m->stats;
    printf("%s\n  {\"executor\": \"%s\", \"tasks_done\": %" PRIu64
           ", \"tasks_expected\": %" PRIu64 ", \"wall_s\": %.6f, "
           "\"cpu_s\": %.6f, \"cpu_per_wall\": %.4f, \"polls\": %" PRIu64
           ", \"pending_polls\": %" PRIu64 ", \"wakes\": %" PRIu64
           ", \"self_wakes\": %" PRIu64 ", \"steals\": %" PRIu64
           ", \"parks\": %" PRIu64 ", \"max_queue_depth\": %" PRIu64 "}",
           first ? "" : ",", m->executor, m->result.tasks_done,
           m->result.tasks_expected, m->wall_s, m->user_s + m->sys_s,
           scenario_cpu_per_wall(m), st->polls, st->pending_polls, st->wakes,
           st->self_wakes, st->steals, st->parks, st->max_queue_depth);
}

#define BAR_WIDTH 40

/* One bar, scaled so that the longest value of the chart fills it. */
static void print_bar(const char *label, double value, double longest)
{
    int n = longest > 0 ? (int)(value / longest * BAR_WIDTH + 0.5) : 0;
    printf("  %-12s |", label);
    for (int i = 0; i < n; i++)
        putchar('#');
    printf("%*s %.3f s\n", BAR_WIDTH - n, "", value);
}

/* Wall time and CPU time per executor, both on one scale. */
static void print_chart(const scenario_measure_t *rows, int n)
{
    double longest = 0;
    for (int i = 0; i < n; i++) {
        double cpu = rows[i].user_s + rows[i].sys_s;
        longest = rows[i].wall_s > longest ? rows[i].wall_s : longest;
        longest = cpu > longest ? cpu : longest;
    }
    printf("\nwall time and CPU time (user + sys), one scale:\n");
    for (int i = 0; i < n; i++) {
        char label[32];
        snprintf(label, sizeof label, "%s wall", rows[i].executor);
        print_bar(label, rows[i].wall_s, longest);
        snprintf(label, sizeof label, "%s cpu", rows[i].executor);
        print_bar(label, rows[i].user_s + rows[i].sys_s, longest);
    }
}

/* Measure one executor into *m; false when it could not be created or
 * the workload failed (said on stderr). */
static bool measure_one(const scenario_t *sc, const char *executor,
                        const cli_scenario_args_t *args, scenario_measure_t *m)
{
    int err = scenario_measure(sc, executor, args, m);
    if (err != 0) {
        fprintf(stderr, "asynclab: cannot create the %s executor: %s\n",
                executor, cli_strerror(err));
        return false;
    }
    if (m->err != 0) {
        cli_report_failure(cli_cmd_compare.name, sc, m);
        return false;
    }
    return true;
}

/* Print the rows measured, in the format asked for. */
static void print_rows(const compare_args_t *args, const scenario_t *sc,
                       const scenario_measure_t *rows, int n)
{
    if (args->csv) {
        puts(csv_header);
        for (int i = 0; i < n; i++)
            print_csv_row(&rows[i]);
    } else if (args->json) {
        printf("[");
        for (int i = 0; i < n; i++)
            print_json_row(&rows[i], i == 0);
        printf("\n]\n");
    } else if (n > 0) {
        printf("%s: %s\n\n", sc->name, rows[0].result.what);
        print_header();
        for (int i = 0; i < n; i++)
            print_row(&rows[i]);
        print_chart(rows, n);
    }
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
    if (args.scenario.sim && scenario_no_sim(sc) != NULL)
        return cli_usage_error(&cli_cmd_compare, "--sim: %s %s", sc->name,
                               scenario_no_sim(sc));
    if (cli_mine_named(args.executors) &&
        (status = cli_mine_prepare(args.mine_from)) != 0)
        return status;
    char buf[256];
    const char *names[MAX_EXECUTORS];
    int n = split_executors(args.executors, buf, sizeof buf, names);
    if (n < 0)
        return CLI_EXIT_USAGE;

    if (args.csv && args.json)
        return cli_usage_error(&cli_cmd_compare,
                               "--csv and --json: choose one");

    /* Before the runs, which add to the load themselves (see run). */
    double load;
    long cpus;
    bool busy = scenario_load_note_due(args.scenario.sim, &load, &cpus);
    scenario_measure_t rows[MAX_EXECUTORS];
    int measured = 0;
    bool ok = true;
    for (int i = 0; i < n; i++) {
        if (measure_one(sc, names[i], &args.scenario, &rows[measured]))
            measured++;
        else
            ok = false;
    }
    print_rows(&args, sc, rows, measured);
    if (busy) /* on stderr: --csv and --json stay clean */
        scenario_print_load_note(stderr, load, cpus);
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}
