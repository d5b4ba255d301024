/*
 * trace/live.h - reading a trace while the run writes it: the live
 * visualizer's source. The producers are the same per-thread blocks a
 * trace file gets (trace/blocks.h, opened with opts.live), so the live
 * view sees exactly the events a recording would hold, losslessly; only
 * the consumer differs: instead of writing whole sealed blocks to a
 * file, it decodes each thread's block as far as its producer has got,
 * and merges the threads by time.
 *
 *   worker 0 ─TRACE─> [hdr | e e e e e ...   ]  live end ─┐  decode, then
 *   worker 1 ─TRACE─> [hdr | e e e ...       ]  live end ─┼─ merge by time ─> sink
 *   sealed blocks (FIFO) ──────────────────────────────────┘  (events <= until)
 *
 * Falling behind is allowed, showing a wrong order is not: an event is
 * handed on only when its time is at or before `until`, which the caller
 * sets a margin behind the clock (TRACE_LIVE_MARGIN_NS) so that an event
 * stamped but not yet published by its thread is not overtaken. Should
 * one still come in later than an event already handed on (its thread
 * stalled longer than the margin between the clock read and the
 * publish), it is handed on anyway and counted in `late`, which the
 * view shows: the order around it is then not to be trusted.
 *
 * One consumer thread. Tests: tests/test_trace.c.
 */
#ifndef ASYNCLAB_TRACE_LIVE_H
#define ASYNCLAB_TRACE_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/trace.h"
#include "trace/blocks.h"

/* How far behind the clock the live view stays (50 ms: a stalled
 * producer longer than this is counted late, never reordered silently). */
#define TRACE_LIVE_MARGIN_NS 50000000ull

typedef struct trace_live_thread trace_live_thread_t; /* private */

typedef struct trace_live {
    trace_blocks_t *blocks;
    trace_live_thread_t *threads; /* by recording thread, grown on need */
    size_t nthreads;
    uint64_t last_time; /* of the last event handed on */
    uint64_t delivered; /* events handed on */
    uint64_t late;      /* of them, earlier than one handed on before */
    uint64_t corrupt;   /* blocks that would not decode (a bug: counted) */
} trace_live_t;

/* blocks must have been opened with opts.live. */
void trace_live_init(trace_live_t *l, trace_blocks_t *blocks);

/*
 * Hand every event recorded so far and stamped at or before until to
 * out->write, oldest first, across threads. UINT64_MAX: everything (the
 * last drain, after trace_blocks_finish). Returns how many. Written
 * blocks go back to the pool.
 */
size_t trace_live_drain(trace_live_t *l, trace_sink_t *out, uint64_t until);

/* The watermark for a drain now: the trace clock less the margin. */
uint64_t trace_live_until_now(void);

/* Free what the reader holds (blocks it took go back to the pool). */
void trace_live_destroy(trace_live_t *l);

#endif
