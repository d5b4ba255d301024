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
 *   check [N] --watch    check, then again each time the file is saved
 *                        (rustlings' watch mode), until q+Enter or Ctrl-C
 *
 * The compiling, running and explaining is cli/lesson_build.c.
 * Exit status: 0 passed (or all as expected; a watch that was stopped),
 * 1 not, 2 bad arguments.
 *
 * The watch, on inotify:
 *
 *   inotify on the exercise's FOLDER ──┐  (an editor that saves by writing
 *                                      │   a new file and renaming it over
 *   stdin, a line at a time ───────────┤   the old one replaces the inode:
 *                                      │   a watch on the file would go
 *   SIGINT, SIGTERM (a flag) ──────────┤   deaf after the first save)
 *                                      v
 *                                    poll ──> an event naming the file:
 *                                      │      wait until 150 ms pass with
 *                                      │      no more (at most 600 ms), so
 *                                      v      a burst of writes is one run
 *                          separator line, the check, "Watching ..."
 *
 * No escape codes and no raw mode: the terminal stays as it was, and
 * input is read a line at a time (q quits, an empty line or r checks now,
 * h shows the hint). Without N a lesson that passes moves the watch on to
 * the next lesson's exercise, as rustlings moves to the next exercise.
 *
 * Tests: tests/lessons.sh; tests/check_watch.sh (--watch).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/lessons.h"

