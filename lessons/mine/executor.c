/*
 * lessons/mine/executor.c - the glue of `--executor mine`: YOUR lesson 6
 * executor and YOUR lesson 10 block_on, on the real driver, with real
 * tasks. Shipped with the course: read it, do not edit it.
 *
 * `asynclab run sleepers --executor mine` compiles this file together with
 * lessons/06-notify-executor/exercise.c and lessons/10-block-on/exercise.c
 * into one shared object (in the course's build folder, with the project's
 * flags), loads it, and runs the scenario on the executor kind at the
 * bottom, mine_executor_kind, next to spin, notify and ws. Everything the
 * executor decides, yours decides:
 *
 *   spawn (any thread)            a wake (core/task.c: task_wake)
 *     │ a core task, one            │ found the task idle: schedule()
 *     │ mine_task_t beside it       │
 *     v                             v
 *   this thread? ──no──> inbox (locked) + driver_unpark ──┐
 *     │ yes                                               │ drained here
 *     v                                                   v  when yours parks
 *   YOUR mini_notify_spawn / mini_task_wake  <────────────┘
 *     │
 *     v
 *   YOUR ready queue ── YOUR mini_notify_step pops a mini_task_t and
 *                       polls its future: the ADAPTER, below
 *                         │
 *                         v
 *                       task_run(core task): the real future, polled
 *                       with the real task waker
 *                         ├─ PENDING   it waits (in no queue)
 *                         ├─ NOTIFIED  it was woken during its poll: the
 *                         │            adapter wakes YOUR waker, during
 *                         │            YOUR poll (your trap of lesson 6)
 *                         └─ COMPLETE  READY: your step marks it done
 *
 *   YOUR mini_notify_run, nothing ready ──> ex->park = mine_park:
 *       drain the inbox; nothing came: driver_park(-1), epoll_wait until
 *       the next timer, an fd, or an unpark (CPU ~0 while it waits)
 *
 *   block_on(f) ──> YOUR mini_block_on, with hooks: run_one = YOUR
 *       mini_notify_step (after the inbox), park = the same mine_park,
 *       unpark = driver_unpark
 *
 * One thread drives (run, step, block_on, destroy); it is recognised by
 * executor_current(). Others only spawn and wake, through the inbox.
 *
 * Your code is watched: the glue knows, from the core task's state, when a
 * task must be in your queue, so a wake your code loses, a task it polls
 * without a wake, or a park while a task is ready stop the run with one
 * sentence naming the lesson (and `asynclab check N`) instead of a hang.
 * When nothing can ever wake a task (lesson 5's lost wakeup) park says
 * -EDEADLK, as the notify executor does. Before any of that,
 * mine_selftest() runs your pieces on tiny futures (in a child process,
 * cli/mine.c), so untouched TODOs are named before a scenario starts.
 *
 * Tests: tests/mine.sh.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/coop.h"
#include "core/executor.h"
#include "core/poll_watch.h"
#include "core/task.h"
#include "core/task_queue.h"
#include "core/trace.h"
#include "driver/driver.h"
#include "lessons/06-notify-executor/exercise.h"
#include "lessons/10-block-on/exercise.h"

#define MINE_WORKER 0 /* the trace's worker number: there is one */
#define REMOTE_INTERVAL 31
#define DRIVER_INTERVAL 61

typedef struct mine_executor mine_executor_t;

/* One per core task: what your executor sees of it. */
typedef struct mine_task {
    mini_task_t mini; /* yours: queued, done, next */
    future_t adapter; /* mini.future: its poll runs the core task */
    task_t *task;
    mine_executor_t *m;
    bool given;          /* handed to your mini_notify_spawn */
    bool queue_ref;      /* your queue holds the task's queue reference */
    struct mine_task *dead; /* the graveyard's link, once complete */
} mine_task_t;

struct mine_executor {
    executor_t base;
    task_scheduler_t scheduler;
    driver_t *driver;
    trace_sink_t *trace;
    trace_clocked_sink_t clocked;
    bool real_time;
    trace_sink_t driver_sink;
    uint64_t park_cause[2];

