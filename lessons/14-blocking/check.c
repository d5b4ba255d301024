/*
 * lessons/14-blocking/check.c - the checker of lesson 14's exercise.
 * `asynclab check 14` compiles it with your exercise.c and runs it.
 *
 * It runs CALLS of your checksum tasks on a one-worker work-stealing
 * runtime, each inside a probe that notes which thread polls it and what
 * its first poll returned; slow_checksum notes which thread it ran on. A
 * call that ran on a thread that polls tasks blocked a worker.
 *
 * No clock decides the outcome. slow_log.hold keeps each call from
 * returning until its task's first poll has returned:
 *
 *   worker:  poll 1 ── spawn ── PENDING ─┐            poll 2: READY
 *   pool:            slow_checksum ...  hold ── returns ──┘ (wakes it)
 *
 * so a first poll that came back READY waited for the call inside the
 * poll. (A poll that waits forever would deadlock with the hold; the hold
 * gives up after HOLD_MAX_MS, once, so that such a poll ends and is named.)
 */
#include "lessons/check.h"

#include <string.h>

#include "exercise.h"

enum { CALLS = 8, RUNAWAY = 3 * CALLS, HOLD_MAX_MS = 1000 };

slow_log_t slow_log;

static const char *const texts[CALLS] = {"alpha", "beta", "gamma", "delta",
                                         "eps",   "zeta", "eta",   "theta"};

typedef struct probe {
    future_t base;
    checksum_task_t inner;
    int index;
} probe_t;

/* What the probes saw; written on the worker, read after the run. */
static struct {
    pthread_t poller; /* set once, before the first spawn */
    bool have_poller;
    atomic_bool first_returned[CALLS];
    bool first_ready[CALLS];
    int polls[CALLS];
    atomic_bool gave_up; /* the hold timed out once: hold no more */
    bool runaway;
} seen;

static poll_t probe_poll(future_t *f, context_t *cx)
{
    probe_t *p = (probe_t *)f;
    if (!seen.have_poller) {
        seen.poller = pthread_self(); /* one worker: the only poller */
        seen.have_poller = true;
    }
    if (atomic_load(&slow_log.calls) > RUNAWAY) {
        seen.runaway = true; /* it starts the call again and again */
        return POLL_READY;
    }
    poll_t r = future_poll(&p->inner.base, cx);
    if (seen.polls[p->index]++ == 0) {
        seen.first_ready[p->index] = r == POLL_READY;
        atomic_store(&seen.first_returned[p->index], true);
    }
    return r;
}

static int index_of(const void *text)
{
    for (int i = 0; i < CALLS; i++)
        if (text == (const void *)texts[i])
            return i;
    return -1;
}

/* slow_log.hold: on a pool thread, wait for the task's first poll. */
static void hold_until_polled(const void *text)
{
    int i = index_of(text);
    if (i < 0 || pthread_equal(pthread_self(), seen.poller))
        return; /* called inside the poll: nothing to wait for */
    for (int ms = 0; ms < HOLD_MAX_MS; ms++) {
        if (atomic_load(&seen.first_returned[i]) || atomic_load(&seen.gave_up))
            return;
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    atomic_store(&seen.gave_up, true);
}

static uintptr_t sum_of(const char *s)
{
    uintptr_t sum = 0;
    while (*s != '\0')
        sum += (unsigned char)*s++;
    return sum;
}

typedef struct outcome {
    int run_rc;
    uintptr_t results[CALLS];
    bool done[CALLS];
    int calls, on_worker;
} outcome_t;

static outcome_t yours;

/* Output of a finished probe task, read through its join handle. */
static void collect(outcome_t *o, int i, join_handle_t *h)
{
    probe_t *p = (probe_t *)(void *)join_handle_output(h);
    if (p != NULL) {
        o->results[i] = p->inner.result;
        o->done[i] = p->inner.done;
    }
    join_handle_drop(h);
}

static int run_yours(void **state)
{
    (void)state;
    outcome_t *o = &yours;
    memset(o, 0, sizeof *o);
    atomic_store(&slow_log.calls, 0);
    slow_log.hold = hold_until_polled;
    executor_config_t cfg = {.kind = &ws_executor_kind, .workers = 1};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    join_handle_t h[CALLS];
    for (int i = 0; i < CALLS; i++) {
        probe_t p = {.base = {probe_poll, NULL}, .index = i};
        checksum_task_init(&p.inner, texts[i]);
        assert_int_equal(executor_spawn(ex, &p.base, sizeof p, "probe", &h[i]),
                         0);
    }
    o->run_rc = executor_run(ex);
    if (o->run_rc == 0)
        for (int i = 0; i < CALLS; i++)
            collect(o, i, &h[i]);
    executor_destroy(ex);
    o->calls = atomic_load(&slow_log.calls);
    for (int c = 0; c < o->calls && c < 64; c++)
        o->on_worker += pthread_equal(slow_log.threads[c], seen.poller) != 0;
    return 0;
}

static void blocking_tasks_all_finish(void **state)
{
    (void)state;
    EXPECT(yours.run_rc == 0,
           "the runtime stopped with %d (-EDEADLK): tasks were left PENDING "
           "that nothing will wake. A poll that returns PENDING must leave "
           "its waker with what it waits for, on that very poll",
           yours.run_rc);
}

static void blocking_calls_once_per_task(void **state)
{
    (void)state;
    EXPECT(!seen.runaway && yours.calls <= CALLS,
           "slow_checksum ran %d times for %d tasks%s: a later poll started "
           "the call again, and lost the handle of the one already running. "
           "Only the first poll may start it",
           yours.calls, CALLS,
           seen.runaway ? " (the checker stopped it there)" : "");
}

static void blocking_results_are_right(void **state)
{
    (void)state;
    if (yours.run_rc != 0 || seen.runaway)
        return; /* said above */
    for (int i = 0; i < CALLS; i++) {
        EXPECT(yours.done[i],
               "checksum task %d finished without a result "
               "(done is false)",
               i);
        EXPECT(yours.results[i] == sum_of(texts[i]),
               "checksum of \"%s\" should be %lu, the task says %lu: the "
               "output can be read once the handle says READY, not before",
               texts[i], (unsigned long)sum_of(texts[i]),
               (unsigned long)yours.results[i]);
    }
    EXPECT(yours.calls >= CALLS, "slow_checksum ran %d times for %d tasks",
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

static void blocking_poll_does_not_wait(void **state)
{
    (void)state;
    if (yours.on_worker != 0)
        return; /* said above */
    int waited = 0, first = -1;
    for (int i = 0; i < CALLS; i++)
        if (seen.first_ready[i]) {
            waited++;
            first = first < 0 ? i : first;
        }
    EXPECT(waited == 0,
           "%d of %d first polls returned READY (task %d first), although "
           "their slow_checksum on the pool could not return before the "
           "poll did: the poll waited for the call, which stalls the worker "
           "as long as making it there. Return PENDING; the join handle's "
           "waker brings the task back",
           waited, CALLS, first);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(blocking_tasks_all_finish),
    cmocka_unit_test(blocking_calls_once_per_task),
    cmocka_unit_test(blocking_results_are_right),
    cmocka_unit_test(blocking_never_on_a_worker),
    cmocka_unit_test(blocking_poll_does_not_wait),
};

CHECK_MAIN_SETUP("lesson14", tests, run_yours)
