/*
 * lessons/15-fairness/check.c - the checker of lesson 15's exercise.
 * `asynclab check 15` compiles it with your exercise.c and runs it.
 *
 * On the notify executor (one thread, FIFO): the hog is spawned first, a
 * second task right after it. The second task notes how many values the
 * hog had taken when it finally got its first poll. Without a budget:
 * all of them. With one: COOP_BUDGET. Counting, not timing.
 */
#include "lessons/check.h"

#include <string.h>

#include "bench/executors.h"
#include "scenarios/scenario.h"
#include "exercise.h"
#include "notify_executor/notify_executor.h"

typedef struct other {
    future_t base;
    long *taken;
    long seen; /* the hog's progress at our first poll */
} other_t;

static poll_t other_poll(future_t *f, context_t *cx)
{
    (void)cx;
    other_t *o = (other_t *)f;
    o->seen = *o->taken;
    return POLL_READY;
}

static long seen_by_other = -1, hog_sum = -1, hog_taken = -1;

static int race(void **state)
{
    (void)state;
    executor_config_t cfg = {.kind = &notify_executor_kind};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    long taken = 0;
    hog_t h;
    hog_init(&h, &taken);
    other_t o = {.base = {other_poll, NULL}, .taken = &taken, .seen = -1};
    join_handle_t hh, oh;
    assert_int_equal(executor_spawn(ex, &h.base, sizeof h, "hog", &hh), 0);
    assert_int_equal(executor_spawn(ex, &o.base, sizeof o, "other", &oh), 0);
    assert_int_equal(executor_run(ex), 0);
    hog_t *hout = (hog_t *)(void *)join_handle_output(&hh);
    other_t *oout = (other_t *)(void *)join_handle_output(&oh);
    hog_sum = hout != NULL ? hout->sum : -1;
    hog_taken = taken;
    seen_by_other = oout != NULL ? oout->seen : -1;
    join_handle_drop(&hh);
    join_handle_drop(&oh);
    executor_destroy(ex);
    return 0;
}

static void fairness_unlimited_outside_an_executor(void **state)
{
    (void)state;
    source_t src = {0};
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    context_t cx = {&w};
    for (int i = 0; i < 1000; i++) {
        take_t t;
        take_init(&t, &src);
        EXPECT(future_poll(&t.base, &cx) == POLL_READY && t.value == i,
               "outside an executor the budget is unlimited: take should be "
               "READY every time with the next value (poll %d)",
               i);
    }
}

static void fairness_hog_still_takes_everything(void **state)
{
    (void)state;
    long want = (long)ITEMS * (ITEMS - 1) / 2;
    EXPECT(hog_taken == ITEMS && hog_sum == want,
           "the hog took %ld values summing to %ld; it should take %d "
           "summing to %ld: when the budget is gone, take nothing, and do "
           "not skip a value",
           hog_taken, hog_sum, ITEMS, want);
}

static void fairness_other_task_gets_a_turn(void **state)
{
    (void)state;
    EXPECT(seen_by_other < ITEMS,
           "the other task was first polled only after the hog had taken all "
           "%d values: the hog starved it. take_poll must spend the "
           "cooperative budget (coop_poll_proceed) and return PENDING when "
           "it is spent",
           ITEMS);
    EXPECT(seen_by_other == COOP_BUDGET,
           "the other task ran after %ld values; with one unit spent per "
           "take it runs after exactly COOP_BUDGET (%d)",
           seen_by_other, COOP_BUDGET);
}

static void fairness_compare_answers(void **state)
{
    (void)state;
    executor_config_t cfg = {.kind = executor_kind_by_name("notify")};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    scenario_params_t p;
    scenario_params_init(&p);
    scenario_result_t res;
    assert_int_equal(scenario_by_name("widgets")->run(ex, &p, &res), 0);
    executor_stats_t st;
    executor_stats(ex, &st);
    executor_destroy(ex);
    EXPECT(taken_before_other_task_ran >= 0 && self_wakes_widgets_notify >= 0,
           "part 2 is still -1: run `asynclab lesson 15 --run` and `asynclab "
           "run widgets --executor notify`, and copy the two numbers");
    EXPECT(taken_before_other_task_ran == seen_by_other,
           "taken_before_other_task_ran is %ld; measured here: %ld",
           taken_before_other_task_ran, seen_by_other);
    EXPECT(self_wakes_widgets_notify == (long)st.self_wakes,
           "self_wakes_widgets_notify is %ld; the run makes %llu",
           self_wakes_widgets_notify, (unsigned long long)st.self_wakes);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(fairness_unlimited_outside_an_executor),
    cmocka_unit_test(fairness_hog_still_takes_everything),
    cmocka_unit_test(fairness_other_task_gets_a_turn),
    cmocka_unit_test(fairness_compare_answers),
};

CHECK_MAIN_SETUP("lesson15", tests, race)
