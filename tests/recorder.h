/*
 * tests/recorder.h - a trace sink that keeps every event it is given, in
 * a growing array, for the suites that check a run's events one by one.
 * Include it after <cmocka.h>: a failed allocation fails the test.
 *
 *     recorder_t r = RECORDER_INIT;
 *     cfg.trace = &r.sink;  ...  r.ev[0 .. r.n)  ...  free(r.ev);
 *
 * One thread at a time (a simulated runtime, or one executor thread).
 */
#ifndef ASYNCLAB_TESTS_RECORDER_H
#define ASYNCLAB_TESTS_RECORDER_H

#include <stdlib.h>

#include "core/trace.h"

typedef struct recorder {
    trace_sink_t sink; /* first */
    trace_event_t *ev;
    size_t n, cap;
} recorder_t;

static inline void recorder_write(trace_sink_t *self, const trace_event_t *ev)
{
    recorder_t *r = (recorder_t *)self;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->ev = realloc(r->ev, r->cap * sizeof *r->ev);
        assert_non_null(r->ev);
    }
    r->ev[r->n++] = *ev;
}

#define RECORDER_INIT {.sink.write = recorder_write}

#endif
