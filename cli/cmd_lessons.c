/*
 * cli/cmd_lessons.c - `asynclab lessons` (the course with a progress bar:
 * each lesson done, current or not started) and `asynclab next` (the text
 * of the first lesson not done). The course itself is cli/lesson_index.c.
 *
 * Tests: tests/lessons.sh.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/lessons.h"

static const cli_opt_t no_opts[] = {{NULL, 0, 0, 0, 0, NULL, NULL}};
static const cli_opt_t *const no_tables[] = {no_opts, NULL};

/* ---- lessons ------------------------------------------------------------- */

static void lessons_usage(FILE *out)
{
    fputs("usage: asynclab lessons\n"
          "\n"
          "List the course's lessons in order: done, the current one (->), "
          "and\n"
          "those not started, with a progress bar. A lesson is done once\n"
          "`asynclab check N` passes its exercise.\n"
          "\n",
          out);
    cli_print_options(out, no_tables);
}

static void progress_bar(const course_t *c)
{
    enum { WIDTH = 40 };
    int done = 0;
    for (int i = 0; i < c->count; i++)
        done += c->lessons[i].done;
    printf("asynclab course: %d of %d lessons done\n[", done, c->count);
    for (int i = 0; i < WIDTH; i++)
        putchar(i < done * WIDTH / c->count ? '#' : '.');
    printf("] %d%%\n\n", done * 100 / c->count);
}

static int lessons_main(int argc, char **argv);

const cli_command_t cli_cmd_lessons = {
    .name = "lessons",
    .summary = "the course: every lesson, done or not, and a progress bar",
    .usage = lessons_usage,
    .main = lessons_main,
};

static int lessons_main(int argc, char **argv)
{
    course_t c;
    lesson_t *unused;
    int status = lesson_cli_args(&cli_cmd_lessons, no_tables, NULL, argc, argv,
                                 false, &c, &unused);
    if (status >= 0)
        return status;
    if (unused != NULL)
        return cli_usage_error(&cli_cmd_lessons, "lessons takes no lesson");
    progress_bar(&c);
    lesson_t *cur = course_current(&c);
    for (int i = 0; i < c.count; i++) {
        lesson_t *l = &c.lessons[i];
        const char *mark = l->done ? "done" : l == cur ? " -> " : "    ";
        printf("  [%s] %2d  %s\n", mark, l->number, l->title);
    }
    if (cur == NULL)
        printf("\nEvery lesson is done. Well played.\n");
    else
        printf("\nYou are at lesson %d. Read it: asynclab lesson %d\n"
               "Then do its exercise, lessons/%s/exercise.c, and: "
               "asynclab check %d\n",
               cur->number, cur->number, cur->folder, cur->number);
    return CLI_EXIT_OK;
}

/* ---- next -------------------------------------------------------------- */

static void next_usage(FILE *out)
{
    fputs("usage: asynclab next\n"
          "\n"
          "Show the first lesson you have not finished (as asynclab lesson "
          "N).\n"
          "\n",
          out);
    cli_print_options(out, no_tables);
}

static int next_main(int argc, char **argv);

const cli_command_t cli_cmd_next = {
    .name = "next",
    .summary = "open the first lesson not yet done",
    .usage = next_usage,
    .main = next_main,
};

static int next_main(int argc, char **argv)
{
    course_t c;
    lesson_t *l;
    int status = lesson_cli_args(&cli_cmd_next, no_tables, NULL, argc, argv,
                                 false, &c, &l);
    if (status >= 0)
        return status;
    if (l != NULL)
        return cli_usage_error(&cli_cmd_next, "next takes no lesson");
    if ((l = course_current(&c)) == NULL) {
        printf("Every lesson is done; asynclab lessons lists them.\n");
        return CLI_EXIT_OK;
    }
    char path[LESSON_PATH];
    lesson_path(&c, l, "README.md", path);
    return lesson_show(path);
}
