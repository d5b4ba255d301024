/*
 * visualizer/ui.c - the UI loop: pacing, keys, signals, and leaving the
 * terminal as it was found.
 *
 * The loop, once per frame (FRAME_MS, or sooner on a key):
 *
 *   pull     drain the live source's trace into the session
 *   advance  running: one step per delay (or everything, at full speed);
 *            paused: nothing
 *   draw     views.c
 *   key      getch with a timeout: the frame's clock
 *
 * A step is the session's (one scheduling decision, model.h), forward and
 * back alike: a step forward walks the recorded history, and where that
 * does not hold the whole next step yet, a live source is granted one
 * decision at a time until it does (see "stepping" below). A key waits
 * briefly for it, so the screen shows its result; the loop finishes what
 * a key could not.
 *
 * Headless (viz_ui_print_screen, `--print-screen N`): the same state,
 * keys and views on an ncurses screen that draws to /dev/null, read back
 * as text.
 *
 * The terminal is restored on q, on SIGINT/SIGTERM/SIGHUP (a flag the loop
 * sees), and on a crash of the workload (SIGSEGV, SIGABRT, ...: endwin in
 * the handler, then the signal's default action).
 *
 * Whether the terminal can hold the screen at all (TERM=dumb cannot), and
 * NO_COLOR: visualizer/term.h.
 *
 * Tests: tests/viz.sh drives this in tmux; tests/screen.sh prints it.
 */
#include <curses.h>
#include <term.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "visualizer/panels.h"
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
    ui->src->drain(ui->src->ctx, &ui->s->sink, false);
    if (!ui->finished &&
        ui->src->finished(ui->src->ctx, ui->ended, sizeof ui->ended)) {
        ui->finished = true;
        ui->src->drain(ui->src->ctx, &ui->s->sink, true); /* the rest */
    }
    uint64_t dropped, late;
    ui->src->losses(ui->src->ctx, &dropped, &late);
    viz_model_set_dropped(&ui->s->model, dropped);
    viz_model_set_late(&ui->s->model, late);
}

/* Lines the workload wrote (stdout or stderr) become notes (warnings
 * panel). */
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

/* ---- stepping ------------------------------------------------------------ */

/*
 * A step is the session's: from one event that starts a scheduling
 * decision to the next (model.h: viz_event_starts_step), forward and back
 * alike. A live executor's own step (one grant) may hold several of them
 * (a ws worker searches, steals, then polls), or end before the next one
 * begins; so a step forward takes grants, one at a time, until the
 * history holds the whole of the next step (it has seen where the step
 * after it begins) or the run is over, and only then moves the cursor.
 * The screen at step k is then the same whether k was reached forward or
 * by going back to it (tests/viz.sh compares the two).
 */

static void sleep_us(long us)
{
    const struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

/* The history holds the step after the cursor whole: a step boundary
 * after its first event. */
static bool next_step_recorded(const viz_session_t *s)
{
    for (size_t j = s->cursor + 1; j < s->n_events; j++)
        if (viz_event_starts_step(&s->events[j]))
            return true;
    return false;
}

static bool can_grant(const viz_ui_t *ui)
{
    return ui->src != NULL && ui->src->can_step && !ui->finished;
}

/* Work on the first pending step without waiting; true when it is taken
 * (or can go no further: the end of a replay, a run that is over). */
static bool step_pump(viz_ui_t *ui)
{
    const viz_source_t *src = ui->src;
    /* Read the count before draining: every event of the decisions it
     * counts is then in the session (viz_live.c: release, acquire). */
    uint64_t done = src != NULL ? src->steps_done(src->ctx) : 0;
    pull(ui);
    viz_session_t *s = ui->s;
    if (s->history_full) {
        /* Past VIZ_HISTORY_MAX the model follows every event as it comes:
         * one grant is one step, as near as it can be. */
        if (!can_grant(ui) || done > ui->awaited)
            return true;
        if (done == ui->awaited) {
            ui->awaited = done + 1;
            src->grant(src->ctx, 1);
        }
        return false;
    }
    if (next_step_recorded(s) || !can_grant(ui)) {
        viz_session_forward(s); /* false at the end: nothing to show */
        return true;
    }
    if (done >= ui->awaited) { /* no decision in flight: ask for one */
        ui->awaited = done + 1;
        src->grant(src->ctx, 1);
    }
    return false;
}

/* Take the pending steps, for at most budget_ms (< 0: until all are
 * taken). */
static void take_steps(viz_ui_t *ui, long budget_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)(budget_ms < 0 ? 0 : budget_ms);
    while (ui->pending_steps > 0) {
        if (step_pump(ui)) {
            ui->pending_steps--;
            continue;
        }
        if (budget_ms >= 0 && now_ms() >= deadline)
            return; /* the frame loop goes on with it */
        sleep_us(100);
    }
}

