/*
 * trace/rings.c - the per-thread rings of trace/rings.h.
 *
 * A ring is Lamport's single-producer single-consumer queue (1983): two
 * free-running counters, tail written only by the owning thread, head only
 * by the draining thread, each on its own cache line.
 *
 *            head (consumer)            tail (producer)
 *              v                          v
 *   slots  [ . . e e e e e e e e e e e e . . . . . ]   mask = capacity - 1
 *             drained    waiting to drain    free
 *
 *   full when tail - head == capacity: the event is counted in `dropped`
 *   and thrown away; the producer never waits for the consumer.
 *
 * Ownership: the ring list of a trace_rings_t grows by a lock-free push
 * (each thread pushes its own ring once); rings are freed only by
 * trace_rings_destroy, when no thread emits any more.
 *
 * Tests: tests/test_trace.c.
 */
#include "trace/rings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- per-thread rings ---------------------------------------------------- */

#define CACHE_LINE 64

struct trace_ring {
    /* Written by the consumer (release), read by the producer (acquire):
     * how far the consumer has copied slots out. */
    _Alignas(CACHE_LINE) atomic_uint_fast64_t head;
    /* Written by the owning producer (release), read by the consumer
     * (acquire): how far slots have been filled. */
    _Alignas(CACHE_LINE) atomic_uint_fast64_t tail;
    uint64_t head_seen; /* producer only: head as last read; the shared
                           head is read again only when this says full */
    atomic_uint_fast64_t dropped; /* producer adds, anyone reads: a count */
    /* Set before the ring is published, read-only after. */
    _Alignas(CACHE_LINE) const void *owner; /* the owning thread's token */
    trace_ring_t *next;
    uint64_t mask;
    /* Consumer only: the window of one drain. */
    uint64_t drain_pos, drain_end;
    trace_event_t slots[];
};

/* Process-unique ids for trace_rings_t, so a thread's cached ring can never
 * be mistaken for a ring of a later trace_rings_t at the same address. */
static atomic_uint_fast64_t rings_next_id = 1;

/* This thread's token (its address is unique among live threads) and its
 * one-entry cache: the ring it last wrote to, and whose it was. */
static _Thread_local char thread_token;
static _Thread_local uint64_t cached_rings_id;
static _Thread_local trace_ring_t *cached_ring;

