/*
 * tests/test_spin.c - the spin executor (spin_executor/), through the
 * generic interface of core/executor.h.
 *
 * The futures here answer PENDING a known number of times, so every count
 * (polls, wasted polls, passes, trace events) is exact: the spin executor
 * is deterministic, whatever the machine's speed.
 *
 * One test: ./build/tests/test_spin spin_polls_round_robin
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "scenarios/widget.h"
#include "core/executor.h"
#include "core/poll_watch.h"
#include "core/trace.h"
#include "driver/time.h"
#include "spin_executor/spin_executor.h"
#include "visualizer/model.h"

/* ---- helpers ------------------------------------------------------------- */

static executor_t *spin_new_clocked(trace_sink_t *trace, bool virtual_time)
{
    executor_config_t cfg = {.kind = &spin_executor_kind,
                             .trace = trace,
                             .virtual_time = virtual_time};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    return ex;
}

static executor_t *spin_new(trace_sink_t *trace)
{
    return spin_new_clocked(trace, false);
}

static executor_stats_t stats_of(executor_t *ex)
{
    executor_stats_t st;
    executor_stats(ex, &st);
    return st;
}

/* A shared log of which task was polled, in order. */
typedef struct poll_log {
    int ids[64];
    int len;
} poll_log_t;

/* Writes its id to the log on every poll; PENDING `pendings` times. */
typedef struct recorder {
    future_t base;
    int id;
    int pendings;
    poll_log_t *log;
} recorder_t;

static poll_t recorder_poll(future_t *f, context_t *cx)
{
    recorder_t *r = (recorder_t *)f;
    assert_true(r->log->len < 64);
    r->log->ids[r->log->len++] = r->id;
    if (r->pendings == 0)
        return POLL_READY;
    r->pendings--;
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}

static void spawn_recorder(executor_t *ex, int id, int pendings,
                           poll_log_t *log)
{
    recorder_t r = {{recorder_poll, NULL}, id, pendings, log};
    assert_int_equal(executor_spawn(ex, &r.base, sizeof r, "recorder", NULL),
                     0);
}

/* ---- running tasks ------------------------------------------------------- */

static void spin_runs_ten_thousand_tasks(void **state)
{
    (void)state;
    enum { N = 10000 };
    executor_t *ex = spin_new(NULL);
    widget_tally_t tally;
    widget_tally_init(&tally);
    uint64_t want_polls = 0, want_sum = 0;

    for (int i = 0; i < N; i++) {
        widget_task_t w;
        if (i % 2 == 0)
            widget_task_init_hand(&w, i % 4, i, &tally);
        else
            widget_task_init_async(&w, i % 4, i, &tally);
        assert_int_equal(executor_spawn(ex, &w.base, sizeof w, "w", NULL), 0);
        want_polls += (uint64_t)(i % 4) + 1;
        want_sum += (uint64_t)i;
    }
    assert_int_equal(executor_run(ex), 0);

    executor_stats_t st = stats_of(ex);
    assert_int_equal(atomic_load(&tally.done), N);
    assert_int_equal(atomic_load(&tally.sum), want_sum);
    assert_int_equal(st.spawned, N);
    assert_int_equal(st.completed, N);
    assert_int_equal(st.polls, want_polls);
    assert_int_equal(st.max_queue_depth, N);
    executor_destroy(ex);
}

static void spin_polls_round_robin(void **state)
{
    (void)state;
    executor_t *ex = spin_new(NULL);
    poll_log_t log = {.len = 0};
    spawn_recorder(ex, 1, 2, &log);
    spawn_recorder(ex, 2, 0, &log);
    spawn_recorder(ex, 3, 1, &log);
    assert_int_equal(executor_run(ex), 0);

    /* Front to back, pending ones to the back: 1 2 3 | 1 3 | 1 */
    int want[] = {1, 2, 3, 1, 3, 1};
    assert_int_equal(log.len, 6);
    assert_memory_equal(log.ids, want, sizeof want);
    executor_destroy(ex);
}

