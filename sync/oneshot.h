/*
 * sync/oneshot.h - a channel that carries exactly one value, once.
 *
 * Tokio's tokio::sync::oneshot, in C. One task hands one answer to another:
 * "here is your result", "pong". Two ends share one small allocation:
 *
 *   oneshot_tx_t ──┐                      ┌── oneshot_rx_t (a future)
 *                  v                      v
 *           ┌──────────────────────────────────────┐
 *           │ state: flags + 2 references (atomic) │
 *           │ rx_waker: the receiver's task        │
 *           │ value:    uint64_t                   │
 *           └──────────────────────────────────────┘
 *
 * The payload is one uint64_t: an integer, or a pointer through uintptr_t
 * for anything bigger. That keeps the channel at one fixed-size malloc and
 * the value inline in the receiver's output, like every other future's
 * output. A value that was sent but never received is discarded when the
 * channel is freed: if it is a pointer that owns memory, the receiver must
 * take it (or the sender must learn of the drop through -EPIPE first).
 *
 * The receiver IS the future, as in Tokio: awaiting it receives.
 *
 *     oneshot_tx_t tx; oneshot_rx_t rx;
 *     oneshot_channel(&tx, &rx);          // 0 or -ENOMEM
 *     ... give tx to another task (copy the struct, by value) ...
 *     AWAIT(self, cx, &self->rx.base);    // READY: rx.result, rx.value
 *
 * Semantics:
 *  - send before or after the receiver waits: either order works;
 *  - sender dropped without sending: the receiver gets -EPIPE;
 *  - receiver dropped (or closed) before the send: send returns -EPIPE and
 *    the value was not delivered (it was passed by value: the caller still
 *    has it);
 *  - both ends may live on different threads; no locks, no syscalls.
 *
 * Ownership: each end must be finished exactly once. The sender by
 * oneshot_send (which consumes it) or oneshot_tx_drop; the receiver by
 * polling it to READY (which releases the channel) or oneshot_rx_drop
 * (future_drop). Both handles may be copied by value until first use;
 * after that there must be one copy only.
 *
 * Tests: tests/test_sync.c (oneshot_*).
 */
#ifndef ASYNCLAB_SYNC_ONESHOT_H
#define ASYNCLAB_SYNC_ONESHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/future.h"
#include "core/waker.h"

typedef struct oneshot_chan oneshot_chan_t;

typedef struct oneshot_tx {
    oneshot_chan_t *chan; /* NULL once sent or dropped */
} oneshot_tx_t;

typedef struct oneshot_rx {
    future_t base;        /* poll receives; drop = oneshot_rx_drop */
    oneshot_chan_t *chan; /* NULL once received or dropped */
    int result;           /* after READY: 0, or -EPIPE (no value ever) */
    uint64_t value;       /* after READY with result 0: the value */
} oneshot_rx_t;

/* Make a channel: one allocation. 0, or -ENOMEM (tx, rx untouched). */
int oneshot_channel(oneshot_tx_t *tx, oneshot_rx_t *rx);

/*
 * Send value and finish the sender (tx is empty afterwards). Returns 0 when
 * the value is the receiver's, -EPIPE when the receiver was already dropped
 * or closed (the value is not delivered). Never blocks; wakes the receiver
 * if it waits. Precondition: tx was not sent or dropped before.
 */
int oneshot_send(oneshot_tx_t *tx, uint64_t value);

/* Finish the sender without sending: a waiting receiver wakes to -EPIPE.
 * A no-op on a sender already sent or dropped. */
void oneshot_tx_drop(oneshot_tx_t *tx);

/* True when a send would fail: the receiver was dropped or closed. */
bool oneshot_tx_is_closed(const oneshot_tx_t *tx);

/*
 * Take the value without waiting. 0 (the value is in *out and the receiver
 * is finished, as after READY), -EAGAIN (nothing yet; try again), or
 * -EPIPE (no value will ever come).
 */
int oneshot_try_recv(oneshot_rx_t *rx, uint64_t *out);

/*
 * Refuse any send from now on, keeping the receiver: a value sent before
 * the close can still be received; after it, recv reports -EPIPE.
 */
void oneshot_rx_close(oneshot_rx_t *rx);

/* Finish the receiver without (or after) receiving. Same as
 * future_drop(&rx->base); a no-op once the receiver has finished. */
void oneshot_rx_drop(oneshot_rx_t *rx);

#endif
