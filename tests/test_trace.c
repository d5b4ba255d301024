/*
 * tests/test_trace.c - core/trace: emitting, the hash sink, task names,
 * per-thread rings (order, drops, many producers), trace files (round
 * trip through memory and through the writer thread; every way a file can
 * be broken gives a one-line error and no crash).
 *
 * Run one test: ./build/tests/test_trace trace_rings_count_drops_when_full
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
#include "trace/file.h"
#include "trace/rings.h"

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

/* ---- rings --------------------------------------------------------------- */

static void trace_rings_deliver_in_order(void **state)
{
    (void)state;
    trace_rings_t rings;
    assert_int_equal(trace_rings_init(&rings, 64), 0);
    recorder_t *r = recorder_new();
    for (uint64_t i = 0; i < 50; i++) {
        trace_event_t ev = event(i, TRACE_POLL_START, i);
        rings.sink.write(&rings.sink, &ev);
    }
    assert_int_equal(trace_rings_drain(&rings, &r->sink), 50);
    assert_int_equal(trace_rings_drain(&rings, &r->sink), 0);
    for (uint64_t i = 0; i < 50; i++)
        assert_int_equal(r->ev[i].task, i);
    assert_int_equal(trace_rings_dropped(&rings), 0);
    trace_rings_destroy(&rings);
    free(r);
}

static void trace_rings_count_drops_when_full(void **state)
{
    (void)state;
    trace_rings_t rings;
    assert_int_equal(trace_rings_init(&rings, 3), 0); /* rounds up to 4 */
    assert_int_equal(rings.capacity, 4);
    recorder_t *r = recorder_new();
    for (uint64_t i = 0; i < 10; i++) {
        trace_event_t ev = event(i, TRACE_WAKE, i);
        rings.sink.write(&rings.sink, &ev);
    }
    assert_int_equal(trace_rings_dropped(&rings), 6);
    assert_int_equal(trace_rings_drain(&rings, &r->sink), 4);
    assert_int_equal(r->ev[3].task, 3); /* the oldest four were kept */
    /* room again after the drain */
    trace_event_t ev = event(11, TRACE_WAKE, 11);
    rings.sink.write(&rings.sink, &ev);
    assert_int_equal(trace_rings_drain(&rings, &r->sink), 1);
    assert_int_equal(r->ev[4].task, 11);
    trace_rings_destroy(&rings);
    free(r);
}

typedef struct producer {
    trace_rings_t *rings;
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
        p->rings->sink.write(&p->rings->sink, &ev);
    }
    if (p->done != NULL)
        pthread_barrier_wait(p->done);
    return NULL;
}

static void trace_rings_merge_threads_by_time(void **state)
{
    (void)state;
    static const uint64_t t1[] = {1, 4, 5, 9};
    static const uint64_t t2[] = {2, 3, 6, 7, 8};
    trace_rings_t rings;
    trace_rings_init(&rings, 16);
    /* Both threads live until both have written: two distinct rings. */
    pthread_barrier_t done;
    pthread_barrier_init(&done, NULL, 2);
    producer_t p1 = {&rings, 1, 4, t1, &done}, p2 = {&rings, 2, 5, t2, &done};
    pthread_t th1, th2;
    pthread_create(&th1, NULL, producer_main, &p1);
    pthread_create(&th2, NULL, producer_main, &p2);
    pthread_join(th1, NULL);
    pthread_join(th2, NULL);
    pthread_barrier_destroy(&done);
    recorder_t *r = recorder_new();
    assert_int_equal(trace_rings_drain(&rings, &r->sink), 9);
    for (uint64_t i = 0; i < 9; i++)
        assert_int_equal(r->ev[i].time_ns, i + 1);
    trace_rings_destroy(&rings);
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

static void trace_rings_never_block_many_producers(void **state)
{
    (void)state;
    enum { PRODUCERS = 4, EACH = 20000 };
    trace_rings_t rings;
    trace_rings_init(&rings, 256);
    producer_t p[PRODUCERS];
    pthread_t th[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        p[i] = (producer_t){&rings, (uint64_t)i + 1, EACH, NULL, NULL};
        pthread_create(&th[i], NULL, producer_main, &p[i]);
    }
    checker_t c = {.sink.write = checker_write, .ordered = true};
    for (int i = 0; i < 200; i++)
        trace_rings_drain(&rings, &c.sink); /* concurrently with them */
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(th[i], NULL);
    trace_rings_drain(&rings, &c.sink);
    assert_true(c.ordered);
    assert_int_equal(c.total + trace_rings_dropped(&rings),
                     (uint64_t)PRODUCERS * EACH);
    trace_rings_destroy(&rings);
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
    assert_int_equal(f.n_events + f.dropped, 10000);
    /* Each thread's events keep their order. (Across threads the order is
     * by timestamp except for a thread preempted inside TRACE: see
     * trace_rings_drain.) */
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
    buf[8] = 2; /* the version field */
    expect_reject(buf, len, "unsupported trace format version 2");
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

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trace_emit_stamps_with_the_clock),
        cmocka_unit_test(trace_hash_is_deterministic),
        cmocka_unit_test(trace_kind_names_cover_vocabulary),
        cmocka_unit_test(trace_names_are_interned),
        cmocka_unit_test(trace_rings_deliver_in_order),
        cmocka_unit_test(trace_rings_count_drops_when_full),
        cmocka_unit_test(trace_rings_merge_threads_by_time),
        cmocka_unit_test(trace_rings_never_block_many_producers),
        cmocka_unit_test(trace_file_round_trip),
        cmocka_unit_test(trace_writer_records_every_thread),
        cmocka_unit_test(trace_writer_open_reports_errno),
        cmocka_unit_test(trace_file_rejects_empty_and_foreign),
        cmocka_unit_test(trace_file_rejects_every_truncation),
        cmocka_unit_test(trace_file_rejects_wrong_version),
        cmocka_unit_test(trace_file_rejects_every_flipped_byte),
        cmocka_unit_test(trace_file_rejects_unfinished_recording),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
