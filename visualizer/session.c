/*
 * visualizer/session.c - the events a visualizer has seen, a cursor into
 * them, and the model at the cursor.
 *
 *   events   [e1 e2 e3 | e4 e5 e6 e7 | e8 e9 ...]      | = step boundary
 *                                 ^ cursor: the model has applied e1..e7
 *   forward  apply up to the next boundary
 *   back     reset the model, re-apply up to the previous boundary
 *
 * Stepping back replays from the first event: O(events) per key press,
 * which is a few milliseconds for a million events. Snapshots would make it
 * O(1) at the price of copying the model; not needed at these sizes.
 *
 * Single-threaded: the UI thread owns the session (draining the source calls
 * the sink on the draining thread, which is the UI thread).
 *
 * Tests: tests/test_viz_session.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "visualizer/viz.h"

static void session_write(trace_sink_t *self, const trace_event_t *ev)
{
    viz_session_append((viz_session_t *)self, ev);
}

int viz_session_init(viz_session_t *s, const char *exec, uint32_t workers,
                     const char *scenario, viz_name_fn name_of, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->sink.write = session_write;
    return viz_model_init(&s->model, exec, workers, scenario, name_of, ctx);
}

void viz_session_destroy(viz_session_t *s)
{
    viz_model_destroy(&s->model);
    free(s->events);
    memset(s, 0, sizeof *s);
}

static void apply_one(viz_session_t *s, const trace_event_t *ev)
{
    /* A step ends where the next begins: the first event opens step 1
     * whatever it is, and every later boundary opens one more. */
    if (s->applied == 0 || viz_event_starts_step(ev))
        s->steps++;
    s->applied++;
    viz_model_apply(&s->model, ev);
}

static void apply_to(viz_session_t *s, size_t to)
{
    while (s->cursor < to)
        apply_one(s, &s->events[s->cursor++]);
}

/* The model now, as the start of the step about to be shown. */
static void snap(viz_session_t *s)
{
    const viz_model_t *m = &s->model;
    viz_before_t *b = &s->before;
    memset(b, 0, sizeof *b);
    b->c = m->c;
    for (uint32_t i = 0; i < m->workers && i < VIZ_MAX_WORKERS; i++) {
        b->ring[i] = viz_queue_len(&m->worker[i].ring);
        b->lifo[i] = m->worker[i].lifo;
    }
    b->inject = viz_queue_len(&m->inject);
    b->ready = viz_queue_len(&m->ready);
    b->remote = viz_queue_len(&m->remote);
    b->timers = m->driver.n_timers;
    b->fds = m->driver.n_fds;
    b->warnings = m->n_warnings;
}

/* Keep ev; false when the history is (or just became) full. */
static bool history_keep(viz_session_t *s, const trace_event_t *ev)
{
    if (s->history_full)
        return false;
    if (!ARRAY_GROW(s->events, s->n_events, s->cap_events, 4096,
                    VIZ_HISTORY_MAX)) {
        s->history_full = true;
        return false;
    }
    s->events[s->n_events++] = *ev;
    return true;
}

void viz_session_append(viz_session_t *s, const trace_event_t *ev)
{
    bool following = s->cursor == s->n_events && !s->hold;
    s->seen++;
    if (!history_keep(s, ev)) {
        /* not kept: the model must see it now, wherever the cursor is */
        viz_session_to_end(s);
        apply_one(s, ev);
        return;
    }
    if (following) {
        apply_one(s, ev);
        s->cursor = s->n_events;
    }
}

bool viz_session_forward(viz_session_t *s)
{
    if (s->cursor >= s->n_events)
        return false;
    s->mark = s->cursor;
    snap(s);
    size_t to = s->cursor + 1;
    while (to < s->n_events && !viz_event_starts_step(&s->events[to]))
        to++;
    apply_to(s, to);
    return true;
}

bool viz_session_back(viz_session_t *s)
{
    if (s->cursor == 0 || s->history_full)
        return false;
    size_t to = s->cursor - 1;
    while (to > 0 && !viz_event_starts_step(&s->events[to]))
        to--;
    /* `to` is the start of the step that ends at the cursor; the state
     * before it is what the previous step left. Show that step as the
     * last one done. */
    size_t from = to;
    if (from > 0) {
        from--;
        while (from > 0 && !viz_event_starts_step(&s->events[from]))
            from--;
    }
    viz_model_reset(&s->model);
    s->cursor = 0;
    s->steps = s->applied = 0;
    apply_to(s, from);
    snap(s);
    apply_to(s, to);
    s->mark = from;
    return true;
}

void viz_session_to_end(viz_session_t *s)
{
    s->mark = s->cursor;
    snap(s);
    apply_to(s, s->n_events);
}

void viz_session_rewind(viz_session_t *s)
{
    if (s->history_full)
        return;
    viz_model_reset(&s->model);
    s->cursor = s->mark = 0;
    s->steps = s->applied = 0;
    snap(s);
}

size_t viz_session_step_end(const viz_session_t *s, size_t i)
{
    if (i >= s->n_events)
        return s->n_events;
    size_t to = i + 1;
    while (to < s->n_events && !viz_event_starts_step(&s->events[to]))
        to++;
    return to;
}

size_t viz_session_step_start(const viz_session_t *s, size_t to)
{
    if (to == 0)
        return 0;
    size_t from = to - 1;
    while (from > 0 && !viz_event_starts_step(&s->events[from]))
        from--;
    return from;
}

bool viz_session_goto(viz_session_t *s, size_t to)
{
    if (to > s->n_events)
        to = s->n_events;
    if (to > 0 && to < s->n_events && !viz_event_starts_step(&s->events[to]))
        to = viz_session_step_end(s, to); /* not a boundary: its step's end */
    if (to == s->cursor)
        return false;
    if (to < s->cursor) {
        if (s->history_full)
            return false;
        viz_model_reset(&s->model);
        s->cursor = 0;
        s->steps = s->applied = 0;
    }
    size_t from = viz_session_step_start(s, to);
    apply_to(s, from > s->cursor ? from : s->cursor);
    snap(s);
    apply_to(s, to);
    s->mark = from;
    return true;
}

bool viz_session_at_end(const viz_session_t *s)
{
    return s->cursor == s->n_events;
}

uint64_t viz_session_step_number(const viz_session_t *s)
{
    return s->steps;
}