static void spin_counts_wasted_polls_exactly(void **state)
{
    (void)state;
    executor_t *ex = spin_new(NULL);
    poll_log_t log = {.len = 0};
    int pendings[] = {0, 1, 5, 10};
    for (int i = 0; i < 4; i++)
        spawn_recorder(ex, i, pendings[i], &log);
    assert_int_equal(executor_run(ex), 0);

    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.pending_polls, 0 + 1 + 5 + 10);
    assert_int_equal(st.polls, 16 + 4);
    assert_int_equal(st.completed, 4);
    assert_int_equal(st.wakes, 0); /* the no-op waker counts nothing */
    /* passes of 4, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1 tasks: one turn each */
    assert_int_equal(st.driver_turns, 11);
    executor_destroy(ex);
}

static void spin_step_is_one_poll(void **state)
{
    (void)state;
    executor_t *ex = spin_new(NULL);
    poll_log_t log = {.len = 0};
    assert_int_equal(executor_step(ex), 0); /* nothing to do */

    spawn_recorder(ex, 7, 1, &log);
    assert_int_equal(executor_step(ex), 1);
    assert_int_equal(log.len, 1);
    assert_int_equal(stats_of(ex).completed, 0);
    assert_int_equal(executor_step(ex), 1);
    assert_int_equal(stats_of(ex).completed, 1);
    assert_int_equal(executor_step(ex), 0);
    executor_destroy(ex);
}

/* ---- spawn from a task --------------------------------------------------- */

typedef struct parent {
    future_t base;
    int children;
    poll_log_t *log;
    executor_t *seen; /* executor_current() during the poll */
} parent_t;

static poll_t parent_poll(future_t *f, context_t *cx)
{
    (void)cx;
    parent_t *p = (parent_t *)f;
    p->seen = executor_current();
    for (int i = 0; i < p->children; i++) {
        recorder_t r = {{recorder_poll, NULL}, 100 + i, 1, p->log};
        assert_int_equal(spawn(&r.base, sizeof r, "child", NULL), 0);
    }
    p->log->ids[p->log->len++] = 0;
    return POLL_READY;
}

static void spin_spawns_from_inside_a_task(void **state)
{
    (void)state;
    executor_t *ex = spin_new(NULL);
    poll_log_t log = {.len = 0};
    parent_t p = {{parent_poll, NULL}, 3, &log, NULL};
    join_handle_t h;
    assert_int_equal(executor_spawn(ex, &p.base, sizeof p, "parent", &h), 0);
    assert_int_equal(executor_run(ex), 0);

    int want[] = {0, 100, 101, 102, 100, 101, 102};
    assert_int_equal(log.len, 7);
    assert_memory_equal(log.ids, want, sizeof want);
    parent_t *out = (parent_t *)join_handle_output(&h);
    assert_non_null(out);
    assert_ptr_equal(out->seen, ex);
    join_handle_drop(&h);
    assert_null(executor_current()); /* restored after each poll */

    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.spawned, 4);
    assert_int_equal(st.completed, 4);
    executor_destroy(ex);
}

/* ---- block_on ---------------------------------------------------------- */

/* block_on's future: READY once the joined widget task has finished. */
typedef struct join_widget {
    future_t base;
    join_handle_t h;
} join_widget_t;

static poll_t join_widget_poll(future_t *f, context_t *cx)
{
    join_widget_t *j = (join_widget_t *)f;
    return join_handle_poll(&j->h, cx);
}

static void spin_block_on_runs_tasks_meanwhile(void **state)
{
    (void)state;
    executor_t *ex = spin_new(NULL);
    widget_task_t w;
    widget_task_init_async(&w, 5, 42, NULL);
    join_widget_t j = {.base = {join_widget_poll, NULL}};
    assert_int_equal(executor_spawn(ex, &w.base, sizeof w, "w", &j.h), 0);
    poll_log_t log = {.len = 0};
    spawn_recorder(ex, 1, 8, &log); /* still pending when block_on ends */

    assert_int_equal(executor_block_on(ex, &j.base), 0);
    widget_task_t *done = (widget_task_t *)join_handle_output(&j.h);
    assert_non_null(done);
    assert_int_equal(done->output, 42);
    join_handle_drop(&j.h);

    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.completed, 1);
    /* Steps alternate w, r; w's sixth poll (step 11) finishes it. */
    assert_int_equal(log.len, 5);
    executor_destroy(ex); /* drops the recorder, still pending */
}

