/*
 * lessons/07-driver-time/example.c - the driver's time, in one task.
 *
 *     asynclab lesson 7 --run
 *
 * 1. Where the wheel files a few deadlines (driver/wheel.c).
 * 2. One async task on the notify executor, real clock: sleep 50 ms, tick
 *    an interval of 20 ms three times, then wait for a future that never
 *    finishes, under a timeout of 30 ms. Each line prints the driver's
 *    clock (driver_now_ms).
 */
#include <stdio.h>

#include "core/async.h"
#include "core/executor.h"
#include "driver/time.h"
#include "driver/wheel.h"
#include "notify_executor/notify_executor.h"

static void where_timers_go(void)
{
    static wheel_t w;
    static const uint64_t deadlines[] = {5, 63, 64, 1000, 4096, 90000, 3600000};
    wheel_init(&w, 0);
    printf("1. a wheel at 0 ms files these deadlines:\n");
    for (size_t i = 0; i < sizeof deadlines / sizeof deadlines[0]; i++) {
        wheel_entry_t e;
        wheel_entry_init(&e);
        wheel_insert(&w, &e, deadlines[i]);
        printf("   %8llu ms -> level %u, slot %2u\n",
               (unsigned long long)deadlines[i], e.level, e.slot);
        wheel_cancel(&w, &e);
    }
    printf("\n");
}

/* Never ready; keeps no waker (the timeout's timer will wake the task). */
static poll_t forever_poll(future_t *f, context_t *cx)
{
    (void)f;
    (void)cx;
    return POLL_PENDING;
}

typedef struct tour {
    future_t base;
    async_t async;
    sleep_t nap;
    interval_t iv;
    future_t forever;
    timeout_t limit;
} tour_t;

static uint64_t now(void)
{
    return driver_now_ms(driver_current());
}

static poll_t tour_poll(future_t *f, context_t *cx)
{
    tour_t *self = (tour_t *)f;
    ASYNC_BEGIN(self);
    printf("   %3llu ms  start; sleep 50 ms\n", (unsigned long long)now());
    AWAIT(self, cx, &self->nap.base);
    printf("   %3llu ms  awake; interval of 20 ms\n",
           (unsigned long long)now());
    while (self->iv.ticks < 3) {
        AWAIT(self, cx, &self->iv.base);
        printf("   %3llu ms  tick %llu\n", (unsigned long long)now(),
               (unsigned long long)self->iv.ticks);
    }
    printf("   %3llu ms  await a never-ready future, timeout 30 ms\n",
           (unsigned long long)now());
    AWAIT(self, cx, &self->limit.base);
    printf("   %3llu ms  timed out: %s\n", (unsigned long long)now(),
           self->limit.timed_out ? "yes" : "no");
    ASYNC_END(self);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    where_timers_go();

    executor_config_t cfg = {.kind = &notify_executor_kind};
    executor_t *ex = executor_create(&cfg);
    tour_t t = {.base = {tour_poll, NULL}, .forever = {forever_poll, NULL}};
    sleep_init(&t.nap, 50);
    interval_init(&t.iv, 20);
    timeout_init(&t.limit, &t.forever, 30);
    printf("2. one task, on the notify executor:\n");
    executor_block_on(ex, &t.base);
    executor_stats_t st;
    executor_stats(ex, &st);
    printf("\n   %llu polls, %llu parks: the thread slept between timers.\n",
           (unsigned long long)st.polls, (unsigned long long)st.parks);
    executor_destroy(ex);
    return 0;
}
