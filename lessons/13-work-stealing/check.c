/*
 * lessons/13-work-stealing/check.c - the checker of lesson 13's exercise.
 * `asynclab check 13` compiles it with your exercise.c and runs it.
 *
 * Part 1 fills small rings (indices starting just below 2^32, so every
 * test crosses the wrap) and checks exactly which tasks your steal moved.
 * Part 2 runs the fanout scenario on the work-stealing runtime in its
 * deterministic simulation mode, as `asynclab run ... --sim` does, and
 * compares the steal counts with yours.
 */
#include "lessons/check.h"

#include <string.h>

#include "bench/executors.h"
#include "scenarios/scenario.h"
#include "core/trace.h"
#include "exercise.h"

#define NEAR_WRAP (UINT32_MAX - 5u)

static void fill(small_ring_t *r, int first, int n)
{
    small_ring_init_at(r, NEAR_WRAP);
    for (int i = 0; i < n; i++)
        assert_int_equal(small_push(r, first + i), 0);
}

/* The ring's tasks, oldest first, into out; how many. */
static int drain(small_ring_t *r, int out[])
{
    int n = 0;
    while (small_pop(r, &out[n]) == 0)
        n++;
    return n;
}

static void steal_from_empty_ring(void **state)
{
    (void)state;
    small_ring_t src, dst;
    fill(&src, 0, 0);
    fill(&dst, 0, 0);
    int run = -1;
    uint32_t count = 99;
    int rc = small_steal_half(&src, &dst, &run, &count);
    EXPECT(rc != -ENOSYS, "small_steal_half still returns -ENOSYS: write it "
                          "(exercise.c, part 1)");
    EXPECT(rc == -EAGAIN,
           "stealing from an empty ring should return "
           "-EAGAIN, not %d",
           rc);
}

static void steal_takes_the_oldest_half_rounded_up(void **state)
{
    (void)state;
    small_ring_t src, dst;
    fill(&src, 3, 5); /* 3 4 5 6 7 */
    fill(&dst, 100, 1);
    int run = -1;
    uint32_t count = 0;
    int rc = small_steal_half(&src, &dst, &run, &count);
    EXPECT(rc == 0, "stealing from a ring of 5 returned %d", rc);
    EXPECT(count == 3, "half of 5, rounded up, is 3; count says %u", count);
    EXPECT(run == 5,
           "the task to run should be the last one taken, 5 (the steal "
           "takes 3 4 5, the oldest); you returned %d",
           run);
    int left[SMALL_CAP], got[SMALL_CAP];
    int nl = drain(&src, left), ng = drain(&dst, got);
    EXPECT(nl == 2 && left[0] == 6 && left[1] == 7,
           "the victim should keep its 2 newest tasks, 6 and 7, in order "
           "(it has %d left)",
           nl);
    EXPECT(ng == 3 && got[0] == 100 && got[1] == 3 && got[2] == 4,
           "the thief's ring should hold its own task 100, then 3 and 4 at "
           "the back, in order (it holds %d tasks)",
           ng);
}

static void steal_one_task(void **state)
{
    (void)state;
    small_ring_t src, dst;
    fill(&src, 42, 1);
    fill(&dst, 0, 0);
    int run = -1;
    uint32_t count = 0;
    int rc = small_steal_half(&src, &dst, &run, &count);
    EXPECT(rc == 0 && count == 1 && run == 42,
           "a ring holding one task: steal it to run (rc %d, count %u, run "
           "%d)",
           rc, count, run);
    EXPECT(small_len(&src) == 0 && small_len(&dst) == 0,
           "after stealing the only task, both rings are empty (src %u, dst "
           "%u): the stolen task is run, not queued",
           small_len(&src), small_len(&dst));
}

static void steal_needs_room(void **state)
{
    (void)state;
    small_ring_t src, dst;
    fill(&src, 0, 10); /* steals 5: 4 to queue */
    fill(&dst, 100, SMALL_CAP - 3);
    int run = -1;
    uint32_t count = 0;
    int rc = small_steal_half(&src, &dst, &run, &count);
    EXPECT(rc == -ENOSPC,
           "the thief's ring has room for 3 and the steal would queue 4: "
           "return -ENOSPC (you returned %d)",
           rc);
    EXPECT(small_len(&src) == 10 && small_len(&dst) == SMALL_CAP - 3,
           "a refused steal must move nothing");
}

static void steal_conserves_tasks(void **state)
{
    (void)state;
    small_ring_t a, b;
    fill(&a, 0, 16);
    fill(&b, 0, 0);
    int seen[16] = {0}, run;
    uint32_t count, total = 0;
    for (int round = 0; round < 6; round++) {
        small_ring_t *src = round % 2 ? &b : &a, *dst = round % 2 ? &a : &b;
        if (small_steal_half(src, dst, &run, &count) == 0) {
            EXPECT(run >= 0 && run < 16 && !seen[run],
                   "task %d was handed out twice (or never existed)", run);
            seen[run] = 1;
            total++;
        }
    }
    EXPECT(small_len(&a) + small_len(&b) + total == 16,
           "after six steals back and forth, %u tasks are queued and %u were "
           "run: tasks were lost or made up",
           small_len(&a) + small_len(&b), total);
}

/* ---- part 2 -------------------------------------------------------------- */

static long sim_steals(int workers, uint64_t seed)
{
    trace_hash_sink_t hash; /* as `asynclab run --sim` attaches one */
    trace_hash_sink_init(&hash);
    executor_config_t cfg = {.kind = executor_kind_by_name("ws"),
                             .workers = workers,
                             .sim = true,
                             .seed = seed,
                             .virtual_time = true,
                             .trace = &hash.sink};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    scenario_params_t p;
    scenario_params_init(&p);
    scenario_result_t res;
    assert_int_equal(scenario_by_name("fanout")->run(ex, &p, &res), 0);
    executor_stats_t st;
    executor_stats(ex, &st);
    executor_destroy(ex);
    return (long)st.steals;
}

static void steal_compare_simulated_runs(void **state)
{
    (void)state;
    long two = sim_steals(2, 1), four = sim_steals(4, 7);
    EXPECT(steals_2_workers_seed_1 >= 0 && steals_4_workers_seed_7 >= 0,
           "part 2 is still -1: run the two `asynclab run fanout ... --sim` "
           "lines in exercise.h and copy their \"steals\" numbers");
    EXPECT(steals_2_workers_seed_1 == two,
           "steals_2_workers_seed_1 is %ld, but the simulation (workers 2, "
           "seed 1) makes %ld steals - every time: same seed, same run",
           steals_2_workers_seed_1, two);
    EXPECT(steals_4_workers_seed_7 == four,
           "steals_4_workers_seed_7 is %ld, but the simulation makes %ld",
           steals_4_workers_seed_7, four);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(steal_from_empty_ring),
    cmocka_unit_test(steal_takes_the_oldest_half_rounded_up),
    cmocka_unit_test(steal_one_task),
    cmocka_unit_test(steal_needs_room),
    cmocka_unit_test(steal_conserves_tasks),
    cmocka_unit_test(steal_compare_simulated_runs),
};

CHECK_MAIN("lesson13", tests)
