/*
 * core/trace.c - emitting events; the trace clock; the small sinks (clocked, hash, tee);
 * the task-name table.
 *
 * The hash is 64-bit FNV-1a (Fowler, Noll, Vo, 1991) over each event's
 * fields in a fixed order, so it does not depend on struct padding. The
 * file's checksum is the same function over its bytes.
 *
 * The sinks that need more than this file (the per-thread rings, the
 * trace file's writer and reader) are in trace/.
 *
 * Tests: tests/test_trace.c.
 */
#include "core/array.h"
#include "core/poll_watch.h"
#include "core/trace.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the trace clock -------------------------------------------------------
 *
 * One clock read per event was most of what tracing cost: a vDSO
 * clock_gettime is a function call, a sequence lock and an ordered
 * counter read. Where the timestamp counter is invariant (it ticks at one
 * rate in every power state, and the kernel keeps the cores' counters in
 * step), reading it directly and converting with one multiply gives the
 * same clock for a fraction of the cost:
 *
 *   ns = base_ns + ((tsc - base_tsc) * mult) >> 32
 *
 * base_ns/base_tsc are one simultaneous reading of both clocks (the
 * narrowest of a few tries), mult the rate measured over CALIBRATE_NS,
 * so the trace clock starts on CLOCK_MONOTONIC and drifts from it only
 * by the calibration's error (tens of parts per million). Ordering needs
 * no accuracy at all: every thread converts the same counter the same
 * way. RDTSC is not ordered with the instructions around it; the writer
 * encodes a thread's time going back (it does not happen between events
 * microseconds apart, but the format allows it, exactly).
 */

enum { CLK_UNSET, CLK_TSC, CLK_MONOTONIC };
#define CALIBRATE_NS 2000000u

static atomic_int clk_mode; /* CLK_*: release once the fields below are set */
static uint64_t clk_base_ns, clk_base_tsc, clk_mult;
static pthread_once_t clk_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_tsc(void)
{
    return __builtin_ia32_rdtsc();
}

static bool tsc_invariant(void)
{
    unsigned a, b, c, d;
    if (__get_cpuid(0x80000000u, &a, &b, &c, &d) == 0 || a < 0x80000007u)
        return false;
    if (__get_cpuid(0x80000007u, &a, &b, &c, &d) == 0)
        return false;
    return (d & (1u << 8)) != 0;
}
#else
static uint64_t read_tsc(void)
{
    return 0;
}

static bool tsc_invariant(void)
{
    return false;
}
#endif

/* A simultaneous reading of CLOCK_MONOTONIC and the counter: the counter
 * read between two monotonic reads, the narrowest pair of a few. */
static void clock_pair(uint64_t *ns, uint64_t *tsc)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 8; i++) {
        uint64_t m0 = monotonic_ns();
        uint64_t t = read_tsc();
        uint64_t m1 = monotonic_ns();
        if (m1 - m0 < best) {
            best = m1 - m0;
            *ns = m0 + (m1 - m0) / 2;
            *tsc = t;
        }
    }
}

static void clock_calibrate(void)
{
    const char *env = getenv("ASYNCLAB_TRACE_CLOCK");
    bool want_tsc = env == NULL || strcmp(env, "monotonic") != 0;
    int mode = CLK_MONOTONIC;
    if (want_tsc && tsc_invariant()) {
        uint64_t n0, t0, n1, t1;
        clock_pair(&n0, &t0);
        struct timespec pause = {0, CALIBRATE_NS};
        nanosleep(&pause, NULL);
        clock_pair(&n1, &t1);
        if (t1 > t0 && n1 > n0) {
            __extension__ unsigned __int128 m =
                ((unsigned __int128)(n1 - n0) << 32) / (t1 - t0);
            if (m > 0 && m < ((unsigned __int128)1 << 40)) {
                clk_base_ns = n0;
                clk_base_tsc = t0;
                clk_mult = (uint64_t)m;
                mode = CLK_TSC;
            }
        }
    }
    /* release: pairs with trace_now_ns's acquire load, which then sees
     * the base and the rate. */
    atomic_store_explicit(&clk_mode, mode, memory_order_release);
}

void trace_clock_init(void)
{
    pthread_once(&clk_once, clock_calibrate);
}

static inline uint64_t tsc_ns(void)
{
    uint64_t t = read_tsc();
    uint64_t d = t > clk_base_tsc ? t - clk_base_tsc : 0;
    __extension__ unsigned __int128 x = (unsigned __int128)d * clk_mult;
    return clk_base_ns + (uint64_t)(x >> 32);
}

/* Not yet calibrated, or no counter to read. */
__attribute__((noinline)) static uint64_t clock_slow(void)
{
    trace_clock_init();
    /* acquire: pairs with clock_calibrate's release store. */
    if (atomic_load_explicit(&clk_mode, memory_order_acquire) == CLK_TSC)
        return tsc_ns();
    return monotonic_ns();
}

/* The clock's fast path, inlined into trace_emit: the counter and one
 * multiply. */
static inline uint64_t clock_now(void)
{
    /* acquire: pairs with clock_calibrate's release store. */
    if (__builtin_expect(atomic_load_explicit(&clk_mode, memory_order_acquire) ==
                             CLK_TSC,
                         1))
        return tsc_ns();
    return clock_slow();
}

uint64_t trace_now_ns(void)
{
    return clock_now();
}

const char *trace_clock_source(void)
{
    trace_clock_init();
    return atomic_load_explicit(&clk_mode, memory_order_acquire) == CLK_TSC
               ? "tsc"
               : "monotonic";
}

/* This thread's last clock read by trace_emit, for trace_emit_next. */
static _Thread_local uint64_t last_ns;

