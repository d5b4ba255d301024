/*
 * visualizer/views.c - drawing the model with ncurses.
 *
 * One screen, redrawn whole every frame (ncurses sends only what changed).
 * The top panel depends on the executor; the rest is common. The tour at
 * 80x24, stepped 9 times (a real capture, cut at 74 columns; from 130
 * columns the task table and the event log stand side by side):
 *
 *   asynclab viz  PAUSED  step 12  event 75/75  t=0.000 ms  tour on ws (4 wo
 *   -- workers: state, LIFO slot, local ring (front first) ------------------
 *    w0 idle                            LIFO -           ring   0/256
 *    w1 polled t4 'child': Pending      LIFO -           ring   5/256 t5 t6
 *    w2 idle                            LIFO -           ring   9/256 t13 t1
 *    w3 idle                            LIFO -           ring   4/256 t10 t1
 *    inject (0):
 *    last steal: w1 stole 5 tasks from w3 (event 51)   steals 2, tasks moved
 *   -- driver and counters --------------------------------------------------
 *    driver: holder - | clock 0 ms | next timer - | timers 0 | fds 0 | turns
 *    polls 9 (-) | wasted 8 | wakes 8 (self 8) | steals 2 (14 tasks) | parks
 *   -- tasks (19) -----------------------------------------------------------
 *      id name           state   where     polls wakes self  busy  idle
 *       1 tour           done    -             1     0    0    0%    0%
 *       2 child          queued  w2 ring       1     1    1    0%    0%
 *   -- event log (bold: the last step) --------------------------------------
 *    #72     w1 polls t4 'child'
 *    #73     w1 t4 'child' -> Pending
 *    #74     t4 'child' woke itself (a yield)
 *    #75     t4 'child' into w1's ring
 *   -- warnings (0) ---------------------------------------------------------
 *    none
 *   space pause  s/right step  left back  +/- speed  tab panel  enter detail
 *
 *   spin:   the deque (front first), the task being polled, wasted polls
 *   notify: the ready queue and the waiting set side by side, with what
 *           woke each waiting task last; the remote queue
 *
 * Overlays: help (?) and task detail (Enter) are boxes drawn last. A
 * terminal smaller than 80x24 gets one message instead of the screen.
 *
 * What changed in the last step (events mark .. cursor of the session) is
 * drawn bold: the log lines, and a steal on the thief's lane.
 *
 * Tests: tests/viz.sh captures this screen in tmux.
 */
#include <curses.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "visualizer/escape.h"
#include "visualizer/ui.h"

enum {
    C_TITLE = 1,
    C_POLLING,
    C_PARKED,
    C_HOT,
    C_WARN,
    C_FOCUS,
};

/* ---- small drawing helpers ----------------------------------------------- */

/* printf at (y, x), clipped to w columns. */
__attribute__((format(printf, 5, 6))) static void
text(int y, int x, int w, int attr, const char *fmt, ...)
{
    if (w <= 0 || y < 0 || y >= LINES)
        return;
    char buf[512], safe[4 * sizeof buf];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* Names in it come from trace files anyone can write: escaped, as
     * everywhere a name is shown (visualizer/escape.h). */
    viz_escape(buf, safe, sizeof safe);
    attron(attr);
    mvaddnstr(y, x, safe, w);
    attroff(attr);
}

static int color(int pair)
{
    return viz__use_color() ? COLOR_PAIR(pair) : 0;
}

/* "-- title -----" across w columns; bright when the panel has focus.
 * Plain ASCII lines: the line-drawing set depends on the terminal's
 * charset handling, and a learner's terminal (or tmux) may not have it. */
static void section(int y, int x, int w, const char *title, bool focused)
{
    mvhline(y, x, '-', w);
    int attr = focused ? (color(C_FOCUS) | A_BOLD) : A_BOLD;
    text(y, x + 2, w - 4, attr, " %s ", title);
}

/* "t12 'leaf'" for the views; "-" for no task. */
static const char *label(const viz_model_t *m, uint64_t id, char *buf, size_t n)
{
    if (id == 0)
        return "-";
    return viz_task_label(m, id, buf, n);
}

