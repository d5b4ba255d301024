/*
 * scenarios/widget.c - the widget leaf and its task, by hand and with macros.
 * See scenarios/widget.h for the picture. Read the two widget_task polls side
 * by side: the macro version is what the hand version looks like once the
 * preprocessor has written the switch for you (core/async.h).
 *
 * Tests: tests/test_async.c, tests/test_spin.c.
 */
#include "scenarios/widget.h"

#include <assert.h>
#include <stddef.h>

#include "core/waker.h"

/* ---- the leaf ------------------------------------------------------------ */

void widget_init(widget_t *w, int pendings, int value)
{
    assert(pendings >= 0);
    *w = (widget_t){.base = {.poll = widget_poll, .drop = NULL},
                    .pendings = pendings,
                    .value = value};
}

/* Not ready yet: ask to be polled again (a yield), then say PENDING. */
poll_t widget_poll(future_t *f, context_t *cx)
{
    widget_t *w = (widget_t *)f;
    if (w->pendings == 0)
        return POLL_READY;
    w->pendings--;
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}

void widget_tally_init(widget_tally_t *t)
{
    atomic_init(&t->done, 0);
    atomic_init(&t->sum, 0);
}

/* Relaxed: counts read after the executor has finished running us. */
static void finish(widget_task_t *t)
{
    t->output = t->widget.value;
    if (t->tally == NULL)
        return;
    atomic_fetch_add_explicit(&t->tally->sum, (uint_fast64_t)t->output,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&t->tally->done, 1, memory_order_relaxed);
}

/* ---- the task, by hand: an explicit state machine ------------------------ */

static poll_t widget_task_poll_hand(future_t *f, context_t *cx)
{
    widget_task_t *t = (widget_task_t *)f;
    switch (t->state) {
    case WIDGET_TASK_START:
        /* The first poll already asks the widget. */
        t->state = WIDGET_TASK_WAITING;
        /* fall through */
    case WIDGET_TASK_WAITING:
        if (future_poll(&t->widget.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        finish(t);
        t->state = WIDGET_TASK_DONE;
        return POLL_READY;
    case WIDGET_TASK_DONE:
        break;
    }
    assert(!"widget task polled after READY");
    return POLL_READY;
}

/* ---- the same task, with the macros of core/async.h ---------------------- */

static poll_t widget_task_poll_async(future_t *f, context_t *cx)
{
    widget_task_t *t = (widget_task_t *)f;
    ASYNC_BEGIN(t);
    AWAIT(t, cx, &t->widget.base);
    finish(t);
    ASYNC_END(t);
}

static void widget_task_init(widget_task_t *t, future_poll_fn poll,
                             int pendings, int value, widget_tally_t *tally)
{
    *t = (widget_task_t){.base = {.poll = poll, .drop = NULL},
                         .state = WIDGET_TASK_START,
                         .async = 0,
                         .tally = tally};
    widget_init(&t->widget, pendings, value);
}

void widget_task_init_hand(widget_task_t *t, int pendings, int value,
                           widget_tally_t *tally)
{
    widget_task_init(t, widget_task_poll_hand, pendings, value, tally);
}

void widget_task_init_async(widget_task_t *t, int pendings, int value,
                            widget_tally_t *tally)
{
    widget_task_init(t, widget_task_poll_async, pendings, value, tally);
}
