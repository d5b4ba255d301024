/*
 * trace/blocks.c - per-thread encoded blocks (trace/blocks.h).
 *
 * The producer's side of an event is what tracing costs, so it is kept to
 * a thread-local lookup, a bounds check and the encoder of trace/codec.h
 * writing a few bytes into memory only this thread touches. No atomic
 * read-modify-write, no shared cache line, no lock: those happen once a
 * block (64 KiB, some twenty thousand events), when the full block goes
 * onto the sealed FIFO and a fresh one comes from the pool, both under
 * one mutex shared with the consumer.
 *
 *   producer                          consumer (the writer thread)
 *   ────────                          ─────────────────────────────
 *   encode into cur ...
 *   cur full: lock                    lock; wait (cond, timeout) while
 *     push cur on the FIFO              the FIFO is empty
 *     cur = pool.pop() or malloc      pop; unlock
 *     signal if the consumer waits    header + CRC; write(); lock;
 *   unlock                              push on the pool; unlock
 *
 * The block header and its CRC are computed by the consumer, off the
 * emitting thread. Each thread's blocks are sealed in order, so the FIFO
 * holds them in each thread's order (the reader relies on the block
 * numbers, and checks them).
 *
 * Ownership: a thread's record (trace_thread_t) is pushed once onto a
 * lock-free list by its owner and freed only by trace_blocks_destroy.
 * A block belongs to its producer until sealed, to the consumer from the
 * FIFO until released, to the pool after.
 *
 * Tests: tests/test_trace.c.
 */
#include "trace/blocks.h"
#include "trace/codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CACHE_LINE 64
#define LOSSLESS_LIMIT_MIN (64ull << 20)
#define LOSSLESS_LIMIT_MAX (4ull << 30)

struct trace_block {
    trace_block_t *next; /* the FIFO or the pool */
    trace_thread_t *owner;
    codec_block_t h;
    size_t len; /* header + payload, once sealed */
    unsigned char mem[];
};

struct trace_thread {
    /* Producer only. */
    unsigned char *pos, *end;
    trace_block_t *cur;
    codec_state_t st;
    uint32_t block_events;
    uint32_t seq;
    /* Written by the producer (load + store, no RMW), read by anyone. */
    atomic_uint_fast64_t events, lost;
    atomic_uint blocks;
    /* Drop mode: blocks this thread holds (its own and sealed ones not
     * released yet); the producer adds, the consumer subtracts. */
    atomic_uint held;
    /* Live mode: the block being filled (NULL between two), and the end
     * of its last whole event; written by the producer (release), read
     * by the consumer (acquire), trace_blocks_live_peek. */
    _Atomic(trace_block_t *) live_blk;
    _Atomic(unsigned char *) live_end;
    /* Set before the record is published, read-only after. */
    uint32_t index, first_worker;
    const void *owner_token;
    trace_thread_t *next;
};

static atomic_uint_fast64_t blocks_next_id = 1;

/* Where pos and end point while a thread has no block: no room. */
static unsigned char no_block[1];

static _Thread_local char thread_token;
static _Thread_local uint64_t cached_id;
static _Thread_local trace_thread_t *cached_thread;

