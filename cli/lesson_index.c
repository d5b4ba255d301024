/*
 * cli/lesson_index.c - the course as data: where the course is (a checkout
 * or an installed share/asynclab) and where the learner's exercises are,
 * which lessons exist in which order (lessons/index.txt), and which the
 * learner has finished (lessons/.progress). See cli/lessons.h for the
 * layout and the search order.
 *
 * lessons/index.txt, one lesson a line, blank lines and # comments skipped:
 *
 *     NN  folder            watch                      title, the rest
 *     04  04-spin-executor  sleepers,--executor=spin   The SpinExecutor
 *
 * "watch" is what `asynclab lesson N --watch` hands to `asynclab viz`: a
 * scenario and its options, separated by commas; "-" means none. Each
 * field has the size of its buffer in cli/lessons.h (a folder of at most
 * 63 characters, a watch line of 191 and 16 arguments, a title of 127, a
 * number from 1 to 999); a line with a field that does not fit, or with a
 * field missing, stops the course with one line naming the file, the line
 * and the field. The progress
 * file holds the folder names of finished lessons, one a line; it lives in the
 * learner's folder (a checkout's lessons/, git-ignored by lessons/.gitignore,
 * or <the folder asynclab init made>/lessons/), never in an installed
 * course, which may be read-only.
 * ASYNCLAB_PROGRESS puts it elsewhere (the end-to-end tests do, to leave a
 * learner's alone).
 *
 * Tests: tests/lessons.sh; tests/lesson_index.sh (lines longer than every
 * field, and fields exactly as long as fit).
 */
#include "cli/lessons.h"

#include "cli/cli.h"
#include "visualizer/escape.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- finding the repo root ----------------------------------------------- */

void lesson_fmt(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, LESSON_PATH, fmt, ap);
    va_end(ap);
}

int lesson_self_path(char *out, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n < 0)
        return -errno;
    out[n] = '\0';
    return 0;
}

static bool has_file(const char *dir, const char *name)
{
    char path[LESSON_PATH];
    lesson_fmt(path, "%s/%s", dir, name);
    return access(path, R_OK) == 0;
}

static bool has_index(const char *dir)
{
    return has_file(dir, "lessons/index.txt");
}

static bool has_marker(const char *dir)
{
    return has_file(dir, COURSE_MARKER);
}

/* Walk up from dir (a folder, modified in place) to one that has what
 * found looks for. True when found; dir is then that folder. */
static bool walk_up(char *dir, bool (*found)(const char *))
{
    for (;;) {
        if (found(dir))
            return true;
        char *slash = strrchr(dir, '/');
        if (slash == NULL || slash == dir)
            return false;
        *slash = '\0';
    }
}

/* path made absolute and free of "..", in place; left as it is when
 * realpath cannot. */
static void canonical(char *path)
{
    char *real = realpath(path, NULL);
    if (real != NULL) {
        lesson_fmt(path, "%s", real);
        free(real);
    }
}

static int find_root(char *root)
{
    const char *env = getenv("ASYNCLAB_ROOT");
    if (env != NULL && *env != '\0') {
        lesson_fmt(root, "%s", env);
        return has_index(root) ? 0 : -ENOENT;
    }
    char self[LESSON_PATH];
    if (lesson_self_path(self, sizeof self) == 0) {
        char *slash = strrchr(self, '/');
        if (slash != NULL)
            *slash = '\0';
        /* Installed: $PREFIX/bin/asynclab beside $PREFIX/share/asynclab,
         * wherever the prefix is now (DESTDIR, moved). */
        lesson_fmt(root, "%s/../share/asynclab", self);
        if (has_index(root)) {
            canonical(root);
            return 0;
        }
        lesson_fmt(root, "%s", self);
        if (walk_up(root, has_index))
            return 0;
    }
    if (getcwd(root, LESSON_PATH) != NULL && walk_up(root, has_index))
        return 0;
    return -ENOENT;
}

/* An installed course's prefix, and the learner's folder. */
static void find_work(course_t *c)
{
    c->installed = has_file(c->root, COURSE_INSTALLED);
    if (c->installed) {
        lesson_fmt(c->prefix, "%s/../..", c->root);
        canonical(c->prefix);
    }
    if (getcwd(c->work, sizeof c->work) != NULL && walk_up(c->work, has_marker))
        return;
    if (c->installed)
        c->work[0] = '\0';
    else
        lesson_fmt(c->work, "%s", c->root);
}

bool course_need_work(const course_t *c, const char *what)
{
    if (c->work[0] != '\0')
        return true;
    fprintf(stderr,
            "asynclab: %s works on your own copy of the exercises, and "
            "there is none here: make one with `asynclab init` (it makes "
            "./asynclab-course), then run asynclab %s inside it\n",
            what, what);
    return false;
}

