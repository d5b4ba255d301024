/*
 * sync/notify.h - wake one waiting task, or all of them, with no data.
 *
 * Tokio's tokio::sync::Notify, in C: the async version of a condition
 * variable, minus the mutex, plus a permit so that a notification given
 * before anyone waits is not lost.
 *
 *   notify_t (caller-owned)
 *   ┌────────────────────────────────────────────┐
 *   │ lock │ permit │ epoch │ waiters: A <-> B <-> C (nodes inside
 *   └────────────────────────────────────────────┘  notified_t futures)
 *
 *   notify_one      wakes the oldest waiter; with nobody waiting it stores
 *                   ONE permit (many calls still store one), which the next
 *                   notified future consumes at once.
 *   notify_waiters  wakes every notified future that exists at the time of
 *                   the call (polled or not yet: each records the epoch it
 *                   was created in); stores no permit.
 *
 * A notified_t is a leaf future:
 *
 *     notified_init(&self->wait, &shared->notify);
 *     AWAIT(self, cx, &self->wait.base);
 *
 * If a future that notify_one chose is dropped before it returns READY,
 * the notification is passed to the next waiter (or back to the permit):
 * aborting a task never swallows a notify_one.
 *
 * Threads: every function may be called from any thread.
 *
 * Tests: tests/test_sync.c (notify_*).
 */
#ifndef ASYNCLAB_SYNC_NOTIFY_H
#define ASYNCLAB_SYNC_NOTIFY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/future.h"
#include "sync/waitq.h"

typedef struct notify {
    pthread_mutex_t lock;
    sync__waitq_t waiters;  /* under lock: notified futures, oldest first */
    bool permit;            /* under lock: a notify_one nobody took yet */
    _Atomic uint64_t epoch; /* notify_waiters calls; written under lock,
                               read by notified_init without it */
} notify_t;

/* 0, or -errno from pthread_mutex_init. */
int notify_init(notify_t *n);

/* Precondition: no notified future of n is pending. */
void notify_destroy(notify_t *n);

/* Wake the oldest waiter, or store the permit if nobody waits. */
void notify_one(notify_t *n);

/* Wake every notified future created before this call. */
void notify_waiters(notify_t *n);

typedef struct notified {
    future_t base;
    notify_t *notify;      /* borrowed; outlives the future */
    sync__waiter_t waiter; /* queued while waiting; its tag is n->epoch
                              when the future was created */
} notified_t;

/* A future that is READY once notified. May be copied until first poll. */
void notified_init(notified_t *f, notify_t *n);

#endif
