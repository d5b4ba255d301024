/*
 * visualizer/ui.c - the UI loop: pacing, keys, signals, and leaving the
 * terminal as it was found.
 *
 * The loop, once per frame (FRAME_MS, or sooner on a key):
 *
 *   pull     drain the live source's rings into the session
 *   advance  running: one step per delay (or everything, at full speed);
 *            paused: nothing
 *   draw     views.c
 *   key      getch with a timeout: the frame's clock
 *
 * A step forward first walks the recorded history (after the left arrow
 * went back); at the end of it, a live source is granted one decision and
 * the loop waits briefly for it, so the screen shows its result.
 *
 * The terminal is restored on q, on SIGINT/SIGTERM/SIGHUP (a flag the loop
 * sees), and on a crash of the workload (SIGSEGV, SIGABRT, ...: endwin in
 * the handler, then the signal's default action).
 *
 * Whether the terminal can hold the screen at all (TERM=dumb cannot), and
 * NO_COLOR: visualizer/term.h.
 *
 * Tests: tests/viz.sh drives this in tmux.
 */
#include <curses.h>
#include <term.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trace/rings.h"
#include "visualizer/term.h"
#include "visualizer/ui.h"

#define FRAME_MS     33
#define LIVE_WAIT_MS 200 /* how long a step key waits for its decision */
#define KEY_ESC      27

static const int delays[] = {0, 5, 20, 50, 100, 200, 400, 800, 1500};
#define N_SPEEDS ((int)(sizeof delays / sizeof delays[0]))

int viz__delay_of(int speed)
{
    return delays[speed < 0 ? 0 : speed >= N_SPEEDS ? N_SPEEDS - 1 : speed];
}

