/*
 * workstealing/ring.c - the local run queue; the picture and the
 * algorithm's source are in ring.h.
 *
 * Memory orders, in one place. There are two things to publish:
 *
 *   1. a slot's contents, from the owner who writes it to the thief who
 *      reads it: the owner writes buf[i], then stores tail (release); the
 *      thief loads tail (acquire) and only then reads buf[i];
 *   2. a slot's emptiness, from the thief who read it to the owner who
 *      will overwrite it: the thief reads its claimed slots, then moves
 *      steal forward with a CAS (release); the owner loads head (acquire)
 *      before deciding a slot is free to write.
 *
 * A CAS on head that claims slots (a thief's claim, the owner's pop) is
 * acq_rel: it publishes (2) and, as a read of where the others got to,
 * must also see what they published. A CAS that only publishes is
 * release: the end of a steal (finish_steal), and the owner's overflow
 * claim (push_overflow), which moves past slots only it ever wrote.
 *
 * Tests: tests/test_ring.c.
 */
#include "workstealing/ring.h"

#include <assert.h>

/* ---- head = steal << 32 | real ------------------------------------------- */

static uint64_t pack(uint32_t steal, uint32_t real)
{
    return (uint64_t)steal << 32 | real;
}

static uint32_t steal_of(uint64_t head)
{
    return (uint32_t)(head >> 32);
}

static uint32_t real_of(uint64_t head)
{
    return (uint32_t)head;
}

void ws_ring_init_at(ws_ring_t *r, uint32_t start)
{
    atomic_init(&r->head, pack(start, start));
    atomic_init(&r->tail, start);
    atomic_init(&r->max_len, 0);
    for (uint32_t i = 0; i < WS_RING_CAP; i++)
        r->buf[i] = NULL;
}

void ws_ring_init(ws_ring_t *r)
{
    ws_ring_init_at(r, 0);
}

/* ---- owner: push --------------------------------------------------------- */

/* Owner only: the tail, which no one else writes. */
static uint32_t own_tail(ws_ring_t *r)
{
    /* Relaxed: we are the only writer, so we always read our own last
     * store. */
    return atomic_load_explicit(&r->tail, memory_order_relaxed);
}

/* Relaxed: a statistic, written by the owner only. */
static void note_len(ws_ring_t *r, uint32_t len)
{
    if (len > atomic_load_explicit(&r->max_len, memory_order_relaxed))
        atomic_store_explicit(&r->max_len, len, memory_order_relaxed);
}

/*
 * The ring is full and no thief is busy: claim the oldest half by moving
 * both indices at once, and link those 128 plus t into one batch. Fails
 * (false) when a thief moved head first; the caller retries the push,
 * which may now find room.
 */
static bool push_overflow(ws_ring_t *r, task_t *t, uint32_t real,
                          ws_batch_t *out)
{
    const uint32_t half = WS_RING_CAP / 2;
    uint64_t expect = pack(real, real);
    /* Release: pairs with a thief's acquire load of head; a thief that
     * sees the new head also sees that these slots are no longer
     * queued. Failure relaxed: we only retry from scratch. */
    if (!atomic_compare_exchange_strong_explicit(
            &r->head, &expect, pack(real + half, real + half),
            memory_order_release, memory_order_relaxed))
        return false;

    for (uint32_t i = 0; i < half - 1; i++)
        r->buf[(real + i) & WS_RING_MASK]->next =
            r->buf[(real + i + 1) & WS_RING_MASK];
    r->buf[(real + half - 1) & WS_RING_MASK]->next = t;
    t->next = NULL;
    *out = (ws_batch_t){r->buf[real & WS_RING_MASK], t, half + 1};
    return true;
}

bool ws_ring_push_back(ws_ring_t *r, task_t *t, ws_batch_t *overflow)
{
    for (;;) {
        /* Acquire: pairs with the release CAS that ends a steal (see
         * finish_steal): the thief has finished reading the slots it
         * claimed before we may count them free and overwrite them. */
        uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        uint32_t steal = steal_of(head), real = real_of(head);
        uint32_t tail = own_tail(r);

        if (tail - steal < WS_RING_CAP) {
            r->buf[tail & WS_RING_MASK] = t;
            /* Release: pairs with the thief's acquire load of tail; the
             * slot written above is visible before the index that
             * covers it. The owner's one atomic on a push. */
            atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
            note_len(r, tail + 1 - real);
            return true;
        }
        if (steal != real) {
            /* A thief is copying out; it will free half the ring in a
             * moment. Do not wait for it: t alone overflows. */
            t->next = NULL;
            *overflow = (ws_batch_t){t, t, 1};
            return false;
        }
        if (push_overflow(r, t, real, overflow))
            return false;
        /* A thief claimed slots between our load and our CAS: retry. */
    }
}

void ws_ring_push_list(ws_ring_t *r, task_t *first, uint32_t n)
{
    assert(n <= ws_ring_remaining(r));
    uint32_t tail = own_tail(r);
    for (uint32_t i = 0; i < n; i++) {
        task_t *next = first->next;
        first->next = NULL;
        r->buf[(tail + i) & WS_RING_MASK] = first;
        first = next;
    }
    /* Release: pairs with the thieves' acquire load of tail, as in
     * ws_ring_push_back; one store publishes all n slots. */
    atomic_store_explicit(&r->tail, tail + n, memory_order_release);
    note_len(r, ws_ring_len(r));
}

