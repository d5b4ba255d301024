/*
 * visualizer/viz.h - the visualizer: a session (events recorded, a cursor
 * into them, the model at the cursor) and the terminal UI over it.
 *
 *   live:    executor ──TRACE──> trace blocks ──drain──> session ──> views
 *               ^                                            │
 *               └──────── grant(n): n more decisions <── keys (s, space)
 *
 *   replay:  trace file ──────────────────────────────> session ──> views
 *
 * A session keeps every event it saw, so the left arrow steps back through
 * a live run as well as through a file: the model is rebuilt from the
 * start up to the step before (model.h). The visualizer knows no executor
 * and no scenario: a live source is a few callbacks (viz_source_t), which
 * cli/viz_live.c implements over a scenario run on a real executor; its
 * events come through the same lossless per-thread blocks a trace file
 * gets (trace/live.h), so the live view sees what a recording would.
 *
 * Tests: tests/test_viz_session.c (the session), tests/viz.sh (the TUI in
 * tmux).
 */
#ifndef ASYNCLAB_VISUALIZER_VIZ_H
#define ASYNCLAB_VISUALIZER_VIZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/trace.h"
#include "visualizer/model.h"

/* ---- the session --------------------------------------------------------- */

#define VIZ_HISTORY_MAX (4u << 20) /* events kept for stepping back */

/* What the model held when the last step began (at the session's mark):
 * the views mark what the step changed against it. */
typedef struct viz_before {
    viz_counters_t c;
    size_t ring[VIZ_MAX_WORKERS];
    uint64_t lifo[VIZ_MAX_WORKERS];
    size_t inject, ready, remote, timers, fds, warnings;
} viz_before_t;

typedef struct viz_session {
    trace_sink_t sink;     /* first: draining a source into it appends */
    viz_model_t model;     /* the state after events[0 .. cursor) */
    trace_event_t *events; /* everything seen, oldest first */
    size_t n_events, cap_events;
    size_t cursor;
    size_t mark;       /* cursor before the last move: what the last
                          step did is events[mark .. cursor) */
    uint64_t seen;     /* events appended, kept or not */
    uint64_t steps;    /* steps the model has entered (the step number) */
    uint64_t applied;  /* events the model has applied */
    bool history_full; /* past VIZ_HISTORY_MAX: new events are applied
                          but not kept, and stepping back is off */
    bool hold;         /* do not follow: new events are only recorded
                          (a paused view of a run that goes on) */
    viz_before_t before; /* the model at mark */
} viz_session_t;

int viz_session_init(viz_session_t *s, const char *exec, uint32_t workers,
                     const char *scenario, viz_name_fn name_of, void *ctx);
void viz_session_destroy(viz_session_t *s);

/* Record an event. When the cursor is at the end (following the run) and
 * hold is off, it is applied at once. */
void viz_session_append(viz_session_t *s, const trace_event_t *ev);

/* Move the cursor to the next step boundary within what was recorded
 * (model.h: viz_event_starts_step). False when already at the end. */
bool viz_session_forward(viz_session_t *s);

/* Move the cursor back to the previous step boundary, rebuilding the
 * model. False at the start, or when the history was not kept. */
bool viz_session_back(viz_session_t *s);

/* Catch up with everything recorded. */
void viz_session_to_end(viz_session_t *s);

/* Back to before the first event (a replay starts there). */
void viz_session_rewind(viz_session_t *s);

bool viz_session_at_end(const viz_session_t *s);

/* Where the step holding events[i] ends: the cursor after it (the next
 * step boundary after i, or n_events). */
size_t viz_session_step_end(const viz_session_t *s, size_t i);

/* Where the step that ends at cursor position `to` began (0 for 0). */
size_t viz_session_step_start(const viz_session_t *s, size_t to);

/* Jump: the cursor to `to` (a step boundary; anything else is taken to
 * the end of its step), shown exactly as stepping there would show it:
 * the same model, step number and last step (mark). Forward applies from
 * the cursor; back replays from the start. False when it did not move
 * (already there, or back with the history not kept). */
bool viz_session_goto(viz_session_t *s, size_t to);

