/*
 * core/trace.h - the event vocabulary every executor and the driver speak.
 *
 * An executor emits one small fixed-size record per scheduling fact: a
 * spawn, a poll starting and ending, a wake (who woke whom), a steal, a
 * park. Sinks consume them: the visualizer, a trace file, a hash (the
 * simulation's "same seed, same run" proof), a test's recorder.
 *
 * Cost: with no sink, TRACE() is one predictable branch on a pointer the
 * executor already has in a register. Events carry task ids, never
 * pointers, so a recorded run compares byte for byte with a later one.
 *
 * Tests: tests/test_trace.c.
 */
#ifndef ASYNCLAB_CORE_TRACE_H
#define ASYNCLAB_CORE_TRACE_H

#include <stdint.h>

typedef enum trace_kind {
    TRACE_SPAWN = 1,     /* task; a = parent task id (0: outside) */
    TRACE_SCHEDULE,      /* task; a = trace_queue_t it went into */
    TRACE_POLL_START,    /* task */
    TRACE_POLL_END,      /* task; a = poll_t result, b = ns in poll */
    TRACE_WAKE,          /* task woken; a = trace_waker_t, b = waker id */
    TRACE_SELF_WAKE,     /* task woke itself during its poll (a yield) */
    TRACE_STEAL,         /* worker = thief; a = victim worker, b = count */
    TRACE_PARK,          /* worker; a = 1 when it holds the driver */
    TRACE_UNPARK,        /* worker; a = worker or thread that unparked */
    TRACE_DRIVER_TURN,   /* a = I/O events, b = timers fired */
    TRACE_IO_READY,      /* a = fd, b = readiness bits */
    TRACE_TIMER_FIRE,    /* task woken by a timer; a = deadline ms */
    TRACE_BLOCKING_START,
    TRACE_BLOCKING_END,
    TRACE_COMPLETE,      /* task; a = 1 when cancelled */
    TRACE_DROP,          /* task freed */
    TRACE_LOST_WAKER,    /* task pending, nothing holds its waker */
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
    TRACE_BY_THREAD,   /* a thread outside the executor */
} trace_waker_t;

#define TRACE_NO_WORKER UINT32_MAX

typedef struct trace_event {
    uint64_t time_ns; /* since the executor started (virtual in sim) */
    uint64_t task;    /* task id, 0 for none */
    uint64_t a, b;
    uint32_t worker;  /* TRACE_NO_WORKER when not on a worker */
    uint32_t kind;    /* trace_kind_t */
} trace_event_t;

typedef struct trace_sink trace_sink_t;
struct trace_sink {
    /* Called on the emitting thread; must not block for long. */
    void (*write)(trace_sink_t *self, const trace_event_t *ev);
};

/* Emit when a sink is attached: a branch and nothing else when not. */
#define TRACE(sink, ev_kind, ev_worker, ev_task, ev_a, ev_b)                  \
    do {                                                                       \
        if ((sink) != NULL)                                                    \
            trace_emit((sink), (ev_kind), (ev_worker), (ev_task), (ev_a),      \
                       (ev_b));                                                \
    } while (0)

void trace_emit(trace_sink_t *sink, trace_kind_t kind, uint32_t worker,
                uint64_t task, uint64_t a, uint64_t b);

/* Timestamps: nanoseconds from this clock (the executor sets it; the
 * simulation points it at its virtual clock). NULL: CLOCK_MONOTONIC. */
void trace_set_clock(uint64_t (*now_ns)(void));

/* A sink that folds every event into a 64-bit FNV-1a hash. */
typedef struct trace_hash_sink {
    trace_sink_t sink;
    uint64_t hash;
    uint64_t events;
} trace_hash_sink_t;

void trace_hash_sink_init(trace_hash_sink_t *h);

const char *trace_kind_name(trace_kind_t kind);

#endif
