/*
 * cli/lessons.h - private to the lesson runner (cli/lesson_*.c,
 * cli/cmd_lessons.c): the lesson index, the learner's progress, and the
 * compile-and-run machinery behind `asynclab check`.
 *
 * The runner works in the manner of rustlings: the course is a list of
 * folders (lessons/index.txt), the learner edits exercise.c files, and
 * `check` compiles one together with the lesson's cmocka checker against
 * the project's library, runs it, and says in words what is still wrong.
 * Passing marks the lesson done in a progress file beside the exercises.
 *
 * The course (c->root) is one of two kinds:
 *
 *   a checkout ──┬── lessons/index.txt          the order, titles, scenarios
 *   (in place)   ├── lessons/NN-topic/          README.md example.c
 *                │                              exercise.c exercise.h
 *                │                              check.c hint.md
 *                ├── lessons/solutions/NN-topic/exercise.c
 *                ├── lessons/check.h            what every checker includes
 *                └── build/libasynclab.a        what everything links with
 *
 *   installed    $PREFIX/share/asynclab/        the same lessons/ tree, and
 *   (make        │                              .installed (the marker)
 *    install)    ├── ../../include/asynclab/    the library's headers
 *                └── ../../lib/libasynclab.a    the library
 *
 * The learner's exercises (c->work) are the checkout's own lessons/ in a
 * checkout, or a folder of the learner's own that `asynclab init` made
 * (marked by a .asynclab-course file) with the same shape:
 *
 *   asynclab-course/ ──┬── .asynclab-course
 *                      ├── lessons/NN-topic/exercise.c, exercise.h
 *                      └── lessons/.progress
 *
 * Where things are found: the course is ASYNCLAB_ROOT, else the installed
 * one beside the program (<program's folder>/../share/asynclab, so a
 * DESTDIR-staged or moved prefix works), else the first folder holding
 * lessons/index.txt going up from the program's folder, then from the
 * working directory. The learner's folder is the first one holding
 * .asynclab-course going up from the working directory; in a checkout,
 * without one, the checkout itself. The library is ASYNCLAB_LIB, or the
 * installed one of an installed course, or libasynclab.a beside the
 * program (so build/asan/asynclab checks against build/asan/libasynclab.a),
 * or <root>/build/libasynclab.a.
 *
 * Tests: tests/lessons.sh.
 */
#ifndef ASYNCLAB_CLI_LESSONS_H
#define ASYNCLAB_CLI_LESSONS_H

#include <stdbool.h>
#include <stddef.h>

#define LESSON_MAX  32
#define LESSON_PATH 4096

/* The fields of an index line, in bytes with the final NUL. A line whose
 * field does not fit is an error in the index, said with its line number
 * (never cut to fit: a cut watch line runs the wrong command). */
#define LESSON_FOLDER 64
#define LESSON_WATCH  192
#define LESSON_TITLE  128
#define LESSON_WATCH_ARGS 16 /* arguments of a watch line, at most */

typedef struct lesson {
    int number;                  /* 1, 2, ... as in the index */
    char folder[LESSON_FOLDER];  /* "04-spin-executor" */
    char scenario[LESSON_WATCH]; /* the watch line, "sleepers,--step"; ""
                                    when the lesson has none */
    char title[LESSON_TITLE];    /* one line */
    bool done;                   /* from the progress file */
} lesson_t;

typedef struct course {
    char root[LESSON_PATH];     /* the course: a checkout, or the installed
                                   $PREFIX/share/asynclab */
    char work[LESSON_PATH];     /* the learner's folder: root in a checkout,
                                   the folder `asynclab init` made, or ""
                                   (an installed course, no folder yet) */
    char prefix[LESSON_PATH];   /* an installed course's $PREFIX, else "" */
    bool installed;             /* root is an installed course */
    char progress[LESSON_PATH]; /* the progress file; "" when none */
    lesson_t lessons[LESSON_MAX];
    int count;
} course_t;

/* ---- the index and the progress file (cli/lesson_index.c) --------------- */

/* snprintf into a LESSON_PATH buffer; a path too long is cut (and then
 * simply not found). */