/* Up to w columns of the queue's ids: "t14 t15 t16 ..." */
static void ids(int y, int x, int w, const viz_queue_t *q, int attr)
{
    char buf[512];
    size_t at = 0;
    for (size_t i = 0; i < viz_queue_len(q) && at + 24 < sizeof buf; i++) {
        int n = snprintf(buf + at, sizeof buf - at, "t%" PRIu64 " ",
                         viz_queue_at(q, i));
        if ((int)(at + (size_t)n) > w - 4) {
            snprintf(buf + at, sizeof buf - at, "...");
            at += 3;
            break;
        }
        at += (size_t)n;
    }
    buf[at] = 0;
    text(y, x, w, attr, "%s", buf);
}

/* True when the event with this sequence number was in the last step. */
static bool recent(const viz_session_t *s, uint64_t seq)
{
    return seq > s->mark && seq <= s->cursor && seq != 0;
}

/* ---- the title and the keys ---------------------------------------------- */

static void draw_title(viz_ui_t *ui)
{
    const viz_session_t *s = ui->s;
    /* The end is said where it is: at the last step. Before it (going back
     * after the run ended), the screen is the one that step had. */
    bool over = ui->finished && viz_session_at_end(s);
    char mode[64], events[48];
    if (over)
        snprintf(mode, sizeof mode, "FINISHED");
    else if (ui->paused)
        snprintf(mode, sizeof mode, "PAUSED");
    else if (ui->delay_ms == 0)
        snprintf(mode, sizeof mode, "RUNNING full speed");
    else
        snprintf(mode, sizeof mode, "RUNNING %d ms/step", ui->delay_ms);
    /* A replay's events are all known; a live run's beyond the cursor are
     * only as many as it happened to run ahead, so they are not counted. */
    if (ui->src == NULL)
        snprintf(events, sizeof events, "event %zu/%zu", s->cursor,
                 s->n_events);
    else
        snprintf(events, sizeof events, "event %zu", s->cursor);
    attron(color(C_TITLE) | A_BOLD);
    mvhline(0, 0, ' ', COLS);
    attroff(color(C_TITLE) | A_BOLD);
    text(0, 1, COLS - 2, color(C_TITLE) | A_BOLD,
         "asynclab viz  %s  step %" PRIu64 "  %s  t=%.3f ms  %s%s%s", mode,
         viz_session_step_number(s), events, (double)s->model.now_ns / 1e6,
         ui->o->title, over ? "  | " : "", over ? ui->ended : "");
}

static void draw_keys(viz_ui_t *ui)
{
    int y = LINES - 1;
    const char *keys = "space pause  s/right step  left back  +/- speed  "
                       "tab panel  enter detail  ? help  q quit";
    text(y, 0, COLS, A_REVERSE, "%-*s", COLS, keys);
    if (ui->status[0] != 0 && (int)strlen(keys) + 4 < COLS)
        text(y, (int)strlen(keys) + 2, COLS - (int)strlen(keys) - 2,
             A_REVERSE | A_BOLD, "| %s", ui->status);
}

/* ---- executor panels: ws ------------------------------------------------- */

static int state_attr(viz_worker_state_t st)
{
    switch (st) {
    case VIZ_WORKER_POLLING:
        return color(C_POLLING) | A_BOLD;
    case VIZ_WORKER_PARKED:
    case VIZ_WORKER_DRIVER:
        return color(C_PARKED);
    case VIZ_WORKER_BLOCKING:
        return color(C_WARN) | A_BOLD;
    default:
        return 0;
    }
}

/* "polling t12 'leaf'", or what its last poll did when that was in the
 * last step (a step is a whole poll, so the poll itself is never seen
 * running in step mode), or the state. */
static int lane_state(viz_ui_t *ui, const viz_worker_t *w, char *buf, size_t n)
{
    const viz_model_t *m = &ui->s->model;
    char lbuf[64];
    if (w->state == VIZ_WORKER_POLLING) {
        snprintf(buf, n, "polling %s", label(m, w->task, lbuf, sizeof lbuf));
        return state_attr(w->state);
    }
    if (recent(ui->s, w->last_seq) && w->state == VIZ_WORKER_IDLE) {
        snprintf(buf, n, "polled %s: %s",
                 label(m, w->last_task, lbuf, sizeof lbuf),
                 w->last_ready ? "Ready" : "Pending");
        return color(C_POLLING) | A_BOLD;
    }
    if (w->state == VIZ_WORKER_DRIVER)
        snprintf(buf, n, "parked, holds driver");
    else
        snprintf(buf, n, "%s", viz_worker_state_name(w->state));
    return state_attr(w->state);
}

