/*
 * workstealing/runtime.c - the work-stealing runtime behind
 * core/executor.h: create, spawn, the scheduler hook that wakes land in,
 * block_on, run, step, stats, destroy.
 *
 * The worker loop is in worker.c, the simulation in sim.c; this file is
 * the part that the outside world calls, and the bookkeeping they share:
 *
 *   owned tasks   every task that has waited (a poll returned Pending),
 *                 in one of 16 locked lists sharded by task id, so that
 *                 shutdown can find tasks that sit in no queue (idle,
 *                 waiting for a waker) and drop their futures. Tokio
 *                 lists every task at spawn; a task that has never
 *                 waited is in a queue or being polled, and shutdown
 *                 finds it there, so we list a task only when it first
 *                 waits (task.h, first_wait). A task that finishes in
 *                 its first poll (chained_spawn's, spawn_many's) then
 *                 costs no lock and no list at all;
 *   live tasks    counted, not listed: spawns minus completions, per
 *                 worker and for the outside threads;
 *   the driver    one per runtime; whoever turns it holds driver_taken;
 *   block_on's    a flag and a condvar: the calling thread is not a
 *   waker         worker, it sleeps on its own until its future is woken.
 *
 * Shutdown (destroy), in order: stop the workers and the blocking pool and
 * join their threads; close the owned lists and the inject queue (later
 * spawns fail, later wakes drop their reference); cancel every listed
 * task (task_shutdown: its future's drop runs, its join handle
 * completes); empty the rings, LIFO slots and inject, cancelling the
 * tasks there that were never listed, and drop the queue references;
 * drop the owned references (the last reference frees each task);
 * destroy the driver last, since futures dropped above cancel their
 * timers in it.
 *
 * Tests: tests/test_ws.c.
 */
#include "workstealing/runtime.h"

#include <assert.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/coop.h"
#include "workstealing/ws.h"

#define WS_MAX_WORKERS    1024
#define DEADLOCK_CHECK_MS 50  /* how often a waiting run/block_on looks */
#define ROOT_SPIN_US      50   /* block_on's first guess of what blocking */
#define ROOT_SPIN_MIN_US  5    /* costs, then measured (root_spin), kept */
#define ROOT_SPIN_MAX_US  1000 /* within these bounds */

static _Thread_local ws_worker_t *current_worker;

ws_worker_t *ws__current_worker(void)
{
    return current_worker;
}

ws_worker_t *ws__set_current_worker(ws_worker_t *w)
{
    ws_worker_t *prev = current_worker;
    current_worker = w;
    return prev;
}

static ws_runtime_t *rt_of(executor_t *ex)
{
    return (ws_runtime_t *)ex;
}

/* This thread's worker if it belongs to rt; a worker of another runtime
 * is "outside" for rt. */
static ws_worker_t *local_worker(ws_runtime_t *rt)
{
    ws_worker_t *w = current_worker;
    return w != NULL && w->rt == rt ? w : NULL;
}

