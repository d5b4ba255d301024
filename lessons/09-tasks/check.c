/*
 * lessons/09-tasks/check.c - the checker of lesson 9's exercise.
 * `asynclab check 9` compiles it with your exercise.c and runs it.
 *
 * Your pipeline runs as block_on's future on the notify executor, inside
 * a 10-second timeout (driver/time.h), so a pipeline that never ends (a
 * sender never dropped) fails with a sentence instead of hanging.
 */
#include "lessons/check.h"

#include "exercise.h"
#include "notify_executor/notify_executor.h"

static long expected_sum(void)
{
    long sum = 0;
    for (int id = 0; id < PRODUCERS; id++)
        for (int i = 1; i <= PER_PRODUCER; i++)
            sum += id * 1000 + i;
    return sum;
}

typedef struct outcome {
    pipeline_t p;
    bool timed_out;
    int rc;
    executor_stats_t stats;
} outcome_t;

static void run_pipeline(outcome_t *o)
{
    executor_config_t cfg = {.kind = &notify_executor_kind};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    assert_int_equal(pipeline_init(&o->p), 0);
    timeout_t limit;
    timeout_init(&limit, &o->p.base, 10000);
    o->rc = executor_block_on(ex, &limit.base);
    o->timed_out = limit.timed_out;
    future_drop(&limit.base);
    executor_stats(ex, &o->stats);
    executor_destroy(ex); /* drops the children still pending */
    future_drop(&o->p.base);
}

static outcome_t run;

static int run_once(void **state)
{
    (void)state;
    run_pipeline(&run);
    return 0;
}

static void tasks_pipeline_finishes(void **state)
{
    (void)state;
    EXPECT(!run.timed_out,
           "the pipeline did not finish in 10 s. Waiting for the channel to "
           "end? It ends only when EVERY sender is dropped - including the "
           "parent's own self->tx");
    EXPECT(run.rc == 0, "block_on returned %d", run.rc);
}

static void tasks_producers_were_spawned(void **state)
{
    (void)state;
    EXPECT(run.stats.spawned >= PRODUCERS,
           "only %llu tasks were spawned; spawn %d producers (spawn(), with "
           "a join handle)",
           (unsigned long long)run.stats.spawned, PRODUCERS);
}

static void tasks_every_value_received(void **state)
{
    (void)state;
    EXPECT(run.p.received == PRODUCERS * PER_PRODUCER,
           "received %d values; %d producers send %d each. Receive in a loop "
           "until the recv result is not 0 (-EPIPE: the channel ended)",
           run.p.received, PRODUCERS, PER_PRODUCER);
    EXPECT(run.p.sum == expected_sum(), "the sum is %ld, not %ld", run.p.sum,
           expected_sum());
}

static void tasks_nap_was_aborted(void **state)
{
    (void)state;
    EXPECT(run.p.nap_aborted,
           "nap_aborted is false: spawn a one-hour sleep with a join handle, "
           "join_abort it, AWAIT its join: the output is NULL when the task "
           "was aborted");
}

static void tasks_producers_were_joined(void **state)
{
    (void)state;
    EXPECT(run.p.joined == PRODUCERS,
           "%d of %d producer joins completed with an output: AWAIT each "
           "join future and count the non-NULL outputs",
           run.p.joined, PRODUCERS);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(tasks_pipeline_finishes),
    cmocka_unit_test(tasks_producers_were_spawned),
    cmocka_unit_test(tasks_every_value_received),
    cmocka_unit_test(tasks_nap_was_aborted),
    cmocka_unit_test(tasks_producers_were_joined),
};

CHECK_MAIN_SETUP("lesson09", tests, run_once)