static void draw_lane(viz_ui_t *ui, int y, uint32_t i)
{
    const viz_model_t *m = &ui->s->model;
    const viz_worker_t *w = &m->worker[i];
    char state[96], lbuf[64];
    int attr = lane_state(ui, w, state, sizeof state);
    text(y, 1, 3, A_BOLD, "w%u", i);
    text(y, 4, 31, attr, "%s", state);
    /* 16 columns: the task's name when it fits, else its id alone (the
     * table has the name), never a name cut short */
    const char *slot = w->lifo ? label(m, w->lifo, lbuf, sizeof lbuf) : "-";
    char id[24];
    if (strlen(slot) > 11) {
        snprintf(id, sizeof id, "t%" PRIu64, w->lifo);
        slot = id;
    }
    text(y, 36, 16, w->lifo ? A_BOLD : 0, "LIFO %s", slot);
    text(y, 53, 13, 0, "ring %3zu/%d", viz_queue_len(&w->ring), VIZ_RING_CAP);
    int x = 66, room = COLS - x - 1;
    if (recent(ui->s, w->steal_seq)) {
        char hot[48];
        snprintf(hot, sizeof hot, "<= stole %" PRIu64 " from w%u ",
                 w->steal_count, w->steal_from);
        text(y, x, room, color(C_HOT) | A_BOLD, "%s", hot);
        x += (int)strlen(hot);
        room = COLS - x - 1;
    }
    ids(y, x, room, &w->ring, 0);
}

/* The newest steal of any worker, in words, or nothing. */
static void draw_last_steal(viz_ui_t *ui, int y)
{
    const viz_model_t *m = &ui->s->model;
    const viz_worker_t *best = NULL;
    uint32_t thief = 0;
    for (uint32_t i = 0; i < m->workers; i++) {
        const viz_worker_t *w = &m->worker[i];
        if (w->steal_seq != 0 &&
            (best == NULL || w->steal_seq > best->steal_seq)) {
            best = w;
            thief = i;
        }
    }
    if (best == NULL) {
        text(y, 1, COLS - 2, A_DIM, "steals: none yet");
        return;
    }
    int attr = recent(ui->s, best->steal_seq) ? color(C_HOT) | A_BOLD : 0;
    text(y, 1, COLS - 2, attr,
         "last steal: w%u stole %" PRIu64 " task%s from w%u (event %" PRIu64
         ")   steals %" PRIu64 ", tasks moved %" PRIu64,
         thief, best->steal_count, best->steal_count == 1 ? "" : "s",
         best->steal_from, best->steal_seq, m->c.steals, m->c.stolen);
}

/* Lanes, the inject queue, the last steal. Returns rows used. */
static int draw_ws(viz_ui_t *ui, int y, int rows)
{
    const viz_model_t *m = &ui->s->model;
    section(y, 0, COLS, "workers: state, LIFO slot, local ring (front first)",
            false);
    uint32_t lanes = m->workers;
    if ((int)lanes > rows - 3)
        lanes = (uint32_t)(rows - 3 > 1 ? rows - 3 : 1);
    for (uint32_t i = 0; i < lanes; i++)
        draw_lane(ui, y + 1 + (int)i, i);
    int r = y + 1 + (int)lanes;
    text(r, 1, 16, A_BOLD, "inject (%zu):", viz_queue_len(&m->inject));
    ids(r, 18, COLS - 19, &m->inject, 0);
    draw_last_steal(ui, r + 1);
    return (int)lanes + 3;
}

static int ws_rows(const viz_model_t *m)
{
    return (int)m->workers + 3;
}

/* ---- executor panels: spin and notify ------------------------------------ */

static int draw_spin(viz_ui_t *ui, int y)
{
    const viz_model_t *m = &ui->s->model;
    char lbuf[64];
    section(y, 0, COLS, "spin executor: one deque, polled round-robin", false);
    text(y + 1, 1, 14, A_BOLD, "deque (%zu):", viz_queue_len(&m->ready));
    ids(y + 1, 16, COLS - 17, &m->ready, 0);
    const viz_worker_t *w = &m->worker[0];
    text(y + 2, 1, COLS - 2, state_attr(w->state), "polling: %s",
         w->state == VIZ_WORKER_POLLING ? label(m, w->task, lbuf, sizeof lbuf)
                                        : "-");
    uint64_t pct = m->c.polls ? 100 * m->c.pending_polls / m->c.polls : 0;
    text(y + 3, 1, COLS - 2, color(C_WARN) | A_BOLD,
         "wasted polls: %" PRIu64 " of %" PRIu64 " (%" PRIu64
         "%%): polls that answered Pending",
         m->c.pending_polls, m->c.polls, pct);
    return 4;
}