/* One more on a counter only this thread writes. */
static void bump(atomic_uint_fast64_t *c, uint64_t n)
{
    /* relaxed, and no RMW: the owner is the only writer; readers want a
     * count, not an ordering. */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* ---- the pool ------------------------------------------------------------ */

/* Under b->lock: a free block, or the right to allocate one (*alloc).
 * NULL with *alloc false: no memory may be had. */
static trace_block_t *pool_take_locked(trace_blocks_t *b, bool *alloc)
{
    *alloc = false;
    trace_block_t *blk = b->free;
    if (blk != NULL) {
        b->free = blk->next;
        return blk;
    }
    if (!b->drop && b->mem + b->block_size > b->mem_limit)
        return NULL;
    b->mem += b->block_size;
    *alloc = true;
    return NULL;
}

static trace_block_t *block_alloc(trace_blocks_t *b)
{
    size_t size = sizeof(trace_block_t) + b->block_size;
    size = (size + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
    return aligned_alloc(CACHE_LINE, size);
}

/* Under b->lock: append blk to the FIFO and wake the consumer. */
static void fifo_push_locked(trace_blocks_t *b, trace_block_t *blk)
{
    blk->next = NULL;
    if (b->sealed_tail != NULL)
        b->sealed_tail->next = blk;
    else
        b->sealed_head = blk;
    b->sealed_tail = blk;
    if (b->waiting)
        pthread_cond_signal(&b->cond);
}

/* Close th's current block: its header fields and the counts. The
 * block is the caller's to push; NULL when th had none. */
static trace_block_t *seal(trace_thread_t *th)
{
    trace_block_t *blk = th->cur;
    if (blk == NULL)
        return NULL;
    /* release: the consumer that takes blk from the FIFO (after this,
     * through the lock) then sees NULL here, never a block it may have
     * released and another thread reused. */
    atomic_store_explicit(&th->live_blk, NULL, memory_order_release);
    blk->h.payload =
        (uint32_t)(th->pos - (blk->mem + TRACE_BLOCK_HEADER));
    blk->h.events = th->block_events;
    blk->len = TRACE_BLOCK_HEADER + blk->h.payload;
    bump(&th->events, th->block_events);
    atomic_store_explicit(&th->blocks,
                          atomic_load_explicit(&th->blocks,
                                               memory_order_relaxed) + 1,
                          memory_order_relaxed);
    th->cur = NULL;
    th->pos = th->end = no_block;
    th->block_events = 0;
    return blk;
}

/*
 * The producer's slow path: th's block cannot hold another event (or it
 * has none). Seal it, take a fresh one, and start it at ev. False when no
 * block can be had: ev is then lost.
 */
static bool refill(trace_blocks_t *b, trace_thread_t *th,
                   const trace_event_t *ev)
{
    trace_block_t *full = seal(th);
    if (full == NULL && b->drop &&
        atomic_load_explicit(&th->held, memory_order_relaxed) >= b->max_held)
        return false; /* still all out: no lock taken per dropped event */
    /* Drop mode: the full block counts until the consumer releases it. */
    bool may_take = !b->drop || atomic_load_explicit(&th->held,
                                                     memory_order_relaxed) <
                                    b->max_held;
    bool alloc = false;
    trace_block_t *blk = NULL;
    pthread_mutex_lock(&b->lock);
    if (full != NULL)
        fifo_push_locked(b, full);
    if (may_take)
        blk = pool_take_locked(b, &alloc);
    pthread_mutex_unlock(&b->lock);
    if (alloc) {
        blk = block_alloc(b);
        if (blk == NULL) {
            pthread_mutex_lock(&b->lock);
            b->mem -= b->block_size;
            pthread_mutex_unlock(&b->lock);
        }
    }
    if (blk == NULL)
        return false;
    if (b->drop)
        atomic_fetch_add_explicit(&th->held, 1, memory_order_relaxed);
    blk->owner = th;
    blk->next = NULL;
    blk->h.thread = th->index;
    blk->h.seq = th->seq++;
    blk->h.base_time = ev->time_ns;
    blk->h.worker = ev->worker;
    codec_reset(&th->st, ev->time_ns, ev->worker);
    th->cur = blk;
    th->pos = blk->mem + TRACE_BLOCK_HEADER;
    th->end = blk->mem + b->block_size;
    th->block_events = 0;
    if (b->live) {
        /* release: a consumer that loads blk sees its header fields. */
        atomic_store_explicit(&th->live_end, th->pos, memory_order_release);
        atomic_store_explicit(&th->live_blk, blk, memory_order_release);
    }
    return true;
}

/* ---- threads ------------------------------------------------------------- */

static void threads_push(trace_blocks_t *b, trace_thread_t *th)
{
    trace_thread_t *first =
        atomic_load_explicit(&b->threads, memory_order_relaxed);
    do {
        th->next = first;
        /* release: pairs with the acquire loads of b->threads, which then
         * see the record's fields set before the push. */
    } while (!atomic_compare_exchange_weak_explicit(
        &b->threads, &first, th, memory_order_release, memory_order_relaxed));
}

/* The calling thread's record in b, made on its first event. */
static trace_thread_t *thread_mine(trace_blocks_t *b, const trace_event_t *ev)
{
    /* acquire: pairs with threads_push's release. */
    trace_thread_t *th = atomic_load_explicit(&b->threads, memory_order_acquire);
    for (; th != NULL; th = th->next)
        if (th->owner_token == &thread_token)
            break;
    if (th == NULL) {
        th = calloc(1, sizeof *th);
        if (th == NULL)
            return NULL;
        th->owner_token = &thread_token;
        th->pos = th->end = no_block;
        th->first_worker = ev->worker;
        th->index = atomic_fetch_add_explicit(&b->nthreads, 1,
                                              memory_order_relaxed);
        atomic_init(&th->events, 0);
        atomic_init(&th->lost, 0);
        atomic_init(&th->blocks, 0);
        atomic_init(&th->held, 0);
        atomic_init(&th->live_blk, NULL);
        atomic_init(&th->live_end, NULL);
        threads_push(b, th);
    }
    cached_id = b->id;
    cached_thread = th;
    return th;
}

/* The sink's write: the producer. Never waits for the consumer. */
static void blocks_write(trace_sink_t *self, const trace_event_t *ev)
{
    trace_blocks_t *b = (trace_blocks_t *)self;
    trace_thread_t *th = cached_id == b->id ? cached_thread : thread_mine(b, ev);
    if (__builtin_expect(th == NULL, 0)) {
        atomic_fetch_add_explicit(&b->lost, 1, memory_order_relaxed);
        return;
    }
    if (__builtin_expect((size_t)(th->end - th->pos) < TRACE_EVENT_MAX, 0) &&
        !refill(b, th, ev)) {
        bump(&th->lost, 1);
        return;
    }
    th->pos = codec_put_event(th->pos, &th->st, ev);
    th->block_events++;
    if (b->live) /* release: the event's bytes before its end */
        atomic_store_explicit(&th->live_end, th->pos, memory_order_release);
}

/* ---- setup and the consumer ---------------------------------------------- */

static size_t lossless_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    unsigned long long limit = LOSSLESS_LIMIT_MAX;
    if (pages > 0 && size > 0) {
        limit = (unsigned long long)pages * (unsigned long long)size / 4;
        if (limit < LOSSLESS_LIMIT_MIN)
            limit = LOSSLESS_LIMIT_MIN;
        if (limit > LOSSLESS_LIMIT_MAX)
            limit = LOSSLESS_LIMIT_MAX;
    }
    return (size_t)limit;
}

int trace_blocks_init(trace_blocks_t *b, const trace_blocks_opts_t *o)
{
    memset(b, 0, sizeof *b);
    b->sink.write = blocks_write;
    b->id = atomic_fetch_add_explicit(&blocks_next_id, 1, memory_order_relaxed);
    b->drop = o != NULL && o->drop;
    b->live = o != NULL && o->live;
    b->block_size = TRACE_BLOCK_SIZE;
    if (b->drop) {
        size_t buf = o->buffer_bytes != 0 ? o->buffer_bytes : TRACE_DROP_BUFFER;
        if (buf > (1u << 30))
            return -EINVAL;
        size_t bs = buf / 2;
        if (bs > TRACE_BLOCK_SIZE)
            bs = TRACE_BLOCK_SIZE;
        if (bs < 1024)
            bs = 1024;
        b->block_size = (uint32_t)(bs & ~(size_t)(CACHE_LINE - 1));
    }
    if (o != NULL && o->block_bytes != 0) {
        size_t bs = o->block_bytes;
        if (bs < 1024 || bs > (1u << 20))
            return -EINVAL;
        b->block_size = (uint32_t)(bs & ~(size_t)(CACHE_LINE - 1));
    }
    if (b->drop) {
        size_t buf = o->buffer_bytes != 0 ? o->buffer_bytes : TRACE_DROP_BUFFER;
        size_t held = buf / b->block_size;
        b->max_held = (uint32_t)(held < 2 ? 2 : held);
    }
    b->mem_limit = lossless_limit();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&b->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        return -rc;
    pthread_mutex_init(&b->lock, NULL);
    atomic_init(&b->threads, NULL);
    atomic_init(&b->nthreads, 0);
    atomic_init(&b->lost, 0);
    trace_clock_init(); /* now, not in a worker's first event */
    return 0;
}

trace_block_t *trace_blocks_next(trace_blocks_t *b, int timeout_ms,
                                 bool *stopped)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    *stopped = false;
    pthread_mutex_lock(&b->lock);
    while (b->sealed_head == NULL && !b->stop) {
        b->waiting = true;
        int rc = pthread_cond_timedwait(&b->cond, &b->lock, &deadline);
        b->waiting = false;
        if (rc != 0)
            break;
    }
    trace_block_t *blk = b->sealed_head;
    if (blk != NULL) {
        b->sealed_head = blk->next;
        if (b->sealed_head == NULL)
            b->sealed_tail = NULL;
    } else if (b->stop) {
        *stopped = true;
    }
    pthread_mutex_unlock(&b->lock);
    if (blk != NULL)
        codec_block_seal(blk->mem, &blk->h);
    return blk;
}

