/*
 * tests/test_wheel.c - the hierarchical timer wheel (driver/wheel.c) and
 * the virtual clock stepping it through the driver (driver/driver.c).
 *
 * Run one test: ./build/tests/test_wheel wheel_cascades_from_level_two
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "core/waker.h"
#include "driver/driver.h"
#include "driver/wheel.h"

#define MS_PER_DAY (UINT64_C(24) * 3600 * 1000)

/* Pop everything due; returns how many, checking deadline order. */
static size_t pop_all(wheel_t *w, uint64_t now)
{
    size_t n = 0;
    uint64_t last = 0;
    wheel_entry_t *e;
    while ((e = wheel_pop_due(w)) != NULL) {
        assert_int_equal(e->state, WHEEL_FIRED);
        assert_true(e->deadline <= now);
        assert_true(e->deadline >= last);
        last = e->deadline;
        n++;
    }
    return n;
}

/* ---- placement and firing order ----------------------------------------- */

static void wheel_places_by_highest_differing_digit(void **state)
{
    (void)state;
    static const struct {
        uint64_t deadline;
        unsigned level;
    } cases[] = {
        {1, 0},          {63, 0},           {64, 1},     {4095, 1},
        {4096, 2},       {262143, 2},       {262144, 3}, {16777216, 4},
        {1073741824, 5}, {WHEEL_MAX_MS, 5},
    };
    wheel_t w;
    wheel_init(&w, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wheel_entry_t e;
        wheel_entry_init(&e);
        wheel_insert(&w, &e, cases[i].deadline);
        assert_int_equal(e.state, WHEEL_SLOT);
        assert_int_equal(e.level, cases[i].level);
        wheel_cancel(&w, &e);
    }
    assert_int_equal(w.count, 0);
}

static void wheel_fires_every_level_in_order(void **state)
{
    (void)state;
    enum { N = 12 };
    const uint64_t deadlines[N] = {
        3,     63,     64,        1000,     4095,       4096,
        70000, 262144, 300000000, 16777300, 1073741830, 40000000000,
    };
    wheel_entry_t e[N];
    wheel_t w;
    wheel_init(&w, 0);
    for (int i = N - 1; i >= 0; i--) { /* insert out of order */
        wheel_entry_init(&e[i]);
        wheel_insert(&w, &e[i], deadlines[i]);
    }
    uint64_t sorted[N];
    for (int i = 0; i < N; i++)
        sorted[i] = deadlines[i];
    for (int i = 0; i < N; i++) /* insertion sort: the expected order */
        for (int j = i; j > 0 && sorted[j] < sorted[j - 1]; j--) {
            uint64_t t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    for (int i = 0; i < N; i++) {
        uint64_t next;
        assert_true(wheel_next_deadline(&w, &next));
        assert_int_equal(next, sorted[i]);
        wheel_advance(&w, sorted[i] - 1);
        assert_null(wheel_pop_due(&w)); /* not a millisecond early */
        wheel_advance(&w, sorted[i]);
        wheel_entry_t *fired = wheel_pop_due(&w);
        assert_non_null(fired);
        assert_int_equal(fired->deadline, sorted[i]);
        assert_null(wheel_pop_due(&w));
    }
    assert_int_equal(w.count, 0);
}

static void wheel_one_advance_fires_all_in_deadline_order(void **state)
{
    (void)state;
    enum { N = 2000 };
    wheel_entry_t *e = calloc(N, sizeof *e);
    wheel_t w;
    wheel_init(&w, 0);
    uint64_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        wheel_entry_init(&e[i]);
        wheel_insert(&w, &e[i], 1 + (x >> 33) % 5000000);
    }
    assert_int_equal(wheel_advance(&w, 5000000), N);
    assert_int_equal(pop_all(&w, 5000000), N);
    free(e);
}

/* ---- cascading and cancel ------------------------------------------------ */

static void wheel_cascades_from_level_two(void **state)
{
    (void)state;
    wheel_t w;
    wheel_entry_t e;
    wheel_init(&w, 0);
    wheel_entry_init(&e);
    wheel_insert(&w, &e, 5000); /* 5000 = 1*4096 + 14*64 + 8 */
    assert_int_equal(e.level, 2);
    uint64_t when;
    assert_true(wheel_next_expiration(&w, &when));
    assert_int_equal(when, 4096); /* the slot's start: time to cascade */
    assert_int_equal(wheel_advance(&w, 4096), 0);
    assert_int_equal(e.state, WHEEL_SLOT);
    assert_int_equal(e.level, 1);
    assert_int_equal(e.slot, 14);
    assert_int_equal(wheel_advance(&w, 4999), 0);
    assert_int_equal(e.level, 0);
    assert_int_equal(e.slot, 8);
    assert_int_equal(wheel_advance(&w, 5000), 1);
    assert_ptr_equal(wheel_pop_due(&w), &e);
}

