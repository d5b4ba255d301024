/*
 * visualizer/model.c - the visualizer's model: trace events in, the state
 * of the run out. See model.h for the picture; this file is the rules.
 *
 * Each event kind has one apply_<kind> function below, in the order of the
 * vocabulary. They share three helpers: task_get (find or make the task an
 * event names), task_enter (account the time spent in the old state, then
 * switch) and queue_leave (take a task out of the queue it sits in).
 *
 * The model trusts nothing: a trace file may be cut, corrupt or from a
 * run that dropped events, and the fuzzer feeds it garbage. An event that
 * names an unknown task creates it; a worker number out of range is not a
 * lane; a steal from a short ring moves what is there.
 *
 * Single-threaded: one model belongs to one thread (the UI's, or a test's).
 *
 * Tests: tests/test_viz_model.c.
 */
#include "core/array.h"
#include "core/poll_watch.h"
#include "visualizer/model.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- queues -------------------------------------------------------------- */

size_t viz_queue_len(const viz_queue_t *q)
{
    return q->len;
}

uint64_t viz_queue_at(const viz_queue_t *q, size_t i)
{
    return i < q->len ? q->ids[q->head + i] : 0;
}

static void queue_free(viz_queue_t *q)
{
    free(q->ids);
    memset(q, 0, sizeof *q);
}

/* Make room for one more at the back: slide to the front, or grow. */
static bool queue_reserve(viz_queue_t *q)
{
    if (q->head + q->len < q->cap)
        return true;
    if (q->head > 0) {
        memmove(q->ids, q->ids + q->head, q->len * sizeof *q->ids);
        q->head = 0;
        if (q->len < q->cap)
            return true;
    }
    return ARRAY_GROW(q->ids, q->len, q->cap, 16, 0);
}

static void queue_push(viz_queue_t *q, uint64_t id)
{
    if (queue_reserve(q))
        q->ids[q->head + q->len++] = id;
}

static uint64_t queue_pop(viz_queue_t *q)
{
    if (q->len == 0)
        return 0;
    uint64_t id = q->ids[q->head++];
    if (--q->len == 0)
        q->head = 0;
    return id;
}

/* Remove id wherever it is; false when it is not there. */
static bool queue_remove(viz_queue_t *q, uint64_t id)
{
    for (size_t i = 0; i < q->len; i++) {
        if (q->ids[q->head + i] != id)
            continue;
        if (i == 0) {
            queue_pop(q);
        } else {
            uint64_t *at = q->ids + q->head + i;
            memmove(at, at + 1, (q->len - i - 1) * sizeof *at);
            q->len--;
        }
        return true;
    }
    return false;
}

/* ---- tasks: lookup by id ------------------------------------------------- */

