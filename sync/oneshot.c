/*
 * sync/oneshot.c - the one-value channel, lock-free (see sync/oneshot.h).
 *
 * The design is Tokio's oneshot (2019-2023): everything the two ends race
 * on is one atomic word, and the receiver's waker slot is handed between
 * them by a bit in that word, never by a lock.
 *
 *   bit 0 RX_WAKER   the slot holds the receiver's waker and the sender
 *                    may READ it (to wake). Clear: only the receiver may
 *                    touch the slot.
 *   bit 1 TX_DONE    the sender is finished (sent or dropped)
 *   bit 2 VALUE      value holds a sent value (set with TX_DONE)
 *   bit 3 RX_CLOSED  the receiver closed or finished: sends fail
 *   bits 4.. references: 2 at birth (tx, rx); the last one frees
 *
 *   sender                                receiver (polls)
 *   write value                           write rx_waker (slot is ours)
 *   CAS: +TX_DONE +VALUE ──(acq_rel)──┐   CAS: +RX_WAKER, fails if TX_DONE
 *     saw RX_WAKER? wake_by_ref(slot) │     failed: TX_DONE came first,
 *   drop its reference                └──>  so read value now
 *
 * The receiver replaces its waker by first clearing RX_WAKER (a CAS that
 * fails once TX_DONE is set), so it never writes the slot while the sender
 * may read it. The sender only reads the slot: the waker stays there until
 * the receiver replaces it or the channel is freed.
 *
 * Tests: tests/test_sync.c (oneshot_*).
 */
#include "sync/oneshot.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/coop.h"

enum {
    RX_WAKER = 1u << 0,
    TX_DONE = 1u << 1,
    VALUE = 1u << 2,
    RX_CLOSED = 1u << 3,
};
#define REF_ONE ((uint64_t)1 << 4)

struct oneshot_chan {
    _Atomic uint64_t state; /* any thread; see the bit table above */
    waker_t rx_waker;       /* by the RX_WAKER protocol above */
    uint64_t value;         /* written by the sender before VALUE is
                               published, read by the receiver after */
};

static poll_t rx_poll(future_t *f, context_t *cx);
static void rx_drop(future_t *f);

int oneshot_channel(oneshot_tx_t *tx, oneshot_rx_t *rx)
{
    oneshot_chan_t *c = malloc(sizeof *c);
    if (c == NULL)
        return -ENOMEM;
    atomic_init(&c->state, 2 * REF_ONE);
    c->rx_waker = WAKER_EMPTY;
    c->value = 0;
    tx->chan = c;
    *rx = (oneshot_rx_t){.base = {rx_poll, rx_drop}, .chan = c};
    return 0;
}

/* The last reference is gone: nobody else can see c. */
static void chan_free(oneshot_chan_t *c)
{
    waker_drop(&c->rx_waker);
    free(c);
}

/* Drop one reference. acq_rel: release our writes to c before another
 * thread frees it; acquire everyone's writes if we are the one to free. */
static void chan_unref(oneshot_chan_t *c)
{
    uint64_t prev =
        atomic_fetch_sub_explicit(&c->state, REF_ONE, memory_order_acq_rel);
    if (prev / REF_ONE == 1)
        chan_free(c);
}

/* ---- the sender ---------------------------------------------------------- */

/*
 * Finish the sender: set TX_DONE (and VALUE if sending and the receiver
 * still listens), wake a registered receiver, drop the sender's reference.
 * Returns the state before. When no waker is registered the reference is
 * dropped in the same CAS (one atomic operation for the common send).
 */
static uint64_t tx_finish(oneshot_chan_t *c, bool with_value)
{
    /* Acquire on the load and the CAS: pairs with the receiver's release
     * CAS that set RX_WAKER, so the slot's contents are visible to us. */
    uint64_t cur = atomic_load_explicit(&c->state, memory_order_acquire);
    uint64_t next;
    do {
        next = cur | TX_DONE;
        if (with_value && !(cur & RX_CLOSED))
            next |= VALUE;
        if (!(cur & RX_WAKER))
            next -= REF_ONE; /* nothing left to do with c after this */
    } while (!atomic_compare_exchange_weak_explicit(
        &c->state, &cur, next, memory_order_acq_rel, memory_order_acquire));

    if (cur & RX_WAKER) {
        /* The receiver can no longer write the slot: its CASes fail on
         * TX_DONE. We read it, wake, then let go of c. */
        waker_wake_by_ref(&c->rx_waker);
        chan_unref(c);
    } else if (next / REF_ONE == 0) {
        chan_free(c);
    }
    return cur;
}

int oneshot_send(oneshot_tx_t *tx, uint64_t value)
{
    oneshot_chan_t *c = tx->chan;
    assert(c != NULL && "oneshot_send on a finished sender");
    tx->chan = NULL;
    /* Plain write: the receiver reads value only after seeing VALUE,
     * which the release half of tx_finish's CAS publishes after this. */
    c->value = value;
    uint64_t prev = tx_finish(c, true);
    return (prev & RX_CLOSED) ? -EPIPE : 0;
}

void oneshot_tx_drop(oneshot_tx_t *tx)
{
    if (tx->chan == NULL)
        return;
    tx_finish(tx->chan, false);
    tx->chan = NULL;
}

bool oneshot_tx_is_closed(const oneshot_tx_t *tx)
{
    if (tx->chan == NULL)
        return true;
    /* Relaxed: a hint that may be stale the moment it is read; the send
     * itself decides under its CAS. */
    return atomic_load_explicit(&tx->chan->state, memory_order_relaxed) &
           RX_CLOSED;
}

/* ---- the receiver -------------------------------------------------------- */

