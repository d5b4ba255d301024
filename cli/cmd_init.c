/*
 * cli/cmd_init.c - `asynclab init [DIR]`: a folder of the learner's own
 * holding every lesson's exercise, in the manner of rustlings. It is how an
 * installed course (make install) is done: the course itself stays in
 * $PREFIX/share/asynclab, read-only if need be, and the learner works here.
 *
 *   DIR (./asynclab-course when not given)
 *   ├── .asynclab-course            the marker check, reset, next look for,
 *   │                               going up from the working directory
 *   └── lessons/
 *       ├── NN-topic/exercise.c     the exercise as the course ships it
 *       ├── NN-topic/exercise.h     its contract, to read (kept current)
 *       └── .progress               written by check
 *
 * Run again, after a new version of the course: the exercises the folder
 * lacks are added, the learner's are kept as they are. A DIR that exists
 * and is neither empty nor such a folder is refused. From a checkout it
 * works too (the committed exercises), though a checkout's learner may
 * just as well work in place.
 *
 * Exit status: 0 done, 1 a file could not be written, 2 bad arguments.
 * Tests: tests/install.sh.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/lessons.h"

#define INIT_DEFAULT_DIR "asynclab-course"

static const cli_opt_t no_opts[] = {{NULL, 0, 0, 0, 0, NULL, NULL}};
static const cli_opt_t *const init_tables[] = {no_opts, NULL};

static void init_usage(FILE *out)
{
    fputs("usage: asynclab init [DIR]\n"
          "\n"
          "Copy every lesson's exercise into DIR (default: ./" INIT_DEFAULT_DIR
          "), a\n"
          "folder of your own: edit DIR/lessons/NN-topic/exercise.c there, "
          "and run\n"
          "check, reset and next inside it (your progress is kept in it "
          "too).\n"
          "Run it again after a new version of the course: the exercises "
          "you\n"
          "lack are added, yours are kept as they are.\n"
          "\n",
          out);
    cli_print_options(out, init_tables);
}

static int init_main(int argc, char **argv);

const cli_command_t cli_cmd_init = {
    .name = "init",
    .summary = "copy the exercises into a folder of your own (DIR)",
    .usage = init_usage,
    .main = init_main,
};

/* mkdir -p: 0 or -errno. */
static int make_dirs(const char *path)
{
    char buf[LESSON_PATH];
    lesson_fmt(buf, "%s", path);
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static bool is_empty_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return false;
    bool empty = true;
    struct dirent *e;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

static int write_marker(const char *dir, const course_t *c)
{
    char path[LESSON_PATH];
    lesson_fmt(path, "%s/%s", dir, COURSE_MARKER);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -errno;
    fprintf(f,
            "# asynclab: a learner's course folder, made by `asynclab init`.\n"
            "# Edit lessons/NN-topic/exercise.c, then run `asynclab check N`\n"
            "# here or below; progress is kept in lessons/.progress.\n"
            "# The course: %s\n",
            c->root);
    return fclose(f) == 0 ? 0 : -errno;
}

/* The shipped exercise of l into path: the course's pristine copy (git's
 * committed one in a checkout), else the checkout's file as it is. */
static int copy_exercise(const course_t *c, const lesson_t *l,
                         const char *path)
{
    if (lesson_pristine_copy(c, l, path) == 0)
        return 0;
    char src[LESSON_PATH];
    lesson_fmt(src, "%s/lessons/%s/exercise.c", c->root, l->folder);
    return lesson_copy(src, path);
}

static int init_main(int argc, char **argv)
{
    cli_positionals_t pos = {.max = 1};
    int status;
    if (!cli_parse(&cli_cmd_init, init_tables, NULL, argc, argv, &pos,
                   &status))
        return status;
    const char *dir = pos.count == 1 ? pos.args[0] : INIT_DEFAULT_DIR;
    if (*dir == '\0')
        return cli_usage_error(&cli_cmd_init, "init: DIR is empty");
    course_t c;
    if (course_load(&c) != 0)
        return CLI_EXIT_FAILED;

    char path[LESSON_PATH];
    struct stat st;
    bool exists = stat(dir, &st) == 0;
    lesson_fmt(path, "%s/%s", dir, COURSE_MARKER);
    bool ours = exists && access(path, F_OK) == 0;
    if (exists && !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "asynclab: init: %s exists and is not a folder\n",
                dir);
        return CLI_EXIT_FAILED;
    }
    if (exists && !ours && !is_empty_dir(dir)) {
        fprintf(stderr,
                "asynclab: init: %s is not empty and is no course folder "
                "(it has no %s); give another DIR\n",
                dir, COURSE_MARKER);
        return CLI_EXIT_FAILED;
    }
    int err;
    lesson_fmt(path, "%s/lessons", dir);
    if ((err = make_dirs(path)) != 0 ||
        (!ours && (err = write_marker(dir, &c)) != 0)) {
        fprintf(stderr, "asynclab: init: cannot make %s: %s\n", path,
                strerror(-err));
        return CLI_EXIT_FAILED;
    }

    int added = 0, kept = 0, failed = 0;
    char first_added[16] = "";
    for (int i = 0; i < c.count; i++) {
        const lesson_t *l = &c.lessons[i];
        char folder[LESSON_PATH], src[LESSON_PATH];
        lesson_fmt(folder, "%s/lessons/%s", dir, l->folder);
        lesson_fmt(path, "%s/exercise.c", folder);
        if ((err = make_dirs(folder)) != 0) {
            fprintf(stderr, "asynclab: init: cannot make %s: %s\n", folder,
                    strerror(-err));
            failed++;
            continue;
        }
        if (access(path, F_OK) == 0) {
            kept++;
        } else if (copy_exercise(&c, l, path) != 0) {
            fprintf(stderr, "asynclab: init: cannot copy lesson %d's "
                    "exercise to %s\n", l->number, path);
            failed++;
        } else {
            if (added++ == 0)
                snprintf(first_added, sizeof first_added, "%d", l->number);
        }
        /* The contract is not the learner's to edit: kept current. */
        lesson_fmt(src, "%s/lessons/%s/exercise.h", c.root, l->folder);
        lesson_fmt(path, "%s/exercise.h", folder);
        if (access(src, R_OK) == 0 && lesson_copy(src, path) != 0) {
            fprintf(stderr, "asynclab: init: cannot copy %s to %s\n", src,
                    path);
            failed++;
        }
    }
    if (failed > 0)
        return CLI_EXIT_FAILED;
    if (!ours) {
        printf("Made %s: the exercises of the %d lessons, in "
               "%s/lessons/NN-topic/exercise.c.\n"
               "Start with:  cd %s && asynclab lesson 1\n"
               "then edit lessons/%s/exercise.c and run:  asynclab check 1\n"
               "(check, reset and next work anywhere inside %s; "
               "asynclab lessons shows your progress.)\n",
               dir, c.count, dir, dir, c.lessons[0].folder, dir);
    } else if (added > 0) {
        printf("%s: %d new exercise%s added (from lesson %s on), %d of "
               "yours kept as they are.\n",
               dir, added, added == 1 ? "" : "s", first_added, kept);
    } else {
        printf("%s is up to date: all %d exercises are there (yours, kept "
               "as they are).\n",
               dir, kept);
    }
    return CLI_EXIT_OK;
}
