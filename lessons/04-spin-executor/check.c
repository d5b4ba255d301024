/*
 * lessons/04-spin-executor/check.c - the checker of lesson 4's exercise.
 * `asynclab check 4` compiles it with your exercise.c and runs it.
 *
 * Part 1 drives your mini_spin with futures that record every poll, so the
 * order and the counts are exact. Part 2 runs the `sleepers` scenario on
 * the real spin and notify executors (scenarios/scenario.h) and compares your
 * answers with what it measured.
 */
#include "lessons/check.h"

#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/executors.h"
#include "scenarios/scenario.h"
#include "exercise.h"

/* ---- part 1: the step ---------------------------------------------------- */

typedef struct poll_log {
    int ids[64];
    int len;
    int foreign_waker; /* polls given something else than the no-op waker */
} poll_log_t;

typedef struct recorder {
    future_t base;
    int id;
    int pendings;
    poll_log_t *log;
} recorder_t;

static poll_t recorder_poll(future_t *f, context_t *cx)
{
    recorder_t *r = (recorder_t *)f;
    waker_t noop = waker_noop();
    if (cx == NULL || cx->waker == NULL || cx->waker->vtable != noop.vtable)
        r->log->foreign_waker++;
    if (r->log->len < 64)
        r->log->ids[r->log->len++] = r->id;
    if (r->pendings == 0)
        return POLL_READY;
    r->pendings--;
    return POLL_PENDING;
}

static void recorder_init(recorder_t *r, int id, int pendings, poll_log_t *l)
{
    *r = (recorder_t){{recorder_poll, NULL}, id, pendings, l};
}

static void spin_step_on_empty_queue_does_nothing(void **state)
{
    (void)state;
    mini_spin_t s;
    mini_spin_init(&s);
    int r = mini_spin_step(&s);
    EXPECT(r != -ENOSYS, "mini_spin_step still returns -ENOSYS: write it "
                         "(exercise.c, part 1)");
    EXPECT(r == 0, "stepping an empty queue should return 0, not %d", r);
}

static void spin_step_polls_round_robin(void **state)
{
    (void)state;
    poll_log_t log = {.len = 0};
    recorder_t a, b, c;
    recorder_init(&a, 1, 0, &log);
    recorder_init(&b, 2, 2, &log);
    recorder_init(&c, 3, 1, &log);
    mini_spin_t s;
    mini_spin_init(&s);
    mini_spin_push(&s, &a.base);
    mini_spin_push(&s, &b.base);
    mini_spin_push(&s, &c.base);
    int steps = 0;
    while (steps < 20 && mini_spin_step(&s) == 1)
        steps++;
    static const int want[] = {1, 2, 3, 2, 3, 2};
    EXPECT(log.len == 6 && memcmp(log.ids, want, sizeof want) == 0,
           "futures 1, 2, 3 (PENDING 0, 2 and 1 times) should be polled in "
           "the order 1 2 3 2 3 2; yours polled %d futures in another order. "
           "Pop the front, and put a PENDING one at the back",
           log.len);
    EXPECT(steps == 6, "6 polls should take 6 steps returning 1, then 0");
    EXPECT(s.polls == 6 && s.wasted_polls == 3 && s.completed == 3,
           "counts after the run: polls %llu (want 6), wasted %llu (want 3), "
           "completed %llu (want 3)",
           (unsigned long long)s.polls, (unsigned long long)s.wasted_polls,
           (unsigned long long)s.completed);
    EXPECT(log.foreign_waker == 0,
           "every poll should get a context holding s->noop, the no-op waker");
}

static void spin_run_empties_the_queue(void **state)
{
    (void)state;
    poll_log_t log = {.len = 0};
    recorder_t r[5];
    mini_spin_t s;
    mini_spin_init(&s);
    for (int i = 0; i < 5; i++) {
        recorder_init(&r[i], i, i, &log);
        mini_spin_push(&s, &r[i].base);
    }
    int rc = mini_spin_run(&s);
    EXPECT(rc != -ENOSYS, "mini_spin_run still returns -ENOSYS: write it");
    EXPECT(rc == 0 && s.len == 0 && s.completed == 5,
           "after mini_spin_run every future should be done (completed %llu "
           "of 5, %zu still queued)",
           (unsigned long long)s.completed, s.len);
    EXPECT(s.polls == 15,
           "5 futures PENDING 0+1+2+3+4 times take 15 polls, "
           "not %llu",
           (unsigned long long)s.polls);
}

