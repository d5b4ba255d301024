/*
 * visualizer/panels.c - the timeline panel and the tour's captions, drawn
 * with ncurses (visualizer/panels.h). The rows and the captions
 * themselves are pure and tested without a terminal: timeline.c and
 * tour.c.
 *
 * The timeline in its rectangle (`viz fanout --executor ws --workers 4
 * --sim --seed 7 --tasks 6 --rounds 1 --panel timeline`, 8 steps; cut at
 * 76 columns): the root t1 on w1 spawns, w0 steals from w1 (A: up to the
 * thief), w3 from w0 and then w2 from w0 (V: down to the thief).
 *
 *   -- timeline: events #1-#36 of 36 events, 2 columns an event (L hide,
 *   w0                                                   ~~t4==
 *                                                        A         |
 *   w1           t1====================================
 *                                                                  |
 *   w2
 *                                                                  V
 *   w3                                                             ~~t3==
 *
 *   driver
 *
 *   blocking
 *            #1                                                        ^
 *   t5== poll  ~ search  . parked  D in driver  | V A steal  : v ^ wake/u
 *
 * The panel shows the events up to the cursor (a live run) or all of them
 * (a replay: the whole file is known), so that a step's screen does not
 * depend on how far a live run happened to record ahead.
 *
 * The views call the hook's rows() once per frame before drawing; that is
 * where the caption is brought up to date with the cursor.
 *
 * Tests: tests/screen.sh (--panel timeline, the tour's captions in
 * --print-screen), tests/viz_panels.sh.
 */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "visualizer/escape.h"
#include "visualizer/panels.h"
#include "visualizer/timeline.h"
#include "visualizer/tour.h"

#define LABEL_W 9 /* "blocking " */

typedef struct panels {
    viz_panel_hook_t hook; /* first: ui->panel points here */
    viz_ui_t *ui;

    /* the timeline */
    bool shown;
    viz_tl_axis_t axis;
    int level;            /* -1: fit the whole run */
    long pan;             /* columns, from where the cursor puts the view */
    size_t pan_cursor;    /* the cursor when it panned: a step ends it */
    viz_timeline_t tl;

    /* the tour */
    bool narrate, hidden;
    viz_tour_t tour;
    bool tour_ok;
    size_t stopped;       /* caption index + 1 the run last paused at */
    char title[64];
    char text[VIZ_CAPTION_TEXT * 3 + 8];
} panels_t;

static panels_t *of(viz_ui_t *ui)
{
    return ui->panel != NULL ? (panels_t *)ui->panel->ctx : NULL;
}

/* ---- the events fed ------------------------------------------------------ */

/* The timeline up to the cursor (live) or to the end (a replay). */
static void timeline_sync(panels_t *p)
{
    const viz_session_t *s = p->ui->s;
    size_t end = p->ui->src == NULL ? s->n_events : s->cursor;
    if (end < p->tl.fed)
        viz_timeline_reset(&p->tl);
    while (p->tl.fed < end)
        viz_timeline_feed(&p->tl, &s->events[p->tl.fed]);
}

static void tour_sync(panels_t *p)
{
    const viz_session_t *s = p->ui->s;
    while (p->tour.fed < s->n_events)
        viz_tour_feed(&p->tour, &s->events[p->tour.fed]);
}

/* The step the cursor shows: events first .. last (1-based); false at the
 * start. */
static bool current_step(const viz_session_t *s, uint64_t *first,
                         uint64_t *last)
{
    if (s->cursor == 0 || s->history_full)
        return false;
    size_t j = s->cursor - 1;
    while (j > 0 && !viz_event_starts_step(&s->events[j]))
        j--;
    *first = j + 1;
    *last = s->cursor;
    return true;
}

/* The captions of the step at the cursor: how many, from *at. */
static size_t captions_here(panels_t *p, size_t *at)
{
    uint64_t first, last;
    if (!p->tour_ok || !current_step(p->ui->s, &first, &last))
        return 0;
    tour_sync(p);
    return viz_tour_in(&p->tour, first, last, at);
}