static void wheel_cancel_before_cascade(void **state)
{
    (void)state;
    wheel_t w;
    wheel_entry_t e;
    wheel_init(&w, 0);
    wheel_entry_init(&e);
    wheel_insert(&w, &e, 5000);
    wheel_cancel(&w, &e);
    assert_int_equal(e.state, WHEEL_IDLE);
    assert_int_equal(w.count, 0);
    assert_int_equal(w.occupied[2], 0);
    uint64_t when;
    assert_false(wheel_next_expiration(&w, &when));
    assert_int_equal(wheel_advance(&w, 10000), 0);
    wheel_cancel(&w, &e); /* twice is harmless */
    assert_int_equal(w.count, 0);
}

static void wheel_cancel_after_cascade(void **state)
{
    (void)state;
    wheel_t w;
    wheel_entry_t e, other;
    wheel_init(&w, 0);
    wheel_entry_init(&e);
    wheel_entry_init(&other);
    wheel_insert(&w, &e, 5000);
    wheel_insert(&w, &other, 5000);
    wheel_advance(&w, 4096);
    assert_int_equal(e.level, 1);
    wheel_cancel(&w, &e);
    assert_int_equal(w.count, 1);
    assert_int_equal(wheel_advance(&w, 6000), 1);
    assert_ptr_equal(wheel_pop_due(&w), &other);
    assert_null(wheel_pop_due(&w));
    assert_int_equal(e.state, WHEEL_IDLE);
}

static void wheel_cancel_while_due(void **state)
{
    (void)state;
    wheel_t w;
    wheel_entry_t a, b;
    wheel_init(&w, 0);
    wheel_entry_init(&a);
    wheel_entry_init(&b);
    wheel_insert(&w, &a, 10);
    wheel_insert(&w, &b, 10);
    wheel_advance(&w, 10);
    wheel_cancel(&w, &a); /* due, not yet handed out */
    assert_ptr_equal(wheel_pop_due(&w), &b);
    assert_null(wheel_pop_due(&w));
    assert_int_equal(w.count, 0);
}

/* ---- many timers, far timers, past timers ------------------------------- */

static void wheel_fires_ten_thousand_in_one_slot(void **state)
{
    (void)state;
    enum { N = 10000 };
    const uint64_t deadlines[2] = {77, 300000}; /* level 0, level 3 */
    wheel_entry_t *e = calloc(N, sizeof *e);
    for (int round = 0; round < 2; round++) {
        wheel_t w;
        wheel_init(&w, 0);
        for (int i = 0; i < N; i++) {
            wheel_entry_init(&e[i]);
            wheel_insert(&w, &e[i], deadlines[round]);
        }
        uint64_t next;
        assert_true(wheel_next_deadline(&w, &next));
        assert_int_equal(next, deadlines[round]);
        assert_int_equal(wheel_advance(&w, deadlines[round] - 1), 0);
        assert_int_equal(wheel_advance(&w, deadlines[round]), N);
        assert_int_equal(pop_all(&w, deadlines[round]), N);
        assert_int_equal(w.count, 0);
    }
    free(e);
}

static void wheel_fires_a_deadline_one_year_away(void **state)
{
    (void)state;
    const uint64_t year = 365 * MS_PER_DAY;
    wheel_t w;
    wheel_entry_t e;
    wheel_init(&w, 1234);
    wheel_entry_init(&e);
    wheel_insert(&w, &e, 1234 + year);
    assert_int_equal(e.level, 5);
    uint64_t next;
    assert_true(wheel_next_deadline(&w, &next));
    assert_int_equal(next, 1234 + year);
    /* Walk the way a parked driver would: to each expiration in turn. */
    int turns = 0;
    while (wheel_next_expiration(&w, &next) && next < 1234 + year) {
        assert_int_equal(wheel_advance(&w, next), 0);
        turns++;
    }
    assert_true(turns <= WHEEL_LEVELS);
    assert_int_equal(wheel_advance(&w, 1234 + year), 1);
    assert_ptr_equal(wheel_pop_due(&w), &e);
}

static void wheel_clamps_beyond_the_top_level(void **state)
{
    (void)state;
    const uint64_t far = 3 * 365 * MS_PER_DAY; /* > 64^6 ms */
    assert_true(far > WHEEL_MAX_MS);
    wheel_t w;
    wheel_entry_t e;
    wheel_init(&w, 999);
    wheel_entry_init(&e);
    wheel_insert(&w, &e, 999 + far);
    int turns = 0;
    uint64_t next;
    while (wheel_next_expiration(&w, &next) && next < 999 + far) {
        assert_int_equal(wheel_advance(&w, next), 0);
        assert_true(++turns < 100);
    }
    assert_int_equal(wheel_advance(&w, 999 + far - 1), 0);
    assert_int_equal(wheel_advance(&w, 999 + far), 1);
    assert_ptr_equal(wheel_pop_due(&w), &e);
}

