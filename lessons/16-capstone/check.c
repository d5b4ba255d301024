/*
 * lessons/16-capstone/check.c - the checker of lesson 16's exercise.
 * `asynclab check 16` compiles it with your exercise.c and runs it.
 *
 * The capstone workload runs on each executor with a virtual clock (and
 * the work-stealing runtime in its seeded simulation), so every counter is
 * reproducible: the answers of part 2 are checked against exact numbers.
 */
#include "lessons/check.h"

#include <string.h>

#include "bench/executors.h"
#include "core/trace.h"
#include "exercise.h"

typedef struct outcome {
    const char *name;
    int rc;
    long sum;
    int received;
    executor_stats_t stats;
} outcome_t;

static outcome_t runs[3] = {
    {.name = "spin"}, {.name = "notify"}, {.name = "ws"}};

static void run_on(outcome_t *o)
{
    bool ws = strcmp(o->name, "ws") == 0;
    trace_hash_sink_t hash; /* as `asynclab run --sim` attaches one */
    trace_hash_sink_init(&hash);
    executor_config_t cfg = {.kind = executor_kind_by_name(o->name),
                             .workers = 2,
                             .sim = ws,
                             .seed = 1,
                             .virtual_time = true,
                             .trace = ws ? &hash.sink : NULL};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    capstone_t c;
    assert_int_equal(capstone_init(&c), 0);
    o->rc = executor_block_on(ex, &c.base);
    o->sum = c.sum;
    o->received = c.received;
    executor_stats(ex, &o->stats);
    executor_destroy(ex);
}

static int run_all(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        run_on(&runs[i]);
    return 0;
}

static long expected_sum(void)
{
    long sum = 0;
    for (int id = 0; id < JOBS; id++)
        sum += (long)id * id;
    return sum;
}

static void capstone_same_result_everywhere(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        outcome_t *o = &runs[i];
        EXPECT(o->rc == 0, "on %s, block_on returned %d", o->name, o->rc);
        EXPECT(o->received == JOBS && o->sum == expected_sum(),
               "on %s the root received %d values summing to %ld; %d jobs "
               "should send id * id, summing to %ld. Did each job AWAIT its "
               "send (mpsc_send_init + AWAIT)?",
               o->name, o->received, o->sum, JOBS, expected_sum());
    }
}

static void capstone_jobs_sleep_and_yield(void **state)
{
    (void)state;
    outcome_t *n = &runs[1];
    /* Each job: 1 poll to start its sleep (0 ms sleeps are READY at once),
     * one after the timer, YIELDS after yields, and the send. At least
     * YIELDS self-wakes per job. */
    EXPECT(n->stats.self_wakes >= (uint64_t)JOBS * YIELDS,
           "on notify the jobs woke themselves %llu times; %d jobs yielding "
           "%d times each make at least %d self-wakes (YIELD_NOW in a loop "
           "counted with self->i)",
           (unsigned long long)n->stats.self_wakes, JOBS, YIELDS,
           JOBS * YIELDS);
    EXPECT(n->stats.parks > 0,
           "the notify executor never parked: did the jobs sleep (on the "
           "driver: sleep_init + AWAIT)?");
}

static const char *most(uint64_t s, uint64_t n, uint64_t w)
{
    return s >= n && s >= w ? "spin" : n >= w ? "notify" : "ws";
}

static const char *least(uint64_t s, uint64_t n, uint64_t w)
{
    return s <= n && s <= w ? "spin" : n <= w ? "notify" : "ws";
}

static void expect_answer(const char *name, const char *given,
                          const char *right, const char *what, uint64_t s,
                          uint64_t n, uint64_t w)
{
    EXPECT_IN(name, strcmp(given, "TODO") != 0,
              "%s is still \"TODO\": run `asynclab lesson 16 --run` and "
              "answer from its table",
              name);
    EXPECT_IN(name, strcmp(given, right) == 0,
              "%s = \"%s\" does not match the numbers: %s was %llu on spin, "
              "%llu on notify, %llu on ws",
              name, given, what, (unsigned long long)s, (unsigned long long)n,
              (unsigned long long)w);
}

static void capstone_compare_answers(void **state)
{
    (void)state;
    executor_stats_t *s = &runs[0].stats, *n = &runs[1].stats,
                     *w = &runs[2].stats;
    expect_answer("most_polls", most_polls, most(s->polls, n->polls, w->polls),
                  "polls", s->polls, n->polls, w->polls);
    expect_answer(
        "shallowest_queue", shallowest_queue,
        least(s->max_queue_depth, n->max_queue_depth, w->max_queue_depth),
        "the max queue depth", s->max_queue_depth, n->max_queue_depth,
        w->max_queue_depth);
    expect_answer("only_stealer", only_stealer,
                  most(s->steals, n->steals, w->steals), "steals", s->steals,
                  n->steals, w->steals);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(capstone_same_result_everywhere),
    cmocka_unit_test(capstone_jobs_sleep_and_yield),
    cmocka_unit_test(capstone_compare_answers),
};

CHECK_MAIN_SETUP("lesson16", tests, run_all)