void trace_emit(trace_sink_t *sink, trace_kind_t kind, uint32_t worker,
                uint64_t task, uint64_t a, uint64_t b)
{
    trace_event_t ev = {
        .time_ns = last_ns = clock_now(),
        .task = task,
        .a = a,
        .b = b,
        .worker = worker,
        .kind = (uint32_t)kind,
    };
    sink->write(sink, &ev);
}

void trace_emit_next(trace_sink_t *sink, trace_kind_t kind, uint32_t worker,
                     uint64_t task, uint64_t a, uint64_t b)
{
    trace_event_t ev = {
        .time_ns = last_ns != 0 ? last_ns : (last_ns = clock_now()),
        .task = task,
        .a = a,
        .b = b,
        .worker = worker,
        .kind = (uint32_t)kind,
    };
    sink->write(sink, &ev);
}

void trace__emit_at(trace_sink_t *sink, uint64_t time_ns, trace_kind_t kind,
                    uint32_t worker, uint64_t task, uint64_t a, uint64_t b)
{
    trace_event_t ev = {
        .time_ns = last_ns = time_ns,
        .task = task,
        .a = a,
        .b = b,
        .worker = worker,
        .kind = (uint32_t)kind,
    };
    sink->write(sink, &ev);
}

uint64_t trace__next_ns(void)
{
    return last_ns != 0 ? last_ns : (last_ns = clock_now());
}

static void clocked_write(trace_sink_t *self, const trace_event_t *ev)
{
    trace_clocked_sink_t *c = (trace_clocked_sink_t *)self;
    trace_event_t e = *ev;
    e.time_ns = c->now_ns(c->ctx);
    c->inner->write(c->inner, &e);
}

void trace_clocked_sink_init(trace_clocked_sink_t *c, trace_sink_t *inner,
                             uint64_t (*now_ns)(void *ctx), void *ctx)
{
    c->sink.write = clocked_write;
    c->inner = inner;
    c->now_ns = now_ns;
    c->ctx = ctx;
}

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

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

static void tee_write(trace_sink_t *self, const trace_event_t *ev)
{
    trace_tee_sink_t *t = (trace_tee_sink_t *)self;
    t->first->write(t->first, ev);
    t->second->write(t->second, ev);
}

void trace_tee_sink_init(trace_tee_sink_t *t, trace_sink_t *first,
                         trace_sink_t *second)
{
    t->sink.write = tee_write;
    t->first = first;
    t->second = second;
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
        [TRACE_TIMER_ADD] = "timer-add",
        [TRACE_TIMER_CANCEL] = "timer-cancel",
        [TRACE_IO_REGISTER] = "io-register",
        [TRACE_IO_DEREGISTER] = "io-deregister",
        [TRACE_SEARCH] = "search",
    };
    if (kind <= 0 || kind >= TRACE_KIND_COUNT)
        return "unknown";
    return names[kind];
}

/* ---- task names ------------------------------------------------------------
 *
 * A growable array of the static strings given to trace_name_id, under one
 * lock. Looked up by pointer first (a task's name is a literal, the same
 * pointer every spawn), then by content, so two copies of "leaf" share an
 * id. Only SPAWN events with tracing on come here.
 */

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static const char **names; /* names[id - 1], under names_lock */
static size_t names_len; /* under names_lock */
static size_t names_cap; /* under names_lock */

static uint64_t names_lookup(const char *name, const char **interned);

static uint64_t names_find(const char *name)
{
    for (uint64_t i = 0; i < names_len; i++)
        if (names[i] == name)
            return i + 1;
    for (uint64_t i = 0; i < names_len; i++)
        if (strcmp(names[i], name) == 0)
            return i + 1;
    return 0;
}

/* A per-thread cache of the names this thread asked for last: ids never
 * change and names are never removed, so a pointer seen once keeps its
 * id (checked against the interned string, which never moves, in case a
 * caller's buffer was reused for another name). A spawn-heavy run asks
 * for the same few literals, and now takes no lock for them. */
#define NAME_CACHE 8
static _Thread_local struct {
    const char *name, *interned;
    uint64_t id;
} name_cache[NAME_CACHE];

uint64_t trace_name_id(const char *name)
{
    if (name == NULL)
        return 0;
    size_t slot = ((uintptr_t)name >> 3) % NAME_CACHE;
    if (name_cache[slot].name == name &&
        (name_cache[slot].interned == name ||
         strcmp(name_cache[slot].interned, name) == 0))
        return name_cache[slot].id;
    const char *interned = NULL;
    uint64_t found = names_lookup(name, &interned);
    if (found != 0) {
        name_cache[slot].name = name;
        name_cache[slot].interned = interned;
        name_cache[slot].id = found;
    }
    return found;
}

static uint64_t names_lookup(const char *name, const char **interned)
{
    pthread_mutex_lock(&names_lock);
    uint64_t id = names_find(name);
    if (id == 0) {
        if (!ARRAY_GROW(names, names_len, names_cap, 32, 0)) {
            pthread_mutex_unlock(&names_lock);
            return 0;
        }
        names[names_len++] = name;
        id = names_len;
    }
    *interned = names[id - 1];
    pthread_mutex_unlock(&names_lock);
    return id;
}

const char *trace_name_of(uint64_t id)
{
    const char *name = NULL;
    pthread_mutex_lock(&names_lock);
    if (id >= 1 && id <= names_len)
        name = names[id - 1];
    pthread_mutex_unlock(&names_lock);
    return name;
}

uint64_t trace_name_count(void)
{
    pthread_mutex_lock(&names_lock);
    uint64_t n = names_len;
    pthread_mutex_unlock(&names_lock);
    return n;
}