/* ---- the index ----------------------------------------------------------- */

/*
 * Parsed by hand, not with scanf: each field is measured against the
 * buffer it goes to (sizeof), and one that does not fit is an error in
 * the index, never cut short. (A "%159s" once read the watch field into
 * 64 bytes, running over into the title; lesson 13's watch broke.)
 */

#define BLANKS " \t"

/* The next blank-separated word of *p into out (cap bytes): 1, 0 when
 * the line has no more words, or -(its length) when it does not fit. */
static long take_word(const char **p, char *out, size_t cap)
{
    const char *s = *p + strspn(*p, BLANKS);
    size_t n = strcspn(s, BLANKS);
    *p = s + n;
    if (n == 0)
        return 0;
    if (n >= cap)
        return -(long)n;
    memcpy(out, s, n);
    out[n] = '\0';
    return 1;
}

/* A lesson number: 1 to 999, digits only. */
static bool parse_number(const char *s, int *out)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 3 || s[n] != '\0')
        return false;
    *out = atoi(s);
    return *out >= 1;
}

typedef enum line_verdict { LINE_SKIP, LINE_LESSON, LINE_BAD } line_verdict_t;

/* One index line (no newline) into l; LINE_BAD with the reason in why. */
static line_verdict_t parse_line(const char *line, lesson_t *l, char *why,
                                 size_t why_size)
{
    const char *p = line + strspn(line, BLANKS);
    if (*p == '\0' || *p == '#')
        return LINE_SKIP;
    char number[8];
    struct {
        const char *name;
        char *out;
        size_t cap;
    } fields[] = {
        {"number", number, sizeof number},
        {"folder", l->folder, sizeof l->folder},
        {"watch", l->scenario, sizeof l->scenario},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        long r = take_word(&p, fields[i].out, fields[i].cap);
        if (r == 0) {
            snprintf(why, why_size,
                     "no %s field (a line is: number folder watch title)",
                     fields[i].name);
            return LINE_BAD;
        }
        if (r < 0) {
            snprintf(why, why_size,
                     "the %s field is %ld characters long; at most %zu fit",
                     fields[i].name, -r, fields[i].cap - 1);
            return LINE_BAD;
        }
    }
    if (!parse_number(number, &l->number)) {
        snprintf(why, why_size, "'%s' is not a lesson number (1 to 999)",
                 number);
        return LINE_BAD;
    }
    p += strspn(p, BLANKS);
    size_t n = strlen(p);
    while (n > 0 && strchr(BLANKS, p[n - 1]) != NULL)
        n--;
    if (n >= sizeof l->title) {
        snprintf(why, why_size,
                 "the title is %zu characters long; at most %zu fit", n,
                 sizeof l->title - 1);
        return LINE_BAD;
    }
    memcpy(l->title, p, n);
    l->title[n] = '\0';
    /* Titles and folders are printed to the learner's terminal: control
     * characters (escape sequences) have no place in them. */
    const char *field = !viz_is_printable(l->folder)     ? "folder"
                        : !viz_is_printable(l->scenario) ? "watch"
                        : !viz_is_printable(l->title)    ? "title"
                                                         : NULL;
    if (field != NULL) {
        snprintf(why, why_size,
                 "the %s field holds a control character or bytes that are "
                 "not UTF-8",
                 field);
        return LINE_BAD;
    }
    size_t args = 1;
    for (const char *s = l->scenario; *s != '\0'; s++)
        args += *s == ',';
    if (args > LESSON_WATCH_ARGS) {
        snprintf(why, why_size,
                 "the watch field has %zu arguments; at most %d fit", args,
                 LESSON_WATCH_ARGS);
        return LINE_BAD;
    }
    if (strcmp(l->scenario, "-") == 0)
        l->scenario[0] = '\0';
    l->done = false;
    return LINE_LESSON;
}

/* 0; -errno when the file cannot be read; -EINVAL after saying which line
 * is wrong and why. */
static int load_index(course_t *c)
{
    char path[LESSON_PATH];
    lesson_fmt(path, "%s/lessons/index.txt", c->root);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -errno;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int err = 0, lineno = 0;
    c->count = 0;
    while (err == 0 && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char why[160];
        lesson_t l;
        switch (parse_line(line, &l, why, sizeof why)) {
        case LINE_SKIP:
            break;
        case LINE_BAD:
            fprintf(stderr, "asynclab: %s:%d: %s\n", path, lineno, why);
            err = -EINVAL;
            break;
        case LINE_LESSON:
            if (c->count == LESSON_MAX) {
                fprintf(stderr,
                        "asynclab: %s:%d: more than %d lessons; this "
                        "build holds %d\n",
                        path, lineno, LESSON_MAX, LESSON_MAX);
                err = -EINVAL;
                break;
            }
            c->lessons[c->count++] = l;
            break;
        }
    }
    free(line);
    fclose(f);
    return err;
}

