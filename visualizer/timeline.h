/*
 * visualizer/timeline.h - the run across time: one row per worker, one for
 * the driver and one for the blocking pool, with what each was doing at
 * each moment, and the steals and wakes between them as marks. What go
 * tool trace and Perfetto draw, as rows of characters.
 *
 *   events ──> viz_timeline_feed ──> spans  per row: poll tN, search,
 *                                           parked, holding the driver,
 *                                           blocking jobs running
 *                                    marks  steal (victim -> thief),
 *                                           wake (waker's row -> the row
 *                                           the task was queued on),
 *                                           unpark, driver turn, timer
 *
 *   spans, marks + a view (axis, first unit, zoom, width)
 *           ──> viz_timeline_row / viz_timeline_gap ──> characters
 *
 * Both halves are pure: the spans are a function of the event prefix fed
 * so far, the characters a function of the spans and the view. No
 * terminal is involved (tests/test_viz_timeline.c); the panel that draws
 * them with ncurses is visualizer/timeline_view.c.
 *
 * The axis is either the events themselves (event i of the trace is unit
 * i, from 0): in a simulation the clock stands still between timers, so
 * time would put a whole run into one column; or time, in nanoseconds from
 * the first event. A column holds `scale / 16` units (scale 16: one event
 * per column; 4: four columns per event).
 *
 * What a row's cells say (worker rows):
 *   t12===   polling t12 (its label where it fits, then '=')
 *   ~        searching for work (in a simulation: a steal, before the
 *            poll it leads to)
 *   .        parked          D  parked in the driver, holding it
 *   (blank)  idle: between decisions
 * The driver row: "w1----" held by w1 (parked in it), '*' a driver turn,
 * 'T' a timer fired, 'I' an I/O event. The blocking row: 'B' while a
 * blocking job runs (a digit 2..9 for that many at once, '+' more).
 * Between two rows (a gap line): a mark that crosses it. A steal is drawn
 * '|' with its head 'V' (down) or 'A' (up) at the thief's row; a wake (or
 * an unpark) ':' with head 'v' or '^' at the woken task's row.
 */
#ifndef ASYNCLAB_VISUALIZER_TIMELINE_H
#define ASYNCLAB_VISUALIZER_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/trace.h"
#include "visualizer/model.h"

typedef enum viz_tl_what {
    VIZ_TL_POLL = 1, /* worker row: polling `task` */
    VIZ_TL_SEARCH,   /* worker row: looking for work to steal */
    VIZ_TL_PARKED,   /* worker row: asleep */
    VIZ_TL_DRIVER,   /* worker row: parked in the driver */
    VIZ_TL_HELD,     /* driver row: held by worker `task` */
    VIZ_TL_BLOCKING, /* blocking row: `task` jobs running */
} viz_tl_what_t;

/* One state of one row, from the event that began it to the one that
 * ended it (both included). An open span (the row is still in it) has
 * open set and ends at the last event fed. */
typedef struct viz_tl_span {
    uint32_t what; /* viz_tl_what_t */
    bool open;
    bool ready;    /* POLL: the poll answered Ready */
    uint64_t task; /* POLL: the task; HELD: the worker; BLOCKING: jobs */
    uint64_t from, to;     /* event indices (0-based) */
    uint64_t t_from, t_to; /* times, ns after the first event */
} viz_tl_span_t;

typedef enum viz_tl_mark_kind {
    VIZ_TL_STEAL = 1, /* from the victim's row to the thief's */
    VIZ_TL_WAKE,      /* from the waker's row to the woken task's */
    VIZ_TL_UNPARK,    /* from the unparker's row to the unparked */
    VIZ_TL_TURN,      /* driver row: a driver turn */
    VIZ_TL_TIMER,     /* driver row: a timer fired */
    VIZ_TL_IO,        /* driver row: an fd became ready */
} viz_tl_mark_kind_t;

#define VIZ_TL_NO_ROW UINT32_MAX

/* Something that happened at one event. from and to are slots: a worker's
 * number, VIZ_TL_DRIVER_SLOT or VIZ_TL_BLOCKING_SLOT (VIZ_TL_NO_ROW: not
 * known, as a wake from outside); from == to for marks on one row. */
typedef struct viz_tl_mark {
    uint32_t kind; /* viz_tl_mark_kind_t */
    uint32_t from, to;
    uint64_t at, t;    /* event index, time */
    uint64_t task;     /* WAKE: the woken task; TIMER: its task */
    uint64_t count;    /* STEAL: tasks moved */
} viz_tl_mark_t;

typedef struct viz_tl_row {
    viz_tl_span_t *spans; /* in order */
    size_t n, cap;
} viz_tl_row_t;

/* Worker rows 0 .. VIZ_MAX_WORKERS - 1, then these two. */
#define VIZ_TL_DRIVER_SLOT   VIZ_MAX_WORKERS
#define VIZ_TL_BLOCKING_SLOT (VIZ_MAX_WORKERS + 1)
#define VIZ_TL_SLOTS         (VIZ_MAX_WORKERS + 2)