static trace_ring_t *ring_new(uint64_t capacity)
{
    size_t size = sizeof(trace_ring_t) + capacity * sizeof(trace_event_t);
    size = (size + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
    trace_ring_t *ring = aligned_alloc(CACHE_LINE, size);
    if (ring == NULL)
        return NULL;
    atomic_init(&ring->head, 0);
    atomic_init(&ring->tail, 0);
    ring->head_seen = 0;
    atomic_init(&ring->dropped, 0);
    ring->owner = &thread_token;
    ring->next = NULL;
    ring->mask = capacity - 1;
    ring->drain_pos = ring->drain_end = 0;
    return ring;
}

/* Push ring onto r's list. Lock-free: only a compare-and-swap retried. */
static void rings_push(trace_rings_t *r, trace_ring_t *ring)
{
    trace_ring_t *first = atomic_load_explicit(&r->rings, memory_order_relaxed);
    do {
        ring->next = first;
        /* release: pairs with the acquire loads of r->rings in
         * rings_find and trace_rings_drain, which then see the ring's
         * initialised fields; relaxed would let them see a torn ring. */
    } while (!atomic_compare_exchange_weak_explicit(
        &r->rings, &first, ring, memory_order_release, memory_order_relaxed));
}

static trace_ring_t *rings_find(trace_rings_t *r)
{
    /* acquire: pairs with rings_push's release (see there). */
    trace_ring_t *ring = atomic_load_explicit(&r->rings, memory_order_acquire);
    for (; ring != NULL; ring = ring->next)
        if (ring->owner == &thread_token)
            return ring;
    return NULL;
}

/* The calling thread's ring in r, made on first use; NULL when out of
 * memory. Only the calling thread ever produces into the ring returned. */
static trace_ring_t *rings_mine(trace_rings_t *r)
{
    if (cached_rings_id == r->id)
        return cached_ring;
    trace_ring_t *ring = rings_find(r);
    if (ring == NULL) {
        ring = ring_new((uint64_t)r->capacity);
        if (ring == NULL)
            return NULL;
        rings_push(r, ring);
    }
    cached_rings_id = r->id;
    cached_ring = ring;
    return ring;
}

/* The sink's write: the producer side of the ring. Never blocks. */
static void rings_write(trace_sink_t *self, const trace_event_t *ev)
{
    trace_rings_t *r = (trace_rings_t *)self;
    trace_ring_t *ring = rings_mine(r);
    if (ring == NULL) {
        atomic_fetch_add_explicit(&r->lost, 1, memory_order_relaxed);
        return;
    }
    /* relaxed: tail is written only by this thread. */
    uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    if (tail - ring->head_seen > ring->mask) {
        /* acquire: pairs with the consumer's release store of head, so
         * the consumer has finished copying the slots we are about to
         * reuse. Read only when the cached value says full, so the
         * producer does not pull the consumer's cache line every event. */
        ring->head_seen =
            atomic_load_explicit(&ring->head, memory_order_acquire);
        if (tail - ring->head_seen > ring->mask) {
            atomic_fetch_add_explicit(&ring->dropped, 1, memory_order_relaxed);
            return;
        }
    }
    ring->slots[tail & ring->mask] = *ev;
    /* release: pairs with the consumer's acquire load of tail, so it sees
     * the slot's contents written above; relaxed could publish the index
     * before the event. */
    atomic_store_explicit(&ring->tail, tail + 1, memory_order_release);
}

int trace_rings_init(trace_rings_t *r, uint32_t capacity)
{
    if (capacity == 0)
        capacity = TRACE_RING_DEFAULT;
    if (capacity > (1u << 30))
        return -EINVAL;
    uint32_t cap = 1;
    while (cap < capacity)
        cap <<= 1;
    r->sink.write = rings_write;
    r->id = atomic_fetch_add_explicit(&rings_next_id, 1, memory_order_relaxed);
    r->capacity = cap;
    atomic_init(&r->rings, NULL);
    atomic_init(&r->lost, 0);
    trace_clock_init(); /* now, not in a worker's first event */
    return 0;
}

/* Fix each ring's drain window: what its producer has published now. */
static trace_ring_t *drain_begin(trace_rings_t *r)
{
    /* acquire: pairs with rings_push's release (see there). */
    trace_ring_t *first = atomic_load_explicit(&r->rings, memory_order_acquire);
    for (trace_ring_t *ring = first; ring != NULL; ring = ring->next) {
        /* relaxed: head is written only by us, the consumer. */
        ring->drain_pos =
            atomic_load_explicit(&ring->head, memory_order_relaxed);
        /* acquire: pairs with rings_write's release store of tail, so the
         * slots below it are fully written. */
        ring->drain_end =
            atomic_load_explicit(&ring->tail, memory_order_acquire);
    }
    return first;
}

/* The ring whose next undrained event is oldest and not after `until`, or
 * NULL when there is none. Ties go to the ring found first. */
static trace_ring_t *drain_oldest(trace_ring_t *first, uint64_t until)
{
    trace_ring_t *best = NULL;
    uint64_t best_time = 0;
    for (trace_ring_t *ring = first; ring != NULL; ring = ring->next) {
        if (ring->drain_pos == ring->drain_end)
            continue;
        uint64_t t = ring->slots[ring->drain_pos & ring->mask].time_ns;
        if (t <= until && (best == NULL || t < best_time)) {
            best = ring;
            best_time = t;
        }
    }
    return best;
}

/* Slots are handed back to the producer this many at a time, not one by
 * one: each store of head moves a cache line to the producer's core. */
#define DRAIN_BATCH 256

static void drain_release(trace_ring_t *ring)
{
    /* release: pairs with the producer's acquire load of head: the slots
     * below drain_pos were copied out before the producer may overwrite
     * them. */
    atomic_store_explicit(&ring->head, ring->drain_pos, memory_order_release);
}

size_t trace_rings_drain_until(trace_rings_t *r, trace_sink_t *out,
                               uint64_t until)
{
    trace_ring_t *first = drain_begin(r);
    size_t n = 0;
    trace_ring_t *ring;
    while ((ring = drain_oldest(first, until)) != NULL) {
        trace_event_t ev = ring->slots[ring->drain_pos & ring->mask];
        ring->drain_pos++;
        if ((ring->drain_pos & (DRAIN_BATCH - 1)) == 0)
            drain_release(ring);
        out->write(out, &ev);
        n++;
    }
    for (ring = first; ring != NULL; ring = ring->next)
        drain_release(ring);
    return n;
}

/*
 * The watermark is read before the rings' tails: an event stamped after it
 * waits for the next drain, so a later drain cannot deliver anything older
 * than what this one delivered (up to an event stamped but not yet
 * published when the tails were read: a thread preempted inside TRACE).
 * It is trace_now_ns(), the clock trace_emit stamps with (the counter it
 * converts, not CLOCK_MONOTONIC, which it drifts from by parts per
 * million), not a runtime's virtual clock: that belongs to the
 * simulation's thread, and a simulation has one ring, ordered already.
 * Timestamps from a clock that starts at 0 are never held back.
 */
size_t trace_rings_drain(trace_rings_t *r, trace_sink_t *out)
{
    return trace_rings_drain_until(r, out, trace_now_ns());
}

uint64_t trace_rings_dropped(trace_rings_t *r)
{
    uint64_t n = atomic_load_explicit(&r->lost, memory_order_relaxed);
    /* acquire: pairs with rings_push's release (see there). */
    trace_ring_t *ring = atomic_load_explicit(&r->rings, memory_order_acquire);
    for (; ring != NULL; ring = ring->next)
        n += atomic_load_explicit(&ring->dropped, memory_order_relaxed);
    return n;
}

void trace_rings_destroy(trace_rings_t *r)
{
    /* acquire: pairs with rings_push's release; the caller guarantees no
     * producer runs any more, so this is the last access to the list. */
    trace_ring_t *ring =
        atomic_exchange_explicit(&r->rings, NULL, memory_order_acquire);
    while (ring != NULL) {
        trace_ring_t *next = ring->next;
        free(ring);
        ring = next;
    }
}
