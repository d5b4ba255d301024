/*
 * tests/test_trace.c - core/trace: emitting, the hash sink, task names,
 * the live reader (a block read while filled, threads merged by time, many
 * producers read while they write), the codec (every
 * field, time going back, CRC-32C), trace files (round trip through
 * memory and through the writer thread, lossless and with --trace-drop's
 * bounded buffers; threads merged by time; every truncation and every
 * flipped byte of a many-block, many-thread file gives a one-line error
 * and no crash).
 *
 * Run one test: ./build/tests/test_trace trace_live_merges_threads_by_time
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/trace.h"
#include "trace/blocks.h"
#include "trace/codec.h"
#include "trace/file.h"
#include "trace/live.h"

/* ---- helpers ------------------------------------------------------------- */

/* A sink that keeps what it is given. */
typedef struct recorder {
    trace_sink_t sink;
    trace_event_t ev[4096];
    size_t n;
} recorder_t;

static void recorder_write(trace_sink_t *self, const trace_event_t *ev)
{
    recorder_t *r = (recorder_t *)self;
    if (r->n < sizeof r->ev / sizeof r->ev[0])
        r->ev[r->n] = *ev;
    r->n++;
}

static recorder_t *recorder_new(void)
{
    recorder_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->sink.write = recorder_write;
    return r;
}

static uint64_t fake_now;
static uint64_t fake_clock(void *ctx)
{
    return *(uint64_t *)ctx;
}

static trace_event_t event(uint64_t t, uint32_t kind, uint64_t task)
{
    trace_event_t ev = {
        .time_ns = t, .task = task, .kind = kind, .a = 1, .b = 2, .worker = 0};
    return ev;
}

static char *temp_path(void)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_trace_%d.bin", (int)getpid());
    return path;
}

/* ---- emit, hash, names --------------------------------------------------- */

static void trace_emit_stamps_with_the_clock(void **state)
{
    (void)state;
    recorder_t *r = recorder_new();
    trace_clocked_sink_t clocked;
    trace_clocked_sink_init(&clocked, &r->sink, fake_clock, &fake_now);
    fake_now = 1234;
    TRACE(&clocked.sink, TRACE_STEAL, 1, 0, 0, 4);
    trace_sink_t *off = NULL;
    TRACE(off, TRACE_STEAL, 1, 0, 0, 4); /* no sink: nothing happens */
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].time_ns, 1234);
    assert_int_equal(r->ev[0].kind, TRACE_STEAL);
    assert_int_equal(r->ev[0].worker, 1);
    assert_int_equal(r->ev[0].b, 4);
    free(r);
}

static void trace_hash_is_deterministic(void **state)
{
    (void)state;
    trace_hash_sink_t h1, h2;
    trace_hash_sink_init(&h1);
    trace_hash_sink_init(&h2);
    for (int i = 0; i < 10; i++) {
        trace_event_t ev = event((uint64_t)i, TRACE_POLL_START, 3);
        h1.sink.write(&h1.sink, &ev);
        h2.sink.write(&h2.sink, &ev);
    }
    assert_int_equal(h1.hash, h2.hash);
    assert_int_equal(h1.events, 10);
    trace_event_t ev = event(99, TRACE_POLL_END, 3);
    h2.sink.write(&h2.sink, &ev);
    assert_int_not_equal(h1.hash, h2.hash);
}

static void trace_kind_names_cover_vocabulary(void **state)
{
    (void)state;
    for (int k = TRACE_SPAWN; k < TRACE_KIND_COUNT; k++)
        assert_string_not_equal(trace_kind_name((trace_kind_t)k), "unknown");
    assert_string_equal(trace_kind_name(TRACE_KIND_COUNT), "unknown");
    assert_string_equal(trace_kind_name(TRACE_STEAL), "steal");
}