typedef struct viz_timeline {
    uint32_t workers;    /* worker rows: at least as given, more if the
                            events name more */
    uint32_t workers_init; /* as given */
    uint64_t fed;        /* events fed */
    uint64_t t0, last_t; /* first event's time; last event's, after t0 */
    viz_tl_row_t slot[VIZ_TL_SLOTS];
    viz_tl_mark_t *marks; /* in order of `at` */
    size_t n_marks, cap_marks;
    int64_t holder;       /* the driver's holder, -1: none */
    uint64_t blocking;    /* blocking jobs running */
    size_t pending_wake;  /* a wake whose target row comes with the
                             task's SCHEDULE: index + 1, 0: none */
    bool oom;             /* memory ran out: spans or marks missing */
} viz_timeline_t;

void viz_timeline_init(viz_timeline_t *tl, uint32_t workers);
void viz_timeline_destroy(viz_timeline_t *tl);
/* Back to nothing fed (the worker count as given to init). */
void viz_timeline_reset(viz_timeline_t *tl);

/* Feed the next event of the trace (its index is tl->fed). */
void viz_timeline_feed(viz_timeline_t *tl, const trace_event_t *ev);

/* Screen rows: the workers, then the driver, then the blocking pool. */
uint32_t viz_timeline_rows(const viz_timeline_t *tl);
/* The screen row of a slot, VIZ_TL_NO_ROW for none. */
uint32_t viz_timeline_row_of(const viz_timeline_t *tl, uint32_t slot);
/* "w3", "driver", "blocking" into buf; returns buf. */
const char *viz_timeline_row_name(const viz_timeline_t *tl, uint32_t row,
                                  char *buf, size_t n);
/* The spans of a screen row (NULL past the last row), and how many. */
const viz_tl_span_t *viz_timeline_spans(const viz_timeline_t *tl,
                                        uint32_t row, size_t *n);

/* ---- the view: which units go in which column ---------------------------- */

typedef enum viz_tl_axis {
    VIZ_TL_EVENTS, /* unit: one event */
    VIZ_TL_TIME,   /* unit: one nanosecond */
} viz_tl_axis_t;

#define VIZ_TL_SCALE_ONE 16 /* scale of one unit per column */

typedef struct viz_tl_view {
    viz_tl_axis_t axis;
    uint64_t start; /* the unit at the left edge of column 0 */
    uint64_t scale; /* units per column, times 16 (4: 4 columns a unit) */
    int cols;       /* width in columns, 1 .. 4096 */
} viz_tl_view_t;

/* The scales zoom steps through, smallest first: 4, 8, 16, 32, ... */
uint64_t viz_timeline_scale(int level);
int viz_timeline_levels(void);
/* The smallest level whose scale shows `units` units in cols columns. */
int viz_timeline_fit_level(uint64_t units, int cols);

/* How many units the fed events span on the axis: events fed, or the
 * last event's time + 1. */
uint64_t viz_timeline_extent(const viz_timeline_t *tl, viz_tl_axis_t axis);
/* The unit of event index i on the axis (its time, on the time axis;
 * i must have been fed). */
uint64_t viz_timeline_pos(const viz_timeline_t *tl, viz_tl_axis_t axis,
                          uint64_t event_index, const trace_event_t *ev);

/* The last unit the view's columns hold. */
uint64_t viz_timeline_view_last(const viz_tl_view_t *v);

/* The column of a unit, or -1 when it is outside the view. */
int viz_timeline_col(const viz_tl_view_t *v, uint64_t unit);

/*
 * The view of cols columns at the given level that shows the unit `focus`
 * (the cursor), placed three quarters across when everything does not fit
 * (what happened before it matters more than the little recorded after),
 * moved `pan` columns (negative: earlier), never before unit 0 nor past
 * the extent. Everything fits: start 0.
 */
viz_tl_view_t viz_timeline_view(const viz_timeline_t *tl, viz_tl_axis_t axis,
                                int level, int cols, uint64_t focus,
                                long pan);

/* Row `row`'s cells in the view: v->cols characters and a NUL into out
 * (at least v->cols + 1 bytes). */
void viz_timeline_row(const viz_timeline_t *tl, uint32_t row,
                      const viz_tl_view_t *v, char *out);

/* The gap line between screen rows gap and gap + 1: the marks that cross
 * it, v->cols characters and a NUL. */
void viz_timeline_gap(const viz_timeline_t *tl, uint32_t gap,
                      const viz_tl_view_t *v, char *out);

/* "t12" (or "w3" for a held driver, a count for blocking): the label a
 * span carries in its cells. Returns buf. */
const char *viz_timeline_label(const viz_tl_span_t *s, char *buf, size_t n);

#endif
