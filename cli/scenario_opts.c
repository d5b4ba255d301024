/*
 * cli/scenario_opts.c - what `run` and `compare` share: the scenario options
 * and the words for a failed run. The measured run itself is
 * scenarios/measure.c.
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
     "virtual time (ws: all workers on one thread, interleaved by --seed)"},
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
    fprintf(out, "  %-12s %s\n  %-12s %s\n", "mine",
            "YOUR executor: lessons 6 and 10 on the real driver, built from",
            "", "your exercise files (--mine-from solutions: the reference)");
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
                        const scenario_measure_t *m)
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
    case -EPROTO: /* only --executor mine, which said what, above */
        return "your executor broke its contract (said above)";
    default:
        return strerror(-err);
    }
}
