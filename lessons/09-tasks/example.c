/*
 * lessons/09-tasks/example.c - await versus spawn; concurrency versus
 * parallelism.
 *
 *     asynclab lesson 9 --run
 *
 * 1. One task awaits two 100 ms sleeps one after the other: 200 ms.
 * 2. One task spawns two sleeping tasks and awaits their joins: 100 ms.
 *    Same thread - the waits overlap: concurrency.
 * 3. Two tasks that compute for 100 ms each (no waiting at all): on the
 *    notify executor's one thread they take turns, 200 ms; on the
 *    work-stealing runtime with two workers they run at once, about
 *    100 ms on a machine with two free cores: parallelism.
 */
#include <stdio.h>
#include <time.h>

#include "bench/executors.h"
#include "core/async.h"
#include "driver/time.h"
#include "sync/join.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- 1 and 2: waiting ---------------------------------------------------- */

typedef struct waits {
    future_t base;
    async_t async;
    bool spawned; /* 2: spawn both; 1: await one after the other */
    sleep_t a, b;
    join_t ja, jb;
} waits_t;

static poll_t waits_poll(future_t *f, context_t *cx)
{
    waits_t *self = (waits_t *)f;
    ASYNC_BEGIN(self);
    if (!self->spawned) {
        AWAIT(self, cx, &self->a.base);
        AWAIT(self, cx, &self->b.base);
    } else {
        join_handle_t ha, hb;
        spawn(&self->a.base, sizeof self->a, "sleep-a", &ha);
        spawn(&self->b.base, sizeof self->b, "sleep-b", &hb);
        join_init(&self->ja, ha);
        join_init(&self->jb, hb);
        AWAIT(self, cx, &self->ja.base);
        AWAIT(self, cx, &self->jb.base);
        join_drop(&self->ja);
        join_drop(&self->jb);
    }
    ASYNC_END(self);
}

static void waiting(bool spawned)
{
    executor_config_t cfg = {.kind = executor_kind_by_name("notify")};
    executor_t *ex = executor_create(&cfg);
    waits_t w = {.base = {waits_poll, NULL}, .spawned = spawned};
    sleep_init(&w.a, 100);
    sleep_init(&w.b, 100);
    double t0 = now_ms();
    executor_block_on(ex, &w.base);
    printf("%d. %-42s %4.0f ms\n", spawned ? 2 : 1,
           spawned ? "spawn two 100 ms sleeps, await the joins:"
                   : "await two 100 ms sleeps in sequence:",
           now_ms() - t0);
    executor_destroy(ex);
}

/* ---- 3: computing -------------------------------------------------------- */

/* Computes for 100 ms in one poll: no await, nothing to overlap. */
static poll_t crunch_poll(future_t *f, context_t *cx)
{
    (void)f;
    (void)cx;
    volatile unsigned long x = 0;
    double end = now_ms() + 100;
    while (now_ms() < end)
        x = x * 6364136223846793005ul + 1;
    return POLL_READY;
}

static void computing(const char *kind)
{
    executor_config_t cfg = {.kind = executor_kind_by_name(kind), .workers = 2};
    executor_t *ex = executor_create(&cfg);
    future_t crunch = {crunch_poll, NULL};
    double t0 = now_ms();
    executor_spawn(ex, &crunch, sizeof crunch, "crunch", NULL);
    executor_spawn(ex, &crunch, sizeof crunch, "crunch", NULL);
    executor_run(ex);
    printf("3. two 100 ms computations on %-6s %16s %4.0f ms\n", kind, "",
           now_ms() - t0);
    executor_destroy(ex);
}

int main(void)
{
    waiting(false);
    waiting(true);
    computing("notify");
    computing("ws");
    printf("\nAwait runs things in order; spawn lets them overlap. On one "
           "thread,\nonly waiting overlaps; with more workers, work does.\n");
    return 0;
}
