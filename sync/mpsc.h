/*
 * sync/mpsc.h - a multi-producer, single-consumer channel of fixed-size
 * elements, bounded (back-pressure) or unbounded.
 *
 * Tokio's tokio::sync::mpsc, in C. Any number of senders (clone them), one
 * receiver. Elements are copied in and out by value: elem_size bytes each,
 * fixed at creation (an int, a struct, a pointer for anything shared).
 *
 *                     one malloc: header + first ring
 *   tx ─┐  ┌─────────────────────────────────────────────────┐
 *   tx ─┼─>│ lock │ senders │ rx_waker │ send waiters (FIFO) │<── rx
 *   tx ─┘  │ ring: [ . . e0 e1 e2 e3 . . . ]                 │
 *          │              ^head      ^head+len               │
 *          └─────────────────────────────────────────────────┘
 *
 * Bounded (capacity > 0): the ring holds capacity elements. A send into a
 * full channel waits (its future queues a waiter node) and each receive
 * hands the freed slot to the first waiting sender: FIFO, nobody barges.
 * Unbounded (MPSC_UNBOUNDED): the ring doubles when full; a send never
 * waits (it may fail with -ENOMEM).
 *
 * Closing:
 *  - every sender dropped: the receiver drains what is buffered, then gets
 *    -EPIPE;
 *  - receiver closed (mpsc_rx_close): sends fail with -EPIPE from then on,
 *    waiting senders wake to -EPIPE, buffered elements stay receivable;
 *  - receiver dropped: as closed, and buffered elements are discarded
 *    (bytes only; if they own memory, drain them first).
 * A send that fails with -EPIPE copied nothing: the element is still the
 * caller's.
 *
 * Handles. The channel counts its live senders and whether the receiver
 * lives; it is freed when the last of them is dropped. A handle may be
 * moved (copy the struct, forget the original: how a sender is given to a
 * task at spawn); a second live sender is made with mpsc_tx_clone. A
 * handle must outlive the futures that borrow it until they are READY
 * (or dropped, if they never get there).
 *
 * Futures. mpsc_send_t and mpsc_recv_t are leaf futures to AWAIT. Both
 * hold pointers (to their handle, to the element, to the output buffer):
 * initialise them where they will be polled (inside the parent's poll,
 * fields of the parent struct) and keep those pointers valid until READY
 * or drop. One recv future at a time per receiver; any number of send
 * futures.
 *
 * Threads: every function may be called from any thread. One mutex per
 * channel, held for a few copies; wakes happen after it is released.
 *
 * Tests: tests/test_sync.c (mpsc_*).
 */
#ifndef ASYNCLAB_SYNC_MPSC_H
#define ASYNCLAB_SYNC_MPSC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/future.h"
#include "core/waker.h"
#include "sync/waitq.h"

#define MPSC_UNBOUNDED 0

typedef struct mpsc_chan mpsc_chan_t;

/* A sending end (see "Handles" above). */
typedef struct mpsc_tx {
    mpsc_chan_t *chan; /* NULL once dropped */
} mpsc_tx_t;

typedef struct mpsc_rx {
    mpsc_chan_t *chan; /* NULL once dropped */
} mpsc_rx_t;

/*
 * Make a channel of elem_size-byte elements (elem_size >= 1) holding at
 * most capacity of them, or MPSC_UNBOUNDED. Returns 0, -EINVAL (elem_size
 * 0, or a ring too large to address) or -ENOMEM; on error tx and rx are
 * untouched.
 */
int mpsc_channel(size_t elem_size, size_t capacity, mpsc_tx_t *tx,
                 mpsc_rx_t *rx);

/* One more sender for the same channel. tx must be live. */
void mpsc_tx_clone(const mpsc_tx_t *tx, mpsc_tx_t *out);

/* Drop a sender; the last one wakes the receiver to see the end. No-op on
 * a dropped handle. Its send futures must be READY or dropped first. */
void mpsc_tx_drop(mpsc_tx_t *tx);

/*
 * Send without waiting. Returns 0 (copied in), -EAGAIN (full, or other
 * senders are already waiting for room), -EPIPE (receiver closed or
 * dropped), -ENOMEM (unbounded ring could not grow).
 */
int mpsc_try_send(mpsc_tx_t *tx, const void *elem);

/*
 * Receive without waiting. Returns 0 (one element copied to out), -EAGAIN
 * (empty, senders still live) or -EPIPE (empty and closed: no element will
 * ever come).
 */
int mpsc_try_recv(mpsc_rx_t *rx, void *out);

/* Refuse sends from now on; buffered elements remain receivable. */
void mpsc_rx_close(mpsc_rx_t *rx);

/* Drop the receiver: close, discard the buffer. No-op when dropped. Its
 * recv future must be READY or dropped first. */
void mpsc_rx_drop(mpsc_rx_t *rx);

/* Elements buffered now (a snapshot; it may change at once). */
size_t mpsc_rx_len(mpsc_rx_t *rx);

/* ---- futures ------------------------------------------------------------- */

/* Send one element, waiting for room. READY: result is 0 (copied in) or
 * -EPIPE / -ENOMEM (nothing copied, the element is still the caller's). */
typedef struct mpsc_send {
    future_t base;
    mpsc_tx_t *tx;         /* borrowed; outlives the future */
    const void *elem;      /* borrowed; read when the copy happens */
    sync__waiter_t waiter; /* queued while the channel is full */
    int result;
} mpsc_send_t;

void mpsc_send_init(mpsc_send_t *f, mpsc_tx_t *tx, const void *elem);

/* Receive one element into out. READY: result is 0 (out holds it) or
 * -EPIPE (closed and drained). Cancel-safe: dropping it before READY
 * loses no element. */
typedef struct mpsc_recv {
    future_t base;
    mpsc_rx_t *rx;   /* borrowed; outlives the future */
    void *out;       /* elem_size bytes, written only on READY with 0 */
    bool registered; /* this future left a waker in the channel */
    int result;
} mpsc_recv_t;

void mpsc_recv_init(mpsc_recv_t *f, mpsc_rx_t *rx, void *out);

#endif
