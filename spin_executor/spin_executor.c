/*
 * spin_executor/spin_executor.c - the busy loop: poll everything, forever.
 *
 * This is the executor of Tokio's "Runtime Model" document (Tokio 0.1 docs,
 * 2018), which starts from the simplest thing that can run futures:
 *
 *     while a task is left:
 *         t = pop_front(deque)
 *         if poll(t) is PENDING: push_back(deque, t)
 *
 * Nobody ever waits for a wake, so the waker handed to each poll is the
 * no-op waker, and core's task_run_busy keeps every task NOTIFIED the whole
 * time: any wake of a spin task is a no-op, exactly as in the model.
 *
 *          step: pop the front, poll it once
 *              │
 *     head ──> [t1] ──> [t2] ──> [t3] ──> [t4] <── tail
 *                                           ^
 *              PENDING: push back ──────────┘
 *              READY:   off the owned list, last references dropped
 *
 * The trade-off, and lesson 4's point: a task that waits (a sleep, a socket)
 * is polled again and again for nothing. Those polls are counted as wasted
 * polls (stats.pending_polls), and the thread runs at 100% CPU however long
 * the wait. The notify executor (notify_executor/) removes both by polling
 * only the tasks that a waker says are ready.
 *
 * The driver. Driver-backed futures (driver/time.h) keep a timer in a
 * driver, so the executor must turn it. Once per pass over the deque (not
 * per poll: that would be a system call per poll) it calls driver_park(d, 0),
 * which fires due timers and never waits. With a virtual clock a pass moves
 * time forward by up to 1 ms instead, so sleeps still end.
 *
 * Threads: one. Every field below belongs to the thread that created the
 * executor; tasks polled by it may spawn (through executor_current()).
 *
 * Tests: tests/test_spin.c.
 */
#include "spin_executor/spin_executor.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "core/coop.h"
#include "core/task_queue.h"
#include "core/poll_watch.h"
#include "core/trace.h"
#include "driver/driver.h"

typedef struct spin_executor {
    executor_t base;            /* first: ops, kind, &scheduler */
    task_scheduler_t scheduler; /* what task_new is given */

    /* The run queue (core/task_queue.h), intrusive through task->next.
     * Each entry holds the task's queue reference. */
    task_queue_t queue;  /* every task not being polled, in poll order */

    task_list_t owned;   /* every live task; holds the owned reference */
    size_t pass_left;    /* polls left before the next driver turn */
    driver_t *driver;    /* owned; turned once per pass */
    int64_t turn_ms;     /* 0 on a real clock, 1 on a virtual one */
    trace_sink_t *trace; /* NULL: tracing off */
    trace_clocked_sink_t clocked; /* virtual time: stamps events with it */
    bool shutting_down;  /* destroy has begun: spawn refuses */
    bool driving;        /* inside run, step or block_on: none nests */
    waker_t noop;        /* what every poll is given */
    executor_stats_t stats;
} spin_executor_t;

static spin_executor_t *spin_of(executor_t *ex)
{
    return (spin_executor_t *)ex;
}

/* ---- the queue ---------------------------------------------------------- */

/* Queue t at the back; the caller hands over the queue reference. */
static void enqueue(spin_executor_t *s, task_t *t)
{
    task_queue_push(&s->queue, t);
    if (s->queue.len > s->stats.max_queue_depth)
        s->stats.max_queue_depth = s->queue.len;
    TRACE(s->trace, TRACE_SCHEDULE, 0, t->id, TRACE_Q_READY, 0);
}

/*
 * The scheduler hook of core/task.h: called only by a wake or an abort that
 * found the task idle (not NOTIFIED). Spin tasks are NOTIFIED from spawn to
 * completion, so this does not happen; if it ever did, queueing the task is
 * what the protocol asks for.
 */
static void spin_schedule(task_scheduler_t *self, task_t *t)
{
    spin_executor_t *s =
        (spin_executor_t *)((char *)self -
                            offsetof(spin_executor_t, scheduler));
    if (s->shutting_down) {
        task_ref_dec(t);
        return;
    }
    enqueue(s, t);
}