/* ---- progress ------------------------------------------------------------ */

static void progress_path(course_t *c)
{
    const char *env = getenv("ASYNCLAB_PROGRESS");
    if (env != NULL && *env != '\0')
        lesson_fmt(c->progress, "%s", env);
    else if (c->work[0] != '\0')
        lesson_fmt(c->progress, "%s/lessons/.progress", c->work);
    else
        c->progress[0] = '\0'; /* never into an installed course */
}

static lesson_t *by_folder(course_t *c, const char *folder)
{
    for (int i = 0; i < c->count; i++)
        if (strcmp(c->lessons[i].folder, folder) == 0)
            return &c->lessons[i];
    return NULL;
}

/* A missing progress file is a learner who has not finished anything. */
static void load_progress(course_t *c)
{
    if (c->progress[0] == '\0')
        return;
    FILE *f = fopen(c->progress, "r");
    if (f == NULL)
        return;
    char *line = NULL; /* whole lines, however long: a piece of a long one
                          must not pass for a folder's name */
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) {
        line[strcspn(line, "\r\n")] = '\0';
        lesson_t *l = by_folder(c, line);
        if (l != NULL)
            l->done = true;
    }
    free(line);
    fclose(f);
}

int course_mark_done(course_t *c, lesson_t *l)
{
    l->done = true;
    if (!course_need_work(c, "check"))
        return -ENOENT;
    FILE *f = fopen(c->progress, "w");
    if (f == NULL) {
        int err = -errno;
        fprintf(stderr, "asynclab: cannot save progress to %s: %s\n",
                c->progress, strerror(-err));
        return err;
    }
    fprintf(f, "# asynclab: lessons passed (asynclab check)\n");
    for (int i = 0; i < c->count; i++)
        if (c->lessons[i].done)
            fprintf(f, "%s\n", c->lessons[i].folder);
    return fclose(f) == 0 ? 0 : -errno;
}

/* ---- the course ---------------------------------------------------------- */

int course_load(course_t *c)
{
    memset(c, 0, sizeof *c);
    if (find_root(c->root) != 0) {
        const char *env = getenv("ASYNCLAB_ROOT");
        if (env != NULL && *env != '\0')
            fprintf(stderr,
                    "asynclab: cannot find the lessons (lessons/index.txt) "
                    "in ASYNCLAB_ROOT=%s\n",
                    env);
        else
            fprintf(stderr,
                    "asynclab: cannot find the lessons (lessons/index.txt)"
                    ": not installed beside this program (../share/asynclab)"
                    " nor in a folder above it or above this one; run from "
                    "the asynclab folder, `make install` it, or set "
                    "ASYNCLAB_ROOT\n");
        return -ENOENT;
    }
    int err = load_index(c);
    if (err == -EINVAL)
        return err; /* the line and the reason are said */
    if (err != 0 || c->count == 0) {
        fprintf(stderr, "asynclab: %s/lessons/index.txt lists no lessons\n",
                c->root);
        return err != 0 ? err : -ENOENT;
    }
    find_work(c);
    progress_path(c);
    load_progress(c);
    return 0;
}

lesson_t *course_find(course_t *c, const char *arg)
{
    char *end;
    long n = strtol(arg, &end, 10);
    for (int i = 0; i < c->count; i++) {
        lesson_t *l = &c->lessons[i];
        if ((*end == '\0' && end != arg && l->number == n) ||
            strcmp(l->folder, arg) == 0)
            return l;
    }
    fprintf(stderr,
            "asynclab: no lesson '%s'; the course has lessons %d to %d "
            "(asynclab lessons lists them)\n",
            arg, c->lessons[0].number, c->lessons[c->count - 1].number);
    return NULL;
}

lesson_t *course_current(course_t *c)
{
    for (int i = 0; i < c->count; i++)
        if (!c->lessons[i].done)
            return &c->lessons[i];
    return NULL;
}

void lesson_path(const course_t *c, const lesson_t *l, const char *name,
                 char *out)
{
    const char *base = strcmp(name, "exercise.c") == 0 && c->work[0] != '\0'
                           ? c->work
                           : c->root;
    lesson_fmt(out, "%s/lessons/%s/%s", base, l->folder, name);
}

void lesson_solution_path(const course_t *c, const lesson_t *l, char *out)
{
    lesson_fmt(out, "%s/lessons/solutions/%s/exercise.c", c->root, l->folder);
}