/* Relaxed: a count for the statistics, ordered with nothing. */
static void count_remote(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* ---- the driver: one holder at a time ------------------------------------ */

bool ws__driver_try_take(ws_runtime_t *rt)
{
    /* Acquire: pairs with the release in ws__driver_release; the last
     * holder's driver work happens before ours. */
    return !atomic_exchange_explicit(&rt->driver_taken, true,
                                     memory_order_acquire);
}

void ws__driver_release(ws_runtime_t *rt)
{
    /* Release: pairs with the acquire exchange in ws__driver_try_take. */
    atomic_store_explicit(&rt->driver_taken, false, memory_order_release);
}

/*
 * The driver's events pass through here on their way to the runtime's
 * sink: they get the worker that turned the driver, and a TIMER_FIRE or
 * IO_READY is remembered as the cause of the wakes that follow it.
 */
static void driver_event(trace_sink_t *self, const trace_event_t *ev)
{
    ws_runtime_t *rt =
        (ws_runtime_t *)((char *)self - offsetof(ws_runtime_t, driver_sink));
    ws_worker_t *w = local_worker(rt);
    trace_event_t e = *ev;
    if (w != NULL) {
        e.worker = w->index;
        if (ev->kind == TRACE_TIMER_FIRE || ev->kind == TRACE_IO_READY) {
            w->wake_cause[0] =
                ev->kind == TRACE_TIMER_FIRE ? TRACE_BY_TIMER : TRACE_BY_IO;
            w->wake_cause[1] = ev->a;
        }
    }
    rt->trace->write(rt->trace, &e);
}

/* ---- owned tasks --------------------------------------------------------- */

static ws_owned_t *shard_of(ws_runtime_t *rt, task_t *t)
{
    return &rt->owned[t->id % WS_OWNED_SHARDS];
}

/* task_scheduler_ops_t.first_wait: t waits for the first time; list
 * it. Only workers poll, and destroy stops them before it closes the
 * lists, so a list is never closed here. */
static void ws_first_wait(task_scheduler_t *self, task_t *t)
{
    ws_runtime_t *rt =
        (ws_runtime_t *)((char *)self - offsetof(ws_runtime_t, scheduler));
    ws_owned_t *o = shard_of(rt, t);
    ws_lock(&o->lock);
    assert(!o->closed);
    task_owned_push(&o->list, t);
    ws_unlock(&o->lock);
}

/* Spawned and not finished: the workers' and the outside's spawns minus
 * their completions. Completions are read first, and each is a release
 * store after its task's spawn was counted: so this never misses a task
 * whose completion it counted, and is 0 only when nothing is live. */
size_t ws__live_tasks(ws_runtime_t *rt)
{
    if (rt->sim)
        return (size_t)rt->sim_live;
    uint64_t done =
        atomic_load_explicit(&rt->remote.completed, memory_order_acquire);
    for (uint32_t i = 0; i < rt->nworkers; i++)
        done += atomic_load_explicit(&rt->workers[i].counters.completed,
                                     memory_order_acquire);
    uint64_t spawned =
        atomic_load_explicit(&rt->remote.spawned, memory_order_acquire);
    for (uint32_t i = 0; i < rt->nworkers; i++)
        spawned += atomic_load_explicit(&rt->workers[i].counters.spawned,
                                        memory_order_acquire);
    return spawned > done ? (size_t)(spawned - done) : 0;
}

/* A waiting run() sleeps until the last task is done (see run_threads). */
static void signal_runner(ws_runtime_t *rt)
{
    pthread_mutex_lock(&rt->run_lock);
    pthread_cond_signal(&rt->run_cond);
    pthread_mutex_unlock(&rt->run_lock);
}

/* Worker w polled t to completion. Listed: off its list, and the
 * executor's reference dropped here. Not listed: task_run_release already
 * dropped that reference with the queue's, and t may be freed; only
 * the count is left. */
void ws__task_done(ws_worker_t *w, task_t *t, bool listed)
{
    ws_runtime_t *rt = w->rt;
    if (listed) {
        ws_owned_t *o = shard_of(rt, t);
        ws_lock(&o->lock);
        task_owned_remove(&o->list, t);
        ws_unlock(&o->lock);
        task_ref_dec(t);
    }
    if (rt->sim)
        rt->sim_live--;
    /* Release: ws__live_tasks reads completions with acquire, and must
     * then see this task's spawn, which happened before. */
    atomic_store_explicit(
        &w->counters.completed,
        atomic_load_explicit(&w->counters.completed, memory_order_relaxed) + 1,
        memory_order_release);
    /* Relaxed: run() sets the flag, then counts; if this load misses a
     * flag set just now, run() saw our count, or finds it within its
     * DEADLOCK_CHECK_MS wait. Exact would need a fence per completion. */
    if (atomic_load_explicit(&rt->run_waiting, memory_order_relaxed) &&
        ws__live_tasks(rt) == 0)
        signal_runner(rt);
}

/*
 * Shutdown, every thread stopped: t was found in a queue (ring, LIFO
 * slot, inject). If it never waited it is on no list, so cancel it here
 * and drop the executor's reference too; then the queue's.
 */
void ws__release_queued(ws_runtime_t *rt, task_t *t)
{
    bool listed = task_trailer(t)->waited;
    if (!listed && !(task_state(t) & TASK_COMPLETE)) {
        task_shutdown(t);
        TRACE(rt->trace, TRACE_COMPLETE, TRACE_NO_WORKER, t->id, 1, 0);
        count_remote(&rt->remote.completed);
    }
    task_ref_dec(t); /* the queue's */
    if (!listed)
        task_ref_dec(t); /* the executor's */
}

/* ---- scheduling from outside a worker ------------------------------------ */

void ws__inject_batch(ws_runtime_t *rt, ws_worker_t *from, ws_batch_t b)
{
    /* Trace first: once pushed, any worker may run (and free) them. */
    if (rt->trace != NULL) {
        task_t *t = b.first;
        for (uint32_t i = 0; i < b.n; i++, t = t->next)
            TRACE(rt->trace, TRACE_SCHEDULE, ws__worker_id(from), t->id,
                  TRACE_Q_INJECT, 0);
    }
    if (ws_inject_push_batch(&rt->inject, b.first, b.last, b.n))
        ws__notify_parked(rt, from);
}

static void schedule_remote(ws_runtime_t *rt, task_t *t)
{
    t->next = NULL;
    ws__inject_batch(rt, NULL, (ws_batch_t){t, t, 1});
}

/* Who is waking t, for the trace: the poll running on this worker (or
 * the task completing there), the driver turned by it, or an outsider. */
static void trace_wake(ws_runtime_t *rt, ws_worker_t *w, task_t *t)
{
    if (w == NULL)
        TRACE(rt->trace, TRACE_WAKE, TRACE_NO_WORKER, t->id, TRACE_BY_THREAD,
              0);
    else if (w->polling)
        TRACE(rt->trace, TRACE_WAKE, w->index, t->id, TRACE_BY_TASK,
              w->running_id);
    else
        TRACE(rt->trace, TRACE_WAKE, w->index, t->id, w->wake_cause[0],
              w->wake_cause[1]);
}

/*
 * task_scheduler_ops_t.schedule: a wake (or an abort) found t idle and
 * hands us its queue reference. From a poll on one of our workers: that
 * worker's LIFO slot; from its driver turn: its ring; from anywhere
 * else: the inject queue. After shutdown the inject queue drops it.
 */
static void ws_schedule(task_scheduler_t *self, task_t *t)
{
    ws_runtime_t *rt =
        (ws_runtime_t *)((char *)self - offsetof(ws_runtime_t, scheduler));
    ws_worker_t *w = local_worker(rt);
    trace_wake(rt, w, t);
    if (w != NULL) {
        ws__count(&w->counters.wakes, 1);
        ws__schedule_local(w, t, w->polling);
    } else {
        count_remote(&rt->remote.wakes);
        schedule_remote(rt, t);
    }
}

static const task_scheduler_ops_t ws_scheduler_ops = {
    .schedule = ws_schedule,
    .first_wait = ws_first_wait,
};

/* ---- spawn --------------------------------------------------------------- */

/* A spawn from outside the workers: counted, then into the inject queue.
 * False when destroy closed the queue after ws_spawn's check; nothing
 * was queued then, and the count is taken back. */
static bool spawn_remote(ws_runtime_t *rt, task_t *t)
{
    /* Counted before the push: a worker may run and count its completion
     * at once, and ws__live_tasks must never see more done than spawned. */
    count_remote(&rt->remote.spawned);
    t->next = NULL;
    TRACE(rt->trace, TRACE_SCHEDULE, TRACE_NO_WORKER, t->id, TRACE_Q_INJECT, 0);
    if (!ws_inject_try_push(&rt->inject, t)) {
        atomic_fetch_sub_explicit(&rt->remote.spawned, 1, memory_order_relaxed);
        return false;
    }
    ws__notify_parked(rt, NULL);
    return true;
}

/* executor_ops_t.spawn: we keep the queue's reference and the executor's
 * (dropped when the task completes); the join handle's is the caller's.
 * No list yet: see "owned tasks" above. */
static int ws_spawn(executor_t *ex, task_t *t)
{
    ws_runtime_t *rt = rt_of(ex);
    if (atomic_load_explicit(&rt->shutdown, memory_order_acquire))
        return -ESHUTDOWN;
    ws_worker_t *w = local_worker(rt);
    if (rt->trace != NULL) {
        task_t *parent = task_current();
        TRACE(rt->trace, TRACE_SPAWN, ws__worker_id(w), t->id,
              parent != NULL ? parent->id : 0,
              trace_name_id(task_trailer(t)->name));
    }
    if (rt->sim)
        rt->sim_live++;
    if (w != NULL) {
        ws__count(&w->counters.spawned, 1);
        ws__schedule_local(w, t, w->polling);
    } else if (!spawn_remote(rt, t)) {
        if (rt->sim)
            rt->sim_live--;
        return -ESHUTDOWN;
    }
    return 0;
}

/* ---- block_on's waker: a flag and a condvar ------------------------------ */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Allocated, not on block_on's stack: a clone may outlive block_on (a
 * timer still holding it), and waking it must not touch a dead frame.
 * refs counts block_on's own reference plus every clone.
 */
