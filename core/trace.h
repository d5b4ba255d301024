/*
 * core/trace.h - the event vocabulary every executor and the driver speak,
 * and where the events go: per-thread blocks (a trace file, the live
 * visualizer), a hash.
 *
 * An executor emits one small fixed-size record per scheduling fact: a
 * spawn, a poll starting and ending, a wake (who woke whom), a steal, a
 * park. Sinks consume them: the visualizer, a trace file, a hash (the
 * simulation's "same seed, same run" proof), a test's recorder.
 *
 *   worker 0 ──TRACE──> block 0 ─┐
 *   worker 1 ──TRACE──> block 1 ─┼─ file writer, or live reader: merge
 *   thread X ──TRACE──> block 2 ─┘   by time ──> file / model
 *                                    (one consumer thread)
 *
 * Cost: with no sink, TRACE() is one predictable branch on a pointer the
 * executor already has in a register (and nothing at all when built with
 * -DASYNCLAB_TRACE_OFF, the baseline of the tracing-cost benchmark). Events
 * carry task ids, never pointers, so a recorded run compares byte for byte
 * with a later one.
 *
 * Buffers: each emitting thread gets blocks of its own the first time it
 * writes to the sink of trace/blocks.h: encoded events, a byte or three
 * each; a full block goes to the consumer whole and the thread takes a
 * fresh one, so nothing is dropped unless memory runs out or --trace-drop
 * asked for bounded buffers. The consumer is the trace file's writer
 * thread, or the live visualizer's reader (trace/live.h), which also
 * reads the block a thread is still filling. Tracing never blocks a
 * worker on the consumer.
 *
 * Conventions every emitter follows (the visualizer's model relies on them,
 * visualizer/model.c):
 *  - SPAWN carries b = trace_name_id(name): names live in a table, events
 *    stay fixed-size and pointer-free.
 *  - Every move of a task into a queue is one SCHEDULE; a POLL_START takes
 *    the task out of whatever queue it was in. An overflow that moves tasks
 *    from a ring to the inject queue SCHEDULEs each of them to INJECT.
 *  - A STEAL moves the `count` oldest tasks of the victim's ring to the
 *    thief's ring; the stolen tasks get no SCHEDULE of their own. (A
 *    STEAL with a task id, one task taken from a LIFO slot, is no longer
 *    emitted: no thief takes from the slot. Readers still accept it.)
 *  - A wake of a task by its own poll is a SELF_WAKE (a WAKE with
 *    a = TRACE_BY_TASK and b = the task itself means the same; emitting
 *    both for one wake counts it once).
 *
 * The file format is documented in docs/trace-format.md.
 *
 * Tests: tests/test_trace.c.
 */
#ifndef ASYNCLAB_CORE_TRACE_H
#define ASYNCLAB_CORE_TRACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum trace_kind {
    TRACE_SPAWN = 1,   /* task; a = parent task id (0: outside),
                          b = trace_name_id(name) */
    TRACE_SCHEDULE,    /* task; a = trace_queue_t it went into */
    TRACE_POLL_START,  /* task */
    TRACE_POLL_END,    /* task; a = poll_t result; b = 0, or for a poll
                          of 1 ms or more on a real clock the polling
                          thread's CPU and run-queue wait since a mark
                          just before it (core/poll_watch.h); never a
                          duration: a reader times a poll from POLL_START */
    TRACE_WAKE,        /* task woken; a = trace_waker_t, b = waker id */
    TRACE_SELF_WAKE,   /* task woke itself during its poll (a yield) */
    TRACE_STEAL,       /* worker = thief; a = victim worker, b = count;
                          task: taken from the victim's LIFO slot */
    TRACE_PARK,        /* worker; a = 1 when it holds the driver */
    TRACE_UNPARK,      /* worker; a = worker or thread that unparked */
    TRACE_DRIVER_TURN, /* a = I/O events, b = timers fired */
    TRACE_IO_READY,    /* a = fd, b = readiness bits */
    TRACE_TIMER_FIRE,  /* task woken by a timer; a = deadline ms */
    TRACE_BLOCKING_START,
    TRACE_BLOCKING_END,
    TRACE_COMPLETE,   /* task; a = 1 when cancelled */
    TRACE_DROP,       /* task freed */
    TRACE_LOST_WAKER, /* task pending, nothing holds its waker */
    /* appended by the visualizer's needs (issue 5); never renumber */
    TRACE_TIMER_ADD,     /* task; a = deadline ms, b = now ms */
    TRACE_TIMER_CANCEL,  /* task; a = deadline ms */
    TRACE_IO_REGISTER,   /* task; a = fd */
    TRACE_IO_DEREGISTER, /* a = fd */
    TRACE_SEARCH,        /* worker started looking for work to steal */
    TRACE_KIND_COUNT
} trace_kind_t;

typedef enum trace_queue {
    TRACE_Q_READY = 1, /* spin deque, notify ready queue */
    TRACE_Q_LOCAL,     /* a worker's ring */
    TRACE_Q_LIFO,      /* a worker's LIFO slot */
    TRACE_Q_INJECT,    /* the shared inject queue */
    TRACE_Q_REMOTE,    /* notify: woken from another thread */
} trace_queue_t;

typedef enum trace_waker {
    TRACE_BY_TASK = 1, /* b = the waking task's id */
    TRACE_BY_WORKER,   /* b = worker */
    TRACE_BY_TIMER,
    TRACE_BY_IO,
    TRACE_BY_THREAD, /* a thread outside the executor */
} trace_waker_t;

#define TRACE_NO_WORKER UINT32_MAX

