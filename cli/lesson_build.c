/*
 * cli/lesson_build.c - compile a learner's exercise with its checker, run
 * it, and say what happened in words; compile and run a lesson's examples.
 *
 *   exercise.c ─┐
 *   check.c ────┼─ cc -std=c11 -Wall -Wextra -Werror ... ─> checker ─> run
 *   library ────┘        (the project's own flags)             │
 *                                                              v
 *   the report file: one "test<TAB>sentence" per unmet expectation,
 *   written by lessons/check.h's EXPECT, read back and printed here
 *
 * The report file is why the words survive cmocka: cmocka prints to two
 * streams in an order of its own, so each checker writes its sentences to
 * the file named by ASYNCLAB_CHECK_REPORT, and the runner prints them.
 *
 * For an installed course (cli/lessons.h) the checker is compiled against
 * the installed headers, $PREFIX/include/asynclab, and library,
 * $PREFIX/lib/libasynclab.a, and built in the learner's folder
 * (lessons/.build), never in the prefix.
 *
 * A program built with sanitizers (make asan, make tsan) links against a
 * library built with them, so the checker must be built with them too;
 * the compiler tells this file which, through __SANITIZE_ADDRESS__ and
 * __SANITIZE_THREAD__.
 *
 * The same compiler line builds `--executor mine`'s shared object
 * (cli/mine.c): the learner's exercises and lessons/mine/executor.c,
 * position-independent, with the sanitizer flags of this program.
 *
 * Tests: tests/lessons.sh; tests/install.sh (an installed course);
 * tests/mine.sh (the shared object).
 */
#include "cli/lessons.h"

#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 64

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define __SANITIZE_ADDRESS__ 1
#endif
#if __has_feature(thread_sanitizer)
#define __SANITIZE_THREAD__ 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
static const char *const san_flags[] = {"-fsanitize=address,undefined",
                                        "-fno-sanitize-recover=all", NULL};
static const int check_timeout_s = 120;
#elif defined(__SANITIZE_THREAD__)
static const char *const san_flags[] = {"-fsanitize=thread", NULL};
static const int check_timeout_s = 180;
#else
static const char *const san_flags[] = {NULL};
static const int check_timeout_s = 60;
#endif

/* ---- running a program --------------------------------------------------- */

/* In the child: stdout and stderr into out_path (when given), a time limit
 * (when > 0), then exec. Never returns. */