/* ---- owner: pop ---------------------------------------------------------- */

task_t *ws_ring_pop(ws_ring_t *r)
{
    /* Acquire: see where thieves left head (pairs with their CASes). */
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    uint32_t real;
    for (;;) {
        uint32_t steal = steal_of(head);
        real = real_of(head);
        if (real == own_tail(r))
            return NULL;
        /* No steal in progress: move both indices together. During a
         * steal only real moves; the thief moves steal when it is done. */
        uint64_t next =
            steal == real ? pack(real + 1, real + 1) : pack(steal, real + 1);
        /* acq_rel: the CAS is the claim of slot `real` against thieves
         * claiming it at the same time; on failure, acquire the head a
         * thief just wrote and try again with it. */
        if (atomic_compare_exchange_weak_explicit(&r->head, &head, next,
                                                  memory_order_acq_rel,
                                                  memory_order_acquire))
            break;
    }
    return r->buf[real & WS_RING_MASK];
}

/* ---- thieves ------------------------------------------------------------- */

/*
 * Step 1 of a steal: claim half (rounded up) of src's queued tasks by
 * moving real forward while steal stays put. Returns the number claimed
 * (0: empty, or another thief is busy) and the head it installed.
 */
static uint32_t claim(ws_ring_t *src, uint64_t *installed)
{
    /* Acquire: pairs with the owner's and other thieves' CASes on head. */
    uint64_t prev = atomic_load_explicit(&src->head, memory_order_acquire);
    for (;;) {
        uint32_t steal = steal_of(prev), real = real_of(prev);
        if (steal != real)
            return 0; /* another thief is copying: back off */
        /* Acquire: pairs with the owner's release store of tail in
         * push; the slots below tail are written. */
        uint32_t tail = atomic_load_explicit(&src->tail, memory_order_acquire);
        uint32_t n = tail - real;
        n -= n / 2;
        if (n == 0)
            return 0;
        if (n > WS_RING_CAP / 2) {
            /* A torn snapshot: the owner popped and pushed between our
             * two loads, so tail - real exceeds the ring. Look again. */
            prev = atomic_load_explicit(&src->head, memory_order_acquire);
            continue;
        }
        uint64_t next = pack(steal, real + n);
        /* acq_rel: claim against the owner's pops and other thieves. */
        if (atomic_compare_exchange_weak_explicit(&src->head, &prev, next,
                                                  memory_order_acq_rel,
                                                  memory_order_acquire)) {
            *installed = next;
            return n;
        }
    }
}

/*
 * Step 3 of a steal: the slots are copied; move steal up to real so the
 * owner may reuse them and other thieves may steal again. The owner may
 * have popped meanwhile (moving real), so retry with whatever real is.
 */
static void finish_steal(ws_ring_t *src, uint64_t prev)
{
    for (;;) {
        uint32_t real = real_of(prev);
        /* Release: pairs with the owner's acquire load of head in push;
         * our reads of the claimed slots happen before it may reuse
         * them. Failure relaxed: we only retry with the new real. */
        if (atomic_compare_exchange_weak_explicit(
                &src->head, &prev, pack(real, real), memory_order_release,
                memory_order_relaxed))
            return;
        assert(steal_of(prev) != real_of(prev)); /* only we move steal */
    }
}

task_t *ws_ring_steal_into(ws_ring_t *src, ws_ring_t *dst, uint32_t *count)
{
    *count = 0;
    /* Room for half a ring in dst? Free space counts from dst's steal. */
    uint32_t dst_tail = own_tail(dst);
    uint64_t dst_head = atomic_load_explicit(&dst->head, memory_order_acquire);
    if (dst_tail - steal_of(dst_head) > WS_RING_CAP / 2)
        return NULL;

    uint64_t claimed;
    uint32_t n = claim(src, &claimed);
    if (n == 0)
        return NULL;

    /* Step 2: copy the claimed slots, still counted full in src. */
    uint32_t first = steal_of(claimed);
    for (uint32_t i = 0; i < n; i++)
        dst->buf[(dst_tail + i) & WS_RING_MASK] =
            src->buf[(first + i) & WS_RING_MASK];
    finish_steal(src, claimed);

    /* Run the last one at once; publish the others in dst. */
    *count = n;
    task_t *run = dst->buf[(dst_tail + n - 1) & WS_RING_MASK];
    if (n > 1) {
        /* Release: pairs with thieves of dst, as a push would. */
        atomic_store_explicit(&dst->tail, dst_tail + n - 1,
                              memory_order_release);
        note_len(dst, dst_tail + n - 1 - real_of(dst_head));
    }
    return run;
}

/* ---- sizes --------------------------------------------------------------- */

uint32_t ws_ring_remaining(ws_ring_t *r)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return WS_RING_CAP - (own_tail(r) - steal_of(head));
}

uint32_t ws_ring_len(ws_ring_t *r)
{
    /* Acquire both: a snapshot for the park decision ("is anything
     * left to steal?"); pairs with the CASes on head and the store of
     * tail. Read head first: tail only grows, so tail >= real here. */
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    return tail - real_of(head);
}