/* ---- destroy ------------------------------------------------------------- */

/* Never ready; counts its drop, and tries to spawn from it. */
typedef struct forever {
    future_t base;
    int *drops;
    int *spawn_result;
} forever_t;

static poll_t forever_poll(future_t *f, context_t *cx)
{
    (void)f;
    (void)cx;
    return POLL_PENDING;
}

static void forever_drop(future_t *f)
{
    forever_t *fv = (forever_t *)f;
    (*fv->drops)++;
    if (fv->spawn_result != NULL) {
        forever_t again = *fv;
        again.spawn_result = NULL;
        *fv->spawn_result = spawn(&again.base, sizeof again, "again", NULL);
        if (*fv->spawn_result != 0)
            future_drop(&again.base); /* refused: still ours to drop */
    }
}

static void spin_destroy_drops_pending_tasks(void **state)
{
    (void)state;
    executor_t *ex = spin_new(NULL);
    int drops = 0, spawn_result = 1;
    for (int i = 0; i < 100; i++) {
        forever_t fv = {{forever_poll, forever_drop}, &drops, NULL};
        if (i == 50)
            fv.spawn_result = &spawn_result;
        assert_int_equal(executor_spawn(ex, &fv.base, sizeof fv, "fv", NULL),
                         0);
    }
    forever_t kept = {{forever_poll, forever_drop}, &drops, NULL};
    join_handle_t h;
    assert_int_equal(executor_spawn(ex, &kept.base, sizeof kept, "kept", &h),
                     0);
    for (int i = 0; i < 250; i++)
        assert_int_equal(executor_step(ex), 1);

    executor_destroy(ex);
    /* 100 + kept + the refused spawn's future, dropped by its caller (the
     * library dropping it too would make 103) */
    assert_int_equal(drops, 102);
    assert_int_equal(spawn_result, -ESHUTDOWN);

    /* The join handle outlives the executor: cancelled, no output. */
    counting_waker_t counts;
    waker_t cw = counting_waker(&counts);
    context_t cx = {.waker = &cw};
    assert_int_equal(join_handle_poll(&h, &cx), POLL_READY);
    assert_null(join_handle_output(&h));
    join_handle_drop(&h);
    waker_drop(&cw);
}

/* ---- the driver: sleeps -------------------------------------------------- */

/* Sleeps, then notes the driver's clock: READY with now_ms set. */
typedef struct napper {
    future_t base;
    async_t async;
    sleep_t nap;
    uint64_t now_ms;
    int *done;
} napper_t;

static poll_t napper_poll(future_t *f, context_t *cx)
{
    napper_t *n = (napper_t *)f;
    ASYNC_BEGIN(n);
    AWAIT(n, cx, &n->nap.base);
    n->now_ms = driver_now_ms(driver_current());
    if (n->done != NULL)
        (*n->done)++;
    ASYNC_END(n);
}

static void napper_drop(future_t *f)
{
    future_drop(&((napper_t *)f)->nap.base);
}

static napper_t napper(uint64_t ms, int *done)
{
    napper_t n = {.base = {napper_poll, napper_drop}, .done = done};
    sleep_init(&n.nap, ms);
    return n;
}

static void spin_sleeps_on_a_virtual_clock(void **state)
{
    (void)state;
    executor_t *ex = spin_new_clocked(NULL, true);
    int done = 0;
    for (uint64_t ms = 10; ms <= 30; ms += 10) {
        napper_t n = napper(ms, &done);
        assert_int_equal(executor_spawn(ex, &n.base, sizeof n, "nap", NULL), 0);
    }
    /* block_on's own sleep ends last; each pass moves time 1 ms. */
    napper_t root = napper(40, NULL);
    assert_int_equal(executor_block_on(ex, &root.base), 0);
    assert_int_equal(root.now_ms, 40);
    assert_int_equal(done, 3);

    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.completed, 3);
    assert_true(st.pending_polls >= 30); /* the 30 ms sleeper alone */
    assert_true(st.driver_turns >= 40);
    future_drop(&root.base);
    executor_destroy(ex);
}

