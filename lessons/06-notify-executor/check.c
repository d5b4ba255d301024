/*
 * lessons/06-notify-executor/check.c - the checker of lesson 6's exercise.
 * `asynclab check 6` compiles it with your exercise.c and runs it.
 *
 * Part 1 runs small futures on your mini_notify and counts every poll.
 * Part 2 runs two scenarios on the real spin and notify executors
 * (scenarios/scenario.h) and compares your answers with their counters.
 */
#include "lessons/check.h"

#include <string.h>

#include "bench/executors.h"
#include "scenarios/scenario.h"
#include "exercise.h"

/* ---- futures to run ------------------------------------------------------ */

static poll_t ready_poll(future_t *f, context_t *cx)
{
    (void)f;
    (void)cx;
    return POLL_READY;
}

/* PENDING until released; keeps a clone of its waker meanwhile. */
typedef struct keeper {
    future_t base;
    waker_t kept;
    bool released;
    int polls;
} keeper_t;

static poll_t keeper_poll(future_t *f, context_t *cx)
{
    keeper_t *k = (keeper_t *)f;
    k->polls++;
    if (k->released)
        return POLL_READY;
    waker_register(&k->kept, cx);
    return POLL_PENDING;
}

static void keeper_init(keeper_t *k)
{
    *k = (keeper_t){.base = {keeper_poll, NULL}, .kept = WAKER_EMPTY};
}

/* Wakes itself and says PENDING `yields` times, then READY. */
typedef struct yielder {
    future_t base;
    int yields;
    int polls;
} yielder_t;

static poll_t yielder_poll(future_t *f, context_t *cx)
{
    yielder_t *y = (yielder_t *)f;
    y->polls++;
    if (y->yields == 0)
        return POLL_READY;
    y->yields--;
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}

/* Step at most limit times; how many steps returned 1. */
static int drain(mini_notify_t *ex, int limit)
{
    int n = 0;
    while (n < limit && mini_notify_step(ex) == 1)
        n++;
    return n;
}

/* ---- part 1 -------------------------------------------------------------- */

static void notify_spawn_queues_the_task(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex);
    future_t f = {ready_poll, NULL};
    mini_task_t t;
    mini_notify_spawn(&ex, &t, &f);
    EXPECT(ex.head == &t && t.queued && ex.wakes == 1,
           "after mini_notify_spawn the task should be in the ready queue, "
           "marked queued, with one wake counted (queued %d, wakes %llu): "
           "spawn wakes the new task, and mini_task_wake queues it",
           t.queued, (unsigned long long)ex.wakes);
}

static void notify_step_runs_a_ready_task(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex);
    future_t f = {ready_poll, NULL};
    mini_task_t t;
    mini_notify_spawn(&ex, &t, &f);
    int first = mini_notify_step(&ex);
    EXPECT(first == 1 && ex.polls == 1,
           "one ready task: the first step should poll it and return 1 "
           "(returned %d, polls %llu)",
           first, (unsigned long long)ex.polls);
    EXPECT(t.done && ex.completed == 1,
           "the task returned READY: mark it done and count it completed");
    EXPECT(mini_notify_step(&ex) == 0,
           "with nothing ready, a step should return 0");
}

static void notify_waiting_task_is_not_polled(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex);
    keeper_t k;
    keeper_init(&k);
    mini_task_t t;
    mini_notify_spawn(&ex, &t, &k.base);
    drain(&ex, 10);
    EXPECT(k.polls > 0, "the spawned task was never polled: spawn should "
                        "queue it, and a step should poll it");
    EXPECT(k.polls == 1,
           "a task that returned PENDING and was not woken must not be "
           "polled again: it was polled %d times. Only a wake puts it back",
           k.polls);
    k.released = true;
    waker_t w = waker_take(&k.kept);
    EXPECT(waker_is_set(&w), "the future kept no waker (was it given one?)");
    waker_wake(&w);
    int steps = drain(&ex, 10);
    EXPECT(steps == 1 && k.polls == 2 && t.done,
           "after its waker was woken, the task should be polled once more "
           "and finish (steps %d, polls %d, done %d)",
           steps, k.polls, t.done);
}

static void notify_double_wake_queues_once(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex);
    keeper_t k;
    keeper_init(&k);
    mini_task_t t;
    mini_notify_spawn(&ex, &t, &k.base);
    drain(&ex, 10);
    waker_wake_by_ref(&k.kept);
    waker_wake_by_ref(&k.kept);
    waker_wake_by_ref(&k.kept);
    int steps = drain(&ex, 10);
    EXPECT(steps == 1,
           "three wakes of a waiting task should queue it once (it was "
           "polled %d times): a task already queued is not queued again",
           steps);
    waker_drop(&k.kept);
}