static size_t slot_of(uint64_t id, size_t cap)
{
    return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

static bool index_grow(viz_model_t *m)
{
    size_t cap = m->index_cap ? m->index_cap * 2 : 256;
    uint32_t *index = calloc(cap, sizeof *index);
    if (index == NULL)
        return false;
    for (size_t i = 0; i < m->n_tasks; i++) {
        size_t s = slot_of(m->tasks[i].id, cap);
        while (index[s] != 0)
            s = (s + 1) & (cap - 1);
        index[s] = (uint32_t)i + 1;
    }
    free(m->index);
    m->index = index;
    m->index_cap = cap;
    return true;
}

static viz_task_t *task_find(const viz_model_t *m, uint64_t id)
{
    if (m->index_cap == 0)
        return NULL;
    for (size_t s = slot_of(id, m->index_cap);;
         s = (s + 1) & (m->index_cap - 1)) {
        uint32_t i = m->index[s];
        if (i == 0)
            return NULL;
        if (m->tasks[i - 1].id == id)
            return &m->tasks[i - 1];
    }
}

/* Append a task entry for id; NULL when out of memory (or too many). */
static viz_task_t *task_add(viz_model_t *m, uint64_t id)
{
    if (m->n_tasks >= UINT32_MAX - 1)
        return NULL;
    if (2 * (m->n_tasks + 1) > m->index_cap && !index_grow(m))
        return NULL;
    if (!ARRAY_GROW(m->tasks, m->n_tasks, m->cap_tasks, 64, 0))
        return NULL;
    viz_task_t *t = &m->tasks[m->n_tasks];
    memset(t, 0, sizeof *t);
    t->id = id;
    t->born_ns = t->since_ns = m->now_ns;
    size_t s = slot_of(id, m->index_cap);
    while (m->index[s] != 0)
        s = (s + 1) & (m->index_cap - 1);
    m->index[s] = (uint32_t)++m->n_tasks;
    return t;
}

/* The task an event names, made if unseen; NULL for id 0 or no memory. */
static viz_task_t *task_get(viz_model_t *m, uint64_t id)
{
    if (id == 0)
        return NULL;
    viz_task_t *t = task_find(m, id);
    return t != NULL ? t : task_add(m, id);
}

const viz_task_t *viz_model_task(const viz_model_t *m, uint64_t id)
{
    return task_find(m, id);
}

const char *viz_task_name(const viz_model_t *m, const viz_task_t *t)
{
    if (t == NULL || t->name == 0 || m->name_of == NULL)
        return NULL;
    return m->name_of(m->name_ctx, t->name);
}

const char *viz_task_label(const viz_model_t *m, uint64_t id, char *buf,
                           size_t n)
{
    const char *name = viz_task_name(m, task_find(m, id));
    if (name != NULL)
        snprintf(buf, n, "t%" PRIu64 " '%s'", id, name);
    else
        snprintf(buf, n, "t%" PRIu64, id);
    return buf;
}

/* Account the time since the last change to the state being left. */
static void task_enter(viz_model_t *m, viz_task_t *t, viz_task_state_t s)
{
    uint64_t dt = m->now_ns - t->since_ns;
    if (m->now_ns < t->since_ns)
        dt = 0;
    if (t->state == VIZ_TASK_WAITING)
        t->idle_ns += dt;
    else if (t->state == VIZ_TASK_QUEUED || t->state == VIZ_TASK_NEW)
        t->queued_ns += dt;
    t->since_ns = m->now_ns;
    t->state = s;
}

/* ---- workers ------------------------------------------------------------- */

/* The lane of worker w, or NULL when w is no lane (TRACE_NO_WORKER, or out
 * of range). A worker number beyond the lanes shown adds lanes. */
static viz_worker_t *worker_get(viz_model_t *m, uint32_t w)
{
    if (w >= VIZ_MAX_WORKERS)
        return NULL;
    if (w >= m->workers)
        m->workers = w + 1;
    return &m->worker[w];
}

static void note_depth(viz_model_t *m, size_t len)
{
    if (len > m->c.max_queue)
        m->c.max_queue = len;
}

/* Take t out of the queue it sits in, if any. */
static void queue_leave(viz_model_t *m, viz_task_t *t)
{
    if (t->state != VIZ_TASK_QUEUED)
        return;
    viz_worker_t *w =
        t->worker < VIZ_MAX_WORKERS ? &m->worker[t->worker] : NULL;
    switch (t->queue) {
    case TRACE_Q_READY:
        queue_remove(&m->ready, t->id);
        break;
    case TRACE_Q_REMOTE:
        queue_remove(&m->remote, t->id);
        break;
    case TRACE_Q_INJECT:
        queue_remove(&m->inject, t->id);
        break;
    case TRACE_Q_LOCAL:
        if (w != NULL)
            queue_remove(&w->ring, t->id);
        break;
    case TRACE_Q_LIFO:
        if (w != NULL && w->lifo == t->id)
            w->lifo = 0;
        break;
    }
    t->queue = 0;
}

/* ---- warnings and the log ------------------------------------------------ */

__attribute__((format(printf, 4, 5))) static void warn(viz_model_t *m,
                                                       viz_warning_kind_t kind,
                                                       uint64_t task,
                                                       const char *fmt, ...)
{
    if (!ARRAY_GROW(m->warnings, m->n_warnings, m->cap_warnings, 16, 0))
        return;
    viz_warning_t *w = &m->warnings[m->n_warnings++];
    w->kind = kind;
    w->seq = m->seq;
    w->task = task;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->text, sizeof w->text, fmt, ap);
    va_end(ap);
}

static void log_event(viz_model_t *m, const trace_event_t *ev)
{
    viz_line_t *l = &m->log[m->log_total % VIZ_LOG_LINES];
    l->seq = m->seq;
    l->time_ns = m->now_ns;
    l->kind = ev->kind;
    viz_describe(m, ev, l->text, sizeof l->text);
    m->log_total++;
}

