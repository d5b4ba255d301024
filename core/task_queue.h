/*
 * core/task_queue.h - a FIFO of tasks linked through task->next: the run
 * queue of the spin and notify executors, the blocking pool's queue and
 * the work-stealing inject queue are each one of these (with a lock, or
 * owned by one thread: the queue itself takes none).
 *
 *     head ──> [t1] ──> [t4] ──> [t2] <── tail        len = 3
 *      ^ pop takes the oldest            ^ push appends
 *
 * Intrusive: a task is in at most one queue at a time (NOTIFIED says so,
 * core/task.h), so the link lives in the task and queueing never
 * allocates. Each entry holds the task's queue reference.
 *
 * Tests: tests/test_task.c (task_queue_*).
 */
#ifndef ASYNCLAB_CORE_TASK_QUEUE_H
#define ASYNCLAB_CORE_TASK_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/task.h"

typedef struct task_queue {
    task_t *head; /* oldest, or NULL */
    task_t *tail; /* newest, or NULL */
    size_t len;
} task_queue_t;

#define TASK_QUEUE_EMPTY ((task_queue_t){NULL, NULL, 0})

static inline bool task_queue_is_empty(const task_queue_t *q)
{
    return q->head == NULL;
}

/* Append t at the back. */
static inline void task_queue_push(task_queue_t *q, task_t *t)
{
    t->next = NULL;
    if (q->tail != NULL)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
    q->len++;
}

/* Take the oldest, or NULL when empty. */
static inline task_t *task_queue_pop(task_queue_t *q)
{
    task_t *t = q->head;
    if (t == NULL)
        return NULL;
    q->head = t->next;
    if (q->head == NULL)
        q->tail = NULL;
    t->next = NULL;
    q->len--;
    return t;
}

/* Move all of src to the back of dst in O(1); src is left empty. */
static inline void task_queue_splice(task_queue_t *dst, task_queue_t *src)
{
    if (src->head == NULL)
        return;
    if (dst->tail != NULL)
        dst->tail->next = src->head;
    else
        dst->head = src->head;
    dst->tail = src->tail;
    dst->len += src->len;
    *src = TASK_QUEUE_EMPTY;
}

#endif
