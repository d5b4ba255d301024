/*
 * workstealing/blocking.c - the blocking pool; blocking.h has the idea.
 *
 * One mutex guards the whole pool: it is taken once per blocking task
 * (queue, start, finish), and a blocking task costs a thread hand-off
 * anyway, so a lock-free design would buy nothing measurable.
 *
 * Waking an idle thread: the spawner takes one thread off the idle count
 * itself and leaves a token (notified) for it, as Tokio's pool does. If
 * it only signalled, two quick spawns could both see "one idle thread",
 * both signal it, and the second task would wait for the first to finish
 * while another thread could have been started.
 *
 * Threads are joinable. One that exits on keep-alive marks its record
 * exited; the next spawn (or shutdown) joins and frees it, outside the
 * lock.
 *
 * Who may touch what: everything in ws_blocking_t under lock, except the
 * fields set at create (rt, scheduler, sim).
 *
 * Tests: tests/test_ws.c (ws_blocking_*).
 */
#include "workstealing/blocking.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "core/task_queue.h"
#include "workstealing/runtime.h"
#include "workstealing/ws.h"

typedef struct pool_thread {
    pthread_t tid;
    bool exited; /* under the pool's lock: ready to be joined */
    struct pool_thread *next;
    ws_blocking_t *pool;
} pool_thread_t;

struct ws_blocking {
    ws_runtime_t *rt;           /* set at create */
    task_scheduler_t scheduler; /* set at create: our tasks' hook */
    bool sim;                   /* set at create: no threads */

    pthread_mutex_t lock;
    pthread_cond_t cond;    /* idle threads wait here (monotonic) */
    task_queue_t queue;     /* queued tasks, oldest first */
    task_list_t owned;      /* every live blocking task */
    pool_thread_t *threads; /* every thread not yet joined */
    uint32_t nthreads, nidle, peak, notified;
    uint32_t max_threads;
    uint64_t keep_alive_ms;
    uint64_t spawned, completed;
    bool shutdown;
};

/* The future of a blocking task: call fn once, keep what it returns. */
typedef struct blocking_future {
    future_t base;
    ws_blocking_fn fn;
    void *arg;
    void *output;
} blocking_future_t;

static poll_t blocking_poll(future_t *f, context_t *cx)
{
    (void)cx;
    blocking_future_t *bf = (blocking_future_t *)f;
    bf->output = bf->fn(bf->arg);
    return POLL_READY;
}

/* ---- running one task ---------------------------------------------------- */

static void run_one(ws_blocking_t *p, task_t *t)
{
    trace_sink_t *trace = p->rt->trace;
    uint64_t id = t->id;
    TRACE(trace, TRACE_BLOCKING_START, TRACE_NO_WORKER, id, 0, 0);
    task_run_result_t r = task_run(t);
    assert(r == TASK_RUN_COMPLETE); /* the future never says PENDING */
    (void)r;
    TRACE(trace, TRACE_BLOCKING_END, TRACE_NO_WORKER, id, 0, 0);
    TRACE(trace, TRACE_COMPLETE, TRACE_NO_WORKER, id,
          (task_state(t) & TASK_CANCELLED) != 0, 0);
    pthread_mutex_lock(&p->lock);
    task_owned_remove(&p->owned, t);
    p->completed++;
    pthread_mutex_unlock(&p->lock);
    task_ref_dec(t);
}

/* ---- the threads --------------------------------------------------------- */

/* Wait for work for up to keep_alive_ms. Holds p->lock. False: the
 * keep-alive ran out, exit. */
static bool idle_wait_locked(ws_blocking_t *p)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)(p->keep_alive_ms / 1000);
    deadline.tv_nsec += (long)(p->keep_alive_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    p->nidle++;
    for (;;) {
        int rc = pthread_cond_timedwait(&p->cond, &p->lock, &deadline);
        if (p->notified > 0) {
            p->notified--; /* the spawner already took us off nidle */
            return true;
        }
        if (p->shutdown || rc == ETIMEDOUT) {
            p->nidle--;
            return !!p->shutdown; /* shutdown: the loop sees it */
        }
    }
}