static const char *woke_by(const viz_model_t *m, const viz_task_t *t, char *buf,
                           size_t n)
{
    char other[48];
    switch (t->woken_by) {
    case TRACE_BY_TASK:
        if (t->woken_by_id == t->id)
            return "itself";
        snprintf(buf, n, "%s", label(m, t->woken_by_id, other, sizeof other));
        return buf;
    case TRACE_BY_WORKER:
        snprintf(buf, n, "w%" PRIu64, t->woken_by_id);
        return buf;
    case TRACE_BY_TIMER:
        return "timer";
    case TRACE_BY_IO:
        return "I/O";
    case TRACE_BY_THREAD:
        return "other thread";
    default:
        return "not woken yet";
    }
}

/* Rows of the notify panel's lists: as many entries as fit, and when
 * they do not all fit, the last row says how many more there are. */
static size_t list_shown(size_t n, int rows)
{
    return n > (size_t)rows ? (size_t)rows - 1 : n;
}

static int draw_notify(viz_ui_t *ui, int y, int rows)
{
    const viz_model_t *m = &ui->s->model;
    char lbuf[64], wbuf[64], title[64];
    int half = COLS / 2;
    size_t ready = viz_queue_len(&m->ready), waiting = 0;
    for (size_t i = 0; i < m->n_tasks; i++)
        waiting += m->tasks[i].state == VIZ_TASK_WAITING;
    snprintf(title, sizeof title, "ready queue (%zu, front first): woken by",
             ready);
    section(y, 0, half, title, false);
    snprintf(title, sizeof title, "waiting set (%zu): last woken by", waiting);
    section(y, half, COLS - half, title, false);
    int list = rows - 3 > 1 ? rows - 3 : 1;
    size_t shown = list_shown(ready, list);
    for (size_t i = 0; i < shown; i++) {
        uint64_t id = viz_queue_at(&m->ready, i);
        const viz_task_t *t = viz_model_task(m, id);
        if (t != NULL && t->woken_by != 0)
            text(y + 1 + (int)i, 1, half - 2, 0, "%-22s <- %s",
                 label(m, id, lbuf, sizeof lbuf),
                 woke_by(m, t, wbuf, sizeof wbuf));
        else
            text(y + 1 + (int)i, 1, half - 2, 0, "%s",
                 label(m, id, lbuf, sizeof lbuf));
    }
    if (ready > shown)
        text(y + 1 + (int)shown, 1, half - 2, A_DIM, "+%zu more", ready - shown);
    size_t wshown = list_shown(waiting, list), row = 0;
    for (size_t i = 0; i < m->n_tasks && row < wshown; i++) {
        const viz_task_t *t = &m->tasks[i];
        if (t->state != VIZ_TASK_WAITING)
            continue;
        text(y + 1 + (int)row++, half + 1, COLS - half - 2,
             t->lost ? color(C_WARN) | A_BOLD : 0, "%-22s <- %s",
             label(m, t->id, lbuf, sizeof lbuf),
             woke_by(m, t, wbuf, sizeof wbuf));
    }
    if (waiting > wshown)
        text(y + 1 + (int)wshown, half + 1, COLS - half - 2, A_DIM,
             "+%zu more", waiting - wshown);
    int r = y + 1 + list;
    const viz_worker_t *w = &m->worker[0];
    text(r, 1, half - 2, state_attr(w->state), "polling: %s",
         w->state == VIZ_WORKER_POLLING ? label(m, w->task, lbuf, sizeof lbuf)
                                        : viz_worker_state_name(w->state));
    text(r, half + 1, 16, A_BOLD, "remote (%zu):", viz_queue_len(&m->remote));
    ids(r, half + 17, COLS - half - 18, &m->remote, 0);
    return list + 2;
}

/* ---- the driver and the counters ----------------------------------------- */