trace_block_view_t trace_block_view(const trace_block_t *blk)
{
    trace_block_view_t v = {blk->mem, blk->len, blk->h.thread, blk->h.events};
    return v;
}

uint32_t trace_block_seq(const trace_block_t *blk)
{
    return blk->h.seq;
}

void trace_blocks_release(trace_blocks_t *b, trace_block_t *blk)
{
    if (b->drop)
        atomic_fetch_sub_explicit(&blk->owner->held, 1, memory_order_relaxed);
    pthread_mutex_lock(&b->lock);
    blk->next = b->free;
    b->free = blk;
    pthread_mutex_unlock(&b->lock);
}

/* The thread with this index, or NULL. */
static trace_thread_t *thread_at(trace_blocks_t *b, uint32_t index)
{
    trace_thread_t *th = atomic_load_explicit(&b->threads, memory_order_acquire);
    for (; th != NULL; th = th->next)
        if (th->index == index)
            return th;
    return NULL;
}

bool trace_blocks_live_peek(trace_blocks_t *b, uint32_t thread, uint32_t seq,
                            trace_live_peek_t *out)
{
    trace_thread_t *th = thread_at(b, thread);
    if (th == NULL || !b->live)
        return false;
    /* The end first, then the block: if the producer moved on between
     * the two loads, the end lies outside the block and we say no. */
    unsigned char *end =
        atomic_load_explicit(&th->live_end, memory_order_acquire);
    trace_block_t *blk =
        atomic_load_explicit(&th->live_blk, memory_order_acquire);
    if (blk == NULL || blk->h.seq != seq)
        return false;
    unsigned char *first = blk->mem + TRACE_BLOCK_HEADER;
    uintptr_t e = (uintptr_t)end, lo = (uintptr_t)first,
              hi = (uintptr_t)(blk->mem + b->block_size);
    if (e < lo || e > hi)
        return false;
    out->payload = first;
    out->len = (size_t)(e - lo);
    out->base_time = blk->h.base_time;
    out->worker = blk->h.worker;
    return true;
}

