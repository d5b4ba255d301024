/*
 * trace/rings.h - a trace sink made of one ring per emitting thread, so
 * that emitting an event takes no lock and never waits for the reader.
 *
 * The event vocabulary and the sink interface are core/trace.h; this is
 * one sink, used by the live visualizer (cli/cmd_viz.c) and tests: a
 * consumer that wants events one by one, merged by time, as they happen.
 * A full ring drops (counted per thread). The trace file's writer uses
 * trace/blocks.h instead, which hands whole blocks over and drops
 * nothing. The ring's picture is in trace/rings.c.
 *
 * Tests: tests/test_trace.c.
 */
#ifndef ASYNCLAB_TRACE_RINGS_H
#define ASYNCLAB_TRACE_RINGS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/trace.h"

/* ---- per-thread rings ---------------------------------------------------- */

typedef struct trace_ring trace_ring_t; /* private to rings.c */

/*
 * A sink made of one ring per emitting thread. Producers: any number of
 * threads, through &rings->sink. Consumer: one thread at a time, through
 * trace_rings_drain.
 */
typedef struct trace_rings {
    trace_sink_t sink;             /* hand this to executor_config_t */
    uint64_t id;                   /* process-unique: keys each thread's
                                      cached ring, set at init */
    uint32_t capacity;             /* events per ring, a power of two */
    _Atomic(trace_ring_t *) rings; /* every ring, pushed (CAS) by the
                                      thread that owns it, never removed
                                      before destroy */
    atomic_uint_fast64_t lost;     /* events lost because a ring could
                                      not be allocated */
} trace_rings_t;

#define TRACE_RING_DEFAULT 16384u

/* capacity: events per thread, rounded up to a power of two (0: the
 * default). 0, or -EINVAL. */
int trace_rings_init(trace_rings_t *r, uint32_t capacity);

/*
 * Consumer: hand every event written so far and stamped no later than now
 * (the trace clock) to out->write, oldest first: the rings are merged by
 * timestamp, so successive drains deliver one time-ordered stream. Returns
 * how many were delivered. One consumer thread at a time.
 */
size_t trace_rings_drain(trace_rings_t *r, trace_sink_t *out);

/* The same with an explicit watermark; UINT64_MAX: everything, for the
 * last drain after every producer has stopped. */
size_t trace_rings_drain_until(trace_rings_t *r, trace_sink_t *out,
                               uint64_t until);

/* Events dropped so far because a ring was full (or missing). Any thread. */
uint64_t trace_rings_dropped(trace_rings_t *r);

/* Free every ring. No thread may emit into r any more. Undrained events
 * are discarded. */
void trace_rings_destroy(trace_rings_t *r);

#endif