static void caption_update(panels_t *p)
{
    viz_ui_t *ui = p->ui;
    ui->caption = (viz_caption_t){NULL, NULL, NULL};
    size_t at, n = p->hidden ? 0 : captions_here(p, &at);
    if (n == 0)
        return;
    size_t len = 0;
    p->text[0] = '\0';
    for (size_t i = at; i < at + n; i++) {
        int w = snprintf(p->text + len, sizeof p->text - len, "%s%s",
                         i > at ? "\n" : "", p->tour.captions[i].text);
        if (w < 0 || (size_t)w >= sizeof p->text - len)
            break;
        len += (size_t)w;
    }
    snprintf(p->title, sizeof p->title, "the tour, %zu of %zu", at + n,
             viz_tour_entries());
    ui->caption.title = p->title;
    ui->caption.text = p->text;
    ui->caption.hint = ui->paused ? "space: go on   s: one step   left: back"
                                    "   c: hide captions"
                                  : "c: hide captions";
}

bool viz__panels_pause(viz_ui_t *ui)
{
    panels_t *p = of(ui);
    if (p == NULL || !p->tour_ok || p->hidden)
        return false;
    size_t at, n = captions_here(p, &at);
    if (n == 0 || p->stopped == at + n)
        return false;
    p->stopped = at + n;
    return true;
}

/* ---- the timeline panel -------------------------------------------------- */

static uint32_t rows_of(panels_t *p)
{
    uint32_t rows = viz_timeline_rows(&p->tl);
    uint32_t workers = p->ui->s->model.workers;
    /* the rows exist from the start, before any event names a worker */
    return rows > workers + 2 ? rows : workers + 2;
}

static int panel_rows(viz_ui_t *ui, int cols)
{
    (void)cols;
    panels_t *p = of(ui);
    if (p == NULL)
        return 0;
    if (p->narrate)
        caption_update(p);
    if (!p->shown)
        return 0;
    int r = (int)rows_of(p);
    return 1 + 2 * r - 1 + 2; /* title, rows and gaps, axis, legend */
}

static int level_of(panels_t *p, int cols)
{
    if (p->level >= 0)
        return p->level;
    return viz_timeline_fit_level(viz_timeline_extent(&p->tl, p->axis), cols);
}

/* The unit of the cursor's event (the last one applied); false: none. */
static bool cursor_unit(panels_t *p, uint64_t *unit)
{
    const viz_session_t *s = p->ui->s;
    if (s->cursor == 0 || s->cursor > p->tl.fed || s->history_full)
        return false;
    *unit = viz_timeline_pos(&p->tl, p->axis, s->cursor - 1,
                             &s->events[s->cursor - 1]);
    return true;
}

static void unit_words(const panels_t *p, uint64_t u, char *buf, size_t n)
{
    if (p->axis == VIZ_TL_TIME)
        snprintf(buf, n, "%.3f ms", (double)u / 1e6);
    else
        snprintf(buf, n, "#%" PRIu64, u + 1);
}

static void scale_words(const viz_tl_view_t *v, char *buf, size_t n)
{
    const char *unit = v->axis == VIZ_TL_TIME ? "ns" : "event";
    if (v->scale < VIZ_TL_SCALE_ONE)
        snprintf(buf, n, "%" PRIu64 " columns an %s",
                 VIZ_TL_SCALE_ONE / v->scale, unit);
    else if (v->axis == VIZ_TL_TIME)
        snprintf(buf, n, "%" PRIu64 " ns a column", v->scale / 16);
    else
        snprintf(buf, n, "%" PRIu64 " event%s a column", v->scale / 16,
                 v->scale == VIZ_TL_SCALE_ONE ? "" : "s");
}