static void *pool_main(void *arg)
{
    pool_thread_t *self = arg;
    ws_blocking_t *p = self->pool;
    executor_set_current(&p->rt->base); /* spawn() works from fn */
    driver_set_current(p->rt->driver);

    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (p->shutdown)
            break; /* queued tasks are shutdown's to cancel */
        task_t *t = task_queue_pop(&p->queue);
        if (t != NULL) {
            pthread_mutex_unlock(&p->lock);
            run_one(p, t);
            pthread_mutex_lock(&p->lock);
            continue;
        }
        if (!idle_wait_locked(p))
            break;
    }
    self->exited = true;
    p->nthreads--;
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Holds p->lock. A failure leaves the task queued for a later thread. */
static void start_thread_locked(ws_blocking_t *p)
{
    pool_thread_t *th = calloc(1, sizeof *th);
    if (th == NULL)
        return;
    th->pool = p;
    if (pthread_create(&th->tid, NULL, pool_main, th) != 0) {
        free(th);
        return;
    }
    th->next = p->threads;
    p->threads = th;
    if (++p->nthreads > p->peak)
        p->peak = p->nthreads;
}

/* Join and free the threads that exited on keep-alive. */
static void reap(ws_blocking_t *p, bool all)
{
    pool_thread_t *done = NULL;
    pthread_mutex_lock(&p->lock);
    for (pool_thread_t **pp = &p->threads; *pp != NULL;) {
        pool_thread_t *th = *pp;
        if (all || th->exited) {
            *pp = th->next;
            th->next = done;
            done = th;
        } else {
            pp = &th->next;
        }
    }
    pthread_mutex_unlock(&p->lock);
    while (done != NULL) {
        pool_thread_t *next = done->next;
        pthread_join(done->tid, NULL);
        free(done);
        done = next;
    }
}

/* ---- queueing ------------------------------------------------------------ */

/* Holds p->lock. Append t (its queue reference comes along) and find it
 * a thread. */
static void enqueue_locked(ws_blocking_t *p, task_t *t)
{
    task_queue_push(&p->queue, t);
    if (p->nidle > 0) {
        p->nidle--;
        p->notified++;
        pthread_cond_signal(&p->cond);
    } else if (!p->sim && p->nthreads < p->max_threads) {
        start_thread_locked(p);
    }
}

/* Queue t again; after shutdown only its queue reference goes (shutdown
 * cancels what is listed). */
static void enqueue(ws_blocking_t *p, task_t *t)
{
    pthread_mutex_lock(&p->lock);
    bool open = !p->shutdown;
    if (open)
        enqueue_locked(p, t);
    pthread_mutex_unlock(&p->lock);
    if (!open)
        task_ref_dec(t);
    else if (!p->sim)
        reap(p, false);
}

/* task_scheduler_ops_t.schedule for blocking tasks. Their future never
 * returns PENDING, so only an abort of a queued task could get here. */
static void blocking_schedule(task_scheduler_t *self, task_t *t)
{
    ws_blocking_t *p =
        (ws_blocking_t *)((char *)self - offsetof(ws_blocking_t, scheduler));
    enqueue(p, t);
}

static const task_scheduler_ops_t blocking_scheduler_ops = {
    .schedule = blocking_schedule,
};

/* ---- the public calls (blocking.h) --------------------------------------- */

static ws_blocking_t *pool_of(executor_t *ex)
{
    return ws_is_ws(ex) ? ((ws_runtime_t *)ex)->blocking : NULL;
}

/*
 * Holds nothing. List t and queue it in one decision under the lock, or
 * refuse it after shutdown. (Listing and queueing under two lockings lost
 * a task when shutdown came between them: listed, then not queued, so
 * nobody ran or cancelled it.)
 */
static int admit(ws_blocking_t *p, task_t *t)
{
    pthread_mutex_lock(&p->lock);
    bool open = !p->shutdown;
    if (open) {
        task_owned_push(&p->owned, t);
        p->spawned++;
        task_t *parent = task_current();
        TRACE(p->rt->trace, TRACE_SPAWN, TRACE_NO_WORKER, t->id,
              parent != NULL ? parent->id : 0,
              trace_name_id(task_trailer(t)->name));
        enqueue_locked(p, t); /* from here on it may finish at any moment */
    }
    pthread_mutex_unlock(&p->lock);
    if (open && !p->sim)
        reap(p, false);
    return open ? 0 : -ESHUTDOWN;
}