static void trace_names_are_interned(void **state)
{
    (void)state;
    char copy[] = "trace-test-leaf";
    uint64_t a = trace_name_id("trace-test-leaf");
    uint64_t b = trace_name_id("trace-test-leaf");
    uint64_t c = trace_name_id(copy);
    uint64_t d = trace_name_id("trace-test-root");
    assert_true(a >= 1);
    assert_int_equal(a, b);
    assert_int_equal(a, c);
    assert_int_not_equal(a, d);
    assert_string_equal(trace_name_of(a), "trace-test-leaf");
    assert_null(trace_name_of(0));
    assert_int_equal(trace_name_id(NULL), 0);
    assert_true(trace_name_count() >= 2);
}

/* ---- several threads, merged by time (trace/live.h) ------------------------ */

typedef struct producer {
    trace_blocks_t *blocks;
    uint64_t id;
    uint64_t count;
    const uint64_t *times;   /* NULL: time = sequence number */
    pthread_barrier_t *done; /* NULL, or wait here before exiting */
} producer_t;

static void *producer_main(void *arg)
{
    producer_t *p = arg;
    for (uint64_t i = 0; i < p->count; i++) {
        trace_event_t ev =
            event(p->times ? p->times[i] : i, TRACE_POLL_END, p->id);
        ev.a = i; /* sequence number within this producer */
        p->blocks->sink.write(&p->blocks->sink, &ev);
    }
    if (p->done != NULL)
        pthread_barrier_wait(p->done);
    return NULL;
}

static void trace_live_merges_threads_by_time(void **state)
{
    (void)state;
    static const uint64_t t1[] = {1, 4, 5, 9};
    static const uint64_t t2[] = {2, 3, 6, 7, 8};
    trace_blocks_t blocks;
    trace_blocks_opts_t o = {.live = true};
    assert_int_equal(trace_blocks_init(&blocks, &o), 0);
    /* Both threads live until both have written: two distinct buffers. */
    pthread_barrier_t done;
    pthread_barrier_init(&done, NULL, 2);
    producer_t p1 = {&blocks, 1, 4, t1, &done},
               p2 = {&blocks, 2, 5, t2, &done};
    pthread_t th1, th2;
    pthread_create(&th1, NULL, producer_main, &p1);
    pthread_create(&th2, NULL, producer_main, &p2);
    pthread_join(th1, NULL);
    pthread_join(th2, NULL);
    pthread_barrier_destroy(&done);
    recorder_t *r = recorder_new();
    trace_live_t l;
    trace_live_init(&l, &blocks);
    /* Read while the blocks are still open, then after they are sealed:
     * each event once, in time order across the two threads. */
    assert_int_equal(trace_live_drain(&l, &r->sink, UINT64_MAX), 9);
    trace_blocks_finish(&blocks);
    assert_int_equal(trace_live_drain(&l, &r->sink, UINT64_MAX), 0);
    for (uint64_t i = 0; i < 9; i++)
        assert_int_equal(r->ev[i].time_ns, i + 1);
    assert_int_equal(l.late, 0);
    trace_live_destroy(&l);
    trace_blocks_destroy(&blocks);
    free(r);
}

/* A consumer that checks each producer's events arrive in its order. */
typedef struct checker {
    trace_sink_t sink;
    uint64_t next[5]; /* expected minimum sequence per producer */
    uint64_t total;
    bool ordered;
} checker_t;

static void checker_write(trace_sink_t *self, const trace_event_t *ev)
{
    checker_t *c = (checker_t *)self;
    if (ev->task >= 5 || ev->a < c->next[ev->task])
        c->ordered = false;
    else
        c->next[ev->task] = ev->a + 1;
    c->total++;
}

/* ---- files --------------------------------------------------------------- */

static const char *const NAMES[] = {"root", "leaf", "sleeper"};

static void save_sample(const char *path, size_t n_events)
{
    trace_info_t info;
    trace_info_set(&info, "ws", "fanout", 4, true, 7, TRACE_CLOCK_VIRTUAL);
    trace_event_t *ev = calloc(n_events + 1, sizeof *ev);
    for (size_t i = 0; i < n_events; i++) {
        ev[i] = event(i * 10, TRACE_SCHEDULE + (uint32_t)(i % 5), i + 1);
        ev[i].worker = (uint32_t)(i % 4);
    }
    assert_int_equal(trace_file_save(path, &info, ev, n_events, 3, NAMES, 3),
                     0);
    free(ev);
}

