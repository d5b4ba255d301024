/*
 * sync/mpsc.c - the multi-producer, single-consumer channel (see
 * sync/mpsc.h for the picture and the semantics).
 *
 * A ring of fixed-size slots under one mutex. Why a mutex and not Tokio's
 * lock-free block list: every operation is a few bytes copied and two or
 * three fields updated, so the lock is held for tens of nanoseconds, and a
 * learner can read every state change in one place. Wakes (and waker
 * drops, which may free a task) always happen after the unlock.
 *
 * Back-pressure follows Tokio's bounded channel, a semaphore of capacity
 * permits (2020): a receive frees a slot and, if senders wait, RESERVES it
 * for the first of them (reserved++) before waking it, so
 *
 *     len + reserved <= capacity, always, and
 *     senders wait  =>  len + reserved == capacity.
 *
 * A newcomer may take a free slot only when nobody waits. A granted sender
 * that is dropped before it sends hands its slot to the next waiter.
 *
 * Growth (unbounded only) doubles the ring under the lock: O(len) once in
 * a while, amortised O(1) per send, and a malloc under a lock we accept
 * because it is rare (log2 of the peak length times in a channel's life).
 *
 * Tests: tests/test_sync.c (mpsc_*).
 */
#include "sync/mpsc.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Why a send waiter's grant was set (sync__waiter_t.grant). */
enum {
    GRANT_SLOT = 1,   /* a slot is reserved for it: reserved counts it */
    GRANT_CLOSED = 2, /* woken because the receiver closed */
};

/* The first ring of an unbounded channel: at most this many bytes. */
#define UNBOUNDED_FIRST_RING_BYTES 1024
#define UNBOUNDED_FIRST_RING_MAX   32

struct mpsc_chan {
    pthread_mutex_t lock;
    /* ---- under lock ---- */
    unsigned char *ring; /* slots * elem_size bytes; first = inline_ring */
    size_t slots;        /* a power of two, >= capacity */
    size_t head;         /* slot of the oldest element */
    size_t len;          /* elements in the ring */
    size_t reserved;     /* slots granted to waiting senders, unfilled */
    size_t senders;      /* live mpsc_tx_t handles */
    bool rx_alive;       /* the receiver has not been dropped */
    bool closed;         /* sends fail: receiver closed or dropped */
    waker_t rx_waker;    /* the receiver's recv future, when waiting */
    sync__waitq_t send_waiters; /* bounded only: senders waiting for room */
    /* ---- read-only after creation ---- */
    size_t elem_size;
    size_t capacity;             /* 0: unbounded */
    unsigned char inline_ring[]; /* the first ring, same allocation */
};

/* ---- the ring (under lock) ----------------------------------------------- */

static unsigned char *slot_at(mpsc_chan_t *c, size_t i)
{
    return c->ring + ((c->head + i) & (c->slots - 1)) * c->elem_size;
}

/* Double the ring, keeping the order. 0 or -ENOMEM (ring unchanged). */
static int ring_grow(mpsc_chan_t *c)
{
    if (c->slots > SIZE_MAX / 2 / c->elem_size)
        return -ENOMEM;
    unsigned char *bigger = malloc(2 * c->slots * c->elem_size);
    if (bigger == NULL)
        return -ENOMEM;
    size_t first = c->slots - c->head; /* from head to the ring's end */
    if (first > c->len)
        first = c->len;
    memcpy(bigger, slot_at(c, 0), first * c->elem_size);
    memcpy(bigger + first * c->elem_size, c->ring,
           (c->len - first) * c->elem_size);
    if (c->ring != c->inline_ring)
        free(c->ring);
    c->ring = bigger;
    c->slots *= 2;
    c->head = 0;
    return 0;
}

static int ring_push(mpsc_chan_t *c, const void *elem)
{
    if (c->len == c->slots) {
        assert(c->capacity == MPSC_UNBOUNDED);
        int err = ring_grow(c);
        if (err != 0)
            return err;
    }
    memcpy(slot_at(c, c->len), elem, c->elem_size);
    c->len++;
    return 0;
}

