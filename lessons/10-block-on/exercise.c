/*
 * lessons/10-block-on/exercise.c - YOUR exercise for lesson 10.
 *
 * Write block_on: the loop that runs the main future on the caller's
 * thread, with the tasks and the driver's sleep in between, and the main
 * future's waker. The contract and the traps are in exercise.h. Then:
 *
 *     asynclab check 10
 *     asynclab run sleepers --executor mine     (your lessons 6 and 10
 *                                                on the real driver)
 *
 * Stuck? asynclab hint 10
 */
#include <errno.h>

#include "exercise.h"

static void root_wake_by_ref(const void *data)
{
    /* TODO: record the wake (any thread may call this) and make a park
     * return. */
    (void)data;
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
    /* TODO: the main future's root, its waker, and the loop. */
    (void)h;
    (void)f;
    return -ENOSYS;
}
