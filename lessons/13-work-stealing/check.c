/*
 * lessons/13-work-stealing/check.c - the checker of lesson 13's exercise.
 * `asynclab check 13` compiles it with your exercise.c and runs it.
 *
 * It fills small rings and checks exactly which tasks your steal moved.
 * Every ring starts just below 2^32, so every test crosses the index wrap,
 * and sits between two guard bands:
 *
 *   │ guard (16 x GUARD) │ head tail buf[0..15] │ guard (16 x GUARD) │
 *
 * a steal that computes a slot outside buf[0..15] (the slot wrap missed,
 * or a signed index gone negative) reads a GUARD, or writes over one,
 * and the checker says so instead of reading garbage.
 */
#include "lessons/check.h"

#include <string.h>

#include "exercise.h"

#define NEAR_WRAP (UINT32_MAX - 5u) /* slot 10; the wrap 6 pushes later */
#define GUARD     (-7777)

typedef struct guarded {
    int lo[16];
    small_ring_t r;
    int hi[16];
} guarded_t;

static void fill_at(guarded_t *g, uint32_t start, int first, int n)
{
    for (int i = 0; i < 16; i++)
        g->lo[i] = g->hi[i] = GUARD;
    small_ring_init_at(&g->r, start);
    for (unsigned i = 0; i < SMALL_CAP; i++)
        g->r.buf[i] = GUARD;
    for (int i = 0; i < n; i++)
        assert_int_equal(small_push(&g->r, first + i), 0);
}

static void fill(guarded_t *g, int first, int n)
{
    fill_at(g, NEAR_WRAP, first, n);
}

static int guards_intact(const guarded_t *g)
{
    for (int i = 0; i < 16; i++)
        if (g->lo[i] != GUARD || g->hi[i] != GUARD)
            return 0;
    return 1;
}

/* The ring's tasks, oldest first, into out; how many. */
static int drain(small_ring_t *r, int out[])
{
    int n = 0;
    while (n < (int)SMALL_CAP && small_pop(r, &out[n]) == 0)
        n++;
    return n;
}

/* Nothing was read or written outside buf[0..15]. */
static void expect_in_bounds(const char *test, const guarded_t *a,
                             const guarded_t *b, int run)
{
    EXPECT_IN(
        test, run != GUARD && guards_intact(a) && guards_intact(b),
        "the steal %s outside the ring's 16 slots: a slot is the "
        "whole index modulo SMALL_CAP, taken after the offset is added, and "
        "indices are uint32_t (an int goes negative near 2^32)",
        run == GUARD ? "read a task from" : "wrote");
}

static void steal_from_empty_ring(void **state)
{
    (void)state;
    guarded_t src, dst;
    fill(&src, 0, 0);
    fill(&dst, 0, 0);
    int run = -1;
    uint32_t count = 99;
    int rc = small_steal_half(&src.r, &dst.r, &run, &count);
    EXPECT(rc != -ENOSYS, "small_steal_half still returns -ENOSYS: write it "
                          "(exercise.c)");
    EXPECT(rc == -EAGAIN,
           "stealing from an empty ring should return "
           "-EAGAIN, not %d",
           rc);
}

static void steal_takes_the_oldest_half_rounded_up(void **state)
{
    (void)state;
    guarded_t src, dst;
    fill(&src, 3, 5); /* 3 4 5 6 7 */
    fill(&dst, 100, 1);
    int run = -1;
    uint32_t count = 0;
    int rc = small_steal_half(&src.r, &dst.r, &run, &count);
    EXPECT(rc == 0, "stealing from a ring of 5 returned %d", rc);
    expect_in_bounds(__func__, &src, &dst, run);
    EXPECT(count == 3, "half of 5, rounded up, is 3; count says %u", count);
    EXPECT(run == 5,
           "the task to run should be the last one taken, 5 (the steal "
           "takes 3 4 5, the oldest); you returned %d",
           run);
    int left[SMALL_CAP], got[SMALL_CAP];
    int nl = drain(&src.r, left), ng = drain(&dst.r, got);
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
    guarded_t src, dst;
    fill(&src, 42, 1);
    fill(&dst, 0, 0);
    int run = -1;
    uint32_t count = 0;
    int rc = small_steal_half(&src.r, &dst.r, &run, &count);
    EXPECT(rc == 0 && count == 1 && run == 42,
           "a ring holding one task: steal it to run (rc %d, count %u, run "
           "%d)",
           rc, count, run);
    EXPECT(small_len(&src.r) == 0 && small_len(&dst.r) == 0,
           "after stealing the only task, both rings are empty (src %u, dst "
           "%u): the stolen task is run, not queued",
           small_len(&src.r), small_len(&dst.r));
}