/* Clear RX_WAKER to regain the slot. False: the sender finished first
 * (it may be reading the slot; we must leave it alone). */
static bool rx_reclaim_slot(oneshot_chan_t *c, uint64_t *cur)
{
    /* acq_rel, pairing with tx_finish's CAS: exactly one of the two sees
     * the other's bit, so the slot has one owner at every moment. */
    do {
        if (*cur & TX_DONE)
            return false;
    } while (!atomic_compare_exchange_weak_explicit(
        &c->state, cur, *cur & ~(uint64_t)RX_WAKER, memory_order_acq_rel,
        memory_order_acquire));
    *cur &= ~(uint64_t)RX_WAKER;
    return true;
}

/* Publish the slot with RX_WAKER. False: the sender finished first. */
static bool rx_publish_slot(oneshot_chan_t *c, uint64_t *cur)
{
    /* acq_rel: the release half makes the waker just written into the
     * slot visible to a sender that sees RX_WAKER (the acquire half of
     * its CAS); acquire, also on failure, because a receiver that finds
     * TX_DONE goes on to read the value the sender wrote before it. */
    do {
        if (*cur & TX_DONE)
            return false;
    } while (!atomic_compare_exchange_weak_explicit(
        &c->state, cur, *cur | RX_WAKER, memory_order_acq_rel,
        memory_order_acquire));
    *cur |= RX_WAKER;
    return true;
}

/*
 * Finish the receiver. First take back our waker if the sender has not
 * claimed it, so an aborted task is not kept alive by a channel that will
 * never wake it; this comes before our reference goes, since after that
 * the sender may free c. Then set RX_CLOSED (sends fail from here) and
 * drop the reference, in one CAS.
 */
static void rx_release(oneshot_rx_t *rx)
{
    oneshot_chan_t *c = rx->chan;
    rx->chan = NULL;
    uint64_t cur = atomic_load_explicit(&c->state, memory_order_acquire);
    if ((cur & RX_WAKER) && rx_reclaim_slot(c, &cur))
        waker_drop(&c->rx_waker);

    uint64_t next;
    do {
        next = (cur | RX_CLOSED) - REF_ONE;
    } while (!atomic_compare_exchange_weak_explicit(
        &c->state, &cur, next, memory_order_acq_rel, memory_order_acquire));
    if (next / REF_ONE == 0)
        chan_free(c);
}

/* Keep cx's waker in the slot. False: the sender finished meanwhile and
 * the caller should look at the state again instead of waiting. */
static bool rx_register(oneshot_chan_t *c, uint64_t cur, context_t *cx)
{
    if (cur & RX_WAKER) {
        /* Reading the slot while RX_WAKER is set is fine: the sender
         * only ever reads it too. */
        if (waker_will_wake(&c->rx_waker, cx->waker))
            return true;
        if (!rx_reclaim_slot(c, &cur))
            return false;
    }
    waker_drop(&c->rx_waker);
    c->rx_waker = waker_clone(cx->waker);
    if (!rx_publish_slot(c, &cur)) {
        waker_drop(&c->rx_waker); /* still ours: RX_WAKER never got set */
        return false;
    }
    return true;
}

/* The outcome is known (value, or closed): finish like READY does. */
static int rx_complete(oneshot_rx_t *rx, uint64_t state)
{
    if (state & VALUE) {
        rx->value = rx->chan->value;
        rx->result = 0;
    } else {
        rx->result = -EPIPE;
    }
    rx_release(rx);
    return rx->result;
}

/* READY once the value came or never will (rx->result says which);
 * otherwise keeps cx's waker in the slot. */
static poll_t rx_poll(future_t *f, context_t *cx)
{
    oneshot_rx_t *rx = (oneshot_rx_t *)f;
    if (rx->chan == NULL)
        return POLL_READY; /* finished by try_recv: result is set */
    for (;;) {
        /* Acquire: pairs with the sender's release CAS that set VALUE,
         * so rx->chan->value is the sent one. */
        uint64_t cur =
            atomic_load_explicit(&rx->chan->state, memory_order_acquire);
        if (cur & (VALUE | TX_DONE | RX_CLOSED)) {
            /* The outcome cannot change now: safe to spend budget first. */
            if (!coop_poll_proceed(cx))
                return POLL_PENDING;
            rx_complete(rx, cur);
            return POLL_READY;
        }
        if (rx_register(rx->chan, cur, cx))
            return POLL_PENDING;
    }
}

/* The future's drop: finish the receiver unless READY already did. */
static void rx_drop(future_t *f)
{
    oneshot_rx_t *rx = (oneshot_rx_t *)f;
    if (rx->chan != NULL)
        rx_release(rx);
}

int oneshot_try_recv(oneshot_rx_t *rx, uint64_t *out)
{
    if (rx->chan == NULL)
        return -EPIPE;
    uint64_t cur = atomic_load_explicit(&rx->chan->state, memory_order_acquire);
    if (!(cur & (VALUE | TX_DONE | RX_CLOSED)))
        return -EAGAIN;
    int err = rx_complete(rx, cur);
    if (err == 0)
        *out = rx->value;
    return err;
}

void oneshot_rx_close(oneshot_rx_t *rx)
{
    if (rx->chan == NULL)
        return;
    /* Relaxed: the bit publishes no data. All RMWs on state form one
     * modification order, so the sender's CAS in tx_finish either sees
     * RX_CLOSED (the send fails) or came first (its value stays ours). */
    atomic_fetch_or_explicit(&rx->chan->state, RX_CLOSED, memory_order_relaxed);
}

void oneshot_rx_drop(oneshot_rx_t *rx)
{
    rx_drop(&rx->base);
}
