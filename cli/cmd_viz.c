/*
 * cli/cmd_viz.c - `asynclab viz SCENARIO --executor spin|notify|ws
 * [--workers N] [--sim --seed S] [--step] [--slow MS]`: watch a scenario
 * run in the terminal visualizer (visualizer/viz.h), live, slowed down or
 * one scheduling decision per key.
 *
 * `--print-screen N [--size COLSxROWS] [--back K]` needs no terminal: the
 * screen after N steps, as text on stdout (cli/viz_print.h). It is what
 * lesson texts quote, so the same N gives the same text every time.
 *
 * `asynclab viz tour` (what `make run` opens) is the guided demo: the
 * work-stealing runtime with 4 workers in simulation, paced so a person
 * can follow each decision.
 *
 * The workload's output (a scenario's printf, an executor naming a lost
 * wakeup) would scribble over the screen: while the UI is up stdout and
 * stderr go through a pipe and show as notes in the warnings panel; the UI
 * draws on the real stdout, kept aside.
 *
 * Tests: tests/viz.sh (in tmux).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/executors.h"
#include "cli/cli.h"
#include "cli/cli_trace.h"
#include "cli/mine.h"
#include "cli/viz_live.h"
#include "cli/viz_print.h"
#include "core/trace.h"
#include "visualizer/escape.h"
#include "visualizer/term.h"
#include "visualizer/tour.h"
#include "visualizer/viz.h"

#define TOUR_WORKERS 4
#define TOUR_SLOW_MS 400
#define STOP_WAIT_MS 3000

typedef struct viz_args {
    cli_scenario_args_t scenario; /* first: cli_scenario_opts fill it */
    const char *executor;         /* NULL: ws */
    bool step;
    int slow; /* -1: not given */
    const char *panel; /* --panel timeline, or NULL */
    cli_print_args_t print;
    const char *mine_from; /* --mine-from: yours or solutions */
} viz_args_t;