static void trace_file_round_trip(void **state)
{
    (void)state;
    const char *path = temp_path();
    save_sample(path, 100);
    trace_file_t f;
    char err[200] = "";
    assert_int_equal(trace_file_load(path, &f, err, sizeof err), 0);
    assert_string_equal(f.info.executor, "ws");
    assert_string_equal(f.info.scenario, "fanout");
    assert_int_equal(f.info.workers, 4);
    assert_true(f.info.sim);
    assert_int_equal(f.info.seed, 7);
    assert_int_equal(f.info.clock, TRACE_CLOCK_VIRTUAL);
    assert_int_equal(f.dropped, 3);
    assert_int_equal(f.n_events, 100);
    assert_int_equal(f.events[42].time_ns, 420);
    assert_int_equal(f.events[42].task, 43);
    assert_int_equal(f.events[42].worker, 2);
    assert_int_equal(f.events[42].kind, TRACE_SCHEDULE + 42 % 5);
    assert_int_equal(f.n_names, 3);
    assert_string_equal(trace_file_name(&f, 3), "sleeper");
    assert_null(trace_file_name(&f, 4));
    trace_file_free(&f);
    unlink(path);
}

typedef struct emitter {
    trace_sink_t *sink;
    uint32_t worker;
} emitter_t;

static void *emit_many(void *arg)
{
    emitter_t *e = arg;
    uint64_t name = trace_name_id("trace-writer-task");
    for (uint64_t i = 1; i <= 5000; i++)
        TRACE(e->sink, i == 1 ? TRACE_SPAWN : TRACE_POLL_START, e->worker, i, 0,
              i == 1 ? name : 0);
    return NULL;
}