typedef struct root_waker {
    atomic_int refs;
    atomic_bool woken;
    atomic_bool sleeping; /* block_on is on the condvar (or going there) */
    _Atomic uint64_t signalled_ns; /* when a waker last signalled cond */
    pthread_mutex_t lock; /* with cond: block_on sleeps on it */
    pthread_cond_t cond;
} root_waker_t;

static void root_release(root_waker_t *r)
{
    /* acq_rel: the last one out frees, after everyone's writes. */
    if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) {
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
        free(r);
    }
}

static void root_wake_by_ref(const void *data)
{
    root_waker_t *r = (root_waker_t *)data;
    /* seq_cst, and so a release: what the waker did before waking is
     * visible to the next poll of the root future. With root_wait's store
     * to sleeping and load of woken it is a Dekker pair: either block_on
     * sees woken before it sleeps, or we see it sleeping and signal. */
    atomic_store_explicit(&r->woken, true, memory_order_seq_cst);
    if (!atomic_load_explicit(&r->sleeping, memory_order_seq_cst))
        return; /* block_on is spinning: it sees the flag, no system call */
    pthread_mutex_lock(&r->lock);
    /* Relaxed: block_on reads it under the same lock. */
    atomic_store_explicit(&r->signalled_ns, mono_ns(), memory_order_relaxed);
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

static waker_t root_clone(const void *data);

static void root_drop(const void *data)
{
    root_release((root_waker_t *)data);
}

static void root_wake(const void *data)
{
    root_wake_by_ref(data);
    root_drop(data);
}

static const waker_vtable_t root_vtable = {
    .clone = root_clone,
    .wake = root_wake,
    .wake_by_ref = root_wake_by_ref,
    .drop = root_drop,
};

static waker_t root_clone(const void *data)
{
    root_waker_t *r = (root_waker_t *)data;
    /* Relaxed, as any reference count: the caller holds one already. */
    atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    return (waker_t){&root_vtable, r};
}

static root_waker_t *root_new(void)
{
    root_waker_t *r = malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    atomic_init(&r->refs, 1);
    atomic_init(&r->woken, false);
    atomic_init(&r->sleeping, false);
    atomic_init(&r->signalled_ns, 0);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    return r;
}

/* Nobody but block_on holds the waker and it was not woken: nothing can
 * ever wake the root future. Acquire on refs first: a clone consumed by
 * waker_wake set woken before it released its reference. */
static bool root_is_lost(root_waker_t *r)
{
    return atomic_load_explicit(&r->refs, memory_order_acquire) == 1 &&
           !atomic_load_explicit(&r->woken, memory_order_acquire);
}

/* ---- lost wakeups -------------------------------------------------------- */

/* Every owned task is lost (idle, no waker): none can ever run again.
 * False when there is no task at all. */
static bool all_tasks_lost(ws_runtime_t *rt)
{
    size_t tasks = 0;
    bool lost = true;
    for (int i = 0; i < WS_OWNED_SHARDS && lost; i++) {
        ws_owned_t *o = &rt->owned[i];
        ws_lock(&o->lock);
        tasks += o->list.len;
        for (task_t *t = task_owned_first(&o->list); t != NULL && lost;
             t = task_owned_next(t))
            lost = task_is_lost(t);
        ws_unlock(&o->lock);
    }
    return lost && tasks > 0;
}

static int by_id(const void *a, const void *b)
{
    uint64_t x = (*(task_t *const *)a)->id, y = (*(task_t *const *)b)->id;
    return (x > y) - (x < y);
}

/* The lost tasks, oldest first, in a malloc'd array (*n of them). They
 * cannot complete, so they stay on their owned lists while we look. */
static size_t listed_tasks(ws_runtime_t *rt)
{
    size_t n = 0;
    for (int i = 0; i < WS_OWNED_SHARDS; i++) {
        ws_lock(&rt->owned[i].lock);
        n += rt->owned[i].list.len;
        ws_unlock(&rt->owned[i].lock);
    }
    return n;
}

static task_t **collect_lost(ws_runtime_t *rt, size_t *n)
{
    size_t cap = listed_tasks(rt);
    task_t **lost = malloc((cap > 0 ? cap : 1) * sizeof *lost);
    *n = 0;
    for (int i = 0; i < WS_OWNED_SHARDS && lost != NULL; i++) {
        ws_owned_t *o = &rt->owned[i];
        ws_lock(&o->lock);
        for (task_t *t = task_owned_first(&o->list); t != NULL && *n < cap;
             t = task_owned_next(t))
            if (task_is_lost(t))
                lost[(*n)++] = t;
        ws_unlock(&o->lock);
    }
    if (lost != NULL)
        qsort(lost, *n, sizeof *lost, by_id);
    return lost;
}

/* Say which tasks hang, in words, oldest first, and count them. */
static void report_lost(ws_runtime_t *rt, root_waker_t *root)
{
    size_t n;
    task_t **lost = collect_lost(rt, &n);
    for (size_t i = 0; i < n; i++) {
        task_report_lost(lost[i], i);
        TRACE(rt->trace, TRACE_LOST_WAKER, TRACE_NO_WORKER, lost[i]->id, 0, 0);
        rt->lost_wakers++;
    }
    task_report_lost_end(n);
    free(lost);
    if (root != NULL && root_is_lost(root)) {
        fprintf(stderr, "the block_on future is pending and nothing holds "
                        "its waker: a lost wakeup\n");
        TRACE(rt->trace, TRACE_LOST_WAKER, TRACE_NO_WORKER, 0, 0, 0);
        rt->lost_wakers++;
    }
}

/* Threads mode: every worker sleeps and nothing is queued for them. */
static bool workers_idle(ws_runtime_t *rt)
{
    return ws_idle_num_unparked(&rt->idle) == 0 &&
           ws_inject_is_empty(&rt->inject);
}

/* ---- block_on ------------------------------------------------------------ */

static void deadline_in(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += ms * 1000000L;
    ts->tv_sec += ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}


/*
 * Before sleeping, watch the flag for a while. A result that comes within
 * that time then costs the waker no system call and us no wake-up
 * latency. How long: the rule of competitive spinning (Karlin, Manasse,
 * McGeoch, Owicki, 1991): spin for as long as blocking would cost, then
 * block; whatever the wait turns out to be, that costs at most twice what
 * the best choice made in hindsight would have. What blocking costs is
 * the machine's: a futex wait and wake, and bringing the sleeping CPU
 * back, 10 to 50 us on the virtual machines this course runs on, less on
 * an idle bare-metal core, more with deep C-states. So it is measured, not
 * chosen: each wake-up of a sleeping block_on times the gap between the
 * waker's signal and block_on running again (root_wait), and the runtime
 * keeps a running average (rt->wake_cost_ns, starting at ROOT_SPIN_US,
 * kept between ROOT_SPIN_MIN_US and ROOT_SPIN_MAX_US); the spin lasts
 * that long. Glibc's adaptive mutexes adapt their spin the same way.
 * The spin also costs a core, so we watch only while some worker sleeps
 * (its core is likely idle), and give the core away (sched_yield)
 * between looks, in case a worker shares it. True when woken.
 */
static bool root_spin(ws_runtime_t *rt, root_waker_t *r)
{
    if (WS_SPINS == 0 || !rt->root_spins)
        return false;
    uint64_t end = mono_ns() + atomic_load_explicit(&rt->wake_cost_ns,
                                                    memory_order_relaxed);
    do {
        if (ws_idle_num_unparked(&rt->idle) == rt->nworkers)
            return false; /* every worker runs: leave them the cores */
        for (int i = 0; i < 16; i++) {
            /* Acquire: pairs with root_wake_by_ref's store. */
            if (atomic_load_explicit(&r->woken, memory_order_acquire))
                return true;
            ws_cpu_relax();
        }
        sched_yield(); /* a worker that shares our core goes first */
    } while (mono_ns() < end);
    return false;
}

/* One more measured wake-up: what blocking cost this time. A running
 * average (7/8 old, 1/8 new) within the bounds. Relaxed, and two block_on
 * threads may lose one update between them: it is an estimate. */
static void learn_wake_cost(ws_runtime_t *rt, uint64_t ns)
{
    if (ns < ROOT_SPIN_MIN_US * 1000u)
        ns = ROOT_SPIN_MIN_US * 1000u;
    if (ns > ROOT_SPIN_MAX_US * 1000u)
        ns = ROOT_SPIN_MAX_US * 1000u;
    uint64_t old = atomic_load_explicit(&rt->wake_cost_ns, memory_order_relaxed);
    atomic_store_explicit(&rt->wake_cost_ns, (7 * old + ns) / 8,
                          memory_order_relaxed);
}

/*
 * Threads mode: sleep until the root future is woken. -EDEADLK when it
 * never can be: nobody else holds its waker, or every task is lost while
 * the workers sleep (the rule notify_executor follows too). The timed
 * wait is only for noticing the second case.
 */
static int root_wait(ws_runtime_t *rt, root_waker_t *r)
{
    if (root_spin(rt, r))
        return 0;
    int err = 0;
    pthread_mutex_lock(&r->lock);
    /* seq_cst: the other half of root_wake_by_ref's Dekker pair. */
    atomic_store_explicit(&r->sleeping, true, memory_order_seq_cst);
    while (!atomic_load_explicit(&r->woken, memory_order_seq_cst)) {
        if (root_is_lost(r) || (workers_idle(rt) && all_tasks_lost(rt))) {
            report_lost(rt, r);
            err = -EDEADLK;
            break;
        }
        struct timespec ts;
        deadline_in(&ts, DEADLOCK_CHECK_MS);
        pthread_cond_timedwait(&r->cond, &r->lock, &ts);
    }
    atomic_store_explicit(&r->sleeping, false, memory_order_relaxed);
    uint64_t signalled =
        atomic_exchange_explicit(&r->signalled_ns, 0, memory_order_relaxed);
    pthread_mutex_unlock(&r->lock);
    if (err == 0 && signalled != 0)
        learn_wake_cost(rt, mono_ns() - signalled);
    return err;
}

/* Simulation: step the workers until the root future is woken. */
static int root_wait_sim(ws_runtime_t *rt, root_waker_t *r)
{
    while (!atomic_load_explicit(&r->woken, memory_order_acquire)) {
        if (ws__sim_step(rt) == 0) {
            report_lost(rt, r); /* nothing can ever happen again */
            return -EDEADLK;
        }
    }
    return 0;
}

/* Poll the root future until READY, waiting in between. */
static int block_on_loop(ws_runtime_t *rt, future_t *f, root_waker_t *r)
{
    waker_t w = {&root_vtable, r};
    context_t cx = {.waker = &w};
    for (;;) {
        /* Acquire: pairs with root_wake_by_ref; clear the flag before the
         * poll, so a wake during the poll is not lost. */
        atomic_exchange_explicit(&r->woken, false, memory_order_acquire);
        int outer_budget = coop_budget_set(COOP_BUDGET);
        poll_t p = future_poll(f, &cx);
        coop_budget_set(outer_budget);
        if (p == POLL_READY)
            return 0;
        int err = rt->sim ? root_wait_sim(rt, r) : root_wait(rt, r);
        if (err != 0)
            return err;
    }
}

/* The runtime whose block_on this thread is inside, if any. */
static _Thread_local ws_runtime_t *blocking_on;

/* executor_ops_t.block_on. Not from inside one of our workers (that
 * would stop the worker) nor inside our own block_on: -EBUSY, as on
 * every executor. */
static int ws_block_on(executor_t *ex, future_t *f)
{
    ws_runtime_t *rt = rt_of(ex);
    if (local_worker(rt) != NULL || blocking_on == rt)
        return -EBUSY;
    root_waker_t *r = root_new();
    if (r == NULL)
        return -ENOMEM;
    executor_t *outer_ex = executor_set_current(&rt->base);
    driver_t *outer_drv = driver_set_current(rt->driver);
    ws_runtime_t *outer_root = blocking_on;
    blocking_on = rt;
    int err = block_on_loop(rt, f, r);
    blocking_on = outer_root;
    driver_set_current(outer_drv);
    executor_set_current(outer_ex);
    root_release(r);
    return err;
}

/* ---- run and step -------------------------------------------------------- */

/* Threads mode: sleep until the last task finishes (ws__task_done
 * signals when none is live) or every task is lost. */
static int run_threads(ws_runtime_t *rt)
{
    int err = 0;
    pthread_mutex_lock(&rt->run_lock);
    atomic_store_explicit(&rt->run_waiting, 1, memory_order_seq_cst);
    while (ws__live_tasks(rt) > 0) {
        if (workers_idle(rt) && all_tasks_lost(rt)) {
            report_lost(rt, NULL);
            err = -EDEADLK;
            break;
        }
        struct timespec ts;
        deadline_in(&ts, DEADLOCK_CHECK_MS);
        pthread_cond_timedwait(&rt->run_cond, &rt->run_lock, &ts);
    }
    atomic_store_explicit(&rt->run_waiting, 0, memory_order_seq_cst);
    pthread_mutex_unlock(&rt->run_lock);
    return err;
}

static int run_sim(ws_runtime_t *rt)
{
    while (rt->sim_live > 0) {
        if (ws__sim_step(rt) == 0) {
            report_lost(rt, NULL);
            return -EDEADLK;
        }
    }
    return 0;
}

/* executor_ops_t.run: until no task is left. */
static int ws_run(executor_t *ex)
{
    ws_runtime_t *rt = rt_of(ex);
    if (local_worker(rt) != NULL || blocking_on == rt)
        return -EBUSY;
    if (!rt->sim)
        return run_threads(rt);
    executor_t *outer_ex = executor_set_current(&rt->base);
    driver_t *outer_drv = driver_set_current(rt->driver);
    int err = run_sim(rt);
    driver_set_current(outer_drv);
    executor_set_current(outer_ex);
    return err;
}

/* executor_ops_t.step: one scheduling decision of one worker. Only the
 * simulation has steps: real workers decide on their own threads. 1;
 * 0 when no worker can do anything (no task left, or the rest wait for
 * a wake from outside); -EDEADLK when every task left is a lost wakeup
 * (nothing holds its waker: reported, as run reports it). */
static int ws_step(executor_t *ex)
{
    ws_runtime_t *rt = rt_of(ex);
    if (!rt->sim)
        return -ENOTSUP;
    executor_t *outer_ex = executor_set_current(&rt->base);
    driver_t *outer_drv = driver_set_current(rt->driver);
    int r = ws__sim_step(rt);
    if (r == 0 && rt->sim_live > 0 && all_tasks_lost(rt)) {
        report_lost(rt, NULL);
        r = -EDEADLK;
    }
    driver_set_current(outer_drv);
    executor_set_current(outer_ex);
    return r;
}

/* ---- statistics ---------------------------------------------------------- */

static uint64_t get(_Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static void add_counters(executor_stats_t *out, ws_counters_t *c)
{
    out->spawned += get(&c->spawned);
    out->completed += get(&c->completed);
    out->polls += get(&c->polls);
    out->pending_polls += get(&c->pending_polls);
    out->wakes += get(&c->wakes);
    out->self_wakes += get(&c->self_wakes);
    out->steals += get(&c->steals);
    out->stolen += get(&c->stolen);
    out->parks += get(&c->parks);
    out->driver_turns += get(&c->driver_turns);
}

static void ws_stats(executor_t *ex, executor_stats_t *out)
{
    ws_runtime_t *rt = rt_of(ex);
    memset(out, 0, sizeof *out);
    add_counters(out, &rt->remote);
    for (uint32_t i = 0; i < rt->nworkers; i++) {
        ws_worker_t *w = &rt->workers[i];
        add_counters(out, &w->counters);
        /* Relaxed: a statistic. */
        uint64_t depth =
            atomic_load_explicit(&w->ring.max_len, memory_order_relaxed);
        if (depth > out->max_queue_depth)
            out->max_queue_depth = depth;
    }
    out->lost_wakers = rt->lost_wakers;
}

int ws_view(executor_t *ex, ws_view_t *out, ws_worker_view_t *views, size_t n)
{
    if (!ws_is_ws(ex))
        return -EINVAL;
    ws_runtime_t *rt = rt_of(ex);
    out->workers = rt->nworkers;
    out->inject_len = ws_inject_len(&rt->inject);
    out->live_tasks = ws__live_tasks(rt);
    out->searching = ws_idle_num_searching(&rt->idle);
    out->unparked = ws_idle_num_unparked(&rt->idle);
    out->now_ms = driver_now_ms(rt->driver);
    for (size_t i = 0; views != NULL && i < n && i < rt->nworkers; i++) {
        ws_worker_t *w = &rt->workers[i];
        /* Shared state only, unless the caller's thread is every
         * worker's (simulation): the rest belongs to the worker. */
        views[i] = (ws_worker_view_t){
            .ring_len = ws_ring_len(&w->ring),
            .parked = ws_idle_is_parked(&rt->idle, (uint32_t)i),
        };
        if (rt->sim) {
            views[i].lifo =
                atomic_load_explicit(&w->lifo, memory_order_relaxed) != NULL;
            views[i].searching = w->is_searching;
            views[i].holds_driver = w->holds_driver;
        }
    }
    return 0;
}

/* ---- destroy ------------------------------------------------------------- */

static void stop_threads(ws_runtime_t *rt, uint32_t started)
{
    /* Release: pairs with the workers' acquire load in their loop. */
    atomic_store_explicit(&rt->shutdown, true, memory_order_release);
    for (uint32_t i = 0; i < started; i++)
        ws_parker_unpark(&rt->workers[i].parker);
    driver_unpark(rt->driver);
    for (uint32_t i = 0; i < started; i++)
        pthread_join(rt->workers[i].thread, NULL);
}

/* Cancel every owned task: futures dropped, join handles completed. */
static void cancel_owned(ws_runtime_t *rt)
{
    for (int i = 0; i < WS_OWNED_SHARDS; i++) {
        ws_owned_t *o = &rt->owned[i];
        ws_lock(&o->lock);
        o->closed = true;
        ws_unlock(&o->lock);
    }
    ws_inject_close(&rt->inject);
    /* No lock while dropping futures: a drop may wake a join handle,
     * which may schedule (and so lock) anything. Closed lists do not
     * change, and each holds a reference on its tasks. */
    for (int i = 0; i < WS_OWNED_SHARDS; i++) {
        for (task_t *t = task_owned_first(&rt->owned[i].list); t != NULL;
             t = task_owned_next(t)) {
            if (task_state(t) & TASK_COMPLETE)
                continue;
            task_shutdown(t);
            TRACE(rt->trace, TRACE_COMPLETE, TRACE_NO_WORKER, t->id, 1, 0);
            count_remote(&rt->remote.completed);
        }
    }
}

/* Empty the queues (cancelling the tasks there that were never listed),
 * then the owned lists: the last references free the tasks. */
static void release_tasks(ws_runtime_t *rt)
{
    for (uint32_t i = 0; i < rt->nworkers; i++)
        ws__worker_drain(&rt->workers[i]);
    size_t n;
    task_t *t;
    while ((t = ws_inject_pop_batch(&rt->inject, 1024, &n)) != NULL) {
        while (t != NULL) {
            task_t *next = t->next;
            ws__release_queued(rt, t);
            t = next;
        }
    }
    for (int i = 0; i < WS_OWNED_SHARDS; i++) {
        task_list_t *l = &rt->owned[i].list;
        while ((t = task_owned_first(l)) != NULL) {
            task_owned_remove(l, t);
            task_ref_dec(t);
        }
    }
}

/* Free what create made; every thread is stopped and every task gone. */
static void free_runtime(ws_runtime_t *rt)
{
    if (rt->blocking != NULL)
        ws__blocking_free(rt->blocking);
    for (uint32_t i = 0; i < rt->nworkers; i++)
        ws__worker_destroy(&rt->workers[i]);
    free(rt->workers);
    ws_inject_destroy(&rt->inject);
    ws_idle_destroy(&rt->idle);
    pthread_cond_destroy(&rt->run_cond);
    pthread_mutex_destroy(&rt->run_lock);
    driver_destroy(rt->driver);
    free(rt);
}

static void ws_destroy(executor_t *ex)
{
    ws_runtime_t *rt = rt_of(ex);
    assert(local_worker(rt) == NULL && "destroy from inside a task");
    stop_threads(rt, rt->sim ? 0 : rt->nworkers);
    ws__blocking_shutdown(rt->blocking);

    executor_t *outer_ex = executor_set_current(&rt->base);
    driver_t *outer_drv = driver_set_current(rt->driver);
    cancel_owned(rt);
    release_tasks(rt);
    driver_set_current(outer_drv);
    executor_set_current(outer_ex);
    free_runtime(rt);
}

/* ---- create -------------------------------------------------------------- */

static const executor_ops_t ws_ops = {
    .spawn = ws_spawn,
    .block_on = ws_block_on,
    .run = ws_run,
    .step = ws_step,
    .stats = ws_stats,
    .destroy = ws_destroy,
};

bool ws_is_ws(const executor_t *ex)
{
    return ex != NULL && ex->ops == &ws_ops;
}

/* The fields that cannot fail; the allocations are done. */
static void init_runtime(ws_runtime_t *rt, const executor_config_t *cfg)
{
    rt->base.ops = &ws_ops;
    rt->base.kind = &ws_executor_kind;
    rt->base.scheduler = &rt->scheduler;
    task_scheduler_init(&rt->scheduler, &ws_scheduler_ops);
    ws_inject_init(&rt->inject);
    for (int i = 0; i < WS_OWNED_SHARDS; i++)
        ws_lock_init(&rt->owned[i].lock);
    pthread_mutex_init(&rt->run_lock, NULL);
    pthread_cond_init(&rt->run_cond, NULL);
    ws_rng_seed(&rt->sim_rng, cfg->seed);
    if (rt->trace != NULL) {
        rt->driver_sink.write = driver_event;
        driver_set_trace(rt->driver, &rt->driver_sink);
    }
    for (uint32_t i = 0; i < rt->nworkers; i++) {
        ws__worker_init(&rt->workers[i], rt, i);
        /* Victim choice: reproducible in simulation, spread otherwise. */
        ws_rng_seed(&rt->workers[i].rng,
                    cfg->seed ^ (0x9e3779b97f4a7c15ull * (i + 1)) ^
                        (rt->sim ? 0 : (uint64_t)(uintptr_t)rt));
    }
}

/* Threads mode: start the workers. Returns how many started. */
static uint32_t start_threads(ws_runtime_t *rt)
{
    uint32_t i;
    for (i = 0; i < rt->nworkers; i++) {
        ws_worker_t *w = &rt->workers[i];
        if (pthread_create(&w->thread, NULL, ws__worker_main, w) != 0)
            break;
    }
    return i;
}

/* The allocations that can fail, undone in reverse when one does. NULL
 * with errno set. */
static ws_runtime_t *alloc_runtime(const executor_config_t *cfg)
{
    ws_runtime_t *rt = calloc(1, sizeof *rt);
    if (rt == NULL)
        return NULL;
    rt->nworkers =
        cfg->workers > 0 ? (uint32_t)cfg->workers : WS_DEFAULT_WORKERS;
    rt->sim = cfg->sim;
    /* With one CPU a spinning block_on would only take the workers' core. */
    rt->root_spins = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
    atomic_init(&rt->wake_cost_ns, ROOT_SPIN_US * 1000u);
    rt->trace = cfg->trace;
    if ((rt->driver = driver_create(cfg->sim)) == NULL)
        goto fail;
    /* In simulation the trace's clock is the virtual one: a run's
     * timestamps are part of what the same seed must reproduce, and each
     * runtime stamps its own, so no other runtime can change them. */
    rt->trace = driver_trace_sink(rt->driver, &rt->sim_sink, cfg->trace);
    if (ws_idle_init(&rt->idle, rt->nworkers) != 0)
        goto fail_driver;
    rt->workers =
        aligned_alloc(WS_CACHE_LINE, rt->nworkers * sizeof(ws_worker_t));
    if (rt->workers == NULL)
        goto fail_idle;
    if ((rt->blocking = ws__blocking_create(rt)) == NULL)
        goto fail_workers;
    return rt;

fail_workers:
    free(rt->workers);
fail_idle:
    ws_idle_destroy(&rt->idle);
fail_driver:
    driver_destroy(rt->driver);
fail:
    free(rt);
    errno = errno != 0 ? errno : ENOMEM;
    return NULL;
}

/* executor_kind_t.create: NULL with errno set (EINVAL: more than 1024
 * workers; ENOMEM; EAGAIN: no threads; or the driver's reason). */
static executor_t *ws_create(const executor_config_t *cfg)
{
    if (cfg->workers > WS_MAX_WORKERS) {
        errno = EINVAL;
        return NULL;
    }
    ws_runtime_t *rt = alloc_runtime(cfg);
    if (rt == NULL)
        return NULL;
    init_runtime(rt, cfg);
    if (rt->sim) {
        return &rt->base;
    }
    uint32_t started = start_threads(rt);
    if (started == rt->nworkers)
        return &rt->base;
    stop_threads(rt, started);
    ws__blocking_shutdown(rt->blocking);
    free_runtime(rt);
    errno = EAGAIN;
    return NULL;
}

const executor_kind_t ws_executor_kind = {
    .name = "ws",
    .create = ws_create,
};