static void put(int y, int x, int w, int attr, const char *s)
{
    if (w <= 0 || y < 0 || y >= LINES)
        return;
    attron(attr);
    mvaddnstr(y, x, s, w);
    attroff(attr);
}

static void panel_draw(viz_ui_t *ui, int y, int x, int h, int w)
{
    panels_t *p = of(ui);
    if (p == NULL || h < 2 || w < LABEL_W + 8)
        return;
    timeline_sync(p);
    if (ui->s->cursor != p->pan_cursor)
        p->pan = 0; /* a step: the view follows the cursor again */
    int cols = w - LABEL_W - 1;
    uint64_t cur = 0;
    bool has_cur = cursor_unit(p, &cur);
    viz_tl_view_t v = viz_timeline_view(&p->tl, p->axis, level_of(p, cols),
                                        cols, cur, p->pan);
    uint32_t rows = rows_of(p);
    /* what fits: every row, the gaps between them when there is room,
     * the axis, the legend */
    int body = h - 2; /* title, axis */
    bool gaps = body >= (int)(2 * rows - 1);
    bool legend = body >= (int)(2 * rows - 1) + 1;
    uint32_t shown = gaps || body >= (int)rows ? rows
                     : (uint32_t)(body > 0 ? body : 0);

    char title[256], scale[48], from[32], to[32], more[32] = "";
    uint64_t extent = viz_timeline_extent(&p->tl, p->axis);
    uint64_t last_unit = viz_timeline_view_last(&v);
    if (extent > 0 && last_unit >= extent)
        last_unit = extent - 1;
    scale_words(&v, scale, sizeof scale);
    unit_words(p, v.start, from, sizeof from);
    unit_words(p, last_unit, to, sizeof to);
    if (shown < rows)
        snprintf(more, sizeof more, ", +%u rows", rows - shown);
    if (extent == 0)
        snprintf(title, sizeof title,
                 " timeline: nothing yet (L hide, z/Z zoom, {} pan, a axis) ");
    else
        snprintf(title, sizeof title,
                 " timeline: %s %s-%s of %" PRIu64 " events, %s%s (L hide, "
                 "z/Z zoom, {} pan, a: %s) ",
                 p->axis == VIZ_TL_TIME ? "time" : "events", from, to,
                 p->tl.fed, scale, more,
                 p->axis == VIZ_TL_TIME ? "events" : "time");
    mvhline(y, x, '-', w);
    put(y, x + 2, w - 4, A_BOLD, title);

    int ccol = has_cur ? viz_timeline_col(&v, cur) : -1;
    char line[4097], name[16];
    int r = y + 1;
    for (uint32_t i = 0; i < shown; i++) {
        viz_timeline_row_name(&p->tl, i, name, sizeof name);
        put(r, x, LABEL_W, A_BOLD, name);
        viz_timeline_row(&p->tl, i, &v, line);
        put(r, x + LABEL_W, cols, 0, line);
        if (ccol >= 0)
            mvchgat(r, x + LABEL_W + ccol, 1, A_REVERSE, 0, NULL);
        r++;
        if (gaps && i + 1 < shown) {
            viz_timeline_gap(&p->tl, i, &v, line);
            put(r, x + LABEL_W, cols, 0, line);
            r++;
        }
    }
    /* the axis: where the view begins and ends, and the cursor with its
     * event beside it (an end's words give way to the cursor's) */
    memset(line, ' ', (size_t)cols);
    line[cols] = '\0';
    size_t lf = strlen(from), lt = strlen(to);
    int busy_from = cols, busy_to = -1; /* the columns the cursor's words use */
    if (ccol >= 0) {
        char here[40];
        unit_words(p, cur, here, sizeof here);
        int lh = (int)strlen(here);
        int at = ccol + 2 + lh <= cols ? ccol + 2
                 : ccol - 1 - lh >= 0  ? ccol - 1 - lh
                                       : -1;
        line[ccol] = '^';
        busy_from = busy_to = ccol;
        if (at >= 0) {
            memcpy(line + at, here, (size_t)lh);
            busy_from = at < ccol ? at : ccol;
            busy_to = at < ccol ? ccol : at + lh - 1;
        }
    }
    if (extent > 0 && (int)lf + 1 < busy_from && (int)lf <= cols)
        memcpy(line, from, lf);
    if (extent > 0 && (int)(lf + lt + 2) <= cols &&
        cols - (int)lt > busy_to + 1 && !(ccol >= 0 && last_unit == cur))
        memcpy(line + cols - (int)lt, to, lt);
    put(r++, x + LABEL_W, cols, 0, line);
    if (legend && r < y + h)
        put(r, x, w, A_DIM,
            "t5== poll  ~ search  . parked  D in driver  | V A steal  "
            ": v ^ wake/unpark  * turn  T timer  B blocking");
}

