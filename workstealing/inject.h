/*
 * workstealing/inject.h - the inject queue: where work from outside enters.
 * Private to workstealing/.
 *
 * Every worker has its own ring (ring.h), but some tasks belong to no
 * worker yet: a spawn from block_on's thread or from any other thread that
 * is not a worker, a wake from such a thread, and the half of a full ring
 * that its owner moves out (overflow). They all go here. Workers take from
 * it when their own ring is empty, and every 61 ticks even when it is not
 * (worker.c says why).
 *
 *            lock                      len (atomic copy)
 *             │                           │
 *     head ──> [t7] ──> [t9] ──> [t2] ──> [t4] <── tail      via task->next
 *      ^ pop_batch takes from here           ^ push / push_batch append here
 *
 * The design is Tokio's inject queue (2019): an intrusive singly linked
 * list of tasks under one lock (lock.h). A lock is fine here because
 * little goes through it: workers take batches (one lock for up to 128 tasks),
 * and the length is mirrored in an atomic so that "is there anything?"
 * -- asked on every search -- takes no lock at all.
 *
 * Who may touch what: queue and closed under lock; len is written
 * under lock and read by anyone without it (a hint: it may be stale by the
 * time the reader acts, and every reader takes the lock before trusting
 * it).
 *
 * Tests: tests/test_ring.c (overflow lands here), tests/test_ws.c.
 */
#ifndef ASYNCLAB_WORKSTEALING_INJECT_H
#define ASYNCLAB_WORKSTEALING_INJECT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/task.h"
#include "core/task_queue.h"
#include "workstealing/lock.h"

typedef struct ws_inject {
    ws_lock_t lock;
    task_queue_t queue; /* under lock; oldest first */
    bool closed;       /* under lock; set once by shutdown */
    atomic_size_t len; /* written under lock, read by anyone */
} ws_inject_t;

void ws_inject_init(ws_inject_t *q);

/* The queue must be empty (drained by shutdown) and unused. */
void ws_inject_destroy(ws_inject_t *q);

/*
 * Append one task; the queue takes the caller's queue reference. On a
 * closed queue (the runtime is shutting down) the reference is dropped
 * instead and false is returned: the task is already being shut down
 * through the owned list.
 */
bool ws_inject_push(ws_inject_t *q, task_t *t);

/* Append one task, or, on a closed queue, return false and leave the
 * caller's reference alone (a spawn that lost the race with shutdown:
 * the spawner cancels the task it still owns). */
bool ws_inject_try_push(ws_inject_t *q, task_t *t);

/* Append the n tasks linked first -> ... -> last through task->next, in
 * one lock. Closed: as for ws_inject_push, for every one of them. */
bool ws_inject_push_batch(ws_inject_t *q, task_t *first, task_t *last,
                          size_t n);

/*
 * Take up to max tasks (max >= 1) from the head, in order, as a list
 * linked through task->next and ending in NULL. Returns the first (NULL
 * when empty); *n is set to how many were taken.
 */
task_t *ws_inject_pop_batch(ws_inject_t *q, size_t max, size_t *n);

/* One task, or NULL. */
task_t *ws_inject_pop(ws_inject_t *q);

/* Refuse every later push; returns nothing, takes the lock once. */
void ws_inject_close(ws_inject_t *q);

/* Lock-free hints for the search and park decisions. */
static inline size_t ws_inject_len(ws_inject_t *q)
{
    /* Acquire: pairs with the release store in push/pop, so a worker that
     * sees len > 0 and then takes the lock finds those tasks linked. */
    return atomic_load_explicit(&q->len, memory_order_acquire);
}

static inline bool ws_inject_is_empty(ws_inject_t *q)
{
    return ws_inject_len(q) == 0;
}

#endif