typedef struct check_args {
    const char *file;
    bool solution, solutions, pristine, verbose, watch;
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
    {"--watch", CLI_FLAG, 0, 0, offsetof(check_args_t, watch), NULL,
     "check again each time the file is saved, until q+Enter or Ctrl-C"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const check_tables[] = {check_opts, NULL};

static void check_usage(FILE *out)
{
    fputs("usage: asynclab check [N] [--solution] [--file PATH] [--verbose]\n"
          "                      [--watch]\n"
          "       asynclab check --solutions\n"
          "       asynclab check --pristine [N]\n"
          "\n"
          "Compile lesson N's exercise (lessons/NN-topic/exercise.c; the "
          "current\n"
          "lesson when N is left out) with the project's flags against the\n"
          "library, run the lesson's checker, and say what is still wrong.\n"
          "Passing marks the lesson done (in lessons/.progress).\n"
          "\n"
          "With --watch, check now and again each time the file is saved\n"
          "(its folder is watched with inotify, so editors that save by\n"
          "renaming a new file over the old one are seen too). A burst of\n"
          "saves is one check; a line of dashes starts each one. Without N,\n"
          "a lesson that passes moves the watch on to the next lesson. While\n"
          "it watches: q and Enter (or Ctrl-C) stop it, Enter alone checks\n"
          "again, h and Enter show the hint. The terminal is left as it is.\n"
          "\n"
          "The exercises are a checkout's own lessons/, or, for an installed\n"
          "asynclab, the folder `asynclab init` made: run check inside it.\n"
          "\n",
          out);
    cli_print_options(out, check_tables);
}

/* The file a check of l reads: --file, the solution, or the exercise. */
static void check_path(const course_t *c, const lesson_t *l,
                       const check_args_t *a, char *path)
{
    if (a->file != NULL)
        lesson_fmt(path, "%s", a->file); /* file_readable has looked */
    else if (a->solution)
        lesson_solution_path(c, l, path);
    else
        lesson_path(c, l, "exercise.c", path);
}

/* Check one lesson's exercise (or its solution, or --file). */
static int check_one(course_t *c, lesson_t *l, const check_args_t *a)
{
    char path[LESSON_PATH];
    check_path(c, l, a, path);
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

/* ---- --watch ------------------------------------------------------------- */

#define WATCH_QUIET_MS 150 /* a save is over when this passes with no event */
#define WATCH_MAX_MS   600 /* ... or this since its first event: a check
                              starts well within a second of the save */

static volatile sig_atomic_t watch_stop; /* SIGINT or SIGTERM came */

static void watch_on_signal(int sig)
{
    (void)sig;
    watch_stop = 1;
}

typedef struct watcher {
    int fd;                   /* inotify; -1 when none */
    int wd;                   /* the folder's watch; -1 when none */
    char dir[LESSON_PATH];    /* the folder watched */
    const char *name;         /* the file's name in it (points into path) */
    char path[LESSON_PATH];   /* the file */
    bool stdin_open;          /* lines may still come */
    char line[64];            /* a line being read from stdin */
    size_t line_len;          /* bytes in line; SIZE_MAX: too long, skip */
} watcher_t;

typedef enum watch_wake {
    WAKE_SAVED,   /* the file was written or renamed into place */
    WAKE_RECHECK, /* an empty line, or r */
    WAKE_HINT,    /* h */
    WAKE_QUIT,    /* q, end of a signal */
    WAKE_GONE,    /* the folder was deleted or moved away */
    WAKE_ERROR,   /* poll or read failed (said why) */
} watch_wake_t;

/* inotify cannot be had here: say so in one line, with what to do. */
static int watch_unavailable(const char *what, int err)
{
    const char *hint = "";
    if (err == EMFILE)
        hint = " (the limit is /proc/sys/fs/inotify/max_user_instances)";
    else if (err == ENOSPC)
        hint = " (the limit is /proc/sys/fs/inotify/max_user_watches)";
    fprintf(stderr,
            "asynclab: check --watch needs inotify, which is not available "
            "here (%s: %s%s); run asynclab check after each save instead\n",
            what, strerror(err), hint);
    return CLI_EXIT_FAILED;
}

/* Watch the folder of path (replacing the watch of another folder). */
static int watch_file(watcher_t *w, const char *path)
{
    lesson_fmt(w->path, "%s", path);
    const char *slash = strrchr(w->path, '/');
    w->name = slash != NULL ? slash + 1 : w->path;
    if (slash == NULL)
        lesson_fmt(w->dir, ".");
    else if (slash == w->path)
        lesson_fmt(w->dir, "/");
    else
        lesson_fmt(w->dir, "%.*s", (int)(slash - w->path), w->path);
    if (w->wd >= 0)
        inotify_rm_watch(w->fd, w->wd); /* its IN_IGNORED is skipped */
    w->wd = inotify_add_watch(w->fd, w->dir,
                              IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY |
                                  IN_DELETE_SELF | IN_MOVE_SELF);
    if (w->wd < 0) {
        int err = errno;
        if (err == ENOSPC || err == ENOSYS)
            return watch_unavailable("inotify_add_watch", err);
        fprintf(stderr, "asynclab: check --watch: cannot watch %s: %s\n",
                w->dir, strerror(err));
        return CLI_EXIT_FAILED;
    }
    return 0;
}

/* Read every queued event. True when one says the file was saved; *gone
 * when the folder itself went away. */
static bool watch_drain(watcher_t *w, bool *gone)
{
    _Alignas(struct inotify_event) char buf[4096];
    bool saved = false;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n <= 0)
            return saved; /* EAGAIN: all read (EINTR: the caller looks) */
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const void *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                saved = true; /* events were lost: check to be sure */
                continue;
            }
            if (ev->wd != w->wd)
                continue; /* the folder watched before this one */
            if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
                *gone = true;
            else if (ev->len > 0 && strcmp(ev->name, w->name) == 0)
                saved = true;
        }
    }
}

/* The rest of a save: events until WATCH_QUIET_MS pass without one (or
 * WATCH_MAX_MS since the first), so that one save is one check. */
static void watch_debounce(watcher_t *w, bool *gone)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - t0.tv_sec) * 1000 +
                     (now.tv_nsec - t0.tv_nsec) / 1000000;
        long left = WATCH_MAX_MS - spent;
        if (left <= 0 || watch_stop)
            return;
        struct pollfd pf = {.fd = w->fd, .events = POLLIN};
        int wait_ms = (int)(left < WATCH_QUIET_MS ? left : WATCH_QUIET_MS);
        int r = poll(&pf, 1, wait_ms);
        if (r == 0)
            return; /* quiet: the save is over */
        if (r > 0)
            watch_drain(w, gone); /* any event in the folder restarts */
        else if (errno != EINTR)
            return;
    }
}