static bool panel_key(viz_ui_t *ui, int ch)
{
    panels_t *p = of(ui);
    if (p == NULL)
        return false;
    if (ch == 'c' && p->narrate) {
        p->hidden = !p->hidden;
        snprintf(ui->status, sizeof ui->status, "captions %s",
                 p->hidden ? "hidden (c shows them)" : "shown");
        return true;
    }
    if (ch == 'L') {
        p->shown = !p->shown;
        snprintf(ui->status, sizeof ui->status, "timeline %s",
                 p->shown ? "shown (L hides it)" : "hidden");
        return true;
    }
    if (!p->shown)
        return false;
    int cols = COLS - LABEL_W - 1 > 1 ? COLS - LABEL_W - 1 : 1;
    int level = level_of(p, cols);
    switch (ch) {
    case 'z':
        p->level = level > 0 ? level - 1 : 0;
        break;
    case 'Z': {
        int fit = viz_timeline_fit_level(viz_timeline_extent(&p->tl, p->axis),
                                         cols);
        p->level = level + 1 >= fit ? -1 : level + 1; /* out to the fit */
        break;
    }
    case '{':
    case '}':
        p->pan += (ch == '{' ? -1 : 1) * (long)(cols / 4 > 0 ? cols / 4 : 1);
        p->pan_cursor = ui->s->cursor;
        break;
    case 'a':
        p->axis = p->axis == VIZ_TL_EVENTS ? VIZ_TL_TIME : VIZ_TL_EVENTS;
        p->level = -1;
        p->pan = 0;
        break;
    default:
        return false;
    }
    return true;
}

/* ---- making and freeing -------------------------------------------------- */

const viz_panel_hook_t *viz__panels_new(viz_ui_t *ui)
{
    panels_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->hook = (viz_panel_hook_t){panel_rows, panel_draw, panel_key, p};
    p->ui = ui;
    p->level = -1;
    p->axis = VIZ_TL_EVENTS;
    p->shown = ui->o != NULL && ui->o->timeline;
    viz_timeline_init(&p->tl, ui->s->model.workers_init);
    const viz_model_t *m = &ui->s->model;
    p->narrate = ui->o != NULL && ui->o->narrate;
    if (p->narrate)
        p->tour_ok = viz_tour_init(&p->tour,
                                   m->exec == VIZ_EXEC_SPIN     ? "spin"
                                   : m->exec == VIZ_EXEC_NOTIFY ? "notify"
                                                                : "ws",
                                   m->workers_init, m->scenario, m->name_of,
                                   m->name_ctx) == 0;
    return &p->hook;
}

void viz__panels_free(viz_ui_t *ui)
{
    panels_t *p = of(ui);
    if (p == NULL)
        return;
    viz_timeline_destroy(&p->tl);
    if (p->tour_ok)
        viz_tour_destroy(&p->tour);
    free(p);
    ui->panel = NULL;
    ui->caption = (viz_caption_t){NULL, NULL, NULL};
}
