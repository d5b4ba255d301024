/*
 * lessons/solutions/10-block-on/exercise.c - the reference solution of
 * lesson 10: block_on and the main future's waker.
 *
 * `asynclab check 10 --solution` runs the checker on it, `make
 * check-lessons` too; `--executor mine` runs it when yours is missing.
 *
 * The loop, one decision a turn:
 *
 *     woken? ──yes──> take the flag, poll f ── READY ──> return 0
 *       │                  │ PENDING
 *       no                 v
 *       └──────────> run_one ── ran a task ──> next turn
 *                          │ none ready
 *                          v
 *                    woken now? ── yes ──> next turn (no park)
 *                          │ no
 *                          v
 *                        park ──> next turn (woken, or spurious)
 */
#include "exercise.h"

static void root_wake_by_ref(const void *data)
{
    mini_root_t *r = (mini_root_t *)data;
    /* Release: pairs with the acquire exchange in mini_block_on, so the
     * next poll of f sees what the waker did before it woke (a value
     * sent, a flag set). The flag first, then the unpark: the parked
     * thread that returns must find it. */
    atomic_store_explicit(&r->woken, true, memory_order_release);
    r->h->unpark(r->h->ex);
}

static waker_t root_clone(const void *data)
{
    return (waker_t){&mini_root_vtable, data};
}

static void root_drop(const void *data)
{
    (void)data; /* the root is in mini_block_on's frame: nothing to free */
}

const waker_vtable_t mini_root_vtable = {
    .clone = root_clone,
    .wake = root_wake_by_ref, /* consuming it frees nothing either */
    .wake_by_ref = root_wake_by_ref,
    .drop = root_drop,
};

int mini_block_on(const block_on_hooks_t *h, future_t *f)
{
    mini_root_t root = {.h = h};
    atomic_init(&root.woken, true); /* the first poll needs no wake */
    waker_t w = {&mini_root_vtable, &root};
    context_t cx = {.waker = &w};
    for (;;) {
        /* Acquire: pairs with root_wake_by_ref. Taken BEFORE the poll, so
         * that a wake during the poll is kept for the next turn. */
        if (atomic_exchange_explicit(&root.woken, false,
                                     memory_order_acquire) &&
            future_poll(f, &cx) == POLL_READY)
            return 0;
        if (h->run_one(h->ex))
            continue; /* a task ran: it may have woken f, look again */
        /* Nothing ran. A wake that came during the poll or the task is in
         * the flag: parking now would sleep through it. */
        if (!atomic_load_explicit(&root.woken, memory_order_acquire))
            h->park(h->ex);
    }
}