static void spin_sleeps_on_the_real_clock(void **state)
{
    (void)state;
    executor_t *ex = spin_new(NULL);
    int done = 0;
    napper_t n = napper(5, &done);
    assert_int_equal(executor_spawn(ex, &n.base, sizeof n, "nap", NULL), 0);
    assert_int_equal(executor_run(ex), 0);
    assert_int_equal(done, 1);
    /* The first poll arms the timer and says PENDING: at least one. */
    assert_true(stats_of(ex).pending_polls >= 1);
    executor_destroy(ex);
}

static void spin_destroy_cancels_sleeping_tasks(void **state)
{
    (void)state;
    executor_t *ex = spin_new(NULL);
    int done = 0;
    for (int i = 0; i < 10; i++) {
        napper_t n = napper(60 * 1000, &done);
        assert_int_equal(executor_spawn(ex, &n.base, sizeof n, "nap", NULL), 0);
    }
    for (int i = 0; i < 30; i++)
        assert_int_equal(executor_step(ex), 1); /* every timer armed */
    executor_destroy(ex); /* drops cancel the timers; LSan checks */
    assert_int_equal(done, 0);
}

/* ---- tracing ----------------------------------------------------------- */

typedef struct recording_sink {
    trace_sink_t sink;
    int count[TRACE_KIND_COUNT];
    trace_event_t last[TRACE_KIND_COUNT];
} recording_sink_t;

static void recording_write(trace_sink_t *self, const trace_event_t *ev)
{
    recording_sink_t *r = (recording_sink_t *)self;
    assert_true(ev->kind < TRACE_KIND_COUNT);
    r->count[ev->kind]++;
    r->last[ev->kind] = *ev;
}

static void spin_traces_every_poll(void **state)
{
    (void)state;
    recording_sink_t rec;
    memset(&rec, 0, sizeof rec);
    rec.sink.write = recording_write;
    executor_t *ex = spin_new(&rec.sink);
    poll_log_t log = {.len = 0};
    spawn_recorder(ex, 1, 2, &log);
    assert_int_equal(executor_run(ex), 0);

    assert_int_equal(rec.count[TRACE_SPAWN], 1);
    assert_int_equal(rec.count[TRACE_SCHEDULE], 3); /* spawn + 2 requeues */
    assert_int_equal(rec.count[TRACE_POLL_START], 3);
    assert_int_equal(rec.count[TRACE_POLL_END], 3);
    assert_int_equal(rec.count[TRACE_COMPLETE], 1);
    assert_int_equal(rec.last[TRACE_SCHEDULE].a, TRACE_Q_READY);
    assert_int_equal(rec.last[TRACE_POLL_END].a, POLL_READY);
    assert_int_equal(rec.last[TRACE_COMPLETE].a, 0); /* not cancelled */
    assert_int_equal(rec.last[TRACE_POLL_START].worker, 0);
    assert_string_equal(trace_name_of(rec.last[TRACE_SPAWN].b), "recorder");
    executor_destroy(ex);
}

/* ---- slow polls: blocking or descheduled (core/poll_watch.h) ---------- */

/* Keeps every event, in order (one thread: the spin executor's). */
typedef struct keeping_sink {
    trace_sink_t sink;
    trace_event_t ev[64];
    int n;
} keeping_sink_t;

static void keeping_write(trace_sink_t *self, const trace_event_t *ev)
{
    keeping_sink_t *k = (keeping_sink_t *)self;
    if (k->n < 64)
        k->ev[k->n++] = *ev;
}

/* One poll that blocks for ms (nanosleep) or computes for ms of its own
 * CPU time, then READY. */
