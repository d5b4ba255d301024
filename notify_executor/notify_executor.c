/*
 * notify_executor/notify_executor.c - a ready queue, a waiting set, wakers,
 * and a park in the driver: Tokio's current_thread scheduler (Tokio 1.x,
 * "runtime/scheduler/current_thread", 2021-2023), rebuilt for lesson 6.
 *
 * The spin executor polls every task round and round. This one polls a task
 * only after its waker was woken:
 *
 *     spawn ──┐          wake (this thread)
 *             v              │
 *      ready: [t4] [t7] [t2] <┘ <── drained ── remote: [t9] [t5]   (locked)
 *        │  pop the front                        ^
 *        v                                       │ wake from another
 *     task_run(t) ── PENDING ──> waiting         │ thread, then
 *        │                        (no queue:     │ driver_unpark()
 *        │                         the task      │
 *        │                         state says    │
 *        │                         "idle")       │
 *        ├── NOTIFIED (woken during its poll) ──> back of ready
 *        └── COMPLETE ──> off the owned list, reference dropped
 *
 *     nothing ready ──> driver_park(-1): epoll_wait until the next timer,
 *                       an I/O event, or an eventfd write by a remote wake
 *
 * The waiting set is not a data structure: a task that returned PENDING is
 * simply in no queue, and its state word (core/task.h) says so. A wake
 * that finds it idle sets NOTIFIED and calls notify_schedule() exactly
 * once; a wake that finds it NOTIFIED, RUNNING or COMPLETE does not. So
 * the ready queue never holds a task twice, and the owned list (every live
 * task) is the waiting set plus the queues plus the running task.
 *
 * Two details borrowed from Tokio's current_thread scheduler:
 *  - the remote queue is drained when the ready queue is empty, and also
 *    every REMOTE_INTERVAL polls (Tokio: global_queue_interval = 31), so a
 *    busy loop of yields cannot starve wakes from other threads;
 *  - the driver is turned without waiting every DRIVER_INTERVAL polls
 *    (Tokio: event_interval = 61), so busy tasks cannot starve timers and
 *    sockets either.
 *
 * Lost wakeups (lesson 5's naive sleep): when nothing is ready, no remote
 * wake is queued, the driver has no timer or fd that could wake anything,
 * and every remaining task is idle with no live waker, nothing can ever
 * poll them again. Sleeping then would hang forever; instead run and
 * block_on print each such task and return -EDEADLK.
 *
 * Who may touch what: see the struct. One thread drives the executor
 * (run/step/block_on/destroy); it is recognised by executor_current(),
 * which is this executor for the whole time it drives. Every other thread
 * only spawns and wakes, through `lock`.
 *
 * Tests: tests/test_notify.c.
 */
#include "notify_executor/notify_executor.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/coop.h"
#include "core/task_queue.h"
#include "core/poll_watch.h"
#include "core/trace.h"
#include "driver/driver.h"

#define REMOTE_INTERVAL 31
#define DRIVER_INTERVAL 61
#define NOTIFY_WORKER   0 /* the trace's worker number: there is one */

typedef struct notify_root notify_root_t;

typedef struct notify_executor {
    executor_t base;            /* first: ops, kind, &scheduler */
    task_scheduler_t scheduler; /* what task_new is given */
    driver_t *driver;           /* owned; any thread may unpark it */
    trace_sink_t *trace;        /* NULL: tracing off */
    trace_clocked_sink_t clocked; /* virtual time: stamps events with it */
    bool real_time;             /* a real clock: slow polls are measured
                                   (core/poll_watch.h) */

    /* The driving thread only. */
    task_queue_t ready;
    uint64_t tick;            /* steps so far: paces the two intervals */
    notify_root_t *root;      /* block_on's wake flag, NULL outside it */
    bool driving;             /* inside run/step/block_on: no nesting */
    bool parked;              /* inside driver_park: wakes come from it */
    trace_sink_t driver_sink; /* tracing: the driver's events pass here */
    uint64_t park_cause[2];   /* tracing: the driver's last TIMER_FIRE or
                                 IO_READY, as the {a, b} of a WAKE */
    executor_stats_t stats;   /* all but the two under lock below */

    /* Any thread, under lock. */
    pthread_mutex_t lock;
    task_queue_t remote; /* woken or spawned from another thread */
    task_list_t owned;   /* every live task; holds the owned reference */
    uint64_t spawned;    /* the stats fields that other threads touch */
    uint64_t remote_wakes;
    bool shutting_down; /* destroy has begun: spawn refuses, wakes drop */
} notify_executor_t;

