/*
 * cli/cli.h - private to cli/: the subcommand table, the one option parser
 * every subcommand uses, and the measured run of a scenario.
 *
 * A subcommand is a cli_command_t in its own file, cli/cmd_<name>.c, listed
 * by one line in CLI_COMMANDS below. Its main gets argv with argv[0] = its
 * name, and returns the exit status: 0 done, 1 the work failed, 2 the
 * command line was wrong (one line of reason, then the usage, on stderr).
 *
 * Options are described by static tables, so the parser and --help read
 * the same list:
 *
 *     cli_opt_t { "--tasks", CLI_INT, min 1, max INT_MAX,
 *                 offsetof(args_t, tasks), "N", "how many tasks" }
 *
 * cli_parse fills a caller's struct through the offsets; "--tasks 5" and
 * "--tasks=5" both work; options and positionals may come in any order;
 * "--" ends the options. No global state (unlike getopt): parse as often
 * as you like.
 */
#ifndef ASYNCLAB_CLI_H
#define ASYNCLAB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/executor.h"
#include "scenarios/measure.h"
#include "scenarios/scenario.h"

/* ---- subcommands -------------------------------------------------------- */

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILED = 1, CLI_EXIT_USAGE = 2 };

typedef struct cli_command {
    const char *name;    /* "run" */
    const char *summary; /* one line for `asynclab --help` */
    void (*usage)(FILE *out);
    int (*main)(int argc, char **argv);
} cli_command_t;

/* Every subcommand, in --help order. One line each. */
#define CLI_COMMANDS(X)                                                        \
    X(cli_cmd_run)                                                             \
    X(cli_cmd_viz)                                                             \
    X(cli_cmd_replay)                                                          \
    X(cli_cmd_trace)                                                           \
    X(cli_cmd_compare)                                                         \
    X(cli_cmd_bench)                                                           \
    X(cli_cmd_lessons)                                                         \
    X(cli_cmd_next)                                                            \
    X(cli_cmd_lesson)                                                          \
    X(cli_cmd_check)                                                           \
    X(cli_cmd_hint)                                                            \
    X(cli_cmd_reset)                                                           \
    X(cli_cmd_solution)                                                        \
    X(cli_cmd_quiz)

/* ---- options ------------------------------------------------------------ */

typedef enum cli_opt_kind {
    CLI_FLAG,   /* bool; takes no value */
    CLI_INT,    /* int in [min, max] */
    CLI_U64,    /* uint64_t, any non-negative decimal */
    CLI_STRING, /* const char *, pointing into argv */
} cli_opt_kind_t;

typedef struct cli_opt {
    const char *name; /* "--tasks"; NULL ends a table */
    cli_opt_kind_t kind;
    int min, max;    /* CLI_INT only */
    size_t offset;   /* where the value goes in the caller's struct */
    const char *arg; /* "N" in "--tasks N"; NULL for a flag */
    const char *help;
} cli_opt_t;

/* What cli_parse collects besides options. */
typedef struct cli_positionals {
    const char *args[4];
    int count;
    int max; /* more than this is an error */
} cli_positionals_t;

/*
 * Parse argv[1..argc) against tables (a NULL-terminated list of option
 * tables, all filling the struct at base). True: go on. False: the command
 * must return *exit_status now; --help has printed cmd's usage to stdout
 * (status 0), or a bad argument its reason and the usage to stderr (2).
 */
bool cli_parse(const cli_command_t *cmd, const cli_opt_t *const *tables,
               void *base, int argc, char **argv, cli_positionals_t *pos,
               int *exit_status);

/* "asynclab: <message>" and cmd's usage on stderr; returns 2. */
int cli_usage_error(const cli_command_t *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The "options:" block of a usage text, from the tables. */
void cli_print_options(FILE *out, const cli_opt_t *const *tables);

/* ---- running a scenario, measured ---------------------------------------- */

/* The options every scenario-running command shares (cli/scenario_opts.c):
 * a scenario_setup_t (scenarios/measure.h). */
typedef scenario_setup_t cli_scenario_args_t;

extern const cli_opt_t cli_scenario_opts[];

void cli_scenario_args_init(cli_scenario_args_t *a);

/* "  widgets   summary" lines, and the executors, for usage texts. */
void cli_print_scenarios(FILE *out);

/* Look up the scenario named by the first positional, or say why not
 * (returns NULL after cli_usage_error). */
const scenario_t *cli_scenario_arg(const cli_command_t *cmd,
                                   const cli_positionals_t *pos);

/* One sentence for a failed scenario ("a lost wakeup: ..."). */
const char *cli_strerror(int err);

/* FNV-1a: s's bytes folded into h (start with CLI_FNV_START). A name's
 * fingerprint, stable from run to run: not for secrets. */
#define CLI_FNV_START UINT64_C(1469598103934665603)
uint64_t cli_fnv1a(uint64_t h, const char *s);

/*
 * Why a scenario run failed, in words, into buf: "could spawn 5 of 9
 * tasks (out of memory)" when one of its spawns was refused, else
 * cli_strerror(err).
 */
void cli_describe_failure(const scenario_result_t *r, int err, char *buf,
                          size_t n);

/*
 * The one line for a measured run that failed (m->err != 0), on stderr:
 *   asynclab: run: fanout on spin could spawn 5 of 9 tasks (out of memory)
 *   asynclab: naive-sleep on notify failed: a lost wakeup: ...
 */
void cli_report_failure(const char *cmd, const scenario_t *sc,
                        const scenario_measure_t *m);

#endif
