/*
 * tests/lesson-wrong/10-never-runs-tasks.c - a plausible wrong
 * answer to lesson 10's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: only f is polled; the ready tasks are left to "someone
 * else". On one thread there is no one else: they never run, and the
 * task that would wake f never does.
 *
 * expect: parked while 3 tasks were ready: they starve
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
        if (!atomic_load(&root.woken))
            h->park(h->ex); /* block_on is about f: the tasks run elsewhere */
    }
}