/* The step number: how many steps forward from the start reach the
 * cursor (0 at the start; the events before the first decision are step
 * 1). */
uint64_t viz_session_step_number(const viz_session_t *s);

/* ---- the terminal UI ----------------------------------------------------- */

/* A live run, as the UI drives it. */
typedef struct viz_source {
    /* n > 0: allow n more scheduling decisions; 0: stop after the
     * current one; -1: run freely. Called on the UI thread. */
    void (*grant)(void *ctx, long n);
    /* Decisions taken so far. */
    uint64_t (*steps_done)(void *ctx);
    /* True once the workload has ended; status gets one line about how
     * ("finished: 64 tasks", "failed: a lost wakeup"). */
    bool (*finished)(void *ctx, char *status, size_t n);
    /* Hand the events recorded so far to out, oldest first; last: the
     * workload has ended (finished said so), hand over the rest. Returns
     * how many. */
    size_t (*drain)(void *ctx, trace_sink_t *out, bool last);
    /* Events the recording lost, and events that came in after later
     * ones (a recording thread stalled longer than the reader waits). */
    void (*losses)(void *ctx, uint64_t *dropped, uint64_t *late);
    void *ctx;
    bool can_step;        /* false: the run cannot be paced (ws threads
                             without a gate): keys only move the view */
} viz_source_t;

typedef struct viz_options {
    const char *title; /* "fanout on ws (4 workers, sim seed 7)" */
    bool step;         /* start paused: one decision per key */
    int slow_ms;       /* running: pause between decisions (0: full
                          speed) */
    int stderr_fd;     /* -1, or a pipe carrying the workload's output
                          (stdout and stderr), shown as notes */
    int screen_fd;     /* the terminal to draw on; 0: stdout (a caller
                          that moved stdout into the pipe passes the real
                          one, kept aside) */
    bool sim;          /* a ws simulation: one worker moves per step, so
                          a worker with work that did not move is
                          "waiting for its turn", not idle */
    bool real_time;    /* the run's clock is the real one: while paused
                          the header says the run goes on */
    bool timeline;     /* start with the timeline panel shown (key L) */
    bool narrate;      /* the tour's captions (visualizer/panels.h) */
} viz_options_t;

/* Run the UI over a live source until q (0) or SIGINT/SIGTERM/SIGHUP
 * (-EINTR); -ENOTTY with no terminal, -ENOENT when terminfo knows no
 * terminal named $TERM (or TERM is unset). The terminal is restored on every
 * way out. src->finished may be given a NULL status. */
int viz_ui_live(viz_session_t *s, const viz_source_t *src,
                const viz_options_t *o);

/* Run the UI over a recorded session (a replay): forward and back. */
int viz_ui_replay(viz_session_t *s, const viz_options_t *o);

/* ---- headless: one screen as text ---------------------------------------- */

#define VIZ_PRINT_MAX_COLS 1000
#define VIZ_PRINT_MAX_ROWS 1000

typedef struct viz_print {
    unsigned long steps; /* steps forward from the start, each what the
                            key s does */
    unsigned long back;  /* then steps back, each what the left arrow does */
    int cols, rows;      /* the screen's size, 1 to VIZ_PRINT_MAX_* */
    bool frames;         /* every screen on the way, not only the last:
                            each after a line "\f<forward|back> STEP" */
} viz_print_t;

/*
 * `viz ... --print-screen N` and `replay ... --print-screen N`: with no
 * terminal at all, start paused (as --step), take p->steps steps and then
 * p->back steps back, draw the screen with the views the terminal UI
 * draws with (ncurses on /dev/null, terminal type vt100, resized to
 * p->cols x p->rows), and write it to out as plain text: one line per
 * row, trailing blanks cut, no escape codes. The same steps give the same
 * text, and a step reached going back gives what it gave going forward.
 * src NULL: a replay; otherwise src->can_step must be true. 0, -EINVAL (a
 * size out of range), -ENOENT (terminfo has no vt100), -EIO (out), or
 * -errno.
 */
int viz_ui_print_screen(viz_session_t *s, const viz_source_t *src,
                        const viz_options_t *o, const viz_print_t *p,
                        FILE *out);

#endif
