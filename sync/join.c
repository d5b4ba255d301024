/*
 * sync/join.c - the join future (see sync/join.h).
 *
 * All the synchronisation is core/task.c's: join_handle_poll keeps our
 * waker in the child's trailer and the child's completion wakes it (the
 * JOIN_WAKER protocol). This file adds the budget, the output, and the
 * ownership of the handle.
 *
 * Tests: tests/test_sync.c (join_*).
 */
#include "sync/join.h"

#include <assert.h>
#include <stddef.h>

#include "core/coop.h"

/* READY when the child completed (finished or cancelled); j->output is
 * then its future, or NULL. */
static poll_t join_poll(future_t *f, context_t *cx)
{
    join_t *j = (join_t *)f;
    assert(j->handle.task != NULL && "join polled after drop");
    if (!j->complete && join_handle_poll(&j->handle, cx) == POLL_PENDING)
        return POLL_PENDING;
    /* COMPLETE never goes back, so remembering it lets a poll that was
     * refused the budget finish next time without asking the task. */
    j->complete = true;
    if (!coop_poll_proceed(cx))
        return POLL_PENDING;
    j->output = join_handle_output(&j->handle);
    return POLL_READY;
}

/* The future's drop: give up the handle (and with it the output). */
static void join_future_drop(future_t *f)
{
    join_t *j = (join_t *)f;
    if (j->handle.task == NULL)
        return;
    join_handle_drop(&j->handle); /* also drops the child's output */
    j->output = NULL;
}

void join_init(join_t *j, join_handle_t h)
{
    assert(h.task != NULL);
    *j = (join_t){.base = {join_poll, join_future_drop}, .handle = h};
}

void join_abort(join_t *j)
{
    if (j->handle.task != NULL)
        join_handle_abort(&j->handle);
}

void join_drop(join_t *j)
{
    join_future_drop(&j->base);
}