/* "3 (L0:2 L1:1)": pending timers, and how many on each occupied level. */
static void timer_levels(const viz_driver_t *d, char *buf, size_t n)
{
    int levels[VIZ_WHEEL_LEVELS] = {0};
    for (size_t i = 0; i < d->n_timers; i++)
        levels[viz_timer_level(d->timers[i].deadline_ms, d->now_ms)]++;
    if (n == 0)
        return;
    snprintf(buf, n, "%zu", d->n_timers);
    size_t at = strlen(buf);
    const char *sep = " (";
    for (int l = 0; l < VIZ_WHEEL_LEVELS; l++) {
        if (levels[l] == 0)
            continue;
        char piece[40]; /* " (L12:2147483647": well under 40 */
        snprintf(piece, sizeof piece, "%sL%d:%d", sep, l, levels[l]);
        size_t len = strlen(piece);
        if (at + len + 2 > n) /* room for it, the ')' and the NUL */
            break;
        memcpy(buf + at, piece, len + 1);
        at += len;
        sep = " ";
    }
    if (*sep == ' ' && sep[1] == 0) {
        buf[at++] = ')';
        buf[at] = '\0';
    }
}

static void draw_driver(viz_ui_t *ui, int y)
{
    const viz_model_t *m = &ui->s->model;
    const viz_driver_t *d = &m->driver;
    section(y, 0, COLS, "driver and counters", false);
    char holder[24] = "-", next[64] = "-", timers[64], fds[64] = "";
    if (d->holder >= 0 && m->exec != VIZ_EXEC_WS)
        snprintf(holder, sizeof holder, "executor"); /* one thread, no w0 */
    else if (d->holder >= 0)
        snprintf(holder, sizeof holder, "w%" PRId64, d->holder);
    const viz_timer_t *first = NULL;
    for (size_t i = 0; i < d->n_timers; i++)
        if (first == NULL || d->timers[i].deadline_ms < first->deadline_ms)
            first = &d->timers[i];
    if (first != NULL)
        snprintf(next, sizeof next, "%" PRIu64 " ms (t%" PRIu64 ")",
                 first->deadline_ms, first->task);
    timer_levels(d, timers, sizeof timers);
    size_t at = 0;
    for (size_t i = 0; i < d->n_fds; i++) {
        char piece[24]; /* " " and at most 20 digits */
        snprintf(piece, sizeof piece, " %" PRIu64, d->fds[i]);
        size_t len = strlen(piece);
        if (at + len + 1 > sizeof fds)
            break; /* the count is shown too: a cut list is not a lie */
        memcpy(fds + at, piece, len + 1);
        at += len;
    }
    text(y + 1, 1, COLS - 2, 0,
         "driver: holder %s | clock %" PRIu64 " ms | next timer %s | timers %s"
         " | fds %zu%s | turns %" PRIu64 " | fired %" PRIu64,
         holder, d->now_ms, next, timers, d->n_fds, fds, m->c.driver_turns,
         m->c.timers_fired);
    char rate[32] = "-";
    double r = viz_model_poll_rate(m);
    if (r >= 0) /* in integers: a double's printed width has no bound */
        snprintf(rate, sizeof rate, "%" PRIu64 "/s",
                 r < 1e18 ? (uint64_t)(r + 0.5) : UINT64_C(1000000000000000000));
    /* Pending polls are waste only where nothing waits for a wake. */
    const char *pending = m->exec == VIZ_EXEC_SPIN ? "wasted" : "pending";
    text(y + 2, 1, COLS - 2, 0,
         "polls %" PRIu64 " (%s) | %s %" PRIu64 " | wakes %" PRIu64
         " (self %" PRIu64 ") | steals %" PRIu64 " (%" PRIu64
         " tasks) | parks %" PRIu64 " | spawned %" PRIu64 " | done %" PRIu64
         " | dropped %" PRIu64,
         m->c.polls, rate, pending, m->c.pending_polls, m->c.wakes,
         m->c.self_wakes, m->c.steals, m->c.stolen, m->c.parks, m->c.spawned,
         m->c.completed, m->dropped);
}

/* ---- the task table ------------------------------------------------------ */

static void where(const viz_task_t *t, char *buf, size_t n)
{
    switch (t->state) {
    case VIZ_TASK_QUEUED:
        switch (t->queue) {
        case TRACE_Q_LOCAL:
            snprintf(buf, n, "w%u ring", t->worker);
            return;
        case TRACE_Q_LIFO:
            snprintf(buf, n, "w%u LIFO", t->worker);
            return;
        case TRACE_Q_INJECT:
            snprintf(buf, n, "inject");
            return;
        case TRACE_Q_REMOTE:
            snprintf(buf, n, "remote");
            return;
        default:
            snprintf(buf, n, "ready");
            return;
        }
    case VIZ_TASK_RUNNING:
        snprintf(buf, n, "w%u", t->worker);
        return;
    default:
        snprintf(buf, n, "-");
    }
}