/* ---- part 2: the comparison ---------------------------------------------- */

typedef struct measured {
    double cpu_s, wall_s;
    executor_stats_t stats;
} measured_t;

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* sleepers, 20 tasks of 100 ms, on one executor. */
static measured_t run_sleepers(const char *kind)
{
    measured_t m;
    executor_config_t cfg = {.kind = executor_kind_by_name(kind)};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = 20;
    p.ms = 100;
    scenario_result_t res;
    double c0 = cpu_now(), w0 = wall_now();
    assert_int_equal(scenario_by_name("sleepers")->run(ex, &p, &res), 0);
    m.cpu_s = cpu_now() - c0;
    m.wall_s = wall_now() - w0;
    executor_stats(ex, &m.stats);
    executor_destroy(ex);
    return m;
}

static measured_t spin_m, notify_m;

static int measure_both(void **state)
{
    (void)state;
    spin_m = run_sleepers("spin");
    notify_m = run_sleepers("notify");
    return 0;
}

/* The answer must be "spin" or "notify", and the one the numbers say. */
static void expect_answer(const char *name, const char *given,
                          const char *right, const char *why)
{
    if (strcmp(given, "TODO") == 0) {
        check_explain(name,
                      "%s is still \"TODO\": run `asynclab compare sleepers "
                      "--executors spin,notify --tasks 100 --ms 200` and "
                      "answer \"spin\" or \"notify\"",
                      name);
        fail();
    }
    if (strcmp(given, right) != 0) {
        check_explain(name, "%s = \"%s\" does not match the numbers: %s", name,
                      given, why);
        fail();
    }
}

static void spin_compare_least_cpu(void **state)
{
    (void)state;
    char why[200];
    snprintf(why, sizeof why,
             "measured here, spin used %.0f ms of CPU and notify %.0f ms",
             spin_m.cpu_s * 1e3, notify_m.cpu_s * 1e3);
    expect_answer("compare_least_cpu", compare_least_cpu,
                  spin_m.cpu_s < notify_m.cpu_s ? "spin" : "notify", why);
}

static void spin_compare_most_wasted(void **state)
{
    (void)state;
    char why[200];
    snprintf(why, sizeof why,
             "measured here, spin made %llu wasted polls and notify %llu",
             (unsigned long long)spin_m.stats.pending_polls,
             (unsigned long long)notify_m.stats.pending_polls);
    expect_answer("compare_most_wasted", compare_most_wasted,
                  spin_m.stats.pending_polls > notify_m.stats.pending_polls
                      ? "spin"
                      : "notify",
                  why);
}

static void spin_compare_cpu_per_wall(void **state)
{
    (void)state;
    double rs = spin_m.cpu_s / spin_m.wall_s;
    double rn = notify_m.cpu_s / notify_m.wall_s;
    char why[200];
    snprintf(why, sizeof why,
             "measured here, cpu/wall was %.2f for spin, "
             "%.2f for notify",
             rs, rn);
    expect_answer("compare_cpu_per_wall", compare_cpu_per_wall,
                  rs > rn ? "spin" : "notify", why);
}

static const struct CMUnitTest step[] = {
    cmocka_unit_test(spin_step_on_empty_queue_does_nothing),
    cmocka_unit_test(spin_step_polls_round_robin),
    cmocka_unit_test(spin_run_empties_the_queue),
};

static const struct CMUnitTest compare[] = {
    cmocka_unit_test(spin_compare_least_cpu),
    cmocka_unit_test(spin_compare_most_wasted),
    cmocka_unit_test(spin_compare_cpu_per_wall),
};

CHECK_MAIN2("lesson04_step", step, "lesson04_compare", compare, measure_both)
