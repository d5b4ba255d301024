/*
 * core/trace.c - emitting events; the sinks: hash, per-thread rings, trace
 * files (writer and reader); the task-name table.
 *
 * The hash is 64-bit FNV-1a (Fowler, Noll, Vo, 1991) over each event's
 * fields in a fixed order, so it does not depend on struct padding. The
 * file's checksum is the same function over its bytes.
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
 * The file format (writer and reader) is in core/trace_file.c.
 *
 * Tests: tests/test_trace.c.
 */
#include "core/trace.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void trace_emit(trace_sink_t *sink, trace_kind_t kind, uint32_t worker,
                uint64_t task, uint64_t a, uint64_t b)
{
    trace_event_t ev = {
        .time_ns = monotonic_ns(),
        .task = task,
        .a = a,
        .b = b,
        .worker = worker,
        .kind = (uint32_t)kind,
    };
    sink->write(sink, &ev);
}

static void clocked_write(trace_sink_t *self, const trace_event_t *ev)
{
    trace_clocked_sink_t *c = (trace_clocked_sink_t *)self;
    trace_event_t e = *ev;
    e.time_ns = c->now_ns(c->ctx);
    c->inner->write(c->inner, &e);
}

void trace_clocked_sink_init(trace_clocked_sink_t *c, trace_sink_t *inner,
                             uint64_t (*now_ns)(void *ctx), void *ctx)
{
    c->sink.write = clocked_write;
    c->inner = inner;
    c->now_ns = now_ns;
    c->ctx = ctx;
}

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= FNV_PRIME;
    }
    return h;
}

static void hash_write(trace_sink_t *self, const trace_event_t *ev)
{
    trace_hash_sink_t *h = (trace_hash_sink_t *)self;
    uint64_t x = h->hash;
    x = fnv_u64(x, ev->time_ns);
    x = fnv_u64(x, ev->task);
    x = fnv_u64(x, ev->a);
    x = fnv_u64(x, ev->b);
    x = fnv_u64(x, ((uint64_t)ev->worker << 32) | ev->kind);
    h->hash = x;
    h->events++;
}

void trace_hash_sink_init(trace_hash_sink_t *h)
{
    h->sink.write = hash_write;
    h->hash = FNV_OFFSET;
    h->events = 0;
}

static void tee_write(trace_sink_t *self, const trace_event_t *ev)
{
    trace_tee_sink_t *t = (trace_tee_sink_t *)self;
    t->first->write(t->first, ev);
    t->second->write(t->second, ev);
}

void trace_tee_sink_init(trace_tee_sink_t *t, trace_sink_t *first,
                         trace_sink_t *second)
{
    t->sink.write = tee_write;
    t->first = first;
    t->second = second;
}

const char *trace_kind_name(trace_kind_t kind)
{
    static const char *const names[TRACE_KIND_COUNT] = {
        [TRACE_SPAWN] = "spawn",
        [TRACE_SCHEDULE] = "schedule",
        [TRACE_POLL_START] = "poll-start",
        [TRACE_POLL_END] = "poll-end",
        [TRACE_WAKE] = "wake",
        [TRACE_SELF_WAKE] = "self-wake",
        [TRACE_STEAL] = "steal",
        [TRACE_PARK] = "park",
        [TRACE_UNPARK] = "unpark",
        [TRACE_DRIVER_TURN] = "driver-turn",
        [TRACE_IO_READY] = "io-ready",
        [TRACE_TIMER_FIRE] = "timer-fire",
        [TRACE_BLOCKING_START] = "blocking-start",
        [TRACE_BLOCKING_END] = "blocking-end",
        [TRACE_COMPLETE] = "complete",
        [TRACE_DROP] = "drop",
        [TRACE_LOST_WAKER] = "lost-waker",
        [TRACE_TIMER_ADD] = "timer-add",
        [TRACE_TIMER_CANCEL] = "timer-cancel",
        [TRACE_IO_REGISTER] = "io-register",
        [TRACE_IO_DEREGISTER] = "io-deregister",
        [TRACE_SEARCH] = "search",
    };
    if (kind <= 0 || kind >= TRACE_KIND_COUNT)
        return "unknown";
    return names[kind];
}

/* ---- task names ------------------------------------------------------------
 *
 * A growable array of the static strings given to trace_name_id, under one
 * lock. Looked up by pointer first (a task's name is a literal, the same
 * pointer every spawn), then by content, so two copies of "leaf" share an
 * id. Only SPAWN events with tracing on come here.
 */

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static const char **names; /* names[id - 1], under names_lock */
static uint64_t names_len; /* under names_lock */
static uint64_t names_cap; /* under names_lock */

static uint64_t names_find(const char *name)
{
    for (uint64_t i = 0; i < names_len; i++)
        if (names[i] == name)
            return i + 1;
    for (uint64_t i = 0; i < names_len; i++)
        if (strcmp(names[i], name) == 0)
            return i + 1;
    return 0;
}

uint64_t trace_name_id(const char *name)
{
    if (name == NULL)
        return 0;
    pthread_mutex_lock(&names_lock);
    uint64_t id = names_find(name);
    if (id == 0) {
        if (names_len == names_cap) {
            uint64_t cap = names_cap ? names_cap * 2 : 32;
            const char **n = realloc(names, cap * sizeof *n);
            if (n == NULL) {
                pthread_mutex_unlock(&names_lock);
                return 0;
            }
            names = n;
            names_cap = cap;
        }
        names[names_len++] = name;
        id = names_len;
    }
    pthread_mutex_unlock(&names_lock);
    return id;
}

const char *trace_name_of(uint64_t id)
{
    const char *name = NULL;
    pthread_mutex_lock(&names_lock);
    if (id >= 1 && id <= names_len)
        name = names[id - 1];
    pthread_mutex_unlock(&names_lock);
    return name;
}

uint64_t trace_name_count(void)
{
    pthread_mutex_lock(&names_lock);
    uint64_t n = names_len;
    pthread_mutex_unlock(&names_lock);
    return n;
}

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
 * It is CLOCK_MONOTONIC, not the trace clock: a virtual clock belongs to
 * the simulation's thread, and a simulation has one ring, ordered already.
 * Timestamps from a clock with another origin are never held back.
 */
size_t trace_rings_drain(trace_rings_t *r, trace_sink_t *out)
{
    return trace_rings_drain_until(r, out, monotonic_ns());
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
