/*
 * cli/main.c - the `asynclab` program: find the subcommand, hand it argv.
 *
 *     asynclab COMMAND [ARGS...]     ->  command->main(argc - 1, argv + 1)
 *
 * The commands are the table built from CLI_COMMANDS (cli/cli.h); each
 * lives in its own cli/cmd_<name>.c. Exit status: 0 done, 1 the work
 * failed, 2 a bad command line (one line of reason, then the usage).
 *
 * Tests: tests/cli.sh.
 */
#include <string.h>

#include "cli/cli.h"

#define DECLARE(c) extern const cli_command_t c;
CLI_COMMANDS(DECLARE)
#undef DECLARE

#define ENTRY(c) &c,
static const cli_command_t *const commands[] = {CLI_COMMANDS(ENTRY) NULL};
#undef ENTRY

static void usage(FILE *out)
{
    fputs("usage: asynclab COMMAND [ARGS...]\n"
          "       asynclab COMMAND --help\n"
          "\n"
          "Learn how an async runtime works by running one: the same "
          "scenarios on\n"
          "a spin executor, a notify executor and a work-stealing runtime.\n"
          "\n"
          "commands:\n",
          out);
    for (const cli_command_t *const *c = commands; *c != NULL; c++)
        fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
    fputs("\nexample:\n"
          "  asynclab compare sleepers --executors spin,notify --tasks 100 "
          "--ms 200\n",
          out);
}

static const cli_command_t *find_command(const char *name)
{
    for (const cli_command_t *const *c = commands; *c != NULL; c++) {
        if (strcmp((*c)->name, name) == 0)
            return *c;
    }
    return NULL;
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
    const cli_command_t *cmd = find_command(name);
    if (cmd == NULL) {
        fprintf(stderr, "asynclab: %s: unknown command\n", name);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    return cmd->main(argc - 1, argv + 1);
}
