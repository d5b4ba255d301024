/*
 * lessons/04-spin-executor/check.c - the checker of lesson 4's exercise.
 * `asynclab check 4` compiles it with your exercise.c and runs it.
 *
 * It drives your mini_spin with futures that record every poll (and a
 * turn hook that records every driver turn) in one log, so the order, the
 * passes and the counts are exact. A recorder that is polled after it
 * answered READY fails the test at once, from inside the poll: a step that
 * queues a finished future again is named, not left to loop forever.
 */
#include "lessons/check.h"

#include <string.h>

#include "exercise.h"

#define LOG_CAP 64
#define TURN 0 /* a log entry for a call of s->turn */

typedef struct poll_log {
    const char *test;  /* the test the recorders belong to */
    int ids[LOG_CAP];  /* future ids, TURN for a driver turn */
    int len;
    int foreign_waker; /* polls given something else than the no-op waker */
    int turns;
} poll_log_t;

typedef struct recorder {
    future_t base;
    int id;
    int pendings;
    bool done;
    poll_log_t *log;
    mini_spin_t *spawn_into; /* on the first poll, push spawn there */
    future_t *spawn;
} recorder_t;

static void log_add(poll_log_t *l, int id)
{
    if (l->len < LOG_CAP)
        l->ids[l->len++] = id;
}

static poll_t recorder_poll(future_t *f, context_t *cx)
{
    recorder_t *r = (recorder_t *)f;
    EXPECT_IN(r->log->test, !r->done,
              "future %d was polled again after it answered READY: a "
              "finished future is never polled again (lesson 2), so it must "
              "not go back in the queue",
              r->id);
    waker_t noop = waker_noop();
    if (cx == NULL || cx->waker == NULL || cx->waker->vtable != noop.vtable)
        r->log->foreign_waker++;
    log_add(r->log, r->id);
    if (r->spawn != NULL) {
        mini_spin_push(r->spawn_into, r->spawn);
        r->spawn = NULL;
    }
    if (r->pendings == 0) {
        r->done = true;
        return POLL_READY;
    }
    r->pendings--;
    return POLL_PENDING;
}

static void recorder_init(recorder_t *r, int id, int pendings, poll_log_t *l)
{
    *r = (recorder_t){.base = {recorder_poll, NULL},
                      .id = id,
                      .pendings = pendings,
                      .log = l};
}

static void record_turn(void *arg)
{
    poll_log_t *l = arg;
    l->turns++;
    log_add(l, TURN);
}

/* The log as text: "T 1 2 3 T 2" (T: a turn). */
static const char *log_text(const poll_log_t *l, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < l->len && at + 4 < cap; i++) {
        int n = l->ids[i] == TURN
                    ? snprintf(buf + at, cap - at, "%sT", i ? " " : "")
                    : snprintf(buf + at, cap - at, "%s%d", i ? " " : "",
                               l->ids[i]);
        at += (size_t)n;
    }
    if (l->len == 0)
        snprintf(buf, cap, "(nothing)");
    return buf;
}

static bool log_is(const poll_log_t *l, const int *want, int n)
{
    return l->len == n && memcmp(l->ids, want, (size_t)n * sizeof *want) == 0;
}

static void spin_step_on_empty_queue_does_nothing(void **state)
{
    (void)state;
    poll_log_t log = {.test = __func__};
    mini_spin_t s;
    mini_spin_init(&s);
    s.turn = record_turn;
    s.turn_arg = &log;
    int r = mini_spin_step(&s);
    EXPECT(r != -ENOSYS, "mini_spin_step still returns -ENOSYS: write it");
    EXPECT(r == 0, "stepping an empty queue should return 0, not %d", r);
    EXPECT(log.turns == 0 && s.passes == 0,
           "stepping an empty queue turned the driver (%d turns, %llu "
           "passes): with nothing queued no pass begins",
           log.turns, (unsigned long long)s.passes);
}

static void spin_step_polls_round_robin(void **state)
{
    (void)state;
    poll_log_t log = {.test = __func__};
    recorder_t a, b, c;
    recorder_init(&a, 1, 0, &log);
    recorder_init(&b, 2, 2, &log);
    recorder_init(&c, 3, 1, &log);
    mini_spin_t s;
    mini_spin_init(&s); /* turn is NULL here: no driver */
    mini_spin_push(&s, &a.base);
    mini_spin_push(&s, &b.base);
    mini_spin_push(&s, &c.base);
    int steps = 0;
    while (steps < 20 && mini_spin_step(&s) == 1)
        steps++;
    static const int want[] = {1, 2, 3, 2, 3, 2};
    char text[200];
    EXPECT(log_is(&log, want, 6),
           "futures 1, 2, 3 (PENDING 0, 2 and 1 times) should be polled in "
           "the order 1 2 3 2 3 2; yours polled %s. A PENDING one goes "
           "behind every future already queued",
           log_text(&log, text, sizeof text));
    EXPECT(steps == 6, "6 polls should take 6 steps returning 1, then 0 "
                       "(one poll per step); yours took %d steps",
           steps);
    EXPECT(s.polls == 6 && s.wasted_polls == 3 && s.completed == 3,
           "counts after the run: polls %llu (want 6), wasted %llu (want 3), "
           "completed %llu (want 3)",
           (unsigned long long)s.polls, (unsigned long long)s.wasted_polls,
           (unsigned long long)s.completed);
    EXPECT(log.foreign_waker == 0,
           "every poll should get a context holding s->noop, the no-op waker");
}