const viz_line_t *viz_model_log(const viz_model_t *m, size_t i)
{
    if (i >= m->log_total || i >= VIZ_LOG_LINES)
        return NULL;
    return &m->log[(m->log_total - 1 - i) % VIZ_LOG_LINES];
}

/* The self-wake rule: more than half of a task's wakes are its own. */
/*
 * Has a warning of this kind been given for a task of t's name? A thousand
 * tasks named "child" doing the same thing get one warning, not a thousand;
 * unnamed tasks are judged one by one. Records the name when not.
 */
static bool warned_name(viz_model_t *m, viz_warning_kind_t kind,
                        const viz_task_t *t)
{
    if (t->name == 0)
        return false;
    for (size_t i = 0; i < m->n_warned; i++)
        if (m->warned[i].kind == kind && m->warned[i].name == t->name)
            return true;
    if (m->n_warned < VIZ_WARNED_NAMES)
        m->warned[m->n_warned++] = (viz_warned_t){kind, t->name};
    return false;
}

static void check_self_wakes(viz_model_t *m, viz_task_t *t)
{
    if (t->warned_self || t->wakes < VIZ_SELF_WAKE_MIN ||
        2 * t->self_wakes <= t->wakes)
        return;
    char label[64];
    t->warned_self = true;
    if (warned_name(m, VIZ_WARN_SELF_WAKES, t))
        return;
    /* Said as of this event (its number is shown with it): the counts go
     * on in the task table, the warning's words stay true. */
    warn(m, VIZ_WARN_SELF_WAKES, t->id,
         "%s: %" PRIu64 " of its first %" PRIu64 " wakes were its own (busy "
         "yielding instead of waiting?)",
         viz_task_label(m, t->id, label, sizeof label), t->self_wakes,
         t->wakes);
}

/* ---- one function per event kind ----------------------------------------- */

static void apply_spawn(viz_model_t *m, const trace_event_t *ev)
{
    viz_task_t *t = task_get(m, ev->task);
    if (t == NULL)
        return;
    t->parent = ev->a;
    t->name = ev->b;
    t->born_ns = t->since_ns = m->now_ns;
    m->c.spawned++;
}

static void apply_schedule(viz_model_t *m, const trace_event_t *ev)
{
    viz_task_t *t = task_get(m, ev->task);
    if (t == NULL)
        return;
    queue_leave(m, t);
    viz_worker_t *w = worker_get(m, ev->worker);
    uint32_t q = (uint32_t)ev->a;
    if ((q == TRACE_Q_LOCAL || q == TRACE_Q_LIFO) && w == NULL)
        q = TRACE_Q_INJECT; /* a ring with no worker: show it shared */
    switch (q) {
    case TRACE_Q_LOCAL:
        queue_push(&w->ring, t->id);
        note_depth(m, w->ring.len);
        break;
    case TRACE_Q_LIFO:
        if (w->lifo != 0 && w->lifo != t->id) {
            /* the displaced task goes to the back of the ring (Tokio) */
            viz_task_t *old = task_find(m, w->lifo);
            if (old != NULL && old->queue == TRACE_Q_LIFO) {
                old->queue = TRACE_Q_LOCAL;
                queue_push(&w->ring, old->id);
                w->bumped = old->id;
                w->bumped_seq = m->seq;
            }
        }
        w->lifo = t->id;
        break;
    case TRACE_Q_INJECT:
        queue_push(&m->inject, t->id);
        note_depth(m, m->inject.len);
        break;
    case TRACE_Q_REMOTE:
        queue_push(&m->remote, t->id);
        note_depth(m, m->remote.len);
        break;
    default:
        q = TRACE_Q_READY;
        queue_push(&m->ready, t->id);
        note_depth(m, m->ready.len);
        break;
    }
    task_enter(m, t, VIZ_TASK_QUEUED);
    t->queue = q;
    t->worker = ev->worker;
}

static void apply_poll_start(viz_model_t *m, const trace_event_t *ev)
{
    viz_task_t *t = task_get(m, ev->task);
    viz_worker_t *w = worker_get(m, ev->worker);
    m->c.polls++;
    if (w != NULL) {
        w->state = VIZ_WORKER_POLLING;
        w->task = ev->task;
        w->polls++;
    }
    if (t == NULL)
        return;
    queue_leave(m, t);
    task_enter(m, t, VIZ_TASK_RUNNING);
    t->worker = ev->worker;
    t->polls++;
    t->poll_start_ns = m->now_ns;
}