static void notify_self_wake_requeues(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex);
    yielder_t y = {{yielder_poll, NULL}, 2, 0};
    mini_task_t t;
    mini_notify_spawn(&ex, &t, &y.base);
    int steps = drain(&ex, 10);
    EXPECT(steps == 3 && t.done,
           "a task that yields twice (wakes itself during its poll) should "
           "be polled 3 times; it was polled %d. Clear `queued` before the "
           "poll, or the wake during the poll is ignored and the task hangs",
           steps);
}

static void notify_wake_after_done_is_ignored(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex);
    future_t f = {ready_poll, NULL};
    mini_task_t t;
    mini_notify_spawn(&ex, &t, &f);
    drain(&ex, 10);
    mini_task_wake(&t);
    EXPECT(ex.head == NULL && drain(&ex, 10) == 0,
           "a finished task was queued again by a late wake: ignore wakes "
           "of done tasks");
}

/* ---- part 2 -------------------------------------------------------------- */

static executor_stats_t measure(const char *scenario, const char *kind)
{
    executor_config_t cfg = {.kind = executor_kind_by_name(kind)};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = 20;
    p.ms = 50;
    scenario_result_t res;
    assert_int_equal(scenario_by_name(scenario)->run(ex, &p, &res), 0);
    executor_stats_t st;
    executor_stats(ex, &st);
    executor_destroy(ex);
    return st;
}

static executor_stats_t sleep_spin, sleep_notify, widget_spin, widget_notify;

static int measure_all(void **state)
{
    (void)state;
    sleep_spin = measure("sleepers", "spin");
    sleep_notify = measure("sleepers", "notify");
    widget_spin = measure("widgets", "spin");
    widget_notify = measure("widgets", "notify");
    return 0;
}

static const char *fewer(uint64_t spin, uint64_t notify)
{
    return spin < notify ? "spin" : notify < spin ? "notify" : "same";
}

static void expect_answer(const char *name, const char *given,
                          const char *right, uint64_t spin, uint64_t notify,
                          const char *what)
{
    EXPECT_IN(name, strcmp(given, "TODO") != 0,
              "%s is still \"TODO\": run the compare lines in exercise.h and "
              "answer \"spin\", \"notify\" or \"same\"",
              name);
    EXPECT_IN(name, strcmp(given, right) == 0,
              "%s = \"%s\" does not match the numbers: measured here, %s was "
              "%llu on spin and %llu on notify",
              name, given, what, (unsigned long long)spin,
              (unsigned long long)notify);
}

static void notify_compare_sleepers_polls(void **state)
{
    (void)state;
    expect_answer("sleepers_fewest_polls", sleepers_fewest_polls,
                  fewer(sleep_spin.polls, sleep_notify.polls), sleep_spin.polls,
                  sleep_notify.polls, "polls (sleepers)");
}

static void notify_compare_widgets_polls(void **state)
{
    (void)state;
    expect_answer("widgets_fewest_polls", widgets_fewest_polls,
                  fewer(widget_spin.polls, widget_notify.polls),
                  widget_spin.polls, widget_notify.polls, "polls (widgets)");
}

static void notify_compare_who_parked(void **state)
{
    (void)state;
    bool s = sleep_spin.parks > 0, n = sleep_notify.parks > 0;
    expect_answer("sleepers_parked", sleepers_parked,
                  s && n ? "same"
                  : s    ? "spin"
                         : "notify",
                  sleep_spin.parks, sleep_notify.parks, "parks (sleepers)");
}

static const struct CMUnitTest part1[] = {
    cmocka_unit_test(notify_spawn_queues_the_task),
    cmocka_unit_test(notify_step_runs_a_ready_task),
    cmocka_unit_test(notify_waiting_task_is_not_polled),
    cmocka_unit_test(notify_double_wake_queues_once),
    cmocka_unit_test(notify_self_wake_requeues),
    cmocka_unit_test(notify_wake_after_done_is_ignored),
};

static const struct CMUnitTest part2[] = {
    cmocka_unit_test(notify_compare_sleepers_polls),
    cmocka_unit_test(notify_compare_widgets_polls),
    cmocka_unit_test(notify_compare_who_parked),
};

CHECK_MAIN2("lesson06_executor", part1, "lesson06_compare", part2, measure_all)