static notify_executor_t *notify_of(executor_t *ex)
{
    return (notify_executor_t *)ex;
}

static notify_executor_t *notify_of_scheduler(task_scheduler_t *s)
{
    return (notify_executor_t *)((char *)s -
                                 offsetof(notify_executor_t, scheduler));
}

/* True on the thread that is driving n right now. */
static bool on_driving_thread(const notify_executor_t *n)
{
    return executor_current() == &n->base;
}

/* ---- the queues ------------------------------------------------------- */

/* Driving thread: t (with its queue reference) joins the ready queue. */
static void ready_push(notify_executor_t *n, task_t *t)
{
    task_queue_push(&n->ready, t);
    if (n->ready.len > n->stats.max_queue_depth)
        n->stats.max_queue_depth = n->ready.len;
}

/*
 * Any thread but the driving one: queue t remotely. Holds n->lock. Returns
 * true when the queue was empty: only then must the caller unpark, since
 * the driving thread drains the whole queue before it parks again.
 */
static bool remote_push_locked(notify_executor_t *n, task_t *t)
{
    bool was_empty = n->remote.head == NULL;
    task_queue_push(&n->remote, t);
    return was_empty;
}

/* ---- tracing helpers (only called when n->trace is set) -------------- */

/*
 * The driver's events on their way to the sink. The driver emits
 * TIMER_FIRE or IO_READY just before the wakes they cause, on the parking
 * thread: remembering the last one tells trace_local_wake what woke a task
 * during a park.
 */
static void driver_event_write(trace_sink_t *self, const trace_event_t *ev)
{
    notify_executor_t *n =
        (notify_executor_t *)((char *)self -
                              offsetof(notify_executor_t, driver_sink));
    if (ev->kind == TRACE_TIMER_FIRE) {
        n->park_cause[0] = TRACE_BY_TIMER;
        n->park_cause[1] = ev->a; /* the deadline */
    } else if (ev->kind == TRACE_IO_READY) {
        n->park_cause[0] = TRACE_BY_IO;
        n->park_cause[1] = ev->a; /* the fd */
    }
    n->trace->write(n->trace, ev);
}

/* A wake on the driving thread: by a task's poll, by block_on's future
 * (task 0), or by the driver during a park (a timer or an fd). */
static void trace_local_wake(notify_executor_t *n, task_t *t)
{
    task_t *waker = task_current();
    if (n->parked)
        TRACE(n->trace, TRACE_WAKE, NOTIFY_WORKER, t->id, n->park_cause[0],
              n->park_cause[1]);
    else
        TRACE(n->trace, TRACE_WAKE, NOTIFY_WORKER, t->id, TRACE_BY_TASK,
              waker != NULL ? waker->id : 0);
    TRACE(n->trace, TRACE_SCHEDULE, NOTIFY_WORKER, t->id, TRACE_Q_READY, 0);
}

/*
 * A task that arrived through the remote queue. Events are emitted on the
 * driving thread only (a sink need not be thread-safe), so a remote spawn
 * or wake is reported when it is drained. A task never polled yet was
 * spawned (a NOTIFIED task cannot be woken), any other was woken.
 */
static void trace_remote_arrival(notify_executor_t *n, task_t *t)
{
    uint64_t polls = atomic_load_explicit(&task_trailer(t)->stats.polls,
                                          memory_order_relaxed);
    if (polls == 0)
        TRACE(n->trace, TRACE_SPAWN, NOTIFY_WORKER, t->id, 0,
              trace_name_id(task_trailer(t)->name));
    else
        TRACE(n->trace, TRACE_WAKE, NOTIFY_WORKER, t->id, TRACE_BY_THREAD, 0);
    TRACE(n->trace, TRACE_SCHEDULE, NOTIFY_WORKER, t->id, TRACE_Q_REMOTE, 0);
}

