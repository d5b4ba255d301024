/*
 * cli/cmd_complete.c - `asynclab complete LIST`: the words the shell's
 * completion offers, one a line, from the program's own tables, so that
 * tools/asynclab.bash never goes out of date. Not in --help: it is for the
 * completion script, not for people.
 *
 *   commands    every subcommand, in --help order
 *   scenarios   what run and viz take
 *   compare     what compare takes: the scenarios and the workloads
 *   workloads   what bench takes: the workloads, their variants, "all"
 *   executors   spin, notify, ws
 *   lessons     the course's lesson numbers (nothing without a course)
 *
 * Options are not listed here: the script reads them from `CMD --help`.
 * Exit status: 0, or 2 for a LIST it does not know.
 * Tests: tests/install.sh (through the installed completion script).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench/executors.h"
#include "bench/workload.h"
#include "cli/cli.h"
#include "cli/lessons.h"

/* cli/main.c: every command, --help's and this one's; ends with NULL. */
extern const cli_command_t *const cli_all_commands[];

static const cli_opt_t no_opts[] = {{NULL, 0, 0, 0, 0, NULL, NULL}};
static const cli_opt_t *const complete_tables[] = {no_opts, NULL};

static void complete_usage(FILE *out)
{
    fputs("usage: asynclab complete "
          "commands|scenarios|compare|workloads|executors|lessons\n"
          "\n"
          "The words the shell's completion offers, one a line "
          "(tools/asynclab.bash).\n"
          "\n",
          out);
    cli_print_options(out, complete_tables);
}

static int complete_main(int argc, char **argv);

const cli_command_t cli_cmd_complete = {
    .name = "complete",
    .summary = "the shell completion's words (not listed)",
    .usage = complete_usage,
    .main = complete_main,
};

/* The names of table, less those already said from except (a workload
 * and a scenario may share a name: timers). */
static void scenarios(const scenario_t *const *table,
                      const scenario_t *const *except)
{
    for (const scenario_t *const *s = table; *s != NULL; s++) {
        bool said = false;
        for (const scenario_t *const *e = except; e != NULL && *e != NULL;
             e++)
            said = said || strcmp((*e)->name, (*s)->name) == 0;
        if (!said)
            printf("%s\n", (*s)->name);
    }
}

static void workloads(const workload_t *const *table)
{
    for (const workload_t *const *w = table; *w != NULL; w++)
        printf("%s\n", (*w)->name);
}

static int complete_main(int argc, char **argv)
{
    cli_positionals_t pos = {.max = 1};
    int status;
    if (!cli_parse(&cli_cmd_complete, complete_tables, NULL, argc, argv, &pos,
                   &status))
        return status;
    if (pos.count == 0)
        return cli_usage_error(&cli_cmd_complete, "complete: which list?");
    const char *what = pos.args[0];
    if (strcmp(what, "commands") == 0) {
        for (const cli_command_t *const *c = cli_all_commands; *c != NULL; c++)
            if (*c != &cli_cmd_complete)
                printf("%s\n", (*c)->name);
    } else if (strcmp(what, "scenarios") == 0) {
        scenarios(scenario_table, NULL);
    } else if (strcmp(what, "compare") == 0) {
        scenarios(scenario_table, NULL);
        scenarios(scenario_workloads, scenario_table);
    } else if (strcmp(what, "workloads") == 0) {
        workloads(workload_table);
        workloads(workload_variants);
        printf("all\n");
    } else if (strcmp(what, "executors") == 0) {
        for (const executor_entry_t *e = executor_table; e->name != NULL; e++)
            printf("%s\n", e->name);
    } else if (strcmp(what, "lessons") == 0) {
        course_t c;
        if (course_load(&c) == 0)
            for (int i = 0; i < c.count; i++)
                printf("%d\n", c.lessons[i].number);
    } else {
        return cli_usage_error(&cli_cmd_complete,
                               "complete: no list '%s'", what);
    }
    return CLI_EXIT_OK;
}
