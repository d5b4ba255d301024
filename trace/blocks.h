/*
 * trace/blocks.h - a trace sink that encodes each emitting thread's events
 * into blocks of its own (trace/codec.h: a byte or three per event) and
 * hands every full block, whole, to one consumer: the trace file's
 * writer thread (trace/file.c).
 *
 *   worker 0 ─TRACE─> [block: hdr | e e e e e ...]  full ─┐
 *   worker 1 ─TRACE─> [block: hdr | e e e ...]      full ─┼─> sealed FIFO ─> consumer
 *   thread X ─TRACE─> [block: hdr | e ...]               ─┘     (write, release)
 *                        ^ fresh blocks from the pool <──────── released blocks
 *
 * Lossless by default: a thread whose block is full seals it (a lock taken
 * once per block, not per event), takes a free block from the pool, or
 * allocates one, and goes on; only when no memory can be had (malloc
 * fails, or the pool would pass its limit: a quarter of physical memory,
 * at most 4 GiB) is an event dropped, and counted for that thread. With
 * drop mode (--trace-drop) each thread may hold only buffer bytes of
 * blocks: a thread that has them all waiting for the consumer drops
 * events, counted, until the consumer gives one back.
 *
 * Tests: tests/test_trace.c.
 */
#ifndef ASYNCLAB_TRACE_BLOCKS_H
#define ASYNCLAB_TRACE_BLOCKS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/trace.h"

typedef struct trace_block trace_block_t;   /* private to blocks.c */
typedef struct trace_thread trace_thread_t; /* private to blocks.c */

/* Bytes per block, its 40-byte header included. */
#define TRACE_BLOCK_SIZE (64u * 1024u)
/* Drop mode's default buffer per thread. */
#define TRACE_DROP_BUFFER (256u * 1024u)

typedef struct trace_blocks_opts {
    bool drop;           /* bounded buffers: drop (counted) when full */
    size_t buffer_bytes; /* drop mode: per thread (0: TRACE_DROP_BUFFER);
                            at least 2 blocks of at least 1 KiB */
    size_t block_bytes;  /* 0: TRACE_BLOCK_SIZE (drop mode: at most half
                            the buffer); else 1 KiB .. 1 MiB (tests) */
    bool live;           /* producers publish how far they have got after
                            every event, for trace/live.h (one store) */
} trace_blocks_opts_t;

typedef struct trace_blocks {
    trace_sink_t sink; /* hand this to executor_config_t */
    uint64_t id;       /* process-unique: keys each thread's cached buffer */
    bool drop;
    bool live;
    uint32_t block_size; /* bytes per block, header included */
    uint32_t max_held;   /* drop mode: blocks a thread may hold */
    size_t mem_limit;    /* lossless: bytes of blocks at most */

    pthread_mutex_t lock;
    pthread_cond_t cond;          /* a block sealed, or stop */
    trace_block_t *sealed_head;   /* FIFO, under lock */
    trace_block_t *sealed_tail;   /* under lock */
    trace_block_t *free;          /* the pool, under lock */
    size_t mem;                   /* bytes allocated, under lock */
    bool waiting;                 /* the consumer sleeps, under lock */
    bool stop;                    /* under lock */

    _Atomic(trace_thread_t *) threads; /* pushed by their owners (CAS) */
    atomic_uint nthreads;
    atomic_uint_fast64_t lost; /* events of a thread with no buffer at all */
} trace_blocks_t;

/* 0, or -EINVAL (a buffer too large), -errno. */
int trace_blocks_init(trace_blocks_t *b, const trace_blocks_opts_t *o);

/* A sealed block, as the consumer sees it: mem is the header (filled,
 * CRC included) followed by the payload, len bytes in all. */
typedef struct trace_block_view {
    const unsigned char *mem;
    size_t len;
    uint32_t thread;
    uint32_t events;
} trace_block_view_t;

/*
 * Consumer: the oldest sealed block, waiting up to timeout_ms for one
 * (a condition variable: no polling). NULL when none came in time, or
 * when stopped and none is left (*stopped then set).
 */
trace_block_t *trace_blocks_next(trace_blocks_t *b, int timeout_ms,
                                 bool *stopped);
trace_block_view_t trace_block_view(const trace_block_t *blk);

/* A sealed block's number within its thread (its header's seq). */
uint32_t trace_block_seq(const trace_block_t *blk);

/*
 * Live mode (opts.live): the consumer may read the block a producer is
 * still filling, up to the last event it finished. When thread's current
 * block is its block number seq, *out describes the events published so
 * far and true is returned; false otherwise (another block, none, or the
 * thread is between two). The bytes stay valid until the consumer
 * releases the block, which it can only do after taking it sealed from
 * trace_blocks_next: a producer never reuses a block on its own.
 */
typedef struct trace_live_peek {
    const unsigned char *payload; /* the block's first event */
    size_t len;                   /* bytes of whole events so far */
    uint64_t base_time;           /* the block's header fields */
    uint32_t worker;
} trace_live_peek_t;

bool trace_blocks_live_peek(trace_blocks_t *b, uint32_t thread, uint32_t seq,
                            trace_live_peek_t *out);

/* Consumer: give a written block back to the pool. */
void trace_blocks_release(trace_blocks_t *b, trace_block_t *blk);

/* After every producer has stopped: seal each thread's partial block
 * (thread order), then tell the consumer to finish. */
void trace_blocks_finish(trace_blocks_t *b);

/* What one thread recorded. */
typedef struct trace_thread_stats {
    uint32_t thread;       /* 0, 1, 2 ... in order of first event */
    uint32_t first_worker; /* its first event's worker */
    uint32_t blocks;
    uint64_t events, lost;
} trace_thread_stats_t;

/* How many threads have buffers; out[0 .. min(n, max)) filled in thread
 * order. Only after the producers stopped. */
size_t trace_blocks_stats(trace_blocks_t *b, trace_thread_stats_t *out,
                          size_t max);

/* Events lost so far in all (threads' drops, and events of threads that
 * could get no buffer). Any thread. */
uint64_t trace_blocks_dropped(trace_blocks_t *b);

/* Free everything. No thread may emit into b any more. */
void trace_blocks_destroy(trace_blocks_t *b);

#endif
