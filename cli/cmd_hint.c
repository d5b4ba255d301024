/*
 * cli/cmd_hint.c - `asynclab hint N` (a nudge: lessons/NN-topic/hint.md)
 * and `asynclab solution N [--force]` (the reference solution, shown once
 * the exercise passes, or when forced).
 *
 * Tests: tests/lessons.sh.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/lessons.h"

/* ---- hint ---------------------------------------------------------------- */

static const cli_opt_t no_opts[] = {{NULL, 0, 0, 0, 0, NULL, NULL}};
static const cli_opt_t *const hint_tables[] = {no_opts, NULL};

static void hint_usage(FILE *out)
{
    fputs("usage: asynclab hint N\n\nA hint for lesson N's exercise.\n\n", out);
    cli_print_options(out, hint_tables);
}

static int hint_main(int argc, char **argv);

const cli_command_t cli_cmd_hint = {
    .name = "hint",
    .summary = "a hint for lesson N's exercise",
    .usage = hint_usage,
    .main = hint_main,
};

static int hint_main(int argc, char **argv)
{
    course_t c;
    lesson_t *l;
    int status = lesson_cli_args(&cli_cmd_hint, hint_tables, NULL, argc, argv,
                                 true, &c, &l);
    if (status >= 0)
        return status;
    char path[LESSON_PATH];
    lesson_path(&c, l, "hint.md", path);
    if (lesson_require(l, "hint", path, NULL) != 0)
        return CLI_EXIT_FAILED;
    printf("Hint for lesson %d (%s):\n\n", l->number, l->title);
    return lesson_cat(path) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

/* ---- solution ------------------------------------------------------------ */

typedef struct solution_args {
    bool force;
} solution_args_t;

static const cli_opt_t solution_opts[] = {
    {"--force", CLI_FLAG, 0, 0, offsetof(solution_args_t, force), NULL,
     "show it even though your exercise does not pass yet"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const solution_tables[] = {solution_opts, NULL};

static void solution_usage(FILE *out)
{
    fputs("usage: asynclab solution N [--force]\n"
          "\n"
          "Lesson N's reference solution, once your exercise passes.\n"
          "\n",
          out);
    cli_print_options(out, solution_tables);
}

static int solution_main(int argc, char **argv);

const cli_command_t cli_cmd_solution = {
    .name = "solution",
    .summary = "lesson N's reference solution (after it passes, or --force)",
    .usage = solution_usage,
    .main = solution_main,
};

static int solution_main(int argc, char **argv)
{
    solution_args_t a = {false};
    course_t c;
    lesson_t *l;
    int status = lesson_cli_args(&cli_cmd_solution, solution_tables, &a, argc,
                                 argv, true, &c, &l);
    if (status >= 0)
        return status;
    if (!l->done && !a.force) {
        printf("Lesson %d's solution opens once your exercise passes "
               "(asynclab check %d).\nStuck? asynclab hint %d. Or look "
               "anyway: asynclab solution %d --force\n",
               l->number, l->number, l->number, l->number);
        return CLI_EXIT_FAILED;
    }
    char path[LESSON_PATH];
    lesson_solution_path(&c, l, path);
    if (lesson_require(l, "reference solution", path, NULL) != 0)
        return CLI_EXIT_FAILED;
    printf("/* The reference solution of lesson %d: %s */\n\n", l->number,
           lesson_relative(&c, path));
    return lesson_cat(path) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}
