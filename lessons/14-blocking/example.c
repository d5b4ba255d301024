/*
 * lessons/14-blocking/example.c - a blocking call on a worker, and on the
 * blocking pool.
 *
 *     asynclab lesson 14 --run
 *
 * A work-stealing runtime with ONE worker runs a heartbeat task (an
 * interval of 5 ms that notes the longest gap between its ticks) and 8
 * tasks that each need a 50 ms blocking call. First the calls are made
 * inline, inside the tasks' polls; then through ws_spawn_blocking.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "core/async.h"
#include "driver/time.h"
#include "workstealing/ws.h"

enum { CALLS = 8, BLOCK_MS = 50 };

static pthread_mutex_t worker_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t worker_thread; /* under worker_lock */
static atomic_int on_worker;

static void set_worker_thread(void)
{
    pthread_mutex_lock(&worker_lock);
    worker_thread = pthread_self();
    pthread_mutex_unlock(&worker_lock);
}

static bool on_worker_thread(void)
{
    pthread_mutex_lock(&worker_lock);
    bool same = pthread_equal(pthread_self(), worker_thread);
    pthread_mutex_unlock(&worker_lock);
    return same;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *slow_call(void *arg)
{
    if (on_worker_thread())
        atomic_fetch_add(&on_worker, 1);
    struct timespec ts = {0, BLOCK_MS * 1000000L};
    nanosleep(&ts, NULL);
    return arg;
}

/* ---- the heartbeat: ticks every 5 ms until told to stop ------------------ */

typedef struct heartbeat {
    future_t base;
    async_t async;
    interval_t iv;
    double last, worst;
    atomic_int *stop;
} heartbeat_t;

static poll_t heartbeat_poll(future_t *f, context_t *cx)
{
    heartbeat_t *h = (heartbeat_t *)f;
    set_worker_thread();
    ASYNC_BEGIN(h);
    while (!atomic_load(h->stop)) {
        AWAIT(h, cx, &h->iv.base);
        double t = now_ms();
        if (h->last > 0 && t - h->last > h->worst)
            h->worst = t - h->last;
        h->last = t;
    }
    ASYNC_END(h);
}

/* ---- the callers --------------------------------------------------------- */

typedef struct caller {
    future_t base;
    bool pool, spawned;
    join_handle_t h;
    atomic_int *left;
} caller_t;

static poll_t caller_poll(future_t *f, context_t *cx)
{
    caller_t *c = (caller_t *)f;
    if (!c->pool) {
        slow_call(NULL); /* the worker stops here for BLOCK_MS */
    } else {
        if (!c->spawned) {
            ws_spawn_blocking(slow_call, NULL, "slow", &c->h);
            c->spawned = true;
        }
        if (join_handle_poll(&c->h, cx) == POLL_PENDING)
            return POLL_PENDING;
        join_handle_drop(&c->h);
    }
    atomic_fetch_sub(c->left, 1);
    return POLL_READY;
}

static void run(bool pool)
{
    executor_config_t cfg = {.kind = &ws_executor_kind, .workers = 1};
    executor_t *ex = executor_create(&cfg);
    atomic_int stop = 0, left = CALLS;
    atomic_store(&on_worker, 0);
    heartbeat_t hb = {.base = {heartbeat_poll, NULL}, .stop = &stop};
    interval_init(&hb.iv, 5);
    join_handle_t hbh;
    executor_spawn(ex, &hb.base, sizeof hb, "heartbeat", &hbh);
    double t0 = now_ms();
    for (int i = 0; i < CALLS; i++) {
        caller_t c = {.base = {caller_poll, NULL}, .pool = pool, .left = &left};
        executor_spawn(ex, &c.base, sizeof c, "caller", NULL);
    }
    while (atomic_load(&left) > 0) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    double wall = now_ms() - t0;
    atomic_store(&stop, 1);
    executor_run(ex);
    heartbeat_t *out = (heartbeat_t *)(void *)join_handle_output(&hbh);
    printf("%-8s %10.0f ms %16.0f ms %14d\n", pool ? "pool" : "inline", wall,
           out != NULL ? out->worst : -1.0, atomic_load(&on_worker));
    join_handle_drop(&hbh);
    executor_destroy(ex);
}

int main(void)
{
    printf("%d calls of %d ms each, one worker, a heartbeat every 5 ms:\n\n",
           CALLS, BLOCK_MS);
    printf("%-8s %13s %19s %14s\n", "run", "all calls", "worst heartbeat",
           "calls on");
    printf("%-8s %13s %19s %14s\n", "", "done after", "gap", "the worker");
    run(false);
    run(true);
    printf("\nInline, the worker sleeps in each call: the heartbeat stalls "
           "and the calls\nrun one after another. On the pool they overlap "
           "and the worker stays free.\n");
    return 0;
}