static const task_scheduler_ops_t spin_scheduler_ops = {
    .schedule = spin_schedule,
};

/* ---- spawn --------------------------------------------------------------- */

/*
 * executor_ops_t.spawn: t is new (NOTIFIED, three references). We keep the
 * queue's and the owned list's; the join handle's is the caller's.
 */
static int spin_spawn(executor_t *ex, task_t *t)
{
    spin_executor_t *s = spin_of(ex);
    if (s->shutting_down)
        return -ESHUTDOWN;
    task_t *parent = task_current();
    TRACE(s->trace, TRACE_SPAWN, 0, t->id, parent != NULL ? parent->id : 0,
          trace_name_id(task_trailer(t)->name));
    task_owned_push(&s->owned, t);
    s->stats.spawned++;
    enqueue(s, t);
    return 0;
}

/* ---- one step ------------------------------------------------------------ */

/* Fire due timers without waiting: the start of every pass. */
static void turn_driver(spin_executor_t *s)
{
    driver_t *outer = driver_set_current(s->driver);
    driver_park(s->driver, s->turn_ms);
    driver_set_current(outer);
    s->stats.driver_turns++;
}

/* The task finished: it leaves the owned list, and its reference with it. */
static void retire(spin_executor_t *s, task_t *t)
{
    TRACE(s->trace, TRACE_COMPLETE, 0, t->id,
          (task_state(t) & TASK_CANCELLED) != 0, 0);
    task_owned_remove(&s->owned, t);
    s->stats.completed++;
    task_ref_dec(t);
}

/*
 * Poll t once, as a spin task: no-op waker, a fresh coop budget, this
 * executor and its driver current. Returns what task_run_busy said; on
 * COMPLETE the queue's reference is already gone.
 */
static task_run_result_t poll_task(spin_executor_t *s, task_t *t)
{
    executor_t *outer_ex = executor_set_current(&s->base);
    driver_t *outer_drv = driver_set_current(s->driver);
    int outer_budget = coop_budget_set(COOP_BUDGET);

    TRACE_POLL_BEGIN(s->trace, 0, t->id);
    task_run_result_t r = task_run_busy(t, &s->noop);
    bool ready = r == TASK_RUN_COMPLETE;
    /* Measured on a real clock only (core/poll_watch.h). */
    TRACE_POLL_DONE(s->trace, 0, t->id, ready ? POLL_READY : POLL_PENDING,
                    s->turn_ms == 0);

    coop_budget_set(outer_budget);
    driver_set_current(outer_drv);
    executor_set_current(outer_ex);
    return r;
}

/*
 * executor_ops_t.step: at the start of a pass, turn the driver; then poll
 * the front task and put it back if it is still PENDING. 1: a task was
 * polled; 0: the deque is empty, nothing was done.
 */
static int step_once(spin_executor_t *s)
{
    if (task_queue_is_empty(&s->queue))
        return 0;
    if (s->pass_left == 0) {
        turn_driver(s);
        s->pass_left = s->queue.len;
    }
    task_t *t = task_queue_pop(&s->queue);
    s->pass_left--;

    s->stats.polls++;
    if (poll_task(s, t) == TASK_RUN_COMPLETE) {
        retire(s, t);
    } else {
        s->stats.pending_polls++;
        enqueue(s, t);
    }
    return 1;
}

static int spin_step(executor_t *ex)
{
    spin_executor_t *s = spin_of(ex);
    if (s->driving)
        return -EBUSY; /* nested: from inside one of our polls */
    s->driving = true;
    int r = step_once(s);
    s->driving = false;
    return r;
}

/* ---- run and block_on ---------------------------------------------------- */

/* executor_ops_t.run: step until every task has completed. Never -EDEADLK:
 * a spin task that can never finish is simply polled forever. */
static int spin_run(executor_t *ex)
{
    spin_executor_t *s = spin_of(ex);
    if (s->driving)
        return -EBUSY;
    s->driving = true;
    POLL_WATCH_MARK(s->trace, s->turn_ms == 0);
    while (step_once(s) == 1)
        ;
    s->driving = false;
    return 0;
}