static int speed_of(int ms)
{
    int best = 0;
    for (int i = 0; i < N_SPEEDS; i++)
        if (delays[i] <= ms)
            best = i;
    return best;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- signals: leave the terminal usable on every way out ----------------- */

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t curses_up;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static void on_crash(int sig)
{
    if (curses_up)
        endwin(); /* not async-signal-safe; the process is dying anyway */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void signals_install(struct sigaction old[], const int *sigs, int n)
{
    for (int i = 0; i < n; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sigemptyset(&sa.sa_mask);
        bool crash = sigs[i] == SIGSEGV || sigs[i] == SIGABRT ||
                     sigs[i] == SIGBUS || sigs[i] == SIGFPE ||
                     sigs[i] == SIGILL;
        sa.sa_handler = crash ? on_crash : on_stop;
        sigaction(sigs[i], &sa, &old[i]);
    }
}

static void signals_restore(const struct sigaction old[], const int *sigs,
                            int n)
{
    for (int i = 0; i < n; i++)
        sigaction(sigs[i], &old[i], NULL);
}

static const int SIGS[] = {SIGINT,  SIGTERM, SIGHUP, SIGSEGV,
                           SIGABRT, SIGBUS,  SIGFPE, SIGILL};
#define N_SIGS ((int)(sizeof SIGS / sizeof SIGS[0]))

/* ---- the live source and the workload's stderr --------------------------- */

static void pull(viz_ui_t *ui)
{
    if (ui->src == NULL)
        return;
    trace_rings_drain(ui->src->rings, &ui->s->sink);
    viz_model_set_dropped(&ui->s->model, trace_rings_dropped(ui->src->rings));
    if (!ui->finished &&
        ui->src->finished(ui->src->ctx, ui->status, sizeof ui->status)) {
        ui->finished = true;
        trace_rings_drain(ui->src->rings, &ui->s->sink); /* the last ones */
    }
}

/* Lines the workload wrote to stderr become notes (warnings panel). */
static void read_notes(viz_ui_t *ui)
{
    static char partial[VIZ_LINE];
    static size_t plen;
    if (ui->o->stderr_fd < 0)
        return;
    char buf[512];
    ssize_t n;
    while ((n = read(ui->o->stderr_fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n' && plen + 1 < sizeof partial) {
                partial[plen++] = buf[i];
                continue;
            }
            if (buf[i] != '\n')
                continue; /* an over-long line: the rest is cut */
            partial[plen] = 0;
            snprintf(ui->notes[ui->n_notes++ % VIZ_NOTES], VIZ_LINE, "%s",
                     partial);
            plen = 0;
        }
    }
}

/* Grant one live decision and wait (briefly) for its events. */
static void live_step(viz_ui_t *ui)
{
    const viz_source_t *src = ui->src;
    if (src == NULL || !src->can_step || ui->finished)
        return;
    uint64_t target = src->steps_done(src->ctx) + 1;
    ui->s->mark = ui->s->cursor;
    src->grant(src->ctx, 1);
    uint64_t deadline = now_ms() + LIVE_WAIT_MS;
    const struct timespec ms = {0, 1000000};
    while (src->steps_done(src->ctx) < target && now_ms() < deadline &&
           !src->finished(src->ctx, NULL, 0))
        nanosleep(&ms, NULL);
    uint64_t mark = ui->s->mark;
    pull(ui);
    ui->s->mark = mark; /* the whole decision is the last step */
}

/* One step forward: through the history first, then live. */
static void step_forward(viz_ui_t *ui)
{
    if (!viz_session_forward(ui->s))
        live_step(ui);
}

/* ---- pacing -------------------------------------------------------------- */

/* Start or stop a live source according to paused/speed. */
static void set_running(viz_ui_t *ui, bool run)
{
    ui->paused = !run;
    ui->s->hold = ui->paused && ui->src != NULL && !ui->src->can_step;
    if (ui->src != NULL && ui->src->can_step)
        ui->src->grant(ui->src->ctx, run && ui->delay_ms == 0 ? -1 : 0);
}

static void advance(viz_ui_t *ui, uint64_t *next_tick)
{
    if (ui->paused)
        return;
    if (ui->delay_ms == 0) {
        if (ui->src != NULL) {
            viz_session_to_end(ui->s); /* live at full speed: follow */
            return;
        }
        uint64_t until = now_ms() + FRAME_MS / 2; /* replay: fast forward */
        while (now_ms() < until && viz_session_forward(ui->s))
            ;
        if (viz_session_at_end(ui->s))
            set_running(ui, false);
        return;
    }
    if (now_ms() < *next_tick)
        return;
    *next_tick = now_ms() + (uint64_t)ui->delay_ms;
    if (viz_session_at_end(ui->s) && (ui->src == NULL || ui->finished))
        set_running(ui, false); /* nothing more will come */
    else
        step_forward(ui);
}

/* ---- keys ---------------------------------------------------------------- */

static void scroll_focus(viz_ui_t *ui, int delta)
{
    size_t n = ui->s->model.n_tasks;
    switch (ui->focus) {
    case VIZ_PANEL_TASKS:
        if (delta < 0)
            ui->task_sel = ui->task_sel > (size_t)-delta
                               ? ui->task_sel - (size_t)-delta
                               : 0;
        else if (n > 0)
            ui->task_sel = ui->task_sel + (size_t)delta < n
                               ? ui->task_sel + (size_t)delta
                               : n - 1;
        break;
    case VIZ_PANEL_LOG: /* up: older lines */
        if (delta < 0)
            ui->log_back += (size_t)-delta;
        else
            ui->log_back =
                ui->log_back > (size_t)delta ? ui->log_back - (size_t)delta : 0;
        break;
    default:
        if (delta < 0)
            ui->warn_top += (size_t)-delta;
        else
            ui->warn_top =
                ui->warn_top > (size_t)delta ? ui->warn_top - (size_t)delta : 0;
        break;
    }
}

static void change_speed(viz_ui_t *ui, int delta)
{
    ui->speed += delta;
    if (ui->speed < 0)
        ui->speed = 0;
    if (ui->speed >= N_SPEEDS)
        ui->speed = N_SPEEDS - 1;
    ui->delay_ms = delays[ui->speed];
    snprintf(ui->status, sizeof ui->status, "speed: %s",
             ui->delay_ms ? "" : "full");
    if (ui->delay_ms)
        snprintf(ui->status, sizeof ui->status, "speed: %d ms per step",
                 ui->delay_ms);
    if (!ui->paused)
        set_running(ui, true);
}

/* Handle one key; false when it is time to quit. */
static bool key(viz_ui_t *ui, int ch)
{
    if (ui->show_help || ui->show_detail) {
        bool close_detail = ch == '\n' || ch == KEY_ENTER || ch == KEY_ESC;
        if (ui->show_help || close_detail) {
            ui->show_help = ui->show_detail = false;
            return ch != 'q';
        }
    }
    switch (ch) {
    case 'q':
    case 'Q':
        return false;
    case ' ':
        set_running(ui, ui->paused);
        break;
    case 's':
    case KEY_RIGHT:
        set_running(ui, false);
        step_forward(ui);
        break;
    case KEY_LEFT:
        set_running(ui, false);
        if (!viz_session_back(ui->s))
            snprintf(ui->status, sizeof ui->status, "%s",
                     ui->s->history_full ? "history too long to step back"
                                         : "at the start");
        break;
    case '+':
    case '=':
        change_speed(ui, -1);
        break;
    case '-':
    case '_':
        change_speed(ui, 1);
        break;
    case '\t':
        ui->focus = (viz_panel_t)((ui->focus + 1) % VIZ_PANEL_COUNT);
        break;
    case KEY_UP:
        scroll_focus(ui, -1);
        break;
    case KEY_DOWN:
        scroll_focus(ui, 1);
        break;
    case KEY_PPAGE:
        scroll_focus(ui, -10);
        break;
    case KEY_NPAGE:
        scroll_focus(ui, 10);
        break;
    case '\n':
    case '\r':
    case KEY_ENTER:
        ui->focus = VIZ_PANEL_TASKS;
        ui->show_detail = ui->s->model.n_tasks > 0;
        break;
    case '?':
        ui->show_help = true;
        break;
    }
    return true;
}

/* ---- the terminal ---------------------------------------------------------- */

int viz_term_check(void)
{
    /* Files or pipes, not a terminal: newterm would draw into the file and
     * wait for a key that never comes (tests/bad_input.sh). */
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return -ENOTTY;
    /* A TERM that terminfo does not know: newterm fails and leaks the
     * screen it began (LeakSanitizer saw it); setupterm with an error
     * pointer fails cleanly, and frees what it read once asked to. */
    int term_err = 0;
    if (setupterm(NULL, STDOUT_FILENO, &term_err) != OK)
        return -ENOENT;
    /* TERM=dumb knows no cursor addressing: curses would draw the key bar
     * alone, line after line. */
    char *cup = tigetstr("cup");
    bool can = cup != NULL && cup != (char *)-1 && tigetflag("hc") <= 0 &&
               tigetflag("gn") <= 0;
    del_curterm(cur_term);
    return can ? 0 : -EOPNOTSUPP;
}

bool viz_no_color(void)
{
    const char *v = getenv("NO_COLOR");
    return v != NULL && *v != '\0';
}

bool viz__use_color(void)
{
    return has_colors() && !viz_no_color();
}

/* ---- the loop ------------------------------------------------------------ */

static int ui_run(viz_session_t *s, const viz_source_t *src,
                  const viz_options_t *o)
{
    viz_ui_t ui = {.s = s, .src = src, .o = o};
    ui.speed = speed_of(o->slow_ms);
    ui.delay_ms = delays[ui.speed];
    if (o->stderr_fd >= 0)
        fcntl(o->stderr_fd, F_SETFL, fcntl(o->stderr_fd, F_GETFL) | O_NONBLOCK);

    /* No terminal, an unknown TERM, or one that cannot draw a screen (a
     * caller that did not ask first: "needs a terminal"). */
    int term = viz_term_check();
    if (term != 0)
        return term == -EOPNOTSUPP ? -ENOTTY : term;
    SCREEN *screen = newterm(NULL, stdout, stdin);
    if (screen == NULL)
        return -ENOTTY;
    struct sigaction old[N_SIGS];
    stop_signal = 0;
    signals_install(old, SIGS, N_SIGS);
    curses_up = 1;
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    timeout(FRAME_MS);

    set_running(&ui, !o->step);
    uint64_t next_tick = 0;
    for (;;) {
        if (stop_signal)
            break;
        pull(&ui);
        read_notes(&ui);
        advance(&ui, &next_tick);
        viz__draw(&ui);
        int ch = getch();
        if (ch != ERR && ch != KEY_RESIZE && !key(&ui, ch))
            break;
    }
    if (src != NULL && src->can_step)
        src->grant(src->ctx, 0);
    endwin();
    curses_up = 0;
    delscreen(screen);
    signals_restore(old, SIGS, N_SIGS);
    return stop_signal ? -EINTR : 0;
}

int viz_ui_live(viz_session_t *s, const viz_source_t *src,
                const viz_options_t *o)
{
    return ui_run(s, src, o);
}

int viz_ui_replay(viz_session_t *s, const viz_options_t *o)
{
    return ui_run(s, NULL, o);
}