/* busy and idle as percentages of the task's life so far. */
static void shares(const viz_model_t *m, const viz_task_t *t, unsigned *busy,
                   unsigned *idle)
{
    bool over = t->state == VIZ_TASK_DONE || t->state == VIZ_TASK_FREED;
    uint64_t end = over ? t->since_ns : m->now_ns;
    uint64_t life = end > t->born_ns ? end - t->born_ns : 0;
    uint64_t idle_ns = t->idle_ns;
    if (t->state == VIZ_TASK_WAITING && m->now_ns > t->since_ns)
        idle_ns += m->now_ns - t->since_ns;
    *busy = life ? (unsigned)(100 * t->busy_ns / life) : 0;
    *idle = life ? (unsigned)(100 * idle_ns / life) : 0;
    if (*busy > 100)
        *busy = 100;
    if (*idle > 100)
        *idle = 100;
}

static void draw_task_row(viz_ui_t *ui, int y, int x, int w,
                          const viz_task_t *t, bool selected)
{
    const viz_model_t *m = &ui->s->model;
    char loc[16];
    unsigned busy, idle;
    where(t, loc, sizeof loc);
    shares(m, t, &busy, &idle);
    const char *name = viz_task_name(m, t);
    int attr = selected ? A_REVERSE : 0;
    if (t->state == VIZ_TASK_RUNNING)
        attr |= color(C_POLLING) | A_BOLD;
    if (t->lost || t->warned_slow || t->warned_self)
        attr |= color(C_WARN);
    text(y, x, w, attr,
         "%5" PRIu64 " %-14.14s %-7s %-8s %6" PRIu64 " %5" PRIu64 " %4" PRIu64
         " %4u%% %4u%%",
         t->id, name ? name : "",
         t->cancelled ? "cancel" : viz_task_state_name(t->state), loc, t->polls,
         t->wakes, t->self_wakes, busy, idle);
}

static void draw_tasks(viz_ui_t *ui, int y, int x, int w, int h)
{
    const viz_model_t *m = &ui->s->model;
    char title[64];
    snprintf(title, sizeof title, "tasks (%zu)", m->n_tasks);
    section(y, x, w, title, ui->focus == VIZ_PANEL_TASKS);
    text(y + 1, x, w, A_UNDERLINE, "%5s %-14s %-7s %-8s %6s %5s %4s %5s %5s",
         "id", "name", "state", "where", "polls", "wakes", "self", "busy",
         "idle");
    int rows = h - 2;
    if (rows <= 0 || m->n_tasks == 0)
        return;
    if (ui->task_sel >= m->n_tasks)
        ui->task_sel = m->n_tasks - 1;
    if (ui->task_sel < ui->task_top)
        ui->task_top = ui->task_sel;
    if (ui->task_sel >= ui->task_top + (size_t)rows)
        ui->task_top = ui->task_sel - (size_t)rows + 1;
    for (int i = 0; i < rows && ui->task_top + (size_t)i < m->n_tasks; i++) {
        size_t k = ui->task_top + (size_t)i;
        draw_task_row(ui, y + 2 + i, x, w, &m->tasks[k],
                      ui->focus == VIZ_PANEL_TASKS && k == ui->task_sel);
    }
}

/* ---- the event log and the warnings -------------------------------------- */

static void draw_log(viz_ui_t *ui, int y, int x, int w, int h)
{
    const viz_model_t *m = &ui->s->model;
    section(y, x, w, "event log (bold: the last step)",
            ui->focus == VIZ_PANEL_LOG);
    int rows = h - 1;
    size_t kept = m->log_total < VIZ_LOG_LINES ? m->log_total : VIZ_LOG_LINES;
    if (ui->log_back + (size_t)rows > kept)
        ui->log_back = kept > (size_t)rows ? kept - (size_t)rows : 0;
    for (int i = 0; i < rows; i++) {
        const viz_line_t *l = viz_model_log(m, ui->log_back + (size_t)i);
        if (l == NULL)
            break;
        int attr = recent(ui->s, l->seq) ? A_BOLD : 0;
        if (l->kind == TRACE_STEAL)
            attr |= color(C_HOT);
        if (l->kind == TRACE_LOST_WAKER)
            attr |= color(C_WARN) | A_BOLD;
        text(y + rows - i, x + 1, w - 1, attr, "#%-6" PRIu64 " %s", l->seq,
             l->text);
    }
}

/* The model's warnings (newest last; up/down scroll them), then as much
 * of the workload's output (stdout and stderr) as fits. */