typedef struct trace_event {
    uint64_t time_ns; /* since the executor started (virtual in sim) */
    uint64_t task;    /* task id, 0 for none */
    uint64_t a, b;
    uint32_t worker; /* TRACE_NO_WORKER when not on a worker */
    uint32_t kind;   /* trace_kind_t */
} trace_event_t;

typedef struct trace_sink trace_sink_t;
struct trace_sink {
    /* Called on the emitting thread; must not block for long. */
    void (*write)(trace_sink_t *self, const trace_event_t *ev);
};

/* Emit when a sink is attached: a branch and nothing else when not. */
#ifndef ASYNCLAB_TRACE_OFF
#define TRACE(sink, ev_kind, ev_worker, ev_task, ev_a, ev_b)                   \
    do {                                                                       \
        if ((sink) != NULL)                                                    \
            trace_emit((sink), (ev_kind), (ev_worker), (ev_task), (ev_a),      \
                       (ev_b));                                                \
    } while (0)
#else
/* Compiled out: the arguments are still type-checked, never evaluated. */
#define TRACE(sink, ev_kind, ev_worker, ev_task, ev_a, ev_b)                   \
    do {                                                                       \
        if (0)                                                                 \
            trace_emit((sink), (ev_kind), (ev_worker), (ev_task), (ev_a),      \
                       (ev_b));                                                \
    } while (0)
#endif

void trace_emit(trace_sink_t *sink, trace_kind_t kind, uint32_t worker,
                uint64_t task, uint64_t a, uint64_t b);

/*
 * An event that follows the previous one on this thread at once, with
 * nothing between them that can wait or take long (a poll's end, then the
 * self-wake and the requeue it causes): stamped with that event's time,
 * without reading the clock again, which is most of what an event costs.
 * The order is kept (a thread's events stay in the order emitted); the
 * time is early by the few instructions between. When in doubt, TRACE.
 */
#ifndef ASYNCLAB_TRACE_OFF
#define TRACE_NEXT(sink, ev_kind, ev_worker, ev_task, ev_a, ev_b)              \
    do {                                                                       \
        if ((sink) != NULL)                                                    \
            trace_emit_next((sink), (ev_kind), (ev_worker), (ev_task), (ev_a), \
                            (ev_b));                                           \
    } while (0)
#else
#define TRACE_NEXT(sink, ev_kind, ev_worker, ev_task, ev_a, ev_b)              \
    do {                                                                       \
        if (0)                                                                 \
            trace_emit_next((sink), (ev_kind), (ev_worker), (ev_task), (ev_a), \
                            (ev_b));                                           \
    } while (0)
#endif

void trace_emit_next(trace_sink_t *sink, trace_kind_t kind, uint32_t worker,
                     uint64_t task, uint64_t a, uint64_t b);

/*
 * The trace clock, in nanoseconds on CLOCK_MONOTONIC's scale. Where the
 * CPU has an invariant timestamp counter (x86-64: CPUID 0x80000007 EDX
 * bit 8) it is one RDTSC and a multiply, calibrated once per process
 * against CLOCK_MONOTONIC (about 2 ms, at the first call or at
 * trace_clock_init); elsewhere, or with ASYNCLAB_TRACE_CLOCK=monotonic in
 * the environment, it is clock_gettime(CLOCK_MONOTONIC). Every thread
 * reads the same counter through the same conversion, so events of two
 * threads compare by time as the counter orders them. Any thread.
 */
uint64_t trace_now_ns(void);

/* Calibrate the trace clock now rather than at its first use (a sink
 * does this when it is made, so that no worker waits for it). */
void trace_clock_init(void);

/* "tsc" or "monotonic": which source trace_now_ns reads. */
const char *trace_clock_source(void);

/*
 * Timestamps: trace_emit stamps every event with trace_now_ns(). A runtime whose time is virtual (the simulation) puts a
 * clocked sink between itself and the sink it was given, which stamps
 * each event again with that runtime's own clock. The clock belongs to
 * one runtime: two runtimes in one process never read each other's.
 */
typedef struct trace_clocked_sink {
    trace_sink_t sink;          /* hand this to the emitters */
    trace_sink_t *inner;        /* where the re-stamped events go */
    uint64_t (*now_ns)(void *ctx);
    void *ctx;
} trace_clocked_sink_t;

void trace_clocked_sink_init(trace_clocked_sink_t *c, trace_sink_t *inner,
                             uint64_t (*now_ns)(void *ctx), void *ctx);

/* A sink that folds every event into a 64-bit FNV-1a hash. */
typedef struct trace_hash_sink {
    trace_sink_t sink;
    uint64_t hash;
    uint64_t events;
} trace_hash_sink_t;

void trace_hash_sink_init(trace_hash_sink_t *h);

/* A sink that hands every event to two others, in order (a hash and a
 * file, say). As thread-safe as the weaker of the two. */
typedef struct trace_tee_sink {
    trace_sink_t sink;
    trace_sink_t *first, *second;
} trace_tee_sink_t;

void trace_tee_sink_init(trace_tee_sink_t *t, trace_sink_t *first,
                         trace_sink_t *second);

const char *trace_kind_name(trace_kind_t kind);

/* ---- task names ---------------------------------------------------------- */

/*
 * The id of a task name for SPAWN's b: 1, 2, 3 ... in order of first use in
 * this process, 0 for NULL. name must be a static string (a task's name
 * is). Any thread; takes a lock, so call it only when tracing is on (inside
 * TRACE's arguments it is).
 */
uint64_t trace_name_id(const char *name);

/* The name of an id from trace_name_id, or NULL. Any thread. */
const char *trace_name_of(uint64_t id);

/* How many names have ids: they are 1 .. trace_name_count(). */
uint64_t trace_name_count(void);

#endif
