/*
 * trace/live.c - the live reader of trace/live.h.
 *
 * Per recording thread the reader keeps the number of the block it is
 * reading, how many of that block's bytes it has decoded, and the
 * decoder's running state. Each drain:
 *
 *   1. takes every sealed block off the FIFO and files it under its
 *      thread (the FIFO holds each thread's blocks in order);
 *   2. per thread, decodes on from where it stopped: the rest of the
 *      block once it is sealed (then releases it and goes on to the
 *      next number), else the part of the block its producer has
 *      published so far (trace_blocks_live_peek);
 *   3. hands on the decoded events, smallest time first across the
 *      threads, while that time is at or before the watermark.
 *
 * Tests: tests/test_trace.c.
 */
#include "trace/live.h"
#include "trace/codec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct trace_live_thread {
    uint32_t seq;  /* the block being read */
    bool started;  /* st is set for it */
    size_t off;    /* bytes of its events decoded */
    codec_state_t st;
    trace_block_t **sealed; /* taken off the FIFO, in order */
    size_t nsealed, capsealed;
    trace_event_t *q; /* decoded, not handed on: q[head .. len) */
    size_t head, len, cap;
};

void trace_live_init(trace_live_t *l, trace_blocks_t *blocks)
{
    memset(l, 0, sizeof *l);
    l->blocks = blocks;
}

static trace_live_thread_t *thread_of(trace_live_t *l, uint32_t index)
{
    if (index >= l->nthreads) {
        size_t n = (size_t)index + 1;
        trace_live_thread_t *t = realloc(l->threads, n * sizeof *t);
        if (t == NULL)
            return NULL;
        memset(t + l->nthreads, 0, (n - l->nthreads) * sizeof *t);
        l->threads = t;
        l->nthreads = n;
    }
    return &l->threads[index];
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap != 0 ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (q == NULL)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* Step 1. A block that cannot be filed (out of memory) is released
 * unread and counted. */
static void take_sealed(trace_live_t *l)
{
    bool stopped;
    trace_block_t *blk;
    while ((blk = trace_blocks_next(l->blocks, 0, &stopped)) != NULL) {
        trace_block_view_t v = trace_block_view(blk);
        trace_live_thread_t *t = thread_of(l, v.thread);
        if (t == NULL || !grow((void **)&t->sealed, &t->capsealed,
                               t->nsealed + 1, sizeof *t->sealed)) {
            l->corrupt++;
            trace_blocks_release(l->blocks, blk);
            continue;
        }
        t->sealed[t->nsealed++] = blk;
    }
}

/* Decode payload[t->off .. len) onto t's queue. False: it does not
 * decode (counted by the caller). */
static bool decode(trace_live_thread_t *t, const unsigned char *payload,
                   size_t len, uint64_t base_time, uint32_t worker)
{
    if (!t->started) {
        codec_reset(&t->st, base_time, worker);
        t->off = 0;
        t->started = true;
    }
    const unsigned char *p = payload + t->off, *end = payload + len;
    while (p < end) {
        if (t->head == t->len)
            t->head = t->len = 0; /* all handed on: start the queue over */
        if (!grow((void **)&t->q, &t->cap, t->len + 1, sizeof *t->q))
            return false;
        const char *why;
        if (codec_get_event(&p, end, &t->st, &t->q[t->len], &why) != 0)
            return false;
        t->len++;
    }
    t->off = len;
    return true;
}

/* Step 2, for one thread. */
static void decode_thread(trace_live_t *l, uint32_t index)
{
    trace_live_thread_t *t = &l->threads[index];
    for (;;) {
        if (t->nsealed > 0 && trace_block_seq(t->sealed[0]) == t->seq) {
            trace_block_t *blk = t->sealed[0];
            trace_block_view_t v = trace_block_view(blk);
            if (!decode(t, v.mem + TRACE_BLOCK_HEADER,
                        v.len - TRACE_BLOCK_HEADER,
                        codec_get_u64(v.mem + BH_BASE_TIME),
                        codec_get_u32(v.mem + BH_WORKER)))
                l->corrupt++;
            memmove(t->sealed, t->sealed + 1,
                    (t->nsealed - 1) * sizeof *t->sealed);
            t->nsealed--;
            trace_blocks_release(l->blocks, blk);
            t->seq++;
            t->started = false;
            continue;
        }
        trace_live_peek_t pk;
        if (trace_blocks_live_peek(l->blocks, index, t->seq, &pk) &&
            !decode(t, pk.payload, pk.len, pk.base_time, pk.worker))
            l->corrupt++;
        return;
    }
}

size_t trace_live_drain(trace_live_t *l, trace_sink_t *out, uint64_t until)
{
    take_sealed(l);
    /* Relaxed: a count, no more. A thread counted but not listed yet has
     * no block to peek at (trace_blocks_live_peek says so): it is read at
     * a later drain. */
    uint32_t n = atomic_load_explicit(&l->blocks->nthreads,
                                      memory_order_relaxed);
    if (n > 0)
        thread_of(l, n - 1); /* room for every thread; on failure, fewer */
    for (uint32_t i = 0; i < n && i < l->nthreads; i++)
        decode_thread(l, i);
    size_t handed = 0;
    for (;;) {
        trace_live_thread_t *best = NULL;
        for (size_t i = 0; i < l->nthreads; i++) {
            trace_live_thread_t *t = &l->threads[i];
            if (t->head < t->len &&
                (best == NULL ||
                 t->q[t->head].time_ns < best->q[best->head].time_ns))
                best = t;
        }
        if (best == NULL || best->q[best->head].time_ns > until)
            break;
        const trace_event_t *ev = &best->q[best->head++];
        if (ev->time_ns < l->last_time)
            l->late++;
        else
            l->last_time = ev->time_ns;
        out->write(out, ev);
        l->delivered++;
        handed++;
    }
    return handed;
}

uint64_t trace_live_until_now(void)
{
    uint64_t now = trace_now_ns();
    return now > TRACE_LIVE_MARGIN_NS ? now - TRACE_LIVE_MARGIN_NS : 0;
}

void trace_live_destroy(trace_live_t *l)
{
    for (size_t i = 0; i < l->nthreads; i++) {
        trace_live_thread_t *t = &l->threads[i];
        for (size_t k = 0; k < t->nsealed; k++)
            trace_blocks_release(l->blocks, t->sealed[k]);
        free(t->sealed);
        free(t->q);
    }
    free(l->threads);
    memset(l, 0, sizeof *l);
}
