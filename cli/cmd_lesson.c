/*
 * cli/cmd_lesson.c - `asynclab lesson N [--run] [--watch]`: a lesson's
 * text (paged on a terminal), its runnable examples (compiled against the
 * library and run, lessons/NN-topic/example*.c), or its visualizer
 * scenario (`asynclab viz SCENARIO`, the scenario named in the index).
 *
 * Tests: tests/lessons.sh.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/lessons.h"

typedef struct lesson_args {
    bool run;
    bool watch;
} lesson_args_t;

static const cli_opt_t lesson_opts[] = {
    {"--run", CLI_FLAG, 0, 0, offsetof(lesson_args_t, run), NULL,
     "compile and run the lesson's examples"},
    {"--watch", CLI_FLAG, 0, 0, offsetof(lesson_args_t, watch), NULL,
     "open the lesson's scenario in the visualizer"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const lesson_tables[] = {lesson_opts, NULL};

static void lesson_usage(FILE *out)
{
    fputs("usage: asynclab lesson N [--run] [--watch]\n"
          "\n"
          "Show lesson N's text (through $PAGER on a terminal). --run "
          "compiles\n"
          "and runs its examples; --watch shows its scenario in the "
          "visualizer.\n"
          "\n",
          out);
    cli_print_options(out, lesson_tables);
}

/* The visualizer on the lesson's scenario: this program's own viz, with
 * the index's comma-separated arguments ("fanout,--executor=ws,--sim"). */
static int watch(const lesson_t *l)
{
    if (l->scenario[0] == '\0') {
        printf("Lesson %d has no visualizer scenario.\n", l->number);
        return CLI_EXIT_OK;
    }
    char self[LESSON_PATH], args[sizeof l->scenario];
    if (lesson_self_path(self, sizeof self) != 0)
        return CLI_EXIT_FAILED;
    memcpy(args, l->scenario, sizeof args); /* same size: all of it */
    /* self, viz, the index's arguments (lesson_index.c counts them), NULL */
    char *argv[2 + LESSON_WATCH_ARGS + 1] = {self, "viz"};
    int argc = 2;
    for (char *a = strtok(args, ","); a != NULL; a = strtok(NULL, ",")) {
        if (argc == 2 + LESSON_WATCH_ARGS) {
            fprintf(stderr,
                    "asynclab: lesson %d: its watch line has more than %d "
                    "arguments\n",
                    l->number, LESSON_WATCH_ARGS);
            return CLI_EXIT_FAILED;
        }
        argv[argc++] = a;
    }
    argv[argc] = NULL;
    return lesson_run_capture(argv, NULL, 0) == 0 ? CLI_EXIT_OK
                                                  : CLI_EXIT_FAILED;
}

static int lesson_main(int argc, char **argv);

const cli_command_t cli_cmd_lesson = {
    .name = "lesson",
    .summary = "read lesson N; --run its examples, --watch its scenario",
    .usage = lesson_usage,
    .main = lesson_main,
};

static int lesson_main(int argc, char **argv)
{
    lesson_args_t args = {false, false};
    course_t c;
    lesson_t *l;
    int status = lesson_cli_args(&cli_cmd_lesson, lesson_tables, &args, argc,
                                 argv, true, &c, &l);
    if (status >= 0)
        return status;
    if (args.run)
        return lesson_run_examples(&c, l) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    if (args.watch)
        return watch(l);
    char path[LESSON_PATH];
    lesson_path(&c, l, "README.md", path);
    if (lesson_require(l, "text", path, NULL) != 0)
        return CLI_EXIT_FAILED;
    return lesson_show(path);
}