/* ---- schedule and spawn ------------------------------------------------ */

/*
 * task_scheduler_ops_t.schedule: a wake (or an abort) found t idle and
 * passes us its queue reference. On the driving thread, straight into the
 * ready queue; from any other thread, into the remote queue and wake the
 * park. After destroy has begun, the reference is dropped.
 */
static void notify_schedule(task_scheduler_t *s, task_t *t)
{
    notify_executor_t *n = notify_of_scheduler(s);
    if (on_driving_thread(n)) {
        if (n->shutting_down) { /* written by this thread, in destroy */
            task_ref_dec(t);
            return;
        }
        n->stats.wakes++;
        ready_push(n, t);
        if (n->trace != NULL)
            trace_local_wake(n, t);
        return;
    }
    pthread_mutex_lock(&n->lock);
    bool refused = n->shutting_down;
    bool unpark = !refused && remote_push_locked(n, t);
    n->remote_wakes += !refused;
    pthread_mutex_unlock(&n->lock);
    if (refused)
        task_ref_dec(t);
    if (unpark)
        driver_unpark(n->driver);
}

static const task_scheduler_ops_t notify_scheduler_ops = {
    .schedule = notify_schedule,
};

/*
 * executor_ops_t.spawn, from any thread: t is new (NOTIFIED, three
 * references). We keep the queue's and the owned list's; the join handle's
 * is the caller's. -ESHUTDOWN once destroy has begun.
 */
static int notify_spawn(executor_t *ex, task_t *t)
{
    notify_executor_t *n = notify_of(ex);
    bool local = on_driving_thread(n);
    bool unpark = false;

    pthread_mutex_lock(&n->lock);
    if (n->shutting_down) {
        pthread_mutex_unlock(&n->lock);
        return -ESHUTDOWN;
    }
    task_owned_push(&n->owned, t);
    n->spawned++;
    if (!local)
        unpark = remote_push_locked(n, t);
    pthread_mutex_unlock(&n->lock);

    if (unpark)
        driver_unpark(n->driver);
    if (local) {
        task_t *parent = task_current();
        TRACE(n->trace, TRACE_SPAWN, NOTIFY_WORKER, t->id,
              parent != NULL ? parent->id : 0,
              trace_name_id(task_trailer(t)->name));
        TRACE(n->trace, TRACE_SCHEDULE, NOTIFY_WORKER, t->id, TRACE_Q_READY, 0);
        ready_push(n, t);
    }
    return 0;
}

/* ---- the block_on future's waker ------------------------------------- */

/*
 * block_on's future is not a task, so its waker is not a task waker: a
 * flag that block_on takes, plus an unpark when the wake comes from
 * another thread. It lives on the heap with a reference count because a
 * clone may outlive block_on (a thread that wakes it late); once block_on
 * has returned, `ex` is NULL and a wake only sets the flag.
 */
struct notify_root {
    atomic_int refs;       /* block_on's own, plus one per live clone */
    atomic_bool woken;     /* set by wakes, taken by block_on */
    pthread_mutex_t lock;  /* keeps ex alive while a wake unparks it */
    notify_executor_t *ex; /* under lock; NULL once block_on returned */
};

static const waker_vtable_t root_vtable;

static void root_release(notify_root_t *r)
{
    /* acq_rel: the last owner must see every other owner's writes before
     * it frees (the usual reference-count pairing). */
    if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) {
        pthread_mutex_destroy(&r->lock);
        free(r);
    }
}

static waker_t root_clone(const void *data)
{
    notify_root_t *r = (notify_root_t *)data;
    /* Relaxed: the caller holds a reference, so r stays alive. */
    atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    return (waker_t){&root_vtable, r};
}