/* Poll the block_on future once, with this executor current. */
static poll_t poll_root(spin_executor_t *s, future_t *f)
{
    context_t cx = {.waker = &s->noop};
    executor_t *outer_ex = executor_set_current(&s->base);
    driver_t *outer_drv = driver_set_current(s->driver);
    int outer_budget = coop_budget_set(COOP_BUDGET);

    s->stats.polls++;
    poll_t r = future_poll(f, &cx);
    if (r == POLL_PENDING)
        s->stats.pending_polls++;

    coop_budget_set(outer_budget);
    driver_set_current(outer_drv);
    executor_set_current(outer_ex);
    return r;
}

/*
 * executor_ops_t.block_on: poll f, take one step, round and round until f
 * is READY. f is not a task: it stays where the caller put it, and it is
 * counted in polls (and wasted polls) like one. With no task left to step,
 * the driver is turned here, so f may wait on a timer alone.
 */
static int spin_block_on(executor_t *ex, future_t *f)
{
    spin_executor_t *s = spin_of(ex);
    if (s->driving)
        return -EBUSY; /* nested: from inside one of our polls */
    s->driving = true;
    POLL_WATCH_MARK(s->trace, s->turn_ms == 0);
    while (poll_root(s, f) == POLL_PENDING) {
        if (step_once(s) == 0)
            turn_driver(s);
    }
    s->driving = false;
    return 0;
}

/* ---- stats, create, destroy ---------------------------------------------- */

static void spin_stats(executor_t *ex, executor_stats_t *out)
{
    *out = spin_of(ex)->stats;
}

/*
 * executor_ops_t.destroy: every task still queued is cancelled (its
 * future's drop runs, its join handle sees COMPLETE), then both of our
 * references go. Spin tasks are always queued when no poll runs, so the
 * deque holds every owned task. The driver goes last: futures dropped
 * above may still cancel their timers in it.
 */
static void spin_destroy(executor_t *ex)
{
    spin_executor_t *s = spin_of(ex);
    assert(!s->driving && "destroy from inside a poll");
    s->shutting_down = true;

    executor_t *outer_ex = executor_set_current(&s->base);
    driver_t *outer_drv = driver_set_current(s->driver);
    task_t *t;
    while ((t = task_queue_pop(&s->queue)) != NULL) {
        task_shutdown(t);
        retire(s, t);    /* the owned list's reference */
        task_ref_dec(t); /* the queue's */
    }
    assert(s->owned.len == 0);
    driver_set_current(outer_drv);
    executor_set_current(outer_ex);

    driver_destroy(s->driver);
    free(s);
}

static const executor_ops_t spin_ops = {
    .spawn = spin_spawn,
    .block_on = spin_block_on,
    .run = spin_run,
    .step = spin_step,
    .stats = spin_stats,
    .destroy = spin_destroy,
};

/* executor_kind_t.create: NULL when out of memory or the driver cannot be
 * made (errno says why). workers, sim and seed mean nothing here. */
static executor_t *spin_create(const executor_config_t *cfg)
{
    spin_executor_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->driver = driver_create(cfg->virtual_time);
    if (s->driver == NULL) {
        free(s);
        return NULL;
    }
    task_scheduler_init(&s->scheduler, &spin_scheduler_ops);
    s->base.ops = &spin_ops;
    s->base.kind = &spin_executor_kind;
    s->base.scheduler = &s->scheduler;
    s->turn_ms = cfg->virtual_time ? 1 : 0;
    /* With virtual time the trace's clock is the driver's (--sim): the
     * same run, the same trace, byte for byte. */
    s->trace = driver_trace_sink(s->driver, &s->clocked, cfg->trace);
    if (s->trace != NULL) /* timers and turns, for the visualizer's driver */
        driver_set_trace(s->driver, s->trace);
    s->noop = waker_noop();
    return &s->base;
}

const executor_kind_t spin_executor_kind = {
    .name = "spin",
    .create = spin_create,
};
