/*
 * lessons/06-notify-executor/check.c - the checker of lesson 6's exercise.
 * `asynclab check 6` compiles it with your exercise.c and runs it.
 *
 * It runs small futures on your mini_notify and counts every poll, then
 * runs your mini_notify_run with a fake park hook that plays the outside
 * world: each park either wakes one waiting task or returns with nothing
 * (a spurious return), and notes whether a task was ready when it was
 * called. The run goes on a thread of its own, so that a run that never
 * returns (it spins, or never stops) is reported in words after a few
 * seconds instead of hanging the checker.
 *
 * Wrong answers it must refuse: tests/lesson-wrong/06-*.c
 * (tests/lesson_wrong.sh).
 */
#include "lessons/check.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exercise.h"

#define RUN_LIMIT_S 5 /* a correct run takes microseconds */

/* ---- futures to run ------------------------------------------------------ */

/* The order in which tasks were polled, as letters: "ABA". */
static char order[64];

static void note_poll(char name)
{
    size_t n = strlen(order);
    if (n + 1 < sizeof order) {
        order[n] = name;
        order[n + 1] = '\0';
    }
}

/* READY at once. */
typedef struct quick {
    future_t base;
    char name;
    int polls;
} quick_t;

static poll_t quick_poll(future_t *f, context_t *cx)
{
    (void)cx;
    quick_t *q = (quick_t *)f;
    q->polls++;
    note_poll(q->name);
    return POLL_READY;
}

/* PENDING until released; keeps a clone of its waker meanwhile. */
typedef struct keeper {
    future_t base;
    char name;
    waker_t kept;
    bool released;
    int polls;
} keeper_t;

static poll_t keeper_poll(future_t *f, context_t *cx)
{
    keeper_t *k = (keeper_t *)f;
    k->polls++;
    note_poll(k->name);
    if (k->released)
        return POLL_READY;
    waker_register(&k->kept, cx);
    return POLL_PENDING;
}

static void keeper_init(keeper_t *k, char name)
{
    *k = (keeper_t){.base = {keeper_poll, NULL}, .name = name,
                    .kept = WAKER_EMPTY};
}

/* Release k and wake it through the waker it kept. */
static void keeper_release(keeper_t *k)
{
    k->released = true;
    waker_t w = waker_take(&k->kept);
    if (waker_is_set(&w))
        waker_wake(&w);
}

/* Wakes itself and says PENDING `yields` times, then READY (a yield). */
typedef struct yielder {
    future_t base;
    int yields;
    int polls;
    bool wake_when_done; /* wake itself in the poll that returns READY too */
} yielder_t;

static poll_t yielder_poll(future_t *f, context_t *cx)
{
    yielder_t *y = (yielder_t *)f;
    y->polls++;
    if (y->yields == 0) {
        if (y->wake_when_done)
            waker_wake_by_ref(cx->waker);
        return POLL_READY;
    }
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

/* A park for the step tests, which never run: it says so. */
static int no_park(mini_notify_t *ex)
{
    (void)ex;
    return -EDEADLK;
}

/* ---- the wake and the step ----------------------------------------------- */

static void notify_polls_in_wake_order(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex, no_park, NULL);
    quick_t a = {{quick_poll, NULL}, 'A', 0}, b = {{quick_poll, NULL}, 'B', 0},
            c = {{quick_poll, NULL}, 'C', 0};
    mini_task_t ta, tb, tc;
    order[0] = '\0';
    mini_notify_spawn(&ex, &ta, &a.base);
    mini_notify_spawn(&ex, &tb, &b.base);
    mini_notify_spawn(&ex, &tc, &c.base);
    EXPECT(ex.live == 3,
           "after three spawns, live should be 3 (it is %zu): a spawned "
           "task is live until its future returns READY",
           ex.live);
    int steps = drain(&ex, 10);
    EXPECT(steps > 0, "three tasks were spawned, yet the first step found "
                      "nothing to poll: a spawned task is ready");
    EXPECT(strcmp(order, "ABC") == 0 && steps == 3,
           "three ready tasks spawned A, B, C should be polled once each, "
           "in that order; the steps polled \"%s\" (%d steps returned 1): "
           "the task ready the longest goes first",
           order, steps);
    EXPECT(ta.done && tb.done && tc.done && ex.live == 0 && ex.completed == 3,
           "the three tasks returned READY: each should be done, live 0 and "
           "completed 3 (live %zu, completed %llu)",
           ex.live, (unsigned long long)ex.completed);
    EXPECT(mini_notify_step(&ex) == 0,
           "with nothing ready, a step should return 0");
}

