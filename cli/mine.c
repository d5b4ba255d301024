/*
 * cli/mine.c - `--executor mine`: build the learner's own executor, try
 * it, load it, and name it to bench/executors.h.
 *
 *   lessons/mine/executor.c ─────────────┐ the glue (shipped)
 *   lessons/06-notify-executor/exercise.c ┼─ cc -fPIC -c (a check's flags,
 *   lessons/10-block-on/exercise.c ───────┘  this program's sanitizer)
 *                 │ each on its own, so a compile error names its lesson
 *                 v
 *   <build folder>/mine-yours-<paths' hash>.so (mine-solutions-...-asan.so):
 *                 │ rebuilt only when a source, a header or this program
 *                 │ is newer
 *                 v
 *   fork: the child loads it and runs mine_selftest() under a time limit
 *                 │ (a TODO, a lost wake, a run that spins: one sentence)
 *                 v
 *   dlopen here; executor_kind_extra finds "mine"
 *
 * The shared object leaves every library symbol undefined: the program
 * is linked with -rdynamic (the Makefile), so the object finds task_run,
 * driver_park and the rest in the program itself, one copy of each.
 *
 * Tests: tests/mine.sh.
 */
#include "cli/mine.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/executors.h"
#include "cli/cli.h"
#include "cli/lessons.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MINE_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MINE_SANITIZED 1
#endif
#ifdef MINE_SANITIZED
#define SELFTEST_LIMIT_S 20
#else
#define SELFTEST_LIMIT_S 5 /* correct pieces take milliseconds */
#endif

static const executor_kind_t *mine_kind;

static const executor_kind_t *lookup(const char *name)
{
    return strcmp(name, "mine") == 0 ? mine_kind : NULL;
}

bool cli_mine_named(const char *names)
{
    size_t n = strlen("mine");
    for (const char *p = names; p != NULL && *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, "mine", n) == 0)
            return true;
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

/* ---- the sources ----------------------------------------------------------- */

typedef struct piece {
    int lesson; /* 0: the glue */
    lesson_t l; /* its folder */
    char src[LESSON_PATH];
    char obj[LESSON_PATH];
} piece_t;

/* The file's modification time, or {0, 0} when it is not there. */
static struct timespec mtime_of(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return (struct timespec){0, 0};
    return st.st_mtim;
}

static bool newer(struct timespec a, struct timespec b)
{
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static void cat_to_stderr(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stderr);
    fclose(f);
}

/* Compile every piece and link them into so. 0, or 1 after saying why. */
static int build(const course_t *c, piece_t *pieces, int count,
                 const char *dir, const char *tag, const char *so)
{
    char log[LESSON_PATH], tmp_so[LESSON_PATH];
    int pid = (int)getpid();
    lesson_fmt(log, "%s/mine-%s.%d.log", dir, tag, pid);
    lesson_fmt(tmp_so, "%s.%d", so, pid);
    const char *objs[8];
    int status = 0;
    for (int i = 0; i < count && status == 0; i++) {
        piece_t *p = &pieces[i];
        lesson_fmt(p->obj, "%s/mine-%s-%d.%d.o", dir, tag, i, pid);
        objs[i] = p->obj;
        int rc = lesson_compile_pic(c, p->lesson != 0 ? &p->l : NULL, p->src,
                                    p->obj, log);
        if (rc == 0)
            continue;
        status = 1;
        if (rc < 0 || rc == 127)
            fprintf(stderr, "asynclab: --executor mine: could not run the C "
                            "compiler (set CC?)\n");
        else if (p->lesson != 0) {
            fprintf(stderr,
                    "asynclab: --executor mine: lesson %d's exercise, %s, does not "
                    "compile yet; the compiler says:\n\n",
                    p->lesson, lesson_relative(c, p->src));
            cat_to_stderr(log);
            fprintf(stderr, "\nMake it pass `asynclab check %d` first.\n",
                    p->lesson);
        } else {
            fprintf(stderr,
                    "asynclab: --executor mine: %s does not compile against "
                    "the exercise headers; the compiler says:\n\n",
                    lesson_relative(c, p->src));
            cat_to_stderr(log);
        }
    }
    objs[count] = NULL;
    if (status == 0) {
        int rc = lesson_link_shared(c, objs, tmp_so, log);
        if (rc != 0) {
            fprintf(stderr, "asynclab: --executor mine: the shared object "
                            "does not link; the linker says:\n\n");
            cat_to_stderr(log);
            status = 1;
        } else if (rename(tmp_so, so) != 0) {
            fprintf(stderr, "asynclab: --executor mine: %s: %s\n", so,
                    strerror(errno));
            status = 1;
        }
    }
    for (int i = 0; i < count; i++)
        unlink(pieces[i].obj);
    unlink(tmp_so);
    unlink(log);
    return status;
}

/* ---- the self-test, in a child ---------------------------------------------- */

typedef int (*selftest_fn)(void (*say)(void *ctx, int lesson,
                                       const char *words),
                           void *ctx, char *why, size_t n);

static void child_say(void *ctx, int lesson, const char *words)
{
    dprintf(*(int *)ctx, "S%d %s\n", lesson, words);
}

static void child_main(const char *so, int fd)
{
    alarm(SELFTEST_LIMIT_S);
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        dprintf(fd, "L %s\n", dlerror());
        _exit(3);
    }
    selftest_fn test = (selftest_fn)dlsym(h, "mine_selftest");
    if (test == NULL) {
        dprintf(fd, "L %s\n", dlerror());
        _exit(3);
    }
    char why[512] = "";
    int lesson = test(child_say, &fd, why, sizeof why);
    if (lesson != 0) {
        dprintf(fd, "R%d %s\n", lesson, why);
        _exit(1);
    }
    _exit(0);
}

