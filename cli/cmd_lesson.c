/*
 * cli/cmd_lesson.c - `asynclab lesson N [--run] [--watch]`: a lesson's
 * text (paged on a terminal), its runnable examples (compiled against the
 * library and run, lessons/NN-topic/example*.c), or its visualizer
 * scenario (`asynclab viz SCENARIO`, the scenario named in the index).
 * `--watch --print-screen N [--size COLSxROWS]` passes those on to viz:
 * the watch's screen after N steps, as text, with no terminal.
 *
 * Tests: tests/lessons.sh, tests/watch.sh.
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
    const char *print; /* --print-screen N, as given: viz checks it */
    const char *size;  /* --size COLSxROWS, likewise */
} lesson_args_t;

static const cli_opt_t lesson_opts[] = {
    {"--run", CLI_FLAG, 0, 0, offsetof(lesson_args_t, run), NULL,
     "compile and run the lesson's examples"},
    {"--watch", CLI_FLAG, 0, 0, offsetof(lesson_args_t, watch), NULL,
     "open the lesson's scenario in the visualizer"},
    {"--print-screen", CLI_STRING, 0, 0, offsetof(lesson_args_t, print), "N",
     "with --watch: no terminal needed, print its screen after N steps"},
    {"--size", CLI_STRING, 0, 0, offsetof(lesson_args_t, size), "COLSxROWS",
     "with --watch --print-screen: the screen's size (default 100x30)"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const lesson_tables[] = {lesson_opts, NULL};

static void lesson_usage(FILE *out)
{
    fputs("usage: asynclab lesson N [--run] [--watch]\n"
          "       asynclab lesson N --watch --print-screen N "
          "[--size COLSxROWS]\n"
          "\n"
          "Show lesson N's text (through $PAGER on a terminal). --run "
          "compiles\n"
          "and runs its examples; --watch shows its scenario in the "
          "visualizer\n"
          "(asynclab viz with the options the course gives it; "
          "--print-screen:\n"
          "its screen after N steps as text, see asynclab viz --help).\n"
          "\n",
          out);
    cli_print_options(out, lesson_tables);
}

/* The visualizer on the lesson's scenario: this program's own viz, with
 * the index's comma-separated arguments ("fanout,--executor=ws,--sim"). */
static int watch(const lesson_t *l, const lesson_args_t *o)
{
    if (l->scenario[0] == '\0') {
        printf("Lesson %d has no visualizer scenario.\n", l->number);
        return CLI_EXIT_OK;
    }
    char self[LESSON_PATH], args[sizeof l->scenario];
    if (lesson_self_path(self, sizeof self) != 0)
        return CLI_EXIT_FAILED;
    memcpy(args, l->scenario, sizeof args); /* same size: all of it */
    /* self, viz, the index's arguments (lesson_index.c counts them),
     * --print-screen N --size S, NULL */
    char *argv[2 + LESSON_WATCH_ARGS + 4 + 1] = {self, "viz"};
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
    if (o->print != NULL) {
        argv[argc++] = "--print-screen";
        argv[argc++] = (char *)o->print;
    }
    if (o->size != NULL) {
        argv[argc++] = "--size";
        argv[argc++] = (char *)o->size;
    }
    argv[argc] = NULL;
    /* viz's own status: 2 for options it refuses (a --print-screen of a
     * watch on threads), 1 for a run that failed */
    int rc = lesson_run_capture(argv, NULL, 0);
    return rc == CLI_EXIT_OK || rc == CLI_EXIT_USAGE ? rc : CLI_EXIT_FAILED;
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
    lesson_args_t args = {false, false, NULL, NULL};
    course_t c;
    lesson_t *l;
    int status = lesson_cli_args(&cli_cmd_lesson, lesson_tables, &args, argc,
                                 argv, true, &c, &l);
    if (status >= 0)
        return status;
    if ((args.print != NULL || args.size != NULL) && !args.watch)
        return cli_usage_error(&cli_cmd_lesson, "%s: only with --watch",
                               args.print != NULL ? "--print-screen"
                                                  : "--size");
    if (args.run)
        return lesson_run_examples(&c, l) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    if (args.watch)
        return watch(l, &args);
    char path[LESSON_PATH];
    lesson_path(&c, l, "README.md", path);
    if (lesson_require(l, "text", path, NULL) != 0)
        return CLI_EXIT_FAILED;
    return lesson_show(path);
}
