/*
 * tests/test_sleep.c - a sleep is never shorter than asked, on every
 * executor and in the simulation, and deadlines never wrap.
 *
 * Each of 10,000 tasks reads the clock at its first poll, sleeps 1 ms,
 * and reads it again when the sleep is READY; none may see less than
 * 1 ms. This is a lower bound, not a timing test: a slow or loaded
 * machine makes sleeps longer, never shorter, so it cannot flake. (With
 * the deadline counted from "now" rounded down, 4-9% of them were short:
 * a sleep started at 7.9 ms was due at 8 ms.)
 *
 * One test: ./build/tests/test_sleep sleep_never_short_spin
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/executors.h"
#include "core/async.h"
#include "core/executor.h"
#include "driver/driver.h"
#include "driver/time.h"
#include "workstealing/ws.h"

#define SLEEPERS 10000

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct results {
    uint64_t shortest;     /* ns (real clock) or ms (virtual) */
    uint64_t short_count;  /* sleeps below the bound */
    uint64_t done;
    pthread_mutex_t lock;
} results_t;

typedef struct napper {
    future_t base;
    async_t async;
    sleep_t nap;
    results_t *r;
    bool virtual_time;
    uint64_t start;
} napper_t;

/* Real time in ns; virtual time in ms of the running driver's clock. */
static uint64_t now_of(const napper_t *n)
{
    return n->virtual_time ? driver_now_ms(driver_current()) : mono_ns();
}

static poll_t napper_poll(future_t *f, context_t *cx)
{
    napper_t *n = (napper_t *)f;
    ASYNC_BEGIN(n);
    n->start = now_of(n);
    sleep_init(&n->nap, 1);
    AWAIT(n, cx, &n->nap.base);
    {
        uint64_t took = now_of(n) - n->start;
        uint64_t bound = n->virtual_time ? 1 : 1000000u;
        pthread_mutex_lock(&n->r->lock);
        if (took < n->r->shortest)
            n->r->shortest = took;
        n->r->short_count += took < bound;
        n->r->done++;
        pthread_mutex_unlock(&n->r->lock);
    }
    ASYNC_END(n);
}

static void napper_drop(future_t *f)
{
    future_drop(&((napper_t *)f)->nap.base);
}

static void run_sleepers(const executor_kind_t *kind, bool sim)
{
    executor_config_t cfg = {.kind = kind, .sim = sim, .seed = 7};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    results_t r = {.shortest = UINT64_MAX};
    pthread_mutex_init(&r.lock, NULL);
    for (int i = 0; i < SLEEPERS; i++) {
        napper_t n = {.base = {napper_poll, napper_drop},
                      .r = &r,
                      .virtual_time = sim};
        assert_int_equal(executor_spawn(ex, &n.base, sizeof n, "nap", NULL),
                         0);
    }
    assert_int_equal(executor_run(ex), 0);
    executor_destroy(ex);
    pthread_mutex_destroy(&r.lock);
    assert_int_equal(r.done, SLEEPERS);
    if (r.short_count != 0)
        fail_msg("%s%s: %llu of %d sleeps of 1 ms took less (shortest %llu "
                 "%s)", kind->name, sim ? " --sim" : "",
                 (unsigned long long)r.short_count, SLEEPERS,
                 (unsigned long long)r.shortest, sim ? "ms" : "ns");
}

static const executor_kind_t *kind_named(const char *name)
{
    const executor_kind_t *k = executor_kind_by_name(name);
    assert_non_null(k);
    return k;
}

static void sleep_never_short_spin(void **state)
{
    (void)state;
    run_sleepers(kind_named("spin"), false);
}

static void sleep_never_short_notify(void **state)
{
    (void)state;
    run_sleepers(kind_named("notify"), false);
}

static void sleep_never_short_ws(void **state)
{
    (void)state;
    run_sleepers(kind_named("ws"), false);
}

static void sleep_never_short_ws_sim(void **state)
{
    (void)state;
    run_sleepers(kind_named("ws"), true);
}

/* ---- huge deadlines -------------------------------------------------------
 *
 * now + d used to wrap: on the real clock sleep(UINT64_MAX) was due in
 * the past and finished at once; on the virtual clock a deadline at or
 * past 2^63 ms made a park jump there and the wheel cascade forever. A
 * deadline at or past DRIVER_NEVER is never: no timer, no waker held.
 * The alarm turns a hang into a failure. */

/* A future that is pending forever and keeps its waker (the "inner" of a
 * timeout that never runs out). */
typedef struct held {
    future_t base;
    waker_t w;
} held_t;

static poll_t held_poll(future_t *f, context_t *cx)
{
    waker_register(&((held_t *)f)->w, cx);
    return POLL_PENDING;
}