/* ---- pacing -------------------------------------------------------------- */

/* Start or stop a live source according to paused/speed. Only a live run
 * at full speed is followed event by event; otherwise the session records
 * what arrives and shows it a step at a time. */
static void set_running(viz_ui_t *ui, bool run)
{
    ui->paused = !run;
    ui->pending_steps = 0;
    bool full = run && ui->delay_ms == 0;
    if (ui->src != NULL)
        ui->s->hold = ui->src->can_step ? !full : ui->paused;
    if (ui->src != NULL && ui->src->can_step)
        ui->src->grant(ui->src->ctx, full ? -1 : 0);
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
    if (ui->pending_steps == 0 && now_ms() >= *next_tick) {
        *next_tick = now_ms() + (uint64_t)ui->delay_ms;
        if (viz_session_at_end(ui->s) && !can_grant(ui)) {
            set_running(ui, false); /* nothing more will come */
            return;
        }
        ui->pending_steps = 1;
    }
    take_steps(ui, FRAME_MS / 2);
}

/* ---- moving through time ------------------------------------------------- */

/*
 * Every move lands where stepping would: at the end of the step holding
 * the event it was after (viz_session_goto), so the screen there is the
 * one s or left show at that step. A move forward looks through what was
 * recorded first; in a live run that has not got that far, it takes
 * steps (as s does) until it finds it, the run ends, or a key stops it.
 */

/* The part of the history a move may land in: all of a replay or of a run
 * that is over; of a live run, the steps recorded whole (the last one may
 * still be growing). */
static size_t whole_end(const viz_ui_t *ui)
{
    const viz_session_t *s = ui->s;
    if (!can_grant(ui))
        return s->n_events;
    size_t end = s->n_events;
    while (end > s->cursor && !viz_event_starts_step(&s->events[end - 1]))
        end--;
    return end > s->cursor ? end - 1 : s->cursor;
}

static bool seek_is_raw(viz_seek_t k)
{
    return k == VIZ_SEEK_TASK || k == VIZ_SEEK_WORKER || k == VIZ_SEEK_STEAL ||
           k == VIZ_SEEK_EVENT || k == VIZ_SEEK_TIME;
}

/* Does event i (0-based) answer a raw seek? */
static bool raw_match(const viz_ui_t *ui, viz_seek_t k, uint64_t arg, size_t i)
{
    const trace_event_t *ev = &ui->s->events[i];
    switch (k) {
    case VIZ_SEEK_TASK:
        return ev->task == arg ||
               (ev->kind == TRACE_WAKE && ev->a == TRACE_BY_TASK &&
                ev->b == arg) ||
               (ev->kind == TRACE_SPAWN && ev->a == arg);
    case VIZ_SEEK_WORKER:
        return ev->worker == arg || (ev->kind == TRACE_STEAL && ev->a == arg);
    case VIZ_SEEK_STEAL:
        return ev->kind == TRACE_STEAL;
    case VIZ_SEEK_EVENT:
        return i + 1 >= arg;
    case VIZ_SEEK_TIME:
        return ev->time_ns - ui->s->events[0].time_ns >= arg;
    default:
        return false;
    }
}

static const char *seek_words(viz_seek_t k, uint64_t arg, char *buf, size_t n)
{
    switch (k) {
    case VIZ_SEEK_TASK:
        snprintf(buf, n, "event of t%" PRIu64, arg);
        break;
    case VIZ_SEEK_WORKER:
        snprintf(buf, n, "event on w%" PRIu64, arg);
        break;
    case VIZ_SEEK_STEAL:
        snprintf(buf, n, "steal");
        break;
    case VIZ_SEEK_WARNING:
        snprintf(buf, n, "warning");
        break;
    case VIZ_SEEK_TEXT:
        snprintf(buf, n, "match");
        break;
    case VIZ_SEEK_EVENT:
    case VIZ_SEEK_TIME:
        snprintf(buf, n, "landed"); /* "landed at event #N" */
        break;
    default:
        snprintf(buf, n, "event");
        break;
    }
    return buf;
}

/* Land on event i (0-based): the end of its step, i marked. */
static void land(viz_ui_t *ui, size_t i, const char *what)
{
    viz_session_goto(ui->s, viz_session_step_end(ui->s, i));
    ui->hit_seq = i + 1;
    ui->log_back = 0;
    snprintf(ui->status, sizeof ui->status, "%s at event #%zu", what, i + 1);
}

/* A log line answers a search: its words hold it, or its event's kind
 * starts with it ("steal" finds "w1 stole 4 tasks from w0"). */
