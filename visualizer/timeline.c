/*
 * visualizer/timeline.c - the rows of the timeline from the events, and
 * their characters in a view (visualizer/timeline.h). No terminal here:
 * the panel is timeline_view.c.
 *
 * Feeding is O(1) per event (a wake looks for the worker polling its
 * waker: O(workers)). Drawing a row finds the first span in view by
 * binary search and paints forward; a column already touched by many
 * spans (a zoomed-out view of a long run) skips ahead by another search,
 * so a frame costs O(columns x log spans), whatever the run's length.
 *
 * Tests: tests/test_viz_timeline.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "visualizer/timeline.h"

#define MAX_COLS      4096
#define LEVELS        58 /* scales 4 << 0 .. 4 << 57 */
#define CELL_CROWDED  24 /* spans touching one column before we skip */

/* ---- feeding ------------------------------------------------------------- */

void viz_timeline_init(viz_timeline_t *tl, uint32_t workers)
{
    memset(tl, 0, sizeof *tl);
    if (workers > VIZ_MAX_WORKERS)
        workers = VIZ_MAX_WORKERS;
    tl->workers = tl->workers_init = workers > 0 ? workers : 1;
    tl->holder = -1;
}

void viz_timeline_destroy(viz_timeline_t *tl)
{
    for (size_t i = 0; i < VIZ_TL_SLOTS; i++)
        free(tl->slot[i].spans);
    free(tl->marks);
    memset(tl, 0, sizeof *tl);
}

void viz_timeline_reset(viz_timeline_t *tl)
{
    uint32_t workers = tl->workers_init;
    viz_tl_row_t keep[VIZ_TL_SLOTS];
    memcpy(keep, tl->slot, sizeof keep);
    viz_tl_mark_t *marks = tl->marks;
    size_t cap_marks = tl->cap_marks;
    memset(tl, 0, sizeof *tl);
    for (size_t i = 0; i < VIZ_TL_SLOTS; i++) {
        tl->slot[i].spans = keep[i].spans; /* the memory is kept */
        tl->slot[i].cap = keep[i].cap;
    }
    tl->marks = marks;
    tl->cap_marks = cap_marks;
    tl->workers = tl->workers_init = workers;
    tl->holder = -1;
}

static viz_tl_span_t *last_span(viz_timeline_t *tl, uint32_t slot)
{
    viz_tl_row_t *r = &tl->slot[slot];
    return r->n > 0 ? &r->spans[r->n - 1] : NULL;
}

/* The open span of a slot, or NULL. */
static viz_tl_span_t *open_span(viz_timeline_t *tl, uint32_t slot)
{
    viz_tl_span_t *s = last_span(tl, slot);
    return s != NULL && s->open ? s : NULL;
}

/* End the open span of slot at the event before idx (at idx when it began
 * there: every span holds at least its first event). */
static void close_before(viz_timeline_t *tl, uint32_t slot, uint64_t idx,
                         uint64_t t)
{
    viz_tl_span_t *s = open_span(tl, slot);
    if (s == NULL)
        return;
    s->open = false;
    s->to = idx > s->from ? idx - 1 : idx;
    s->t_to = t;
}

/* End the open span of slot at idx itself. */
static void close_at(viz_timeline_t *tl, uint32_t slot, uint64_t idx,
                     uint64_t t)
{
    viz_tl_span_t *s = open_span(tl, slot);
    if (s == NULL)
        return;
    s->open = false;
    s->to = idx;
    s->t_to = t;
}

static viz_tl_span_t *begin(viz_timeline_t *tl, uint32_t slot, uint32_t what,
                            uint64_t task, uint64_t idx, uint64_t t)
{
    close_before(tl, slot, idx, t);
    viz_tl_row_t *r = &tl->slot[slot];
    if (!ARRAY_GROW(r->spans, r->n, r->cap, 64, 0)) {
        tl->oom = true;
        return NULL;
    }
    viz_tl_span_t *s = &r->spans[r->n++];
    *s = (viz_tl_span_t){.what = what,
                         .open = true,
                         .task = task,
                         .from = idx,
                         .to = idx,
                         .t_from = t,
                         .t_to = t};
    return s;
}