viz_poll_verdict_t viz_judge_poll(uint64_t wall_ns, uint64_t b,
                                  uint64_t *cpu_ns, uint64_t *wait_ns)
{
    *cpu_ns = *wait_ns = 0;
    if (wall_ns <= VIZ_SLOW_POLL_NS)
        return VIZ_POLL_FINE;
    if (b == 0)
        return VIZ_POLL_BLOCKING; /* not measured: wall time is all we have */
    /* Both are upper bounds over a little more than the poll (from the
     * thread's mark): never more than the poll's own wall time. */
    uint64_t cpu = poll_watch_cpu_us(b) * 1000;
    *cpu_ns = cpu < wall_ns ? cpu : wall_ns;
    if (poll_watch_wait_us(b) == POLL_WATCH_UNKNOWN)
        return 2 * *cpu_ns >= wall_ns ? VIZ_POLL_BUSY : VIZ_POLL_UNSURE;
    uint64_t wait = poll_watch_wait_us(b) * 1000;
    *wait_ns = wait < wall_ns ? wait : wall_ns;
    uint64_t own = wall_ns - *wait_ns; /* on a CPU, or asleep in a call */
    if (own <= VIZ_SLOW_POLL_NS)
        return VIZ_POLL_DESCHEDULED;
    return 2 * *cpu_ns >= own ? VIZ_POLL_BUSY : VIZ_POLL_BLOCKING;
}

/* A descheduled poll: the machine's doing, said once per task name. */
static void warn_descheduled(viz_model_t *m, viz_task_t *t, uint64_t ns,
                             uint64_t wait_ns)
{
    m->c.descheduled_polls++;
    if (t->warned_desched)
        return;
    t->warned_desched = true;
    if (warned_name(m, VIZ_WARN_DESCHEDULED, t))
        return;
    char label[64];
    warn(m, VIZ_WARN_DESCHEDULED, t->id,
         "%s: a poll took %" PRIu64 " ms, %" PRIu64 " of them waiting for "
         "a CPU: descheduled (the machine is busy)",
         viz_task_label(m, t->id, label, sizeof label), ns / 1000000,
         wait_ns / 1000000);
}

/* A poll over VIZ_SLOW_POLL_NS, judged by viz_judge_poll. */
static void warn_slow_poll(viz_model_t *m, viz_task_t *t, uint32_t worker,
                           uint64_t ns, uint64_t b)
{
    uint64_t cpu, wait;
    viz_poll_verdict_t v = viz_judge_poll(ns, b, &cpu, &wait);
    if (v == VIZ_POLL_FINE)
        return;
    if (v == VIZ_POLL_DESCHEDULED) {
        warn_descheduled(m, t, ns, wait);
        return;
    }
    m->c.slow_polls++;
    if (t->warned_slow)
        return;
    t->warned_slow = true;
    if (warned_name(m, VIZ_WARN_SLOW_POLL, t))
        return;
    char label[64], who[24] = "its thread";
    if (m->exec != VIZ_EXEC_WS)
        snprintf(who, sizeof who, "the executor");
    else if (worker != TRACE_NO_WORKER)
        snprintf(who, sizeof who, "w%u", worker);
    viz_task_label(m, t->id, label, sizeof label);
    if (v == VIZ_POLL_BUSY)
        warn(m, VIZ_WARN_SLOW_POLL, t->id,
             "%s held %s for %" PRIu64 " ms in one poll (blocking call? "
             "%" PRIu64 " ms on a CPU)",
             label, who, ns / 1000000, cpu / 1000000);
    else if (v == VIZ_POLL_UNSURE)
        warn(m, VIZ_WARN_SLOW_POLL, t->id,
             "%s held %s for %" PRIu64 " ms in one poll, %" PRIu64
             " ms on a CPU (blocking call, or descheduled?)",
             label, who, ns / 1000000, cpu / 1000000);
    else
        warn(m, VIZ_WARN_SLOW_POLL, t->id,
             "%s held %s for %" PRIu64 " ms in one poll (blocking call?)",
             label, who, ns / 1000000);
}

