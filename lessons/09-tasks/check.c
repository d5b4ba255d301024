/*
 * lessons/09-tasks/check.c - the checker of lesson 9's exercise.
 * `asynclab check 9` compiles it with your exercise.c and runs it.
 *
 * Your pipeline runs as block_on's future on the notify executor, inside
 * a 10-second timeout (driver/time.h), on a virtual clock: when every task
 * waits for something that will never come, the clock jumps to the
 * timeout at once, so a pipeline that is stuck for good fails with a
 * sentence, in no time, and the sentence says from what it saw where it
 * was stuck.
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
    bool nap_join_complete; /* the nap's join had completed */
    uint64_t alive;         /* tasks spawned and not completed, at READY */
    executor_stats_t stats;
} outcome_t;

static void run_pipeline(outcome_t *o)
{
    executor_config_t cfg = {.kind = &notify_executor_kind,
                             .virtual_time = true};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    assert_int_equal(pipeline_init(&o->p), 0);
    timeout_t limit;
    timeout_init(&limit, &o->p.base, 10000);
    o->rc = executor_block_on(ex, &limit.base);
    o->timed_out = limit.timed_out;
    o->nap_join_complete = o->p.nap_join.complete;
    future_drop(&limit.base);
    executor_stats(ex, &o->stats);
    o->alive = o->stats.spawned - o->stats.completed;
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
    int all = PRODUCERS * PER_PRODUCER;
    EXPECT(!(run.timed_out && run.p.received == all),
           "the pipeline was stuck for good after every value had arrived: "
           "it waited for the channel to end, which happens only when EVERY "
           "sender is dropped - including the parent's own self->tx");
    EXPECT(!(run.timed_out && run.p.received < all),
           "the pipeline was stuck for good after %d of %d values: the "
           "producers wait for room in the channel (capacity %d), and only "
           "the parent's receiving makes room. A parent that waits for a "
           "producer's join before draining the channel waits for ever",
           run.p.received, all, CHANNEL_CAPACITY);
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
           "abort it, and see what its join says once it completes: the "
           "output is NULL when the task was aborted");
    EXPECT(!run.p.nap_aborted || run.nap_join_complete,
           "nap_aborted was read from a join that had not completed: before "
           "it completes a join's output is NULL whether the child was "
           "aborted or not. Abort is a request; the join says when the "
           "child is gone");
}

static void tasks_producers_were_joined(void **state)
{
    (void)state;
    EXPECT(run.p.joined == PRODUCERS,
           "%d of %d producer joins completed with an output: AWAIT each "
           "join future and count the non-NULL outputs",
           run.p.joined, PRODUCERS);
    EXPECT(run.timed_out || run.alive == 0,
           "the pipeline returned READY with %llu of its children still "
           "alive: a child is gone only once its join has completed",
           (unsigned long long)run.alive);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(tasks_pipeline_finishes),
    cmocka_unit_test(tasks_producers_were_spawned),
    cmocka_unit_test(tasks_every_value_received),
    cmocka_unit_test(tasks_nap_was_aborted),
    cmocka_unit_test(tasks_producers_were_joined),
};

CHECK_MAIN_SETUP("lesson09", tests, run_once)