static viz_tl_mark_t *mark(viz_timeline_t *tl, uint32_t kind, uint32_t from,
                           uint32_t to, uint64_t idx, uint64_t t)
{
    if (!ARRAY_GROW(tl->marks, tl->n_marks, tl->cap_marks, 64, 0)) {
        tl->oom = true;
        return NULL;
    }
    viz_tl_mark_t *m = &tl->marks[tl->n_marks++];
    *m = (viz_tl_mark_t){.kind = kind, .from = from, .to = to, .at = idx,
                         .t = t};
    return m;
}

/* The slot of a worker named by an event, growing the rows; NO_ROW when
 * it names none. */
static uint32_t worker_slot(viz_timeline_t *tl, uint64_t w)
{
    if (w >= VIZ_MAX_WORKERS)
        return VIZ_TL_NO_ROW;
    if (w >= tl->workers)
        tl->workers = (uint32_t)w + 1;
    return (uint32_t)w;
}

/* The worker polling task, or NO_ROW. */
static uint32_t polling(viz_timeline_t *tl, uint64_t task)
{
    for (uint32_t w = 0; w < tl->workers; w++) {
        viz_tl_span_t *s = open_span(tl, w);
        if (s != NULL && s->what == VIZ_TL_POLL && s->task == task)
            return w;
    }
    return VIZ_TL_NO_ROW;
}

static void release_driver(viz_timeline_t *tl, uint32_t w, uint64_t idx,
                           uint64_t t)
{
    if (tl->holder != (int64_t)w)
        return;
    close_at(tl, VIZ_TL_DRIVER_SLOT, idx, t);
    tl->holder = -1;
}

static void feed_wake(viz_timeline_t *tl, const trace_event_t *ev,
                      uint32_t w, uint64_t idx, uint64_t t)
{
    if (ev->a == TRACE_BY_TASK && ev->b == ev->task)
        return; /* a yield: its own row, nothing to draw between rows */
    uint32_t from = w;
    if (from == VIZ_TL_NO_ROW && (ev->a == TRACE_BY_TIMER ||
                                  ev->a == TRACE_BY_IO))
        from = VIZ_TL_DRIVER_SLOT;
    else if (from == VIZ_TL_NO_ROW && ev->a == TRACE_BY_TASK)
        from = polling(tl, ev->b);
    else if (from == VIZ_TL_NO_ROW && ev->a == TRACE_BY_WORKER)
        from = worker_slot(tl, ev->b);
    viz_tl_mark_t *m = mark(tl, VIZ_TL_WAKE, from, VIZ_TL_NO_ROW, idx, t);
    if (m == NULL)
        return;
    m->task = ev->task;
    tl->pending_wake = tl->n_marks;
}

/* A SCHEDULE names the queue a woken task went to: the wake's target. */
static void feed_schedule(viz_timeline_t *tl, const trace_event_t *ev,
                          uint32_t w)
{
    if (tl->pending_wake == 0)
        return;
    viz_tl_mark_t *m = &tl->marks[tl->pending_wake - 1];
    if (m->task != ev->task)
        return;
    tl->pending_wake = 0;
    if ((ev->a == TRACE_Q_LOCAL || ev->a == TRACE_Q_LIFO) && w != VIZ_TL_NO_ROW)
        m->to = w;
    else if ((ev->a == TRACE_Q_READY || ev->a == TRACE_Q_REMOTE) &&
             tl->workers == 1)
        m->to = 0; /* one executor thread: its row */
}

static void feed_blocking(viz_timeline_t *tl, bool start, uint64_t idx,
                          uint64_t t)
{
    if (start)
        tl->blocking++;
    else if (tl->blocking > 0)
        tl->blocking--;
    if (tl->blocking == 0)
        close_at(tl, VIZ_TL_BLOCKING_SLOT, idx, t);
    else
        begin(tl, VIZ_TL_BLOCKING_SLOT, VIZ_TL_BLOCKING, tl->blocking, idx, t);
}