static void wheel_past_deadline_fires_on_next_advance(void **state)
{
    (void)state;
    wheel_t w;
    wheel_entry_t e;
    wheel_init(&w, 100);
    wheel_entry_init(&e);
    wheel_insert(&w, &e, 40);
    assert_int_equal(e.state, WHEEL_EXPIRED);
    assert_null(wheel_pop_due(&w));
    uint64_t next;
    assert_true(wheel_next_expiration(&w, &next));
    assert_int_equal(next, 100);
    assert_int_equal(wheel_advance(&w, 100), 1);
    assert_ptr_equal(wheel_pop_due(&w), &e);
}

static void wheel_timers_inserted_while_firing_wait_a_turn(void **state)
{
    (void)state;
    wheel_t w;
    wheel_entry_t a[3], now_again[3], later[3];
    wheel_init(&w, 0);
    for (int i = 0; i < 3; i++) {
        wheel_entry_init(&a[i]);
        wheel_entry_init(&now_again[i]);
        wheel_entry_init(&later[i]);
        wheel_insert(&w, &a[i], 50);
    }
    wheel_advance(&w, 50);
    int fired = 0;
    wheel_entry_t *e;
    while ((e = wheel_pop_due(&w)) != NULL) {
        assert_ptr_equal(e, &a[fired]); /* never one inserted below */
        wheel_insert(&w, &now_again[fired], 50);
        wheel_insert(&w, &later[fired], 51);
        fired++;
    }
    assert_int_equal(fired, 3);
    assert_int_equal(wheel_advance(&w, 50), 3);
    assert_int_equal(pop_all(&w, 50), 3);
    assert_int_equal(wheel_advance(&w, 51), 3);
    assert_int_equal(pop_all(&w, 51), 3);
    assert_int_equal(w.count, 0);
}

static void wheel_next_deadline_is_exact_above_level_zero(void **state)
{
    (void)state;
    wheel_t w;
    wheel_entry_t a, b;
    wheel_init(&w, 0);
    wheel_entry_init(&a);
    wheel_entry_init(&b);
    wheel_insert(&w, &a, 5000);
    wheel_insert(&w, &b, 4500);
    uint64_t when;
    assert_true(wheel_next_expiration(&w, &when));
    assert_int_equal(when, 4096); /* lower bound: the slot's start */
    assert_true(wheel_next_deadline(&w, &when));
    assert_int_equal(when, 4500);
    wheel_cancel(&w, &a);
    wheel_cancel(&w, &b);
}

/* ---- the virtual clock, through the driver ------------------------------- */

static void wheel_virtual_clock_steps(void **state)
{
    (void)state;
    driver_t *d = driver_create(true);
    assert_non_null(d);
    counting_waker_t counts = {0};
    waker_t w = counting_waker(&counts);
    context_t cx = {&w};
    driver_timer_t t[3];
    for (int i = 0; i < 3; i++) {
        driver_timer_init(&t[i]);
        driver_timer_arm(d, &t[i], 10 * (uint64_t)(i + 1), &cx);
    }
    assert_int_equal(driver_now_ms(d), 0);
    assert_int_equal(driver_advance(d, 5), 0);
    assert_int_equal(driver_now_ms(d), 5);
    assert_int_equal(driver_advance(d, 5), 1); /* t[0] at 10 */
    assert_true(driver_timer_poll(d, &t[0], &cx));
    assert_false(driver_timer_poll(d, &t[1], &cx));
    assert_int_equal(driver_park(d, -1), 1); /* jumps to 20 */
    assert_int_equal(driver_now_ms(d), 20);
    assert_int_equal(driver_park(d, 0), 0); /* 0: time stands still */
    assert_int_equal(driver_now_ms(d), 20);
    assert_int_equal(driver_park(d, 4), 0); /* timeout before the timer */
    assert_int_equal(driver_now_ms(d), 24);
    assert_int_equal(driver_park(d, -1), 1);
    assert_int_equal(driver_now_ms(d), 30);
    assert_int_equal(driver_park(d, -1), 0); /* nothing left: returns */
    assert_int_equal(driver_now_ms(d), 30);
    assert_int_equal(atomic_load(&counts.wakes), 3);
    driver_destroy(d);
    waker_drop(&w);
    assert_int_equal(atomic_load(&counts.live), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wheel_places_by_highest_differing_digit),
        cmocka_unit_test(wheel_fires_every_level_in_order),
        cmocka_unit_test(wheel_one_advance_fires_all_in_deadline_order),
        cmocka_unit_test(wheel_cascades_from_level_two),
        cmocka_unit_test(wheel_cancel_before_cascade),
        cmocka_unit_test(wheel_cancel_after_cascade),
        cmocka_unit_test(wheel_cancel_while_due),
        cmocka_unit_test(wheel_fires_ten_thousand_in_one_slot),
        cmocka_unit_test(wheel_fires_a_deadline_one_year_away),
        cmocka_unit_test(wheel_clamps_beyond_the_top_level),
        cmocka_unit_test(wheel_past_deadline_fires_on_next_advance),
        cmocka_unit_test(wheel_timers_inserted_while_firing_wait_a_turn),
        cmocka_unit_test(wheel_next_deadline_is_exact_above_level_zero),
        cmocka_unit_test(wheel_virtual_clock_steps),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("wheel", tests, NULL, NULL);
}
