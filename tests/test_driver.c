/*
 * tests/test_driver.c - park/unpark (driver/driver.c) and the time futures
 * (driver/time.c): sleep, sleep_until, interval, timeout.
 *
 * Time futures run on the virtual clock and are polled by hand with a
 * counting waker, so every assertion is about what happened, never about
 * how long it took.
 *
 * Run one test: ./build/tests/test_driver driver_unpark_wakes_a_park
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

#include "core/coop.h"
#include "core/waker.h"
#include "driver/driver.h"
#include "driver/time.h"

/* A virtual driver made current, and a counting waker's context. */
typedef struct fixture {
    driver_t *d;
    counting_waker_t counts;
    waker_t waker;
    context_t cx;
} fixture_t;

static int setup_virtual(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->d = driver_create(true);
    assert_non_null(f->d);
    f->waker = counting_waker(&f->counts);
    f->cx.waker = &f->waker;
    driver_set_current(f->d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    driver_set_current(NULL);
    driver_destroy(f->d);
    waker_drop(&f->waker);
    assert_int_equal(atomic_load(&f->counts.live), 0); /* no waker leaked */
    free(f);
    return 0;
}

static int wakes(fixture_t *f)
{
    return atomic_load(&f->counts.wakes);
}

static uint64_t pending_timers(driver_t *d)
{
    driver_stats_t s;
    driver_stats(d, &s);
    return s.timers_pending;
}

/* ---- park and unpark ----------------------------------------------------- */

typedef struct unparker {
    driver_t *d;
    sem_t ready;
    int rounds;
} unparker_t;

static void *unpark_rounds(void *arg)
{
    unparker_t *u = arg;
    for (int i = 0; i < u->rounds; i++) {
        sem_wait(&u->ready); /* the parker is (about to be) parked */
        driver_unpark(u->d);
    }
    return NULL;
}

static void driver_unpark_wakes_an_infinite_park(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    unparker_t u = {.d = d, .rounds = 1000};
    sem_init(&u.ready, 0, 0);
    pthread_t th;
    pthread_create(&th, NULL, unpark_rounds, &u);
    for (int i = 0; i < u.rounds; i++) {
        sem_post(&u.ready);
        assert_int_equal(driver_park(d, -1), 0); /* would hang if lost */
    }
    pthread_join(th, NULL);
    driver_stats_t s;
    driver_stats(d, &s);
    assert_int_equal(s.turns, 1000);
    assert_int_equal(s.unparks, 1000);
    sem_destroy(&u.ready);
    driver_destroy(d);
}

static void driver_unpark_before_park_is_kept(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    driver_unpark(d);
    assert_int_equal(driver_park(d, -1), 0); /* returns: the write waited */
    driver_destroy(d);
}

static void driver_park_times_out(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    assert_int_equal(driver_park(d, 0), 0);
    assert_int_equal(driver_park(d, 15), 0);
    assert_true(driver_now_ms(d) >= 15); /* never early */
    driver_destroy(d);
}

static void driver_park_fires_a_real_timer(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    counting_waker_t c = {0};
    waker_t w = counting_waker(&c);
    context_t cx = {&w};
    driver_timer_t t;
    driver_timer_init(&t);
    uint64_t deadline = driver_now_ms(d) + 5;
    driver_timer_arm(d, &t, deadline, &cx);
    int woken = 0;
    while (woken == 0)
        woken = driver_park(d, -1); /* the timer bounds the wait */
    assert_int_equal(woken, 1);
    assert_true(driver_now_ms(d) >= deadline);
    assert_true(driver_timer_poll(d, &t, &cx));
    assert_int_equal(atomic_load(&c.wakes), 1);
    driver_destroy(d);
    waker_drop(&w);
    assert_int_equal(atomic_load(&c.live), 0);
}

typedef struct arm_later {
    driver_t *d;
    driver_timer_t timer;
    counting_waker_t counts;
    waker_t waker;
} arm_later_t;

static void *arm_soon(void *arg)
{
    arm_later_t *a = arg;
    context_t cx = {&a->waker};
    driver_timer_arm(a->d, &a->timer, driver_now_ms(a->d) + 1, &cx);
    return NULL;
}

static void driver_earlier_timer_unparks_the_parked_thread(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    counting_waker_t far_counts = {0};
    waker_t far_waker = counting_waker(&far_counts);
    context_t far_cx = {&far_waker};
    driver_timer_t far;
    driver_timer_init(&far);
    driver_timer_arm(d, &far, 3600 * 1000, &far_cx); /* an hour away */
    arm_later_t a = {.d = d};
    driver_timer_init(&a.timer);
    a.waker = counting_waker(&a.counts);
    pthread_t th;
    pthread_create(&th, NULL, arm_soon, &a);
    /* Parks planning for the hour; the new timer must cut that short. */
    while (atomic_load(&a.counts.wakes) == 0)
        driver_park(d, -1);
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&far_counts.wakes), 0);
    driver_timer_cancel(d, &far);
    driver_destroy(d);
    waker_drop(&far_waker);
    waker_drop(&a.waker);
    assert_int_equal(atomic_load(&far_counts.live), 0);
    assert_int_equal(atomic_load(&a.counts.live), 0);
}