typedef struct slow_future {
    future_t base;
    bool sleep;
    uint64_t ms;
} slow_future_t;

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static poll_t slow_poll(future_t *f, context_t *cx)
{
    (void)cx;
    slow_future_t *s = (slow_future_t *)f;
    if (s->sleep) {
        struct timespec ts = {(time_t)(s->ms / 1000),
                              (long)(s->ms % 1000) * 1000000};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    } else {
        uint64_t start = thread_cpu_ns();
        while (thread_cpu_ns() - start < s->ms * 1000000u)
            ;
    }
    return POLL_READY;
}

/* Run one slow future on a real-clock spin executor; the verdict the
 * visualizer's model gives its poll, its warning in *text, and its wall
 * time in *wall_ns (between POLL_START and POLL_END). */
static viz_poll_verdict_t run_slow(bool sleep, uint64_t ms, char *text,
                                   size_t n, uint64_t *wall_ns)
{
    static keeping_sink_t keep;
    memset(&keep, 0, sizeof keep);
    keep.sink.write = keeping_write;
    executor_t *ex = spin_new(&keep.sink);
    slow_future_t f = {.base = {slow_poll, NULL}, .sleep = sleep, .ms = ms};
    assert_int_equal(executor_spawn(ex, &f.base, sizeof f, "slow", NULL), 0);
    assert_int_equal(executor_run(ex), 0);
    executor_destroy(ex);

    viz_model_t m;
    assert_int_equal(viz_model_init(&m, "spin", 1, "slow", NULL, NULL), 0);
    uint64_t start = 0, end = 0, b = 0;
    for (int i = 0; i < keep.n; i++) {
        viz_model_apply(&m, &keep.ev[i]);
        if (keep.ev[i].kind == TRACE_POLL_START)
            start = keep.ev[i].time_ns;
        if (keep.ev[i].kind == TRACE_POLL_END) {
            end = keep.ev[i].time_ns;
            b = keep.ev[i].b;
        }
    }
    *wall_ns = end - start;
    uint64_t cpu, wait;
    viz_poll_verdict_t v = viz_judge_poll(*wall_ns, b, &cpu, &wait);
    assert_true(m.n_warnings <= 1);
    snprintf(text, n, "%s", m.n_warnings ? m.warnings[0].text : "");
    printf("# %s %" PRIu64 " ms: wall %.1f ms, cpu %.1f ms, waiting %.1f ms: "
           "%s\n",
           sleep ? "sleep" : "compute", ms, (double)*wall_ns / 1e6,
           (double)cpu / 1e6, (double)wait / 1e6, text[0] ? text : "-");
    assert_int_not_equal(b, 0); /* a real clock, a poll over 1 ms */
    viz_model_destroy(&m);
    return v;
}

/* A poll that really blocks (nanosleep) is called a blocking call: it
 * held the thread asleep, wherever the machine's load is. */
static void spin_slow_poll_asleep_is_a_blocking_call(void **state)
{
    (void)state;
    char text[VIZ_LINE];
    uint64_t wall;
    /* 100 ms: only a wait of 90 ms for a CPU, on a loaded machine, could
     * make it look descheduled. */
    viz_poll_verdict_t v = run_slow(true, 100, text, sizeof text, &wall);
    assert_true(wall >= 100000000u);
    assert_int_equal(v, VIZ_POLL_BLOCKING);
    assert_non_null(strstr(text, "held the executor for"));
    assert_non_null(strstr(text, "(blocking call?)"));
}

/* A sibling that spins on our CPU, so the kernel shares it between us. */
static atomic_bool hog_stop;

static void *hog_main(void *arg)
{
    cpu_set_t *cpu = arg;
    if (sched_setaffinity(0, sizeof *cpu, cpu) != 0)
        return NULL;
    while (!atomic_load_explicit(&hog_stop, memory_order_relaxed))
        ;
    return NULL;
}