static void notify_waiting_task_is_not_polled(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex, no_park, NULL);
    keeper_t k;
    keeper_init(&k, 'K');
    mini_task_t t;
    mini_notify_spawn(&ex, &t, &k.base);
    drain(&ex, 10);
    EXPECT(k.polls > 0, "the spawned task was never polled: a spawned task "
                        "is ready, and a step polls a ready task");
    EXPECT(k.polls == 1,
           "a task that returned PENDING and was not woken must not be "
           "polled again: it was polled %d times. Only a wake puts it back",
           k.polls);
    EXPECT(waker_is_set(&k.kept),
           "the future kept no waker: poll it with its task's waker "
           "(mini_task_waker) in the context");
    keeper_release(&k);
    int steps = drain(&ex, 10);
    EXPECT(steps == 1 && k.polls == 2 && t.done && ex.live == 0,
           "after its waker was woken, the task should be polled once more "
           "and finish (steps %d, polls %d, done %d, live %zu)",
           steps, k.polls, t.done, ex.live);
}

static void notify_queued_once(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex, no_park, NULL);
    keeper_t a, b;
    keeper_init(&a, 'A');
    keeper_init(&b, 'B');
    mini_task_t ta, tb;
    mini_notify_spawn(&ex, &ta, &a.base);
    mini_notify_spawn(&ex, &tb, &b.base);
    drain(&ex, 10);
    EXPECT(a.polls == 1 && b.polls == 1,
           "two spawned tasks should be polled once each before any wake "
           "(polled %d and %d times)",
           a.polls, b.polls);
    order[0] = '\0';
    waker_wake_by_ref(&a.kept);
    waker_wake_by_ref(&b.kept);
    waker_wake_by_ref(&a.kept);
    uint64_t wakes = ex.wakes;
    int steps = drain(&ex, 10);
    EXPECT(strcmp(order, "AB") == 0 && steps == 2,
           "a task was queued twice: two waiting tasks woken A, B, A should "
           "be polled A then B, once each, but the steps polled \"%s\". A "
           "wake of a task already in the ready queue leaves it where it is",
           order);
    EXPECT(wakes == 4,
           "ex->wakes should count the wakes that queued a task: the 2 "
           "spawns, then 2 of the wakes A, B, A (the second A found A "
           "queued already) make 4; it says %llu",
           (unsigned long long)wakes);
    waker_drop(&a.kept);
    waker_drop(&b.kept);
}

static void notify_wake_during_poll_requeues(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex, no_park, NULL);
    yielder_t y = {{yielder_poll, NULL}, 2, 0, false};
    mini_task_t t;
    mini_notify_spawn(&ex, &t, &y.base);
    int steps = drain(&ex, 10);
    EXPECT(steps > 0, "the spawned task was never polled: a spawned task "
                      "is ready, and a step polls a ready task");
    EXPECT(steps == 3 && t.done,
           "a wake during the poll was lost: a task that woke itself during "
           "its poll (it yields twice) should be polled 3 times; it was "
           "polled %d times. That wake must put it back in the queue: is "
           "`queued` still true while the poll runs?",
           steps);
}

static void notify_done_task_is_not_polled_again(void **state)
{
    (void)state;
    mini_notify_t ex;
    mini_notify_init(&ex, no_park, NULL);
    yielder_t y = {{yielder_poll, NULL}, 0, 0, true};
    mini_task_t t;
    mini_notify_spawn(&ex, &t, &y.base);
    int steps = drain(&ex, 10);
    EXPECT(y.polls == 1 && t.done && ex.live == 0,
           "a future that woke itself and then returned READY in the same "
           "poll was polled %d times (live %zu): once READY, a task is done "
           "and never polled again, even if it is still in the queue",
           y.polls, ex.live);
    (void)steps;
    quick_t q = {{quick_poll, NULL}, 'Q', 0};
    mini_task_t tq;
    mini_notify_spawn(&ex, &tq, &q.base);
    drain(&ex, 10);
    mini_task_wake(&tq);
    EXPECT(drain(&ex, 10) == 0 && q.polls == 1,
           "a finished task was queued again by a late wake and polled "
           "after READY: a done task stays out of the queue");
}

/* ---- the run loop, against a fake park ----------------------------------- */

typedef struct world {
    keeper_t keepers[2];
    mini_task_t tasks[2];
    int n;
    int parks;
    int parks_while_ready;
    int fail_with; /* park returns this (an error) when non-zero */
    /* The run thread writes, the waiting thread reads. */
    atomic_int finished;
    atomic_int parks_seen;
    int rc;
} world_t;

/* Odd calls return with nothing (spurious); even ones wake the next
 * waiting keeper. */
static int fake_park(mini_notify_t *ex)
{
    world_t *w = ex->park_ctx;
    w->parks++;
    atomic_store(&w->parks_seen, w->parks);
    for (int i = 0; i < w->n; i++)
        if (w->tasks[i].queued && !w->tasks[i].done)
            w->parks_while_ready++;
    if (w->fail_with != 0)
        return w->fail_with;
    if (w->parks % 2 == 0)
        for (int i = 0; i < w->n; i++)
            if (!w->keepers[i].released) {
                keeper_release(&w->keepers[i]);
                break;
            }
    return 0;
}

