/*
 * visualizer/views.c - drawing the model with ncurses.
 *
 * One screen, redrawn whole every frame (ncurses sends only what changed):
 *
 *   title      mode, step, event, time, what runs (two rows when one is
 *              too narrow); "real time: the run goes on while paused"
 *   executor   spin: the deque; notify: ready queue, waiting set, remote
 *              queue; ws: a lane per worker (state, LIFO slot, ring), the
 *              inject queue, the last steal. Lanes that do not fit are
 *              one line "+N more lanes" with each ring's count (< and >
 *              scroll)
 *   panel      a rectangle for a panel another file draws (ui.h), if any
 *   driver     the driver and the counters, wrapped over two rows each
 *   tasks, log the task table (sorted, filtered) and the event log; side
 *              by side from 130 columns, stacked below
 *   warnings   each with its event number (Enter goes there), then the
 *              workload's own output
 *   keys       the keys that fit, a status or a prompt; "? help  q quit"
 *              always
 *
 * 80x24 is the smallest screen: it keeps the title, the status, every
 * queue's count and "q quit"; a bigger one shows more, never less. What
 * does not fit says so: "+N more".
 *
 * What the last step changed (events mark .. cursor of the session, and
 * the model at mark: viz_before_t) is marked in every panel it touched: a
 * '*' and bold on the lanes and task rows it named, the ring counts with
 * how much they moved, the counters that changed, a steal on both lanes
 * (the thief's tasks moved, the victim's loss), a task bumped out of a
 * LIFO slot; and the log's lines of the step in bold.
 *
 * Overlays: help (?), task detail (Enter), a caption (ui.h), drawn last.
 * A terminal smaller than 80x24 gets one message instead of the screen.
 *
 * Tests: tests/viz.sh captures this screen in tmux; tests/screen.sh
 * prints it (--print-screen) at 80x24 and 200x60.
 */
#include <curses.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
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

/* printf at (y, x), clipped to w columns; returns the columns drawn. */
__attribute__((format(printf, 5, 6))) static int
text(int y, int x, int w, int attr, const char *fmt, ...)
{
    if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
        return 0;
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
    int n = (int)strlen(safe);
    return n < w ? n : w;
}

static int color(int pair)
{
    return viz__use_color() ? COLOR_PAIR(pair) : 0;
}

static int hot(void)
{
    return color(C_HOT) | A_BOLD;
}

/* "-- title -----" across w columns; bright when the panel has focus.
 * Plain ASCII lines: the line-drawing set depends on the terminal's
 * charset handling, and a learner's terminal (or tmux) may not have it. */
static void section(int y, int x, int w, const char *title, bool focused)
{
    if (y < 0 || y >= LINES)
        return;
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

/* "+N more" takes this many columns at most. */
#define MORE_W 12

/* Up to w columns of the queue's ids, "t14 t15 t16 +5 more". */
static void ids(int y, int x, int w, const viz_queue_t *q, int attr)
{
    char buf[1100];
    size_t at = 0, n = viz_queue_len(q);
    for (size_t i = 0; i < n; i++) {
        char one[24], more[32];
        snprintf(one, sizeof one, "t%" PRIu64 " ", viz_queue_at(q, i));
        snprintf(more, sizeof more, "+%zu more", n - i);
        size_t len = strlen(one);
        /* this one fits, and after it either the end or a "+N more" */
        size_t after = i + 1 < n ? MORE_W : 0;
        if (at + len + after > (size_t)(w > 0 ? w : 0) ||
            at + len + 1 >= sizeof buf) {
            if (at + strlen(more) > (size_t)w)
                at = 0; /* not even that: the count alone */
            size_t len_more = strlen(more);
            if (at + len_more + 1 > sizeof buf)
                at = 0;
            memcpy(buf + at, more, len_more + 1);
            at += len_more;
            break;
        }
        memcpy(buf + at, one, len + 1);
        at += len;
    }
    buf[at] = 0;
    text(y, x, w, attr, "%s", buf);
}

/* Whether this frame marks what the last step changed: not while a live
 * run is followed at full speed, where "the last step" is everything
 * since the run was let go. Set by viz__draw. */
static bool marks_on;

/* True when the event with this sequence number was in the last step. */
static bool recent(const viz_session_t *s, uint64_t seq)
{
    return marks_on && seq > s->mark && seq <= s->cursor && seq != 0;
}

/* A value that the last step changed: hot (see marks_on). */
static int moved(uint64_t now, uint64_t before)
{
    return marks_on && now != before ? hot() : 0;
}

/* A run of "a | b | c" over at most max_rows rows of w columns, each
 * piece whole; what does not fit ends as "+N more". Returns rows used
 * (draw false: only counts them). */
typedef struct piece {
    char s[112];
    int attr;
} piece_t;

static int pieces_sep(int y, int x, int w, int max_rows, const piece_t *p,
                      int n, bool draw, const char *between)
{
    int row = 0, col = 0, gap = (int)strlen(between);
    for (int i = 0; i < n; i++) {
        int len = (int)strlen(p[i].s);
        int sep = col > 0 ? gap : 0;
        bool last_row = row + 1 >= max_rows;
        int reserve = last_row && i + 1 < n ? gap + MORE_W : 0;
        if (col > 0 && col + sep + len + reserve > w) {
            if (!last_row) {
                row++;
                col = 0;
                sep = 0;
                reserve = row + 1 >= max_rows && i + 1 < n ? gap + MORE_W : 0;
            }
        }
        if (col + sep + len + reserve > w && (col > 0 || last_row)) {
            if (draw)
                text(y + row, x + col, w - col, A_DIM, "%s+%d more",
                     col > 0 ? between : "", n - i);
            return row + 1;
        }
        if (draw) {
            if (sep)
                text(y + row, x + col, w - col, 0, "%s", between);
            text(y + row, x + col + sep, w - col - sep, p[i].attr, "%s",
                 p[i].s);
        }
        col += sep + len;
    }
    return row + 1;
}

static int pieces(int y, int x, int w, int max_rows, const piece_t *p, int n,
                  bool draw)
{
    return pieces_sep(y, x, w, max_rows, p, n, draw, " | ");
}

__attribute__((format(printf, 3, 4))) static void
add(piece_t *p, int attr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->s, sizeof p->s, fmt, ap);
    va_end(ap);
    p->attr = attr;
}

