/*
 * lessons/16-capstone/check.c - the checker of lesson 16's exercise.
 * `asynclab check 16` compiles it with your exercise.c and runs it.
 *
 * Your split runs as block_on's future four times: on spin, on notify,
 * on ws with 2 workers on real threads, and on ws with 2 workers in its
 * seeded simulation (one thread, the workers interleaved by seed 1, so
 * every count is the same on every run). A trace sink watches every poll
 * of every task:
 *
 *   poll start ─ crunch_meter read ─┐
 *   ... your poll runs crunch() ... ├─ units in this poll (<= STEP_MAX?)
 *   poll end ─── crunch_meter read ─┘  added to the units done in tasks
 *
 *   spawn: alive + 1, complete: alive - 1; the most alive at once
 *
 * What it checks is what the work did, never how fast: no time is in a
 * pass or a fail. With --verbose (`asynclab check 16 --verbose`) it also
 * prints a speed-up it measured, notify's wall time over ws's, for
 * information only, with the load average it read before.
 */
#include "lessons/check.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/executors.h"
#include "core/trace.h"
#include "exercise.h"

_Thread_local uint64_t crunch_meter;

/* ---- the sink: units per poll, tasks alive ------------------------------- */

typedef struct meter_sink {
    trace_sink_t sink; /* first */
    atomic_uint_fast64_t in_tasks;  /* units crunched inside task polls */
    atomic_uint_fast64_t max_poll;  /* the most units in one poll */
    atomic_int alive, max_alive;    /* tasks spawned and not completed */
    atomic_uint_fast64_t polls_on[WORKERS]; /* polls per worker (ws) */
} meter_sink_t;

static _Thread_local uint64_t poll_base; /* crunch_meter at poll start */

static void atomic_max64(atomic_uint_fast64_t *m, uint64_t v)
{
    uint64_t old = atomic_load(m);
    while (v > old && !atomic_compare_exchange_weak(m, &old, v))
        ;
}

static void meter_write(trace_sink_t *self, const trace_event_t *ev)
{
    meter_sink_t *m = (meter_sink_t *)self;
    switch (ev->kind) {
    case TRACE_POLL_START:
        poll_base = crunch_meter;
        if (ev->worker < WORKERS)
            atomic_fetch_add(&m->polls_on[ev->worker], 1);
        break;
    case TRACE_POLL_END: {
        uint64_t units = crunch_meter - poll_base;
        atomic_fetch_add(&m->in_tasks, units);
        atomic_max64(&m->max_poll, units);
        break;
    }
    case TRACE_SPAWN: {
        int now = atomic_fetch_add(&m->alive, 1) + 1;
        int old = atomic_load(&m->max_alive);
        while (now > old &&
               !atomic_compare_exchange_weak(&m->max_alive, &old, now))
            ;
        break;
    }
    case TRACE_COMPLETE:
        atomic_fetch_sub(&m->alive, 1);
        break;
    default:
        break;
    }
}

/* ---- the runs ------------------------------------------------------------ */

typedef struct outcome {
    const char *name; /* "spin", "notify", "ws", "ws --sim" */
    int rc;
    uint64_t sum;
    executor_stats_t stats;
    meter_sink_t meter;
} outcome_t;

enum { SPIN, NOTIFY, WS, WS_SIM, RUNS };

static outcome_t runs[RUNS] = {
    {.name = "spin"}, {.name = "notify"}, {.name = "ws"}, {.name = "ws --sim"}};

static uint64_t expected;

static void run_on(outcome_t *o, int which)
{
    bool ws = which == WS || which == WS_SIM;
    o->meter = (meter_sink_t){.sink.write = meter_write};
    executor_config_t cfg = {
        .kind = executor_kind_by_name(ws ? "ws" : o->name),
        .workers = WORKERS,
        .sim = which == WS_SIM,
        .seed = 1,
        .virtual_time = which == WS_SIM,
        .trace = &o->meter.sink};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    split_t s;
    split_init(&s);
    o->rc = executor_block_on(ex, &s.base);
    o->sum = s.sum;
    future_drop(&s.base);
    executor_stats(ex, &o->stats);
    executor_destroy(ex);
}

static int run_all(void **state)
{
    (void)state;
    uint64_t before = crunch_meter;
    expected = crunch(0, UNITS);
    crunch_meter = before;
    /* notify first: a task left PENDING with no wake ends its run there
     * with an error instead of a spin loop's endless passes */
    static const int order[RUNS] = {NOTIFY, WS_SIM, WS, SPIN};
    for (int i = 0; i < RUNS; i++)
        run_on(&runs[order[i]], order[i]);
    return 0;
}

/* ---- the checks ---------------------------------------------------------- */