void viz_timeline_feed(viz_timeline_t *tl, const trace_event_t *ev)
{
    uint64_t idx = tl->fed++;
    if (idx == 0)
        tl->t0 = ev->time_ns;
    /* The axis must not run backwards: an event that came in late (a live
     * run's stalled thread) is put at the time already reached. */
    uint64_t t = ev->time_ns > tl->t0 ? ev->time_ns - tl->t0 : 0;
    if (t < tl->last_t)
        t = tl->last_t;
    tl->last_t = t;
    uint32_t w = worker_slot(tl, ev->worker);
    viz_tl_span_t *s;
    viz_tl_mark_t *m;
    switch (ev->kind) {
    case TRACE_POLL_START:
        if (w == VIZ_TL_NO_ROW)
            break;
        release_driver(tl, w, idx, t);
        begin(tl, w, VIZ_TL_POLL, ev->task, idx, t);
        break;
    case TRACE_POLL_END:
        if (w == VIZ_TL_NO_ROW)
            break;
        s = open_span(tl, w);
        if (s == NULL || s->what != VIZ_TL_POLL)
            s = begin(tl, w, VIZ_TL_POLL, ev->task, idx, t); /* began
                                                                 before the
                                                                 trace */
        if (s == NULL)
            break;
        s->ready = ev->a != 0;
        close_at(tl, w, idx, t);
        break;
    case TRACE_SEARCH:
        if (w == VIZ_TL_NO_ROW)
            break;
        s = open_span(tl, w);
        if (s == NULL || s->what != VIZ_TL_SEARCH)
            begin(tl, w, VIZ_TL_SEARCH, 0, idx, t);
        break;
    case TRACE_STEAL:
        m = mark(tl, VIZ_TL_STEAL, worker_slot(tl, ev->a), w, idx, t);
        if (m != NULL)
            m->count = ev->task != 0 ? 1 : ev->b;
        if (w == VIZ_TL_NO_ROW)
            break;
        s = open_span(tl, w);
        if (s == NULL || s->what != VIZ_TL_SEARCH)
            begin(tl, w, VIZ_TL_SEARCH, 0, idx, t);
        break;
    case TRACE_PARK:
        if (w == VIZ_TL_NO_ROW)
            break;
        begin(tl, w, ev->a ? VIZ_TL_DRIVER : VIZ_TL_PARKED, 0, idx, t);
        if (ev->a) {
            release_driver(tl, (uint32_t)(tl->holder < 0 ? w : tl->holder),
                           idx, t);
            begin(tl, VIZ_TL_DRIVER_SLOT, VIZ_TL_HELD, w, idx, t);
            tl->holder = w;
        } else {
            release_driver(tl, w, idx, t);
        }
        break;
    case TRACE_UNPARK:
        if (w == VIZ_TL_NO_ROW)
            break;
        s = open_span(tl, w);
        if (s != NULL && (s->what == VIZ_TL_PARKED || s->what == VIZ_TL_DRIVER))
            close_at(tl, w, idx, t);
        release_driver(tl, w, idx, t);
        if (ev->a < VIZ_MAX_WORKERS && ev->a != w)
            mark(tl, VIZ_TL_UNPARK, worker_slot(tl, ev->a), w, idx, t);
        break;
    case TRACE_WAKE:
        feed_wake(tl, ev, w, idx, t);
        break;
    case TRACE_SCHEDULE:
        feed_schedule(tl, ev, w);
        break;
    case TRACE_DRIVER_TURN:
        mark(tl, VIZ_TL_TURN, VIZ_TL_DRIVER_SLOT, VIZ_TL_DRIVER_SLOT, idx, t);
        break;
    case TRACE_TIMER_FIRE:
        m = mark(tl, VIZ_TL_TIMER, VIZ_TL_DRIVER_SLOT, VIZ_TL_DRIVER_SLOT, idx,
                 t);
        if (m != NULL)
            m->task = ev->task;
        break;
    case TRACE_IO_READY:
        mark(tl, VIZ_TL_IO, VIZ_TL_DRIVER_SLOT, VIZ_TL_DRIVER_SLOT, idx, t);
        break;
    case TRACE_BLOCKING_START:
    case TRACE_BLOCKING_END:
        feed_blocking(tl, ev->kind == TRACE_BLOCKING_START, idx, t);
        break;
    default:
        break;
    }
}

/* ---- rows ---------------------------------------------------------------- */

uint32_t viz_timeline_rows(const viz_timeline_t *tl)
{
    return tl->workers + 2;
}