static bool line_matches(const viz_line_t *l, const char *search)
{
    return strcasestr(l->text, search) != NULL ||
           strncasecmp(trace_kind_name((trace_kind_t)l->kind), search,
                       strlen(search)) == 0;
}

/* The step just taken (events mark .. cursor) answers the seek going on:
 * the event that does, or SIZE_MAX. */
static size_t step_match(viz_ui_t *ui)
{
    viz_session_t *s = ui->s;
    if (ui->seek == VIZ_SEEK_WARNING) {
        if (s->model.n_warnings <= ui->seek_warnings)
            return SIZE_MAX;
        uint64_t seq = s->model.warnings[ui->seek_warnings].seq;
        return seq > 0 ? (size_t)seq - 1 : s->mark;
    }
    if (ui->seek == VIZ_SEEK_END)
        return SIZE_MAX;
    if (ui->seek == VIZ_SEEK_TEXT) {
        for (size_t i = 0;; i++) { /* the step's lines, newest first */
            const viz_line_t *l = viz_model_log(&s->model, i);
            if (l == NULL || l->seq <= s->mark)
                break;
            if (line_matches(l, ui->search))
                return (size_t)l->seq - 1;
        }
        return SIZE_MAX;
    }
    for (size_t i = s->mark; i < s->cursor; i++)
        if (raw_match(ui, ui->seek, ui->seek_arg, i))
            return i;
    return SIZE_MAX;
}

/* Go on with a forward seek for at most budget_ms (< 0: to its end). */
static void seek_pump(viz_ui_t *ui, long budget_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)(budget_ms < 0 ? 0 : budget_ms);
    char what[48];
    while (ui->seek != VIZ_SEEK_NONE) {
        size_t at = ui->s->cursor;
        if (step_pump(ui)) {
            if (ui->s->cursor == at) { /* the end: nothing more */
                if (ui->seek == VIZ_SEEK_END)
                    snprintf(ui->status, sizeof ui->status, "at the end");
                else if (ui->seek == VIZ_SEEK_EVENT ||
                         ui->seek == VIZ_SEEK_TIME)
                    snprintf(ui->status, sizeof ui->status,
                             "the run ends before that; at the end");
                else
                    snprintf(ui->status, sizeof ui->status, "no later %s",
                             seek_words(ui->seek, ui->seek_arg, what,
                                        sizeof what));
                ui->seek = VIZ_SEEK_NONE;
                return;
            }
            size_t i = step_match(ui);
            if (i != SIZE_MAX) {
                ui->hit_seq = i + 1;
                ui->log_back = 0;
                snprintf(ui->status, sizeof ui->status, "%s at event #%zu",
                         seek_words(ui->seek, ui->seek_arg, what, sizeof what),
                         i + 1);
                ui->seek = VIZ_SEEK_NONE;
                return;
            }
            continue;
        }
        if (budget_ms >= 0 && now_ms() >= deadline)
            return;
        sleep_us(100);
    }
}

/* The last event before `before` (0-based, exclusive) whose line holds the
 * search: the log's words are the model's, so a scratch model replays the
 * history that far. SIZE_MAX: none. */
static size_t text_before(viz_ui_t *ui, size_t before)
{
    viz_session_t *s = ui->s;
    static const char *const names[] = {"spin", "notify", "ws"};
    viz_model_t *m = malloc(sizeof *m);
    size_t found = SIZE_MAX;
    if (m == NULL ||
        viz_model_init(m, names[s->model.exec], s->model.workers_init,
                       s->model.scenario, s->model.name_of,
                       s->model.name_ctx) != 0) {
        free(m);
        return found;
    }
    for (size_t i = 0; i < before && i < s->n_events; i++) {
        viz_model_apply(m, &s->events[i]);
        if (line_matches(viz_model_log(m, 0), ui->search))
            found = i;
    }
    viz_model_destroy(m);
    free(m);
    return found;
}

