/*
 * visualizer/describe.c - an event in words, for the event log and the
 * text export: "w1 stole 4 tasks from w0", "timer woke t12 'sleeper'".
 *
 * The words are read against the model as it was before the event, which
 * supplies task names (through the SPAWN that named them) and whether the
 * run has workers worth naming (ws) or one thread (spin, notify).
 *
 * Tests: tests/test_viz_model.c (viz_model_log_speaks_words).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/poll_watch.h"
#include "visualizer/escape.h"
#include "visualizer/model.h"

/* "w1 " for a ws worker, "" otherwise. */
static void who(const viz_model_t *m, uint32_t worker, char *buf, size_t n)
{
    if (m->exec != VIZ_EXEC_WS || worker == TRACE_NO_WORKER)
        buf[0] = 0;
    else
        snprintf(buf, n, "w%u ", worker);
}

/* A duration the way a person reads it: 850 ns, 12 us, 3.4 ms. */
static const char *span(uint64_t ns, char *buf, size_t n)
{
    if (ns < 1000)
        snprintf(buf, n, "%" PRIu64 " ns", ns);
    else if (ns < 1000000)
        snprintf(buf, n, "%" PRIu64 " us", ns / 1000);
    else /* in integers: a double's printed width has no useful bound */
        snprintf(buf, n, "%" PRIu64 ".%u ms", ns / 1000000,
                 (unsigned)(ns / 100000 % 10));
    return buf;
}

static const char *queue_words(const viz_model_t *m, const trace_event_t *ev,
                               char *buf, size_t n)
{
    switch (ev->a) {
    case TRACE_Q_LOCAL:
        snprintf(buf, n, "w%u's ring", ev->worker);
        break;
    case TRACE_Q_LIFO:
        snprintf(buf, n, "w%u's LIFO slot", ev->worker);
        break;
    case TRACE_Q_INJECT:
        snprintf(buf, n, "the inject queue");
        break;
    case TRACE_Q_REMOTE: {
        /* a task not polled yet was spawned there, not woken */
        const viz_task_t *t = viz_model_task(m, ev->task);
        bool fresh = t == NULL || t->polls == 0;
        snprintf(buf, n, "the remote queue (%s from another thread)",
                 fresh ? "spawned" : "woken");
        break;
    }
    default:
        snprintf(buf, n,
                 m->exec == VIZ_EXEC_SPIN ? "the back of the deque"
                                          : "the ready queue");
        break;
    }
    return buf;
}

static void describe_wake(const viz_model_t *m, const trace_event_t *ev,
                          const char *task, char *buf, size_t n)
{
    char other[64];
    switch (ev->a) {
    case TRACE_BY_TASK:
        if (ev->b == ev->task)
            snprintf(buf, n, "%s woke itself", task);
        else
            snprintf(buf, n, "%s woke %s",
                     viz_task_label(m, ev->b, other, sizeof other), task);
        break;
    case TRACE_BY_WORKER:
        snprintf(buf, n, "w%" PRIu64 " woke %s", ev->b, task);
        break;
    case TRACE_BY_TIMER:
        snprintf(buf, n, "timer woke %s", task);
        break;
    case TRACE_BY_IO:
        snprintf(buf, n, "I/O readiness woke %s", task);
        break;
    case TRACE_BY_THREAD:
        snprintf(buf, n, "another thread woke %s", task);
        break;
    default:
        snprintf(buf, n, "%s was woken", task);
        break;
    }
}

/* The new task's name comes with the event, not from the model yet. */
static void describe_spawn(const viz_model_t *m, const trace_event_t *ev,
                           char *buf, size_t n)
{
    char parent[64], child[64];
    const char *name = m->name_of != NULL && ev->b != 0
                           ? m->name_of(m->name_ctx, ev->b)
                           : NULL;
    if (name != NULL)
        snprintf(child, sizeof child, "t%" PRIu64 " '%s'", ev->task, name);
    else
        snprintf(child, sizeof child, "t%" PRIu64, ev->task);
    if (ev->a != 0)
        snprintf(buf, n, "%s spawned %s",
                 viz_task_label(m, ev->a, parent, sizeof parent), child);
    else
        snprintf(buf, n, "%s spawned", child);
}