static void root_wake_by_ref(const void *data)
{
    notify_root_t *r = (notify_root_t *)data;
    /* Release: pairs with the acquire exchange in root_take_wake, so the
     * root's next poll sees what the waker did before waking (a value
     * sent, a flag set). */
    atomic_store_explicit(&r->woken, true, memory_order_release);
    pthread_mutex_lock(&r->lock);
    if (r->ex != NULL && !on_driving_thread(r->ex))
        driver_unpark(r->ex->driver);
    pthread_mutex_unlock(&r->lock);
}

static void root_wake(const void *data)
{
    root_wake_by_ref(data);
    root_release((notify_root_t *)data);
}

static void root_drop(const void *data)
{
    root_release((notify_root_t *)data);
}

static const waker_vtable_t root_vtable = {
    .clone = root_clone,
    .wake = root_wake,
    .wake_by_ref = root_wake_by_ref,
    .drop = root_drop,
};

static notify_root_t *root_new(notify_executor_t *n)
{
    notify_root_t *r = malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    atomic_init(&r->refs, 1);
    atomic_init(&r->woken, true); /* the first poll needs no wake */
    pthread_mutex_init(&r->lock, NULL);
    r->ex = n;
    return r;
}

/* block_on is returning: from now on a wake must not touch the executor. */
static void root_detach(notify_root_t *r)
{
    pthread_mutex_lock(&r->lock);
    r->ex = NULL;
    pthread_mutex_unlock(&r->lock);
    root_release(r);
}

/* True once per wake (wakes between two polls merge into one). */
static bool root_take_wake(notify_root_t *r)
{
    /* Acquire: pairs with the release store in root_wake_by_ref. */
    return atomic_exchange_explicit(&r->woken, false, memory_order_acquire);
}

static bool root_is_woken(notify_root_t *r)
{
    return atomic_load_explicit(&r->woken, memory_order_acquire);
}

/* ---- running one task ------------------------------------------------ */

/* The task finished: off the owned list, and its reference with it. */
static void retire(notify_executor_t *n, task_t *t)
{
    TRACE(n->trace, TRACE_COMPLETE, NOTIFY_WORKER, t->id,
          (task_state(t) & TASK_CANCELLED) != 0, 0);
    pthread_mutex_lock(&n->lock);
    task_owned_remove(&n->owned, t);
    pthread_mutex_unlock(&n->lock);
    n->stats.completed++;
    task_ref_dec(t);
}

/*
 * Woken while its poll ran: a yield (its own waker, YIELD_NOW) or a wake
 * from elsewhere that found it RUNNING. Either way core counted it in the
 * task's stats; we tell the two apart by the task's self-wake counter.
 */
static void note_wake_in_poll(notify_executor_t *n, task_t *t,
                              uint64_t self_wakes_before)
{
    uint64_t self_wakes = atomic_load_explicit(
        &task_trailer(t)->stats.self_wakes, memory_order_relaxed);
    n->stats.wakes++;
    if (self_wakes != self_wakes_before) {
        n->stats.self_wakes++;
        TRACE(n->trace, TRACE_SELF_WAKE, NOTIFY_WORKER, t->id, 0, 0);
    } else {
        TRACE(n->trace, TRACE_WAKE, NOTIFY_WORKER, t->id, TRACE_BY_THREAD, 0);
    }
    TRACE(n->trace, TRACE_SCHEDULE, NOTIFY_WORKER, t->id, TRACE_Q_READY, 0);
}

/*
 * Poll t once, and honour task_run's answer (core/task.h):
 *   PENDING   the task is idle; do not touch it (a wake may own it now)
 *   NOTIFIED  we still hold the queue reference: back of the ready queue
 *   COMPLETE  take it off the owned list and drop that reference
 */
static void run_task(notify_executor_t *n, task_t *t)
{
    uint64_t id = t->id;
    uint64_t self_wakes = atomic_load_explicit(
        &task_trailer(t)->stats.self_wakes, memory_order_relaxed);
    int outer_budget = coop_budget_set(COOP_BUDGET);

    TRACE_POLL_BEGIN(n->trace, NOTIFY_WORKER, id);
    task_run_result_t r = task_run(t);
    TRACE_POLL_DONE(n->trace, NOTIFY_WORKER, id,
                    r == TASK_RUN_COMPLETE ? POLL_READY : POLL_PENDING,
                    n->real_time);
    coop_budget_set(outer_budget);

    n->stats.polls++;
    if (r == TASK_RUN_COMPLETE) {
        retire(n, t);
        return;
    }
    n->stats.pending_polls++;
    if (r == TASK_RUN_NOTIFIED) {
        note_wake_in_poll(n, t, self_wakes);
        ready_push(n, t);
    }
}