/* Start a move: dir > 0 the next, < 0 the previous. */
static void seek(viz_ui_t *ui, viz_seek_t k, uint64_t arg, int dir)
{
    viz_session_t *s = ui->s;
    char what[48];
    seek_words(k, arg, what, sizeof what);
    ui->seek = VIZ_SEEK_NONE;
    ui->pending_steps = 0;
    set_running(ui, false);
    if (dir < 0) {
        if (s->history_full) {
            snprintf(ui->status, sizeof ui->status,
                     "history too long to go back");
            return;
        }
        size_t found = SIZE_MAX;
        if (k == VIZ_SEEK_WARNING) {
            for (size_t i = s->model.n_warnings; i-- > 0;) {
                uint64_t seq = s->model.warnings[i].seq;
                if (seq > 0 && seq <= s->mark) {
                    found = (size_t)seq - 1;
                    break;
                }
            }
        } else if (k == VIZ_SEEK_TEXT) {
            found = text_before(ui, s->mark);
        } else {
            for (size_t i = s->mark; i-- > 0;)
                if (raw_match(ui, k, arg, i)) {
                    found = i;
                    break;
                }
        }
        if (found == SIZE_MAX)
            snprintf(ui->status, sizeof ui->status, "no earlier %s", what);
        else
            land(ui, found, what);
        return;
    }
    if (seek_is_raw(k) && !s->history_full) {
        size_t end = whole_end(ui);
        for (size_t i = s->cursor; i < end; i++)
            if (raw_match(ui, k, arg, i)) {
                land(ui, i, what);
                return;
            }
        viz_session_goto(s, end); /* then on, step by step */
    }
    ui->seek = k;
    ui->seek_arg = arg;
    ui->seek_warnings = s->model.n_warnings;
    ui->status[0] = '\0';
    seek_pump(ui, LIVE_WAIT_MS);
    if (ui->seek != VIZ_SEEK_NONE)
        snprintf(ui->status, sizeof ui->status, "looking for the next %s "
                 "(any key stops)", what);
}

static void go_start(viz_ui_t *ui)
{
    set_running(ui, false);
    ui->seek = VIZ_SEEK_NONE;
    if (ui->s->cursor == 0)
        snprintf(ui->status, sizeof ui->status, "at the start");
    else if (!viz_session_goto(ui->s, 0))
        snprintf(ui->status, sizeof ui->status, "history too long to go back");
    else
        ui->status[0] = '\0';
    ui->log_back = 0;
}

static void go_end(viz_ui_t *ui)
{
    set_running(ui, false);
    ui->log_back = 0;
    if (!can_grant(ui)) {
        viz_session_goto(ui->s, ui->s->n_events);
        snprintf(ui->status, sizeof ui->status, "at the end");
        return;
    }
    seek(ui, VIZ_SEEK_END, 0, 1); /* a live run: on to its end */
}

/* ":" answered: "N" or "#N" an event, "T ms" / "Tms" / "T s" a time. */
static void go_to(viz_ui_t *ui, const char *in)
{
    while (*in == ' ' || *in == '#')
        in++;
    char *end;
    errno = 0;
    double v = strtod(in, &end);
    while (*end == ' ')
        end++;
    double scale = 0; /* 0: an event number */
    if (strcmp(end, "ms") == 0)
        scale = 1e6;
    else if (strcmp(end, "us") == 0)
        scale = 1e3;
    else if (strcmp(end, "s") == 0)
        scale = 1e9;
    else if (strcmp(end, "ns") == 0)
        scale = 1;
    else if (*end != '\0')
        v = -1;
    if (end == in || errno != 0 || v < 0 || v > 1e18 ||
        (scale == 0 && v != (double)(uint64_t)v)) {
        snprintf(ui->status, sizeof ui->status,
                 "go to: an event number (120) or a time (3.5ms, 2 s)");
        return;
    }
    if (ui->s->n_events == 0 && !can_grant(ui)) {
        snprintf(ui->status, sizeof ui->status, "no events");
        return;
    }
    viz_seek_t k = scale == 0 ? VIZ_SEEK_EVENT : VIZ_SEEK_TIME;
    uint64_t arg = scale == 0 ? (uint64_t)v : (uint64_t)(v * scale);
    if (k == VIZ_SEEK_EVENT && arg == 0) {
        go_start(ui);
        return;
    }
    /* at or before the cursor: a jump back (or to the step it is in);
     * after it: forward */
    viz_session_t *ss = ui->s;
    if (!ss->history_full && k == VIZ_SEEK_EVENT && arg <= ss->cursor) {
        land(ui, (size_t)arg - 1, "landed");
        return;
    }
    if (!ss->history_full && k == VIZ_SEEK_TIME)
        for (size_t i = 0; i < ss->cursor; i++)
            if (raw_match(ui, k, arg, i)) {
                land(ui, i, "landed");
                return;
            }
    seek(ui, k, arg, 1);
}