/* "w1 t2 'x' -> Pending", and for a slow poll measured by its thread
 * (core/poll_watch.h) how long it took and where the time went. */
static void describe_poll_end(const viz_model_t *m, const trace_event_t *ev,
                              const char *w, const char *task, char *buf,
                              size_t n)
{
    const char *result = ev->a ? "Ready" : "Pending";
    const viz_task_t *t = viz_model_task(m, ev->task);
    uint64_t now = ev->time_ns >= m->t0 ? ev->time_ns - m->t0 : 0;
    if (ev->b == 0 || t == NULL || t->state != VIZ_TASK_RUNNING ||
        now < t->poll_start_ns) {
        snprintf(buf, n, "%s%s -> %s", w, task, result);
        return;
    }
    uint64_t wall = now - t->poll_start_ns;
    uint64_t cpu = poll_watch_cpu_us(ev->b) * 1000;
    uint64_t wait = poll_watch_wait_us(ev->b);
    char a[24], b[24], c[24];
    span(wall, a, sizeof a);
    span(cpu < wall ? cpu : wall, b, sizeof b);
    if (wait == POLL_WATCH_UNKNOWN) {
        snprintf(buf, n, "%s%s -> %s after %s (%s on a CPU)", w, task, result,
                 a, b);
        return;
    }
    wait *= 1000;
    span(wait < wall ? wait : wall, c, sizeof c);
    snprintf(buf, n, "%s%s -> %s after %s (%s on a CPU, %s waiting for one)",
             w, task, result, a, b, c);
}

static void describe_task_event(const viz_model_t *m, const trace_event_t *ev,
                                const char *w, const char *task, char *buf,
                                size_t n)
{
    char tmp[64];
    switch (ev->kind) {
    case TRACE_SPAWN:
        describe_spawn(m, ev, buf, n);
        break;
    case TRACE_SCHEDULE: {
        /* the slot holds one: a newcomer pushes the old one to the ring */
        const viz_worker_t *wk =
            ev->worker < m->workers ? &m->worker[ev->worker] : NULL;
        const viz_task_t *held = wk != NULL && wk->lifo != 0
                                     ? viz_model_task(m, wk->lifo)
                                     : NULL;
        char bump[128] = "", old[64];
        if (ev->a == TRACE_Q_LIFO && held != NULL && held->id != ev->task &&
            held->state == VIZ_TASK_QUEUED && held->queue == TRACE_Q_LIFO)
            snprintf(bump, sizeof bump, ", bumping %s to the back of w%u's ring",
                     viz_task_label(m, held->id, old, sizeof old), ev->worker);
        snprintf(buf, n, "%s into %s%s", task,
                 queue_words(m, ev, tmp, sizeof tmp), bump);
        break;
    }
    case TRACE_POLL_START:
        snprintf(buf, n, "%spolls %s", w, task);
        break;
    case TRACE_POLL_END:
        describe_poll_end(m, ev, w, task, buf, n);
        break;
    case TRACE_WAKE:
        describe_wake(m, ev, task, buf, n);
        break;
    case TRACE_SELF_WAKE:
        snprintf(buf, n, "%s woke itself (a yield)", task);
        break;
    case TRACE_COMPLETE:
        snprintf(buf, n, "%s %s", task, ev->a ? "cancelled" : "completed");
        break;
    case TRACE_DROP:
        snprintf(buf, n, "%s freed", task);
        break;
    case TRACE_LOST_WAKER:
        snprintf(buf, n, "LOST WAKER: %s is pending, nothing holds its waker",
                 ev->task ? task : "block_on's future");
        break;
    }
}

