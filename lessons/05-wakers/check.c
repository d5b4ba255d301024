/*
 * lessons/05-wakers/check.c - the checker of lesson 5's exercise.
 * `asynclab check 5` compiles it with your exercise.c and runs it.
 *
 * Counting wakers (core/waker.h) see every clone, wake and drop, so the
 * checker knows exactly what your code did with the waker it was lent.
 * One test sets the event at the worst moment (from inside the clone of
 * the waker your poll keeps, where another thread could). The last runs
 * your future on the real notify executor, where a waker nobody keeps
 * means a task that can never finish.
 */
#include "lessons/check.h"

#include <errno.h>

#include "core/executor.h"
#include "exercise.h"
#include "notify_executor/notify_executor.h"

static int live(counting_waker_t *c)
{
    return atomic_load(&c->live);
}

static void wakers_pending_keeps_a_clone(void **state)
{
    (void)state;
    event_t e;
    event_init(&e);
    event_wait_t w;
    event_wait_init(&w, &e);
    counting_waker_t c;
    waker_t wk = counting_waker(&c);
    context_t cx = {&wk};
    EXPECT(future_poll(&w.base, &cx) == POLL_PENDING,
           "the event is not set: the wait must be PENDING");
    EXPECT(atomic_load(&c.clones) == 1 && waker_is_set(&e.waiter),
           "event_wait_poll returned PENDING but kept no waker (%d clones, "
           "slot %s): nobody can ever wake this task. That is a lost wakeup. "
           "Keep a clone of cx->waker in the event",
           atomic_load(&c.clones), waker_is_set(&e.waiter) ? "set" : "empty");
    event_destroy(&e);
}

static void wakers_set_wakes_the_waiter_once(void **state)
{
    (void)state;
    event_t e;
    event_init(&e);
    event_wait_t w;
    event_wait_init(&w, &e);
    counting_waker_t c;
    waker_t wk = counting_waker(&c);
    context_t cx = {&wk};
    future_poll(&w.base, &cx);
    event_set(&e);
    EXPECT(atomic_load(&c.wakes) == 1,
           "event_set should wake the kept waker exactly once; it was woken "
           "%d times",
           atomic_load(&c.wakes));
    EXPECT(!waker_is_set(&e.waiter) && live(&c) == 1,
           "after event_set the slot should be empty and the kept clone "
           "consumed (waker_wake consumes; %d wakers still live, want 1: the "
           "original)",
           live(&c));
    EXPECT(future_poll(&w.base, &cx) == POLL_READY,
           "after event_set the wait must be READY");
    event_set(&e);
    EXPECT(atomic_load(&c.wakes) == 1, "setting the event again must not "
                                       "wake anyone again");
    event_destroy(&e);
}

static void wakers_repoll_does_not_clone_again(void **state)
{
    (void)state;
    event_t e;
    event_init(&e);
    event_wait_t w;
    event_wait_init(&w, &e);
    counting_waker_t c;
    waker_t wk = counting_waker(&c);
    context_t cx = {&wk};
    for (int i = 0; i < 3; i++)
        future_poll(&w.base, &cx);
    EXPECT(atomic_load(&c.clones) == 1 && live(&c) == 2,
           "three polls with the same waker made %d clones (%d live): keep "
           "one, and do not replace it with a copy of itself "
           "(waker_will_wake, or waker_register)",
           atomic_load(&c.clones), live(&c));
    event_destroy(&e);
}

static void wakers_new_waker_replaces_the_old(void **state)
{
    (void)state;
    event_t e;
    event_init(&e);
    event_wait_t w;
    event_wait_init(&w, &e);
    counting_waker_t c1, c2;
    waker_t w1 = counting_waker(&c1), w2 = counting_waker(&c2);
    context_t cx1 = {&w1}, cx2 = {&w2};
    future_poll(&w.base, &cx1);
    future_poll(&w.base, &cx2); /* the task moved: a different waker */
    EXPECT(live(&c1) == 1,
           "polled with a new waker, the future must drop the old clone "
           "(waker_drop) or it leaks; the old one has %d live, want 1",
           live(&c1));
    event_set(&e);
    EXPECT(atomic_load(&c2.wakes) == 1 && atomic_load(&c1.wakes) == 0,
           "the event must wake the most recent waker (woken: new %d, old "
           "%d)",
           atomic_load(&c2.wakes), atomic_load(&c1.wakes));
    event_destroy(&e);
}

static void wakers_destroy_drops_without_waking(void **state)
{
    (void)state;
    event_t e;
    event_init(&e);
    event_wait_t w;
    event_wait_init(&w, &e);
    counting_waker_t c;
    waker_t wk = counting_waker(&c);
    context_t cx = {&wk};
    future_poll(&w.base, &cx);
    event_destroy(&e);
    EXPECT(live(&c) == 1 && atomic_load(&c.wakes) == 0,
           "event_destroy must drop the kept waker without waking it (%d "
           "live, want 1; %d wakes, want 0)",
           live(&c), atomic_load(&c.wakes));
    event_t quiet;
    event_init(&quiet);
    event_set(&quiet); /* no waiter: nothing to wake, must not crash */
    event_destroy(&quiet);
}

