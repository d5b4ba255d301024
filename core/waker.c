/*
 * core/waker.c - the two wakers core/ provides itself: the no-op waker
 * (what the spin executor hands out: nobody is listening) and the counting
 * waker (tests and lessons watch what a future does with its waker).
 * Executors' wakers live with their tasks (core/task.c).
 *
 * Tests: tests/test_waker.c.
 */
#include "core/waker.h"

/* ---- no-op ----------------------------------------------------------- */

static const waker_vtable_t noop_vtable;

static waker_t noop_clone(const void *data)
{
    return (waker_t){&noop_vtable, data};
}

static void noop_op(const void *data)
{
    (void)data;
}

static const waker_vtable_t noop_vtable = {
    .clone = noop_clone,
    .wake = noop_op,
    .wake_by_ref = noop_op,
    .drop = noop_op,
};

waker_t waker_noop(void)
{
    return (waker_t){&noop_vtable, NULL};
}

/* ---- counting -------------------------------------------------------- */

/*
 * Relaxed everywhere: the counters are read by a test after it has joined
 * (or otherwise synchronised with) every thread that touched the waker.
 */
static const waker_vtable_t counting_vtable;

static counting_waker_t *counts_of(const void *data)
{
    return (counting_waker_t *)data;
}

static waker_t counting_clone(const void *data)
{
    atomic_fetch_add_explicit(&counts_of(data)->clones, 1,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&counts_of(data)->live, 1, memory_order_relaxed);
    return (waker_t){&counting_vtable, data};
}

static void counting_wake_by_ref(const void *data)
{
    atomic_fetch_add_explicit(&counts_of(data)->wakes, 1,
                              memory_order_relaxed);
}

static void counting_drop(const void *data)
{
    atomic_fetch_add_explicit(&counts_of(data)->drops, 1,
                              memory_order_relaxed);
    atomic_fetch_sub_explicit(&counts_of(data)->live, 1, memory_order_relaxed);
}

static void counting_wake(const void *data)
{
    counting_wake_by_ref(data);
    counting_drop(data);
}

static const waker_vtable_t counting_vtable = {
    .clone = counting_clone,
    .wake = counting_wake,
    .wake_by_ref = counting_wake_by_ref,
    .drop = counting_drop,
};

waker_t counting_waker(counting_waker_t *counts)
{
    atomic_init(&counts->wakes, 0);
    atomic_init(&counts->clones, 0);
    atomic_init(&counts->drops, 0);
    atomic_init(&counts->live, 1);
    return (waker_t){&counting_vtable, counts};
}
