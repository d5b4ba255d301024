/*
 * tests/lesson-wrong/10-clear-after-poll.c - a plausible wrong
 * answer to lesson 10's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: clear the flag after polling f ("the wake is used up").
 * A wake during the poll (f yields) is wiped out with it: the loop parks
 * with f woken.
 *
 * expect: Was the flag cleared after the poll? Take it BEFORE polling f
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
        if (atomic_load(&root.woken)) {
            if (future_poll(f, &cx) == POLL_READY)
                return 0;
            atomic_store(&root.woken, false); /* polled: the wake is used */
        }
        if (h->run_one(h->ex))
            continue;
        if (!atomic_load(&root.woken))
            h->park(h->ex);
    }
}
