/*
 * lessons/12-mutex-notify/check.c - the checker of lesson 12's exercise.
 * `asynclab check 12` compiles it with your exercise.c and runs it.
 *
 * No executor: each test polls mini_notified_t futures by hand with fake
 * tasks, whose wakers count clones, drops and wakes, and remember the
 * order they were woken in. When the checker drops a future it marks its
 * task dead (a canary): a wake that reaches a dead task is a wake of a
 * waiter that no longer exists.
 *
 *   fake task A ── waker {fake_vtable, &A} ──> your clone in A's waiter
 *     live:  clones not yet dropped or woken
 *     wakes: how often it was woken        dead: its future was dropped
 */
#include "lessons/check.h"

#include <string.h>

#include "exercise.h"

#define MAX_TASKS 8

typedef struct fake_task {
    char name;      /* 'A', 'B', ... */
    int live;       /* clones held by someone */
    int wakes;      /* wake + wake_by_ref */
    int dead_wakes; /* wakes after its future was dropped */
    bool dead;      /* the canary: its future was dropped */
    bool bad_drop;  /* a clone dropped that was never made */
    bool in_line;   /* dropped, and its node still in n->waiters */
} fake_task_t;

/* The world of one test: a notify, futures, their tasks, the wake order. */
static struct world {
    mini_notify_t n;
    mini_notified_t f[MAX_TASKS];
    fake_task_t t[MAX_TASKS];
    char order[64]; /* names of the tasks in the order they were woken */
    size_t n_order;
} W;

static void note_wake(const void *data)
{
    fake_task_t *t = (fake_task_t *)data;
    t->wakes++;
    if (t->dead)
        t->dead_wakes++;
    if (W.n_order + 1 < sizeof W.order)
        W.order[W.n_order++] = t->name;
}

static void lose_clone(const void *data)
{
    fake_task_t *t = (fake_task_t *)data;
    if (t->live == 0)
        t->bad_drop = true;
    else
        t->live--;
}

static waker_t fake_clone(const void *data);

static void fake_wake(const void *data)
{
    note_wake(data);
    lose_clone(data);
}

static const waker_vtable_t fake_vtable = {fake_clone, fake_wake, note_wake,
                                           lose_clone};

static waker_t fake_clone(const void *data)
{
    ((fake_task_t *)data)->live++;
    return (waker_t){&fake_vtable, data};
}

static void world_init(void)
{
    memset(&W, 0, sizeof W);
    mini_notify_init(&W.n);
    for (int i = 0; i < MAX_TASKS; i++) {
        W.t[i].name = (char)('A' + i);
        mini_notified_init(&W.f[i], &W.n);
    }
}

/* Poll future i with task i's waker (or task `as`'s: another waker). */
static poll_t poll_as(int i, int as)
{
    waker_t w = {&fake_vtable, &W.t[as]};
    context_t cx = {.waker = &w};
    return future_poll(&W.f[i].base, &cx);
}

static poll_t poll_f(int i)
{
    return poll_as(i, i);
}

/* Is node in the line? (Bounded: a broken list must not hang us.) */
static bool in_line(const list_node_t *node)
{
    const list_node_t *p = W.n.waiters.head;
    for (int k = 0; p != NULL && k < 4 * MAX_TASKS; k++, p = p->next)
        if (p == node)
            return true;
    return false;
}

static void drop_f(int i)
{
    W.t[i].dead = true;
    future_drop(&W.f[i].base);
    W.t[i].in_line = in_line(&W.f[i].waiter.node);
}

/* A dropped waiter still in the line: say so (then the test stops, before
 * a notify follows a node whose future is gone). */
static void left_in_line(const char *test)
{
    for (int i = 0; i < MAX_TASKS; i++)
        EXPECT_IN(test, !W.t[i].in_line,
                  "a dropped waiter was left in the line (%c): its node "
                  "is inside a future that no longer exists, and its "
                  "waker names a task that may be freed. "
                  "mini_notified_drop must take it out of n->waiters",
                  W.t[i].name);
}