static void driver_has_work_while_a_timer_is_pending(void **state)
{
    fixture_t *f = *state;
    driver_timer_t t;
    driver_timer_init(&t);
    assert_false(driver_has_work(f->d));
    uint64_t next;
    assert_false(driver_next_timer(f->d, &next));
    driver_timer_arm(f->d, &t, 42, &f->cx);
    assert_true(driver_has_work(f->d));
    assert_true(driver_next_timer(f->d, &next));
    assert_int_equal(next, 42);
    driver_timer_cancel(f->d, &t);
    assert_false(driver_has_work(f->d));
}

static void driver_current_is_per_thread(void **state)
{
    fixture_t *f = *state;
    assert_ptr_equal(driver_current(), f->d);
    driver_t *prev = driver_set_current(NULL);
    assert_ptr_equal(prev, f->d);
    assert_null(driver_current());
    driver_set_current(f->d);
}

static void driver_advance_needs_a_virtual_clock(void **state)
{
    (void)state;
    driver_t *d = driver_create(false);
    assert_int_equal(driver_advance(d, 10), -EINVAL);
    driver_destroy(d);
}

/* A sink that counts events by kind. */
typedef struct counting_sink {
    trace_sink_t sink;
    int by_kind[TRACE_KIND_COUNT];
} counting_sink_t;

static void count_event(trace_sink_t *self, const trace_event_t *ev)
{
    ((counting_sink_t *)self)->by_kind[ev->kind]++;
}

static void driver_traces_turns_and_timer_fires(void **state)
{
    fixture_t *f = *state;
    counting_sink_t rec = {.sink.write = count_event};
    driver_set_trace(f->d, &rec.sink);
    driver_timer_t t[2];
    for (int i = 0; i < 2; i++) {
        driver_timer_init(&t[i]);
        driver_timer_arm(f->d, &t[i], 7, &f->cx);
    }
    assert_int_equal(driver_park(f->d, -1), 2);
    assert_int_equal(rec.by_kind[TRACE_TIMER_FIRE], 2);
    assert_int_equal(rec.by_kind[TRACE_DRIVER_TURN], 1);
    driver_set_trace(f->d, NULL);
}

/* ---- sleep --------------------------------------------------------------- */

static void sleep_waits_for_its_deadline(void **state)
{
    fixture_t *f = *state;
    sleep_t s;
    sleep_init(&s, 100);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_PENDING);
    assert_int_equal(sleep_deadline(&s), 100);
    assert_int_equal(driver_advance(f->d, 99), 0);
    assert_int_equal(wakes(f), 0);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_PENDING);
    assert_int_equal(driver_advance(f->d, 1), 1);
    assert_int_equal(wakes(f), 1);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_READY);
    future_drop(&s.base);
    assert_int_equal(pending_timers(f->d), 0);
}

static void sleep_counts_from_its_first_poll(void **state)
{
    fixture_t *f = *state;
    sleep_t s;
    sleep_init(&s, 10);
    driver_advance(f->d, 50); /* created at 0, first polled at 50 */
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_PENDING);
    assert_int_equal(sleep_deadline(&s), 60);
    assert_int_equal(driver_park(f->d, -1), 1);
    assert_int_equal(driver_now_ms(f->d), 60);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_READY);
    future_drop(&s.base);
}

static void sleep_is_spawnable_by_value_before_its_first_poll(void **state)
{
    fixture_t *f = *state;
    sleep_t original, copy;
    sleep_init(&original, 5);
    copy = original;                           /* what spawn does */
    assert_int_equal(pending_timers(f->d), 0); /* init armed nothing */
    assert_int_equal(future_poll(&copy.base, &f->cx), POLL_PENDING);
    assert_int_equal(pending_timers(f->d), 1);
    driver_advance(f->d, 5);
    assert_int_equal(future_poll(&copy.base, &f->cx), POLL_READY);
    future_drop(&copy.base);
    future_drop(&original.base); /* never polled: nothing to cancel */
}