static const cli_opt_t viz_opts[] = {
    {"--executor", CLI_STRING, 0, 0, offsetof(viz_args_t, executor), "NAME",
     "spin, notify, ws, or mine (your lessons 6 and 10; default: ws)"},
    {"--step", CLI_FLAG, 0, 0, offsetof(viz_args_t, step), NULL,
     "start paused: one scheduling decision per key"},
    {"--slow", CLI_INT, 0, 60000, offsetof(viz_args_t, slow), "MS",
     "run with MS milliseconds between decisions (default: full speed)"},
    {"--panel", CLI_STRING, 0, 0, offsetof(viz_args_t, panel), "timeline",
     "start with the timeline shown (key L shows and hides it)"},
    CLI_PRINT_OPTS(viz_args_t, print),
    CLI_MINE_OPT(viz_args_t, mine_from),
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const viz_tables[] = {viz_opts, cli_scenario_opts,
                                              NULL};

static void viz_usage(FILE *out)
{
    fputs("usage: asynclab viz SCENARIO [--executor spin|notify|ws] "
          "[--workers N]\n"
          "                    [--sim --seed S] [--step] [--slow MS] "
          "[options]\n"
          "       asynclab viz SCENARIO [options] --print-screen N "
          "[--size COLSxROWS]\n"
          "\n"
          "Watch SCENARIO run in the terminal: queues, workers, the driver, "
          "every\n"
          "task, and the events in words. `asynclab viz tour` is the guided "
          "demo\n"
          "(ws, 4 workers, simulated). Stepping needs a single-threaded run: "
          "spin,\n"
          "notify, or ws with --sim. On a real clock (no --sim) time goes on "
          "while\n"
          "paused, and the header says so.\n"
          "\n"
          "Keys (also under ? on screen):\n"
          "  space pause/run   s, right one step (one decision)   left one "
          "step back\n"
          "  g G   start, end  :  go to event N or a time (3.5ms)   + - "
          "speed\n"
          "  / search the log, n N next/previous match   x X next/previous "
          "steal\n"
          "  ] [ next/previous warning   t T the selected task's   w W the "
          "selected\n"
          "  worker's (< > choose it)   f filter tasks and log (tN, wN, a "
          "kind,\n"
          "  a name)   o O sort the tasks by a column   F follow   tab panel"
          "\n"
          "  enter task detail (on a warning: go to its event)   ? help   q "
          "quit\n"
          "\n"
          "--print-screen N needs no terminal: paused, N steps (each the key "
          "s), then\n"
          "the screen as plain text on stdout (the workload's own output goes "
          "to\n"
          "stderr); the same N prints the same screen every time.\n"
          "\n",
          out);
    cli_print_options(out, viz_tables);
    cli_print_scenarios(out);
}

static int viz_main(int argc, char **argv);

const cli_command_t cli_cmd_viz = {
    .name = "viz",
    .summary = "watch a scenario run in the terminal visualizer",
    .usage = viz_usage,
    .main = viz_main,
};

/* ---- choosing the run ---------------------------------------------------- */

/* The tour's defaults, where the user gave nothing: never an option the
 * run would refuse (ws on threads cannot be paced, so no --slow there). */
static void tour_defaults(viz_args_t *a)
{
    if (a->executor == NULL) {
        a->executor = "ws";
        a->scenario.sim = true;
    }
    if (a->scenario.workers == 0)
        a->scenario.workers = TOUR_WORKERS;
    bool threads = strcmp(a->executor, "ws") == 0 && !a->scenario.sim;
    if (a->slow < 0 && !a->step && !threads)
        a->slow = TOUR_SLOW_MS;
}

static uint32_t workers_of(const viz_args_t *a)
{
    if (strcmp(a->executor, "ws") != 0)
        return 1;
    return a->scenario.workers > 0 ? (uint32_t)a->scenario.workers : 2;
}

static void make_title(const viz_args_t *a, const char *scenario, char *buf,
                       size_t n)
{
    uint32_t w = workers_of(a);
    if (strcmp(a->executor, "ws") != 0)
        snprintf(buf, n, "%s on %s", scenario, a->executor);
    else if (a->scenario.sim)
        snprintf(buf, n, "%s on ws (%u workers, sim seed %llu)", scenario, w,
                 (unsigned long long)a->scenario.seed);
    else
        snprintf(buf, n, "%s on ws (%u worker threads)", scenario, w);
}

static const char *live_name(void *ctx, uint64_t id)
{
    (void)ctx;
    return trace_name_of(id);
}

bool cli__no_screen(const char *cmd, int ui)
{
    const char *term = getenv("TERM");
    char safe[256]; /* TERM is anyone's to set: escaped like a name */
    if (ui == -ENOTTY)
        fprintf(stderr,
                "asynclab: %s needs a terminal (run it in one, with TERM "
                "naming it)\n",
                cmd);
    else if (ui == -ENOENT && (term == NULL || *term == '\0'))
        fprintf(stderr,
                "asynclab: %s needs a terminal (is TERM set?): TERM is "
                "empty\n",
                cmd);
    else if (ui == -ENOENT)
        fprintf(stderr,
                "asynclab: %s needs a terminal: TERM '%s' names no terminal "
                "type terminfo knows (try TERM=xterm)\n",
                cmd, viz_escape(term, safe, sizeof safe));
    else
        return false;
    return true;
}

/* ---- --print-screen (cli/viz_print.h) ----------------------------------- */

/* "COLSxROWS", each a number from 1 to max. */
static bool parse_size(const char *s, int *cols, int *rows)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    long c = strtol(s, &end, 10);
    if (*end != 'x' || end[1] < '0' || end[1] > '9')
        return false;
    long r = strtol(end + 1, &end, 10);
    if (*end != '\0' || c < 1 || c > VIZ_PRINT_MAX_COLS || r < 1 ||
        r > VIZ_PRINT_MAX_ROWS)
        return false;
    *cols = (int)c;
    *rows = (int)r;
    return true;
}

