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
    w->prev = q->tail;
    w->next = NULL;
    if (q->tail != NULL)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    w->queued = true;
}

static void unlink_node(sync__waitq_t *q, sync__waiter_t *w)
{
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->prev = w->next = NULL;
    w->queued = false;
}

void sync__waitq_wait(sync__waitq_t *q, sync__waiter_t *w, const context_t *cx)
{
    assert(w->grant == 0);
    /* waker_register skips the clone when the same task waits again and
     * drops the old waker otherwise (rare: the future moved to another
     * waker). A drop never wakes and takes no lock (a task waker drops a
     * reference; the last one frees memory), so it may run here. */
    waker_register(&w->waker, cx);
    if (!w->queued)
        link_tail(q, w);
}

waker_t sync__waitq_remove(sync__waitq_t *q, sync__waiter_t *w)
{
    if (w->queued)
        unlink_node(q, w);
    return waker_take(&w->waker);
}

waker_t sync__waitq_grant_front(sync__waitq_t *q, int grant)
{
    sync__waiter_t *w = q->head;
    if (w == NULL)
        return WAKER_EMPTY;
    assert(grant != 0);
    unlink_node(q, w);
    w->grant = grant;
    return waker_take(&w->waker);
}

size_t sync__waitq_grant_batch(sync__waitq_t *q, int grant, waker_t *out,
                               size_t max)
{
    size_t n = 0;
    while (n < max && q->head != NULL)
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