static void check_never(driver_t *d)
{
    counting_waker_t counts;
    waker_t w = counting_waker(&counts);
    context_t cx = {.waker = &w};
    driver_set_current(d);
    alarm(20);

    sleep_t s, until;
    sleep_init(&s, UINT64_MAX);
    sleep_until_init(&until, UINT64_C(1) << 63);
    held_t inner = {{held_poll, NULL}, WAKER_EMPTY};
    timeout_t t;
    timeout_init(&t, &inner.base, UINT64_MAX);
    interval_t iv;
    interval_init(&iv, UINT64_MAX);

    assert_int_equal(future_poll(&s.base, &cx), POLL_PENDING);
    assert_int_equal(future_poll(&until.base, &cx), POLL_PENDING);
    assert_int_equal(future_poll(&t.base, &cx), POLL_PENDING);
    assert_int_equal(future_poll(&iv.base, &cx), POLL_READY); /* tick 1 */
    assert_int_equal(future_poll(&iv.base, &cx), POLL_PENDING);
    assert_int_equal(sleep_deadline(&s), DRIVER_NEVER);
    assert_int_equal(iv.sleep.deadline, DRIVER_NEVER);

    /* No timer holds a waker: only the inner future's clone is out. */
    driver_stats_t st;
    driver_stats(d, &st);
    assert_int_equal(st.timers_pending, 0);
    assert_int_equal(atomic_load(&counts.live), 2); /* ours + inner's */

    for (int i = 0; i < 3; i++)
        driver_park(d, 5);
    assert_int_equal(future_poll(&s.base, &cx), POLL_PENDING);
    assert_int_equal(future_poll(&until.base, &cx), POLL_PENDING);
    assert_int_equal(future_poll(&t.base, &cx), POLL_PENDING);
    assert_int_equal(future_poll(&iv.base, &cx), POLL_PENDING);
    assert_false(t.timed_out);
    assert_true(driver_now_ms(d) < 1000000); /* no jump to the far future */

    alarm(0);
    future_drop(&s.base);
    future_drop(&until.base);
    future_drop(&t.base);
    future_drop(&iv.base);
    waker_drop(&inner.w);
    waker_drop(&w);
    driver_set_current(NULL);
}

static void time_huge_deadlines_real_clock(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    assert_non_null(d);
    check_never(d);
    driver_destroy(d);
}

static void time_huge_deadlines_virtual_clock(void **state)
{
    (void)state;
    driver_t *d = driver_create(true);
    assert_non_null(d);
    check_never(d);
    driver_destroy(d);
}

/* Far but before DRIVER_NEVER: the virtual clock jumps there and fires. */
static void time_far_deadline_fires_in_virtual_time(void **state)
{
    (void)state;
    driver_t *d = driver_create(true);
    assert_non_null(d);
    driver_set_current(d);
    counting_waker_t counts;
    waker_t w = counting_waker(&counts);
    context_t cx = {.waker = &w};
    alarm(20);
    sleep_t s;
    const uint64_t far = DRIVER_NEVER - 1;
    sleep_until_init(&s, far);
    assert_int_equal(future_poll(&s.base, &cx), POLL_PENDING);
    assert_int_equal(driver_park(d, -1), 1);
    assert_int_equal(driver_now_ms(d), far);
    assert_int_equal(future_poll(&s.base, &cx), POLL_READY);
    /* And advancing by UINT64_MAX saturates instead of wrapping. */
    driver_advance(d, UINT64_MAX);
    assert_int_equal(driver_now_ms(d), DRIVER_NEVER);
    alarm(0);
    future_drop(&s.base);
    waker_drop(&w);
    driver_set_current(NULL);
    driver_destroy(d);
}

/* On an executor that waits for wakes: a task sleeping forever is one
 * nothing can wake, and block_on says so (-EDEADLK) instead of hanging.
 * (The spin executor polls without wakers; it spins on, as it would for
 * any pending future.) */
static poll_t forever_poll(future_t *f, context_t *cx)
{
    return future_poll(&((napper_t *)f)->nap.base, cx);
}

static void time_sleep_forever_is_reported(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        if (strcmp(e->name, "spin") == 0)
            continue;
        executor_config_t cfg = {.kind = e->kind};
        executor_t *ex = executor_create(&cfg);
        assert_non_null(ex);
        napper_t n = {.base = {forever_poll, napper_drop}};
        sleep_init(&n.nap, UINT64_MAX);
        alarm(20);
        assert_int_equal(executor_block_on(ex, &n.base), -EDEADLK);
        alarm(0);
        future_drop(&n.base);
        executor_destroy(ex);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sleep_never_short_spin),
        cmocka_unit_test(sleep_never_short_notify),
        cmocka_unit_test(sleep_never_short_ws),
        cmocka_unit_test(sleep_never_short_ws_sim),
        cmocka_unit_test(time_huge_deadlines_real_clock),
        cmocka_unit_test(time_huge_deadlines_virtual_clock),
        cmocka_unit_test(time_far_deadline_fires_in_virtual_time),
        cmocka_unit_test(time_sleep_forever_is_reported),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