static void sleep_until_uses_the_driver_clock(void **state)
{
    fixture_t *f = *state;
    sleep_t s;
    driver_advance(f->d, 30);
    sleep_until_init(&s, 40);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_PENDING);
    assert_int_equal(driver_park(f->d, -1), 1);
    assert_int_equal(driver_now_ms(f->d), 40);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_READY);
    future_drop(&s.base);
}

static void sleep_in_the_past_is_ready_at_once(void **state)
{
    fixture_t *f = *state;
    sleep_t zero, past;
    driver_advance(f->d, 30);
    sleep_init(&zero, 0);
    sleep_until_init(&past, 10);
    assert_int_equal(future_poll(&zero.base, &f->cx), POLL_READY);
    assert_int_equal(future_poll(&past.base, &f->cx), POLL_READY);
    assert_int_equal(pending_timers(f->d), 0);
    future_drop(&zero.base);
    future_drop(&past.base);
}

static void sleep_drop_cancels_its_timer(void **state)
{
    fixture_t *f = *state;
    sleep_t s;
    sleep_init(&s, 1000);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_PENDING);
    assert_true(driver_has_work(f->d));
    future_drop(&s.base);
    assert_false(driver_has_work(f->d));
    assert_int_equal(driver_advance(f->d, 2000), 0);
    assert_int_equal(wakes(f), 0);
}

static void sleep_spends_the_coop_budget(void **state)
{
    fixture_t *f = *state;
    sleep_t s;
    sleep_init(&s, 5);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_PENDING);
    driver_advance(f->d, 5);
    int woken = wakes(f);
    int prev = coop_budget_set(0); /* the task has used its budget */
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_PENDING);
    assert_int_equal(wakes(f), woken + 1); /* and was told to come back */
    coop_budget_set(1);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_READY);
    coop_budget_set(prev);
    future_drop(&s.base);
}

static void sleep_reset_moves_the_deadline(void **state)
{
    fixture_t *f = *state;
    sleep_t s;
    sleep_init(&s, 100);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_PENDING);
    sleep_reset(&s, 20);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_PENDING);
    assert_int_equal(pending_timers(f->d), 1); /* the old one is gone */
    assert_int_equal(driver_park(f->d, -1), 1);
    assert_int_equal(driver_now_ms(f->d), 20);
    assert_int_equal(future_poll(&s.base, &f->cx), POLL_READY);
    future_drop(&s.base);
}

static void sleep_without_a_driver_busy_waits(void **state)
{
    fixture_t *f = *state;
    driver_set_current(NULL); /* as on the spin executor */
    sleep_t s;
    sleep_init(&s, 2);
    int polls = 0;
    while (future_poll(&s.base, &f->cx) == POLL_PENDING)
        polls++;
    assert_true(polls > 0);
    assert_int_equal(wakes(f), polls); /* every PENDING woke itself */
    future_drop(&s.base);
    driver_set_current(f->d);
}

/* ---- interval ------------------------------------------------------------ */

/* Poll iv once; returns the tick's due time, or -1 when PENDING. */
static int64_t tick(interval_t *iv, fixture_t *f)
{
    if (future_poll(&iv->base, &f->cx) == POLL_PENDING)
        return -1;
    return (int64_t)iv->tick_ms;
}

/* Ticks at 0 and 10, then a stall until 35 (the picture in time.h). */
static void stall_until_35(interval_t *iv, fixture_t *f)
{
    assert_int_equal(tick(iv, f), 0); /* the first tick is immediate */
    assert_int_equal(tick(iv, f), -1);
    assert_int_equal(driver_park(f->d, -1), 1);
    assert_int_equal(tick(iv, f), 10);
    driver_advance(f->d, 25);
    assert_int_equal(driver_now_ms(f->d), 35);
}

static void interval_bursts_by_default(void **state)
{
    fixture_t *f = *state;
    interval_t iv;
    interval_init(&iv, 10);
    assert_int_equal(iv.missed, INTERVAL_BURST);
    stall_until_35(&iv, f);
    assert_int_equal(tick(&iv, f), 20);
    assert_int_equal(tick(&iv, f), 30); /* caught up at once */
    assert_int_equal(tick(&iv, f), -1);
    driver_advance(f->d, 5);
    assert_int_equal(tick(&iv, f), 40);
    assert_int_equal(iv.ticks, 5);
    future_drop(&iv.base);
    assert_int_equal(pending_timers(f->d), 0);
}

