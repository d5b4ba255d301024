/*
 * scenarios/widget.h - the "widget" futures of Tokio's Runtime Model document
 * (Tokio 0.1 docs, 2018), the first futures a learner runs (lessons 3-4).
 *
 * Two layers, a tree of two futures in one task:
 *
 *     widget_task_t  (spawned)           the task: awaits its widget,
 *       └── widget_t (inline child)      then records the widget's value
 *
 *   widget_t        the leaf, Rust's `poll_widget()`: answers PENDING
 *                   `pendings` times, then READY with its value. Before each
 *                   PENDING it wakes its waker (it is "ready again at once",
 *                   a yield), so it is an honest future on every executor.
 *   widget_task_t   the task around it, written twice to show that async
 *                   code is a state machine: widget_task_init_hand() is an
 *                   explicit switch over named states, widget_task_init_async()
 *                   the same steps with the ASYNC_BEGIN / AWAIT / ASYNC_END
 *                   macros of core/async.h. They are interchangeable: same
 *                   struct, same sequence of poll results, same wakes, same
 *                   output (tests/test_async.c proves it).
 *
 * A finished task adds its value to a widget_tally_t, if it was given one:
 * atomics, so a tally may be shared by tasks on any executor and thread.
 *
 * Tests: tests/test_async.c, tests/test_spin.c.
 */
#ifndef ASYNCLAB_SCENARIOS_WIDGET_H
#define ASYNCLAB_SCENARIOS_WIDGET_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/async.h"
#include "core/future.h"

typedef struct widget {
    future_t base;
    int pendings; /* PENDING answers still to give */
    int value;    /* the widget, handed out with READY */
} widget_t;

void widget_init(widget_t *w, int pendings, int value);

/* Rust's poll_widget(): the leaf's poll. READY stores nothing: the value
 * stays in w->value for the parent to read. */
poll_t widget_poll(future_t *f, context_t *cx);

/* What finished widget tasks add up to. Any thread, relaxed atomics: the
 * reader looks after the executor has run (run/block_on synchronise). */
typedef struct widget_tally {
    atomic_uint_fast64_t done; /* tasks finished */
    atomic_uint_fast64_t sum;  /* sum of their widget values */
} widget_tally_t;

void widget_tally_init(widget_tally_t *t);

/* The hand-written version's states, in the order it passes them. */
typedef enum widget_task_state {
    WIDGET_TASK_START,   /* not yet polled */
    WIDGET_TASK_WAITING, /* the widget said PENDING last time */
    WIDGET_TASK_DONE,    /* READY was returned; never polled again */
} widget_task_state_t;

typedef struct widget_task {
    future_t base;
    widget_task_state_t state; /* the hand-written poll's resume point */
    async_t async;             /* the macro poll's resume point */
    widget_t widget;           /* the child, awaited in place */
    widget_tally_t *tally;     /* NULL: keep the output to yourself */
    int output;                /* the widget's value, once READY */
} widget_task_t;

/* The task of a widget not ready `pendings` times, then worth `value`. */
void widget_task_init_hand(widget_task_t *t, int pendings, int value,
                           widget_tally_t *tally);
void widget_task_init_async(widget_task_t *t, int pendings, int value,
                            widget_tally_t *tally);

#endif
