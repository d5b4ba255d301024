/*
 * sync/notify.c - notify_one / notify_waiters over a FIFO of waiting
 * futures (see sync/notify.h for the semantics).
 *
 * The design is Tokio's Notify (2020) with a mutex instead of its atomic
 * fast paths: one lock guards the permit and the waiter queue; the epoch,
 * a count of notify_waiters calls, lets a future that was created before
 * a notify_waiters but polled only after it see that it was included.
 *
 *   notified_t states (all decided under n->lock)
 *
 *     created ──poll──> READY         epoch moved on, or a permit taken
 *        │
 *        └──poll──> queued ──notify_one / notify_waiters──> granted
 *                     │                                       │
 *                     └──drop: unlink          poll: READY <──┘
 *                                  drop: a notify_one grant goes on
 *
 * Tests: tests/test_sync.c (notify_*).
 */
#include "sync/notify.h"

#include <assert.h>

/* Why a notified future may complete. BY_ONE and BY_ALL are also what a
 * granted waiter's sync__waiter_t.grant holds. */
enum {
    BY_ONE = 1,    /* notify_one chose it: pass it on if dropped unused */
    BY_ALL = 2,    /* notify_waiters: everyone got one, nothing to pass */
    BY_PERMIT = 3, /* the stored permit: consumed only on completing */
};

int notify_init(notify_t *n)
{
    n->waiters = SYNC__WAITQ_EMPTY;
    n->permit = false;
    atomic_init(&n->epoch, 0);
    return -pthread_mutex_init(&n->lock, NULL);
}

void notify_destroy(notify_t *n)
{
    assert(sync__waitq_is_empty(&n->waiters));
    pthread_mutex_destroy(&n->lock);
}

/*
 * Give one notification: to the oldest waiter, else to the permit.
 * Returns the waiter's waker to wake after unlocking. Under lock.
 *
 * Waiters older than the epoch are skipped: a notify_waiters is still
 * waking them batch by batch (it dropped the lock between batches), and a
 * notify_one spent on one of them would be absorbed, as if lost.
 */
static waker_t give_one(notify_t *n)
{
    uint64_t e = atomic_load_explicit(&n->epoch, memory_order_relaxed);
    sync__waiter_t *w = sync__waitq_front(&n->waiters);
    while (w != NULL && w->tag < e)
        w = sync__waiter_next(w);
    if (w == NULL) {
        n->permit = true;
        return WAKER_EMPTY;
    }
    return sync__waitq_grant(&n->waiters, w, BY_ONE);
}

void notify_one(notify_t *n)
{
    pthread_mutex_lock(&n->lock);
    waker_t w = give_one(n);
    pthread_mutex_unlock(&n->lock);
    if (waker_is_set(&w))
        waker_wake(&w);
}

/* Grant up to max waiters created before epoch `e`. Under lock. */
static size_t grant_older_than(notify_t *n, uint64_t e, waker_t *out,
                               size_t max)
{
    size_t k = 0;
    /* Older waiters are all at the front: a future created before the
     * epoch moved that is polled after it never queues (it sees the new
     * epoch and is READY), so later waiters can only queue behind. */
    while (k < max && !sync__waitq_is_empty(&n->waiters) &&
           sync__waitq_front(&n->waiters)->tag < e)
        out[k++] = sync__waitq_grant_front(&n->waiters, BY_ALL);
    return k;
}

void notify_waiters(notify_t *n)
{
    waker_t batch[SYNC__WAKE_BATCH];
    size_t k;
    pthread_mutex_lock(&n->lock);
    /* Relaxed: written under the lock, read under it by polls; the read
     * in notified_init needs only coherence (see there). */
    uint64_t e = atomic_load_explicit(&n->epoch, memory_order_relaxed) + 1;
    atomic_store_explicit(&n->epoch, e, memory_order_relaxed);
    for (;;) {
        k = grant_older_than(n, e, batch, SYNC__WAKE_BATCH);
        pthread_mutex_unlock(&n->lock);
        sync__wake_all(batch, k);
        if (k < SYNC__WAKE_BATCH)
            return;
        pthread_mutex_lock(&n->lock);
    }
}

/* ---- the notified future ------------------------------------------------- */

/* What lets f complete now: a grant, a newer epoch, or the permit (0:
 * nothing, wait). Under lock. */
static int notified_reason(notify_t *n, notified_t *f)
{
    if (f->waiter.grant != 0 || f->waiter.queued)
        return f->waiter.grant;
    if (atomic_load_explicit(&n->epoch, memory_order_relaxed) != f->waiter.tag)
        return BY_ALL;
    if (n->permit)
        return BY_PERMIT;
    return 0;
}

/* READY when notified (see notified_reason); otherwise queued, FIFO. */
static poll_t notified_poll(future_t *fut, context_t *cx)
{
    notified_t *f = (notified_t *)fut;
    notify_t *n = f->notify;

    pthread_mutex_lock(&n->lock);
    int why = notified_reason(n, f);
    if (why == 0)
        return sync__waitq_park(&n->waiters, &f->waiter, cx, &n->lock);
    if (!sync__budget_take()) /* keeps a grant; the permit stays */
        return sync__budget_refused(&n->lock, cx);
    if (why == BY_PERMIT)
        n->permit = false;
    waker_t mine = sync__waiter_finish(&n->waiters, &f->waiter);
    pthread_mutex_unlock(&n->lock);
    waker_drop(&mine);
    return POLL_READY;
}

static waker_t pass_notification(void *n)
{
    return give_one(n);
}

/* Dropped before READY: leave the queue; a notify_one grant goes on. */
static void notified_drop(future_t *fut)
{
    notified_t *f = (notified_t *)fut;
    notify_t *n = f->notify;
    sync__waiter_abandon(&f->waiter, &n->waiters, &n->lock, BY_ONE,
                         pass_notification, n);
}

void notified_init(notified_t *f, notify_t *n)
{
    *f = (notified_t){
        .base = {notified_poll, notified_drop},
        .notify = n,
        .waiter = SYNC__WAITER_INIT,
    };
    /* Relaxed: if this init happens after a notify_waiters call (ordered
     * by whatever synchronised the two threads), coherence guarantees we
     * read its epoch or a later one; an unordered call may go either
     * way, which is the contract. */
    f->waiter.tag = atomic_load_explicit(&n->epoch, memory_order_relaxed);
}