/* ---- finding work ---------------------------------------------------- */

/* Take every remotely queued task into the ready queue. */
static void drain_remote(notify_executor_t *n)
{
    pthread_mutex_lock(&n->lock);
    task_queue_t got = n->remote;
    n->remote = TASK_QUEUE_EMPTY;
    pthread_mutex_unlock(&n->lock);

    if (n->trace != NULL)
        for (task_t *t = got.head; t != NULL; t = t->next)
            trace_remote_arrival(n, t);
    task_queue_splice(&n->ready, &got);
    if (n->ready.len > n->stats.max_queue_depth)
        n->stats.max_queue_depth = n->ready.len;
}

/* Fire due timers and dispatch ready I/O without waiting. */
static void turn_driver(notify_executor_t *n)
{
    n->park_cause[0] = TRACE_BY_IO;
    n->parked = true;
    driver_park(n->driver, 0);
    n->parked = false;
    n->stats.driver_turns++;
}

/* The next task to poll, or NULL. Every so often, let the remote queue
 * and the driver in even when the ready queue never empties. */
static task_t *next_task(notify_executor_t *n)
{
    n->tick++;
    if (n->ready.head == NULL || n->tick % REMOTE_INTERVAL == 0)
        drain_remote(n);
    if (n->ready.head != NULL && n->tick % DRIVER_INTERVAL == 0)
        turn_driver(n);
    return task_queue_pop(&n->ready);
}

/*
 * Nothing is ready: sleep in the driver until a timer, an I/O event, or a
 * remote wake (whose driver_unpark makes this return at once, even when
 * it was written before we got here: the eventfd keeps it).
 */
static void park(notify_executor_t *n)
{
    TRACE(n->trace, TRACE_PARK, NOTIFY_WORKER, 0, 1, 0);
    n->stats.parks++;
    n->stats.driver_turns++;
    n->park_cause[0] = TRACE_BY_IO;
    n->parked = true;
    driver_park(n->driver, -1);
    n->parked = false;
    POLL_WATCH_MARK(n->trace, n->real_time);
    TRACE(n->trace, TRACE_UNPARK, NOTIFY_WORKER, 0, NOTIFY_WORKER, 0);
}

/* ---- lost-wakeup detection ------------------------------------------- */

/*
 * block_on's future is lost when it is not woken and no clone of its waker
 * is alive: only block_on's own reference is left.
 */
static bool root_is_lost(notify_root_t *r)
{
    /* Acquire on refs first: a clone consumed by waker_wake set woken
     * before it released its reference, so seeing that release means
     * seeing woken too. */
    int refs = atomic_load_explicit(&r->refs, memory_order_acquire);
    return refs == 1 && !root_is_woken(r);
}

/*
 * True when nothing can ever poll a pending task again (idle() has asked
 * the driver already): no wake is queued remotely, and either every task
 * is lost (core/task.h: idle with no live waker) or no task is left and
 * block_on's future is lost itself.
 *
 * With every task lost, block_on stops even if some thread might still
 * wake its future: those tasks can never finish, which is the bug worth
 * stopping for (core/executor.h: "every task is pending with no live
 * waker"). That also covers a future that awaits the lost tasks' join
 * handles, whose wakers they hold.
 *
 * Holds n->lock, which makes the check safe against a wake racing in from
 * another thread: its remote push needs this lock, and it drops its waker
 * (making the task look lost) only after that push.
 */
static bool nothing_can_wake_locked(notify_executor_t *n)
{
    if (n->remote.head != NULL)
        return false;
    if (n->owned.len == 0)
        return n->root != NULL && root_is_lost(n->root);
    for (task_t *t = task_owned_first(&n->owned); t != NULL; t = task_owned_next(t))
        if (!task_is_lost(t))
            return false;
    return true;
}