/* One line from stdin, as a command. */
static watch_wake_t watch_command(const char *line, bool *known)
{
    *known = true;
    if (strcmp(line, "q") == 0 || strcmp(line, "quit") == 0)
        return WAKE_QUIT;
    if (line[0] == '\0' || strcmp(line, "r") == 0)
        return WAKE_RECHECK;
    if (strcmp(line, "h") == 0 || strcmp(line, "hint") == 0)
        return WAKE_HINT;
    *known = false;
    return WAKE_RECHECK;
}

/* Read what stdin has; a complete line that is a command ends the wait.
 * At its end, stdin is no longer polled (a signal still stops us). */
static bool watch_read_stdin(watcher_t *w, watch_wake_t *out)
{
    char buf[256];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0)
        return false; /* EINTR, EAGAIN: nothing this time */
    if (n == 0) {
        w->stdin_open = false;
        printf("(input ended: Ctrl-C stops watching)\n");
        fflush(stdout);
        return false;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] != '\n') {
            if (w->line_len < sizeof w->line - 1)
                w->line[w->line_len++] = buf[i];
            else
                w->line_len = SIZE_MAX; /* no command is this long */
            continue;
        }
        bool too_long = w->line_len == SIZE_MAX;
        size_t len = too_long ? 0 : w->line_len;
        w->line_len = 0;
        while (len > 0 && (w->line[len - 1] == ' ' || w->line[len - 1] == '\r'))
            len--;
        w->line[len] = '\0';
        bool known;
        watch_wake_t cmd = watch_command(w->line, &known);
        if (known && !too_long) {
            *out = cmd;
            return true; /* what follows in buf is read at the next wait */
        }
        printf("(q quits, Enter checks again, h shows the hint)\n");
        fflush(stdout);
    }
    return false;
}

/* Wait for a save, a command on stdin, or a signal. */
static watch_wake_t watch_wait(watcher_t *w)
{
    sigset_t stops, before;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    for (;;) {
        /* The signals are held from the look at the flag until ppoll lets
         * them in, so one that comes in between still ends the wait.
         * (Held only here: the checks' children must get Ctrl-C.) */
        sigprocmask(SIG_BLOCK, &stops, &before);
        if (watch_stop) {
            sigprocmask(SIG_SETMASK, &before, NULL);
            return WAKE_QUIT;
        }
        struct pollfd pf[2] = {{.fd = w->fd, .events = POLLIN},
                               {.fd = STDIN_FILENO, .events = POLLIN}};
        int r = ppoll(pf, w->stdin_open ? 2 : 1, NULL, &before);
        int err = errno;
        sigprocmask(SIG_SETMASK, &before, NULL);
        if (r < 0) {
            if (err == EINTR)
                continue;
            fprintf(stderr, "asynclab: check --watch: poll: %s\n",
                    strerror(err));
            return WAKE_ERROR;
        }
        bool gone = false;
        if (pf[0].revents & POLLIN && watch_drain(w, &gone)) {
            watch_debounce(w, &gone);
            return gone ? WAKE_GONE : WAKE_SAVED;
        }
        if (gone)
            return WAKE_GONE;
        watch_wake_t cmd;
        if (w->stdin_open && (pf[1].revents & (POLLIN | POLLHUP)) &&
            watch_read_stdin(w, &cmd))
            return cmd;
        if (w->stdin_open && (pf[1].revents & (POLLERR | POLLNVAL)))
            w->stdin_open = false;
    }
}

/* The line that starts each check: the time and why. */
static void watch_separator(const char *why)
{
    char clock[16] = "";
    time_t t = time(NULL);
    struct tm tm;
    if (localtime_r(&t, &tm) != NULL)
        strftime(clock, sizeof clock, "%H:%M:%S", &tm);
    printf("\n---- %s %s ", clock, why);
    for (int i = (int)strlen(why) + (int)strlen(clock); i < 62; i++)
        putchar('-');
    putchar('\n');
}