int cli__print_args(const cli_command_t *cmd, const cli_print_args_t *a,
                    viz_print_t *p)
{
    *p = (viz_print_t){.cols = CLI_PRINT_COLS, .rows = CLI_PRINT_ROWS};
    if (!cli_print_asked(a) && (a->size != NULL || a->back >= 0 || a->frames))
        return cli_usage_error(cmd, "%s: only with --print-screen N",
                               a->size != NULL ? "--size"
                               : a->back >= 0  ? "--back"
                                               : "--frames");
    if (a->size != NULL && !parse_size(a->size, &p->cols, &p->rows))
        return cli_usage_error(cmd,
                               "--size: expected COLSxROWS, each from 1 to "
                               "%d (e.g. 100x30), got '%s'",
                               VIZ_PRINT_MAX_COLS, a->size);
    p->steps = a->steps >= 0 ? (unsigned long)a->steps : 0;
    p->back = a->back >= 0 ? (unsigned long)a->back : 0;
    p->frames = a->frames;
    return 0;
}

FILE *cli__print_stream(const char *cmd)
{
    fflush(stdout);
    int fd = dup(STDOUT_FILENO);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (out == NULL || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        fprintf(stderr, "asynclab: %s --print-screen: %s\n", cmd,
                strerror(errno));
        if (out != NULL)
            fclose(out);
        else if (fd >= 0)
            close(fd);
        return NULL;
    }
    return out;
}

int cli__print_status(const char *cmd, int rc)
{
    if (rc == 0)
        return CLI_EXIT_OK;
    if (rc == -ENOENT)
        fprintf(stderr,
                "asynclab: %s --print-screen: terminfo has no 'vt100' entry "
                "to draw on (Debian's ncurses-base has it)\n",
                cmd);
    else
        fprintf(stderr, "asynclab: %s --print-screen: %s\n", cmd,
                strerror(-rc));
    return CLI_EXIT_FAILED;
}

/* ---- the workload's output through a pipe while the screen is up --------- */

typedef struct captured {
    int saved_out, saved_err; /* the real stdout and stderr; -1: not
                                 captured */
    int read_end;
} captured_t;

/* stdout and stderr both into one pipe: a scenario's printf, an
 * executor's complaint, become notes on the screen instead of scribbling
 * over it; the UI draws on saved_out. */
static captured_t capture_output(void)
{
    captured_t c = {-1, -1, -1};
    int fds[2];
    if (pipe(fds) != 0)
        return c;
    fflush(stdout);
    fflush(stderr);
    c.saved_out = dup(STDOUT_FILENO);
    c.saved_err = dup(STDERR_FILENO);
    if (c.saved_out < 0 || c.saved_err < 0 ||
        dup2(fds[1], STDOUT_FILENO) < 0 || dup2(fds[1], STDERR_FILENO) < 0) {
        if (c.saved_out >= 0)
            dup2(c.saved_out, STDOUT_FILENO), close(c.saved_out);
        if (c.saved_err >= 0)
            dup2(c.saved_err, STDERR_FILENO), close(c.saved_err);
        close(fds[0]);
        close(fds[1]);
        c.saved_out = c.saved_err = -1;
        return c;
    }
    close(fds[1]);
    c.read_end = fds[0];
    return c;
}

/* Put the real stdout and stderr back, and pass on (to stderr) what was
 * not shown yet. */
static void release_output(captured_t *c)
{
    if (c->saved_out < 0)
        return;
    fflush(stdout);
    fflush(stderr);
    dup2(c->saved_out, STDOUT_FILENO);
    dup2(c->saved_err, STDERR_FILENO);
    close(c->saved_out);
    close(c->saved_err);
    char buf[4096];
    ssize_t n;
    while ((n = read(c->read_end, buf, sizeof buf)) > 0)
        if (write(STDERR_FILENO, buf, (size_t)n) < 0)
            break;
    close(c->read_end);
    c->saved_out = c->saved_err = c->read_end = -1;
}

