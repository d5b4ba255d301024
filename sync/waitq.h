/*
 * sync/waitq.h - PRIVATE to sync/: the waiter queue every primitive parks
 * its futures in, and the budget probe they share.
 *
 * A future that must wait (a send into a full channel, a lock already
 * held, a notification not yet given) links a node that lives INSIDE the
 * future into its primitive's queue. No allocation: the future's address
 * is fixed from its first poll (core/future.h), so the node's is too.
 *
 *   primitive (under its lock)
 *   ┌──────────────┐     ┌──────────┐     ┌──────────┐     ┌──────────┐
 *   │ head ────────┼────>│ waiter A │<───>│ waiter B │<───>│ waiter C │
 *   │ tail ────────┼──┐  │ waker    │     │ waker    │     │ waker    │
 *   └──────────────┘  │  └──────────┘     └──────────┘     └────^─────┘
 *                     └───────────────────────────────────────────┘
 *        (each waiter is a field of a pending future: mpsc_send_t,
 *         notified_t, mutex_lock_t)
 *
 * FIFO, and "granting": whoever frees a resource hands it to the FIRST
 * waiter (unlinks it, marks it granted, takes its waker to wake after the
 * lock is released) instead of letting every waiter race for it. This is
 * the idea of Tokio's batch_semaphore (2020): fair, and a woken waiter
 * never finds its resource stolen by a newcomer. A granted future that is
 * dropped before it used its grant passes it on (its drop function does).
 *
 * Locking: the queue has no lock of its own. Every function here is called
 * with the owning primitive's lock held; wakers taken out are woken (or
 * dropped) by the caller after it unlocks.
 *
 * Tests: tests/test_sync.c (through mpsc_, notify_, mutex_ tests).
 */
#ifndef ASYNCLAB_SYNC_WAITQ_H
#define ASYNCLAB_SYNC_WAITQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/coop.h"
#include "core/waker.h"

/* One waiting future's node. Every field: under the owner's lock. */
typedef struct sync__waiter {
    struct sync__waiter *prev; /* links, valid while queued */
    struct sync__waiter *next;
    waker_t waker; /* the waiting task; empty once taken to be woken */
    uint64_t tag;  /* the owner's note (notify: epoch of creation) */
    int grant;     /* 0: nothing given yet; else the owner's reason */
    bool queued;   /* linked in a queue right now */
} sync__waiter_t;

typedef struct sync__waitq {
    sync__waiter_t *head; /* oldest waiter, the next to be granted */
    sync__waiter_t *tail;
} sync__waitq_t;

#define SYNC__WAITQ_EMPTY ((sync__waitq_t){NULL, NULL})
#define SYNC__WAITER_INIT                                                      \
    ((sync__waiter_t){NULL, NULL, WAKER_EMPTY, 0, 0, false})

/* Wakers woken per lock hold when a primitive wakes all its waiters. */
#define SYNC__WAKE_BATCH 32

static inline bool sync__waitq_is_empty(const sync__waitq_t *q)
{
    return q->head == NULL;
}

/*
 * Keep cx's waker in w: link w at the tail if it is not queued, or just
 * refresh its waker if it is. Owner's lock held; w not granted.
 */
void sync__waitq_wait(sync__waitq_t *q, sync__waiter_t *w, const context_t *cx);

/*
 * Unlink w if it is queued. Returns its waker, which the caller drops
 * after unlocking (dropping may free a task; never under a lock).
 */
waker_t sync__waitq_remove(sync__waitq_t *q, sync__waiter_t *w);

/*
 * Grant the first waiter: unlink it, set its grant to `grant` (non-zero)
 * and return its waker for the caller to wake after unlocking. Returns an
 * empty waker when nobody waits. After this the caller must not touch the
 * waiter again: once the lock is released its future may be dropped.
 */
waker_t sync__waitq_grant_front(sync__waitq_t *q, int grant);

/*
 * Grant up to max waiters from the front, moving their wakers into out[].
 * Returns how many. The caller unlocks, wakes them, and calls again until
 * it returns 0 (a bounded batch keeps the lock hold short).
 */
size_t sync__waitq_grant_batch(sync__waitq_t *q, int grant, waker_t *out,
                               size_t max);

/* Wake each of n wakers (consuming them). Call with no lock held. */
void sync__wake_all(waker_t *wakers, size_t n);

/*
 * Spend one unit of the cooperative budget (core/coop.h) WITHOUT waking
 * anyone, so it may be called under a lock at the exact moment a future
 * knows it would return READY. True: go on. False: the budget is spent;
 * the caller leaves its state as it was, unlocks, wakes its own task
 * (waker_wake_by_ref(cx->waker)) and returns PENDING.
 *
 * Why not coop_poll_proceed(cx) directly: it wakes cx->waker when the
 * budget is gone, and a wake must not run under the primitive's lock (it
 * may take the executor's queue lock); and calling it before the lock
 * would spend budget on polls that end up PENDING.
 */
bool sync__budget_take(void);

#endif
