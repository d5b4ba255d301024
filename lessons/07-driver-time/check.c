/*
 * lessons/07-driver-time/check.c - the checker of lesson 7's exercise.
 * `asynclab check 7` compiles it with your exercise.c and runs it.
 *
 * Part 1 asks the real wheel (driver/wheel.c) where it puts each deadline
 * and compares with your wheel_place. Part 2 runs your ticker on the
 * notify executor with a virtual clock: time jumps from timer to timer, so
 * the times are exact and the test takes no time at all.
 */
#include "lessons/check.h"

#include "core/executor.h"
#include "exercise.h"
#include "notify_executor/notify_executor.h"

/* Where the real wheel puts `deadline` when its time is `elapsed`. */
static void real_place(uint64_t elapsed, uint64_t deadline, unsigned *level,
                       unsigned *slot)
{
    static wheel_t w; /* big: 6 x 64 lists */
    wheel_init(&w, elapsed);
    wheel_entry_t e;
    wheel_entry_init(&e);
    wheel_insert(&w, &e, deadline);
    *level = e.level;
    *slot = e.slot;
    wheel_cancel(&w, &e);
}

static void expect_place(const char *test, uint64_t elapsed, uint64_t deadline)
{
    unsigned want_l, want_s, l = 99, s = 99;
    real_place(elapsed, deadline, &want_l, &want_s);
    wheel_place(elapsed, deadline, &l, &s);
    EXPECT_IN(test, l == want_l && s == want_s,
              "elapsed %llu ms, deadline %llu ms: the wheel uses level %u slot "
              "%u, your wheel_place says level %u slot %u",
              (unsigned long long)elapsed, (unsigned long long)deadline, want_l,
              want_s, l, s);
}

static void time_place_the_worked_example(void **state)
{
    (void)state;
    /* exercise.h's example: digits 03 17 40 and 03 21 09 */
    uint64_t elapsed = (3u * 64 + 17) * 64 + 40;
    uint64_t deadline = (3u * 64 + 21) * 64 + 9;
    expect_place(__func__, elapsed, deadline);
}

static void time_place_level_zero(void **state)
{
    (void)state;
    expect_place(__func__, 0, 1);
    expect_place(__func__, 0, 63);
    expect_place(__func__, 100, 101);
    expect_place(__func__, 128, 191);
}

static void time_place_each_level(void **state)
{
    (void)state;
    expect_place(__func__, 0, 64);
    expect_place(__func__, 10, 4095);
    expect_place(__func__, 0, 4096);
    expect_place(__func__, 5000, 300000);
    expect_place(__func__, 0, 64ull * 64 * 64 * 64);
    expect_place(__func__, 7, 64ull * 64 * 64 * 64 * 64 + 5);
}

static void time_place_far_future_is_clamped(void **state)
{
    (void)state;
    expect_place(__func__, 0, WHEEL_MAX_MS + 1000);
    expect_place(__func__, 12345, UINT64_MAX / 2);
}

static void time_place_agrees_everywhere(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull; /* xorshift: a fixed set of cases */
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t elapsed = x % 100000000ull;
        uint64_t ahead = 1 + (x >> 20) % (1ull << (6 * (i % 6 + 1)));
        expect_place(__func__, elapsed, elapsed + ahead);
    }
}

/* ---- part 2 -------------------------------------------------------------- */

static void time_ticker_ticks_on_time(void **state)
{
    (void)state;
    executor_config_t cfg = {.kind = &notify_executor_kind,
                             .virtual_time = true};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    ticker_t t;
    ticker_init(&t);
    int rc = executor_block_on(ex, &t.base);
    executor_stats_t st;
    executor_stats(ex, &st);
    executor_destroy(ex);
    EXPECT(rc == 0, "block_on(ticker) failed with %d", rc);
    EXPECT(t.count == TICKER_TICKS,
           "the ticker finished after %d ticks; it should await the interval "
           "%d times",
           t.count, TICKER_TICKS);
    for (int i = 0; i < TICKER_TICKS; i++)
        EXPECT(t.at[i] == (uint64_t)i * TICKER_PERIOD,
               "tick %d came at %llu ms on the driver's clock, not %d: the "
               "first tick is at once, then one every %d ms",
               i, (unsigned long long)t.at[i], i * TICKER_PERIOD,
               TICKER_PERIOD);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(time_place_the_worked_example),
    cmocka_unit_test(time_place_level_zero),
    cmocka_unit_test(time_place_each_level),
    cmocka_unit_test(time_place_far_future_is_clamped),
    cmocka_unit_test(time_place_agrees_everywhere),
    cmocka_unit_test(time_ticker_ticks_on_time),
};

CHECK_MAIN("lesson07", tests)