/* ---- the command --------------------------------------------------------- */

static int check_args(viz_args_t *a, const scenario_t *sc)
{
    if (cli_print_asked(&a->print))
        a->step = true; /* a printed screen is a stepped one */
    if (a->panel != NULL && strcmp(a->panel, "timeline") != 0)
        return cli_usage_error(&cli_cmd_viz,
                               "--panel: unknown panel '%s' (known: timeline)",
                               a->panel);
    if (strcmp(sc->name, "tour") == 0)
        tour_defaults(a);
    if (a->executor == NULL)
        a->executor = "ws";
    int mine = cli_mine_named(a->executor) ? cli_mine_prepare(a->mine_from) : 0;
    if (mine != 0)
        return mine;
    if (executor_kind_by_name(a->executor) == NULL)
        return cli_usage_error(&cli_cmd_viz,
                               "--executor: unknown executor '%s' (known: %s)",
                               a->executor, executor_names(", "));
    if (a->scenario.sim && scenario_no_sim(sc) != NULL)
        return cli_usage_error(&cli_cmd_viz, "--sim: %s %s", sc->name,
                               scenario_no_sim(sc));
    bool threads = strcmp(a->executor, "ws") == 0 && !a->scenario.sim;
    if (threads && (a->step || a->slow > 0))
        return cli_usage_error(&cli_cmd_viz,
                               "%s: ws with threads cannot be paced; add "
                               "--sim",
                               cli_print_asked(&a->print) ? "--print-screen"
                               : a->step                  ? "--step"
                                                          : "--slow");
    return 0;
}