static void trace_writer_records_every_thread(void **state)
{
    (void)state;
    const char *path = temp_path();
    trace_info_t info;
    trace_info_set(&info, "notify", "timers", 1, false, 0,
                   TRACE_CLOCK_MONOTONIC);
    int err = 0;
    trace_writer_t *w = trace_writer_open(path, &info, &err);
    assert_non_null(w);
    pthread_t th[2];
    emitter_t e[2];
    for (uint32_t i = 0; i < 2; i++) {
        e[i] = (emitter_t){trace_writer_sink(w), i};
        pthread_create(&th[i], NULL, emit_many, &e[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(trace_writer_close(w), 0);

    trace_file_t f;
    char msg[200];
    assert_int_equal(trace_file_load(path, &f, msg, sizeof msg), 0);
    /* Lossless: every event, none dropped, two threads of 5000. */
    assert_int_equal(f.n_events, 10000);
    assert_int_equal(f.dropped, 0);
    assert_int_equal(f.n_threads, 2);
    assert_int_equal(f.threads[0].events + f.threads[1].events, 10000);
    /* Each thread's events keep their order. (Across threads the order is
     * by timestamp except for a thread preempted inside TRACE: see
     * trace/live.h.) */
    uint64_t last[2] = {0, 0};
    for (size_t i = 0; i < f.n_events; i++) {
        const trace_event_t *ev = &f.events[i];
        assert_true(ev->worker < 2);
        assert_true(ev->task > last[ev->worker]);
        last[ev->worker] = ev->task;
    }
    uint64_t id = trace_name_id("trace-writer-task");
    assert_string_equal(trace_file_name(&f, id), "trace-writer-task");
    trace_file_free(&f);
    unlink(path);
}

static void trace_writer_open_reports_errno(void **state)
{
    (void)state;
    trace_info_t info;
    trace_info_set(&info, "spin", "x", 1, false, 0, 0);
    int err = 0;
    assert_null(trace_writer_open("/nonexistent-dir/t.bin", &info, &err));
    assert_int_equal(err, -ENOENT);
}

/* Read path into memory; *len gets its size. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(*len);
    assert_int_equal(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

/* Expect buf[0..len) to be rejected with a one-line message starting with
 * prefix. */
static void expect_reject(const unsigned char *buf, size_t len,
                          const char *prefix)
{
    trace_file_t f;
    char err[200] = "";
    assert_int_equal(trace_file_parse(buf, len, &f, err, sizeof err), -EINVAL);
    assert_null(strchr(err, '\n'));
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("len %zu: \"%s\" does not start with \"%s\"", len, err,
                 prefix);
    assert_null(f.events);
}

static void trace_file_rejects_empty_and_foreign(void **state)
{
    (void)state;
    expect_reject((const unsigned char *)"", 0, "empty file");
    expect_reject((const unsigned char *)"hello world, not a trace", 24,
                  "not an asynclab trace");
}

static void trace_file_rejects_every_truncation(void **state)
{
    (void)state;
    const char *path = temp_path();
    save_sample(path, 20);
    size_t len;
    unsigned char *buf = slurp(path, &len);
    for (size_t cut = 8; cut < len; cut++)
        expect_reject(buf, cut, "truncated");
    free(buf);
    unlink(path);
}

static void trace_file_rejects_wrong_version(void **state)
{
    (void)state;
    const char *path = temp_path();
    save_sample(path, 5);
    size_t len;
    unsigned char *buf = slurp(path, &len);
    buf[8] = 1; /* the version field: the 40-byte events of version 1 */
    expect_reject(buf, len, "unsupported trace format version 1 (this build "
                            "reads version 2");
    buf[8] = 99;
    expect_reject(buf, len, "unsupported trace format version 99");
    free(buf);
    unlink(path);
}

static void trace_file_rejects_every_flipped_byte(void **state)
{
    (void)state;
    const char *path = temp_path();
    save_sample(path, 10);
    size_t len;
    unsigned char *buf = slurp(path, &len);
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x20;
        trace_file_t f;
        char err[200] = "";
        assert_int_not_equal(trace_file_parse(buf, len, &f, err, sizeof err),
                             0);
        assert_true(err[0] != 0);
        buf[i] ^= 0x20;
    }
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0;
    expect_reject(longer, len + 1, "corrupt");
    free(longer);
    free(buf);
    unlink(path);
}

static void trace_file_rejects_unfinished_recording(void **state)
{
    (void)state;
    const char *path = temp_path();
    trace_info_t info;
    trace_info_set(&info, "spin", "x", 1, false, 0, 0);
    int err = 0;
    trace_writer_t *w = trace_writer_open(path, &info, &err);
    assert_non_null(w);
    size_t len;
    unsigned char *buf = slurp(path, &len); /* before close */
    expect_reject(buf, len, "truncated: the recording never finished");
    free(buf);
    assert_int_equal(trace_writer_close(w), 0);
    unlink(path);
}


/* ---- the codec, CRC-32C -------------------------------------------------- */

static void trace_crc32c_check_value(void **state)
{
    (void)state;
    assert_int_equal(trace_crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(trace_crc32c_sw(0, "123456789", 9), 0xe3069283u);
    unsigned char buf[1000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    for (size_t n = 0; n < sizeof buf; n += 37) {
        assert_int_equal(trace_crc32c(0, buf, n), trace_crc32c_sw(0, buf, n));
        /* chained = whole */
        uint32_t c = trace_crc32c(trace_crc32c(0, buf, n / 3), buf + n / 3,
                                  n - n / 3);
        assert_int_equal(c, trace_crc32c(0, buf, n));
    }
}

static void trace_codec_round_trips_every_field(void **state)
{
    (void)state;
    enum { N = 2000 };
    trace_event_t *in = calloc(N, sizeof *in), out;
    unsigned char *buf = malloc(N * TRACE_EVENT_MAX);
    assert_non_null(in);
    assert_non_null(buf);
    uint64_t x = 88172645463325252ull; /* xorshift64 */
    uint64_t t = 1000;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* mostly forward in small steps, sometimes back, sometimes huge */
        t = (x & 15) == 0 ? t - (x >> 50) : (x & 15) == 1 ? x : t + (x & 255);
        in[i].time_ns = t;
        in[i].task = (x & 3) == 0 ? 0 : (x & 3) == 1 ? UINT64_MAX - (x >> 60)
                     : (x >> 8) & 1023;
        in[i].a = (x & 4) ? x : 0;
        in[i].b = (x & 8) ? x >> 3 : 0;
        in[i].worker = (x & 0x30) == 0 ? TRACE_NO_WORKER : (uint32_t)(x >> 40) & 3;
        in[i].kind = 1 + (uint32_t)((x >> 20) % (TRACE_KIND_COUNT - 1));
    }
    codec_state_t enc, dec;
    codec_reset(&enc, 500, 7);
    codec_reset(&dec, 500, 7);
    unsigned char *p = buf;
    for (size_t i = 0; i < N; i++) {
        unsigned char *q = codec_put_event(p, &enc, &in[i]);
        assert_true((size_t)(q - p) <= TRACE_EVENT_MAX);
        p = q;
    }
    const unsigned char *r = buf;
    for (size_t i = 0; i < N; i++) {
        const char *why = NULL;
        assert_int_equal(codec_get_event(&r, p, &dec, &out, &why), 0);
        assert_int_equal(out.time_ns, in[i].time_ns);
        assert_int_equal(out.task, in[i].task);
        assert_int_equal(out.a, in[i].a);
        assert_int_equal(out.b, in[i].b);
        assert_int_equal(out.worker, in[i].worker);
        assert_int_equal(out.kind, in[i].kind);
    }
    assert_ptr_equal(r, p);
    const char *why = NULL;
    assert_int_equal(codec_get_event(&r, p, &dec, &out, &why), -1);
    free(in);
    free(buf);
}

static void trace_codec_is_small_on_a_yield_loop(void **state)
{
    (void)state;
    /* yield_many's shape: poll-start, self-wake, schedule(local),
     * poll-end, tasks in turn, tens of ns apart. */
    unsigned char buf[64 * 400];
    codec_state_t st;
    codec_reset(&st, 0, 0);
    unsigned char *p = buf;
    uint64_t t = 0;
    for (uint64_t i = 0; i < 400; i++) {
        uint64_t task = 1 + i % 100;
        trace_event_t e[4] = {
            {t += 30, task, 0, 0, 0, TRACE_POLL_START},
            {t += 20, task, 0, 0, 0, TRACE_POLL_END},
            {t += 10, task, 0, 0, 0, TRACE_SELF_WAKE},
            {t += 10, task, TRACE_Q_LOCAL, 0, 0, TRACE_SCHEDULE},
        };
        for (int k = 0; k < 4; k++)
            p = codec_put_event(p, &st, &e[k]);
    }
    size_t bytes = (size_t)(p - buf);
    assert_true(bytes <= 1600 * 3); /* at most 3 bytes an event */
}

/* ---- files: many threads, many blocks ------------------------------------ */

typedef struct timed_producer {
    trace_sink_t *sink;
    uint32_t worker;
    uint64_t count;
    const uint64_t *times;
    pthread_barrier_t *done;
} timed_producer_t;

static void *timed_main(void *arg)
{
    timed_producer_t *p = arg;
    uint64_t name = trace_name_id("trace-writer-task");
    for (uint64_t i = 0; i < p->count; i++) {
        trace_event_t ev = {
            .time_ns = p->times != NULL ? p->times[i] : 1000 + 3 * i,
            .task = (i % 7) + 1,
            .a = i,
            .b = i == 0 ? name : 0,
            .worker = p->worker,
            .kind = i == 0 ? TRACE_SPAWN : TRACE_POLL_START + (uint32_t)(i % 3),
        };
        p->sink->write(p->sink, &ev);
    }
    if (p->done != NULL)
        pthread_barrier_wait(p->done);
    return NULL;
}

/* Record `each` events from each of two threads into path, through the
 * writer (small blocks: many of them); returns the report's dropped. */
static uint64_t record_two_threads(const char *path, uint64_t each,
                                   const uint64_t *t1, const uint64_t *t2,
                                   const trace_writer_opts_t *o)
{
    trace_info_t info;
    trace_info_set(&info, "ws", "fanout", 2, false, 0, TRACE_CLOCK_MONOTONIC);
    int err = 0;
    trace_writer_t *w = trace_writer_open_opts(path, &info, o, &err);
    assert_non_null(w);
    pthread_barrier_t done;
    pthread_barrier_init(&done, NULL, 2);
    timed_producer_t p1 = {trace_writer_sink(w), 0, each, t1, &done};
    timed_producer_t p2 = {trace_writer_sink(w), 1, each, t2, &done};
    pthread_t th1, th2;
    pthread_create(&th1, NULL, timed_main, &p1);
    pthread_create(&th2, NULL, timed_main, &p2);
    pthread_join(th1, NULL);
    pthread_join(th2, NULL);
    pthread_barrier_destroy(&done);
    trace_writer_report_t rep;
    assert_int_equal(trace_writer_close_report(w, &rep), 0);
    assert_int_equal(rep.events + rep.dropped, 2 * each);
    assert_int_equal(rep.n_threads, 2);
    uint64_t dropped = rep.dropped;
    trace_writer_report_free(&rep);
    return dropped;
}

static void trace_file_merges_threads_by_time(void **state)
{
    (void)state;
    static const uint64_t t1[] = {1, 4, 5, 9, 10};
    static const uint64_t t2[] = {2, 3, 6, 7, 10};
    const char *path = temp_path();
    assert_int_equal(record_two_threads(path, 5, t1, t2, NULL), 0);
    trace_file_t f;
    char err[200];
    assert_int_equal(trace_file_load(path, &f, err, sizeof err), 0);
    assert_int_equal(f.n_events, 10);
    static const uint64_t want[] = {1, 2, 3, 4, 5, 6, 7, 9, 10, 10};
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(f.events[i].time_ns, want[i]);
    /* the tie at 10: the thread that wrote first (thread 0) first */
    uint32_t first = f.events[8].worker;
    assert_int_equal(f.threads[0].first_worker, first);
    trace_file_free(&f);
    unlink(path);
}

static void trace_writer_many_blocks_lossless(void **state)
{
    (void)state;
    const char *path = temp_path();
    trace_writer_opts_t o = {.block_bytes = 1024};
    assert_int_equal(record_two_threads(path, 20000, NULL, NULL, &o), 0);
    trace_file_t f;
    char err[200];
    assert_int_equal(trace_file_load(path, &f, err, sizeof err), 0);
    assert_int_equal(f.n_events, 40000);
    assert_true(f.blocks > 40);
    /* each thread's events in its order (a = its sequence number) */
    uint64_t next[2] = {0, 0};
    for (size_t i = 0; i < f.n_events; i++) {
        const trace_event_t *ev = &f.events[i];
        assert_true(ev->worker < 2);
        assert_int_equal(ev->a, next[ev->worker]);
        next[ev->worker]++;
        if (i > 0)
            assert_true(ev->time_ns >= f.events[i - 1].time_ns);
    }
    trace_file_free(&f);
    unlink(path);
}

static void trace_writer_drop_mode_counts_per_thread(void **state)
{
    (void)state;
    const char *path = temp_path();
    trace_writer_opts_t o = {.drop = true, .buffer_bytes = 2048};
    uint64_t dropped = record_two_threads(path, 30000, NULL, NULL, &o);
    trace_file_t f;
    char err[200];
    assert_int_equal(trace_file_load(path, &f, err, sizeof err), 0);
    assert_int_equal(f.n_events + f.dropped, 60000);
    assert_int_equal(f.dropped, dropped);
    uint64_t lost = 0;
    for (size_t i = 0; i < f.n_threads; i++) {
        lost += f.threads[i].lost;
        assert_int_equal(f.threads[i].events + f.threads[i].lost, 30000);
    }
    assert_int_equal(lost, f.dropped);
    char line[200];
    trace_describe_losses(line, sizeof line, f.dropped, f.threads, f.n_threads);
    if (f.dropped > 0)
        assert_non_null(strstr(line, "lost "));
    else
        assert_string_equal(line, "no events lost");
    trace_file_free(&f);
    unlink(path);
}

static void trace_describe_losses_names_threads(void **state)
{
    (void)state;
    trace_thread_stats_t th[3] = {
        {0, TRACE_NO_WORKER, 1, 10, 0},
        {1, 0, 1, 10, 12},
        {2, 1, 1, 10, 3},
    };
    char line[200];
    trace_describe_losses(line, sizeof line, 20, th, 3);
    assert_string_equal(line, "lost 20 events: thread 1 (w0) 12, thread 2 "
                              "(w1) 3, threads with no buffer 5");
    trace_describe_losses(line, sizeof line, 0, th, 3);
    assert_string_equal(line, "no events lost");
    char tiny[8];
    trace_describe_losses(tiny, sizeof tiny, 20, th, 3); /* truncates */
    assert_true(strlen(tiny) < sizeof tiny);
}

/* A file of two threads and many small blocks, as bytes. */
static unsigned char *many_block_file(size_t *len)
{
    const char *path = temp_path();
    trace_writer_opts_t o = {.block_bytes = 1024};
    record_two_threads(path, 700, NULL, NULL, &o);
    unsigned char *buf = slurp(path, len);
    unlink(path);
    return buf;
}

static void trace_file_rejects_every_truncation_of_many_blocks(void **state)
{
    (void)state;
    size_t len;
    unsigned char *buf = many_block_file(&len);
    trace_file_t f;
    char err[200];
    assert_int_equal(trace_file_parse(buf, len, &f, err, sizeof err), 0);
    assert_true(f.blocks >= 4);
    trace_file_free(&f);
    for (size_t cut = 8; cut < len; cut++)
        expect_reject(buf, cut, "truncated");
    free(buf);
}

static void trace_file_rejects_every_flip_of_many_blocks(void **state)
{
    (void)state;
    size_t len;
    unsigned char *buf = many_block_file(&len);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 5) {
            buf[i] ^= (unsigned char)(1u << bit);
            trace_file_t f;
            char err[200] = "";
            if (trace_file_parse(buf, len, &f, err, sizeof err) == 0)
                fail_msg("byte %zu bit %d flipped: accepted", i, bit);
            assert_true(err[0] != 0);
            assert_null(strchr(err, '\n'));
            buf[i] ^= (unsigned char)(1u << bit);
        }
    }
    free(buf);
}

/* ---- the live reader ----------------------------------------------------- */

static void write_at(trace_blocks_t *b, uint64_t t, uint64_t seq)
{
    trace_event_t ev = event(t, TRACE_POLL_START, 7);
    ev.a = seq;
    b->sink.write(&b->sink, &ev);
}

/* Events show up while their block is still being filled, each once,
 * and the reader goes on across sealed blocks. */
static void trace_live_reads_a_block_being_filled(void **state)
{
    (void)state;
    trace_blocks_t b;
    trace_blocks_opts_t o = {.live = true, .block_bytes = 1024};
    assert_int_equal(trace_blocks_init(&b, &o), 0);
    trace_live_t l;
    trace_live_init(&l, &b);
    recorder_t *r = recorder_new();
    for (uint64_t i = 0; i < 3; i++)
        write_at(&b, 10 * (i + 1), i);
    assert_int_equal(trace_live_drain(&l, &r->sink, UINT64_MAX), 3);
    assert_int_equal(trace_live_drain(&l, &r->sink, UINT64_MAX), 0);
    write_at(&b, 40, 3);
    write_at(&b, 50, 4);
    /* The watermark holds back what is after it. */
    assert_int_equal(trace_live_drain(&l, &r->sink, 45), 1);
    assert_int_equal(trace_live_drain(&l, &r->sink, UINT64_MAX), 1);
    for (uint64_t i = 5; i < 2000; i++) /* many blocks of 1 KiB */
        write_at(&b, 10 * (i + 1), i);
    assert_int_equal(trace_live_drain(&l, &r->sink, UINT64_MAX), 1995);
    trace_blocks_finish(&b);
    assert_int_equal(trace_live_drain(&l, &r->sink, UINT64_MAX), 0);
    assert_int_equal(r->n, 2000);
    for (uint64_t i = 0; i < 2000; i++) {
        assert_int_equal(r->ev[i].a, i);
        assert_int_equal(r->ev[i].time_ns, 10 * (i + 1));
    }
    assert_int_equal(l.late, 0);
    assert_int_equal(l.corrupt, 0);
    trace_live_destroy(&l);
    trace_blocks_destroy(&b);
    free(r);
}

typedef struct live_producer {
    trace_blocks_t *b;
    uint64_t id, count;
} live_producer_t;

static void *live_producer_main(void *arg)
{
    live_producer_t *p = arg;
    for (uint64_t i = 0; i < p->count; i++) {
        trace_event_t ev = event(trace_now_ns(), TRACE_POLL_END, p->id);
        ev.a = i;
        p->b->sink.write(&p->b->sink, &ev);
    }
    return NULL;
}

/* Threads writing while the reader drains: every event arrives, once,
 * each thread's in its order. */
static void trace_live_keeps_every_thread_whole_and_in_order(void **state)
{
    (void)state;
    enum { PRODUCERS = 4, EACH = 50000 };
    trace_blocks_t b;
    trace_blocks_opts_t o = {.live = true, .block_bytes = 4096};
    assert_int_equal(trace_blocks_init(&b, &o), 0);
    trace_live_t l;
    trace_live_init(&l, &b);
    checker_t c = {.sink.write = checker_write, .ordered = true};
    live_producer_t p[PRODUCERS];
    pthread_t th[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        p[i] = (live_producer_t){&b, (uint64_t)i + 1, EACH};
        pthread_create(&th[i], NULL, live_producer_main, &p[i]);
    }
    for (int k = 0; k < 200; k++)
        trace_live_drain(&l, &c.sink, trace_live_until_now());
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(th[i], NULL);
    trace_blocks_finish(&b);
    trace_live_drain(&l, &c.sink, UINT64_MAX);
    assert_true(c.ordered);
    assert_int_equal(c.total, (uint64_t)PRODUCERS * EACH);
    for (int i = 1; i <= PRODUCERS; i++)
        assert_int_equal(c.next[i], EACH);
    assert_int_equal(l.delivered, (uint64_t)PRODUCERS * EACH);
    assert_int_equal(l.corrupt, 0);
    assert_int_equal(trace_blocks_dropped(&b), 0);
    trace_live_destroy(&l);
    trace_blocks_destroy(&b);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trace_emit_stamps_with_the_clock),
        cmocka_unit_test(trace_hash_is_deterministic),
        cmocka_unit_test(trace_kind_names_cover_vocabulary),
        cmocka_unit_test(trace_names_are_interned),
        cmocka_unit_test(trace_live_merges_threads_by_time),
        cmocka_unit_test(trace_file_round_trip),
        cmocka_unit_test(trace_writer_records_every_thread),
        cmocka_unit_test(trace_writer_open_reports_errno),
        cmocka_unit_test(trace_file_rejects_empty_and_foreign),
        cmocka_unit_test(trace_file_rejects_every_truncation),
        cmocka_unit_test(trace_file_rejects_wrong_version),
        cmocka_unit_test(trace_file_rejects_every_flipped_byte),
        cmocka_unit_test(trace_file_rejects_unfinished_recording),
        cmocka_unit_test(trace_crc32c_check_value),
        cmocka_unit_test(trace_codec_round_trips_every_field),
        cmocka_unit_test(trace_codec_is_small_on_a_yield_loop),
        cmocka_unit_test(trace_file_merges_threads_by_time),
        cmocka_unit_test(trace_writer_many_blocks_lossless),
        cmocka_unit_test(trace_writer_drop_mode_counts_per_thread),
        cmocka_unit_test(trace_describe_losses_names_threads),
        cmocka_unit_test(trace_file_rejects_every_truncation_of_many_blocks),
        cmocka_unit_test(trace_file_rejects_every_flip_of_many_blocks),
        cmocka_unit_test(trace_live_reads_a_block_being_filled),
        cmocka_unit_test(trace_live_keeps_every_thread_whole_and_in_order),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