/*
 *   slot:  14   15 │  0    1    2    3      src: six tasks, the oldest
 *   task:  10   11 │ 12   13   14   15      at slot 14; steal takes 3
 *   index: 2^32-2  │ 0 (wrapped)            (10 11 12): two buf ends
 *                                            and the 2^32 wrap crossed
 */
static void steal_across_the_end_of_the_slots(void **state)
{
    (void)state;
    guarded_t src, dst;
    fill_at(&src, UINT32_MAX - 1u, 10, 6);
    fill_at(&dst, UINT32_MAX - 17u, 200, 1); /* 200 at slot 14, next 15 */
    int run = -1;
    uint32_t count = 0;
    int rc = small_steal_half(&src.r, &dst.r, &run, &count);
    EXPECT(rc == 0 && count == 3,
           "stealing from a ring of 6 whose tasks wrap past slot 15: "
           "expected 0 and count 3, got %d and %u",
           rc, count);
    expect_in_bounds(__func__, &src, &dst, run);
    int left[SMALL_CAP], got[SMALL_CAP];
    int nl = drain(&src.r, left), ng = drain(&dst.r, got);
    EXPECT(run == 12 && ng == 3 && got[0] == 200 && got[1] == 10 &&
               got[2] == 11 && nl == 3 && left[0] == 13,
           "the oldest tasks sat in slots 14, 15, then 0: the steal should "
           "run 12 and queue 10 11 behind 200 (slots 15 and 0 of the thief), "
           "leaving 13 14 15; you ran %d and the thief holds %d tasks",
           run, ng);
}

static void steal_needs_room(void **state)
{
    (void)state;
    guarded_t src, dst;
    fill(&src, 0, 10); /* steals 5: 4 to queue */
    fill(&dst, 100, SMALL_CAP - 3);
    int run = -1;
    uint32_t count = 0;
    int rc = small_steal_half(&src.r, &dst.r, &run, &count);
    EXPECT(rc == -ENOSPC,
           "the thief's ring has room for 3 and the steal would queue 4: "
           "return -ENOSPC (you returned %d)",
           rc);
    EXPECT(small_len(&src.r) == 10 && small_len(&dst.r) == SMALL_CAP - 3 &&
               guards_intact(&dst),
           "a refused steal must move nothing");
}

static void steal_fills_the_room_exactly(void **state)
{
    (void)state;
    guarded_t src, dst;
    fill(&src, 0, 10); /* steals 5: runs 4, queues 0 1 2 3 */
    fill(&dst, 100, SMALL_CAP - 4);
    int run = -1;
    uint32_t count = 0;
    int rc = small_steal_half(&src.r, &dst.r, &run, &count);
    EXPECT(rc == 0,
           "the thief's ring has room for 4 and the steal queues 4 (the "
           "5th is run, it needs no slot): that fits, but you returned %d",
           rc);
    expect_in_bounds(__func__, &src, &dst, run);
    EXPECT(run == 4 && small_len(&dst.r) == SMALL_CAP && small_len(&src.r) == 5,
           "after a steal of 5 into a thief with room for 4: run 4, the "
           "thief full (16), the victim 5 (you: run %d, %u, %u)",
           run, small_len(&dst.r), small_len(&src.r));
}

static void steal_conserves_tasks(void **state)
{
    (void)state;
    guarded_t a, b;
    fill(&a, 0, 16);
    fill(&b, 0, 0);
    int seen[16] = {0}, run;
    uint32_t count, total = 0;
    for (int round = 0; round < 6; round++) {
        small_ring_t *src = round % 2 ? &b.r : &a.r;
        small_ring_t *dst = round % 2 ? &a.r : &b.r;
        run = -1;
        if (small_steal_half(src, dst, &run, &count) == 0) {
            expect_in_bounds(__func__, &a, &b, run);
            EXPECT(run >= 0 && run < 16 && !seen[run],
                   "task %d was handed out twice (or never existed)", run);
            seen[run] = 1;
            total++;
        }
    }
    EXPECT(small_len(&a.r) + small_len(&b.r) + total == 16,
           "after six steals back and forth, %u tasks are queued and %u were "
           "run: tasks were lost or made up",
           small_len(&a.r) + small_len(&b.r), total);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(steal_from_empty_ring),
    cmocka_unit_test(steal_takes_the_oldest_half_rounded_up),
    cmocka_unit_test(steal_one_task),
    cmocka_unit_test(steal_across_the_end_of_the_slots),
    cmocka_unit_test(steal_needs_room),
    cmocka_unit_test(steal_fills_the_room_exactly),
    cmocka_unit_test(steal_conserves_tasks),
};

CHECK_MAIN("lesson13", tests)