static void draw_warnings(viz_ui_t *ui, int y, int h)
{
    const viz_model_t *m = &ui->s->model;
    char title[48];
    snprintf(title, sizeof title, "warnings (%zu)", m->n_warnings);
    section(y, 0, COLS, title, ui->focus == VIZ_PANEL_WARNINGS);
    size_t rows = (size_t)(h - 1), row = 0;
    size_t n = m->n_warnings;
    if (ui->warn_top + rows > n)
        ui->warn_top = n > rows ? n - rows : 0;
    size_t first = n > rows ? n - rows - ui->warn_top : 0;
    for (size_t k = first; k < n && row < rows; k++)
        text(y + 1 + (int)row++, 1, COLS - 2, color(C_WARN) | A_BOLD, "! %s",
             m->warnings[k].text);
    size_t notes = ui->n_notes < VIZ_NOTES ? ui->n_notes : VIZ_NOTES;
    size_t room = rows - row;
    size_t skip = notes > room ? notes - room : 0;
    for (size_t k = skip; k < notes; k++)
        text(y + 1 + (int)row++, 1, COLS - 2, A_DIM, "output: %s",
             ui->notes[(ui->n_notes - notes + k) % VIZ_NOTES]);
    if (n == 0 && notes == 0)
        text(y + 1, 1, COLS - 2, A_DIM, "none");
}

/* ---- overlays ------------------------------------------------------------ */

static void box_at(int y, int x, int h, int w, const char *title)
{
    for (int r = y; r < y + h; r++)
        mvhline(r, x, ' ', w);
    mvhline(y, x, '-', w);
    mvhline(y + h - 1, x, '-', w);
    mvvline(y, x, '|', h);
    mvvline(y, x + w - 1, '|', h);
    mvaddch(y, x, '+');
    mvaddch(y, x + w - 1, '+');
    mvaddch(y + h - 1, x, '+');
    mvaddch(y + h - 1, x + w - 1, '+');
    text(y, x + 2, w - 4, A_BOLD, " %s ", title);
}

static void draw_help(void)
{
    static const char *const lines[] = {
        "space       pause / resume",
        "s, right    one step: one scheduling decision",
        "left        one step back (the model is replayed to there)",
        "+ / -       faster / slower when running",
        "tab         next panel: tasks, event log, warnings",
        "up/down     move in the panel (pgup/pgdn: a page)",
        "enter       the selected task in detail",
        "?           this help          q  quit",
        "",
        "ws lanes: worker state, its LIFO slot (the task it runs next), its",
        "ring of 256 (front first); the inject queue is shared. A steal",
        "moves half of a victim's ring; it shows on the thief's lane.",
        "spin: wasted polls are polls of tasks not ready yet.",
        "notify: tasks wait until a waker moves them to the ready queue.",
        "warnings: lost wakers, tasks that mostly wake themselves, polls",
        "that held a worker more than 10 ms.",
    };
    int n = (int)(sizeof lines / sizeof lines[0]);
    int w = 72, h = n + 2;
    int y = (LINES - h) / 2, x = (COLS - w) / 2;
    box_at(y, x, h, w, "help (any key closes)");
    for (int i = 0; i < n; i++)
        text(y + 1 + i, x + 2, w - 4, 0, "%s", lines[i]);
}