/* A poll that computes 8 ms while a busy sibling shares its core takes
 * about twice that in wall time: over 10 ms, but not a blocking call. The
 * poll's own time (CPU and sleep: wall minus waiting) stays near 8 ms
 * however busy the machine, so the verdict cannot be "blocking". */
static void spin_slow_poll_descheduled_is_not_blocking(void **state)
{
    (void)state;
    uint64_t cpu_ns, wait_ns;
    if (!poll_watch_read(&cpu_ns, &wait_ns))
        skip(); /* no /proc/thread-self/schedstat: waiting is unknown */
    cpu_set_t old, one;
    assert_int_equal(sched_getaffinity(0, sizeof old, &old), 0);
    int here = sched_getcpu();
    assert_true(here >= 0);
    CPU_ZERO(&one);
    CPU_SET(here, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        skip(); /* not allowed to pin: nothing shares our core for sure */
    atomic_store(&hog_stop, false);
    pthread_t hog;
    assert_int_equal(pthread_create(&hog, NULL, hog_main, &one), 0);
    struct timespec settle = {0, 20000000}; /* let the hog start spinning */
    nanosleep(&settle, NULL);

    char text[VIZ_LINE];
    uint64_t wall;
    viz_poll_verdict_t v = run_slow(false, 8, text, sizeof text, &wall);

    atomic_store(&hog_stop, true);
    pthread_join(hog, NULL);
    sched_setaffinity(0, sizeof old, &old);

    /* Never a blocking call, whatever the machine did... */
    assert_null(strstr(text, "blocking call?"));
    assert_true(v == VIZ_POLL_FINE || v == VIZ_POLL_DESCHEDULED);
    /* ...and when the sibling did take turns (it nearly always does),
     * over 10 ms of wall time, the model says why. */
    if (wall > VIZ_SLOW_POLL_NS) {
        assert_int_equal(v, VIZ_POLL_DESCHEDULED);
        assert_non_null(strstr(text, "descheduled (the machine is busy)"));
    } else {
        printf("# the sibling never took the core (wall %.1f ms): only "
               "the no-warning half was shown\n",
               (double)wall / 1e6);
    }
}

/* In virtual time (--sim) nothing real enters the trace: b stays 0, so a
 * seed's trace stays the same byte for byte. */
static void spin_virtual_time_measures_nothing(void **state)
{
    (void)state;
    static keeping_sink_t keep;
    memset(&keep, 0, sizeof keep);
    keep.sink.write = keeping_write;
    executor_t *ex = spin_new_clocked(&keep.sink, true);
    slow_future_t f = {.base = {slow_poll, NULL}, .sleep = true, .ms = 3};
    assert_int_equal(executor_spawn(ex, &f.base, sizeof f, "slow", NULL), 0);
    assert_int_equal(executor_run(ex), 0);
    executor_destroy(ex);
    int ends = 0;
    for (int i = 0; i < keep.n; i++)
        if (keep.ev[i].kind == TRACE_POLL_END) {
            assert_int_equal(keep.ev[i].b, 0);
            ends++;
        }
    assert_int_equal(ends, 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spin_runs_ten_thousand_tasks),
        cmocka_unit_test(spin_polls_round_robin),
        cmocka_unit_test(spin_counts_wasted_polls_exactly),
        cmocka_unit_test(spin_step_is_one_poll),
        cmocka_unit_test(spin_spawns_from_inside_a_task),
        cmocka_unit_test(spin_block_on_runs_tasks_meanwhile),
        cmocka_unit_test(spin_destroy_drops_pending_tasks),
        cmocka_unit_test(spin_sleeps_on_a_virtual_clock),
        cmocka_unit_test(spin_sleeps_on_the_real_clock),
        cmocka_unit_test(spin_destroy_cancels_sleeping_tasks),
        cmocka_unit_test(spin_slow_poll_asleep_is_a_blocking_call),
        cmocka_unit_test(spin_slow_poll_descheduled_is_not_blocking),
        cmocka_unit_test(spin_virtual_time_measures_nothing),
        cmocka_unit_test(spin_traces_every_poll),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("spin", tests, NULL, NULL);
}