/* The last line of the child's notes that starts with kind, into out;
 * its lesson number (0 when none). */
static int last_note(const char *path, char kind, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    int lesson = 0;
    if (f == NULL)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) {
        if (line[0] != kind)
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *words = strchr(line, ' ');
        lesson = atoi(line + 1);
        snprintf(out, n, "%s", words != NULL ? words + 1 : "");
    }
    free(line);
    fclose(f);
    return lesson;
}

/* 0 when the pieces pass the self-test, else 1 after one sentence. */
static int selftest(const char *so, const char *dir)
{
    char notes[LESSON_PATH];
    lesson_fmt(notes, "%s/mine-selftest.%d", dir, (int)getpid());
    FILE *f = fopen(notes, "w");
    if (f == NULL) {
        fprintf(stderr, "asynclab: --executor mine: %s: %s\n", notes,
                strerror(errno));
        return 1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fclose(f);
        fprintf(stderr, "asynclab: --executor mine: fork: %s\n",
                strerror(errno));
        return 1;
    }
    if (pid == 0)
        child_main(so, fileno(f));
    fclose(f);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char words[600] = "";
    int rc = 1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = 0;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
        int lesson = last_note(notes, 'R', words, sizeof words);
        fprintf(stderr, "asynclab: --executor mine: %s (`asynclab check %d` "
                        "says more)\n",
                words, lesson);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
        last_note(notes, 'L', words, sizeof words);
        fprintf(stderr, "asynclab: --executor mine: cannot load %s: %s\n", so,
                words);
    } else {
        int lesson = last_note(notes, 'S', words, sizeof words);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
            fprintf(stderr,
                    "asynclab: --executor mine: lesson %d's code: %s (a "
                    "self-test stopped after %d s; `asynclab check %d` says "
                    "more)\n",
                    lesson, words, SELFTEST_LIMIT_S, lesson);
        else
            fprintf(stderr,
                    "asynclab: --executor mine: lesson %d's code crashed in "
                    "a self-test (%s) where: %s (`asynclab check %d` says "
                    "more)\n",
                    lesson,
                    WIFSIGNALED(status) ? strsignal(WTERMSIG(status))
                                        : "an unexpected exit",
                    words, lesson);
    }
    unlink(notes);
    return rc;
}

/* ---- the whole of it ---------------------------------------------------------- */

int cli_mine_prepare(const char *from)
{
    if (mine_kind != NULL)
        return 0;
    bool solutions = false;
    if (from != NULL && strcmp(from, "solutions") == 0) {
        solutions = true;
    } else if (from != NULL && strcmp(from, "yours") != 0) {
        fprintf(stderr,
                "asynclab: --mine-from: expected \"yours\" or \"solutions\", "
                "got '%s'\n",
                from);
        return 2;
    }
    course_t c;
    if (course_load(&c) != 0)
        return 1;
    if (!solutions && !course_need_work(&c, "--executor mine"))
        return 1;

    static const struct {
        int number;
        const char *folder;
    } lessons[] = {{6, "06-notify-executor"}, {10, "10-block-on"}};
    piece_t pieces[3] = {{.lesson = 0}};
    lesson_fmt(pieces[0].src, "%s/lessons/mine/executor.c", c.root);
    struct timespec newest = mtime_of(pieces[0].src);
    if (newest.tv_sec == 0) {
        fprintf(stderr, "asynclab: --executor mine: the glue %s is missing\n",
                pieces[0].src);
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        lesson_t l = {.number = lessons[i].number};
        snprintf(l.folder, sizeof l.folder, "%s", lessons[i].folder);
        piece_t *p = &pieces[i + 1];
        p->lesson = l.number;
        p->l = l;
        if (solutions)
            lesson_solution_path(&c, &l, p->src);
        else
            lesson_path(&c, &l, "exercise.c", p->src);
        if (lesson_require(&l, "exercise", p->src, NULL) != 0)
            return 1;
        char header[LESSON_PATH];
        lesson_path(&c, &l, "exercise.h", header);
        struct timespec t = mtime_of(p->src), h = mtime_of(header);
        if (newer(t, newest))
            newest = t;
        if (newer(h, newest))
            newest = h;
    }
    char self[LESSON_PATH];
    if (lesson_self_path(self, sizeof self) == 0 &&
        newer(mtime_of(self), newest))
        newest = mtime_of(self);

    /* One object per set of sources: two course folders checked by one
     * program do not share it. */
    uint64_t where = CLI_FNV_START;
    for (int i = 0; i < 3; i++)
        where = cli_fnv1a(where, pieces[i].src);
    char dir[LESSON_PATH], so[LESSON_PATH], tag[64];
    lesson_build_dir(&c, dir);
    snprintf(tag, sizeof tag, "%s-%08x%s", solutions ? "solutions" : "yours",
             (unsigned)(where >> 32), lesson_san_suffix());
    lesson_fmt(so, "%s/mine-%s.so", dir, tag);
    if (!newer(mtime_of(so), newest) && build(&c, pieces, 3, dir, tag, so) != 0)
        return 1;
    if (selftest(so, dir) != 0)
        return 1;

    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    const executor_kind_t *kind =
        h != NULL ? dlsym(h, "mine_executor_kind") : NULL;
    if (kind == NULL) {
        fprintf(stderr, "asynclab: --executor mine: cannot load %s: %s\n", so,
                dlerror());
        return 1;
    }
    mine_kind = kind;
    executor_kind_extra = lookup;
    return 0;
}
