/*
 * tests/lesson-wrong/10-flag-without-unpark.c - a plausible wrong
 * answer to lesson 10's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: the waker only sets the flag, since block_on looks at it
 * before parking. Right for a wake on block_on's own thread; a wake from
 * another thread comes while block_on is already asleep, and nothing
 * rouses it.
 *
 * expect: your waker did not call h->unpark
 */
#include "exercise.h"

static void root_wake_by_ref(const void *data)
{
    mini_root_t *r = (mini_root_t *)data;
    atomic_store_explicit(&r->woken, true, memory_order_release);
    /* block_on looks at the flag before it parks: no unpark needed */
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
        if (h->run_one(h->ex))
            continue;
        if (!atomic_load(&root.woken))
            h->park(h->ex);
    }
}
