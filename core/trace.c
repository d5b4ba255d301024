/*
 * core/trace.c - emitting events, and the hash sink.
 *
 * The hash is 64-bit FNV-1a (Fowler, Noll, Vo, 1991) over each event's
 * fields in a fixed order, so it does not depend on struct padding.
 *
 * Tests: tests/test_trace.c.
 */
#include "core/trace.h"

#include <time.h>

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t (*trace_clock)(void) = monotonic_ns;

void trace_set_clock(uint64_t (*now_ns)(void))
{
    trace_clock = now_ns != NULL ? now_ns : monotonic_ns;
}

void trace_emit(trace_sink_t *sink, trace_kind_t kind, uint32_t worker,
                uint64_t task, uint64_t a, uint64_t b)
{
    trace_event_t ev = {
        .time_ns = trace_clock(),
        .task = task,
        .a = a,
        .b = b,
        .worker = worker,
        .kind = (uint32_t)kind,
    };
    sink->write(sink, &ev);
}

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

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
    };
    if (kind <= 0 || kind >= TRACE_KIND_COUNT)
        return "unknown";
    return names[kind];
}