static int total_wakes(void)
{
    int n = 0;
    for (int i = 0; i < MAX_TASKS; i++)
        n += W.t[i].wakes;
    return n;
}

/* Queue futures 0 .. k-1, in order: each first poll must be PENDING. */
static void queue_up(const char *test, int k)
{
    for (int i = 0; i < k; i++) {
        poll_t r = poll_f(i);
        EXPECT_IN(test, r == POLL_PENDING,
                  "%c's first poll returned READY although nobody had "
                  "notified anyone",
                  W.t[i].name);
        EXPECT_IN(test, W.t[i].live == 1,
                  "%c returned PENDING holding %d clones of its waker (not "
                  "1): keep exactly one, or nothing can wake it",
                  W.t[i].name, W.t[i].live);
    }
}

/* After the test: no dead task woken, no clone leaked or dropped twice. */
static void wakers_balanced(const char *test)
{
    for (int i = 0; i < MAX_TASKS; i++) {
        fake_task_t *t = &W.t[i];
        EXPECT_IN(test, !t->bad_drop,
                  "%c's waker was dropped (or woken) once more than it was "
                  "cloned: wake or drop each clone exactly once",
                  t->name);
        EXPECT_IN(test, t->dead_wakes == 0,
                  "woke a waiter whose future had been dropped (%c): in a "
                  "real runtime that task may be freed. mini_notified_drop "
                  "must take the waiter out of the line",
                  t->name);
    }
}

static void leaks_none(const char *test)
{
    for (int i = 0; i < MAX_TASKS; i++)
        EXPECT_IN(test, W.t[i].live == 0,
                  "%c's future is gone but %d clone%s of its waker %s never "
                  "dropped: the task can never be freed",
                  W.t[i].name, W.t[i].live, W.t[i].live == 1 ? "" : "s",
                  W.t[i].live == 1 ? "was" : "were");
}

static void drop_all(const char *test)
{
    for (int i = 0; i < MAX_TASKS; i++)
        if (!W.t[i].dead)
            drop_f(i);
    left_in_line(test);
}

/* ---- the permit ------------------------------------------------------------- */

static void notify_one_before_the_wait_is_kept(void **state)
{
    (void)state;
    world_init();
    mini_notify_one(&W.n);
    EXPECT(poll_f(0) == POLL_READY,
           "a notify_one given before anyone waited was lost: the next "
           "wait returned PENDING. With nobody waiting, notify_one must "
           "keep the permit for the next poll");
    EXPECT(W.t[0].live == 0, "A returned READY still holding a clone of "
                             "its waker");
    EXPECT(poll_f(1) == POLL_PENDING,
           "the permit was taken by A, yet B's first poll returned READY "
           "too: a poll that uses the permit must clear it");
    drop_all(__func__);
    wakers_balanced(__func__);
    leaks_none(__func__);
}

static void many_notify_ones_keep_one_permit(void **state)
{
    (void)state;
    world_init();
    mini_notify_one(&W.n);
    mini_notify_one(&W.n);
    mini_notify_one(&W.n);
    EXPECT(poll_f(0) == POLL_READY,
           "three notify_one calls with nobody waiting, then a wait: it "
           "returned PENDING. The permit was lost");
    EXPECT(poll_f(1) == POLL_PENDING,
           "three notify_one calls with nobody waiting stored more than "
           "one permit: B returned READY after A took one. The permit is "
           "one flag, not a count");
    drop_all(__func__);
    wakers_balanced(__func__);
}

static void first_poll_waits(void **state)
{
    (void)state;
    world_init();
    queue_up(__func__, 1);
    EXPECT(poll_f(0) == POLL_PENDING,
           "A, polled again with nobody notifying, returned READY: a "
           "spurious poll must not complete the wait");
    EXPECT(W.t[0].live == 1,
           "A was polled twice with the same waker and now holds %d "
           "clones: keep one (waker_register skips the clone)",
           W.t[0].live);
    drop_all(__func__);
    wakers_balanced(__func__);
    leaks_none(__func__);
}

/* ---- notify_one: one wake, the oldest ---------------------------------------- */

