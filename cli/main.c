/*
 * cli/main.c - the `asynclab` program: find the subcommand, hand it argv.
 *
 *     asynclab COMMAND [ARGS...]     ->  command->main(argc - 1, argv + 1)
 *     asynclab --help | --version
 *
 * The commands are the table built from CLI_COMMANDS (cli/cli.h), each in
 * its own cli/cmd_<name>.c, then init (cli/cmd_init.c, listed before the
 * other course commands) and the unlisted complete (cli/cmd_complete.c, for
 * tools/asynclab.bash). Exit status: 0 done, 1 the work failed, 2 a bad
 * command line (one line of reason, then the usage).
 *
 * The full-screen commands (viz, replay; lesson --watch runs viz) are
 * refused here, in one line with status 2, on a terminal that cannot draw
 * a screen (TERM=dumb): before they start a workload, not after.
 *
 * The version is the Makefile's ASYNCLAB_VERSION (VERSION, and git
 * describe when there is a repository).
 *
 * Tests: tests/cli.sh, tests/install.sh.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "visualizer/escape.h"
#include "visualizer/term.h"

#ifndef ASYNCLAB_VERSION
#define ASYNCLAB_VERSION "unknown"
#endif

#define DECLARE(c) extern const cli_command_t c;
CLI_COMMANDS(DECLARE)
#undef DECLARE
extern const cli_command_t cli_cmd_init, cli_cmd_complete;

#define ENTRY(c) &c,
const cli_command_t *const cli_all_commands[] = {
    CLI_COMMANDS(ENTRY) &cli_cmd_init, &cli_cmd_complete, NULL};
#undef ENTRY

/* --help's order: the table's, with init just before the course's other
 * commands; complete is not for people. */
static void list_commands(FILE *out)
{
    for (const cli_command_t *const *c = cli_all_commands; *c != NULL; c++) {
        if (*c == &cli_cmd_init || *c == &cli_cmd_complete)
            continue;
        if (strcmp((*c)->name, "lessons") == 0)
            fprintf(out, "  %-10s %s\n", cli_cmd_init.name,
                    cli_cmd_init.summary);
        fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
    }
}

static void usage(FILE *out)
{
    fputs("usage: asynclab COMMAND [ARGS...]\n"
          "       asynclab COMMAND --help\n"
          "       asynclab --version\n"
          "\n"
          "Learn how an async runtime works by running one: the same "
          "scenarios on\n"
          "a spin executor, a notify executor and a work-stealing runtime.\n"
          "\n"
          "commands:\n",
          out);
    list_commands(out);
    fputs("\nexample:\n"
          "  asynclab compare sleepers --executors spin,notify --tasks 100 "
          "--ms 200\n"
          "\nThe manual: man asynclab. An installed asynclab keeps its "
          "course in\n"
          "../share/asynclab beside the program: asynclab init copies the "
          "exercises\n"
          "into a folder of your own.\n",
          out);
}

static const cli_command_t *find_command(const char *name)
{
    for (const cli_command_t *const *c = cli_all_commands; *c != NULL; c++) {
        if (strcmp((*c)->name, name) == 0)
            return *c;
    }
    return NULL;
}

/* A full-screen command on a terminal that cannot draw one: say so in one
 * line before anything starts. Only on a terminal (files and pipes get
 * the command's own "needs a terminal"), never for --help. */
static bool cannot_draw(const char *name, int argc, char **argv)
{
    if (strcmp(name, "viz") != 0 && strcmp(name, "replay") != 0)
        return false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return false;
    }
    if (viz_term_check() != -EOPNOTSUPP)
        return false;
    const char *term = getenv("TERM");
    char safe[256]; /* TERM is anyone's to set: escaped like a name */
    fprintf(stderr,
            "asynclab: %s needs a full-screen terminal, and TERM=%s cannot "
            "move the cursor; run it in a terminal such as xterm, or see "
            "it in plain text with %s\n",
            name, viz_escape(term != NULL ? term : "", safe, sizeof safe),
            strcmp(name, "viz") == 0 ? "asynclab run SCENARIO"
                                     : "asynclab trace export FILE --text OUT");
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("asynclab: missing COMMAND\n", stderr);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        strcmp(name, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("asynclab %s\n", ASYNCLAB_VERSION);
        return CLI_EXIT_OK;
    }
    const cli_command_t *cmd = find_command(name);
    if (cmd == NULL) {
        fprintf(stderr, "asynclab: %s: unknown command\n", name);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (cannot_draw(name, argc, argv))
        return CLI_EXIT_USAGE;
    return cmd->main(argc - 1, argv + 1);
}