uint32_t viz_timeline_row_of(const viz_timeline_t *tl, uint32_t slot)
{
    if (slot < tl->workers)
        return slot;
    if (slot == VIZ_TL_DRIVER_SLOT)
        return tl->workers;
    if (slot == VIZ_TL_BLOCKING_SLOT)
        return tl->workers + 1;
    return VIZ_TL_NO_ROW;
}

static uint32_t slot_of(const viz_timeline_t *tl, uint32_t row)
{
    if (row < tl->workers)
        return row;
    if (row == tl->workers)
        return VIZ_TL_DRIVER_SLOT;
    if (row == tl->workers + 1)
        return VIZ_TL_BLOCKING_SLOT;
    return VIZ_TL_NO_ROW;
}

const char *viz_timeline_row_name(const viz_timeline_t *tl, uint32_t row,
                                  char *buf, size_t n)
{
    uint32_t slot = slot_of(tl, row);
    if (slot == VIZ_TL_DRIVER_SLOT)
        snprintf(buf, n, "driver");
    else if (slot == VIZ_TL_BLOCKING_SLOT)
        snprintf(buf, n, "blocking");
    else if (slot == VIZ_TL_NO_ROW)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "w%" PRIu32, slot);
    return buf;
}

const viz_tl_span_t *viz_timeline_spans(const viz_timeline_t *tl,
                                        uint32_t row, size_t *n)
{
    uint32_t slot = slot_of(tl, row);
    if (slot == VIZ_TL_NO_ROW) {
        *n = 0;
        return NULL;
    }
    *n = tl->slot[slot].n;
    return tl->slot[slot].spans;
}

const char *viz_timeline_label(const viz_tl_span_t *s, char *buf, size_t n)
{
    switch (s->what) {
    case VIZ_TL_POLL:
        snprintf(buf, n, "t%" PRIu64, s->task);
        break;
    case VIZ_TL_HELD:
        snprintf(buf, n, "w%" PRIu64, s->task);
        break;
    default:
        snprintf(buf, n, "%s", "");
    }
    return buf;
}

/* ---- the view ------------------------------------------------------------ */

uint64_t viz_timeline_scale(int level)
{
    if (level < 0)
        level = 0;
    if (level >= LEVELS)
        level = LEVELS - 1;
    return (uint64_t)4 << level;
}

int viz_timeline_levels(void)
{
    return LEVELS;
}

/* Units in cols columns at this scale. */
static uint64_t units_in(uint64_t scale, uint64_t cols)
{
    return scale >= VIZ_TL_SCALE_ONE ? cols * (scale / VIZ_TL_SCALE_ONE)
                                     : cols / (VIZ_TL_SCALE_ONE / scale);
}

int viz_timeline_fit_level(uint64_t units, int cols)
{
    if (cols < 1)
        cols = 1;
    for (int l = 0; l < LEVELS; l++)
        if (units_in(viz_timeline_scale(l), (uint64_t)cols) >= units)
            return l;
    return LEVELS - 1;
}

uint64_t viz_timeline_extent(const viz_timeline_t *tl, viz_tl_axis_t axis)
{
    if (axis == VIZ_TL_TIME)
        return tl->fed > 0 ? tl->last_t + 1 : 0;
    return tl->fed;
}

uint64_t viz_timeline_pos(const viz_timeline_t *tl, viz_tl_axis_t axis,
                          uint64_t event_index, const trace_event_t *ev)
{
    if (axis == VIZ_TL_EVENTS)
        return event_index;
    uint64_t t = ev->time_ns > tl->t0 ? ev->time_ns - tl->t0 : 0;
    return t > tl->last_t ? tl->last_t : t;
}

/* The column of a unit, unclipped (u >= v->start). */
static uint64_t col_raw(const viz_tl_view_t *v, uint64_t u)
{
    uint64_t d = u - v->start;
    if (v->scale >= VIZ_TL_SCALE_ONE)
        return d / (v->scale / VIZ_TL_SCALE_ONE);
    uint64_t per = VIZ_TL_SCALE_ONE / v->scale;
    return d > UINT64_MAX / per ? UINT64_MAX : d * per;
}