void trace_blocks_finish(trace_blocks_t *b)
{
    uint32_t n = atomic_load_explicit(&b->nthreads, memory_order_relaxed);
    for (uint32_t i = 0; i < n; i++) {
        trace_thread_t *th = thread_at(b, i);
        trace_block_t *blk = th != NULL ? seal(th) : NULL;
        if (blk == NULL)
            continue;
        pthread_mutex_lock(&b->lock);
        if (blk->h.events > 0) {
            fifo_push_locked(b, blk);
        } else {
            blk->next = b->free;
            b->free = blk;
        }
        pthread_mutex_unlock(&b->lock);
    }
    pthread_mutex_lock(&b->lock);
    b->stop = true;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

size_t trace_blocks_stats(trace_blocks_t *b, trace_thread_stats_t *out,
                          size_t max)
{
    uint32_t n = atomic_load_explicit(&b->nthreads, memory_order_relaxed);
    for (uint32_t i = 0; i < n && i < max; i++) {
        trace_thread_t *th = thread_at(b, i);
        trace_thread_stats_t s = {i, TRACE_NO_WORKER, 0, 0, 0};
        if (th != NULL) {
            s.first_worker = th->first_worker;
            s.blocks = atomic_load_explicit(&th->blocks, memory_order_relaxed);
            s.events = atomic_load_explicit(&th->events, memory_order_relaxed);
            s.lost = atomic_load_explicit(&th->lost, memory_order_relaxed);
        }
        out[i] = s;
    }
    return n;
}

uint64_t trace_blocks_dropped(trace_blocks_t *b)
{
    uint64_t n = atomic_load_explicit(&b->lost, memory_order_relaxed);
    trace_thread_t *th = atomic_load_explicit(&b->threads, memory_order_acquire);
    for (; th != NULL; th = th->next)
        n += atomic_load_explicit(&th->lost, memory_order_relaxed);
    return n;
}

static void free_chain(trace_block_t *blk)
{
    while (blk != NULL) {
        trace_block_t *next = blk->next;
        free(blk);
        blk = next;
    }
}

void trace_blocks_destroy(trace_blocks_t *b)
{
    free_chain(b->sealed_head);
    free_chain(b->free);
    b->sealed_head = b->sealed_tail = b->free = NULL;
    trace_thread_t *th =
        atomic_exchange_explicit(&b->threads, NULL, memory_order_acquire);
    while (th != NULL) {
        trace_thread_t *next = th->next;
        free(th->cur);
        free(th);
        th = next;
    }
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
}
