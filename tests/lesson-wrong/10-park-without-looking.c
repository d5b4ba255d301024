/*
 * tests/lesson-wrong/10-park-without-looking.c - a plausible wrong
 * answer to lesson 10's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: run every ready task, then park, without looking at the
 * flag again. One of those tasks woke f a moment ago: a lost wakeup (on
 * the real driver, asleep until some timer fires).
 *
 * expect: f was woken by a task that run_one ran, and you parked without polling it
 */
#include "exercise.h"

static void root_wake_by_ref(const void *data)
{
    mini_root_t *r = (mini_root_t *)data;
    atomic_store_explicit(&r->woken, true, memory_order_release);
    r->h->unpark(r->h->ex);
}

static waker_t root_clone(const void *data)
{
    return (waker_t){&mini_root_vtable, data};
}

static void root_drop(const void *data)
{
    (void)data;
}

const waker_vtable_t mini_root_vtable = {
    .clone = root_clone,
    .wake = root_wake_by_ref,
    .wake_by_ref = root_wake_by_ref,
    .drop = root_drop,
};

int mini_block_on(const block_on_hooks_t *h, future_t *f)
{
    mini_root_t root = {.h = h};
    atomic_init(&root.woken, true);
    waker_t w = {&mini_root_vtable, &root};
    context_t cx = {.waker = &w};
    for (;;) {
        if (atomic_exchange(&root.woken, false) &&
            future_poll(f, &cx) == POLL_READY)
            return 0;
        while (h->run_one(h->ex))
            ; /* every ready task, then nothing is left to do... */
        h->park(h->ex);
    }
}