int viz_timeline_col(const viz_tl_view_t *v, uint64_t unit)
{
    if (unit < v->start)
        return -1;
    uint64_t c = col_raw(v, unit);
    return c < (uint64_t)v->cols ? (int)c : -1;
}

uint64_t viz_timeline_view_last(const viz_tl_view_t *v)
{
    uint64_t n = units_in(v->scale, (uint64_t)v->cols);
    if (n == 0)
        n = 1;
    return v->start > UINT64_MAX - n ? UINT64_MAX : v->start + n - 1;
}

/* The first unit of column c. */
static uint64_t col_unit(const viz_tl_view_t *v, uint64_t c)
{
    return v->start + units_in(v->scale, c);
}

viz_tl_view_t viz_timeline_view(const viz_timeline_t *tl, viz_tl_axis_t axis,
                                int level, int cols, uint64_t focus, long pan)
{
    if (cols < 1)
        cols = 1;
    if (cols > MAX_COLS)
        cols = MAX_COLS;
    viz_tl_view_t v = {.axis = axis, .scale = viz_timeline_scale(level),
                       .cols = cols};
    uint64_t extent = viz_timeline_extent(tl, axis);
    uint64_t shown = units_in(v.scale, (uint64_t)cols);
    if (shown == 0)
        shown = 1;
    if (extent <= shown)
        return v; /* everything fits: from the start */
    uint64_t lead = shown * 3 / 4;
    int64_t start = focus > lead ? (int64_t)(focus - lead) : 0;
    int64_t step = (int64_t)units_in(v.scale, 1);
    if (step == 0) /* a unit spans several columns: pan by units */
        step = 1;
    start += (int64_t)pan * step;
    int64_t max = (int64_t)(extent - shown);
    if (start > max)
        start = max;
    if (start < 0)
        start = 0;
    v.start = (uint64_t)start;
    return v;
}

/* ---- painting ------------------------------------------------------------ */

static uint64_t span_from(const viz_tl_span_t *s, viz_tl_axis_t axis)
{
    return axis == VIZ_TL_TIME ? s->t_from : s->from;
}

static uint64_t span_to(const viz_timeline_t *tl, const viz_tl_span_t *s,
                        viz_tl_axis_t axis)
{
    if (s->open)
        return axis == VIZ_TL_TIME ? tl->last_t : tl->fed - 1;
    return axis == VIZ_TL_TIME ? s->t_to : s->to;
}