/* ---- the worst moment ---------------------------------------------------- */

/* A waker that counts like counting_waker and, at its first clone, sets
 * the event: the moment another thread could set it while the poll is
 * busy keeping its waker. */
typedef struct sneaky {
    event_t *event;
    int clones, wakes, drops, live;
} sneaky_t;

static const waker_vtable_t sneaky_vtable;

static waker_t sneaky_clone(const void *data)
{
    sneaky_t *s = (sneaky_t *)data;
    s->clones++;
    s->live++;
    if (s->clones == 1)
        event_set(s->event);
    return (waker_t){&sneaky_vtable, data};
}

static void sneaky_wake(const void *data)
{
    sneaky_t *s = (sneaky_t *)data;
    s->wakes++;
    s->drops++;
    s->live--;
}

static void sneaky_wake_by_ref(const void *data)
{
    ((sneaky_t *)data)->wakes++;
}

static void sneaky_drop(const void *data)
{
    sneaky_t *s = (sneaky_t *)data;
    s->drops++;
    s->live--;
}

static const waker_vtable_t sneaky_vtable = {sneaky_clone, sneaky_wake,
                                             sneaky_wake_by_ref, sneaky_drop};

static void wakers_set_while_the_waker_is_kept(void **state)
{
    (void)state;
    event_t e;
    event_init(&e);
    event_wait_t w;
    event_wait_init(&w, &e);
    sneaky_t sn = {.event = &e, .live = 1};
    waker_t wk = {&sneaky_vtable, &sn};
    context_t cx = {&wk};
    poll_t r = future_poll(&w.base, &cx);
    EXPECT(sn.clones >= 1,
           "the wait kept no waker (no clone): see wakers_pending_keeps_a_"
           "clone");
    EXPECT(!(r == POLL_PENDING && sn.wakes == 0),
           "the event was set while your poll was keeping its waker (after "
           "it had looked at the flag); the poll still returned PENDING and "
           "nobody was woken: a lost wakeup. A PENDING must still be true "
           "when it is returned");
    event_destroy(&e);
    EXPECT(sn.live == 1,
           "after the event was set and destroyed, %d wakers are still live "
           "(want 1, the original): a kept clone was never woken nor "
           "dropped",
           sn.live);
}

/* ---- on the notify executor ---------------------------------------------- */

typedef struct waiter_task {
    future_t base;
    event_wait_t wait;
    int *finished;
} waiter_task_t;

static poll_t waiter_task_poll(future_t *f, context_t *cx)
{
    waiter_task_t *t = (waiter_task_t *)f;
    if (future_poll(&t->wait.base, cx) == POLL_PENDING)
        return POLL_PENDING;
    (*t->finished)++;
    return POLL_READY;
}

/* Yields twice (so the waiter is surely waiting), then sets the event. */
typedef struct setter_task {
    future_t base;
    int yields;
    event_t *event;
} setter_task_t;

static poll_t setter_task_poll(future_t *f, context_t *cx)
{
    setter_task_t *t = (setter_task_t *)f;
    if (t->yields-- > 0) {
        waker_wake_by_ref(cx->waker);
        return POLL_PENDING;
    }
    event_set(t->event);
    return POLL_READY;
}

static void wakers_event_works_on_the_notify_executor(void **state)
{
    (void)state;
    event_t e;
    event_init(&e);
    int finished = 0;
    waiter_task_t wt = {.base = {waiter_task_poll, NULL},
                        .finished = &finished};
    event_wait_init(&wt.wait, &e);
    setter_task_t st = {{setter_task_poll, NULL}, 2, &e};
    executor_config_t cfg = {.kind = &notify_executor_kind};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    executor_spawn(ex, &wt.base, sizeof wt, "waiter", NULL);
    executor_spawn(ex, &st.base, sizeof st, "setter", NULL);
    int rc = executor_run(ex);
    executor_destroy(ex);
    event_destroy(&e);
    EXPECT(rc == 0 && finished == 1,
           "on the notify executor the waiting task never finished (run "
           "returned %d%s): the event was set, but nobody woke the task, so "
           "the executor never polled it again",
           rc, rc == -EDEADLK ? ", -EDEADLK: a lost wakeup" : "");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(wakers_pending_keeps_a_clone),
    cmocka_unit_test(wakers_set_wakes_the_waiter_once),
    cmocka_unit_test(wakers_repoll_does_not_clone_again),
    cmocka_unit_test(wakers_new_waker_replaces_the_old),
    cmocka_unit_test(wakers_destroy_drops_without_waking),
    cmocka_unit_test(wakers_set_while_the_waker_is_kept),
    cmocka_unit_test(wakers_event_works_on_the_notify_executor),
};

CHECK_MAIN("lesson05", tests)
