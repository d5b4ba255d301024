/*
 * cli/cmd_check.c - `asynclab check`: is the exercise right yet?
 *
 *   check [N]            the learner's lessons/NN-topic/exercise.c (the
 *                        current lesson when N is left out); passing
 *                        marks the lesson done
 *   check N --solution   the reference solution instead (marks nothing)
 *   check N --file PATH  any file in the exercise's place (tests)
 *   check --solutions    every reference solution must pass (CI)
 *   check --pristine [N] every untouched exercise must fail, and say why
 *                        in words: not crash, not fail to compile (CI)
 *
 * The compiling, running and explaining is cli/lesson_build.c.
 * Exit status: 0 passed (or all as expected), 1 not, 2 bad arguments.
 *
 * Tests: tests/lessons.sh.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/lessons.h"

typedef struct check_args {
    const char *file;
    bool solution, solutions, pristine, verbose;
} check_args_t;

static const cli_opt_t check_opts[] = {
    {"--solution", CLI_FLAG, 0, 0, offsetof(check_args_t, solution), NULL,
     "check lesson N's reference solution instead of your exercise"},
    {"--file", CLI_STRING, 0, 0, offsetof(check_args_t, file), "PATH",
     "check PATH in place of the exercise"},
    {"--solutions", CLI_FLAG, 0, 0, offsetof(check_args_t, solutions), NULL,
     "check every reference solution (they must all pass)"},
    {"--pristine", CLI_FLAG, 0, 0, offsetof(check_args_t, pristine), NULL,
     "check the untouched exercises (they must all fail, in words)"},
    {"--verbose", CLI_FLAG, 0, 0, offsetof(check_args_t, verbose), NULL,
     "print the checker's whole output"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const check_tables[] = {check_opts, NULL};

static void check_usage(FILE *out)
{
    fputs("usage: asynclab check [N] [--solution] [--file PATH] [--verbose]\n"
          "       asynclab check --solutions\n"
          "       asynclab check --pristine [N]\n"
          "\n"
          "Compile lesson N's exercise (lessons/NN-topic/exercise.c; the "
          "current\n"
          "lesson when N is left out) with the project's flags against the\n"
          "library, run the lesson's checker, and say what is still wrong.\n"
          "Passing marks the lesson done (in lessons/.progress).\n"
          "\n"
          "The exercises are a checkout's own lessons/, or, for an installed\n"
          "asynclab, the folder `asynclab init` made: run check inside it.\n"
          "\n",
          out);
    cli_print_options(out, check_tables);
}

/* Check one lesson's exercise (or its solution, or --file). */
static int check_one(course_t *c, lesson_t *l, const check_args_t *a)
{
    char path[LESSON_PATH];
    if (a->file != NULL)
        lesson_fmt(path, "%s", a->file); /* file_readable has looked */
    else if (a->solution)
        lesson_solution_path(c, l, path);
    else
        lesson_path(c, l, "exercise.c", path);
    /* A missing file is not an exercise that "does not compile yet". */
    char reset[48];
    snprintf(reset, sizeof reset, "asynclab reset %d restores it", l->number);
    if (a->file == NULL && !a->solution && !course_need_work(c, "check"))
        return CLI_EXIT_FAILED; /* installed, and no folder of the learner's */
    if (a->file == NULL &&
        lesson_require(l, a->solution ? "reference solution" : "exercise",
                       path, a->solution ? NULL : reset) != 0)
        return CLI_EXIT_FAILED;
    printf("Checking lesson %d (%s): %s\n", l->number, l->title,
           lesson_relative(c, path));
    check_options_t opt = {.exercise = path, .verbose = a->verbose};
    check_outcome_t r = lesson_check(c, l, &opt);
    if (r == CHECK_SETUP_ERROR)
        return CLI_EXIT_FAILED; /* not the learner's doing: said why */
    if (r != CHECK_PASSED) {
        printf("\nNot yet. Stuck? asynclab hint %d\n", l->number);
        return CLI_EXIT_FAILED;
    }
    printf("  ✓ every expectation is met: lesson %d passes\n", l->number);
    if (a->solution || a->file != NULL || l->done)
        return CLI_EXIT_OK;
    course_mark_done(c, l);
    lesson_t *next = course_current(c);
    if (next != NULL)
        printf("Lesson %d is done. Next: asynclab lesson %d\n", l->number,
               next->number);
    else
        printf("That was the last one: the course is done.\n");
    return CLI_EXIT_OK;
}