static void split_finishes(void **state)
{
    (void)state;
    for (int i = 0; i < RUNS; i++)
        EXPECT(runs[i].rc == 0,
               "on %s, block_on returned %d%s", runs[i].name, runs[i].rc,
               runs[i].rc == -EDEADLK ? " (-EDEADLK): a task returned PENDING "
                                   "with nothing left to wake it. A yield "
                                   "wakes itself (YIELD_NOW)"
                                 : "");
}

static void split_sum_is_right(void **state)
{
    (void)state;
    for (int i = 0; i < RUNS; i++)
        EXPECT(runs[i].rc != 0 || runs[i].sum == expected,
               "on %s the sum is %llu, not crunch(0, UNITS) = %llu: every "
               "unit must be crunched once, none twice, and each piece's sum "
               "read from its join's output after the join is READY",
               runs[i].name, (unsigned long long)runs[i].sum,
               (unsigned long long)expected);
}

static void split_work_is_in_tasks(void **state)
{
    (void)state;
    const outcome_t *n = &runs[NOTIFY];
    uint64_t in = atomic_load(&n->meter.in_tasks);
    if (n->sum != expected)
        return; /* the sum's own sentence says more */
    EXPECT(in >= UNITS,
           "on notify only %llu of the %u units were crunched inside a "
           "task's poll: the rest ran in the root's own poll. The root is "
           "block_on's future, on no worker: work there is never shared",
           (unsigned long long)in, UNITS);
}

static void split_into_enough_pieces(void **state)
{
    (void)state;
    const outcome_t *n = &runs[NOTIFY];
    if (n->rc != 0)
        return; /* it stopped early: split_finishes says why */
    EXPECT(n->stats.spawned >= MIN_PIECES,
           "the work was split into %llu task%s: a task runs on one worker "
           "at a time, so ws with %d workers needs at least %d pieces "
           "(MIN_PIECES) to keep both busy and balance them",
           (unsigned long long)n->stats.spawned,
           n->stats.spawned == 1 ? "" : "s", WORKERS, MIN_PIECES);
}

static void split_pieces_run_together(void **state)
{
    (void)state;
    const outcome_t *w = &runs[WS_SIM];
    int most = atomic_load(&w->meter.max_alive);
    if (runs[NOTIFY].stats.spawned < WORKERS || w->rc != 0)
        return; /* too few pieces, or stopped early: said elsewhere */
    EXPECT(most >= WORKERS,
           "on ws (simulated) at most %d piece%s alive at a time: each was "
           "awaited before the next was spawned, so they ran one after "
           "another and the second worker had nothing to steal. Spawn them "
           "all, then join them",
           most, most == 1 ? " was" : "s were");
    uint64_t w0 = atomic_load(&w->meter.polls_on[0]),
             w1 = atomic_load(&w->meter.polls_on[1]);
    EXPECT(w0 > 0 && w1 > 0,
           "on ws (simulated) the tasks were polled %llu times on worker 0 "
           "and %llu on worker 1: one worker did everything",
           (unsigned long long)w0, (unsigned long long)w1);
}

static void split_polls_are_short(void **state)
{
    (void)state;
    for (int i = 0; i < RUNS; i++) {
        uint64_t most = atomic_load(&runs[i].meter.max_poll);
        EXPECT(most <= STEP_MAX,
               "on %s one poll crunched %llu units in one go, more than "
               "STEP_MAX (%d): a long poll holds its worker and every task "
               "queued behind it waits. Crunch at most STEP_MAX units, then "
               "yield, and keep where you are in the piece",
               runs[i].name, (unsigned long long)most, STEP_MAX);
    }
}

/* ---- information: a measured speed-up, never checked --------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_of(const char *kind)
{
    executor_config_t cfg = {.kind = executor_kind_by_name(kind),
                             .workers = WORKERS};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    split_t s;
    split_init(&s);
    double t0 = now_s();
    executor_block_on(ex, &s.base);
    double wall = now_s() - t0;
    future_drop(&s.base);
    executor_destroy(ex);
    return wall;
}

static double median3(double a, double b, double c)
{
    return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

static void split_speed_up_for_information(void **state)
{
    (void)state;
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double n[3], w[3];
    for (int i = 0; i < 3; i++) {
        n[i] = wall_of("notify");
        w[i] = wall_of("ws");
    }
    double mn = median3(n[0], n[1], n[2]), mw = median3(w[0], w[1], w[2]);
    printf("for information (never checked): your split, median of 3: "
           "notify %.3f s, ws with %d workers %.3f s, speed-up %.2fx; "
           "%ld CPUs online, load average %.2f before\n",
           mn, WORKERS, mw, mw > 0 ? mn / mw : 0, cpus, load);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(split_finishes),
    cmocka_unit_test(split_sum_is_right),
    cmocka_unit_test(split_work_is_in_tasks),
    cmocka_unit_test(split_into_enough_pieces),
    cmocka_unit_test(split_pieces_run_together),
    cmocka_unit_test(split_polls_are_short),
    cmocka_unit_test(split_speed_up_for_information),
};

CHECK_MAIN_SETUP("lesson16", tests, run_all)
