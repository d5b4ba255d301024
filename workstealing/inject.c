/*
 * workstealing/inject.c - the inject queue; see inject.h for the picture.
 *
 * The only subtle part is the length: it is a copy of the list's length,
 * kept in an atomic so that the empty check on every search takes no
 * lock. It is only ever written under the lock, so it is always exact for
 * whoever holds the lock, and at worst stale for whoever does not.
 *
 * Tests: tests/test_ring.c, tests/test_ws.c.
 */
#include "workstealing/inject.h"

#include <assert.h>

void ws_inject_init(ws_inject_t *q)
{
    ws_lock_init(&q->lock);
    q->queue = TASK_QUEUE_EMPTY;
    q->closed = false;
    atomic_init(&q->len, 0);
}

void ws_inject_destroy(ws_inject_t *q)
{
    (void)q; /* nothing to free: the lock is a flag */
    assert(task_queue_is_empty(&q->queue));
}

/* Drop the queue references of a list that a closed queue refused. */
static void drop_refused(task_t *first, size_t n)
{
    while (n-- > 0) {
        task_t *next = first->next;
        first->next = NULL;
        task_ref_dec(first);
        first = next;
    }
}

/* Caller holds q->lock. */
static void set_len(ws_inject_t *q, size_t len)
{
    /* Release: pairs with the acquire in ws_inject_len; the links are
     * written before anyone lock-free sees the count that includes them. */
    atomic_store_explicit(&q->len, len, memory_order_release);
}

/* Append first..last (n tasks) unless the queue is closed; false then,
 * and nothing changed. */
static bool append(ws_inject_t *q, task_t *first, task_t *last, size_t n)
{
    assert(n > 0 && first != NULL && last != NULL);
    last->next = NULL;
    ws_lock(&q->lock);
    bool open = !q->closed;
    if (open) {
        task_queue_t batch = {first, last, n};
        task_queue_splice(&q->queue, &batch);
        set_len(q, q->queue.len);
    }
    ws_unlock(&q->lock);
    return open;
}

bool ws_inject_push_batch(ws_inject_t *q, task_t *first, task_t *last, size_t n)
{
    if (append(q, first, last, n))
        return true;
    drop_refused(first, n);
    return false;
}

bool ws_inject_push(ws_inject_t *q, task_t *t)
{
    return ws_inject_push_batch(q, t, t, 1);
}

bool ws_inject_try_push(ws_inject_t *q, task_t *t)
{
    return append(q, t, t, 1);
}

/*
 * Taking k tasks off a linked list means walking k links, and each link
 * was written by another thread: a cache miss per task. Under the lock,
 * that walk kept the spawning thread waiting (ws_inject_pop_batch was
 * 11% of the timers workload's profile, and the lock is a spinning one).
 * So for more than one task: detach the whole list under the lock, walk
 * it without the lock (nobody else can reach it now), and put what we do
 * not take back at the front, in order, ahead of anything pushed since.
 * While the rest is out, the queue looks emptier than it is: a worker
 * may not find it and park, which costs parallelism, never a task, since
 * the taker is running and puts it back at once.
 */
/* Split the first max tasks off a detached list (no lock: nobody else
 * can reach it). */
static task_queue_t take_front(task_queue_t *all, size_t max)
{
    task_queue_t front = {all->head, all->head, 1};
    while (front.len < max && front.tail->next != NULL) {
        front.tail = front.tail->next;
        front.len++;
    }
    all->head = front.tail->next;
    all->len -= front.len;
    if (all->head == NULL)
        all->tail = NULL;
    front.tail->next = NULL;
    return front;
}

/* Put a detached rest back at the front, ahead of anything pushed since
 * (it is older). */
static void put_back(ws_inject_t *q, task_queue_t *rest)
{
    ws_lock(&q->lock);
    task_queue_splice(rest, &q->queue); /* rest, then the newer ones */
    q->queue = *rest;
    set_len(q, q->queue.len);
    ws_unlock(&q->lock);
}

task_t *ws_inject_pop_batch(ws_inject_t *q, size_t max, size_t *n)
{
    assert(max >= 1);
    *n = 0;
    if (ws_inject_is_empty(q))
        return NULL; /* the common case on a busy worker: no lock */

    ws_lock(&q->lock);
    task_queue_t all;
    if (max == 1) { /* one task: nothing to walk */
        task_t *t = task_queue_pop(&q->queue);
        set_len(q, q->queue.len);
        ws_unlock(&q->lock);
        *n = t != NULL;
        return t;
    }
    all = q->queue; /* detach everything */
    q->queue = TASK_QUEUE_EMPTY;
    set_len(q, 0);
    ws_unlock(&q->lock);
    if (all.head == NULL)
        return NULL;

    task_queue_t front = take_front(&all, max);
    if (!task_queue_is_empty(&all))
        put_back(q, &all);
    *n = front.len;
    return front.head;
}

task_t *ws_inject_pop(ws_inject_t *q)
{
    size_t n;
    return ws_inject_pop_batch(q, 1, &n);
}

void ws_inject_close(ws_inject_t *q)
{
    ws_lock(&q->lock);
    q->closed = true;
    ws_unlock(&q->lock);
}