    /* The driving thread only. */
    mini_notify_t mini;      /* YOUR executor */
    executor_stats_t stats;  /* all but spawned and remote wakes */
    uint64_t ready_len;      /* tasks your queue holds, as seen from here */
    uint64_t tick;           /* polls so far: paces the inbox and driver */
    bool driving, parked, in_block_on;
    int failed;              /* a broken contract, said once: -EPROTO */
    mine_task_t *requeue;    /* woken during its poll: must be queued now */
    mine_task_t *graveyard;  /* complete; freed once your step is over */
    jmp_buf *bail;           /* inside block_on: where park jumps to */
    int bail_rc;

    /* Any thread, under lock. */
    pthread_mutex_t lock;
    task_queue_t inbox;  /* spawned or woken from another thread */
    task_list_t owned;   /* every live task; holds the owned reference */
    mine_task_t **slots; /* by task id */
    size_t nslots;
    uint64_t spawned, remote_wakes;
    bool shutting_down;
};

static mine_executor_t *mine_of(executor_t *ex)
{
    return (mine_executor_t *)ex;
}

static mine_executor_t *mine_of_scheduler(task_scheduler_t *s)
{
    return (mine_executor_t *)((char *)s - offsetof(mine_executor_t, scheduler));
}

static bool on_driving_thread(const mine_executor_t *m)
{
    return executor_current() == &m->base;
}

/* ---- a broken contract, in words ----------------------------------------- */