/* The first span of r that ends at or after unit u. */
static size_t first_ending(const viz_timeline_t *tl, const viz_tl_row_t *r,
                           viz_tl_axis_t axis, uint64_t u)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (span_to(tl, &r->spans[mid], axis) < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t mark_pos(const viz_tl_mark_t *m, viz_tl_axis_t axis)
{
    return axis == VIZ_TL_TIME ? m->t : m->at;
}

/* The first mark at or after unit u. */
static size_t first_mark(const viz_timeline_t *tl, viz_tl_axis_t axis,
                         uint64_t u)
{
    size_t lo = 0, hi = tl->n_marks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mark_pos(&tl->marks[mid], axis) < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The columns a unit range [a, b] covers, clipped to the view; false when
 * it is outside. */
static bool cols_of(const viz_tl_view_t *v, uint64_t a, uint64_t b, int *c0,
                    int *c1)
{
    uint64_t last = viz_timeline_view_last(v);
    if (b < v->start || a > last)
        return false;
    if (a < v->start)
        a = v->start;
    if (b > last)
        b = last;
    /* from the column of a to the last column of b: the column b is in
     * when a column holds several units, the one before b + 1's when a
     * unit spans several columns */
    uint64_t x0 = col_raw(v, a);
    uint64_t x1 = col_raw(v, b), after = col_raw(v, b + 1);
    if (after > x1 + 1)
        x1 = after - 1;
    if (x1 >= (uint64_t)v->cols)
        x1 = (uint64_t)v->cols - 1;
    *c0 = (int)x0;
    *c1 = (int)x1;
    return true;
}

static int priority(const viz_tl_span_t *s)
{
    switch (s->what) {
    case VIZ_TL_POLL:
        return 6;
    case VIZ_TL_SEARCH:
        return 5;
    case VIZ_TL_DRIVER:
        return 4;
    case VIZ_TL_HELD:
        return 3;
    case VIZ_TL_PARKED:
        return 2;
    case VIZ_TL_BLOCKING:
        return 2 + (s->task > 9 ? 9 : (int)s->task);
    default:
        return 1;
    }
}

static char glyph(const viz_tl_span_t *s)
{
    switch (s->what) {
    case VIZ_TL_POLL:
        return '=';
    case VIZ_TL_SEARCH:
        return '~';
    case VIZ_TL_PARKED:
        return '.';
    case VIZ_TL_DRIVER:
        return 'D';
    case VIZ_TL_HELD:
        return '-';
    case VIZ_TL_BLOCKING:
        return s->task <= 1 ? 'B' : s->task <= 9 ? (char)('0' + s->task) : '+';
    default:
        return '?';
    }
}

/* Per column while painting a row. */
typedef struct cell {
    int prio;
    size_t owner; /* span index + 1, 0: none */
    unsigned touches;
} cell_t;

/* Write span k's label into its columns [c0, c1] when they are its own. */
static void label_span(const viz_tl_span_t *s, size_t k, int c0, int c1,
                       const cell_t *cells, char *out)
{
    if (s->what != VIZ_TL_POLL && s->what != VIZ_TL_HELD)
        return;
    char full[32];
    viz_timeline_label(s, full, sizeof full);
    /* "t12" where it fits, else "12", else the glyph alone */
    const char *text = full;
    size_t len = strlen(full);
    size_t room = (size_t)(c1 - c0 + 1);
    if (len > room) {
        text = full + 1;
        len--;
    }
    if (len > room || len == 0)
        return;
    for (size_t i = 0; i < len; i++) {
        const cell_t *c = &cells[c0 + (int)i];
        if (c->owner != k + 1 || c->touches != 1)
            return;
    }
    memcpy(out + c0, text, len);
}

/* Mark i at unit u: counted in its column; when that column has seen many
 * already (a zoomed-out view), the first mark of a later column instead
 * (or one past the last, which the caller's test of u ends on). */
static size_t skip_crowded(const viz_timeline_t *tl, const viz_tl_view_t *v,
                           unsigned *seen, uint64_t u, size_t i)
{
    int c = viz_timeline_col(v, u);
    if (c < 0 || ++seen[c] < CELL_CROWDED * 4)
        return i;
    size_t next = c + 1 < v->cols
                      ? first_mark(tl, v->axis, col_unit(v, (uint64_t)c + 1))
                      : tl->n_marks;
    if (next >= tl->n_marks)
        return tl->n_marks - 1; /* the last mark: drawn again, harmless */
    return next > i ? next : i;
}

/* The marks of the view, in order, with crowded columns skipped: mark
 * *i (moved on past a crowded column), or NULL once past the view. */
static const viz_tl_mark_t *mark_in_view(const viz_timeline_t *tl,
                                         const viz_tl_view_t *v,
                                         unsigned *seen, uint64_t last,
                                         size_t *i)
{
    uint64_t u = mark_pos(&tl->marks[*i], v->axis);
    if (u > last)
        return NULL;
    *i = skip_crowded(tl, v, seen, u, *i);
    const viz_tl_mark_t *m = &tl->marks[*i];
    return mark_pos(m, v->axis) > last ? NULL : m;
}

void viz_timeline_row(const viz_timeline_t *tl, uint32_t row,
                      const viz_tl_view_t *v, char *out)
{
    int cols = v->cols < 1 ? 1 : v->cols > MAX_COLS ? MAX_COLS : v->cols;
    memset(out, ' ', (size_t)cols);
    out[cols] = '\0';
    uint32_t slot = slot_of(tl, row);
    if (slot == VIZ_TL_NO_ROW || tl->fed == 0)
        return;
    static cell_t cells[MAX_COLS]; /* the UI thread's, and tests' */
    memset(cells, 0, sizeof cells[0] * (size_t)cols);
    const viz_tl_row_t *r = &tl->slot[slot];
    uint64_t last = viz_timeline_view_last(v);
    /* spans in view, painted by priority; remembered for the labels */
    size_t first = first_ending(tl, r, v->axis, v->start), end = first;
    for (size_t k = first; k < r->n; k = end) {
        end = k + 1;
        const viz_tl_span_t *s = &r->spans[k];
        uint64_t a = span_from(s, v->axis);
        if (a > last)
            break;
        int c0, c1;
        if (!cols_of(v, a, span_to(tl, s, v->axis), &c0, &c1))
            continue;
        int p = priority(s);
        for (int c = c0; c <= c1; c++) {
            cell_t *cell = &cells[c];
            cell->touches++;
            if (p > cell->prio) {
                cell->prio = p;
                cell->owner = k + 1;
                out[c] = glyph(s);
            }
        }
        /* Crowded: this column has seen enough; go on from the next. */
        if (c0 == c1 && cells[c0].touches >= CELL_CROWDED && c0 + 1 < cols) {
            size_t next = first_ending(tl, r, v->axis,
                                       col_unit(v, (uint64_t)c0 + 1));
            if (next > end)
                end = next;
        }
    }
    /* The labels, where a span has its columns to itself. */
    for (size_t k = first; k < end && k < r->n; k++) {
        const viz_tl_span_t *s = &r->spans[k];
        int c0, c1;
        if (cols_of(v, span_from(s, v->axis), span_to(tl, s, v->axis), &c0,
                    &c1))
            label_span(s, k, c0, c1, cells, out);
    }
    if (slot != VIZ_TL_DRIVER_SLOT)
        return;
    /* The driver's own marks: a turn, a timer, an fd */
    int prio[MAX_COLS] = {0};
    unsigned seen[MAX_COLS] = {0};
    for (size_t i = first_mark(tl, v->axis, v->start); i < tl->n_marks; i++) {
        const viz_tl_mark_t *m = mark_in_view(tl, v, seen, last, &i);
        if (m == NULL)
            break;
        uint64_t u = mark_pos(m, v->axis);
        int p = m->kind == VIZ_TL_TIMER  ? 3
                : m->kind == VIZ_TL_TURN ? 2
                : m->kind == VIZ_TL_IO   ? 1
                                         : 0;
        int c = viz_timeline_col(v, u);
        if (p == 0 || c < 0 || p <= prio[c])
            continue;
        prio[c] = p;
        out[c] = p == 3 ? 'T' : p == 2 ? '*' : 'I';
    }
}

void viz_timeline_gap(const viz_timeline_t *tl, uint32_t gap,
                      const viz_tl_view_t *v, char *out)
{
    int cols = v->cols < 1 ? 1 : v->cols > MAX_COLS ? MAX_COLS : v->cols;
    memset(out, ' ', (size_t)cols);
    out[cols] = '\0';
    int prio[MAX_COLS] = {0};
    unsigned seen[MAX_COLS] = {0};
    uint64_t last = viz_timeline_view_last(v);
    for (size_t i = first_mark(tl, v->axis, v->start); i < tl->n_marks; i++) {
        const viz_tl_mark_t *m = mark_in_view(tl, v, seen, last, &i);
        if (m == NULL)
            break;
        uint64_t u = mark_pos(m, v->axis);
        if (m->kind != VIZ_TL_STEAL && m->kind != VIZ_TL_WAKE &&
            m->kind != VIZ_TL_UNPARK)
            continue;
        uint32_t rf = viz_timeline_row_of(tl, m->from);
        uint32_t rt = viz_timeline_row_of(tl, m->to);
        if (rf == VIZ_TL_NO_ROW || rt == VIZ_TL_NO_ROW || rf == rt)
            continue;
        uint32_t lo = rf < rt ? rf : rt, hi = rf < rt ? rt : rf;
        if (gap < lo || gap >= hi)
            continue;
        bool down = rt > rf;
        bool head = down ? gap == hi - 1 : gap == lo;
        bool steal = m->kind == VIZ_TL_STEAL;
        int p = head ? (steal ? 4 : 3) : (steal ? 2 : 1);
        int c = viz_timeline_col(v, u);
        if (c < 0 || p <= prio[c])
            continue;
        prio[c] = p;
        out[c] = head ? (steal ? (down ? 'V' : 'A') : (down ? 'v' : '^'))
                      : (steal ? '|' : ':');
    }
}