static void notify_one_wakes_exactly_one(void **state)
{
    (void)state;
    world_init();
    queue_up(__func__, 3);
    mini_notify_one(&W.n);
    EXPECT(total_wakes() == 1,
           "one notify_one with 3 waiters made %d wakes: it must wake "
           "exactly one. Waking them all is the thundering herd: every one "
           "is polled, one wins, the rest wait again",
           total_wakes());
    EXPECT(W.t[0].wakes == 1,
           "notify_one with A, B, C waiting (A first) did not wake A");
    EXPECT(poll_f(0) == POLL_READY,
           "A was notified and woken, but its poll returned PENDING");
    EXPECT(poll_f(1) == POLL_PENDING && poll_f(2) == POLL_PENDING,
           "one notify_one, and a waiter that was not chosen returned "
           "READY: only A was notified");
    drop_all(__func__);
    wakers_balanced(__func__);
    leaks_none(__func__);
}

static void waiters_are_served_in_fifo_order(void **state)
{
    (void)state;
    world_init();
    queue_up(__func__, 4);
    EXPECT(poll_f(0) == POLL_PENDING, "A returned READY un-notified");
    EXPECT(poll_f(1) == POLL_PENDING, "B returned READY un-notified");
    for (int i = 0; i < 4; i++)
        mini_notify_one(&W.n);
    W.order[W.n_order] = '\0';
    EXPECT(strcmp(W.order, "ABCD") == 0,
           "waiters were not served in FIFO order: they queued A B C D (A "
           "and B polled again meanwhile), four notify_one woke '%s'. Add "
           "at the tail, take from the head; a poll of a waiter already "
           "in the line keeps its place",
           W.order);
    for (int i = 0; i < 4; i++)
        EXPECT(poll_f(i) == POLL_READY,
               "%c was notified, but its poll returned PENDING", 'A' + i);
    drop_all(__func__);
    wakers_balanced(__func__);
    leaks_none(__func__);
}

static void the_newest_waker_is_woken(void **state)
{
    (void)state;
    world_init();
    queue_up(__func__, 1);
    EXPECT(poll_as(0, 7) == POLL_PENDING, "A returned READY un-notified");
    EXPECT(W.t[0].live == 0,
           "A was polled again with another task's waker (H) but kept its "
           "old clone: drop the old one when you keep a new one");
    mini_notify_one(&W.n);
    EXPECT(W.t[7].wakes == 1 && W.t[0].wakes == 0,
           "A was polled again with a new waker, and notify_one woke the "
           "old one: keep the waker of the latest poll");
    drop_all(__func__);
    wakers_balanced(__func__);
    leaks_none(__func__);
}

/* ---- notify_waiters ------------------------------------------------------------ */

static void notify_waiters_wakes_all_and_keeps_no_permit(void **state)
{
    (void)state;
    world_init();
    mini_notify_waiters(&W.n);
    EXPECT(poll_f(0) == POLL_PENDING,
           "notify_waiters with nobody waiting, then a wait: it returned "
           "READY. notify_waiters keeps no permit");
    EXPECT(poll_f(1) == POLL_PENDING && poll_f(2) == POLL_PENDING,
           "a first poll returned READY although nobody had notified "
           "anyone");
    mini_notify_waiters(&W.n);
    EXPECT(total_wakes() == 3,
           "notify_waiters with A, B, C waiting made %d wakes, not 3: it "
           "wakes every waiter",
           total_wakes());
    for (int i = 0; i < 3; i++)
        EXPECT(poll_f(i) == POLL_READY,
               "notify_waiters woke %c, but its poll returned PENDING",
               'A' + i);
    EXPECT(poll_f(3) == POLL_PENDING,
           "after notify_waiters, a new wait (D) returned READY: "
           "notify_waiters keeps no permit");
    drop_all(__func__);
    wakers_balanced(__func__);
    leaks_none(__func__);
}

/* ---- drop ----------------------------------------------------------------------- */