/* Say it once, stop the run: every hook returns m->failed from now on. */
__attribute__((format(printf, 3, 4))) static void
broken(mine_executor_t *m, int lesson, const char *fmt, ...)
{
    if (m->failed != 0)
        return;
    m->failed = -EPROTO;
    char words[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(words, sizeof words, fmt, ap);
    va_end(ap);
    fprintf(stderr,
            "asynclab: --executor mine: lesson %d's code %s (`asynclab check "
            "%d` tests it)\n",
            lesson, words, lesson);
}

/* ---- tasks by id ----------------------------------------------------------- */

static mine_task_t *slot_locked(mine_executor_t *m, uint64_t id)
{
    return id < m->nslots ? m->slots[id] : NULL;
}

static int slot_set_locked(mine_executor_t *m, uint64_t id, mine_task_t *mt)
{
    if (id >= m->nslots) {
        size_t n = m->nslots != 0 ? m->nslots : 64;
        while (n <= id)
            n *= 2;
        mine_task_t **s = realloc(m->slots, n * sizeof *s);
        if (s == NULL)
            return -ENOMEM;
        memset(s + m->nslots, 0, (n - m->nslots) * sizeof *s);
        m->slots = s;
        m->nslots = n;
    }
    m->slots[id] = mt;
    return 0;
}

static mine_task_t *slot(mine_executor_t *m, task_t *t)
{
    pthread_mutex_lock(&m->lock);
    mine_task_t *mt = slot_locked(m, t->id);
    pthread_mutex_unlock(&m->lock);
    return mt;
}

/* ---- tracing (as notify_executor.c) -------------------------------------- */

static void driver_event_write(trace_sink_t *self, const trace_event_t *ev)
{
    mine_executor_t *m =
        (mine_executor_t *)((char *)self - offsetof(mine_executor_t, driver_sink));
    if (ev->kind == TRACE_TIMER_FIRE) {
        m->park_cause[0] = TRACE_BY_TIMER;
        m->park_cause[1] = ev->a;
    } else if (ev->kind == TRACE_IO_READY) {
        m->park_cause[0] = TRACE_BY_IO;
        m->park_cause[1] = ev->a;
    }
    m->trace->write(m->trace, ev);
}

static void trace_local_wake(mine_executor_t *m, task_t *t)
{
    task_t *waker = task_current();
    if (m->parked)
        TRACE(m->trace, TRACE_WAKE, MINE_WORKER, t->id, m->park_cause[0],
              m->park_cause[1]);
    else
        TRACE(m->trace, TRACE_WAKE, MINE_WORKER, t->id, TRACE_BY_TASK,
              waker != NULL ? waker->id : 0);
    TRACE(m->trace, TRACE_SCHEDULE, MINE_WORKER, t->id, TRACE_Q_READY, 0);
}

static poll_t adapter_poll(future_t *f, context_t *cx);

/* ---- handing tasks to your code ------------------------------------------ */

static void note_queued(mine_executor_t *m)
{
    m->ready_len++;
    if (m->ready_len > m->stats.max_queue_depth)
        m->stats.max_queue_depth = m->ready_len;
}

/* A new task, on the driving thread: your mini_notify_spawn. */
static void give_new(mine_executor_t *m, mine_task_t *mt)
{
    mt->given = true;
    mt->queue_ref = true;
    mini_notify_spawn(&m->mini, &mt->mini, &mt->adapter);
    if (!mt->mini.queued)
        broken(m, 6,
               "did not make a spawned task ready: after mini_notify_spawn "
               "task %llu is not queued",
               (unsigned long long)mt->task->id);
    else
        note_queued(m);
}

/* The core says t was idle and is woken now: your mini_task_wake must
 * queue it. True when it did. */
static bool give_wake(mine_executor_t *m, mine_task_t *mt)
{
    if (mt->mini.queued) {
        broken(m, 6,
               "left task %llu marked queued after it was taken from the "
               "ready queue and polled, so its next wake is ignored: clear "
               "`queued` when a task leaves the queue",
               (unsigned long long)mt->task->id);
        mt->queue_ref = true;
        return false;
    }
    mt->queue_ref = true;
    mini_task_wake(&mt->mini);
    if (!mt->mini.queued) {
        broken(m, 6,
               "lost a wake: task %llu was waiting, was woken, and is not in "
               "the ready queue after mini_task_wake",
               (unsigned long long)mt->task->id);
        return false;
    }
    note_queued(m);
    return true;
}

/* ---- schedule and spawn --------------------------------------------------- */

static void mine_schedule(task_scheduler_t *s, task_t *t)
{
    mine_executor_t *m = mine_of_scheduler(s);
    if (on_driving_thread(m)) {
        mine_task_t *mt = m->shutting_down ? NULL : slot(m, t);
        if (mt == NULL) {
            task_ref_dec(t);
            return;
        }
        if (give_wake(m, mt)) {
            m->stats.wakes++;
            if (m->trace != NULL)
                trace_local_wake(m, t);
        }
        return;
    }
    pthread_mutex_lock(&m->lock);
    bool refused = m->shutting_down;
    bool unpark = !refused && m->inbox.head == NULL;
    if (!refused) {
        task_queue_push(&m->inbox, t);
        m->remote_wakes++;
    }
    pthread_mutex_unlock(&m->lock);
    if (refused)
        task_ref_dec(t);
    if (unpark)
        driver_unpark(m->driver);
}

static const task_scheduler_ops_t mine_scheduler_ops = {
    .schedule = mine_schedule,
};

static int mine_spawn(executor_t *ex, task_t *t)
{
    mine_executor_t *m = mine_of(ex);
    mine_task_t *mt = calloc(1, sizeof *mt);
    if (mt == NULL)
        return -ENOMEM;
    mt->task = t;
    mt->m = m;
    mt->adapter = (future_t){adapter_poll, NULL};
    bool local = on_driving_thread(m);
    bool unpark = false;

    pthread_mutex_lock(&m->lock);
    int err = m->shutting_down ? -ESHUTDOWN : slot_set_locked(m, t->id, mt);
    if (err == 0) {
        task_owned_push(&m->owned, t);
        m->spawned++;
        if (!local) {
            unpark = m->inbox.head == NULL;
            task_queue_push(&m->inbox, t);
        }
    }
    pthread_mutex_unlock(&m->lock);
    if (err != 0) {
        free(mt);
        return err;
    }
    if (unpark)
        driver_unpark(m->driver);
    if (local) {
        task_t *parent = task_current();
        TRACE(m->trace, TRACE_SPAWN, MINE_WORKER, t->id,
              parent != NULL ? parent->id : 0,
              trace_name_id(task_trailer(t)->name));
        TRACE(m->trace, TRACE_SCHEDULE, MINE_WORKER, t->id, TRACE_Q_READY, 0);
        give_new(m, mt);
    }
    return 0;
}

/* Hand everything in the inbox to your code. How many came. */
static int drain_inbox(mine_executor_t *m)
{
    int n = 0;
    for (;;) {
        pthread_mutex_lock(&m->lock);
        task_t *t = task_queue_pop(&m->inbox);
        mine_task_t *mt = t != NULL ? slot_locked(m, t->id) : NULL;
        pthread_mutex_unlock(&m->lock);
        if (t == NULL)
            return n;
        n++;
        if (!mt->given) {
            TRACE(m->trace, TRACE_SPAWN, MINE_WORKER, t->id, 0,
                  trace_name_id(task_trailer(t)->name));
            TRACE(m->trace, TRACE_SCHEDULE, MINE_WORKER, t->id,
                  TRACE_Q_REMOTE, 0);
            give_new(m, mt);
        } else {
            TRACE(m->trace, TRACE_WAKE, MINE_WORKER, t->id, TRACE_BY_THREAD, 0);
            TRACE(m->trace, TRACE_SCHEDULE, MINE_WORKER, t->id,
                  TRACE_Q_REMOTE, 0);
            give_wake(m, mt);
        }
    }
}

/* ---- the adapter: the future your step polls ------------------------------ */

/* Complete tasks are freed only once your step that finished them is
 * over (it still writes done and live into the mini_task_t). */
static void bury_the_dead(mine_executor_t *m)
{
    while (m->graveyard != NULL) {
        mine_task_t *mt = m->graveyard;
        m->graveyard = mt->dead;
        free(mt);
    }
}

/* A task woken during its poll must be in your queue once the step that
 * polled it is over: now (a later poll, a park, the end of a run). */
static void check_requeue(mine_executor_t *m, const mine_task_t *polling)
{
    mine_task_t *mt = m->requeue;
    if (mt == NULL)
        return;
    m->requeue = NULL;
    if (mt == polling)
        return; /* queued, and taken again already */
    if (!mt->mini.queued)
        broken(m, 6,
               "lost a wake during a poll: task %llu woke itself while it "
               "was polled, and is not in the ready queue after the step",
               (unsigned long long)mt->task->id);
}

static void retire(mine_executor_t *m, mine_task_t *mt)
{
    task_t *t = mt->task;
    TRACE(m->trace, TRACE_COMPLETE, MINE_WORKER, t->id,
          (task_state(t) & TASK_CANCELLED) != 0, 0);
    pthread_mutex_lock(&m->lock);
    task_owned_remove(&m->owned, t);
    m->slots[t->id] = NULL;
    pthread_mutex_unlock(&m->lock);
    m->stats.completed++;
    task_ref_dec(t);
    mt->dead = m->graveyard;
    m->graveyard = mt;
}

static poll_t adapter_poll(future_t *f, context_t *cx)
{
    mine_task_t *mt =
        (mine_task_t *)((char *)f - offsetof(mine_task_t, adapter));
    mine_executor_t *m = mt->m;
    check_requeue(m, mt);
    bury_the_dead(m);
    if (m->failed != 0)
        return POLL_PENDING;
    if (!mt->queue_ref) {
        broken(m, 6,
               "polled task %llu although nothing woke it since its last "
               "poll: only a wake puts a task back in the ready queue",
               (unsigned long long)mt->task->id);
        return POLL_PENDING;
    }
    if (mt->mini.queued) {
        broken(m, 6,
               "polled task %llu while it was still marked queued: a wake "
               "during this poll would be ignored and lost; clear `queued` "
               "when the task leaves the queue, before its poll",
               (unsigned long long)mt->task->id);
        return POLL_PENDING;
    }
    mt->queue_ref = false;
    if (m->ready_len > 0)
        m->ready_len--;
    /* Every so often, let the inbox and the driver in even when your
     * queue never empties (notify_executor.c does it every 31 and 61
     * polls): a wake handed to you now is a wake during a poll of some
     * other task, which your queue takes like any other. */
    m->tick++;
    if (m->tick % REMOTE_INTERVAL == 0)
        drain_inbox(m);
    if (m->tick % DRIVER_INTERVAL == 0) {
        m->park_cause[0] = TRACE_BY_IO;
        m->parked = true;
        driver_park(m->driver, 0);
        m->parked = false;
        m->stats.driver_turns++;
    }

    task_t *t = mt->task;
    uint64_t id = t->id;
    uint64_t self_before = atomic_load_explicit(
        &task_trailer(t)->stats.self_wakes, memory_order_relaxed);
    int outer_budget = coop_budget_set(COOP_BUDGET);
    TRACE_POLL_BEGIN(m->trace, MINE_WORKER, id);
    task_run_result_t r = task_run(t);
    TRACE_POLL_DONE(m->trace, MINE_WORKER, id,
                    r == TASK_RUN_COMPLETE ? POLL_READY : POLL_PENDING,
                    m->real_time);
    coop_budget_set(outer_budget);

    m->stats.polls++;
    if (r == TASK_RUN_COMPLETE) {
        retire(m, mt);
        return POLL_READY;
    }
    m->stats.pending_polls++;
    if (r == TASK_RUN_NOTIFIED) {
        /* We still hold the queue's reference: your queue gets it back,
         * through your waker, during your poll. */
        uint64_t self_now = atomic_load_explicit(
            &task_trailer(t)->stats.self_wakes, memory_order_relaxed);
        m->stats.wakes++;
        if (self_now != self_before) {
            m->stats.self_wakes++;
            TRACE(m->trace, TRACE_SELF_WAKE, MINE_WORKER, id, 0, 0);
        } else {
            TRACE(m->trace, TRACE_WAKE, MINE_WORKER, id, TRACE_BY_THREAD, 0);
        }
        TRACE(m->trace, TRACE_SCHEDULE, MINE_WORKER, id, TRACE_Q_READY, 0);
        mt->queue_ref = true;
        m->requeue = mt;
        note_queued(m);
        waker_wake_by_ref(cx->waker);
    }
    return POLL_PENDING;
}

/* ---- park: where your run loop sleeps ------------------------------------- */

static void park_in_driver(mine_executor_t *m)
{
    TRACE(m->trace, TRACE_PARK, MINE_WORKER, 0, 1, 0);
    m->stats.parks++;
    m->stats.driver_turns++;
    m->park_cause[0] = TRACE_BY_IO;
    m->parked = true;
    driver_park(m->driver, -1);
    m->parked = false;
    POLL_WATCH_MARK(m->trace, m->real_time);
    TRACE(m->trace, TRACE_UNPARK, MINE_WORKER, 0, MINE_WORKER, 0);
}

/* Every live task idle with no live waker, nothing in the inbox: nothing
 * can ever poll them. Holds lock. */
static bool all_lost_locked(mine_executor_t *m)
{
    if (m->inbox.head != NULL || m->owned.len == 0)
        return false;
    for (task_t *t = task_owned_first(&m->owned); t != NULL;
         t = task_owned_next(t))
        if (!task_is_lost(t))
            return false;
    return true;
}

static void report_lost_locked(mine_executor_t *m)
{
    size_t nth = 0;
    for (task_t *t = task_owned_last(&m->owned); t != NULL;
         t = task_owned_prev(t)) {
        task_report_lost(t, nth++);
        TRACE(m->trace, TRACE_LOST_WAKER, MINE_WORKER, t->id, 0, 0);
        m->stats.lost_wakers++;
    }
    task_report_lost_end(nth);
}

/* Nothing is ready (your code says). 0: parked, or work came in; < 0: stop
 * (a broken contract, said; or -EDEADLK, a lost wakeup, reported). */
static int idle(mine_executor_t *m)
{
    check_requeue(m, NULL);
    bury_the_dead(m);
    if (m->failed != 0)
        return m->failed;
    if (drain_inbox(m) > 0)
        return m->failed;
    if (m->mini.head != NULL) {
        broken(m, 6,
               "parked while a task was ready (the ready queue's head is "
               "task %llu): park only when a step finds nothing to poll",
               (unsigned long long)
                   ((mine_task_t *)(void *)m->mini.head)->task->id);
        return m->failed;
    }
    bool driver_work = driver_has_work(m->driver);
    pthread_mutex_lock(&m->lock);
    bool retry = m->inbox.head != NULL;
    bool none = m->owned.len == 0;
    bool lost = !retry && !driver_work && all_lost_locked(m);
    if (lost)
        report_lost_locked(m);
    pthread_mutex_unlock(&m->lock);
    if (lost)
        return -EDEADLK;
    if (none && !m->in_block_on) {
        broken(m, 6, "parked with no task left: run returns when none is live");
        return m->failed;
    }
    if (none && !driver_work && !m->real_time) {
        /* A simulation has no other thread: the block_on future waits
         * for nothing that can come. */
        fprintf(stderr, "the block_on future is pending and nothing can "
                        "wake it: a lost wakeup\n");
        return -EDEADLK;
    }
    if (!retry)
        park_in_driver(m);
    drain_inbox(m);
    return m->failed;
}

static int mine_park(mini_notify_t *mx)
{
    return idle(mx->park_ctx);
}

/* ---- run, step -------------------------------------------------------------- */

typedef struct mine_outer {
    executor_t *ex;
    driver_t *driver;
} mine_outer_t;

static mine_outer_t enter(mine_executor_t *m)
{
    m->driving = true;
    POLL_WATCH_MARK(m->trace, m->real_time);
    return (mine_outer_t){executor_set_current(&m->base),
                          driver_set_current(m->driver)};
}

static void leave(mine_executor_t *m, mine_outer_t outer)
{
    check_requeue(m, NULL);
    bury_the_dead(m);
    driver_set_current(outer.driver);
    executor_set_current(outer.ex);
    m->driving = false;
}

/* True when some task was given to your code and is not complete. */
static bool given_live(mine_executor_t *m)
{
    bool any = false;
    pthread_mutex_lock(&m->lock);
    for (task_t *t = task_owned_first(&m->owned); t != NULL && !any;
         t = task_owned_next(t)) {
        mine_task_t *mt = slot_locked(m, t->id);
        any = mt != NULL && mt->given;
    }
    pthread_mutex_unlock(&m->lock);
    return any;
}

static int mine_run(executor_t *ex)
{
    mine_executor_t *m = mine_of(ex);
    if (on_driving_thread(m) || m->driving)
        return -EBUSY;
    mine_outer_t outer = enter(m);
    int r;
    for (;;) {
        drain_inbox(m);
        r = m->failed != 0 ? m->failed : mini_notify_run(&m->mini);
        check_requeue(m, NULL);
        if (r == 0 && m->failed != 0)
            r = m->failed;
        if (r != 0)
            break;
        if (given_live(m)) {
            broken(m, 6,
                   "returned from mini_notify_run while tasks were still "
                   "waiting (live says %zu): a waiting task is not finished",
                   m->mini.live);
            r = m->failed;
            break;
        }
        pthread_mutex_lock(&m->lock);
        bool more = m->inbox.head != NULL;
        pthread_mutex_unlock(&m->lock);
        if (!more)
            break; /* every task is done */
    }
    leave(m, outer);
    return r;
}

/* One decision, for the visualizer: your step, or a park. */
static int mine_step(executor_t *ex)
{
    mine_executor_t *m = mine_of(ex);
    if (on_driving_thread(m) || m->driving)
        return -EBUSY;
    mine_outer_t outer = enter(m);
    int r;
    if (m->mini.head == NULL)
        drain_inbox(m);
    if (m->failed != 0) {
        r = m->failed;
    } else if (mini_notify_step(&m->mini) == 1) {
        check_requeue(m, NULL);
        r = m->failed != 0 ? m->failed : 1;
    } else {
        pthread_mutex_lock(&m->lock);
        bool done = m->owned.len == 0 && m->inbox.head == NULL;
        pthread_mutex_unlock(&m->lock);
        r = done ? 0 : idle(m);
        if (!done && r == 0)
            r = 1;
    }
    leave(m, outer);
    return r;
}

/* ---- block_on: YOUR mini_block_on over these hooks ------------------------ */

static _Noreturn void bail_out(mine_executor_t *m, int rc)
{
    m->bail_rc = rc;
    longjmp(*m->bail, 1);
}

static int hook_run_one(void *ex)
{
    mine_executor_t *m = ex;
    if (m->failed != 0)
        bail_out(m, m->failed);
    if (m->mini.head == NULL)
        drain_inbox(m);
    int r = mini_notify_step(&m->mini);
    check_requeue(m, NULL);
    if (m->failed != 0)
        bail_out(m, m->failed);
    return r;
}

/* park returns nothing (lesson 10's contract): when nothing can ever
 * wake anything, or your lesson 6 code broke its contract, it jumps out
 * of mini_block_on instead of sleeping forever. */
static void hook_park(void *ex)
{
    mine_executor_t *m = ex;
    int r = idle(m);
    if (r < 0)
        bail_out(m, r);
}

static void hook_unpark(void *ex)
{
    mine_executor_t *m = ex;
    driver_unpark(m->driver);
}

static int mine_block_on(executor_t *ex, future_t *f)
{
    mine_executor_t *m = mine_of(ex);
    if (on_driving_thread(m) || m->driving)
        return -EBUSY;
    block_on_hooks_t hooks = {m, hook_run_one, hook_park, hook_unpark};
    mine_outer_t outer = enter(m);
    jmp_buf here;
    m->bail = &here;
    m->in_block_on = true;
    volatile int r;
    if (setjmp(here) == 0) {
        r = m->failed != 0 ? m->failed : mini_block_on(&hooks, f);
        if (r == 0 && m->failed != 0)
            r = m->failed;
    } else {
        r = m->bail_rc;
    }
    m->in_block_on = false;
    m->bail = NULL;
    leave(m, outer);
    return r;
}

/* ---- stats, create, destroy ------------------------------------------------- */

static void mine_stats(executor_t *ex, executor_stats_t *out)
{
    mine_executor_t *m = mine_of(ex);
    *out = m->stats;
    pthread_mutex_lock(&m->lock);
    out->spawned = m->spawned;
    pthread_mutex_unlock(&m->lock);
}

static void mine_destroy(executor_t *ex)
{
    mine_executor_t *m = mine_of(ex);
    pthread_mutex_lock(&m->lock);
    m->shutting_down = true;
    pthread_mutex_unlock(&m->lock);

    mine_outer_t outer = enter(m);
    task_t *t;
    /* The inbox's entries hold queue references (nobody pushes now). */
    while ((t = task_queue_pop(&m->inbox)) != NULL)
        task_ref_dec(t);
    while ((t = task_owned_first(&m->owned)) != NULL) {
        mine_task_t *mt = m->slots[t->id];
        task_shutdown(t);
        bool queued = mt->queue_ref;
        retire(m, mt); /* the owned reference */
        if (queued)
            task_ref_dec(t); /* your queue's */
    }
    m->requeue = NULL;
    leave(m, outer);

    driver_destroy(m->driver);
    pthread_mutex_destroy(&m->lock);
    free(m->slots);
    free(m);
}

static const executor_ops_t mine_ops = {
    .spawn = mine_spawn,
    .block_on = mine_block_on,
    .run = mine_run,
    .step = mine_step,
    .stats = mine_stats,
    .destroy = mine_destroy,
};

extern const executor_kind_t mine_executor_kind;

static executor_t *mine_create(const executor_config_t *cfg)
{
    mine_executor_t *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->driver = driver_create(cfg->virtual_time);
    if (m->driver == NULL) {
        free(m);
        return NULL;
    }
    task_scheduler_init(&m->scheduler, &mine_scheduler_ops);
    pthread_mutex_init(&m->lock, NULL);
    m->base.ops = &mine_ops;
    m->base.kind = &mine_executor_kind;
    m->base.scheduler = &m->scheduler;
    mini_notify_init(&m->mini, mine_park, m);
    m->trace = driver_trace_sink(m->driver, &m->clocked, cfg->trace);
    m->real_time = !cfg->virtual_time;
    if (m->trace != NULL) {
        m->driver_sink.write = driver_event_write;
        driver_set_trace(m->driver, &m->driver_sink);
    }
    return &m->base;
}

const executor_kind_t mine_executor_kind = {
    .name = "mine",
    .create = mine_create,
};

/* ---- the self-test: your pieces on tiny futures --------------------------- */

/*
 * Run by cli/mine.c in a child process before the executor is used; a
 * piece that never returns is stopped there, by a time limit. Before each
 * case, say(ctx, lesson, words) tells what it is about to try, so the
 * parent can name a case that hung. Returns 0, or the lesson (6 or 10)
 * whose piece failed, with the sentence in why.
 */
typedef struct st_future {
    future_t base;
    int polls;
    int pending; /* PENDING this many polls, then READY */
    bool self_wake;
    waker_t kept;
} st_future_t;

static poll_t st_poll(future_t *f, context_t *cx)
{
    st_future_t *s = (st_future_t *)f;
    s->polls++;
    if (s->pending == 0)
        return POLL_READY;
    s->pending--;
    if (s->self_wake)
        waker_wake_by_ref(cx->waker);
    else
        waker_register(&s->kept, cx);
    return POLL_PENDING;
}

static st_future_t *st_released; /* the test park wakes this one */

static int st_park(mini_notify_t *ex)
{
    (void)ex;
    if (st_released == NULL || !waker_is_set(&st_released->kept))
        return -EDEADLK;
    waker_t w = waker_take(&st_released->kept);
    waker_wake(&w);
    return 0;
}

static int st_run_one(void *ex)
{
    return mini_notify_step(ex);
}

static void st_hook_park(void *ex)
{
    (void)st_park(ex);
}

static void st_unpark(void *ex)
{
    (void)ex;
}

int mine_selftest(void (*say)(void *ctx, int lesson, const char *words),
                  void *ctx, char *why, size_t n);

int mine_selftest(void (*say)(void *ctx, int lesson, const char *words),
                  void *ctx, char *why, size_t n)
{
    mini_notify_t ex;
    mini_task_t t;

    say(ctx, 6, "mini_notify_run did not return with one ready task");
    st_future_t ready = {{st_poll, NULL}, 0, 0, false, WAKER_EMPTY};
    mini_notify_init(&ex, st_park, NULL);
    st_released = NULL;
    mini_notify_spawn(&ex, &t, &ready.base);
    int rc = mini_notify_run(&ex);
    if (ready.polls != 1 || rc != 0) {
        snprintf(why, n,
                 "lesson 6's executor ran a ready task wrongly: one spawned "
                 "task should be polled once and run return 0 (polled %d "
                 "times, run returned %d); still the TODOs?",
                 ready.polls, rc);
        return 6;
    }

    say(ctx, 6,
        "mini_notify_run did not return while one task waited for a wake "
        "that the park sends: does it park when nothing is ready, or spin?");
    st_future_t waits = {{st_poll, NULL}, 0, 1, false, WAKER_EMPTY};
    mini_notify_init(&ex, st_park, NULL);
    st_released = &waits;
    mini_notify_spawn(&ex, &t, &waits.base);
    rc = mini_notify_run(&ex);
    if (waits.polls != 2 || rc != 0) {
        snprintf(why, n,
                 "lesson 6's run did not see a waiting task through: woken "
                 "by a park, it should be polled twice and run return 0 "
                 "(polled %d times, run returned %d)",
                 waits.polls, rc);
        return 6;
    }

    say(ctx, 6, "mini_notify_run did not return with a task that yields");
    st_future_t yields = {{st_poll, NULL}, 0, 2, true, WAKER_EMPTY};
    mini_notify_init(&ex, st_park, NULL);
    st_released = NULL;
    mini_notify_spawn(&ex, &t, &yields.base);
    rc = mini_notify_run(&ex);
    if (yields.polls != 3 || rc != 0) {
        snprintf(why, n,
                 "lesson 6's executor lost a wake during a poll: a task that "
                 "yields twice should be polled 3 times (polled %d, run "
                 "returned %d)",
                 yields.polls, rc);
        return 6;
    }

    say(ctx, 10, "mini_block_on did not return on a future that yields once");
    mini_notify_init(&ex, st_park, NULL);
    st_released = NULL;
    block_on_hooks_t h = {&ex, st_run_one, st_hook_park, st_unpark};
    st_future_t main_f = {{st_poll, NULL}, 0, 1, true, WAKER_EMPTY};
    rc = mini_block_on(&h, &main_f.base);
    if (rc != 0 || main_f.polls != 2) {
        snprintf(why, n,
                 "lesson 10's mini_block_on returned %d%s after polling its "
                 "future %d times; a future that wakes itself once should "
                 "be polled twice and block_on return 0",
                 rc, rc == -ENOSYS ? " (ENOSYS: still the TODO?)" : "",
                 main_f.polls);
        return 10;
    }

    say(ctx, 10,
        "mini_block_on did not return on a future woken by a park: does it "
        "park, and take the wake?");
    st_future_t parked_f = {{st_poll, NULL}, 0, 1, false, WAKER_EMPTY};
    mini_notify_init(&ex, st_park, NULL);
    st_released = &parked_f;
    rc = mini_block_on(&h, &parked_f.base);
    if (rc != 0 || parked_f.polls != 2) {
        snprintf(why, n,
                 "lesson 10's mini_block_on returned %d after polling its "
                 "future %d times; one woken by the park should be polled "
                 "twice",
                 rc, parked_f.polls);
        return 10;
    }
    return 0;
}