static void watch_hint(const course_t *c, const lesson_t *l)
{
    char path[LESSON_PATH];
    lesson_path(c, l, "hint.md", path);
    if (lesson_require(l, "hint", path, NULL) != 0)
        return;
    printf("Hint for lesson %d (%s):\n\n", l->number, l->title);
    fflush(stdout);
    lesson_cat(path);
}

/*
 * Check l, then again on every save, until q or a signal. follow: no
 * lesson was named, so a pass moves on to the next one.
 */
static int check_watch(course_t *c, lesson_t *l, const check_args_t *a,
                       bool follow)
{
    if (a->file == NULL && !a->solution && !course_need_work(c, "check"))
        return CLI_EXIT_FAILED;
    watcher_t *w = &(watcher_t){.fd = -1, .wd = -1, .stdin_open = true};
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0)
        return watch_unavailable("inotify_init1", errno);

    /* No SA_RESTART: the signal ends the poll, and the loop looks. */
    struct sigaction sa = {.sa_handler = watch_on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    watch_stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    int status = CLI_EXIT_OK;
    char path[LESSON_PATH], why[LESSON_PATH + 32];
    lesson_fmt(why, "lesson %d", l->number);
    for (bool check = true;;) {
        if (check) {
            check_path(c, l, a, path);
            if ((status = watch_file(w, path)) != 0)
                break;
            watch_separator(why);
            int r = check_one(c, l, a);
            if (watch_stop)
                break;
            lesson_t *next = follow && r == CLI_EXIT_OK ? course_current(c)
                                                        : l;
            if (next == NULL)
                break; /* the course is done: check_one said so */
            if (next != l) {
                l = next;
                lesson_fmt(why, "lesson %d is next", l->number);
                continue;
            }
            printf("\nWatching %s (lesson %d): save it to check again.\n"
                   "q and Enter: stop; Enter: check now; h and Enter: a "
                   "hint.\n",
                   lesson_relative(c, w->path), l->number);
        }
        fflush(stdout);
        check = true;
        switch (watch_wait(w)) {
        case WAKE_SAVED:
            lesson_fmt(why, "%s saved", w->name);
            continue;
        case WAKE_RECHECK:
            lesson_fmt(why, "lesson %d again", l->number);
            continue;
        case WAKE_HINT:
            watch_hint(c, l);
            check = false;
            continue;
        case WAKE_QUIT:
            break;
        case WAKE_GONE:
            fprintf(stderr, "asynclab: check --watch: %s was deleted or "
                            "moved away\n", w->dir);
            status = CLI_EXIT_FAILED;
            break;
        case WAKE_ERROR:
            status = CLI_EXIT_FAILED;
            break;
        }
        break;
    }
    close(w->fd);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    printf("Stopped watching%s.\n", watch_stop ? " (interrupted)" : "");
    return status;
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
    check_args_t a = {NULL, false, false, false, false, false};
    course_t c;
    lesson_t *l;
    int status = lesson_cli_args(&cli_cmd_check, check_tables, &a, argc, argv,
                                 false, &c, &l);
    if (status >= 0)
        return status;
    if (a.watch && (a.solutions || a.pristine))
        return cli_usage_error(&cli_cmd_check,
                               "check: --watch watches one exercise; not "
                               "with --%s",
                               a.solutions ? "solutions" : "pristine");
    if (a.solutions)
        return check_solutions(&c);
    if (a.pristine)
        return check_pristine(&c, l);
    if (l == NULL && (a.solution || a.file != NULL))
        return cli_usage_error(&cli_cmd_check, "check: which lesson?");
    if (a.file != NULL && !file_readable(a.file))
        return CLI_EXIT_USAGE;
    bool named = l != NULL;
    if (l == NULL && (l = course_current(&c)) == NULL) {
        printf("Every lesson is done; asynclab check N checks one again.\n");
        return CLI_EXIT_OK;
    }
    if (a.watch)
        return check_watch(&c, l, &a, !named && !a.solution && a.file == NULL);
    return check_one(&c, l, &a);
}