static void apply_poll_end(viz_model_t *m, const trace_event_t *ev)
{
    viz_task_t *t = task_get(m, ev->task);
    viz_worker_t *w = worker_get(m, ev->worker);
    uint64_t ns = 0; /* b is not a duration (core/poll_watch.h) */
    if (t != NULL && m->now_ns >= t->poll_start_ns)
        ns = m->now_ns - t->poll_start_ns;
    if (ev->a == 0) /* POLL_PENDING */
        m->c.pending_polls++;
    if (w != NULL) {
        if (w->state == VIZ_WORKER_POLLING)
            w->state = VIZ_WORKER_IDLE;
        w->task = 0;
        w->busy_ns += ns;
        w->last_task = ev->task;
        w->last_seq = m->seq;
        w->last_ready = ev->a != 0;
    }
    if (t == NULL)
        return;
    t->busy_ns += ns;
    if (ns > t->max_poll_ns)
        t->max_poll_ns = ns;
    if (ns > VIZ_SLOW_POLL_NS)
        warn_slow_poll(m, t, ev->worker, ns, ev->b);
    if (ev->a == 0)
        t->pending_polls++;
    if (t->state != VIZ_TASK_RUNNING)
        return; /* already re-queued, or finished */
    t->since_ns = m->now_ns;
    t->state = ev->a == 0 ? VIZ_TASK_WAITING : VIZ_TASK_DONE;
}

static void count_wake(viz_model_t *m, viz_task_t *t, bool self)
{
    m->c.wakes++;
    if (self)
        m->c.self_wakes++;
    if (t == NULL)
        return;
    t->wakes++;
    if (self)
        t->self_wakes++;
    check_self_wakes(m, t);
}

static void apply_wake(viz_model_t *m, const trace_event_t *ev)
{
    viz_task_t *t = task_get(m, ev->task);
    bool self = ev->a == TRACE_BY_TASK && ev->b == ev->task;
    count_wake(m, t, self);
    if (self) {
        m->last_wake_seq = m->seq;
        m->last_wake_task = ev->task;
    }
    if (t != NULL) {
        t->woken_by = (uint32_t)ev->a;
        t->woken_by_id = ev->b;
    }
}

static void apply_self_wake(viz_model_t *m, const trace_event_t *ev)
{
    /* The WAKE just before said the same thing: one wake, not two. */
    if (m->last_wake_seq + 1 == m->seq && m->last_wake_task == ev->task)
        return;
    viz_task_t *t = task_get(m, ev->task);
    count_wake(m, t, true);
    if (t != NULL) {
        t->woken_by = TRACE_BY_TASK;
        t->woken_by_id = ev->task;
    }
}

static void apply_steal(viz_model_t *m, const trace_event_t *ev)
{
    viz_worker_t *thief = worker_get(m, ev->worker);
    viz_worker_t *victim =
        ev->a < VIZ_MAX_WORKERS ? worker_get(m, (uint32_t)ev->a) : NULL;
    m->c.steals++;
    m->c.stolen += ev->b;
    if (thief == NULL)
        return;
    thief->steals++;
    thief->stolen += ev->b;
    thief->steal_seq = m->seq;
    thief->steal_from = (uint32_t)ev->a;
    thief->steal_count = ev->b;
    thief->steal_first = thief->steal_last = 0;
    thief->state = VIZ_WORKER_SEARCHING;
    if (victim == NULL || victim == thief)
        return;
    victim->robbed_seq = m->seq;
    victim->robbed_by = ev->worker;
    victim->robbed_count = ev->b;
    if (ev->task != 0) {
        /* A stuck worker's LIFO task: the thief polls it next. */
        if (victim->lifo == ev->task)
            victim->lifo = 0;
        thief->steal_first = thief->steal_last = ev->task;
        viz_task_t *t = task_find(m, ev->task);
        if (t != NULL) {
            t->queue = 0;
            t->worker = ev->worker;
        }
        return;
    }
    for (uint64_t i = 0; i < ev->b && victim->ring.len > 0; i++) {
        uint64_t id = queue_pop(&victim->ring);
        queue_push(&thief->ring, id);
        if (thief->steal_first == 0)
            thief->steal_first = id;
        thief->steal_last = id;
        viz_task_t *t = task_find(m, id);
        if (t != NULL)
            t->worker = ev->worker;
    }
    note_depth(m, thief->ring.len);
}