static void *run_thread(void *arg)
{
    mini_notify_t *ex = arg;
    world_t *w = ex->park_ctx;
    w->rc = mini_notify_run(ex);
    atomic_store(&w->finished, 1);
    return NULL;
}

/*
 * Run ex on a thread; when it does not return in RUN_LIMIT_S seconds, say
 * why in words (spinning, or going on after park failed) and exit: the
 * thread cannot be stopped.
 */
static void run_with_limit(const char *test, mini_notify_t *ex, world_t *w)
{
    pthread_t th;
    atomic_init(&w->finished, 0);
    atomic_init(&w->parks_seen, 0);
    assert_int_equal(pthread_create(&th, NULL, run_thread, ex), 0);
    for (int i = 0; i < RUN_LIMIT_S * 100 && !atomic_load(&w->finished); i++)
        usleep(10000);
    if (!atomic_load(&w->finished)) {
        int parks = atomic_load(&w->parks_seen);
        if (w->fail_with != 0 && parks > 0)
            check_explain(test,
                          "park returned %d (%s) and run called it again "
                          "(%d times in %d s): when park fails, run must "
                          "return its error",
                          w->fail_with, strerror(-w->fail_with), parks,
                          RUN_LIMIT_S);
        else
            check_explain(test,
                          "run did not return in %d s and called park %d "
                          "times: with nothing ready it keeps stepping "
                          "(spinning) instead of sleeping through ex->park",
                          RUN_LIMIT_S, parks);
        fflush(stderr);
        _exit(1);
    }
    pthread_join(th, NULL);
}

static void notify_run_parks_until_done(void **state)
{
    (void)state;
    world_t w = {.n = 2};
    mini_notify_t ex;
    mini_notify_init(&ex, fake_park, &w);
    keeper_init(&w.keepers[0], 'A');
    keeper_init(&w.keepers[1], 'B');
    mini_notify_spawn(&ex, &w.tasks[0], &w.keepers[0].base);
    mini_notify_spawn(&ex, &w.tasks[1], &w.keepers[1].base);
    run_with_limit(__func__, &ex, &w);
    bool finished = w.tasks[0].done && w.tasks[1].done;
    EXPECT(w.rc == 0 || !finished,
           "run returned %d: with every task done it should return 0", w.rc);
    EXPECT(finished || w.parks > 0,
           "run returned %d without parking while 2 tasks were still "
           "waiting (live %zu): a waiting task is not finished; park until "
           "it is woken",
           w.rc, ex.live);
    EXPECT(finished,
           "run returned %d while tasks were still waiting (live %zu, after "
           "%d parks): a task that waits is still live; keep parking until "
           "no task is",
           w.rc, ex.live, w.parks);
    EXPECT(w.parks_while_ready == 0,
           "run parked while a task was ready (in the queue), %d times: "
           "park only when a step finds nothing to poll",
           w.parks_while_ready);
    EXPECT(w.parks == 4,
           "run should park 4 times here (every other park wakes one of the "
           "two waiting tasks, the rest return with nothing): it parked %d "
           "times",
           w.parks);
    EXPECT(w.keepers[0].polls == 2 && w.keepers[1].polls == 2,
           "each task should be polled twice, once before and once after "
           "its wake (polled %d and %d times)",
           w.keepers[0].polls, w.keepers[1].polls);
}

static void notify_run_returns_what_park_says(void **state)
{
    (void)state;
    world_t w = {.n = 1, .fail_with = -EDEADLK};
    mini_notify_t ex;
    mini_notify_init(&ex, fake_park, &w);
    keeper_init(&w.keepers[0], 'A');
    mini_notify_spawn(&ex, &w.tasks[0], &w.keepers[0].base);
    run_with_limit(__func__, &ex, &w);
    EXPECT(w.rc == -EDEADLK && w.parks == 1,
           "park returned -EDEADLK (nothing can ever wake the task): run "
           "should return that at once; it returned %d after %d parks",
           w.rc, w.parks);
    waker_drop(&w.keepers[0].kept);
}

static void notify_run_with_nothing_returns(void **state)
{
    (void)state;
    world_t w = {.n = 0, .fail_with = -EDEADLK};
    mini_notify_t ex;
    mini_notify_init(&ex, fake_park, &w);
    run_with_limit(__func__, &ex, &w);
    EXPECT(w.rc == 0 && w.parks == 0,
           "with no task at all, run should return 0 without parking (it "
           "returned %d after %d parks)",
           w.rc, w.parks);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(notify_polls_in_wake_order),
    cmocka_unit_test(notify_waiting_task_is_not_polled),
    cmocka_unit_test(notify_queued_once),
    cmocka_unit_test(notify_wake_during_poll_requeues),
    cmocka_unit_test(notify_done_task_is_not_polled_again),
    cmocka_unit_test(notify_run_parks_until_done),
    cmocka_unit_test(notify_run_returns_what_park_says),
    cmocka_unit_test(notify_run_with_nothing_returns),
};

CHECK_MAIN("lesson06_executor", tests)
