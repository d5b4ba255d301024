/*
 * cli/cmd_reset.c - `asynclab reset N [--yes]`: put lesson N's exercise
 * back as the course shipped it (the committed version, through git),
 * after asking. Progress is kept: a lesson once passed stays done.
 *
 * Tests: tests/lessons.sh.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/lessons.h"

typedef struct reset_args {
    bool yes;
} reset_args_t;

static const cli_opt_t reset_opts[] = {
    {"--yes", CLI_FLAG, 0, 0, offsetof(reset_args_t, yes), NULL, "do not ask"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const reset_tables[] = {reset_opts, NULL};

static void reset_usage(FILE *out)
{
    fputs("usage: asynclab reset N [--yes]\n"
          "\n"
          "Replace lesson N's exercise with the untouched one, after "
          "asking.\n"
          "\n",
          out);
    cli_print_options(out, reset_tables);
}

static bool ask_yes(const char *question)
{
    printf("%s [y/N] ", question);
    fflush(stdout);
    char line[16];
    return fgets(line, sizeof line, stdin) != NULL &&
           (line[0] == 'y' || line[0] == 'Y');
}

static int reset_main(int argc, char **argv);

const cli_command_t cli_cmd_reset = {
    .name = "reset",
    .summary = "restore lesson N's untouched exercise (asks first)",
    .usage = reset_usage,
    .main = reset_main,
};

static int reset_main(int argc, char **argv)
{
    reset_args_t a = {false};
    course_t c;
    lesson_t *l;
    int status = lesson_cli_args(&cli_cmd_reset, reset_tables, &a, argc, argv,
                                 true, &c, &l);
    if (status >= 0)
        return status;
    char pristine[LESSON_PATH], path[LESSON_PATH];
    lesson_pristine_temp(l, pristine);
    lesson_path(&c, l, "exercise.c", path);
    if (lesson_pristine_copy(&c, l, pristine) != 0) {
        fprintf(stderr,
                "asynclab: git cannot show the committed %s; reset "
                "needs a git working copy\n",
                lesson_relative(&c, path));
        return CLI_EXIT_FAILED;
    }
    printf("This replaces %s with the exercise as the course ships it.\n",
           lesson_relative(&c, path));
    status = CLI_EXIT_OK;
    if (!a.yes && !ask_yes("Your changes to it will be lost. Go on?")) {
        printf("Left as it is.\n");
    } else if (lesson_copy(pristine, path) != 0) {
        fprintf(stderr, "asynclab: cannot write %s\n", path);
        status = CLI_EXIT_FAILED;
    } else {
        printf("Reset. Read the lesson again: asynclab lesson %d\n", l->number);
    }
    unlink(pristine);
    return status;
}
