/*
 * core/poll_watch.h - a poll's start and end in the trace, and, for a slow
 * poll, where its time went: on the CPU, waiting for a CPU, or neither.
 *
 * A poll that took 25 ms of wall time held its thread for 25 ms, but that
 * alone does not say why. Three things fill a thread's wall time:
 *
 *   running     on a CPU: the poll computes (a long loop)
 *   waiting     runnable, but the kernel runs someone else: descheduled,
 *               the machine is busy; the poll is not to blame
 *   sleeping    neither: a blocking system call (nanosleep, a blocking
 *               read, a lock): the mistake the slow-poll warning is for
 *
 * CPU time alone cannot tell the last two apart (both use none), so the
 * reading is the kernel's per-thread scheduler statistics,
 * /proc/thread-self/schedstat: time on a CPU and time waiting on a run
 * queue, in nanoseconds, one pread of a file kept open per thread. Where
 * that file cannot be read, CLOCK_THREAD_CPUTIME_ID gives the CPU time and
 * the waiting time is unknown.
 *
 * How it stays cheap. Reading at every poll's start and end would be two
 * system calls per poll. Instead each polling thread keeps one mark: a
 * trace-clock time and the two readings taken then. At a poll's end (the
 * POLL_END stamp is read anyway) the thread compares that stamp with the
 * mark: younger than POLL_WATCH_MARK_NS, nothing more happens (the fast
 * path: one compare). Older, the slow path reads the statistics once,
 * and if the poll itself took at least POLL_WATCH_SLOW_NS it puts what
 * the thread used since the mark into POLL_END's b; then the reading
 * becomes the new mark. A park's return and the start of a run take a
 * mark the same way (POLL_WATCH_MARK: a clock read and a compare), so the
 * mark is never much older than the poll's start. So:
 *
 *   per poll           one compare (plus a store of the start stamp)
 *   per millisecond    at most one pread (about 0.4 us here) per thread
 *
 * and nothing at all without a trace sink. The figures since the mark are
 * upper bounds on the poll's own (the mark is at most ~1 ms of the
 * thread's time before the poll began); against a 10 ms threshold that
 * is close enough, and errs towards "descheduled" only by that much.
 *
 * POLL_END's b, then (docs/trace-format.md):
 *
 *   0                       not measured: a fast poll, a simulated run
 *                           (virtual time: a trace stays the same, byte
 *                           for byte, for a seed), no mark yet on the
 *                           thread, or a trace from before this
 *   bits 0..31              CPU time since the mark, in microseconds,
 *                           at least 1 (so b is never 0), at most
 *                           POLL_WATCH_US_MAX
 *   bits 32..63             time spent waiting for a CPU since the mark,
 *                           in microseconds, at most POLL_WATCH_US_MAX;
 *                           POLL_WATCH_UNKNOWN when it could not be read
 *
 * Nested polls (a poll that drives another executor's poll on the same
 * thread) share the thread's start stamp: the outer one is then judged
 * from the inner one's start, that is, too short. Threads: all state is
 * the calling thread's own.
 *
 * Tests: tests/test_spin.c (slow polls measured, real nanosleep and a
 * sibling thread on the same core), tests/test_viz_model.c (the words).
 */
#ifndef ASYNCLAB_CORE_POLL_WATCH_H
#define ASYNCLAB_CORE_POLL_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/trace.h"

#define POLL_WATCH_MARK_NS 1000000u /* a mark older than this is renewed */
#define POLL_WATCH_SLOW_NS 1000000u /* a poll this long gets its b */
#define POLL_WATCH_US_MAX  0xfffffffeu /* about 71 minutes */
#define POLL_WATCH_UNKNOWN 0xffffffffu /* the waiting time was not read */

/* b's halves (any b: a reader of a file must cope with every value). */
static inline uint64_t poll_watch_cpu_us(uint64_t b)
{
    return b & 0xffffffffu;
}

static inline uint64_t poll_watch_wait_us(uint64_t b)
{
    return b >> 32;
}

/* b from the two figures, in nanoseconds; wait_known false: unknown. */
uint64_t poll_watch_pack(uint64_t cpu_ns, uint64_t wait_ns, bool wait_known);

/* Emit POLL_START stamped now (TRACE) or with the stamp of this thread's
 * previous event (TRACE_NEXT), and remember that stamp as the poll's
 * start. */
void trace_poll_start(trace_sink_t *sink, uint32_t worker, uint64_t task);
void trace_poll_start_next(trace_sink_t *sink, uint32_t worker, uint64_t task);

/* Emit POLL_END (a = result) stamped now; with measure (real time only,
 * never a simulation), b as above. */
void trace_poll_end(trace_sink_t *sink, uint32_t worker, uint64_t task,
                    uint64_t result, bool measure);

/* Renew this thread's mark if it is older than POLL_WATCH_MARK_NS: after
 * a park, at the start of a run. */
void trace_poll_mark(void);

/* The readings themselves (ns since the thread began): true when the
 * waiting time could be read too. For tests and the slow path. */
bool poll_watch_read(uint64_t *cpu_ns, uint64_t *wait_ns);

/* The macros the executors use: with no sink, one branch, as TRACE. */
#ifndef ASYNCLAB_TRACE_OFF
#define TRACE_POLL_BEGIN(sink, worker, task)                                   \
    do {                                                                       \
        if ((sink) != NULL)                                                    \
            trace_poll_start((sink), (worker), (task));                        \
    } while (0)
#define TRACE_POLL_BEGIN_NEXT(sink, worker, task)                              \
    do {                                                                       \
        if ((sink) != NULL)                                                    \
            trace_poll_start_next((sink), (worker), (task));                   \
    } while (0)
#define TRACE_POLL_DONE(sink, worker, task, result, measure)                   \
    do {                                                                       \
        if ((sink) != NULL)                                                    \
            trace_poll_end((sink), (worker), (task), (result), (measure));     \
    } while (0)
#define POLL_WATCH_MARK(sink, measure)                                         \
    do {                                                                       \
        if ((sink) != NULL && (measure))                                       \
            trace_poll_mark();                                                 \
    } while (0)
#else
#define TRACE_POLL_BEGIN(sink, worker, task)                                   \
    do {                                                                       \
        if (0)                                                                 \
            trace_poll_start((sink), (worker), (task));                        \
    } while (0)
#define TRACE_POLL_BEGIN_NEXT(sink, worker, task)                              \
    do {                                                                       \
        if (0)                                                                 \
            trace_poll_start_next((sink), (worker), (task));                   \
    } while (0)
#define TRACE_POLL_DONE(sink, worker, task, result, measure)                   \
    do {                                                                       \
        if (0)                                                                 \
            trace_poll_end((sink), (worker), (task), (result), (measure));     \
    } while (0)
#define POLL_WATCH_MARK(sink, measure)                                         \
    do {                                                                       \
        if (0 && (sink) != NULL && (measure))                                  \
            trace_poll_mark();                                                 \
    } while (0)
#endif

/* ---- core/trace.c's, for core/poll_watch.c only --------------------------- */

/* Emit an event with a stamp the caller read from the trace clock; the
 * next TRACE_NEXT continues from it. */
void trace__emit_at(trace_sink_t *sink, uint64_t time_ns, trace_kind_t kind,
                    uint32_t worker, uint64_t task, uint64_t a, uint64_t b);

/* The stamp trace_emit_next would give an event now. */
uint64_t trace__next_ns(void);

#endif