static void ring_pop(mpsc_chan_t *c, void *out)
{
    assert(c->len > 0);
    memcpy(out, slot_at(c, 0), c->elem_size);
    c->head = (c->head + 1) & (c->slots - 1);
    c->len--;
}

/* ---- creation and the handles -------------------------------------------- */

static size_t pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n)
        p *= 2;
    return p;
}

/* Slots of the first ring, or 0 when the sizes cannot be addressed. */
static size_t first_ring_slots(size_t elem_size, size_t capacity)
{
    if (capacity > SIZE_MAX / 4)
        return 0;
    size_t slots;
    if (capacity != MPSC_UNBOUNDED) {
        slots = pow2_at_least(capacity);
    } else {
        slots = UNBOUNDED_FIRST_RING_MAX;
        while (slots > 1 && slots * elem_size > UNBOUNDED_FIRST_RING_BYTES)
            slots /= 2;
    }
    if (slots > (SIZE_MAX - sizeof(mpsc_chan_t)) / elem_size)
        return 0;
    return slots;
}

int mpsc_channel(size_t elem_size, size_t capacity, mpsc_tx_t *tx,
                 mpsc_rx_t *rx)
{
    size_t slots = elem_size == 0 ? 0 : first_ring_slots(elem_size, capacity);
    if (slots == 0)
        return -EINVAL;
    mpsc_chan_t *c = malloc(sizeof *c + slots * elem_size);
    if (c == NULL)
        return -ENOMEM;
    int err = pthread_mutex_init(&c->lock, NULL);
    if (err != 0) {
        free(c);
        return -err;
    }
    c->ring = c->inline_ring;
    c->slots = slots;
    c->head = c->len = c->reserved = 0;
    c->senders = 1;
    c->rx_alive = true;
    c->closed = false;
    c->rx_waker = WAKER_EMPTY;
    c->send_waiters = SYNC__WAITQ_EMPTY;
    c->elem_size = elem_size;
    c->capacity = capacity;
    tx->chan = rx->chan = c;
    return 0;
}