static void draw_detail(viz_ui_t *ui)
{
    const viz_model_t *m = &ui->s->model;
    if (m->n_tasks == 0)
        return;
    const viz_task_t *t = &m->tasks[ui->task_sel];
    char lbuf[64], pbuf[64], wbuf[64], loc[16];
    unsigned busy, idle;
    shares(m, t, &busy, &idle);
    where(t, loc, sizeof loc);
    int w = 64, h = 14;
    int y = (LINES - h) / 2, x = (COLS - w) / 2;
    box_at(y, x, h, w, label(m, t->id, lbuf, sizeof lbuf));
    int r = y + 1, c = x + 2, cw = w - 4;
    text(r++, c, cw, 0, "state       %s (%s)", viz_task_state_name(t->state),
         loc);
    text(r++, c, cw, 0, "spawned by  %s",
         t->parent ? label(m, t->parent, pbuf, sizeof pbuf) : "outside");
    text(r++, c, cw, 0, "polls       %" PRIu64 " (%" PRIu64 " Pending)",
         t->polls, t->pending_polls);
    text(r++, c, cw, 0, "wakes       %" PRIu64 " (%" PRIu64 " by itself)",
         t->wakes, t->self_wakes);
    text(r++, c, cw, 0, "last woken  by %s", woke_by(m, t, wbuf, sizeof wbuf));
    text(r++, c, cw, 0, "busy        %.3f ms (%u%%), longest poll %.3f ms",
         (double)t->busy_ns / 1e6, busy, (double)t->max_poll_ns / 1e6);
    text(r++, c, cw, 0, "idle        %.3f ms (%u%%), queued %.3f ms",
         (double)t->idle_ns / 1e6, idle, (double)t->queued_ns / 1e6);
    text(r++, c, cw, 0, "born at     %.3f ms", (double)t->born_ns / 1e6);
    if (t->lost)
        text(r++, c, cw, color(C_WARN) | A_BOLD,
             "LOST WAKER: pending, and nothing can wake it");
    if (t->warned_slow)
        text(r++, c, cw, color(C_WARN) | A_BOLD,
             "a poll held its worker more than 10 ms");
    if (t->warned_self)
        text(r++, c, cw, color(C_WARN) | A_BOLD,
             "more than half of its wakes are its own");
    text(y + h - 2, c, cw, A_DIM, "enter or esc closes");
}

/* ---- the screen ---------------------------------------------------------- */

static void colors_once(void)
{
    static bool done;
    if (done || !viz__use_color())
        return;
    done = true;
    start_color();
    use_default_colors();
    init_pair(C_TITLE, COLOR_BLACK, COLOR_CYAN);
    init_pair(C_POLLING, COLOR_GREEN, -1);
    init_pair(C_PARKED, COLOR_BLUE, -1);
    init_pair(C_HOT, COLOR_YELLOW, -1);
    init_pair(C_WARN, COLOR_RED, -1);
    init_pair(C_FOCUS, COLOR_CYAN, -1);
}

static int draw_executor(viz_ui_t *ui, int y, int rows)
{
    switch (ui->s->model.exec) {
    case VIZ_EXEC_SPIN:
        return draw_spin(ui, y);
    case VIZ_EXEC_NOTIFY:
        return draw_notify(ui, y, rows);
    default:
        return draw_ws(ui, y, rows);
    }
}

/* How many rows the executor panel wants. */
static int executor_rows(const viz_model_t *m)
{
    switch (m->exec) {
    case VIZ_EXEC_SPIN:
        return 4;
    case VIZ_EXEC_NOTIFY:
        return 8;
    default:
        return ws_rows(m);
    }
}

/* Tasks and log: side by side on a wide screen, stacked otherwise. */
static void draw_bottom(viz_ui_t *ui, int y, int h)
{
    if (COLS >= 130) {
        int tw = 72;
        draw_tasks(ui, y, 0, tw, h);
        mvvline(y + 1, tw, '|', h - 1);
        draw_log(ui, y, tw + 1, COLS - tw - 1, h);
        return;
    }
    int th = h / 2;
    draw_tasks(ui, y, 0, COLS, th);
    draw_log(ui, y + th, 0, COLS, h - th);
}

void viz__draw(viz_ui_t *ui)
{
    colors_once();
    erase();
    if (LINES < VIZ_MIN_ROWS || COLS < VIZ_MIN_COLS) {
        text(0, 0, COLS, A_BOLD, "asynclab viz: terminal too small");
        text(1, 0, COLS, 0, "%dx%d, need %dx%d", COLS, LINES, VIZ_MIN_COLS,
             VIZ_MIN_ROWS);
        text(2, 0, COLS, 0, "enlarge it, or press q");
        refresh();
        return;
    }
    draw_title(ui);
    size_t said = ui->s->model.n_warnings + ui->n_notes;
    int warn_h = said > 2 ? 4 : said == 2 ? 3 : 2, driver_h = 3;
    int room = LINES - 2 - warn_h - driver_h; /* title, keys */
    int want = executor_rows(&ui->s->model);
    int ex_h = want < room - 8 ? want : room - 8; /* keep 8 for tasks+log */
    int y = 1;
    y += draw_executor(ui, y, ex_h);
    draw_driver(ui, y);
    y += driver_h;
    draw_bottom(ui, y, LINES - 1 - warn_h - y);
    draw_warnings(ui, LINES - 1 - warn_h, warn_h);
    draw_keys(ui);
    if (ui->show_detail)
        draw_detail(ui);
    if (ui->show_help)
        draw_help();
    refresh();
}