/* Events about workers and the driver. */
static void describe_other(const trace_event_t *ev, const char *w,
                           const char *task, char *buf, size_t n)
{
    switch (ev->kind) {
    case TRACE_STEAL:
        snprintf(buf, n, "w%u stole %" PRIu64 " task%s from w%" PRIu64,
                 ev->worker, ev->b, ev->b == 1 ? "" : "s", ev->a);
        break;
    case TRACE_PARK:
        snprintf(buf, n, "%sparked%s", *w ? w : "executor ",
                 ev->a ? " in the driver (holds it)" : "");
        break;
    case TRACE_UNPARK:
        snprintf(buf, n, "%sunparked", *w ? w : "executor ");
        break;
    case TRACE_SEARCH:
        snprintf(buf, n, "%ssearching for work to steal", w);
        break;
    case TRACE_DRIVER_TURN:
        snprintf(buf, n,
                 "driver turn: %" PRIu64 " I/O event%s, %" PRIu64
                 " timer%s fired",
                 ev->a, ev->a == 1 ? "" : "s", ev->b, ev->b == 1 ? "" : "s");
        break;
    case TRACE_IO_READY:
        snprintf(buf, n, "fd %" PRIu64 " ready (%s)", ev->a,
                 (ev->b & 3) == 3 ? "read write"
                 : (ev->b & 1)    ? "read"
                 : (ev->b & 2)    ? "write"
                                  : "no read or write bit");
        break;
    case TRACE_TIMER_FIRE:
        if (ev->task != 0)
            snprintf(buf, n, "timer fired for %s (deadline %" PRIu64 " ms)",
                     task, ev->a);
        else
            snprintf(buf, n, "timer fired (deadline %" PRIu64 " ms)", ev->a);
        break;
    case TRACE_TIMER_ADD:
        snprintf(buf, n, "%s sleeps until %" PRIu64 " ms (wheel level %d)",
                 task, ev->a, viz_timer_level(ev->a, ev->b));
        break;
    case TRACE_TIMER_CANCEL:
        snprintf(buf, n, "%s cancelled its timer (%" PRIu64 " ms)", task,
                 ev->a);
        break;
    case TRACE_IO_REGISTER:
        snprintf(buf, n, "%s registered fd %" PRIu64, task, ev->a);
        break;
    case TRACE_IO_DEREGISTER:
        snprintf(buf, n, "fd %" PRIu64 " deregistered", ev->a);
        break;
    case TRACE_BLOCKING_START:
        snprintf(buf, n, "%sblocking section starts%s%s", w,
                 ev->task ? " in " : "", ev->task ? task : "");
        break;
    case TRACE_BLOCKING_END:
        snprintf(buf, n, "%sblocking section ends", w);
        break;
    default:
        snprintf(buf, n, "unknown event %u", ev->kind);
        break;
    }
}

const char *viz_describe(const viz_model_t *m, const trace_event_t *ev,
                         char *buf, size_t n)
{
    char w[16], task[64];
    char raw[512]; /* room for the longest line: no cut before escaping */
    who(m, ev->worker, w, sizeof w);
    viz_task_label(m, ev->task, task, sizeof task);
    switch (ev->kind) {
    case TRACE_SPAWN:
    case TRACE_SCHEDULE:
    case TRACE_POLL_START:
    case TRACE_POLL_END:
    case TRACE_WAKE:
    case TRACE_SELF_WAKE:
    case TRACE_COMPLETE:
    case TRACE_DROP:
    case TRACE_LOST_WAKER:
        describe_task_event(m, ev, w, task, raw, sizeof raw);
        break;
    default:
        describe_other(ev, w, task, raw, sizeof raw);
        break;
    }
    /* Then escaped into buf, cut to n there: task names come from trace
     * files anyone can write (visualizer/escape.h). */
    return viz_escape(raw, buf, n);
}