/* The passes of the round-robin run: [1 2 3] [2 3] [2]. */
static void spin_turns_the_driver_once_per_pass(void **state)
{
    (void)state;
    poll_log_t log = {.test = __func__};
    recorder_t a, b, c;
    recorder_init(&a, 1, 0, &log);
    recorder_init(&b, 2, 2, &log);
    recorder_init(&c, 3, 1, &log);
    mini_spin_t s;
    mini_spin_init(&s);
    s.turn = record_turn;
    s.turn_arg = &log;
    mini_spin_push(&s, &a.base);
    mini_spin_push(&s, &b.base);
    mini_spin_push(&s, &c.base);
    for (int i = 0; i < 20 && mini_spin_step(&s) == 1; i++)
        ;
    static const int want[] = {TURN, 1, 2, 3, TURN, 2, 3, TURN, 2};
    char text[200];
    EXPECT(log_is(&log, want, 9),
           "with futures 1, 2, 3 (PENDING 0, 2 and 1 times) the passes are "
           "[1 2 3] [2 3] [2], so turns (T) and polls go T 1 2 3 T 2 3 T 2; "
           "yours went %s. A pass is the futures queued when it begins, and "
           "the driver turns once, before its first poll",
           log_text(&log, text, sizeof text));
    EXPECT(s.passes == 3, "3 passes began, passes says %llu",
           (unsigned long long)s.passes);
}

/* A future queued during a pass waits for the next one, whether it is a
 * PENDING one going back or a new one a poll pushed. */
static void spin_pass_leaves_new_futures_to_the_next(void **state)
{
    (void)state;
    poll_log_t log = {.test = __func__};
    mini_spin_t s;
    mini_spin_init(&s);
    s.turn = record_turn;
    s.turn_arg = &log;
    recorder_t a, b, n;
    recorder_init(&a, 1, 1, &log);
    recorder_init(&b, 2, 0, &log);
    recorder_init(&n, 9, 0, &log);
    a.spawn_into = &s;
    a.spawn = &n.base; /* 1's first poll pushes 9 */
    mini_spin_push(&s, &a.base);
    mini_spin_push(&s, &b.base);
    for (int i = 0; i < 20 && mini_spin_step(&s) == 1; i++)
        ;
    static const int want[] = {TURN, 1, 2, TURN, 9, 1};
    char text[200];
    EXPECT(log_is(&log, want, 6),
           "futures 1 (PENDING once; its first poll pushes a new future 9) "
           "and 2 (READY at once) make the passes [1 2] [9 1], so T 1 2 T 9 "
           "1; yours went %s. Futures queued during a pass belong to the "
           "next one",
           log_text(&log, text, sizeof text));
}

static void spin_run_empties_the_queue(void **state)
{
    (void)state;
    poll_log_t log = {.test = __func__};
    recorder_t r[5];
    mini_spin_t s;
    mini_spin_init(&s);
    for (int i = 0; i < 5; i++) {
        recorder_init(&r[i], i + 1, i, &log);
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
    EXPECT(s.passes == 5,
           "5 futures PENDING 0 to 4 times: the passes shrink by one each "
           "time, 5 passes; passes says %llu",
           (unsigned long long)s.passes);
}

/* More steps than the ring has slots: the passes do not follow the ring's
 * index. Two futures PENDING 40 times each: 41 passes of 2 polls. */
static void spin_passes_ignore_where_the_ring_wraps(void **state)
{
    (void)state;
    poll_log_t log = {.test = __func__};
    mini_spin_t s;
    mini_spin_init(&s);
    recorder_t a, b;
    recorder_init(&a, 1, 40, &log);
    recorder_init(&b, 2, 40, &log);
    mini_spin_push(&s, &a.base);
    mini_spin_push(&s, &b.base);
    int rc = mini_spin_run(&s);
    EXPECT(rc == 0 && s.completed == 2 && s.polls == 82,
           "two futures PENDING 40 times each take 82 polls (got %llu, "
           "completed %llu)",
           (unsigned long long)s.polls, (unsigned long long)s.completed);
    EXPECT(s.passes == 41,
           "two futures PENDING 40 times each make 41 passes of 2 polls; "
           "passes says %llu: a pass ends after the futures it began with, "
           "wherever the ring's index is",
           (unsigned long long)s.passes);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(spin_step_on_empty_queue_does_nothing),
    cmocka_unit_test(spin_step_polls_round_robin),
    cmocka_unit_test(spin_turns_the_driver_once_per_pass),
    cmocka_unit_test(spin_pass_leaves_new_futures_to_the_next),
    cmocka_unit_test(spin_run_empties_the_queue),
    cmocka_unit_test(spin_passes_ignore_where_the_ring_wraps),
};

CHECK_MAIN("lesson04", tests)