/* f answered: "tN", "wN", a kind, a name, or nothing (no filter). */
static void set_filter(viz_ui_t *ui, const char *in)
{
    viz_filter_t f = {VIZ_FILTER_NONE, 0, ""};
    while (*in == ' ')
        in++;
    snprintf(f.text, sizeof f.text, "%s", in);
    char *end;
    if (*in == '\0') {
        ui->filter = f;
        snprintf(ui->status, sizeof ui->status, "filter off");
        return;
    }
    if ((in[0] == 't' || in[0] == 'w') && in[1] >= '0' && in[1] <= '9') {
        unsigned long long v = strtoull(in + 1, &end, 10);
        if (*end == '\0') {
            f.kind = in[0] == 't' ? VIZ_FILTER_TASK : VIZ_FILTER_WORKER;
            f.value = v;
        }
    }
    if (f.kind == VIZ_FILTER_NONE) {
        size_t n = strlen(in);
        for (uint32_t k = 1; k < TRACE_KIND_COUNT; k++)
            if (strncmp(trace_kind_name((trace_kind_t)k), in, n) == 0) {
                f.kind = VIZ_FILTER_KIND;
                f.value = k; /* the first; a start matches them all */
                break;
            }
    }
    if (f.kind == VIZ_FILTER_NONE)
        f.kind = VIZ_FILTER_NAME;
    ui->filter = f;
    ui->task_sel = ui->task_top = 0;
    ui->log_back = 0;
    snprintf(ui->status, sizeof ui->status, "filter: %s", f.text);
}

static void prompt_open(viz_ui_t *ui, viz_prompt_t p)
{
    ui->prompt = p;
    ui->input_len = 0;
    ui->input[0] = '\0';
    set_running(ui, false);
}

/* A key while a prompt is open. */
static void prompt_key(viz_ui_t *ui, int ch)
{
    if (ch == KEY_ESC) {
        ui->prompt = VIZ_PROMPT_NONE;
        return;
    }
    if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (ui->input_len > 0)
            ui->input[--ui->input_len] = '\0';
        else
            ui->prompt = VIZ_PROMPT_NONE;
        return;
    }
    if (ch != '\n' && ch != '\r' && ch != KEY_ENTER) {
        if (ch >= 32 && ch < 127 && ui->input_len + 1 < sizeof ui->input) {
            ui->input[ui->input_len++] = (char)ch;
            ui->input[ui->input_len] = '\0';
        }
        return;
    }
    viz_prompt_t p = ui->prompt;
    ui->prompt = VIZ_PROMPT_NONE;
    switch (p) {
    case VIZ_PROMPT_GOTO:
        go_to(ui, ui->input);
        break;
    case VIZ_PROMPT_SEARCH:
        if (ui->input_len > 0)
            snprintf(ui->search, sizeof ui->search, "%s", ui->input);
        if (ui->search[0] == '\0')
            break;
        seek(ui, VIZ_SEEK_TEXT, 0, 1);
        break;
    case VIZ_PROMPT_FILTER:
        set_filter(ui, ui->input);
        break;
    default:
        break;
    }
}

/* ---- keys ---------------------------------------------------------------- */

static size_t dec(size_t v, size_t by)
{
    return v > by ? v - by : 0;
}

