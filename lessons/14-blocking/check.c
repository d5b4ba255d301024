/*
 * lessons/14-blocking/check.c - the checker of lesson 14's exercise.
 * `asynclab check 14` compiles it with your exercise.c and runs it.
 *
 * It runs CALLS of your checksum tasks on a one-worker work-stealing
 * runtime, each inside a probe that notes which thread polls it, and
 * slow_checksum notes which thread it ran on. A call that ran on a thread
 * that polls tasks blocked a worker. No clocks are read: where a call ran
 * is a fact, not a measurement.
 */
#include "lessons/check.h"

#include <string.h>

#include "exercise.h"

enum { CALLS = 8 };

slow_log_t slow_log;

typedef struct probe {
    future_t base;
    checksum_task_t inner;
    pthread_t poller;
    bool polled;
} probe_t;

static poll_t probe_poll(future_t *f, context_t *cx)
{
    probe_t *p = (probe_t *)f;
    p->poller = pthread_self();
    p->polled = true;
    return future_poll(&p->inner.base, cx);
}

/* The plain blocking version, to count what it does (part 2). */
static poll_t inline_poll(future_t *f, context_t *cx)
{
    probe_t *p = (probe_t *)f;
    (void)cx;
    p->poller = pthread_self();
    p->polled = true;
    p->inner.result = (uintptr_t)slow_checksum((void *)p->inner.text);
    p->inner.done = true;
    return POLL_READY;
}

static const char *const texts[CALLS] = {"alpha", "beta", "gamma", "delta",
                                         "eps",   "zeta", "eta",   "theta"};

static uintptr_t sum_of(const char *s)
{
    uintptr_t sum = 0;
    while (*s != '\0')
        sum += (unsigned char)*s++;
    return sum;
}

typedef struct outcome {
    pthread_t pollers[CALLS];
    uintptr_t results[CALLS];
    bool done[CALLS];
    int calls, on_worker;
} outcome_t;

/* Output of a finished probe task, read through its join handle. */
static void collect(outcome_t *o, int i, join_handle_t *h)
{
    probe_t *p = (probe_t *)(void *)join_handle_output(h);
    if (p != NULL) {
        o->pollers[i] = p->poller;
        o->results[i] = p->inner.result;
        o->done[i] = p->inner.done;
    }
    join_handle_drop(h);
}

static void count_on_worker(outcome_t *o)
{
    o->calls = atomic_load(&slow_log.calls);
    o->on_worker = 0;
    for (int c = 0; c < o->calls && c < 64; c++)
        for (int i = 0; i < CALLS; i++)
            if (pthread_equal(slow_log.threads[c], o->pollers[i])) {
                o->on_worker++;
                break;
            }
}

static void run(outcome_t *o, future_poll_fn poll)
{
    memset(o, 0, sizeof *o);
    atomic_store(&slow_log.calls, 0);
    executor_config_t cfg = {.kind = &ws_executor_kind, .workers = 1};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    join_handle_t h[CALLS];
    for (int i = 0; i < CALLS; i++) {
        probe_t p = {.base = {poll, NULL}};
        checksum_task_init(&p.inner, texts[i]);
        assert_int_equal(executor_spawn(ex, &p.base, sizeof p, "probe", &h[i]),
                         0);
    }
    assert_int_equal(executor_run(ex), 0);
    for (int i = 0; i < CALLS; i++)
        collect(o, i, &h[i]);
    executor_destroy(ex);
    count_on_worker(o);
}

static outcome_t yours, plain;

static int run_both(void **state)
{
    (void)state;
    run(&yours, probe_poll);
    run(&plain, inline_poll);
    return 0;
}

static void blocking_results_are_right(void **state)
{
    (void)state;
    for (int i = 0; i < CALLS; i++) {
        EXPECT(yours.done[i],
               "checksum task %d finished without a result "
               "(done is false)",
               i);
        EXPECT(yours.results[i] == sum_of(texts[i]),
               "checksum of \"%s\" should be %lu, the task says %lu: read it "
               "with ws_blocking_output once the handle is READY",
               texts[i], (unsigned long)sum_of(texts[i]),
               (unsigned long)yours.results[i]);
    }
    EXPECT(yours.calls == CALLS, "slow_checksum ran %d times for %d tasks",
           yours.calls, CALLS);
}

static void blocking_never_on_a_worker(void **state)
{
    (void)state;
    EXPECT(yours.on_worker == 0,
           "%d of %d slow_checksum calls ran on the thread that polls tasks: "
           "each one stalled the worker for %d ms and every task queued "
           "behind it. Hand the call to the blocking pool "
           "(ws_spawn_blocking) and await its join handle",
           yours.on_worker, yours.calls, SLOW_MS);
}

static void blocking_compare_answers(void **state)
{
    (void)state;
    EXPECT(calls_on_worker_inline >= 0 && calls_on_worker_pool >= 0,
           "part 2 is still -1: run `asynclab lesson 14 --run` and copy the "
           "two counts from its table");
    EXPECT(calls_on_worker_inline == plain.on_worker,
           "calls_on_worker_inline is %d; calling slow_checksum inside the "
           "poll runs all %d calls on the worker thread",
           calls_on_worker_inline, plain.on_worker);
    EXPECT(calls_on_worker_pool == 0,
           "calls_on_worker_pool is %d; with spawn_blocking none runs on the "
           "worker",
           calls_on_worker_pool);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(blocking_results_are_right),
    cmocka_unit_test(blocking_never_on_a_worker),
    cmocka_unit_test(blocking_compare_answers),
};

CHECK_MAIN_SETUP("lesson14", tests, run_both)
