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
 * Locking: the queue has no lock of its own; it lives under its owning
 * primitive's pthread mutex, and each function says what it expects of
 * that lock. Wakers taken out are woken (or dropped) after the unlock.
 *
 * The public headers include this one only because the node is embedded
 * in their futures; nothing here is API.
 *
 * Tests: tests/test_sync.c (through mpsc_, notify_, mutex_ tests).
 */
#ifndef ASYNCLAB_SYNC_WAITQ_H
#define ASYNCLAB_SYNC_WAITQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/coop.h"
#include "core/future.h"
#include "core/list.h"
#include "core/waker.h"

/* One waiting future's node. Every field but `involved`: under the
 * owner's lock. */
typedef struct sync__waiter {
    list_node_t node; /* in the queue, while queued (core/list.h) */
    waker_t waker; /* the waiting task; empty once taken to be woken */
    uint64_t tag;  /* the owner's note (notify: epoch of creation) */
    int grant;     /* 0: nothing given yet; else the owner's reason */
    bool queued;   /* linked in a queue right now */
    bool involved; /* queued or granted since the future last finished:
                      its drop must look. The poller's own field (set by
                      park, cleared by finish), read by drop unlocked */
} sync__waiter_t;

typedef struct sync__waitq {
    list_t list; /* of sync__waiter_t; the head is the oldest waiter, the
                    next to be granted */
} sync__waitq_t;

/* Hands a resource that a dropped waiter was granted to someone else;
 * returns the waker to wake after unlocking. Under the owner's lock. */
typedef waker_t (*sync__pass_fn)(void *owner);

#define SYNC__WAITQ_EMPTY ((sync__waitq_t){LIST_EMPTY})
#define SYNC__WAITER_INIT                                                      \
    ((sync__waiter_t){{NULL, NULL}, WAKER_EMPTY, 0, 0, false, false})

/* Wakers woken per lock hold when a primitive wakes all its waiters. */
#define SYNC__WAKE_BATCH 32

static inline bool sync__waitq_is_empty(const sync__waitq_t *q)
{
    return q->list.head == NULL;
}

static inline sync__waiter_t *sync__waiter_of(list_node_t *n)
{
    return n != NULL ? LIST_ENTRY(n, sync__waiter_t, node) : NULL;
}

/* The oldest waiter, or NULL; the next after w, or NULL. */
static inline sync__waiter_t *sync__waitq_front(const sync__waitq_t *q)
{
    return sync__waiter_of(q->list.head);
}

static inline sync__waiter_t *sync__waiter_next(const sync__waiter_t *w)
{
    return sync__waiter_of(w->node.next);
}

/*
 * The poll must wait: keep cx's waker in w (linking w at the tail unless
 * it is queued already), release `lock`, and return POLL_PENDING. Called
 * with the owner's lock held; returns with it released. w not granted.
 */
poll_t sync__waitq_park(sync__waitq_t *q, sync__waiter_t *w,
                        const context_t *cx, pthread_mutex_t *lock);

/*
 * The poll completes: w leaves the queue (if still in it) and its grant
 * is consumed. Returns w's waker, which the caller drops after unlocking
 * (dropping may free a task; never under a lock). Under the owner's lock.
 */
waker_t sync__waiter_finish(sync__waitq_t *q, sync__waiter_t *w);

/*
 * The future is dropped before READY: take w out of q and, if it holds a
 * grant of `kind` it will never use, give it on through pass_on(owner).
 * Takes and releases `lock` itself; drops w's waker and wakes the one
 * pass_on chose after unlocking. A no-op when w is not involved.
 */
void sync__waiter_abandon(sync__waiter_t *w, sync__waitq_t *q,
                          pthread_mutex_t *lock, int kind,
                          sync__pass_fn pass_on, void *owner);

/*
 * Grant queued waiter w: unlink it, set its grant to `grant` (non-zero)
 * and return its waker for the caller to wake after unlocking. After this
 * the caller must not touch w again: once the lock is released its future
 * may be dropped. Under the owner's lock.
 */
waker_t sync__waitq_grant(sync__waitq_t *q, sync__waiter_t *w, int grant);

/* Grant the first waiter, as above; an empty waker when nobody waits. */
waker_t sync__waitq_grant_front(sync__waitq_t *q, int grant);

/*
 * Grant up to max waiters from the front, moving their wakers into out[].
 * Returns how many. The caller unlocks, wakes them, and locks and calls
 * again while a full batch came back (bounded batches keep each lock
 * hold short).
 */
size_t sync__waitq_grant_batch(sync__waitq_t *q, int grant, waker_t *out,
                               size_t max);

/* Wake each of n wakers (consuming them). Call with no lock held. */
void sync__wake_all(waker_t *wakers, size_t n);

/*
 * Spend one unit of the cooperative budget (core/coop.h) WITHOUT waking
 * anyone, so it may be called under a lock at the exact moment a future
 * knows it would return READY. True: go on. False: the budget is spent;
 * the caller leaves its state as it was and returns
 * sync__budget_refused(lock, cx).
 *
 * Why not coop_poll_proceed(cx) directly: it wakes cx->waker when the
 * budget is gone, and a wake must not run under the primitive's lock (it
 * may take the executor's queue lock); and calling it before the lock
 * would spend budget on polls that end up PENDING.
 */
bool sync__budget_take(void);

/* Release `lock`, wake our own task (it comes back after the others have
 * had their turn), and return POLL_PENDING. */
poll_t sync__budget_refused(pthread_mutex_t *lock, const context_t *cx);

#endif