/* The events of the last step that name task id (or worker w). */
static bool task_touched(const viz_session_t *s, uint64_t id)
{
    if (s->history_full || !marks_on)
        return false;
    for (size_t i = s->mark; i < s->cursor && i < s->n_events; i++)
        if (s->events[i].task == id)
            return true;
    return false;
}

static bool worker_touched(const viz_session_t *s, uint32_t w)
{
    if (s->history_full || !marks_on)
        return false;
    for (size_t i = s->mark; i < s->cursor && i < s->n_events; i++) {
        const trace_event_t *ev = &s->events[i];
        if (ev->worker == w || (ev->kind == TRACE_STEAL && ev->a == w))
            return true;
    }
    return false;
}

/* ---- the title and the keys ---------------------------------------------- */

/* The title's rows: 1, or 2 when one row cannot hold it. */
static int title_rows(viz_ui_t *ui, char *top, size_t ntop, char *second,
                      size_t nsecond)
{
    const viz_session_t *s = ui->s;
    /* The end is said where it is: at the last step. Before it (going back
     * after the run ended), the screen is the one that step had. */
    bool over = ui->finished && viz_session_at_end(s);
    char mode[64], events[48], rt[64] = "";
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
    if (ui->o->real_time && ui->paused && !over && ui->src != NULL)
        snprintf(rt, sizeof rt, "  real time: the run goes on while paused");
    char head[256]; /* the time in integers: a double's width is unbounded */
    uint64_t us = s->model.now_ns / 1000;
    snprintf(head, sizeof head,
             "%s  step %" PRIu64 "  %s  t=%" PRIu64 ".%03u ms", mode,
             viz_session_step_number(s), events, us / 1000,
             (unsigned)(us % 1000));
    char end[160] = "";
    if (over)
        snprintf(end, sizeof end, "  | %s", ui->ended);
    int room = COLS - 2;
    size_t all = strlen(head) + 2 + strlen(ui->o->title) + strlen(end);
    if ((int)(strlen("asynclab viz  ") + all + strlen(rt)) <= room) {
        snprintf(top, ntop, "asynclab viz  %s  %s%s%s", head, ui->o->title,
                 end, rt);
        second[0] = 0;
        return 1;
    }
    if ((int)(all + strlen(rt)) <= room) {
        snprintf(top, ntop, "%s  %s%s%s", head, ui->o->title, end, rt);
        second[0] = 0;
        return 1;
    }
    /* Two rows: what runs and how it ended first (cut, and said so: the
     * second row has it whole), then the real-time notice. */
    snprintf(top, ntop, "%s  %s%s", head, ui->o->title, end);
    snprintf(second, nsecond, "%s%s", (int)all > room ? end + 4 : "",
             rt[0] && (int)all > room ? rt : rt + (rt[0] ? 2 : 0));
    return 2;
}

static int draw_title(viz_ui_t *ui)
{
    char top[512], second[512];
    int rows = title_rows(ui, top, sizeof top, second, sizeof second);
    for (int r = 0; r < rows; r++) {
        attron(color(C_TITLE) | A_BOLD);
        mvhline(r, 0, ' ', COLS);
        attroff(color(C_TITLE) | A_BOLD);
    }
    /* a row cut short ends in "..." */
    const char *row[2] = {top, second};
    for (int r = 0; r < rows; r++) {
        bool cut = (int)strlen(row[r]) > COLS - 2;
        text(r, 1, cut ? COLS - 5 : COLS - 2, color(C_TITLE) | A_BOLD, "%s",
             row[r]);
        if (cut)
            text(r, COLS - 4, 3, color(C_TITLE) | A_BOLD, "...");
    }
    return rows;
}

static const char *prompt_words(viz_prompt_t p)
{
    switch (p) {
    case VIZ_PROMPT_GOTO:
        return "go to (event N, or a time: 3.5ms): ";
    case VIZ_PROMPT_SEARCH:
        return "search the log: /";
    case VIZ_PROMPT_FILTER:
        return "filter (tN, wN, a kind, a name; empty: off): ";
    default:
        return "";
    }
}

static void draw_keys(viz_ui_t *ui)
{
    int y = LINES - 1;
    static const char *const keys[] = {
        "space pause", "s step", "left back", "g/G start/end", ": go to",
        "/ search",    "n/N next", "x steal",  "] warning",     "f filter",
        "o sort",      "tab panel", "enter detail",
    };
    const char *tail = "? help  q quit";
    attron(A_REVERSE);
    mvhline(y, 0, ' ', COLS);
    attroff(A_REVERSE);
    int right = COLS - (int)strlen(tail) - 1;
    text(y, right, (int)strlen(tail), A_REVERSE, "%s", tail);
    int x = 0, room = right - 2;
    if (ui->prompt != VIZ_PROMPT_NONE) {
        text(y, 0, room, A_REVERSE | A_BOLD, "%s%s_  (Enter, Esc)",
             prompt_words(ui->prompt), ui->input);
        return;
    }
    if (ui->status[0] != 0) {
        int n = (int)strlen(ui->status);
        if (n > room) {
            text(y, 0, room - 3, A_REVERSE | A_BOLD, "%s", ui->status);
            text(y, room - 3, 3, A_REVERSE | A_BOLD, "...");
            return;
        }
        x = text(y, 0, room, A_REVERSE | A_BOLD, "%s", ui->status) + 2;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        int len = (int)strlen(keys[i]);
        if (x + len > room)
            break;
        text(y, x, len, A_REVERSE, "%s", keys[i]);
        x += len + 2;
    }
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
 * running in step mode), or the state. In a simulation one worker moves
 * per step: one with work that did not move waits for its turn. */
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
        if ((int)strlen(buf) > 27) /* the id alone: the table has names */
            snprintf(buf, n, "polled t%" PRIu64 ": %s", w->last_task,
                     w->last_ready ? "Ready" : "Pending");
        return color(C_POLLING) | A_BOLD;
    }
    if (w->state == VIZ_WORKER_DRIVER)
        snprintf(buf, n, "parked, holds driver");
    else if (w->state == VIZ_WORKER_IDLE && ui->o->sim &&
             (viz_queue_len(&w->ring) > 0 || w->lifo != 0)) {
        snprintf(buf, n, "waiting for its turn");
        return A_DIM;
    } else
        snprintf(buf, n, "%s", viz_worker_state_name(w->state));
    return state_attr(w->state);
}

/* Columns of a lane's label: "w" and the widest number, and a space. */
static int lane_label_w(const viz_model_t *m)
{
    int digits = 1;
    for (uint32_t v = m->workers > 0 ? m->workers - 1 : 0; v >= 10; v /= 10)
        digits++;
    return digits + 2;
}

