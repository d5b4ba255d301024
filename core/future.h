/*
 * core/future.h - the future: a state machine that is polled until ready.
 *
 * This is Rust's std::future::Future written in C. A future is any struct
 * whose first member is a future_t:
 *
 *     typedef struct widget {
 *         future_t base;      // poll (and drop) live here, always first
 *         int      remaining; // the future's own state
 *         int      output;    // where the result lands when READY
 *     } widget_t;
 *
 * An executor calls base.poll(&w.base, cx) again and again. Each call does
 * as much work as it can without blocking and answers POLL_READY (done; the
 * output is in the struct) or POLL_PENDING (not yet; the future has arranged
 * for cx->waker to be woken when it is worth polling again).
 *
 * Rules every future obeys (tests/test_task.c and the lessons check them):
 *  - poll never blocks.
 *  - PENDING means a waker was kept. Returning PENDING without keeping
 *    cx->waker (or a clone of it) where some event will wake it is a lost
 *    wakeup: the executor that waits for wakes will never poll it again.
 *  - A future is polled by one thread at a time, and never after READY.
 *  - A future may be copied (spawn copies it into the task) until its first
 *    poll. From the first poll on its address is fixed, so it may hand out
 *    pointers to itself (a timer entry, a waiter node). This is Rust's Pin.
 *  - drop, when not NULL, is called exactly once: after READY (to release
 *    the output) or instead of finishing (the task was aborted or the
 *    executor shut down). It releases what the future owns; it never wakes.
 *    A spawn that fails takes nothing: the future is still the caller's
 *    to drop (core/executor.h).
 *
 * The Rust-to-C table is in docs/design.md section 2.
 */
#ifndef ASYNCLAB_CORE_FUTURE_H
#define ASYNCLAB_CORE_FUTURE_H

#include <stddef.h>

typedef enum poll {
    POLL_PENDING = 0,
    POLL_READY = 1,
} poll_t;

typedef struct future future_t;
typedef struct context context_t;

typedef poll_t (*future_poll_fn)(future_t *self, context_t *cx);
typedef void (*future_drop_fn)(future_t *self);

struct future {
    future_poll_fn poll; /* first member of every future struct */
    future_drop_fn drop; /* NULL when the future owns nothing */
};

/* Poll a future. The one call every executor and every AWAIT makes. */
static inline poll_t future_poll(future_t *f, context_t *cx)
{
    return f->poll(f, cx);
}

/* Release what a future owns; see the drop rule above. */
static inline void future_drop(future_t *f)
{
    if (f->drop != NULL)
        f->drop(f);
}

#endif