static const char *inside(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    return n > 0 && strncmp(path, dir, n) == 0 && path[n] == '/'
               ? path + n + 1
               : NULL;
}

const char *lesson_relative(const course_t *c, const char *path)
{
    const char *rel = inside(c->work, path);
    if (rel == NULL)
        rel = inside(c->root, path);
    return rel != NULL ? rel : path;
}

/* ---- pristine exercises, files ------------------------------------------- */

int lesson_pristine_copy(const course_t *c, const lesson_t *l,
                         const char *out_path)
{
    if (c->installed) { /* the course's own copy is never edited */
        char src[LESSON_PATH];
        lesson_fmt(src, "%s/lessons/%s/exercise.c", c->root, l->folder);
        if (lesson_copy(src, out_path) == 0)
            return 0;
        unlink(out_path);
        return -1;
    }
    char spec[LESSON_PATH];
    lesson_fmt(spec, "HEAD:./lessons/%s/exercise.c", l->folder);
    char *argv[] = {"git", "-C", (char *)c->root, "show", spec, NULL};
    if (lesson_run_capture(argv, out_path, 30) != 0) {
        unlink(out_path);
        return -1;
    }
    return 0;
}

void lesson_pristine_temp(const lesson_t *l, char *out)
{
    lesson_fmt(out, "/tmp/asynclab-pristine-%d-%s.c", (int)getpid(), l->folder);
}

int lesson_require(const lesson_t *l, const char *what, const char *path,
                   const char *then)
{
    struct stat st;
    int err = 0;
    if (stat(path, &st) != 0 || access(path, R_OK) != 0)
        err = errno;
    else if (S_ISDIR(st.st_mode))
        err = EISDIR;
    if (err == 0)
        return 0;
    fprintf(stderr, "asynclab: lesson %d has no %s: %s: %s%s%s%s\n", l->number,
            what, path, strerror(err), then != NULL ? " (" : "",
            then != NULL ? then : "", then != NULL ? ")" : "");
    return -err;
}

int lesson_cat(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        int err = errno;
        fprintf(stderr, "asynclab: %s: %s\n", path, strerror(err));
        return -err;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    int err = ferror(f) ? errno : 0; /* EISDIR: fopen takes a directory */
    fclose(f);
    if (err != 0)
        fprintf(stderr, "asynclab: %s: %s\n", path, strerror(err));
    return -err;
}

int lesson_copy(const char *src, const char *dst)
{
    FILE *in = fopen(src, "r");
    FILE *out = in != NULL ? fopen(dst, "w") : NULL;
    int err = out == NULL ? -errno : 0;
    char buf[4096];
    size_t n;
    while (err == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            err = -EIO;
    if (out != NULL && fclose(out) != 0 && err == 0)
        err = -errno;
    if (in != NULL)
        fclose(in);
    return err;
}

/* ---- the command line of a lesson command -------------------------------- */

int lesson_cli_args(const cli_command_t *cmd, const cli_opt_t *const *tables,
                    void *base, int argc, char **argv, bool required,
                    course_t *c, lesson_t **out)
{
    cli_positionals_t pos = {.max = 1};
    int status;
    *out = NULL;
    if (!cli_parse(cmd, tables, base, argc, argv, &pos, &status))
        return status;
    if (pos.count == 0 && required)
        return cli_usage_error(cmd, "%s: which lesson? give its number",
                               cmd->name);
    if (course_load(c) != 0)
        return CLI_EXIT_FAILED;
    if (pos.count == 1 && (*out = course_find(c, pos.args[0])) == NULL) {
        cmd->usage(stderr); /* a bad argument: its reason, then the usage */
        return CLI_EXIT_USAGE;
    }
    /* reset writes the learner's exercise: never the installed course's */
    if (strcmp(cmd->name, "reset") == 0 && !course_need_work(c, cmd->name))
        return CLI_EXIT_FAILED;
    if (strcmp(cmd->name, "lessons") == 0 && c->work[0] == '\0')
        fprintf(stderr, "asynclab: your exercises are not copied out yet: "
                        "asynclab init makes ./asynclab-course; work "
                        "inside it\n");
    return -1;
}

int lesson_show(const char *path)
{
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "asynclab: %s: %s\n", path, strerror(errno));
        return CLI_EXIT_FAILED;
    }
    const char *term = getenv("TERM"); /* a pager needs a real terminal */
    if (isatty(STDOUT_FILENO) && term != NULL && *term != '\0' &&
        strcmp(term, "dumb") != 0) {
        char *argv[] = {"sh", "-c",         "exec ${PAGER:-less} \"$1\"",
                        "sh", (char *)path, NULL};
        if (lesson_run_capture(argv, NULL, 0) == 0)
            return CLI_EXIT_OK;
    }
    return lesson_cat(path) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}
