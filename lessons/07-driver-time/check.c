/*
 * lessons/07-driver-time/check.c - the checker of lesson 7's exercise.
 * `asynclab check 7` compiles it with your exercise.c and runs it.
 *
 * Part 1 asks the real wheel (driver/wheel.c) where it puts each deadline
 * and compares with your wheel_place. Part 2 runs your ticker on the
 * notify executor with a virtual clock: time jumps from timer to timer, so
 * the times are exact and the test takes no time at all; then it drops
 * your ticker between two ticks and looks for a timer left in the driver.
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
    uint64_t ahead = deadline - elapsed;
    const char *why = "";
    if (ahead > WHEEL_MAX_MS)
        why = " (the deadline is more than WHEEL_MAX_MS ahead: it is placed "
              "as if it were exactly WHEEL_MAX_MS ahead)";
    else if (ahead < WHEEL_SLOTS && want_l > 0)
        why = " (the deadline is less than 64 ms away but in the next 64-ms "
              "block: the level comes from the digits, not the distance)";
    EXPECT_IN(test, l == want_l && s == want_s,
              "elapsed %llu ms, deadline %llu ms: the wheel uses level %u slot "
              "%u, your wheel_place says level %u slot %u%s",
              (unsigned long long)elapsed, (unsigned long long)deadline, want_l,
              want_s, l, s, why);
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

/* 2 ms away, but across a 64-ms block boundary: level 1. */
static void time_place_crossing_a_block(void **state)
{
    (void)state;
    expect_place(__func__, 63, 65);
    expect_place(__func__, 48, 110);
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

/* The checker's own task: a timeout of 15 ms around your ticker (ticks at
 * 0 and 10 ms, then its interval waits for 20 when the time runs out);
 * then it drops the ticker and looks in the driver, whose clock is
 * driver_current() only while the executor runs. */
typedef struct dropper {
    future_t base;
    ticker_t *ticker;
    timeout_t to;
    bool drop_first;    /* drop before any poll instead */
    bool left_a_timer;  /* output */
    uint64_t left_at;   /* output: its deadline */
} dropper_t;

static poll_t dropper_poll(future_t *f, context_t *cx)
{
    dropper_t *d = (dropper_t *)f;
    if (!d->drop_first && future_poll(&d->to.base, cx) == POLL_PENDING)
        return POLL_PENDING;
    future_drop(&d->ticker->base);
    d->left_a_timer = driver_next_timer(driver_current(), &d->left_at);
    future_drop(&d->to.base);
    if (d->left_a_timer) /* clean up after a wrong answer ourselves */
        future_drop(&d->ticker->iv.base);
    return POLL_READY;
}

static void run_dropper(dropper_t *d)
{
    executor_config_t cfg = {.kind = &notify_executor_kind,
                             .virtual_time = true};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    d->base = (future_t){dropper_poll, NULL};
    timeout_init(&d->to, &d->ticker->base, 15);
    int rc = executor_block_on(ex, &d->base);
    executor_destroy(ex);
    assert_int_equal(rc, 0);
}

static void time_ticker_dropped_between_ticks(void **state)
{
    (void)state;
    ticker_t t;
    ticker_init(&t);
    dropper_t d = {.ticker = &t};
    run_dropper(&d);
    EXPECT(t.count == 2,
           "a timeout of 15 ms should have seen the ticks at 0 and 10 ms "
           "(count %d)",
           t.count);
    EXPECT(!d.left_a_timer,
           "the ticker was dropped between two ticks, and the driver still "
           "holds its timer (due at %llu ms): a dropped future must leave "
           "nothing in the wheel, which links to memory that is no longer "
           "the ticker's. The macros own nothing: drop what the ticker holds",
           (unsigned long long)d.left_at);
}

static void time_ticker_dropped_before_its_first_poll(void **state)
{
    (void)state;
    ticker_t t;
    ticker_init(&t);
    dropper_t d = {.ticker = &t, .drop_first = true};
    run_dropper(&d);
    EXPECT(!d.left_a_timer && t.count == 0,
           "a ticker dropped before its first poll left a timer in the "
           "driver (or ticked: count %d): dropping must not start anything",
           t.count);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(time_place_the_worked_example),
    cmocka_unit_test(time_place_level_zero),
    cmocka_unit_test(time_place_crossing_a_block),
    cmocka_unit_test(time_place_each_level),
    cmocka_unit_test(time_place_far_future_is_clamped),
    cmocka_unit_test(time_place_agrees_everywhere),
    cmocka_unit_test(time_ticker_ticks_on_time),
    cmocka_unit_test(time_ticker_dropped_between_ticks),
    cmocka_unit_test(time_ticker_dropped_before_its_first_poll),
};

CHECK_MAIN("lesson07", tests)