static void apply_park(viz_model_t *m, const trace_event_t *ev)
{
    viz_worker_t *w = worker_get(m, ev->worker);
    m->c.parks++;
    if (w == NULL)
        return;
    w->parks++;
    w->task = 0;
    w->state = ev->a ? VIZ_WORKER_DRIVER : VIZ_WORKER_PARKED;
    if (ev->a)
        m->driver.holder = ev->worker;
    else if (m->driver.holder == (int64_t)ev->worker)
        m->driver.holder = -1;
}

static void apply_unpark(viz_model_t *m, const trace_event_t *ev)
{
    viz_worker_t *w = worker_get(m, ev->worker);
    m->c.unparks++;
    if (w == NULL)
        return;
    if (w->state == VIZ_WORKER_PARKED || w->state == VIZ_WORKER_DRIVER)
        w->state = VIZ_WORKER_IDLE;
    if (m->driver.holder == (int64_t)ev->worker)
        m->driver.holder = -1;
}

static void apply_search(viz_model_t *m, const trace_event_t *ev)
{
    viz_worker_t *w = worker_get(m, ev->worker);
    if (w != NULL)
        w->state = VIZ_WORKER_SEARCHING;
}

/* ---- the driver ---------------------------------------------------------- */

static void timer_push(viz_driver_t *d, uint64_t task, uint64_t deadline)
{
    if (!ARRAY_GROW(d->timers, d->n_timers, d->cap_timers, 16, 0))
        return;
    d->timers[d->n_timers++] = (viz_timer_t){task, deadline};
}

/* Remove the timer of task with deadline; task 0 (the driver does not
 * always know the task) matches the first timer with that deadline. */
static void timer_remove(viz_driver_t *d, uint64_t task, uint64_t deadline)
{
    size_t found = d->n_timers;
    for (size_t i = 0; i < d->n_timers; i++) {
        viz_timer_t *t = &d->timers[i];
        if (t->deadline_ms == deadline && (task == 0 || t->task == task)) {
            found = i;
            break;
        }
        if (task != 0 && t->task == task && found == d->n_timers)
            found = i; /* same task, other deadline: the fallback */
    }
    if (found == d->n_timers)
        return;
    d->timers[found] = d->timers[--d->n_timers];
}

static void fd_set_add(viz_driver_t *d, uint64_t fd, bool add)
{
    for (size_t i = 0; i < d->n_fds; i++) {
        if (d->fds[i] == fd) {
            if (!add)
                d->fds[i] = d->fds[--d->n_fds];
            return;
        }
    }
    if (!add)
        return;
    if (!ARRAY_GROW(d->fds, d->n_fds, d->cap_fds, 16, 0))
        return;
    d->fds[d->n_fds++] = fd;
}

static void apply_driver(viz_model_t *m, const trace_event_t *ev)
{
    viz_driver_t *d = &m->driver;
    switch (ev->kind) {
    case TRACE_DRIVER_TURN:
        m->c.driver_turns++;
        d->last_io = ev->a;
        d->last_fired = ev->b;
        break;
    case TRACE_IO_READY:
        m->c.io_events++;
        break;
    case TRACE_TIMER_FIRE:
        m->c.timers_fired++;
        timer_remove(d, ev->task, ev->a);
        if (ev->a > d->now_ms)
            d->now_ms = ev->a;
        break;
    case TRACE_TIMER_ADD:
        timer_push(d, ev->task, ev->a);
        d->now_ms = ev->b;
        break;
    case TRACE_TIMER_CANCEL:
        timer_remove(d, ev->task, ev->a);
        break;
    case TRACE_IO_REGISTER:
    case TRACE_IO_DEREGISTER:
        fd_set_add(d, ev->a, ev->kind == TRACE_IO_REGISTER);
        break;
    }
}

int viz_timer_level(uint64_t deadline_ms, uint64_t now_ms)
{
    if (deadline_ms <= now_ms)
        return 0;
    uint64_t masked = (deadline_ms ^ now_ms) | 63;
    int significant = 63 - __builtin_clzll(masked);
    int level = significant / 6;
    return level < VIZ_WHEEL_LEVELS ? level : VIZ_WHEEL_LEVELS - 1;
}

/* ---- blocking, completion, lost wakers ----------------------------------- */

static void apply_blocking(viz_model_t *m, const trace_event_t *ev)
{
    viz_worker_t *w = worker_get(m, ev->worker);
    bool start = ev->kind == TRACE_BLOCKING_START;
    if (start)
        m->c.blocking++;
    if (w == NULL)
        return;
    if (start)
        w->state = VIZ_WORKER_BLOCKING;
    else if (w->state == VIZ_WORKER_BLOCKING)
        w->state = VIZ_WORKER_IDLE;
}

