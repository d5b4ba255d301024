/*
 * sync/waitq.c - the intrusive FIFO of waiting futures shared by sync/
 * (see sync/waitq.h for the picture and the granting rule).
 *
 * A doubly linked list, so a future dropped in the middle of the queue
 * (an aborted task) unlinks itself in O(1).
 *
 * Tests: tests/test_sync.c.
 */
#include "sync/waitq.h"

#include <assert.h>

static void link_tail(sync__waitq_t *q, sync__waiter_t *w)
{
    list_push_back(&q->list, &w->node);
    w->queued = true;
}

static void unlink_node(sync__waitq_t *q, sync__waiter_t *w)
{
    list_remove(&q->list, &w->node);
    w->queued = false;
}

poll_t sync__waitq_park(sync__waitq_t *q, sync__waiter_t *w,
                        const context_t *cx, pthread_mutex_t *lock)
{
    assert(w->grant == 0);
    /* waker_register skips the clone when the same task waits again and
     * drops the old waker otherwise (rare: the future moved to another
     * waker). A drop never wakes and takes no lock (a task waker drops a
     * reference; the last one frees memory), so it may run here. */
    waker_register(&w->waker, cx);
    if (!w->queued)
        link_tail(q, w);
    w->involved = true;
    pthread_mutex_unlock(lock);
    return POLL_PENDING;
}

waker_t sync__waiter_finish(sync__waitq_t *q, sync__waiter_t *w)
{
    if (w->queued)
        unlink_node(q, w);
    w->grant = 0;
    w->involved = false;
    return waker_take(&w->waker);
}

void sync__waiter_abandon(sync__waiter_t *w, sync__waitq_t *q,
                          pthread_mutex_t *lock, int kind,
                          sync__pass_fn pass_on, void *owner)
{
    if (!w->involved)
        return; /* never queued, or finished: nothing to undo */
    waker_t next = WAKER_EMPTY;
    pthread_mutex_lock(lock);
    bool holds_grant = w->grant == kind;
    waker_t mine = sync__waiter_finish(q, w);
    if (holds_grant)
        next = pass_on(owner);
    pthread_mutex_unlock(lock);

    waker_drop(&mine);
    if (waker_is_set(&next))
        waker_wake(&next);
}

waker_t sync__waitq_grant(sync__waitq_t *q, sync__waiter_t *w, int grant)
{
    assert(grant != 0 && w->queued);
    unlink_node(q, w);
    w->grant = grant;
    return waker_take(&w->waker);
}

waker_t sync__waitq_grant_front(sync__waitq_t *q, int grant)
{
    sync__waiter_t *w = sync__waitq_front(q);
    if (w == NULL)
        return WAKER_EMPTY;
    return sync__waitq_grant(q, w, grant);
}

size_t sync__waitq_grant_batch(sync__waitq_t *q, int grant, waker_t *out,
                               size_t max)
{
    size_t n = 0;
    while (n < max && !sync__waitq_is_empty(q))
        out[n++] = sync__waitq_grant_front(q, grant);
    return n;
}

void sync__wake_all(waker_t *wakers, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (waker_is_set(&wakers[i]))
            waker_wake(&wakers[i]);
    }
}

bool sync__budget_take(void)
{
    waker_t noop = waker_noop();
    context_t probe = {.waker = &noop};
    return coop_poll_proceed(&probe);
}

poll_t sync__budget_refused(pthread_mutex_t *lock, const context_t *cx)
{
    pthread_mutex_unlock(lock);
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}