static void chan_free(mpsc_chan_t *c)
{
    assert(sync__waitq_is_empty(&c->send_waiters));
    waker_drop(&c->rx_waker);
    if (c->ring != c->inline_ring)
        free(c->ring);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void mpsc_tx_clone(const mpsc_tx_t *tx, mpsc_tx_t *out)
{
    mpsc_chan_t *c = tx->chan;
    assert(c != NULL && "mpsc_tx_clone of a dropped sender");
    pthread_mutex_lock(&c->lock);
    c->senders++;
    pthread_mutex_unlock(&c->lock);
    out->chan = c;
}

void mpsc_tx_drop(mpsc_tx_t *tx)
{
    mpsc_chan_t *c = tx->chan;
    if (c == NULL)
        return;
    tx->chan = NULL;
    waker_t rx = WAKER_EMPTY;
    pthread_mutex_lock(&c->lock);
    assert(c->senders > 0);
    bool last_sender = --c->senders == 0;
    if (last_sender)
        rx = waker_take(&c->rx_waker); /* it will see the end */
    bool last_handle = last_sender && !c->rx_alive;
    pthread_mutex_unlock(&c->lock);

    if (waker_is_set(&rx))
        waker_wake(&rx);
    if (last_handle)
        chan_free(c);
}

/* ---- sending ------------------------------------------------------------- */

/* Room for a sender that holds no reserved slot. Under lock. */
static bool room_for_newcomer(const mpsc_chan_t *c)
{
    if (c->capacity == MPSC_UNBOUNDED)
        return true;
    return sync__waitq_is_empty(&c->send_waiters) &&
           c->len + c->reserved < c->capacity;
}

/* Copy elem in and take the receiver's waker to wake. Under lock. */
static int push_and_notify(mpsc_chan_t *c, const void *elem, waker_t *rx)
{
    int err = ring_push(c, elem);
    if (err == 0)
        *rx = waker_take(&c->rx_waker);
    return err;
}

int mpsc_try_send(mpsc_tx_t *tx, const void *elem)
{
    mpsc_chan_t *c = tx->chan;
    waker_t rx = WAKER_EMPTY;
    int err;
    pthread_mutex_lock(&c->lock);
    if (c->closed)
        err = -EPIPE;
    else if (!room_for_newcomer(c))
        err = -EAGAIN;
    else
        err = push_and_notify(c, elem, &rx);
    pthread_mutex_unlock(&c->lock);
    if (waker_is_set(&rx))
        waker_wake(&rx);
    return err;
}

/*
 * A slot was freed (an element received, or a reservation given back):
 * reserve it for the first waiting sender, if any. Returns that sender's
 * waker for the caller to wake after unlocking. Under lock.
 */
static waker_t hand_slot_on(mpsc_chan_t *c)
{
    if (c->capacity == MPSC_UNBOUNDED || c->closed ||
        sync__waitq_is_empty(&c->send_waiters))
        return WAKER_EMPTY;
    assert(c->len + c->reserved < c->capacity);
    c->reserved++;
    return sync__waitq_grant_front(&c->send_waiters, GRANT_SLOT);
}

/*
 * The send's outcome is decided (room, or closed): do it. had_slot: a slot
 * was reserved for this send (now used, or given up when closed). Returns
 * the result; *rx gets the receiver's waker to wake after unlocking.
 * Under lock.
 */
static int send_commit(mpsc_chan_t *c, bool had_slot, const void *elem,
                       waker_t *rx)
{
    if (had_slot)
        c->reserved--;
    if (c->closed)
        return -EPIPE;
    /* Only unbounded rings grow, so a reserved slot never meets -ENOMEM. */
    return push_and_notify(c, elem, rx);
}

/*
 * READY when the element is in (or the channel closed). A newcomer takes
 * free room only when nobody waits; otherwise it queues and is woken with
 * a slot reserved for it.
 */
static poll_t send_poll(future_t *f, context_t *cx)
{
    mpsc_send_t *s = (mpsc_send_t *)f;
    mpsc_chan_t *c = s->tx->chan;
    waker_t rx = WAKER_EMPTY;

    pthread_mutex_lock(&c->lock);
    bool had_slot = s->waiter.grant == GRANT_SLOT;
    if (!c->closed && !had_slot && (s->waiter.queued || !room_for_newcomer(c)))
        return sync__waitq_park(&c->send_waiters, &s->waiter, cx, &c->lock);
    if (!sync__budget_take()) /* keeps its slot, if it has one */
        return sync__budget_refused(&c->lock, cx);
    waker_t mine = sync__waiter_finish(&c->send_waiters, &s->waiter);
    s->result = send_commit(c, had_slot, s->elem, &rx);
    pthread_mutex_unlock(&c->lock);

    waker_drop(&mine);
    if (waker_is_set(&rx))
        waker_wake(&rx);
    return POLL_READY;
}

/* A dropped sender's reserved slot goes to the next waiter. Under lock. */
static waker_t pass_slot(void *c)
{
    ((mpsc_chan_t *)c)->reserved--;
    return hand_slot_on(c);
}

/* Dropped before READY: leave the queue, and pass on a reserved slot. */
static void send_drop(future_t *f)
{
    mpsc_send_t *s = (mpsc_send_t *)f;
    if (!s->waiter.involved)
        return; /* finished: its sender may be gone already */
    mpsc_chan_t *c = s->tx->chan;
    sync__waiter_abandon(&s->waiter, &c->send_waiters, &c->lock, GRANT_SLOT,
                         pass_slot, c);
}

void mpsc_send_init(mpsc_send_t *f, mpsc_tx_t *tx, const void *elem)
{
    assert(tx->chan != NULL);
    *f = (mpsc_send_t){
        .base = {send_poll, send_drop},
        .tx = tx,
        .elem = elem,
        .waiter = SYNC__WAITER_INIT,
    };
}

/* ---- receiving ----------------------------------------------------------- */

/* Nothing more will arrive once the buffer is empty. Under lock. */
static bool recv_ended(const mpsc_chan_t *c)
{
    return c->senders == 0 || c->closed;
}

/* Take one element (or the end) into out. Under lock; the caller wakes
 * *sender after unlocking. Precondition: len > 0 or recv_ended. */
static int recv_commit(mpsc_chan_t *c, void *out, waker_t *sender)
{
    if (c->len == 0)
        return -EPIPE;
    ring_pop(c, out);
    *sender = hand_slot_on(c);
    return 0;
}

int mpsc_try_recv(mpsc_rx_t *rx, void *out)
{
    mpsc_chan_t *c = rx->chan;
    waker_t sender = WAKER_EMPTY;
    int err = -EAGAIN;
    pthread_mutex_lock(&c->lock);
    if (c->len > 0 || recv_ended(c))
        err = recv_commit(c, out, &sender);
    pthread_mutex_unlock(&c->lock);
    if (waker_is_set(&sender))
        waker_wake(&sender);
    return err;
}

/* READY with an element (or the end); otherwise keeps cx's waker as the
 * channel's one rx_waker, which the next send takes and wakes. */
static poll_t recv_poll(future_t *f, context_t *cx)
{
    mpsc_recv_t *r = (mpsc_recv_t *)f;
    mpsc_chan_t *c = r->rx->chan;
    waker_t sender = WAKER_EMPTY;

    pthread_mutex_lock(&c->lock);
    if (c->len == 0 && !recv_ended(c)) {
        waker_register(&c->rx_waker, cx);
        r->registered = true;
        pthread_mutex_unlock(&c->lock);
        return POLL_PENDING;
    }
    if (!sync__budget_take()) /* the element stays queued */
        return sync__budget_refused(&c->lock, cx);
    r->result = recv_commit(c, r->out, &sender);
    waker_t stale = waker_take(&c->rx_waker); /* leave nothing behind */
    r->registered = false;
    pthread_mutex_unlock(&c->lock);

    waker_drop(&stale);
    if (waker_is_set(&sender))
        waker_wake(&sender);
    return POLL_READY;
}

/* Dropped while waiting: take our waker back out of the channel. */
static void recv_drop(future_t *f)
{
    mpsc_recv_t *r = (mpsc_recv_t *)f;
    if (!r->registered)
        return;
    mpsc_chan_t *c = r->rx->chan;
    pthread_mutex_lock(&c->lock);
    waker_t stale = waker_take(&c->rx_waker);
    pthread_mutex_unlock(&c->lock);
    waker_drop(&stale);
    r->registered = false;
}

void mpsc_recv_init(mpsc_recv_t *f, mpsc_rx_t *rx, void *out)
{
    assert(rx->chan != NULL);
    *f = (mpsc_recv_t){
        .base = {recv_poll, recv_drop},
        .rx = rx,
        .out = out,
    };
}

size_t mpsc_rx_len(mpsc_rx_t *rx)
{
    pthread_mutex_lock(&rx->chan->lock);
    size_t n = rx->chan->len;
    pthread_mutex_unlock(&rx->chan->lock);
    return n;
}

/* ---- closing ------------------------------------------------------------- */

/* Set closed and wake every waiting sender (to -EPIPE), a batch per lock
 * hold, waking outside the lock. */
static void close_and_wake_senders(mpsc_chan_t *c)
{
    waker_t batch[SYNC__WAKE_BATCH];
    size_t n;
    do {
        pthread_mutex_lock(&c->lock);
        c->closed = true;
        n = sync__waitq_grant_batch(&c->send_waiters, GRANT_CLOSED, batch,
                                    SYNC__WAKE_BATCH);
        pthread_mutex_unlock(&c->lock);
        sync__wake_all(batch, n);
    } while (n == SYNC__WAKE_BATCH);
}

void mpsc_rx_close(mpsc_rx_t *rx)
{
    if (rx->chan != NULL)
        close_and_wake_senders(rx->chan);
}

void mpsc_rx_drop(mpsc_rx_t *rx)
{
    mpsc_chan_t *c = rx->chan;
    if (c == NULL)
        return;
    rx->chan = NULL;
    close_and_wake_senders(c);

    pthread_mutex_lock(&c->lock);
    c->rx_alive = false;
    c->len = 0; /* discard what was buffered */
    waker_t stale = waker_take(&c->rx_waker);
    bool last_handle = c->senders == 0;
    pthread_mutex_unlock(&c->lock);

    waker_drop(&stale);
    if (last_handle)
        chan_free(c);
}