static void apply_complete(viz_model_t *m, const trace_event_t *ev)
{
    viz_task_t *t = task_get(m, ev->task);
    m->c.completed++;
    if (ev->a)
        m->c.cancelled++;
    if (t == NULL)
        return;
    queue_leave(m, t);
    task_enter(m, t, VIZ_TASK_DONE);
    t->cancelled = ev->a != 0;
}

static void apply_drop(viz_model_t *m, const trace_event_t *ev)
{
    viz_task_t *t = task_get(m, ev->task);
    m->c.freed++;
    if (t == NULL)
        return;
    queue_leave(m, t);
    task_enter(m, t, VIZ_TASK_FREED);
}

static void apply_lost_waker(viz_model_t *m, const trace_event_t *ev)
{
    viz_task_t *t = task_get(m, ev->task);
    m->c.lost_wakers++;
    if (t == NULL) {
        warn(m, VIZ_WARN_LOST_WAKER, 0,
             "lost waker: block_on's future is pending and nothing holds "
             "its waker");
        return;
    }
    t->lost = true;
    if (t->warned_lost)
        return;
    t->warned_lost = true;
    char label[64];
    warn(m, VIZ_WARN_LOST_WAKER, t->id,
         "lost waker: %s is pending and nothing holds its waker",
         viz_task_label(m, t->id, label, sizeof label));
}

/* ---- apply --------------------------------------------------------------- */

static void advance_clock(viz_model_t *m, const trace_event_t *ev)
{
    if (m->seq == 1)
        m->t0 = ev->time_ns;
    uint64_t now = ev->time_ns >= m->t0 ? ev->time_ns - m->t0 : 0;
    if (now > m->now_ns)
        m->now_ns = now; /* never backwards: threads' stamps may cross */
    if (m->now_ns - m->rate_t[1] >= 500000000ull) {
        m->rate_t[0] = m->rate_t[1];
        m->rate_polls[0] = m->rate_polls[1];
        m->rate_t[1] = m->now_ns;
        m->rate_polls[1] = m->c.polls;
    }
}

void viz_model_apply(viz_model_t *m, const trace_event_t *ev)
{
    m->seq++;
    m->c.events++;
    advance_clock(m, ev);
    log_event(m, ev);
    switch (ev->kind) {
    case TRACE_SPAWN:
        apply_spawn(m, ev);
        break;
    case TRACE_SCHEDULE:
        apply_schedule(m, ev);
        break;
    case TRACE_POLL_START:
        apply_poll_start(m, ev);
        break;
    case TRACE_POLL_END:
        apply_poll_end(m, ev);
        break;
    case TRACE_WAKE:
        apply_wake(m, ev);
        break;
    case TRACE_SELF_WAKE:
        apply_self_wake(m, ev);
        break;
    case TRACE_STEAL:
        apply_steal(m, ev);
        break;
    case TRACE_PARK:
        apply_park(m, ev);
        break;
    case TRACE_UNPARK:
        apply_unpark(m, ev);
        break;
    case TRACE_SEARCH:
        apply_search(m, ev);
        break;
    case TRACE_DRIVER_TURN:
    case TRACE_IO_READY:
    case TRACE_TIMER_FIRE:
    case TRACE_TIMER_ADD:
    case TRACE_TIMER_CANCEL:
    case TRACE_IO_REGISTER:
    case TRACE_IO_DEREGISTER:
        apply_driver(m, ev);
        break;
    case TRACE_BLOCKING_START:
    case TRACE_BLOCKING_END:
        apply_blocking(m, ev);
        break;
    case TRACE_COMPLETE:
        apply_complete(m, ev);
        break;
    case TRACE_DROP:
        apply_drop(m, ev);
        break;
    case TRACE_LOST_WAKER:
        apply_lost_waker(m, ev);
        break;
    }
}

bool viz_event_starts_step(const trace_event_t *ev)
{
    switch (ev->kind) {
    case TRACE_POLL_START:
    case TRACE_STEAL:
    case TRACE_PARK:
    case TRACE_SEARCH:
    case TRACE_DRIVER_TURN:
        return true;
    default:
        return false;
    }
}

