/*
 * sync/mutex.h - an async mutex: waiting for the lock parks the task, not
 * the thread.
 *
 * Tokio's tokio::sync::Mutex, in C: a semaphore of one permit with a FIFO
 * of waiters. Hold it across an AWAIT when the critical section itself
 * waits (a channel, a timer); for a few plain instructions a pthread mutex
 * is cheaper and fine.
 *
 *   mutex_t (caller-owned)
 *   ┌──────────────────────────────────────────┐
 *   │ lock │ locked │ waiters: A <-> B <-> C   │  (nodes inside the
 *   └──────────────────────────────────────────┘   mutex_lock_t futures)
 *
 * Fair: mutex_unlock hands the lock straight to the oldest waiter (it is
 * locked on its behalf before it even runs), so a stream of newcomers
 * cannot starve a waiting task. A waiter that was handed the lock and is
 * dropped before it saw it passes it on.
 *
 *     mutex_lock_init(&self->acquire, &shared->m);
 *     AWAIT(self, cx, &self->acquire.base);   // READY: we hold it
 *     ... critical section, may AWAIT ...
 *     mutex_unlock(&shared->m);
 *
 * Threads: any function from any thread; the holder is whoever acquired
 * it, and exactly one mutex_unlock follows each acquisition.
 *
 * Tests: tests/test_sync.c (mutex_*).
 */
#ifndef ASYNCLAB_SYNC_MUTEX_H
#define ASYNCLAB_SYNC_MUTEX_H

#include <pthread.h>
#include <stdbool.h>

#include "core/future.h"
#include "sync/waitq.h"

typedef struct mutex {
    pthread_mutex_t lock;  /* guards the two fields below, briefly */
    bool locked;           /* under lock: someone holds the async mutex */
    sync__waitq_t waiters; /* under lock: tasks waiting, oldest first;
                              non-empty only while locked */
} mutex_t;

/* 0, or -errno from pthread_mutex_init. */
int mutex_init(mutex_t *m);

/* Precondition: unlocked, nobody waiting. */
void mutex_destroy(mutex_t *m);

/* 0 (now held by the caller) or -EBUSY. Never waits. */
int mutex_try_lock(mutex_t *m);

/* Release: to the oldest waiter if any (woken), else unlocked. */
void mutex_unlock(mutex_t *m);

typedef struct mutex_lock {
    future_t base;
    mutex_t *mutex;        /* borrowed; outlives the future */
    sync__waiter_t waiter; /* queued while the mutex is held by another */
} mutex_lock_t;

/* A future that is READY when the caller holds m. */
void mutex_lock_init(mutex_lock_t *f, mutex_t *m);

#endif