int ws_spawn_blocking_on(executor_t *ex, ws_blocking_fn fn, void *arg,
                         const char *name, join_handle_t *join)
{
    ws_blocking_t *p = pool_of(ex);
    if (p == NULL || fn == NULL)
        return -EINVAL;
    blocking_future_t bf = {{blocking_poll, NULL}, fn, arg, NULL};
    task_t *t = task_new(&p->scheduler, &bf.base, sizeof bf,
                         name != NULL ? name : "blocking");
    if (t == NULL)
        return -ENOMEM;
    /* Number it among the runtime's tasks, so trace ids stay unique. */
    t->id = task_next_id(&p->rt->scheduler);
    join_handle_t h = {t}; /* its reference exists before t is queued */
    if (admit(p, t) != 0) {
        task_free_unspawned(t);
        return -ESHUTDOWN;
    }
    if (join != NULL)
        *join = h;
    else
        join_handle_drop(&h);
    return 0;
}

int ws_spawn_blocking(ws_blocking_fn fn, void *arg, const char *name,
                      join_handle_t *join)
{
    return ws_spawn_blocking_on(executor_current(), fn, arg, name, join);
}

void *ws_blocking_output(join_handle_t *h)
{
    future_t *f = join_handle_output(h);
    return f != NULL ? ((blocking_future_t *)f)->output : NULL;
}

int ws_blocking_set_limits(executor_t *ex, uint32_t max_threads,
                           uint64_t keep_alive_ms)
{
    ws_blocking_t *p = pool_of(ex);
    if (p == NULL || max_threads == 0)
        return -EINVAL;
    pthread_mutex_lock(&p->lock);
    p->max_threads = max_threads;
    p->keep_alive_ms = keep_alive_ms;
    pthread_mutex_unlock(&p->lock);
    return 0;
}

int ws_blocking_stats(executor_t *ex, ws_blocking_stats_t *out)
{
    ws_blocking_t *p = pool_of(ex);
    if (p == NULL)
        return -EINVAL;
    pthread_mutex_lock(&p->lock);
    *out = (ws_blocking_stats_t){
        .threads = p->nthreads,
        .idle = p->nidle,
        .peak_threads = p->peak,
        .spawned = p->spawned,
        .completed = p->completed,
    };
    pthread_mutex_unlock(&p->lock);
    return 0;
}

/* ---- the runtime's hooks (runtime.h) ------------------------------------- */

ws_blocking_t *ws__blocking_create(ws_runtime_t *rt)
{
    ws_blocking_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->rt = rt;
    p->sim = rt->sim;
    task_scheduler_init(&p->scheduler, &blocking_scheduler_ops);
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &attr);
    pthread_condattr_destroy(&attr);
    p->max_threads = WS_BLOCKING_MAX_THREADS;
    p->keep_alive_ms = WS_BLOCKING_KEEP_ALIVE_MS;
    return p;
}

/* Cancel what never started: its future is dropped, its join handle
 * completes (waking whoever awaits it), both references go. */
static void cancel_queued(ws_blocking_t *p)
{
    pthread_mutex_lock(&p->lock);
    task_t *t = p->queue.head;
    p->queue = TASK_QUEUE_EMPTY;
    pthread_mutex_unlock(&p->lock);
    while (t != NULL) {
        task_t *next = t->next;
        t->next = NULL;
        task_shutdown(t);
        TRACE(p->rt->trace, TRACE_COMPLETE, TRACE_NO_WORKER, t->id, 1, 0);
        pthread_mutex_lock(&p->lock);
        task_owned_remove(&p->owned, t);
        p->completed++;
        pthread_mutex_unlock(&p->lock);
        task_ref_dec(t); /* the queue's */
        task_ref_dec(t); /* the owned list's */
        t = next;
    }
}

void ws__blocking_shutdown(ws_blocking_t *p)
{
    pthread_mutex_lock(&p->lock);
    p->shutdown = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    reap(p, true); /* running tasks finish first: a call cannot be cut */
    cancel_queued(p);
    assert(p->owned.len == 0);
}

void ws__blocking_free(ws_blocking_t *p)
{
    assert(p->threads == NULL && task_queue_is_empty(&p->queue));
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

bool ws__blocking_has_queued(ws_blocking_t *p)
{
    pthread_mutex_lock(&p->lock);
    bool any = !task_queue_is_empty(&p->queue);
    pthread_mutex_unlock(&p->lock);
    return any;
}

void ws__blocking_run_one(ws_blocking_t *p)
{
    pthread_mutex_lock(&p->lock);
    task_t *t = task_queue_pop(&p->queue);
    pthread_mutex_unlock(&p->lock);
    if (t != NULL)
        run_one(p, t);
}