void lesson_fmt(char *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Find the repo root, read lessons/index.txt and the progress file. 0, or
 * a negative errno after printing a sentence the user can act on.
 */
int course_load(course_t *c);

/* Mark lesson l done and rewrite the progress file. 0 or -errno. */
int course_mark_done(course_t *c, lesson_t *l);

/* The lesson that an argument names ("4", "04", "04-spin-executor"), or
 * NULL after printing why not. */
lesson_t *course_find(course_t *c, const char *arg);

/* The first lesson not done, or NULL when the course is finished. */
lesson_t *course_current(course_t *c);

/* "<root>/lessons/<folder>/<name>" into out (LESSON_PATH bytes); for
 * "exercise.c", the learner's: "<work>/lessons/<folder>/exercise.c" (the
 * course's own when there is no learner's folder). */
void lesson_path(const course_t *c, const lesson_t *l, const char *name,
                 char *out);

/* The marker of a learner's folder, at its top. */
#define COURSE_MARKER ".asynclab-course"
/* The marker of an installed course, in $PREFIX/share/asynclab. */
#define COURSE_INSTALLED ".installed"

/*
 * True when c has a learner's folder. Otherwise (an installed course, run
 * outside any folder `asynclab init` made) prints one line saying how to
 * make one, naming what (e.g. "check"), and returns false.
 */
bool course_need_work(const course_t *c, const char *what);

/* "<root>/lessons/solutions/<folder>/exercise.c" into out. */
void lesson_solution_path(const course_t *c, const lesson_t *l, char *out);

/* path without "<work>/" or "<root>/" when it is inside one of them. */
const char *lesson_relative(const course_t *c, const char *path);

/*
 * The exercise as the course shipped it into out_path: an installed
 * course's own copy, or a checkout's committed one (`git show
 * HEAD:lessons/...`). 0, or -1 when there is none (git cannot say: no
 * repository, not committed).
 */
int lesson_pristine_copy(const course_t *c, const lesson_t *l,
                         const char *out_path);

/* A temporary file name for lesson l's pristine copy (in /tmp). */
void lesson_pristine_temp(const lesson_t *l, char *out);

/*
 * A file lesson l needs, there and readable: 0, or -errno after one line
 * naming it and the path,
 *   asynclab: lesson 1 has no hint: <path>: No such file or directory
 * what: "hint", "exercise", "checker", ...; then (or NULL): what to do,
 * added to the line in parentheses.
 */
int lesson_require(const lesson_t *l, const char *what, const char *path,
                   const char *then);

/* Copy a file to stdout; 0 or -errno (after saying why). */
int lesson_cat(const char *path);

/* A file's text: through $PAGER (less by default) when stdout is a
 * terminal that can page (TERM set and not "dumb"), plainly otherwise.
 * 0, or 1 after saying what is missing. */
int lesson_show(const char *path);

/* Copy src over dst; 0 or -errno. */
int lesson_copy(const char *src, const char *dst);

/*
 * The command line of a lesson command: parse argv for cmd (the tables fill
 * base), load the course, find the lesson the one positional names (*out;
 * NULL when none was given and required is false). Returns -1 to go on,
 * or the exit status the command must return now (usage, help, no course).
 */
struct cli_command;
struct cli_opt;
int lesson_cli_args(const struct cli_command *cmd,
                    const struct cli_opt *const *tables, void *base, int argc,
                    char **argv, bool required, course_t *c, lesson_t **out);

/* ---- compiling and running (cli/lesson_build.c) ------------------------- */

typedef enum check_outcome {
    CHECK_PASSED,
    CHECK_FAILED,      /* the checker ran and said in words what failed */
    CHECK_UNEXPLAINED, /* it failed without a sentence (a bare assert) */
    CHECK_NO_COMPILE,  /* the compiler refused the exercise */
    CHECK_CRASHED,     /* killed by a signal, or timed out */
    CHECK_SETUP_ERROR, /* no library, no compiler: not the learner's fault */
} check_outcome_t;

typedef struct check_options {
    const char *exercise; /* the file to check: learner's, solution, other */
    bool verbose;         /* print the checker's whole output */
    bool quiet;           /* one line per lesson (for --solutions) */
} check_options_t;

/*
 * Compile exercise + the lesson's check.c against the library, run the
 * checker, and print the outcome in words. Returns what happened.
 */
check_outcome_t lesson_check(const course_t *c, const lesson_t *l,
                             const check_options_t *opt);

/*
 * Compile every example*.c of the lesson on its own and run each one,
 * its output going straight to the terminal. 0 when all ran and exited 0.
 */
int lesson_run_examples(const course_t *c, const lesson_t *l);

/*
 * Run argv (argv[0] looked up in PATH) and wait, its stdout and stderr into
 * out_path (NULL: this program's), for at most limit_s seconds (0: no
 * limit). Returns its exit status, 128 + signal when killed (SIGALRM: out
 * of time), or -errno when it could not start.
 */
int lesson_run_capture(char *const argv[], const char *out_path, int limit_s);

/* Where this program lives: the path of /proc/self/exe into out. */
int lesson_self_path(char *out, size_t cap);

/* ---- shared objects, for `--executor mine` (cli/mine.c) ----------------- */

/* Where checkers, examples and the shared object are built: beside the
 * program in a build tree, lessons/.build in an installed course's
 * learner's folder, else /tmp. out: LESSON_PATH bytes. */
void lesson_build_dir(const course_t *c, char *out);

/* "", "-asan" or "-tsan": the sanitizer this program (and so anything it
 * loads) is built with; a shared object's name carries it. */
const char *lesson_san_suffix(void);

/* Compile src into the position-independent object obj with a check's
 * compiler line (the project's flags, the sanitizer's, the include
 * paths, and lesson l's folder when l is not NULL, so that its exercise.h
 * is found); the compiler's words into log. The compiler's exit status,
 * or -errno when it could not run. */
int lesson_compile_pic(const course_t *c, const lesson_t *l, const char *src,
                       const char *obj, const char *log);

/* Link the objects (NULL-terminated) into the shared object so, leaving
 * the library's symbols to the program that loads it. As above. */
int lesson_link_shared(const course_t *c, const char *const objs[],
                       const char *so, const char *log);

#endif