double viz_model_poll_rate(const viz_model_t *m)
{
    if (m->now_ns <= m->rate_t[0])
        return -1;
    return (double)(m->c.polls - m->rate_polls[0]) * 1e9 /
           (double)(m->now_ns - m->rate_t[0]);
}

void viz_model_set_dropped(viz_model_t *m, uint64_t dropped)
{
    if (dropped == m->dropped)
        return;
    bool first = m->dropped == 0;
    m->dropped = dropped;
    if (first && m->dropped_why[0] != 0)
        warn(m, VIZ_WARN_DROPPED, 0, "the trace %s; queues may be off",
             m->dropped_why);
    else if (first)
        warn(m, VIZ_WARN_DROPPED, 0,
             "the trace lost events: queues may be off");
}

void viz_model_set_late(viz_model_t *m, uint64_t late)
{
    if (late == 0 || m->late != 0) {
        m->late = late;
        return;
    }
    m->late = late;
    warn(m, VIZ_WARN_DROPPED, 0,
         "%" PRIu64 " event%s came in after later ones (a recording thread "
         "stalled): the order around %s may be wrong",
         late, late == 1 ? "" : "s", late == 1 ? "it" : "them");
}

void viz_model_set_dropped_why(viz_model_t *m, const char *why)
{
    size_t n = why != NULL ? strlen(why) : 0;
    if (n >= sizeof m->dropped_why)
        n = sizeof m->dropped_why - 1;
    memcpy(m->dropped_why, why != NULL ? why : "", n);
    m->dropped_why[n] = 0;
}

/* ---- life cycle ---------------------------------------------------------- */

static viz_exec_t exec_of(const char *name)
{
    if (name != NULL && strcmp(name, "spin") == 0)
        return VIZ_EXEC_SPIN;
    if (name != NULL && strcmp(name, "notify") == 0)
        return VIZ_EXEC_NOTIFY;
    return VIZ_EXEC_WS;
}

int viz_model_init(viz_model_t *m, const char *exec_name, uint32_t workers,
                   const char *scenario, viz_name_fn name_of, void *name_ctx)
{
    memset(m, 0, sizeof *m);
    m->exec = exec_of(exec_name);
    if (workers == 0)
        workers = 1;
    m->workers = workers < VIZ_MAX_WORKERS ? workers : VIZ_MAX_WORKERS;
    m->workers_init = m->workers;
    snprintf(m->scenario, sizeof m->scenario, "%s",
             scenario != NULL ? scenario : "");
    m->name_of = name_of;
    m->name_ctx = name_ctx;
    m->driver.holder = -1;
    m->log = calloc(VIZ_LOG_LINES, sizeof *m->log);
    return m->log != NULL ? 0 : -ENOMEM;
}

void viz_model_destroy(viz_model_t *m)
{
    free(m->tasks);
    free(m->index);
    queue_free(&m->ready);
    queue_free(&m->remote);
    queue_free(&m->inject);
    for (int i = 0; i < VIZ_MAX_WORKERS; i++)
        queue_free(&m->worker[i].ring);
    free(m->driver.timers);
    free(m->driver.fds);
    free(m->log);
    free(m->warnings);
    memset(m, 0, sizeof *m);
}

void viz_model_reset(viz_model_t *m)
{
    viz_model_t fresh;
    char scenario[sizeof m->scenario];
    memcpy(scenario, m->scenario, sizeof scenario);
    static const char *const names[] = {"spin", "notify", "ws"};
    viz_exec_t exec = m->exec;
    uint32_t workers = m->workers_init;
    viz_name_fn name_of = m->name_of;
    void *ctx = m->name_ctx;
    uint64_t dropped = m->dropped; /* the source's word, not the events' */
    char why[sizeof m->dropped_why];
    memcpy(why, m->dropped_why, sizeof why);
    viz_model_destroy(m);
    if (viz_model_init(&fresh, names[exec], workers, scenario, name_of, ctx) !=
        0)
        return; /* out of memory: an empty model with no log */
    *m = fresh;
    memcpy(m->dropped_why, why, sizeof why);
    viz_model_set_dropped(m, dropped);
}

const char *viz_task_state_name(viz_task_state_t s)
{
    static const char *const n[] = {"new",     "queued", "running",
                                    "waiting", "done",   "freed"};
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

const char *viz_worker_state_name(viz_worker_state_t s)
{
    static const char *const n[] = {"idle",   "polling", "searching",
                                    "parked", "driver",  "blocking"};
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}