static void child_exec(char *const argv[], const char *out_path, int limit_s)
{
    if (out_path != NULL) {
        FILE *f = fopen(out_path, "w");
        if (f == NULL)
            _exit(127);
        dup2(fileno(f), STDOUT_FILENO);
        dup2(fileno(f), STDERR_FILENO);
    }
    if (limit_s > 0)
        alarm((unsigned)limit_s); /* SIGALRM survives exec and kills */
    execvp(argv[0], argv);
    fprintf(stderr, "asynclab: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int lesson_run_capture(char *const argv[], const char *out_path, int limit_s)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0)
        child_exec(argv, out_path, limit_s);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* ---- where the build goes, what it links with ---------------------------- */

/* Where checkers and examples are built: beside the program in a build
 * tree (build/lessons), in the learner's folder for an installed course
 * (never in the installed prefix), else in /tmp. */
static void build_dir(const course_t *c, char *out)
{
    char self[LESSON_PATH];
    if (c->installed && c->work[0] != '\0') {
        lesson_fmt(out, "%s/lessons/.build", c->work);
        if ((mkdir(out, 0755) == 0 || errno == EEXIST) &&
            access(out, W_OK) == 0)
            return;
    } else if (!c->installed && lesson_self_path(self, sizeof self) == 0) {
        char *slash = strrchr(self, '/');
        if (slash != NULL) {
            *slash = '\0';
            lesson_fmt(out, "%s/lessons", self);
            if ((mkdir(out, 0755) == 0 || errno == EEXIST) &&
                access(out, W_OK) == 0)
                return;
        }
    }
    lesson_fmt(out, "/tmp/asynclab-lessons-%u", (unsigned)getuid());
    mkdir(out, 0755);
}

/* 0 with the library's path in out, or -ENOENT after saying what to do. */
static int find_library(const course_t *c, char *out)
{
    const char *env = getenv("ASYNCLAB_LIB");
    char self[LESSON_PATH];
    if (env != NULL && *env != '\0') {
        lesson_fmt(out, "%s", env);
    } else if (c->installed) {
        lesson_fmt(out, "%s/lib/libasynclab.a", c->prefix);
    } else if (lesson_self_path(self, sizeof self) == 0 &&
               strrchr(self, '/') != NULL) {
        *strrchr(self, '/') = '\0';
        lesson_fmt(out, "%s/libasynclab.a", self);
        if (access(out, R_OK) != 0)
            lesson_fmt(out, "%s/build/libasynclab.a", c->root);
    }
    if (access(out, R_OK) == 0)
        return 0;
    if (c->installed && (env == NULL || *env == '\0'))
        fprintf(stderr,
                "asynclab: the library %s is missing; `make install` "
                "puts it there\n",
                out);
    else
        fprintf(stderr,
                "asynclab: the library %s is not built yet; run `make` in "
                "%s\n",
                out, c->root);
    return -ENOENT;
}

/* ---- building a compiler command line ------------------------------------ */

typedef struct argv_buf {
    char *argv[MAX_ARGS];
    int argc;
    char words[1024]; /* pkg-config's flags, split in place */
} argv_buf_t;

static void push(argv_buf_t *a, const char *arg)
{
    if (a->argc < MAX_ARGS - 1)
        a->argv[a->argc++] = (char *)arg;
    a->argv[a->argc] = NULL;
}

/* The compiler and the project's flags (the Makefile's, at -O1). The
 * course's folder is on the include path ("lessons/check.h"), and so are
 * the library's headers ("core/future.h"): the same folder in a checkout,
 * $PREFIX/include/asynclab for an installed course. inc and lib_inc are
 * the caller's LESSON_PATH buffers for the two flags. */
static void push_compiler(argv_buf_t *a, const course_t *c, char *inc,
                          char *lib_inc)
{
    const char *cc = getenv("CC");
    push(a, cc != NULL && *cc != '\0' ? cc : "cc");
    static const char *const flags[] = {"-std=c11", "-Wall",         "-Wextra",
                                        "-Werror",  "-D_GNU_SOURCE", "-pthread",
                                        "-g",       "-O1",           NULL};
    for (int i = 0; flags[i] != NULL; i++)
        push(a, flags[i]);
    for (int i = 0; san_flags[i] != NULL; i++)
        push(a, san_flags[i]);
    lesson_fmt(inc, "-I%s", c->root);
    push(a, inc);
    if (c->installed) {
        lesson_fmt(lib_inc, "-I%s/include/asynclab", c->prefix);
        push(a, lib_inc);
    }
}

/* cmocka's link flags from pkg-config, or plain -lcmocka. */
static void push_cmocka(argv_buf_t *a)
{
    FILE *p = popen("pkg-config --cflags --libs cmocka 2>/dev/null", "r");
    size_t n = 0;
    if (p != NULL) {
        n = fread(a->words, 1, sizeof a->words - 1, p);
        pclose(p);
    }
    a->words[n] = '\0';
    bool any = false;
    for (char *w = strtok(a->words, " \t\n"); w != NULL;
         w = strtok(NULL, " \t\n")) {
        push(a, w);
        any = true;
    }
    if (!any)
        push(a, "-lcmocka");
}

/* ---- reading the outcome ------------------------------------------------- */

/* One "test<TAB>sentence" line of the report, in words. */
static void print_sentence(char *line)
{
    line[strcspn(line, "\n")] = '\0';
    char *tab = strchr(line, '\t');
    if (tab == NULL) {
        printf("  ✗ %s\n", line);
        return;
    }
    *tab = '\0';
    printf("  ✗ %s\n    (test %s)\n", tab + 1, line);
}

/* Print the report's first max sentences (all with max < 0), and count
 * the rest; how many there were in all. */
static int print_report(const char *report, int max)
{
    FILE *f = fopen(report, "r");
    if (f == NULL)
        return 0;
    char *line = NULL; /* whole lines: a long sentence is one sentence */
    size_t cap = 0;
    int n = 0;
    while (getline(&line, &cap, f) >= 0) {
        if (max < 0 || n < max)
            print_sentence(line);
        n++;
    }
    free(line);
    fclose(f);
    if (max >= 0 && n > max)
        printf("  ... and %d more unmet expectation%s (--verbose shows "
               "all)\n",
               n - max, n - max == 1 ? "" : "s");
    return n;
}

/* Print the lines of a file that contain needle (or all with NULL). */
static void print_lines(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char *line = NULL; /* whole lines: the needle may be past any width */
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0)
        if (needle == NULL || strstr(line, needle) != NULL)
            fputs(line, stdout);
    free(line);
    fclose(f);
}

static void say_crash(int rc, const char *out)
{
    if (rc == 128 + SIGALRM)
        printf("  ✗ the checker did not finish in %d s: an endless loop, or "
               "a future that waits for a wake nobody sends?\n",
               check_timeout_s);
    else
        printf("  ✗ the checker was killed by signal %d (%s): look for a "
               "bad pointer or an array overrun\n",
               rc - 128, strsignal(rc - 128));
    print_lines(out, NULL);
}

/* ---- the check ----------------------------------------------------------- */

typedef struct check_files {
    char lib[LESSON_PATH], dir[LESSON_PATH], inc[LESSON_PATH];
    char lib_inc[LESSON_PATH];
    char lesson_inc[LESSON_PATH], checker_src[LESSON_PATH];
    char bin[LESSON_PATH], out[LESSON_PATH], report[LESSON_PATH];
} check_files_t;

static int check_files_init(const course_t *c, const lesson_t *l,
                            check_files_t *f)
{
    if (find_library(c, f->lib) != 0)
        return -ENOENT;
    build_dir(c, f->dir);
    /* (Once lesson_path into lesson_inc + 2, which could write 2 bytes
     * past the field: an overflow inside a struct, unseen by ASan.) */
    lesson_fmt(f->lesson_inc, "-I%s/lessons/%s/", c->root, l->folder);
    lesson_path(c, l, "check.c", f->checker_src);
    if (lesson_require(l, "checker", f->checker_src, NULL) != 0)
        return -ENOENT;
    char header[LESSON_PATH]; /* every exercise.c includes it */
    lesson_path(c, l, "exercise.h", header);
    if (lesson_require(l, "exercise header", header, NULL) != 0)
        return -ENOENT;
    int pid = (int)getpid();
    lesson_fmt(f->bin, "%s/%s-check.%d", f->dir, l->folder, pid);
    lesson_fmt(f->out, "%s/%s-out.%d", f->dir, l->folder, pid);
    lesson_fmt(f->report, "%s/%s-report.%d", f->dir, l->folder, pid);
    return 0;
}

static int compile_checker(const course_t *c, check_files_t *f,
                           const char *exercise)
{
    argv_buf_t a = {.argc = 0};
    push_compiler(&a, c, f->inc, f->lib_inc);
    push(&a, f->lesson_inc);
    push(&a, exercise);
    push(&a, f->checker_src);
    push(&a, f->lib);
    push_cmocka(&a);
    push(&a, "-o");
    push(&a, f->bin);
    return lesson_run_capture(a.argv, f->out, 0);
}

/* True when cmocka got to its closing "[  PASSED  ] N test(s)." line: a
 * checker that exits 0 before it (an exercise calling exit) passed nothing. */
static bool ran_every_test(const char *out)
{
    FILE *f = fopen(out, "r");
    if (f == NULL)
        return false;
    char *line = NULL; /* whole lines: a piece of a long one is no line */
    size_t cap = 0;
    bool passed = false;
    while (getline(&line, &cap, f) >= 0)
        passed = passed || strncmp(line, "[  PASSED  ]", 12) == 0;
    free(line);
    fclose(f);
    return passed;
}

static check_outcome_t run_checker(check_files_t *f, const check_options_t *o)
{
    char *argv[] = {f->bin, NULL};
    setenv("ASYNCLAB_CHECK_REPORT", f->report, 1);
    unlink(f->report);
    int rc = lesson_run_capture(argv, f->out, check_timeout_s);
    unsetenv("ASYNCLAB_CHECK_REPORT");
    if (o->verbose)
        print_lines(f->out, NULL);
    if (rc == 0 && ran_every_test(f->out))
        return CHECK_PASSED;
    if (rc == 0) {
        printf("  ✗ the checker stopped before its last test, with status 0:"
               " does the exercise call exit()?\n");
        return CHECK_FAILED;
    }
    if (rc == 128 + SIGINT) {
        printf("  ✗ interrupted (Ctrl-C): the checker did not finish\n");
        return CHECK_SETUP_ERROR; /* not the exercise's doing */
    }
    if (rc > 128) {
        say_crash(rc, f->out);
        return CHECK_CRASHED;
    }
    int max = o->verbose ? -1 : o->quiet ? 1 : 3;
    if (print_report(f->report, max) > 0)
        return CHECK_FAILED;
    /* A plain assert, or a crash cmocka caught: show what cmocka said. */
    print_lines(f->out, "ERROR");
    return CHECK_UNEXPLAINED;
}

check_outcome_t lesson_check(const course_t *c, const lesson_t *l,
                             const check_options_t *o)
{
    check_files_t f;
    if (check_files_init(c, l, &f) != 0)
        return CHECK_SETUP_ERROR;
    check_outcome_t r;
    int rc = compile_checker(c, &f, o->exercise);
    if (rc < 0 || rc == 127) {
        printf("  ✗ could not run the C compiler (set CC?)\n");
        r = CHECK_SETUP_ERROR;
    } else if (rc == 128 + SIGINT) {
        printf("  ✗ interrupted (Ctrl-C) while compiling\n");
        r = CHECK_SETUP_ERROR; /* (check --watch lives on after one) */
    } else if (rc != 0) {
        printf("  ✗ %s does not compile yet; the compiler says:\n\n",
               o->exercise);
        print_lines(f.out, NULL);
        r = CHECK_NO_COMPILE;
    } else {
        r = run_checker(&f, o);
    }
    unlink(f.bin);
    unlink(f.out);
    unlink(f.report);
    return r;
}

/* ---- shared objects (`--executor mine`, cli/mine.c) ---------------------- */

void lesson_build_dir(const course_t *c, char *out)
{
    build_dir(c, out);
}

const char *lesson_san_suffix(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return "-asan";
#elif defined(__SANITIZE_THREAD__)
    return "-tsan";
#else
    return "";
#endif
}

int lesson_compile_pic(const course_t *c, const lesson_t *l, const char *src,
                       const char *obj, const char *log)
{
    char inc[LESSON_PATH], lib_inc[LESSON_PATH], lesson_inc[LESSON_PATH];
    argv_buf_t a = {.argc = 0};
    push_compiler(&a, c, inc, lib_inc);
    if (l != NULL) { /* its exercise.h, as check finds it */
        lesson_fmt(lesson_inc, "-I%s/lessons/%s/", c->root, l->folder);
        push(&a, lesson_inc);
    }
    push(&a, "-fPIC");
    push(&a, "-c");
    push(&a, src);
    push(&a, "-o");
    push(&a, obj);
    return lesson_run_capture(a.argv, log, 0);
}

int lesson_link_shared(const course_t *c, const char *const objs[],
                       const char *so, const char *log)
{
    char inc[LESSON_PATH], lib_inc[LESSON_PATH];
    argv_buf_t a = {.argc = 0};
    push_compiler(&a, c, inc, lib_inc);
    push(&a, "-shared");
    for (int i = 0; objs[i] != NULL; i++)
        push(&a, objs[i]);
    push(&a, "-o");
    push(&a, so);
    return lesson_run_capture(a.argv, log, 0);
}

/* ---- examples ------------------------------------------------------------ */

static int run_example(const course_t *c, const char *src, const char *lib)
{
    char dir[LESSON_PATH], bin[LESSON_PATH + 64], inc[LESSON_PATH];
    char lib_inc[LESSON_PATH], out[LESSON_PATH + 64];
    build_dir(c, dir);
    const char *base = strrchr(src, '/') + 1;
    lesson_fmt(bin, "%s/%.*s.%d", dir, (int)strcspn(base, "."), base,
               (int)getpid());
    lesson_fmt(out, "%s.log", bin);

    argv_buf_t a = {.argc = 0};
    push_compiler(&a, c, inc, lib_inc);
    push(&a, src);
    push(&a, lib);
    push(&a, "-o");
    push(&a, bin);
    int rc = lesson_run_capture(a.argv, out, 0);
    if (rc != 0) {
        printf("asynclab: %s does not compile:\n", src);
        print_lines(out, NULL);
    } else {
        printf("==> running %s\n\n", src + strlen(c->root) + 1);
        char *argv[] = {bin, NULL};
        rc = lesson_run_capture(argv, NULL, 0);
        printf("\n==> %s exited with status %d\n", base, rc);
    }
    unlink(bin);
    unlink(out);
    return rc;
}

int lesson_run_examples(const course_t *c, const lesson_t *l)
{
    char lib[LESSON_PATH], pattern[LESSON_PATH];
    if (find_library(c, lib) != 0)
        return -ENOENT;
    lesson_path(c, l, "example*.c", pattern);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0) {
        fprintf(stderr, "asynclab: lesson %d has no example: no %s\n",
                l->number, pattern);
        return -ENOENT;
    }
    int worst = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        int rc = run_example(c, g.gl_pathv[i], lib);
        if (rc != 0)
            worst = rc;
    }
    globfree(&g);
    return worst;
}