/* Every solution passes: one line a lesson, then a summary. */
static int check_solutions(course_t *c)
{
    int failed = 0;
    for (int i = 0; i < c->count; i++) {
        lesson_t *l = &c->lessons[i];
        char path[LESSON_PATH];
        lesson_solution_path(c, l, path);
        printf("solution %2d %s\n", l->number, l->folder);
        check_options_t opt = {.exercise = path, .quiet = true};
        if (lesson_require(l, "reference solution", path, NULL) != 0 ||
            lesson_check(c, l, &opt) != CHECK_PASSED) {
            printf("  ✗ the reference solution of lesson %d fails\n",
                   l->number);
            failed++;
        }
    }
    printf("solutions: %d passed, %d failed\n", c->count - failed, failed);
    return failed == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

/* An untouched exercise fails in words: no crash, no compile error, and
 * certainly no pass. The committed version, or the working copy when git
 * has none. */
static bool pristine_fails_well(course_t *c, lesson_t *l)
{
    char path[LESSON_PATH];
    lesson_pristine_temp(l, path);
    bool temp = lesson_pristine_copy(c, l, path) == 0;
    if (!temp) { /* the course's own copy, not a learner's folder's */
        lesson_fmt(path, "%s/lessons/%s/exercise.c", c->root, l->folder);
        if (lesson_require(l, "exercise", path, NULL) != 0)
            return false;
    }
    printf("pristine %2d %s (must fail, in words)\n", l->number, l->folder);
    check_options_t opt = {.exercise = path, .quiet = true};
    check_outcome_t r = lesson_check(c, l, &opt);
    if (temp)
        unlink(path);
    if (r != CHECK_FAILED)
        printf("  !! the untouched exercise of lesson %d %s\n", l->number,
               r == CHECK_PASSED ? "passes: it gives the answer away"
                                 : "fails without saying why");
    return r == CHECK_FAILED;
}

static int check_pristine(course_t *c, lesson_t *only)
{
    int failed = 0, n = 0;
    for (int i = 0; i < c->count; i++) {
        lesson_t *l = &c->lessons[i];
        if (only != NULL && l != only)
            continue;
        n++;
        failed += !pristine_fails_well(c, l);
    }
    printf("pristine: %d failed as they should, %d did not\n", n - failed,
           failed);
    return failed == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

static int check_main(int argc, char **argv);

const cli_command_t cli_cmd_check = {
    .name = "check",
    .summary = "check your exercise for lesson N (default: the current one)",
    .usage = check_usage,
    .main = check_main,
};

/* --file names a file to read: say so now, in one line, rather than let
 * the compiler's complaint about it pass for the learner's mistake. */
static bool file_readable(const char *path)
{
    struct stat st;
    const char *why = NULL;
    if (stat(path, &st) != 0 || access(path, R_OK) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file";
    if (why == NULL)
        return true;
    cli_usage_error(&cli_cmd_check, "--file: cannot read '%s': %s", path, why);
    return false;
}

static int check_main(int argc, char **argv)
{
    check_args_t a = {NULL, false, false, false, false};
    course_t c;
    lesson_t *l;
    int status = lesson_cli_args(&cli_cmd_check, check_tables, &a, argc, argv,
                                 false, &c, &l);
    if (status >= 0)
        return status;
    if (a.solutions)
        return check_solutions(&c);
    if (a.pristine)
        return check_pristine(&c, l);
    if (l == NULL && (a.solution || a.file != NULL))
        return cli_usage_error(&cli_cmd_check, "check: which lesson?");
    if (a.file != NULL && !file_readable(a.file))
        return CLI_EXIT_USAGE;
    if (l == NULL && (l = course_current(&c)) == NULL) {
        printf("Every lesson is done; asynclab check N checks one again.\n");
        return CLI_EXIT_OK;
    }
    return check_one(&c, l, &a);
}