/* Say which tasks hang, in words, oldest first, and count them. Holds
 * n->lock. (The owned list is newest first: walk it backwards.) */
static void report_lost_locked(notify_executor_t *n)
{
    size_t nth = 0;
    for (task_t *t = task_owned_last(&n->owned); t != NULL;
         t = task_owned_prev(t)) {
        task_report_lost(t, nth++);
        TRACE(n->trace, TRACE_LOST_WAKER, NOTIFY_WORKER, t->id, 0, 0);
        n->stats.lost_wakers++;
    }
    task_report_lost_end(nth);
    if (n->root != NULL && root_is_lost(n->root)) {
        fprintf(stderr, "the block_on future is pending and nothing holds "
                        "its waker: a lost wakeup\n");
        TRACE(n->trace, TRACE_LOST_WAKER, NOTIFY_WORKER, 0, 0, 0);
        n->stats.lost_wakers++;
    }
}

/* ---- one step -------------------------------------------------------- */

/*
 * Nothing is ready. 0: no task is left (and no block_on future waits);
 * 1: parked, or found work after all; -EDEADLK: a lost wakeup, reported.
 */
static int idle(notify_executor_t *n)
{
    if (n->root != NULL && root_is_woken(n->root))
        return 1; /* block_on polls it next */
    /* Asked before taking n->lock: the driver may call wakers (which take
     * n->lock) under its own lock. Only this thread fires its timers and
     * dispatches its I/O, so the answer cannot turn stale meanwhile. */
    bool driver_work = driver_has_work(n->driver);

    pthread_mutex_lock(&n->lock);
    bool retry = n->remote.head != NULL;
    bool done = n->owned.len == 0 && n->root == NULL;
    bool lost = !retry && !done && !driver_work && nothing_can_wake_locked(n);
    if (lost)
        report_lost_locked(n);
    pthread_mutex_unlock(&n->lock);

    if (done)
        return 0;
    if (lost)
        return -EDEADLK;
    if (!retry)
        park(n);
    return 1;
}

/* One decision: poll the next ready task, or park. See executor_step. */
static int step_once(notify_executor_t *n)
{
    task_t *t = next_task(n);
    if (t == NULL)
        return idle(n);
    run_task(n, t);
    return 1;
}

/* The driving thread's context, saved around run/step/block_on. */
typedef struct notify_outer {
    executor_t *ex;
    driver_t *driver;
} notify_outer_t;

static notify_outer_t enter(notify_executor_t *n)
{
    assert(!n->driving);
    n->driving = true;
    POLL_WATCH_MARK(n->trace, n->real_time);
    return (notify_outer_t){executor_set_current(&n->base),
                            driver_set_current(n->driver)};
}

static void leave(notify_executor_t *n, notify_outer_t outer)
{
    driver_set_current(outer.driver);
    executor_set_current(outer.ex);
    n->driving = false;
}

/* executor_ops_t.step: 1 something was done, 0 no task left, -EDEADLK. */
static int notify_step(executor_t *ex)
{
    notify_executor_t *n = notify_of(ex);
    if (on_driving_thread(n))
        return -EBUSY; /* nested: from inside one of our polls */
    notify_outer_t outer = enter(n);
    int r = step_once(n);
    leave(n, outer);
    return r;
}

/* executor_ops_t.run: step until no task is left (0) or a lost wakeup
 * stops it (-EDEADLK). */
static int notify_run(executor_t *ex)
{
    notify_executor_t *n = notify_of(ex);
    if (on_driving_thread(n))
        return -EBUSY;
    notify_outer_t outer = enter(n);
    int r;
    while ((r = step_once(n)) == 1)
        ;
    leave(n, outer);
    return r;
}

/* ---- block_on -------------------------------------------------------- */

