/*
 * sync/mutex.c - the async mutex (see sync/mutex.h).
 *
 * A one-permit version of the granting queue in sync/waitq.h: the lock is
 * never "free for a moment" while tasks wait, because mutex_unlock hands
 * it to the first waiter under the same short pthread lock hold. Hence the
 * invariant the code relies on:
 *
 *     waiters non-empty  =>  locked
 *
 * so a newcomer that finds !locked may take it without looking further.
 *
 * Tests: tests/test_sync.c (mutex_*).
 */
#include "sync/mutex.h"

#include <assert.h>
#include <errno.h>

enum { HANDED = 1 }; /* grant: the lock was handed to this waiter */

int mutex_init(mutex_t *m)
{
    m->locked = false;
    m->waiters = SYNC__WAITQ_EMPTY;
    return -pthread_mutex_init(&m->lock, NULL);
}

void mutex_destroy(mutex_t *m)
{
    assert(!m->locked && sync__waitq_is_empty(&m->waiters));
    pthread_mutex_destroy(&m->lock);
}

int mutex_try_lock(mutex_t *m)
{
    pthread_mutex_lock(&m->lock);
    bool got = !m->locked;
    m->locked = true;
    pthread_mutex_unlock(&m->lock);
    return got ? 0 : -EBUSY;
}

/* Pass the lock to the oldest waiter, or unlock. Returns the waiter's
 * waker to wake after unlocking. Under m->lock, with locked set. */
static waker_t hand_on(mutex_t *m)
{
    assert(m->locked);
    if (sync__waitq_is_empty(&m->waiters)) {
        m->locked = false;
        return WAKER_EMPTY;
    }
    return sync__waitq_grant_front(&m->waiters, HANDED);
}

void mutex_unlock(mutex_t *m)
{
    pthread_mutex_lock(&m->lock);
    waker_t next = hand_on(m);
    pthread_mutex_unlock(&m->lock);
    if (waker_is_set(&next))
        waker_wake(&next);
}

/* READY when the caller holds the mutex: taken free, or handed over by
 * mutex_unlock while queued. */
static poll_t lock_poll(future_t *fut, context_t *cx)
{
    mutex_lock_t *f = (mutex_lock_t *)fut;
    mutex_t *m = f->mutex;

    pthread_mutex_lock(&m->lock);
    bool handed = f->waiter.grant == HANDED;
    if (!handed && (f->waiter.queued || m->locked))
        return sync__waitq_park(&m->waiters, &f->waiter, cx, &m->lock);
    if (!sync__budget_take()) /* a handed lock stays ours */
        return sync__budget_refused(&m->lock, cx);
    m->locked = true; /* already so when handed */
    waker_t mine = sync__waiter_finish(&m->waiters, &f->waiter);
    pthread_mutex_unlock(&m->lock);
    waker_drop(&mine);
    return POLL_READY;
}

static waker_t pass_lock(void *m)
{
    return hand_on(m);
}

/* Dropped before READY: leave the queue; a lock handed to us goes on. */
static void lock_drop(future_t *fut)
{
    mutex_lock_t *f = (mutex_lock_t *)fut;
    mutex_t *m = f->mutex;
    sync__waiter_abandon(&f->waiter, &m->waiters, &m->lock, HANDED, pass_lock,
                         m);
}

void mutex_lock_init(mutex_lock_t *f, mutex_t *m)
{
    *f = (mutex_lock_t){
        .base = {lock_poll, lock_drop},
        .mutex = m,
        .waiter = SYNC__WAITER_INIT,
    };
}