static void interval_delay_restarts_from_now(void **state)
{
    fixture_t *f = *state;
    interval_t iv;
    interval_init(&iv, 10);
    interval_set_missed(&iv, INTERVAL_DELAY);
    stall_until_35(&iv, f);
    assert_int_equal(tick(&iv, f), 20);
    assert_int_equal(tick(&iv, f), -1);
    driver_advance(f->d, 9);
    assert_int_equal(tick(&iv, f), -1);
    driver_advance(f->d, 1);
    assert_int_equal(tick(&iv, f), 45);
    future_drop(&iv.base);
}

static void interval_skip_keeps_the_grid(void **state)
{
    fixture_t *f = *state;
    interval_t iv;
    interval_init(&iv, 10);
    interval_set_missed(&iv, INTERVAL_SKIP);
    stall_until_35(&iv, f);
    assert_int_equal(tick(&iv, f), 20);
    assert_int_equal(tick(&iv, f), -1);
    assert_int_equal(driver_park(f->d, -1), 1);
    assert_int_equal(driver_now_ms(f->d), 40);
    assert_int_equal(tick(&iv, f), 40);
    future_drop(&iv.base);
}

/* ---- timeout ------------------------------------------------------------- */

static void timeout_lets_a_fast_future_finish(void **state)
{
    fixture_t *f = *state;
    sleep_t inner;
    timeout_t t;
    sleep_init(&inner, 5);
    timeout_init(&t, &inner.base, 10);
    assert_int_equal(future_poll(&t.base, &f->cx), POLL_PENDING);
    assert_int_equal(pending_timers(f->d), 2);
    assert_int_equal(driver_park(f->d, -1), 1);
    assert_int_equal(future_poll(&t.base, &f->cx), POLL_READY);
    assert_false(t.timed_out);
    assert_int_equal(pending_timers(f->d), 0); /* its timer was cancelled */
    future_drop(&t.base);
    future_drop(&inner.base);
}

static void timeout_expires_before_a_slow_future(void **state)
{
    fixture_t *f = *state;
    sleep_t inner;
    timeout_t t;
    sleep_init(&inner, 100);
    timeout_init(&t, &inner.base, 10);
    assert_int_equal(future_poll(&t.base, &f->cx), POLL_PENDING);
    assert_int_equal(driver_park(f->d, -1), 1);
    assert_int_equal(driver_now_ms(f->d), 10);
    assert_int_equal(future_poll(&t.base, &f->cx), POLL_READY);
    assert_true(t.timed_out);
    future_drop(&t.base);
    future_drop(&inner.base); /* the caller drops what it lent */
    assert_int_equal(pending_timers(f->d), 0);
}

static void timeout_inner_wins_a_tie(void **state)
{
    fixture_t *f = *state;
    sleep_t inner;
    timeout_t t;
    sleep_init(&inner, 10);
    timeout_init(&t, &inner.base, 10);
    assert_int_equal(future_poll(&t.base, &f->cx), POLL_PENDING);
    assert_int_equal(driver_park(f->d, -1), 2);
    assert_int_equal(future_poll(&t.base, &f->cx), POLL_READY);
    assert_false(t.timed_out);
    future_drop(&t.base);
    future_drop(&inner.base);
}

#define VTEST(name)                                                            \
    cmocka_unit_test_setup_teardown(name, setup_virtual, teardown)

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(driver_unpark_wakes_an_infinite_park),
        cmocka_unit_test(driver_unpark_before_park_is_kept),
        cmocka_unit_test(driver_park_times_out),
        cmocka_unit_test(driver_park_fires_a_real_timer),
        cmocka_unit_test(driver_earlier_timer_unparks_the_parked_thread),
        cmocka_unit_test(driver_advance_needs_a_virtual_clock),
        VTEST(driver_has_work_while_a_timer_is_pending),
        VTEST(driver_current_is_per_thread),
        VTEST(driver_traces_turns_and_timer_fires),
        VTEST(sleep_waits_for_its_deadline),
        VTEST(sleep_counts_from_its_first_poll),
        VTEST(sleep_is_spawnable_by_value_before_its_first_poll),
        VTEST(sleep_until_uses_the_driver_clock),
        VTEST(sleep_in_the_past_is_ready_at_once),
        VTEST(sleep_drop_cancels_its_timer),
        VTEST(sleep_spends_the_coop_budget),
        VTEST(sleep_reset_moves_the_deadline),
        VTEST(sleep_without_a_driver_busy_waits),
        VTEST(interval_bursts_by_default),
        VTEST(interval_delay_restarts_from_now),
        VTEST(interval_skip_keeps_the_grid),
        VTEST(timeout_lets_a_fast_future_finish),
        VTEST(timeout_expires_before_a_slow_future),
        VTEST(timeout_inner_wins_a_tie),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("driver", tests, NULL, NULL);
}