static poll_t poll_root(notify_executor_t *n, future_t *f, const waker_t *w)
{
    context_t cx = {.waker = w};
    int outer_budget = coop_budget_set(COOP_BUDGET);
    poll_t r = future_poll(f, &cx);
    coop_budget_set(outer_budget);
    n->stats.polls++;
    n->stats.pending_polls += r == POLL_PENDING;
    return r;
}

/*
 * executor_ops_t.block_on: poll f whenever its waker was woken, and run
 * tasks (or park) in between. 0 once f is READY; -EDEADLK when nothing
 * can ever wake f again; -ENOMEM; -EBUSY when nested (called from inside
 * a task or block_on of n, which would have to drive n twice at once).
 */
static int notify_block_on(executor_t *ex, future_t *f)
{
    notify_executor_t *n = notify_of(ex);
    if (on_driving_thread(n))
        return -EBUSY;
    notify_root_t *root = root_new(n);
    if (root == NULL)
        return -ENOMEM;
    waker_t w = {&root_vtable, root};
    notify_outer_t outer = enter(n);
    n->root = root;

    int r;
    for (;;) {
        if (root_take_wake(root) && poll_root(n, f, &w) == POLL_READY) {
            r = 0;
            break;
        }
        r = step_once(n);
        if (r < 0)
            break;
    }

    n->root = NULL;
    leave(n, outer);
    root_detach(root);
    return r;
}

/* ---- stats, create, destroy ------------------------------------------ */

static void notify_stats(executor_t *ex, executor_stats_t *out)
{
    notify_executor_t *n = notify_of(ex);
    *out = n->stats;
    pthread_mutex_lock(&n->lock);
    out->spawned = n->spawned;
    out->wakes += n->remote_wakes;
    pthread_mutex_unlock(&n->lock);
}

/* Drop the queue reference of every task still queued. */
static void drop_queue(task_queue_t *q)
{
    task_t *t;
    while ((t = task_queue_pop(q)) != NULL)
        task_ref_dec(t);
}

/*
 * executor_ops_t.destroy: refuse new work, cancel every live task (its
 * future's drop runs, its join handle sees COMPLETE), drop the queues'
 * references, then the driver: futures dropped above may still cancel
 * their timers in it, and it drops the wakers it still holds.
 */
static void notify_destroy(executor_t *ex)
{
    notify_executor_t *n = notify_of(ex);
    pthread_mutex_lock(&n->lock);
    n->shutting_down = true;
    pthread_mutex_unlock(&n->lock);

    notify_outer_t outer = enter(n);
    task_t *t;
    while ((t = task_owned_first(&n->owned)) != NULL) {
        task_shutdown(t);
        retire(n, t);
    }
    drop_queue(&n->ready);
    drop_queue(&n->remote); /* nobody pushes once shutting_down is set */
    leave(n, outer);

    driver_destroy(n->driver);
    pthread_mutex_destroy(&n->lock);
    free(n);
}

static const executor_ops_t notify_ops = {
    .spawn = notify_spawn,
    .block_on = notify_block_on,
    .run = notify_run,
    .step = notify_step,
    .stats = notify_stats,
    .destroy = notify_destroy,
};

/* executor_kind_t.create: NULL when out of memory or the driver cannot be
 * made (errno says why). workers, sim and seed mean nothing here. */
static executor_t *notify_create(const executor_config_t *cfg)
{
    notify_executor_t *n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    n->driver = driver_create(cfg->virtual_time);
    if (n->driver == NULL) {
        free(n);
        return NULL;
    }
    task_scheduler_init(&n->scheduler, &notify_scheduler_ops);
    pthread_mutex_init(&n->lock, NULL);
    n->base.ops = &notify_ops;
    n->base.kind = &notify_executor_kind;
    n->base.scheduler = &n->scheduler;
    /* With virtual time the trace's clock is the driver's (--sim). */
    n->trace = driver_trace_sink(n->driver, &n->clocked, cfg->trace);
    n->real_time = !cfg->virtual_time;
    if (n->trace != NULL) {
        n->driver_sink.write = driver_event_write;
        driver_set_trace(n->driver, &n->driver_sink);
    }
    return &n->base;
}

const executor_kind_t notify_executor_kind = {
    .name = "notify",
    .create = notify_create,
};
