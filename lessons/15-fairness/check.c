/*
 * lessons/15-fairness/check.c - the checker of lesson 15's exercise.
 * `asynclab check 15` compiles it with your exercise.c and runs it.
 *
 * On the notify executor (one thread, FIFO): the hog is spawned first, a
 * second task right after it. The second task notes how many values the
 * hog had taken when it finally got its first poll. Without a budget:
 * all of them. With one: COOP_BUDGET. Counting, not timing.
 *
 * Then take is polled by hand on an empty source, with a counting waker:
 * it must leave one waker that source_put wakes, and cost no budget (the
 * checker sets a budget of one unit with coop_budget_set, as an executor
 * does before a poll, and sees whether the unit is still there).
 */
#include "lessons/check.h"

#include <string.h>

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
    h.src.end = 2 * ITEMS; /* more than it needs: a skipped value shows */
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
    source_t src = {.end = 1000, .waiter = WAKER_EMPTY};
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

static void fairness_empty_source_keeps_a_waker(void **state)
{
    (void)state;
    source_t src = {.next = 5, .end = 5, .waiter = WAKER_EMPTY};
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    context_t cx = {&w};
    take_t t;
    take_init(&t, &src);
    EXPECT(future_poll(&t.base, &cx) == POLL_PENDING && src.next == 5,
           "take returned READY from an empty source (or moved next past "
           "end): with no value there it must wait, PENDING");
    EXPECT(future_poll(&t.base, &cx) == POLL_PENDING,
           "a second poll of take on the still empty source must be PENDING "
           "too");
    EXPECT(waker_is_set(&src.waiter),
           "take returned PENDING on an empty source but left no waker in "
           "src->waiter: when a value comes, nobody is told, and the task "
           "sleeps forever");
    EXPECT(atomic_load(&c.live) == 2,
           "after two PENDING polls with the same waker, %d wakers are "
           "alive (1 expected besides the caller's): keep one in "
           "src->waiter, replace it, do not pile up clones",
           atomic_load(&c.live) - 1);
    source_put(&src, 1);
    EXPECT(atomic_load(&c.wakes) == 1,
           "source_put woke %d times after take had returned PENDING "
           "(1 expected)",
           atomic_load(&c.wakes));
    EXPECT(future_poll(&t.base, &cx) == POLL_READY && t.value == 5,
           "woken with a value there, take should be READY with value 5");
    waker_drop(&src.waiter);
}

static void fairness_pending_costs_no_budget(void **state)
{
    (void)state;
    source_t src = {.next = 0, .end = 0, .waiter = WAKER_EMPTY};
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    context_t cx = {&w};
    take_t t;
    take_init(&t, &src);
    int before = coop_budget_set(1); /* one unit left in this task poll */
    poll_t empty = future_poll(&t.base, &cx);
    src.end = 1; /* a value comes, within the same task poll */
    poll_t then = future_poll(&t.base, &cx);
    coop_budget_set(before);
    waker_drop(&src.waiter);
    EXPECT(empty == POLL_PENDING, "take returned READY from an empty source");
    EXPECT(then == POLL_READY,
           "with one unit of budget left, take found the source empty "
           "(PENDING), then a value came and take refused it: the empty "
           "poll spent the unit. A poll that takes nothing did no work, "
           "and must cost nothing");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(fairness_unlimited_outside_an_executor),
    cmocka_unit_test(fairness_hog_still_takes_everything),
    cmocka_unit_test(fairness_other_task_gets_a_turn),
    cmocka_unit_test(fairness_empty_source_keeps_a_waker),
    cmocka_unit_test(fairness_pending_costs_no_budget),
};

CHECK_MAIN_SETUP("lesson15", tests, race)