/* Run the UI over a started live run; returns the exit status. */
static int watch(viz_live_t *live, viz_trace_t *tr, viz_session_t *s,
                 const viz_args_t *a, const char *title, captured_t *cap)
{
    viz_source_t src = viz_live_source(live);
    viz_options_t o = {.title = title,
                       .step = a->step,
                       .slow_ms = a->slow > 0 ? a->slow : 0,
                       .stderr_fd = cap->read_end,
                       .screen_fd = cap->saved_out > 0 ? cap->saved_out : 0,
                       .sim = a->scenario.sim &&
                              strcmp(a->executor, "ws") == 0,
                       .real_time = !a->scenario.sim,
                       .timeline = a->panel != NULL,
                       .narrate = viz_tour_applies(s->model.scenario,
                                                   a->executor)};
    int ui = viz_ui_live(s, &src, &o);
    release_output(cap);

    char status[128] = "";
    int rc = 0;
    if (!viz_live_stop(live, STOP_WAIT_MS, status, sizeof status, &rc)) {
        printf("viz: %s: the run is still going; exiting without waiting\n",
               title);
        fflush(stdout);
        _exit(ui == -EINTR ? 130 : 0);
    }
    if (cli__no_screen("viz", ui))
        return CLI_EXIT_FAILED;
    printf("viz: %s: %s; %llu events, %llu lost\n", title, status,
           (unsigned long long)s->seen,
           (unsigned long long)trace_blocks_dropped(&tr->blocks));
    if (ui == -EINTR)
        return 130;
    return rc != 0 && rc != -ECANCELED ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

/* --print-screen: the screen after the steps asked for, on out. */
static int print_screen(viz_live_t *live, viz_session_t *s,
                        const viz_args_t *a, const viz_print_t *p,
                        const char *title, FILE *out)
{
    viz_source_t src = viz_live_source(live);
    viz_options_t o = {.title = title,
                       .step = true,
                       .stderr_fd = -1,
                       .sim = a->scenario.sim &&
                              strcmp(a->executor, "ws") == 0,
                       .real_time = !a->scenario.sim,
                       .timeline = a->panel != NULL,
                       .narrate = viz_tour_applies(s->model.scenario,
                                                   a->executor)};
    int ui = viz_ui_print_screen(s, &src, &o, p, out);
    char status[128] = "";
    int rc = 0;
    if (!viz_live_stop(live, STOP_WAIT_MS, status, sizeof status, &rc)) {
        fflush(out); /* a paced run always stops; this is a safety net */
        _exit(cli__print_status("viz", ui));
    }
    return cli__print_status("viz", ui);
}

static int viz_main(int argc, char **argv)
{
    viz_args_t a = {.slow = -1, .print = CLI_PRINT_ARGS_INIT};
    cli_scenario_args_init(&a.scenario);
    cli_positionals_t pos = {.max = 1};
    int status;
    if (!cli_parse(&cli_cmd_viz, viz_tables, &a, argc, argv, &pos, &status))
        return status;
    const scenario_t *sc = cli_scenario_arg(&cli_cmd_viz, &pos);
    if (sc == NULL)
        return CLI_EXIT_USAGE;
    viz_print_t print;
    if (cli__print_args(&cli_cmd_viz, &a.print, &print) != 0)
        return CLI_EXIT_USAGE;
    if ((status = check_args(&a, sc)) != 0)
        return status;
    FILE *screen = NULL; /* --print-screen: the real stdout */
    if (cli_print_asked(&a.print) && (screen = cli__print_stream("viz")) == NULL)
        return CLI_EXIT_FAILED;

    char title[128];
    make_title(&a, sc->name, title, sizeof title);
    executor_config_t cfg = {
        .kind = executor_kind_by_name(a.executor),
        .workers = a.scenario.workers,
        .sim = a.scenario.sim,
        .seed = a.scenario.seed,
        .virtual_time = a.scenario.sim,
    };
    bool paced = strcmp(a.executor, "ws") != 0 || a.scenario.sim;
    viz_trace_t tr;
    viz_session_t s;
    if (viz_trace_init(&tr, paced) != 0) {
        fprintf(stderr, "asynclab: out of memory\n");
        return CLI_EXIT_FAILED;
    }
    /* mine is drawn as notify is: a ready queue and a waiting set. */
    const char *layout = strcmp(a.executor, "mine") == 0 ? "notify" : a.executor;
    if (viz_session_init(&s, layout, workers_of(&a), sc->name, live_name,
                         NULL) != 0) {
        viz_trace_destroy(&tr);
        fprintf(stderr, "asynclab: out of memory\n");
        return CLI_EXIT_FAILED;
    }
    /* No screen to draw on: said before anything runs (a free run could
     * not be stopped to say it after). */
    int term = screen == NULL ? viz_term_check() : 0;
    if (term != 0 && cli__no_screen("viz", term == -EOPNOTSUPP ? -ENOTTY : term)) {
        viz_session_destroy(&s);
        viz_trace_destroy(&tr);
        return CLI_EXIT_FAILED;
    }
    /* From before the workload starts: what it prints first is a note too */
    captured_t cap = {-1, -1, -1};
    if (screen == NULL)
        cap = capture_output();
    int err = 0;
    viz_live_t *live =
        viz_live_start(sc, &a.scenario.params, cfg, &tr, &err);
    int rc = CLI_EXIT_FAILED;
    if (live == NULL) {
        release_output(&cap);
        fprintf(stderr, "asynclab: cannot start %s: %s\n", sc->name,
                strerror(-err));
    } else if (screen != NULL)
        rc = print_screen(live, &s, &a, &print, title, screen);
    else
        rc = watch(live, &tr, &s, &a, title, &cap);
    if (screen != NULL && fclose(screen) != 0 && rc == CLI_EXIT_OK)
        rc = cli__print_status("viz", -EIO);
    viz_session_destroy(&s);
    viz_trace_destroy(&tr);
    return rc;
}