static void draw_lane(viz_ui_t *ui, int y, uint32_t i)
{
    viz_session_t *s = ui->s;
    const viz_model_t *m = &s->model;
    const viz_worker_t *w = &m->worker[i];
    char state[96];
    bool touched = worker_touched(s, i);
    int lw = lane_label_w(m);
    if (touched)
        text(y, 0, 1, hot(), "*");
    text(y, 1, lw, (i == ui->worker_sel ? A_REVERSE : 0) | A_BOLD, "w%u", i);
    int x = 1 + lw;
    int sw = COLS >= 120 ? 31 : 27;
    int attr = lane_state(ui, w, state, sizeof state);
    text(y, x, sw, attr, "%s", state);
    x += sw + 1;
    /* the slot: the task's name when it fits in 16 columns, else its id
     * alone (the table has the name), never a name cut short */
    bool slot_moved = marks_on && w->lifo != s->before.lifo[i];
    char slot[80] = "LIFO -", lbuf[64];
    if (w->lifo) {
        snprintf(slot, sizeof slot, "LIFO %s",
                 label(m, w->lifo, lbuf, sizeof lbuf));
        if (strlen(slot) > 16)
            snprintf(slot, sizeof slot, "LIFO t%" PRIu64, w->lifo);
    }
    text(y, x, 16, slot_moved ? hot() : w->lifo ? (int)A_BOLD : 0, "%s", slot);
    x += 17;
    size_t len = viz_queue_len(&w->ring);
    size_t was = marks_on ? s->before.ring[i] : len;
    char ring[72];
    if (len != was)
        snprintf(ring, sizeof ring, "ring %zu/%d %c%zu", len, VIZ_RING_CAP,
                 len > was ? '+' : '-', len > was ? len - was : was - len);
    else
        snprintf(ring, sizeof ring, "ring %zu/%d", len, VIZ_RING_CAP);
    text(y, x, 17, len != was ? hot() : 0, "%s", ring);
    x += (int)strlen(ring) + 1 > 14 ? (int)strlen(ring) + 1 : 14;
    int room = COLS - x - 1;
    /* what the step did to this lane, in words */
    char note[96] = "";
    if (recent(s, w->steal_seq)) {
        if (w->steal_first != 0 && w->steal_first != w->steal_last)
            snprintf(note, sizeof note,
                     "<= stole t%" PRIu64 "..t%" PRIu64 " from w%u ",
                     w->steal_first, w->steal_last, w->steal_from);
        else if (w->steal_first != 0)
            snprintf(note, sizeof note, "<= stole t%" PRIu64 " from w%u ",
                     w->steal_first, w->steal_from);
        else
            snprintf(note, sizeof note, "<= stole %" PRIu64 " from w%u ",
                     w->steal_count, w->steal_from);
    } else if (recent(s, w->robbed_seq)) {
        snprintf(note, sizeof note, "=> w%u took %" PRIu64 " ", w->robbed_by,
                 w->robbed_count);
    } else if (recent(s, w->bumped_seq)) {
        snprintf(note, sizeof note, "t%" PRIu64 " bumped out of LIFO ",
                 w->bumped);
    }
    if (note[0] != 0) {
        int used = text(y, x, room, hot(), "%s", note);
        x += used;
        room -= used;
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
    piece_t p[3];
    int n = 0;
    bool changed = moved(m->c.steals, ui->s->before.c.steals) != 0;
    if (best == NULL) {
        add(&p[n++], A_DIM, "steals: none yet");
    } else {
        int attr = recent(ui->s, best->steal_seq) ? hot() : 0;
        char range[48] = "";
        if (best->steal_first != 0 && best->steal_first != best->steal_last)
            snprintf(range, sizeof range, " (t%" PRIu64 "..t%" PRIu64 ")",
                     best->steal_first, best->steal_last);
        add(&p[n++], attr,
            "last steal #%" PRIu64 ": w%u stole %" PRIu64 " task%s from w%u%s",
            best->steal_seq, thief, best->steal_count,
            best->steal_count == 1 ? "" : "s", best->steal_from, range);
        add(&p[n++], changed ? hot() : 0, "in all %" PRIu64 " (%" PRIu64
            " tasks)", m->c.steals, m->c.stolen);
    }
    pieces(y, 1, COLS - 2, 1, p, n, true);
}

/* The lanes that do not fit, in one line with each ring's count. */
static void draw_more_lanes(viz_ui_t *ui, int y, uint32_t first, uint32_t shown)
{
    const viz_model_t *m = &ui->s->model;
    piece_t p[VIZ_MAX_WORKERS + 1];
    int n = 0;
    add(&p[n++], A_DIM, "+%u lanes (< >), rings:", m->workers - shown);
    for (uint32_t i = 0; i < m->workers; i++) {
        if (i >= first && i < first + shown)
            continue;
        size_t len = viz_queue_len(&m->worker[i].ring);
        add(&p[n++], moved(len, ui->s->before.ring[i]),
            "w%u:%zu%s", i, len, m->worker[i].lifo ? "+L" : "");
    }
    pieces_sep(y, 1, COLS - 2, 1, p, n, true, " ");
}

/* Lanes, the inject queue, the last steal, in rows rows. */
static int draw_ws(viz_ui_t *ui, int y, int rows)
{
    const viz_model_t *m = &ui->s->model;
    section(y, 0, COLS,
            "workers: state, LIFO slot, local ring (front first)", false);
    uint32_t room = (uint32_t)(rows - 3 > 1 ? rows - 3 : 1);
    uint32_t lanes = m->workers <= room ? m->workers : room - 1;
    if (lanes == 0)
        lanes = 1;
    if (ui->worker_sel >= m->workers)
        ui->worker_sel = 0;
    if (ui->worker_sel < ui->lane_top)
        ui->lane_top = ui->worker_sel;
    if (ui->worker_sel >= ui->lane_top + lanes)
        ui->lane_top = ui->worker_sel - lanes + 1;
    if (ui->lane_top + lanes > m->workers)
        ui->lane_top = m->workers > lanes ? m->workers - lanes : 0;
    int r = y + 1;
    for (uint32_t i = 0; i < lanes && ui->lane_top + i < m->workers; i++)
        draw_lane(ui, r++, ui->lane_top + i);
    if (lanes < m->workers)
        draw_more_lanes(ui, r++, ui->lane_top, lanes);
    size_t inj = viz_queue_len(&m->inject);
    char head[32];
    snprintf(head, sizeof head, "inject (%zu):", inj);
    text(r, 1, (int)strlen(head), moved(inj, ui->s->before.inject) | (int)A_BOLD,
         "%s", head);
    ids(r, 2 + (int)strlen(head), COLS - 3 - (int)strlen(head), &m->inject, 0);
    draw_last_steal(ui, r + 1);
    return r + 2 - y;
}

/* ---- executor panels: spin and notify ------------------------------------ */

static int draw_spin(viz_ui_t *ui, int y)
{
    const viz_model_t *m = &ui->s->model;
    char lbuf[64], head[32];
    section(y, 0, COLS, "spin executor: one deque, polled round-robin", false);
    size_t n = viz_queue_len(&m->ready);
    snprintf(head, sizeof head, "deque (%zu):", n);
    text(y + 1, 1, (int)strlen(head), moved(n, ui->s->before.ready) | (int)A_BOLD,
         "%s", head);
    ids(y + 1, 2 + (int)strlen(head), COLS - 3 - (int)strlen(head), &m->ready,
        0);
    const viz_worker_t *w = &m->worker[0];
    text(y + 2, 1, COLS - 2, state_attr(w->state), "polling: %s",
         w->state == VIZ_WORKER_POLLING ? label(m, w->task, lbuf, sizeof lbuf)
                                        : "-");
    uint64_t pct = m->c.polls ? 100 * m->c.pending_polls / m->c.polls : 0;
    text(y + 3, 1, COLS - 2, color(C_WARN) | A_BOLD,
         "wasted polls: %" PRIu64 " of %" PRIu64 " (%" PRIu64
         "%%): every Pending poll, since nothing waits for a wake",
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
        return "not yet";
    }
}

/* The same, short, for the table's column. */
static const char *woke_short(const viz_task_t *t, char *buf, size_t n)
{
    switch (t->woken_by) {
    case TRACE_BY_TASK:
        if (t->woken_by_id == t->id)
            return "itself";
        snprintf(buf, n, "t%" PRIu64, t->woken_by_id);
        return buf;
    case TRACE_BY_WORKER:
        snprintf(buf, n, "w%" PRIu64, t->woken_by_id);
        return buf;
    case TRACE_BY_TIMER:
        return "timer";
    case TRACE_BY_IO:
        return "I/O";
    case TRACE_BY_THREAD:
        return "thread";
    default:
        return "-";
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
    snprintf(title, sizeof title, "ready queue (%zu): woken by", ready);
    section(y, 0, half, title, false);
    snprintf(title, sizeof title, "waiting set (%zu): last woken by", waiting);
    section(y, half, COLS - half, title, false);
    int list = rows - 2 > 1 ? rows - 2 : 1;
    size_t shown = list_shown(ready, list);
    for (size_t i = 0; i < shown; i++) {
        uint64_t id = viz_queue_at(&m->ready, i);
        const viz_task_t *t = viz_model_task(m, id);
        int attr = task_touched(ui->s, id) ? A_BOLD : 0;
        if (t != NULL && t->woken_by != 0)
            text(y + 1 + (int)i, 1, half - 2, attr, "%-22s <- %s",
                 label(m, id, lbuf, sizeof lbuf),
                 woke_by(m, t, wbuf, sizeof wbuf));
        else
            text(y + 1 + (int)i, 1, half - 2, attr, "%s",
                 label(m, id, lbuf, sizeof lbuf));
    }
    if (ready > shown)
        text(y + 1 + (int)shown, 1, half - 2, A_DIM, "+%zu more", ready - shown);
    size_t wshown = list_shown(waiting, list), row = 0;
    for (size_t i = 0; i < m->n_tasks && row < wshown; i++) {
        const viz_task_t *t = &m->tasks[i];
        if (t->state != VIZ_TASK_WAITING)
            continue;
        int attr = t->lost ? color(C_WARN) | A_BOLD : 0;
        if (task_touched(ui->s, t->id))
            attr |= A_BOLD;
        text(y + 1 + (int)row++, half + 1, COLS - half - 2, attr, "%-22s <- %s",
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
    size_t rem = viz_queue_len(&m->remote);
    char head[32];
    snprintf(head, sizeof head, "remote (%zu):", rem);
    text(r, half + 1, (int)strlen(head), moved(rem, ui->s->before.remote) | (int)A_BOLD,
         "%s", head);
    ids(r, half + 2 + (int)strlen(head), COLS - half - 3 - (int)strlen(head),
        &m->remote, 0);
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

/* The driver's pieces and the counters' pieces. */
static int driver_pieces(viz_ui_t *ui, piece_t *p)
{
    const viz_model_t *m = &ui->s->model;
    const viz_driver_t *d = &m->driver;
    const viz_before_t *b = &ui->s->before;
    int n = 0;
    if (d->holder >= 0 && m->exec != VIZ_EXEC_WS)
        add(&p[n++], 0, "driver: held by the executor"); /* one thread */
    else if (d->holder >= 0)
        add(&p[n++], 0, "driver: held by w%" PRId64, d->holder);
    else
        add(&p[n++], 0, "driver: free");
    add(&p[n++], 0, "clock %" PRIu64 " ms", d->now_ms);
    /* "fds 4 (7 8 9 59)", the count first: a long list is cut, and says
     * so */
    char fds[36] = ""; /* a few: the count is what matters */
    char fmore[32] = "";
    size_t at = 0, i;
    for (i = 0; i < d->n_fds; i++) {
        char one[24];
        snprintf(one, sizeof one, "%s%" PRIu64, i ? " " : " (", d->fds[i]);
        size_t len = strlen(one);
        if (at + len + 14 > sizeof fds)
            break;
        memcpy(fds + at, one, len + 1);
        at += len;
    }
    if (i < d->n_fds)
        snprintf(fmore, sizeof fmore, " +%zu more)", d->n_fds - i);
    else if (at > 0)
        snprintf(fmore, sizeof fmore, ")");
    add(&p[n++], moved(d->n_fds, b->fds), "fds %zu%s%s", d->n_fds, fds, fmore);
    const viz_timer_t *first = NULL;
    for (size_t i = 0; i < d->n_timers; i++)
        if (first == NULL || d->timers[i].deadline_ms < first->deadline_ms)
            first = &d->timers[i];
    if (first != NULL)
        add(&p[n++], 0, "next timer %" PRIu64 " ms (t%" PRIu64 ")",
            first->deadline_ms, first->task);
    else
        add(&p[n++], 0, "next timer -");
    char timers[64];
    timer_levels(d, timers, sizeof timers);
    add(&p[n++], moved(d->n_timers, b->timers), "timers %s", timers);
    add(&p[n++], moved(m->c.driver_turns, b->c.driver_turns),
        "turns %" PRIu64, m->c.driver_turns);
    add(&p[n++], moved(m->c.timers_fired, b->c.timers_fired),
        "fired %" PRIu64, m->c.timers_fired);
    return n;
}

static int counter_pieces(viz_ui_t *ui, piece_t *p)
{
    const viz_model_t *m = &ui->s->model;
    const viz_counters_t *c = &m->c, *b = &ui->s->before.c;
    int n = 0;
#define CH(f) moved(c->f, b->f)
    char rate[32] = "-";
    double r = viz_model_poll_rate(m);
    if (r >= 0) /* in integers: a double's printed width has no bound */
        snprintf(rate, sizeof rate, "%" PRIu64 "/s",
                 r < 1e18 ? (uint64_t)(r + 0.5) : UINT64_C(1000000000000000000));
    add(&p[n++], CH(polls), "polls %" PRIu64 " (%s)", c->polls, rate);
    /* the same word as the task table's and compare's Pending polls:
     * waste only on spin, which says so in its panel */
    add(&p[n++], CH(pending_polls), "pending %" PRIu64, c->pending_polls);
    add(&p[n++], CH(wakes), "wakes %" PRIu64 " (self %" PRIu64 ")", c->wakes,
        c->self_wakes);
    if (m->exec == VIZ_EXEC_WS)
        add(&p[n++], CH(steals), "steals %" PRIu64 " (%" PRIu64 " tasks)",
            c->steals, c->stolen);
    add(&p[n++], CH(parks), "parks %" PRIu64, c->parks);
    add(&p[n++], CH(spawned), "spawned %" PRIu64, c->spawned);
    /* done is what completed; cancelled tasks are counted apart */
    add(&p[n++], CH(completed), "done %" PRIu64, c->completed - c->cancelled);
    if (c->cancelled > 0)
        add(&p[n++], CH(cancelled), "cancelled %" PRIu64, c->cancelled);
    if (m->dropped > 0)
        add(&p[n++], color(C_WARN) | A_BOLD, "dropped %" PRIu64, m->dropped);
#undef CH
    return n;
}

/* Rows of the driver panel at this width: its title, and at most two rows
 * for each of its two lines. */
static int driver_rows(viz_ui_t *ui)
{
    piece_t p[16];
    int n = driver_pieces(ui, p);
    int a = pieces(0, 1, COLS - 2, 2, p, n, false);
    n = counter_pieces(ui, p);
    int b = pieces(0, 1, COLS - 2, 2, p, n, false);
    return 1 + a + b;
}

static void draw_driver(viz_ui_t *ui, int y)
{
    section(y, 0, COLS, "driver and counters", false);
    piece_t p[16];
    int n = driver_pieces(ui, p);
    int r = pieces(y + 1, 1, COLS - 2, 2, p, n, true);
    n = counter_pieces(ui, p);
    pieces(y + 1 + r, 1, COLS - 2, 2, p, n, true);
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

static const char *const COLUMN_NAMES[VIZ_COL_COUNT] = {
    "id", "name", "state", "where", "polls", "wakes", "self", "busy", "idle",
    "woken by",
};

const char *viz__column_name(viz_column_t c)
{
    return (unsigned)c < VIZ_COL_COUNT ? COLUMN_NAMES[c] : "?";
}

static const char *state_word(const viz_task_t *t)
{
    return t->cancelled ? "cancel" : viz_task_state_name(t->state);
}

bool viz__filter_event(const viz_ui_t *ui, const trace_event_t *ev)
{
    const viz_filter_t *f = &ui->filter;
    switch (f->kind) {
    case VIZ_FILTER_TASK:
        return ev->task == f->value ||
               (ev->kind == TRACE_WAKE && ev->a == TRACE_BY_TASK &&
                ev->b == f->value) ||
               (ev->kind == TRACE_SPAWN && ev->a == f->value);
    case VIZ_FILTER_WORKER:
        return ev->worker == f->value ||
               (ev->kind == TRACE_STEAL && ev->a == f->value);
    case VIZ_FILTER_KIND:
        return strncmp(trace_kind_name((trace_kind_t)ev->kind), f->text,
                       strlen(f->text)) == 0;
    case VIZ_FILTER_NAME: {
        const viz_model_t *m = &ui->s->model;
        const char *name = viz_task_name(m, viz_model_task(m, ev->task));
        return name != NULL && strcmp(name, f->text) == 0;
    }
    default:
        return true;
    }
}

static bool filter_task(const viz_ui_t *ui, const viz_task_t *t)
{
    const viz_filter_t *f = &ui->filter;
    switch (f->kind) {
    case VIZ_FILTER_TASK:
        return t->id == f->value;
    case VIZ_FILTER_WORKER:
        return (t->state == VIZ_TASK_RUNNING ||
                (t->state == VIZ_TASK_QUEUED &&
                 (t->queue == TRACE_Q_LOCAL || t->queue == TRACE_Q_LIFO))) &&
               t->worker == f->value;
    case VIZ_FILTER_NAME: {
        const char *name = viz_task_name(&ui->s->model, t);
        return name != NULL && strcmp(name, f->text) == 0;
    }
    default:
        return true; /* a kind narrows the log only */
    }
}

/* qsort has no context: the table being sorted (UI thread only). */
static const viz_ui_t *sorting;

static uint64_t sort_key(const viz_model_t *m, const viz_task_t *t,
                         viz_column_t c)
{
    unsigned busy, idle;
    switch (c) {
    case VIZ_COL_STATE:
        return t->state;
    case VIZ_COL_WHERE:
        return t->state == VIZ_TASK_QUEUED
                   ? ((uint64_t)t->queue << 32) | t->worker
                   : t->state == VIZ_TASK_RUNNING ? (7ull << 32) | t->worker
                                                  : UINT64_MAX;
    case VIZ_COL_POLLS:
        return t->polls;
    case VIZ_COL_WAKES:
        return t->wakes;
    case VIZ_COL_SELF:
        return t->self_wakes;
    case VIZ_COL_BUSY:
        shares(m, t, &busy, &idle);
        return busy;
    case VIZ_COL_IDLE:
        shares(m, t, &busy, &idle);
        return idle;
    case VIZ_COL_WOKEN:
        return ((uint64_t)t->woken_by << 48) | (t->woken_by_id & 0xffffffffffff);
    default:
        return t->id;
    }
}

static int row_cmp(const void *pa, const void *pb)
{
    const viz_model_t *m = &sorting->s->model;
    const viz_task_t *a = &m->tasks[*(const size_t *)pa];
    const viz_task_t *b = &m->tasks[*(const size_t *)pb];
    int r = 0;
    if (sorting->sort == VIZ_COL_NAME) {
        const char *na = viz_task_name(m, a), *nb = viz_task_name(m, b);
        r = strcmp(na ? na : "", nb ? nb : "");
    } else {
        uint64_t ka = sort_key(m, a, sorting->sort);
        uint64_t kb = sort_key(m, b, sorting->sort);
        r = ka < kb ? -1 : ka > kb;
    }
    if (sorting->sort_desc)
        r = -r;
    if (r == 0) /* ties by id: the order is the same every time */
        r = a->id < b->id ? -1 : a->id > b->id;
    return r;
}

void viz__task_rows(viz_ui_t *ui)
{
    const viz_model_t *m = &ui->s->model;
    ui->n_rows = 0;
    for (size_t i = 0; i < m->n_tasks; i++) {
        if (!filter_task(ui, &m->tasks[i]))
            continue;
        if (!ARRAY_GROW(ui->rows, ui->n_rows, ui->cap_rows, 64, 0))
            break;
        ui->rows[ui->n_rows++] = i;
    }
    if (ui->sort != VIZ_COL_ID || ui->sort_desc) {
        sorting = ui;
        qsort(ui->rows, ui->n_rows, sizeof *ui->rows, row_cmp);
        sorting = NULL;
    }
}

static void draw_task_row(viz_ui_t *ui, int y, int x, int w,
                          const viz_task_t *t, bool selected)
{
    const viz_model_t *m = &ui->s->model;
    char loc[16], wb[32];
    unsigned busy, idle;
    where(t, loc, sizeof loc);
    shares(m, t, &busy, &idle);
    const char *name = viz_task_name(m, t);
    /* The column holds 12: a longer name is cut with a sign ("naive-sleep~"),
     * never silently. */
    char shown[16];
    snprintf(shown, sizeof shown, "%s", name != NULL ? name : "");
    if (name != NULL && strlen(name) > 12) {
        shown[11] = '~';
        shown[12] = 0;
    }
    bool touched = task_touched(ui->s, t->id);
    int attr = selected ? A_REVERSE : 0;
    if (t->state == VIZ_TASK_RUNNING)
        attr |= color(C_POLLING) | A_BOLD;
    if (t->lost || t->warned_slow || t->warned_self)
        attr |= color(C_WARN);
    if (touched) {
        attr |= A_BOLD;
        text(y, x, 1, hot(), "*");
    }
    text(y, x + 1, w - 1, attr,
         "%4" PRIu64 " %-12.12s %-7s %-8s %6" PRIu64 " %5" PRIu64 " %4" PRIu64
         " %4u%% %4u%% %s",
         t->id, shown, state_word(t), loc, t->polls, t->wakes,
         t->self_wakes, busy, idle, woke_short(t, wb, sizeof wb));
}

static void draw_tasks(viz_ui_t *ui, int y, int x, int w, int h)
{
    const viz_model_t *m = &ui->s->model;
    viz__task_rows(ui);
    int rows = h - 2;
    size_t list = rows > 0 ? (size_t)rows : 0;
    if (ui->n_rows > 0) {
        if (ui->task_sel >= ui->n_rows)
            ui->task_sel = ui->n_rows - 1;
        if (ui->task_sel < ui->task_top)
            ui->task_top = ui->task_sel;
        if (list > 0 && ui->task_sel >= ui->task_top + list)
            ui->task_top = ui->task_sel - list + 1;
        if (ui->task_top + list > ui->n_rows)
            ui->task_top = ui->n_rows > list ? ui->n_rows - list : 0;
    }
    size_t shown = ui->n_rows - ui->task_top < list ? ui->n_rows - ui->task_top
                                                    : list;
    /* the title says what the rows cannot: how many are not shown */
    char title[320], more[96] = "";
    if (shown < ui->n_rows)
        snprintf(more, sizeof more, ", +%zu more (%zu above, %zu below)",
                 ui->n_rows - shown, ui->task_top,
                 ui->n_rows - ui->task_top - shown);
    if (ui->filter.kind != VIZ_FILTER_NONE &&
        ui->filter.kind != VIZ_FILTER_KIND)
        snprintf(title, sizeof title, "tasks (%zu of %zu, filter %s)%s",
                 ui->n_rows, m->n_tasks, ui->filter.text, more);
    else
        snprintf(title, sizeof title, "tasks (%zu)%s", m->n_tasks, more);
    section(y, x, w, title, ui->focus == VIZ_PANEL_TASKS);
    /* the header, the sorted column marked (^ up, v down) */
    static const int widths[VIZ_COL_COUNT] = {4, 12, 7, 8, 6, 5, 4, 5, 5, 8};
    static const bool left[VIZ_COL_COUNT] = {0, 1, 1, 1, 0, 0, 0, 0, 0, 1};
    char head[160];
    size_t at = 0;
    for (int c = 0; c < VIZ_COL_COUNT; c++) {
        char name[24];
        snprintf(name, sizeof name, "%s%s", COLUMN_NAMES[c],
                 (int)ui->sort == c ? (ui->sort_desc ? "v" : "^") : "");
        at += (size_t)snprintf(head + at, sizeof head - at,
                               left[c] ? "%s%-*s" : "%s%*s", c ? " " : "",
                               widths[c], name);
        if (at >= sizeof head)
            break;
    }
    text(y + 1, x + 1, w - 1, A_UNDERLINE, "%s", head);
    if (rows <= 0)
        return;
    if (ui->n_rows == 0) {
        ui->task_id = 0;
        if (m->n_tasks > 0)
            text(y + 2, x + 1, w - 1, A_DIM, "no task passes the filter "
                 "(f, then Enter: off)");
        return;
    }
    for (size_t i = 0; i < shown; i++) {
        size_t k = ui->task_top + i;
        draw_task_row(ui, y + 2 + (int)i, x, w, &m->tasks[ui->rows[k]],
                      ui->focus == VIZ_PANEL_TASKS && k == ui->task_sel);
    }
    ui->task_id = m->tasks[ui->rows[ui->task_sel]].id;
}

/* ---- the event log and the warnings -------------------------------------- */

static void draw_log(viz_ui_t *ui, int y, int x, int w, int h)
{
    const viz_session_t *s = ui->s;
    const viz_model_t *m = &s->model;
    char title[320], filter[96] = "", back[64] = "";
    if (ui->filter.kind != VIZ_FILTER_NONE)
        snprintf(filter, sizeof filter, ", filter %s", ui->filter.text);
    if (ui->log_back > 0)
        snprintf(back, sizeof back, ", SCROLLED back %zu: F follows",
                 ui->log_back);
    snprintf(title, sizeof title, "event log (bold: the last step)%s%s",
             filter, back);
    section(y, x, w, title, ui->focus == VIZ_PANEL_LOG);
    int rows = h - 1;
    if (rows <= 0)
        return;
    /* the lines that pass the filter, newest first */
    const viz_line_t *shown[256];
    size_t passed = 0, skip = ui->log_back;
    for (size_t i = 0; passed < (size_t)rows && passed < 256; i++) {
        const viz_line_t *l = viz_model_log(m, i);
        if (l == NULL)
            break;
        if (ui->filter.kind != VIZ_FILTER_NONE) {
            bool ok = l->seq > 0 && l->seq <= s->n_events && !s->history_full
                          ? viz__filter_event(ui, &s->events[l->seq - 1])
                          : ui->filter.kind == VIZ_FILTER_KIND &&
                                strncmp(trace_kind_name((trace_kind_t)l->kind),
                                        ui->filter.text,
                                        strlen(ui->filter.text)) == 0;
            if (!ok)
                continue;
        }
        if (skip > 0) {
            skip--;
            continue;
        }
        shown[passed++] = l;
    }
    if (passed < (size_t)rows && ui->log_back > 0 && skip > 0) {
        /* scrolled past the oldest kept: back to where there is one */
        ui->log_back -= skip;
    }
    for (size_t i = 0; i < passed; i++) {
        const viz_line_t *l = shown[i];
        int attr = recent(s, l->seq) ? A_BOLD : 0;
        if (l->kind == TRACE_STEAL)
            attr |= color(C_HOT);
        if (l->kind == TRACE_LOST_WAKER)
            attr |= color(C_WARN) | A_BOLD;
        if (l->seq == ui->hit_seq)
            attr |= A_REVERSE;
        text(y + rows - (int)i, x + 1, w - 1, attr, "#%-6" PRIu64 " %s", l->seq,
             l->text);
    }
    if (passed == 0 && ui->filter.kind != VIZ_FILTER_NONE)
        text(y + 1, x + 1, w - 1, A_DIM, "no kept line passes the filter");
}

/* The model's warnings (newest last; up/down select one, Enter goes to its
 * event), then as much of the workload's output (stdout and stderr) as
 * fits. */
static void draw_warnings(viz_ui_t *ui, int y, int h)
{
    const viz_model_t *m = &ui->s->model;
    bool focused = ui->focus == VIZ_PANEL_WARNINGS;
    size_t rows = (size_t)(h - 1), row = 0;
    size_t n = m->n_warnings;
    if (n > 0 && ui->warn_sel >= n)
        ui->warn_sel = n - 1;
    size_t notes = ui->n_notes < VIZ_NOTES ? ui->n_notes : VIZ_NOTES;
    /* a line for the output when there is some and warnings fill it all */
    size_t list = notes > 0 && n >= rows && rows > 1 ? rows - 1 : rows;
    /* the selected one in view: newest at the bottom */
    size_t sel = n > 0 ? n - 1 - ui->warn_sel : 0;
    size_t first = n > list ? n - list : 0;
    if (sel < first)
        first = sel;
    size_t last = first + list < n ? first + list : n;
    char title[320], more[96] = "";
    if (last - first < n)
        snprintf(more, sizeof more, ", +%zu more (%zu earlier, %zu later)",
                 n - (last - first), first, n - last);
    snprintf(title, sizeof title, "warnings (%zu)%s%s", n, more,
             focused && n ? ": Enter goes to its event" : "");
    section(y, 0, COLS, title, focused);
    for (size_t k = first; k < last && row < list; k++) {
        const viz_warning_t *wn = &m->warnings[k];
        int attr = color(C_WARN) | A_BOLD;
        if (focused && k == sel)
            attr |= A_REVERSE;
        if (recent(ui->s, wn->seq))
            text(y + 1 + (int)row, 0, 1, hot(), "*");
        if (wn->seq > 0)
            text(y + 1 + (int)row++, 1, COLS - 2, attr, "! #%-5" PRIu64 " %s",
                 wn->seq, wn->text);
        else
            text(y + 1 + (int)row++, 1, COLS - 2, attr, "! %s", wn->text);
    }
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
        "space  pause / run           s, right  one step (one decision)",
        "left   one step back         + / -     faster / slower",
        "g G    start / end (Home End)  :       go to event N or time T",
        "/      search the event log  n N       next / previous match",
        "t T    next / prev event of the selected task",
        "w W    next / prev event of the selected worker (< > choose it)",
        "x X    next / prev steal     ] [       next / prev warning",
        "f      filter tasks and log: tN, wN, a kind (steal), a name",
        "o O    sort the tasks by the next column / reverse it",
        "F      follow: the log to its newest line, the run goes on",
        "tab    panel: tasks, log, warnings   up/down pgup/pgdn: move",
        "enter  the task in detail; on a warning: go to its event",
        "?      this help             q         quit",
        "",
        "A step is one scheduling decision; back shows what forward did.",
        "*: what the last step changed. ws lanes: state, LIFO slot (runs",
        "next), ring of 256 (front first); a steal moves the older half.",
        "Warnings: lost wakers, mostly self-woken tasks, polls over 10 ms.",
    };
    int n = (int)(sizeof lines / sizeof lines[0]);
    int w = 72, h = n + 2;
    if (h > LINES - 2) { /* a short screen: what fits, and says so */
        n = LINES - 5;
        h = n + 3;
    }
    int y = (LINES - h) / 2, x = (COLS - w) / 2;
    box_at(y, x, h, w, "help (any key closes)");
    for (int i = 0; i < n; i++)
        text(y + 1 + i, x + 2, w - 4, 0, "%s", lines[i]);
    int all = (int)(sizeof lines / sizeof lines[0]);
    if (n < all)
        text(y + 1 + n, x + 2, w - 4, A_DIM, "+%d more lines (a taller "
             "terminal shows them; --help has all keys)", all - n);
}

static void draw_detail(viz_ui_t *ui)
{
    const viz_model_t *m = &ui->s->model;
    const viz_task_t *t = viz_model_task(m, ui->task_id);
    if (t == NULL)
        return;
    char lbuf[64], pbuf[64], wbuf[64], loc[16];
    unsigned busy, idle;
    shares(m, t, &busy, &idle);
    where(t, loc, sizeof loc);
    int w = 64, h = 14;
    int y = (LINES - h) / 2, x = (COLS - w) / 2;
    box_at(y, x, h, w, label(m, t->id, lbuf, sizeof lbuf));
    int r = y + 1, c = x + 2, cw = w - 4;
    text(r++, c, cw, 0, "state       %s (%s)", state_word(t), loc);
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
    if (t->warned_self && r < y + h - 2)
        text(r++, c, cw, color(C_WARN) | A_BOLD,
             "more than half of its wakes are its own");
    text(y + h - 2, c, cw, A_DIM, "t/T: its next/previous event; enter closes");
}

/* The caption (ui.h): a box above the key bar, its words wrapped. */
static void draw_caption(viz_ui_t *ui)
{
    const viz_caption_t *cap = &ui->caption;
    if (cap->title == NULL)
        return;
    int w = COLS - 4 < 78 ? COLS - 4 : 78, inner = w - 4;
    char lines[12][128];
    int n = 0;
    const char *p = cap->text != NULL ? cap->text : "";
    while (*p != '\0' && n < 12) {
        int take = 0, space = -1;
        while (p[take] != '\0' && p[take] != '\n' && take < inner &&
               take < 127) {
            if (p[take] == ' ')
                space = take;
            take++;
        }
        int cut = take;
        if (p[take] != '\0' && p[take] != '\n' && space > 0)
            cut = space; /* at a space, when there is one */
        memcpy(lines[n], p, (size_t)cut);
        lines[n++][cut] = '\0';
        p += cut;
        if (*p == '\n' || *p == ' ')
            p++;
    }
    int h = n + 2 + (cap->hint != NULL);
    int y = LINES - 1 - h, x = (COLS - w) / 2;
    if (y < 1)
        y = 1;
    box_at(y, x, h, w, cap->title);
    for (int i = 0; i < n; i++)
        text(y + 1 + i, x + 2, inner, 0, "%s", lines[i]);
    if (cap->hint != NULL)
        text(y + h - 2, x + 2, inner, A_DIM, "%s", cap->hint);
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

/* How many rows the executor panel wants, and needs at least. */
static int executor_rows(const viz_model_t *m, int *least)
{
    switch (m->exec) {
    case VIZ_EXEC_SPIN:
        *least = 4;
        return 4;
    case VIZ_EXEC_NOTIFY: {
        size_t ready = viz_queue_len(&m->ready), waiting = 0;
        for (size_t i = 0; i < m->n_tasks; i++)
            waiting += m->tasks[i].state == VIZ_TASK_WAITING;
        size_t most = ready > waiting ? ready : waiting;
        *least = 5;
        return 2 + (int)(most > 5 ? most : 5);
    }
    default:
        *least = m->workers > 1 ? 5 : 4;
        return (int)m->workers + 3;
    }
}

/* Tasks and log: side by side on a wide screen, stacked otherwise. */
static void draw_bottom(viz_ui_t *ui, int y, int h)
{
    if (COLS >= 130) {
        int tw = 82;
        draw_tasks(ui, y, 0, tw, h);
        mvvline(y + 1, tw, '|', h - 1);
        draw_log(ui, y, tw + 1, COLS - tw - 1, h);
        return;
    }
    int th = h / 2;
    draw_tasks(ui, y, 0, COLS, th);
    draw_log(ui, y + th, 0, COLS, h - th);
}

#define MIN_BOTTOM 6 /* tasks: title, header, a row; log: title, 2 lines */

void viz__draw(viz_ui_t *ui)
{
    colors_once();
    marks_on = !(ui->src != NULL && !ui->paused && ui->delay_ms == 0);
    erase();
    if (LINES < VIZ_MIN_ROWS || COLS < VIZ_MIN_COLS) {
        text(0, 0, COLS, A_BOLD, "asynclab viz: terminal too small");
        text(1, 0, COLS, 0, "%dx%d, need %dx%d", COLS, LINES, VIZ_MIN_COLS,
             VIZ_MIN_ROWS);
        text(2, 0, COLS, 0, "enlarge it, or press q");
        refresh();
        return;
    }
    int y = draw_title(ui);
    size_t said = ui->s->model.n_warnings +
                  (ui->n_notes < VIZ_NOTES ? ui->n_notes : VIZ_NOTES);
    /* a line each, up to 3 (7 on a screen of 30 rows or more) */
    int warn_cap = LINES >= 30 ? 8 : 4;
    int warn_h = said + 1 < (size_t)warn_cap ? (int)said + 1 : warn_cap;
    if (warn_h < 2)
        warn_h = 2;
    int driver_h = driver_rows(ui);
    int room = LINES - 1 - y - warn_h - driver_h; /* the keys: 1 */
    int least, want = executor_rows(&ui->s->model, &least);
    int ex_h = want < room - MIN_BOTTOM ? want : room - MIN_BOTTOM;
    if (ex_h < least)
        ex_h = least;
    int panel_h = 0; /* a panel from another file (ui.h) */
    if (ui->panel != NULL && ui->panel->rows != NULL) {
        int pw = ui->panel->rows(ui, COLS);
        int left = room - ex_h - MIN_BOTTOM;
        panel_h = pw < left ? pw : left;
        if (panel_h < 2)
            panel_h = 0;
    }
    y += draw_executor(ui, y, ex_h);
    if (panel_h > 0) {
        ui->panel->draw(ui, y, 0, panel_h, COLS);
        y += panel_h;
    }
    draw_driver(ui, y);
    y += driver_h;
    draw_bottom(ui, y, LINES - 1 - warn_h - y);
    draw_warnings(ui, LINES - 1 - warn_h, warn_h);
    draw_keys(ui);
    draw_caption(ui);
    if (ui->show_detail)
        draw_detail(ui);
    if (ui->show_help)
        draw_help();
    refresh();
}
