/*
 * sync/join.h - await another task's output (and abort it): the join
 * future around core/task.h's join_handle_t.
 *
 * Tokio's JoinHandle is itself a future; here the handle is two words and
 * the future is a separate struct that owns it, so a task can AWAIT it:
 *
 *     join_handle_t h;
 *     spawn(&child.base, sizeof child, "child", &h);
 *     join_init(&self->join, h);               // the future owns h now
 *     AWAIT(self, cx, &self->join.base);
 *     child_t *out = JOIN_OUTPUT(&self->join, child_t);  // NULL: aborted
 *
 *   parent task                           child task
 *   ┌──────────────┐    join_handle_t    ┌────────────────────────┐
 *   │ join_t       │ ─────────────────>  │ header: state word     │
 *   │  handle      │    (a reference)    │ future (its output)    │
 *   │  output ─────┼──── after READY ──> │ trailer: join waker ───┼─> parent
 *   └──────────────┘                     └────────────────────────┘
 *
 * The output is the child's future struct, where its poll left its result;
 * it stays valid until the join future is dropped, which also drops the
 * child's output (its future's drop). Dropping a join future that is still
 * pending detaches the child: it runs on, and nobody reads its output.
 *
 * Threads: the child may complete on any thread; the join future is polled
 * by its own task only. join_abort may be called from any thread.
 *
 * Tests: tests/test_sync.c (join_*).
 */
#ifndef ASYNCLAB_SYNC_JOIN_H
#define ASYNCLAB_SYNC_JOIN_H

#include <stdbool.h>

#include "core/future.h"
#include "core/task.h"

typedef struct join {
    future_t base;
    join_handle_t handle; /* owned; task NULL once dropped */
    future_t *output;     /* after READY: the child's future, or NULL when
                             the child was aborted before it finished */
    bool complete;        /* the child completed (seen by this future) */
} join_t;

/* Make j the owner of h (h must not be used or dropped by the caller
 * afterwards). j may be copied until its first poll. */
void join_init(join_t *j, join_handle_t h);

/*
 * Ask the child to stop: it is dropped before its next poll (at once if
 * idle; when its current poll returns if running); a finished child is
 * left alone. The join future then completes with output NULL.
 */
void join_abort(join_t *j);

/* The child's future after READY, as its own type; NULL when aborted. */
#define JOIN_OUTPUT(j, type) ((type *)(void *)(j)->output)

/* Drop the handle and the child's output. Same as future_drop(&j->base);
 * a no-op the second time. */
void join_drop(join_t *j);

#endif