static void a_dropped_waiter_leaves_the_line(void **state)
{
    (void)state;
    world_init();
    queue_up(__func__, 3);
    drop_f(1); /* B, in the middle */
    drop_f(0); /* A, at the head */
    left_in_line(__func__);
    EXPECT(W.t[0].live == 0 && W.t[1].live == 0,
           "a waiter was dropped but its waker clone was not: drop it in "
           "mini_notified_drop");
    mini_notify_one(&W.n);
    EXPECT(W.t[0].dead_wakes == 0 && W.t[1].dead_wakes == 0,
           "notify_one woke a waiter whose future had been dropped: in a "
           "real runtime that task may be freed (a use after free), and "
           "the notification is lost. mini_notified_drop must take the "
           "waiter out of the line");
    EXPECT(W.t[2].wakes == 1,
           "A and B were dropped while waiting, C still waits: notify_one "
           "did not wake C");
    EXPECT(poll_f(2) == POLL_READY, "C was notified, but its poll returned "
                                    "PENDING");
    drop_all(__func__);
    wakers_balanced(__func__);
    leaks_none(__func__);
}

static void a_dropped_chosen_waiter_passes_it_on(void **state)
{
    (void)state;
    world_init();
    queue_up(__func__, 2);
    mini_notify_one(&W.n); /* A is chosen ... */
    drop_f(0);             /* ... and aborted before its poll */
    left_in_line(__func__);
    EXPECT(W.t[1].wakes == 1,
           "notify_one chose A, and A was dropped before its poll: the "
           "notification was lost when the waiter it was handed to was "
           "dropped. Its drop must pass it on (here to B)");
    EXPECT(poll_f(1) == POLL_READY,
           "the notification A never used should have gone to B, but B's "
           "poll returned PENDING");
    /* Nobody else waits: the next one goes to the permit. */
    EXPECT(poll_f(2) == POLL_PENDING, "C returned READY un-notified");
    mini_notify_one(&W.n); /* C chosen */
    drop_f(2);
    left_in_line(__func__);
    EXPECT(poll_f(3) == POLL_READY,
           "notify_one chose C, C was dropped unused and nobody else "
           "waited: the notification was lost when the waiter it was "
           "handed to was dropped. With nobody to pass it to, it becomes "
           "the permit (D's wait returned PENDING)");
    drop_all(__func__);
    wakers_balanced(__func__);
    leaks_none(__func__);
}

static void a_finished_or_broadcast_drop_passes_nothing(void **state)
{
    (void)state;
    world_init();
    queue_up(__func__, 1);
    mini_notify_one(&W.n);
    EXPECT(poll_f(0) == POLL_READY, "A was notified, but its poll returned "
                                    "PENDING");
    drop_f(0); /* after READY: nothing to pass */
    EXPECT(poll_f(1) == POLL_PENDING,
           "A returned READY and was then dropped, and B's wait returned "
           "READY: the drop passed on a notification A had already used");
    mini_notify_waiters(&W.n); /* B woken by the broadcast */
    drop_f(1);                 /* dropped before its poll */
    EXPECT(poll_f(2) == POLL_PENDING,
           "B, woken by notify_waiters, was dropped before its poll, and "
           "then C's wait returned READY: a notify_waiters notification "
           "goes nowhere when its waiter is dropped (it keeps no permit)");
    drop_all(__func__);
    wakers_balanced(__func__);
    leaks_none(__func__);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(notify_one_before_the_wait_is_kept),
    cmocka_unit_test(many_notify_ones_keep_one_permit),
    cmocka_unit_test(first_poll_waits),
    cmocka_unit_test(notify_one_wakes_exactly_one),
    cmocka_unit_test(waiters_are_served_in_fifo_order),
    cmocka_unit_test(the_newest_waker_is_woken),
    cmocka_unit_test(notify_waiters_wakes_all_and_keeps_no_permit),
    cmocka_unit_test(a_dropped_waiter_leaves_the_line),
    cmocka_unit_test(a_dropped_chosen_waiter_passes_it_on),
    cmocka_unit_test(a_finished_or_broadcast_drop_passes_nothing),
};

CHECK_MAIN("lesson12", tests)