static void scroll_focus(viz_ui_t *ui, int delta)
{
    switch (ui->focus) {
    case VIZ_PANEL_TASKS:
        viz__task_rows(ui);
        if (delta < 0)
            ui->task_sel = dec(ui->task_sel, (size_t)-delta);
        else if (ui->n_rows > 0)
            ui->task_sel = ui->task_sel + (size_t)delta < ui->n_rows
                               ? ui->task_sel + (size_t)delta
                               : ui->n_rows - 1;
        ui->task_id = ui->task_sel < ui->n_rows
                          ? ui->s->model.tasks[ui->rows[ui->task_sel]].id
                          : 0;
        break;
    case VIZ_PANEL_LOG: /* up: older lines */
        if (delta < 0)
            ui->log_back += (size_t)-delta;
        else
            ui->log_back = dec(ui->log_back, (size_t)delta);
        break;
    default: /* up: older warnings */
        if (delta < 0)
            ui->warn_sel += (size_t)-delta;
        else
            ui->warn_sel = dec(ui->warn_sel, (size_t)delta);
        if (ui->s->model.n_warnings > 0 &&
            ui->warn_sel >= ui->s->model.n_warnings)
            ui->warn_sel = ui->s->model.n_warnings - 1;
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

/* The selected task's id (0: none). */
static uint64_t selected_task(viz_ui_t *ui)
{
    viz__task_rows(ui);
    if (ui->task_sel >= ui->n_rows)
        return 0;
    return ui->s->model.tasks[ui->rows[ui->task_sel]].id;
}

/* Enter: the selected task in detail, or on a warning its event. */
static void enter(viz_ui_t *ui)
{
    const viz_model_t *m = &ui->s->model;
    if (ui->focus == VIZ_PANEL_WARNINGS && m->n_warnings > 0) {
        size_t k = m->n_warnings - 1 -
                   (ui->warn_sel < m->n_warnings ? ui->warn_sel : 0);
        uint64_t seq = m->warnings[k].seq;
        if (seq == 0) {
            snprintf(ui->status, sizeof ui->status,
                     "this warning is about the recording, not one event");
            return;
        }
        set_running(ui, false);
        char what[40];
        snprintf(what, sizeof what, "warning %zu", k + 1);
        land(ui, (size_t)seq - 1, what);
        /* the same warning stays selected wherever it now is */
        ui->warn_sel = ui->s->model.n_warnings > k
                           ? ui->s->model.n_warnings - 1 - k
                           : 0;
        return;
    }
    ui->focus = VIZ_PANEL_TASKS;
    ui->show_detail = m->n_tasks > 0;
}

static void select_worker(viz_ui_t *ui, int delta)
{
    uint32_t n = ui->s->model.workers;
    if (n == 0)
        return;
    if (delta < 0)
        ui->worker_sel = ui->worker_sel == 0 || ui->worker_sel >= n
                             ? n - 1
                             : ui->worker_sel - 1;
    else
        ui->worker_sel = ui->worker_sel + 1 >= n ? 0 : ui->worker_sel + 1;
    snprintf(ui->status, sizeof ui->status, "worker w%u selected (w/W: its "
             "events)", ui->worker_sel);
}

/* Handle one key; false when it is time to quit. */
static bool key(viz_ui_t *ui, int ch)
{
    if (ui->prompt != VIZ_PROMPT_NONE) {
        prompt_key(ui, ch);
        return true;
    }
    if (ui->seek != VIZ_SEEK_NONE) { /* any key stops a long seek */
        ui->seek = VIZ_SEEK_NONE;
        snprintf(ui->status, sizeof ui->status, "stopped looking");
        if (ch != 'q' && ch != 'Q')
            return true;
    }
    if (ui->show_help || ui->show_detail) {
        bool close_detail = ch == '\n' || ch == KEY_ENTER || ch == KEY_ESC;
        if (ui->show_help || close_detail) {
            ui->show_help = ui->show_detail = false;
            return ch != 'q';
        }
    }
    ui->hit_seq = 0;
    switch (ch) {
    case 'q':
    case 'Q':
        return false;
    case ' ':
        set_running(ui, ui->paused);
        break;
    case 's':
    case KEY_RIGHT: {
        unsigned long queued = ui->paused ? ui->pending_steps : 0;
        set_running(ui, false);
        ui->status[0] = '\0';
        ui->pending_steps = queued + 1;
        take_steps(ui, LIVE_WAIT_MS); /* unfinished: the loop goes on */
        break;
    }
    case KEY_LEFT:
        set_running(ui, false);
        if (viz_session_back(ui->s))
            ui->status[0] = '\0';
        else
            snprintf(ui->status, sizeof ui->status, "%s",
                     ui->s->history_full ? "history too long to step back"
                                         : "at the start");
        break;
    case 'g':
    case KEY_HOME:
        go_start(ui);
        break;
    case 'G':
    case KEY_END:
        go_end(ui);
        break;
    case ':':
        prompt_open(ui, VIZ_PROMPT_GOTO);
        break;
    case '/':
        prompt_open(ui, VIZ_PROMPT_SEARCH);
        break;
    case 'f':
        prompt_open(ui, VIZ_PROMPT_FILTER);
        break;
    case 'n':
    case 'N':
        if (ui->search[0] == '\0')
            snprintf(ui->status, sizeof ui->status, "no search yet: / first");
        else
            seek(ui, VIZ_SEEK_TEXT, 0, ch == 'n' ? 1 : -1);
        break;
    case 't':
    case 'T': {
        uint64_t id = selected_task(ui);
        if (id == 0)
            snprintf(ui->status, sizeof ui->status, "no task selected");
        else
            seek(ui, VIZ_SEEK_TASK, id, ch == 't' ? 1 : -1);
        break;
    }
    case 'w':
    case 'W':
        seek(ui, VIZ_SEEK_WORKER, ui->worker_sel, ch == 'w' ? 1 : -1);
        break;
    case 'x':
    case 'X':
        seek(ui, VIZ_SEEK_STEAL, 0, ch == 'x' ? 1 : -1);
        break;
    case ']':
    case '[':
        seek(ui, VIZ_SEEK_WARNING, 0, ch == ']' ? 1 : -1);
        break;
    case '<':
    case ',':
        select_worker(ui, -1);
        break;
    case '>':
    case '.':
        select_worker(ui, 1);
        break;
    case 'o':
        ui->sort = (viz_column_t)((ui->sort + 1) % VIZ_COL_COUNT);
        snprintf(ui->status, sizeof ui->status, "sorted by %s%s",
                 viz__column_name(ui->sort), ui->sort_desc ? ", down" : "");
        break;
    case 'O':
        ui->sort_desc = !ui->sort_desc;
        snprintf(ui->status, sizeof ui->status, "sorted by %s%s",
                 viz__column_name(ui->sort), ui->sort_desc ? ", down" : "");
        break;
    case 'F':
        /* follow: the log and the warnings back to the newest; a run
         * goes on (a replay to its end) */
        ui->log_back = 0;
        ui->warn_sel = 0;
        if (ui->src != NULL)
            set_running(ui, true);
        else
            go_end(ui);
        snprintf(ui->status, sizeof ui->status, "following");
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
        enter(ui);
        break;
    case '?':
    case 'h':
        ui->show_help = true;
        break;
    default:
        if (ui->panel != NULL && ui->panel->key != NULL)
            ui->panel->key(ui, ch);
        break;
    }
    return true;
}

/* ---- the terminal ---------------------------------------------------------- */

/* viz_term_check, for the terminal on fd. */
static int term_check(int fd)
{
    /* Files or pipes, not a terminal: newterm would draw into the file and
     * wait for a key that never comes (tests/bad_input.sh). */
    if (!isatty(STDIN_FILENO) || !isatty(fd))
        return -ENOTTY;
    /* A TERM that terminfo does not know: newterm fails and leaks the
     * screen it began (LeakSanitizer saw it); setupterm with an error
     * pointer fails cleanly, and frees what it read once asked to. */
    int term_err = 0;
    if (setupterm(NULL, fd, &term_err) != OK)
        return -ENOENT;
    /* TERM=dumb knows no cursor addressing: curses would draw the key bar
     * alone, line after line. */
    char *cup = tigetstr("cup");
    bool can = cup != NULL && cup != (char *)-1 && tigetflag("hc") <= 0 &&
               tigetflag("gn") <= 0;
    del_curterm(cur_term);
    return can ? 0 : -EOPNOTSUPP;
}

int viz_term_check(void)
{
    return term_check(STDOUT_FILENO);
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

/* The UI's state at the start, for the terminal and for --print-screen
 * alike. Panels and captions drawn by other files are hooked in here
 * (ui.h: viz_panel_hook_t, viz_caption_t). */
static void ui_init(viz_ui_t *ui, viz_session_t *s, const viz_source_t *src,
                    const viz_options_t *o)
{
    memset(ui, 0, sizeof *ui);
    ui->s = s;
    ui->src = src;
    ui->o = o;
    ui->caption = (viz_caption_t){NULL, NULL, NULL};
    ui->panel = viz__panels_new(ui); /* the timeline, the tour's captions */
}

static void ui_fini(viz_ui_t *ui)
{
    viz__panels_free(ui);
    free(ui->rows);
    ui->rows = NULL;
    ui->n_rows = ui->cap_rows = 0;
}

static int ui_run(viz_session_t *s, const viz_source_t *src,
                  const viz_options_t *o)
{
    viz_ui_t ui;
    ui_init(&ui, s, src, o);
    ui.speed = speed_of(o->slow_ms);
    ui.delay_ms = delays[ui.speed];
    if (o->stderr_fd >= 0)
        fcntl(o->stderr_fd, F_SETFL, fcntl(o->stderr_fd, F_GETFL) | O_NONBLOCK);

    /* No terminal, an unknown TERM, or one that cannot draw a screen (a
     * caller that did not ask first: "needs a terminal"). */
    int fd = o->screen_fd > 0 ? o->screen_fd : STDOUT_FILENO;
    int term = term_check(fd);
    if (term != 0) {
        ui_fini(&ui);
        return term == -EOPNOTSUPP ? -ENOTTY : term;
    }
    int out_fd = fd == STDOUT_FILENO ? -1 : dup(fd);
    FILE *out = fd == STDOUT_FILENO ? stdout
                : out_fd >= 0       ? fdopen(out_fd, "w")
                                    : NULL;
    if (out == NULL) {
        if (out_fd >= 0)
            close(out_fd);
        ui_fini(&ui);
        return -ENOTTY;
    }
    SCREEN *screen = newterm(NULL, out, stdin);
    if (screen == NULL) {
        if (out != stdout)
            fclose(out);
        ui_fini(&ui);
        return -ENOTTY;
    }
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
        if (!ui.paused && ui.delay_ms > 0 && viz__panels_pause(&ui))
            set_running(&ui, false); /* the tour stops at a caption */
        if (ui.paused && ui.pending_steps > 0)
            take_steps(&ui, FRAME_MS / 2);
        if (ui.seek != VIZ_SEEK_NONE)
            seek_pump(&ui, FRAME_MS / 2);
        viz__draw(&ui);
        int ch = getch();
        if (ch != ERR && ch != KEY_RESIZE && !key(&ui, ch))
            break;
    }
    if (src != NULL && src->can_step)
        src->grant(src->ctx, 0);
    ui_fini(&ui);
    endwin();
    curses_up = 0;
    delscreen(screen);
    if (out != stdout)
        fclose(out);
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

/* ---- headless: the screen as text ------------------------------------------ */

/*
 * The same views, drawn on a terminal that is not there: ncurses' screen
 * on /dev/null, of a fixed type (vt100: in ncurses-base, so on every
 * Debian), resized to the size asked for. What the views drew is read
 * back from the screen's own window (innstr: the characters, without
 * attributes), so the text is what a terminal of that size would show.
 */

#define PRINT_TERM "vt100"

/* The type is known to terminfo: asked first, as viz_term_check does
 * (newterm on an unknown type leaks the screen it began). */
static bool print_term_known(int fd)
{
    int err = 0;
    if (setupterm(PRINT_TERM, fd, &err) != OK)
        return false;
    del_curterm(cur_term);
    return true;
}

/* Row y of the screen into out, trailing blanks cut. */
static int print_row(int y, int cols, FILE *out)
{
    char line[VIZ_PRINT_MAX_COLS + 1];
    int n = mvinnstr(y, 0, line, cols);
    if (n == ERR)
        n = 0;
    while (n > 0 && line[n - 1] == ' ')
        n--;
    line[n] = '\0';
    return fprintf(out, "%s\n", line) < 0 ? -EIO : 0;
}

/* The screen as text, headed (for --frames) by "\f<how> STEP". */
static int print_frame(viz_ui_t *ui, const char *how, FILE *out)
{
    viz__draw(ui);
    if (how != NULL &&
        fprintf(out, "\f%s %" PRIu64 "\n", how,
                viz_session_step_number(ui->s)) < 0)
        return -EIO;
    int rc = 0;
    for (int y = 0; y < LINES && rc == 0; y++)
        rc = print_row(y, COLS, out);
    return rc;
}

int viz_ui_print_screen(viz_session_t *s, const viz_source_t *src,
                        const viz_options_t *o, const viz_print_t *p,
                        FILE *out)
{
    if (p->cols < 1 || p->cols > VIZ_PRINT_MAX_COLS || p->rows < 1 ||
        p->rows > VIZ_PRINT_MAX_ROWS)
        return -EINVAL;
    viz_ui_t ui;
    ui_init(&ui, s, src, o);
    ui.delay_ms = 0;
    FILE *in = fopen("/dev/null", "r");
    FILE *nul = fopen("/dev/null", "w");
    int rc = in == NULL || nul == NULL ? -errno : 0;
    if (rc == 0 && !print_term_known(fileno(nul)))
        rc = -ENOENT;
    SCREEN *screen = NULL;
    if (rc == 0) {
        use_env(FALSE); /* LINES and COLUMNS of the caller's terminal */
        screen = newterm(PRINT_TERM, nul, in);
        if (screen == NULL)
            rc = -ENOENT;
    }
    if (rc == 0 && resize_term(p->rows, p->cols) == ERR)
        rc = -ENOMEM;
    if (rc == 0) {
        /* Paused, as --step; then the keys s and left, as many times as
         * asked. */
        set_running(&ui, false);
        if (p->frames) {
            /* every screen on the way: the same keys, one at a time */
            rc = print_frame(&ui, "forward", out);
            for (unsigned long i = 0; i < p->steps && rc == 0; i++) {
                size_t at = s->cursor;
                ui.pending_steps = 1;
                take_steps(&ui, -1);
                if (s->cursor == at)
                    break; /* the end */
                rc = print_frame(&ui, "forward", out);
            }
            for (unsigned long i = 0; i < p->back && rc == 0; i++) {
                if (s->cursor == 0)
                    break;
                key(&ui, KEY_LEFT);
                rc = print_frame(&ui, "back", out);
            }
        } else {
            ui.pending_steps = p->steps;
            take_steps(&ui, -1);
            for (unsigned long i = 0; i < p->back; i++)
                key(&ui, KEY_LEFT);
            rc = print_frame(&ui, NULL, out);
        }
        if (rc == 0 && fflush(out) != 0)
            rc = -EIO;
    }
    if (src != NULL && src->can_step)
        src->grant(src->ctx, 0);
    ui_fini(&ui);
    if (screen != NULL) {
        endwin();
        delscreen(screen);
    }
    if (nul != NULL)
        fclose(nul);
    if (in != NULL)
        fclose(in);
    return rc;
}
