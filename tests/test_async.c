/*
 * tests/test_async.c - the async macros of core/async.h, and the example
 * futures of bench/ that lessons 3-5 are built on (widget, naive sleep).
 *
 * Futures are polled by hand here, with a counting waker and no executor,
 * so every wake, clone and poll result is visible.
 *
 * One test: ./build/tests/test_async async_yield_now_wakes_once
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "scenarios/naive_sleep.h"
#include "scenarios/widget.h"
#include "core/async.h"

/* ---- helpers ------------------------------------------------------------- */

enum { MAX_POLLS = 32 };

/* What one future did from its first poll to READY. */
typedef struct poll_trace {
    poll_t results[MAX_POLLS];
    int wakes_after[MAX_POLLS]; /* the waker's wake count after each poll */
    int polls;
    int clones;
} poll_trace_t;

static poll_trace_t poll_to_ready(future_t *f)
{
    counting_waker_t counts;
    waker_t w = counting_waker(&counts);
    context_t cx = {.waker = &w};
    poll_trace_t tr = {.polls = 0};
    poll_t r;
    do {
        assert_true(tr.polls < MAX_POLLS);
        r = future_poll(f, &cx);
        tr.results[tr.polls] = r;
        tr.wakes_after[tr.polls] = atomic_load(&counts.wakes);
        tr.polls++;
    } while (r == POLL_PENDING);
    tr.clones = atomic_load(&counts.clones);
    waker_drop(&w);
    assert_int_equal(atomic_load(&counts.live), 0);
    return tr;
}

/* ---- hand-written and macro-written: the same future --------------------- */

static void async_macro_and_hand_widget_poll_alike(void **state)
{
    (void)state;
    for (int pendings = 0; pendings <= 6; pendings++) {
        widget_task_t hand, macro;
        widget_task_init_hand(&hand, pendings, 100 + pendings, NULL);
        widget_task_init_async(&macro, pendings, 100 + pendings, NULL);

        poll_trace_t a = poll_to_ready(&hand.base);
        poll_trace_t b = poll_to_ready(&macro.base);

        assert_int_equal(a.polls, pendings + 1);
        assert_int_equal(b.polls, a.polls);
        assert_memory_equal(a.results, b.results, sizeof(poll_t) * a.polls);
        assert_memory_equal(a.wakes_after, b.wakes_after,
                            sizeof(int) * a.polls);
        assert_int_equal(a.wakes_after[a.polls - 1], pendings);
        assert_int_equal(a.clones, 0);
        assert_int_equal(b.clones, 0);
        assert_int_equal(hand.output, 100 + pendings);
        assert_int_equal(macro.output, hand.output);
        assert_int_equal(hand.state, WIDGET_TASK_DONE);
        assert_int_equal(macro.async, ASYNC_DONE);
    }
}

static void async_tally_adds_each_finished_task(void **state)
{
    (void)state;
    widget_tally_t tally;
    widget_tally_init(&tally);
    widget_task_t t1, t2;
    widget_task_init_hand(&t1, 1, 5, &tally);
    widget_task_init_async(&t2, 2, 7, &tally);
    poll_to_ready(&t1.base);
    assert_int_equal(atomic_load(&tally.done), 1);
    poll_to_ready(&t2.base);
    assert_int_equal(atomic_load(&tally.done), 2);
    assert_int_equal(atomic_load(&tally.sum), 12);
}

/* ---- a tree of futures in one task --------------------------------------- */

/*
 *   root ── AWAIT ──> pair ── AWAIT ──> left  (widget task, hand)
 *                          └─ AWAIT ──> right (widget task, macro)
 *        └─ AWAIT_POLL ──> a plain widget, polled through an expression
 */
typedef struct pair {
    future_t base;
    async_t async;
    widget_task_t left, right;
    int sum;
} pair_t;

static poll_t pair_poll(future_t *f, context_t *cx)
{
    pair_t *p = (pair_t *)f;
    ASYNC_BEGIN(p);
    AWAIT(p, cx, &p->left.base);
    AWAIT(p, cx, &p->right.base);
    p->sum = p->left.output + p->right.output;
    ASYNC_END(p);
}

typedef struct root {
    future_t base;
    async_t async;
    pair_t pair;
    widget_t last;
    int total;
} root_t;

static poll_t root_poll(future_t *f, context_t *cx)
{
    root_t *r = (root_t *)f;
    ASYNC_BEGIN(r);
    AWAIT(r, cx, &r->pair.base);
    AWAIT_POLL(r, widget_poll(&r->last.base, cx));
    r->total = r->pair.sum + r->last.value;
    ASYNC_END(r);
}

static void async_nested_await_runs_a_tree(void **state)
{
    (void)state;
    root_t r = {.base = {root_poll, NULL}};
    r.pair = (pair_t){.base = {pair_poll, NULL}};
    widget_task_init_hand(&r.pair.left, 2, 10, NULL);
    widget_task_init_async(&r.pair.right, 3, 20, NULL);
    widget_init(&r.last, 1, 30);

    counting_waker_t counts;
    waker_t w = counting_waker(&counts);
    context_t cx = {.waker = &w};

    /* Children run in order: right is not touched while left is pending. */
    assert_int_equal(future_poll(&r.base, &cx), POLL_PENDING);
    assert_int_equal(future_poll(&r.base, &cx), POLL_PENDING);
    assert_int_equal(r.pair.right.widget.pendings, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(future_poll(&r.base, &cx), POLL_PENDING);
    assert_int_equal(r.last.pendings, 1);
    assert_int_equal(future_poll(&r.base, &cx), POLL_PENDING);
    assert_int_equal(future_poll(&r.base, &cx), POLL_READY);

    assert_int_equal(r.pair.sum, 30);
    assert_int_equal(r.total, 60);
    assert_int_equal(atomic_load(&counts.wakes), 2 + 3 + 1);
    assert_int_equal(r.async, ASYNC_DONE);
    waker_drop(&w);
}

/* ---- YIELD_NOW -------------------------------------------------------- */

typedef struct yielder {
    future_t base;
    async_t async;
    int reached; /* how far the body got */
} yielder_t;

static poll_t yielder_poll(future_t *f, context_t *cx)
{
    yielder_t *y = (yielder_t *)f;
    ASYNC_BEGIN(y);
    y->reached = 1;
    YIELD_NOW(y, cx);
    y->reached = 2;
    ASYNC_END(y);
}

static void async_yield_now_wakes_once(void **state)
{
    (void)state;
    yielder_t y = {.base = {yielder_poll, NULL}};
    counting_waker_t counts;
    waker_t w = counting_waker(&counts);
    context_t cx = {.waker = &w};

    assert_int_equal(future_poll(&y.base, &cx), POLL_PENDING);
    assert_int_equal(y.reached, 1);
    assert_int_equal(atomic_load(&counts.wakes), 1);
    assert_int_equal(atomic_load(&counts.clones), 0); /* by ref, no clone */

    assert_int_equal(future_poll(&y.base, &cx), POLL_READY);
    assert_int_equal(y.reached, 2);
    assert_int_equal(atomic_load(&counts.wakes), 1);
    waker_drop(&w);
}

/* ---- the naive sleep -------------------------------------------------- */

static void async_naive_sleep_keeps_no_waker(void **state)
{
    (void)state;
    counting_waker_t counts;
    waker_t w = counting_waker(&counts);
    context_t cx = {.waker = &w};

    naive_sleep_t later;
    naive_sleep_init(&later, 60 * 1000);
    assert_int_equal(future_poll(&later.base, &cx), POLL_PENDING);
    /* PENDING, and nothing kept or woken: a lost wakeup. */
    assert_int_equal(atomic_load(&counts.clones), 0);
    assert_int_equal(atomic_load(&counts.wakes), 0);

    naive_sleep_t now;
    naive_sleep_init(&now, 0);
    assert_int_equal(future_poll(&now.base, &cx), POLL_READY);
    waker_drop(&w);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(async_macro_and_hand_widget_poll_alike),
        cmocka_unit_test(async_tally_adds_each_finished_task),
        cmocka_unit_test(async_nested_await_runs_a_tree),
        cmocka_unit_test(async_yield_now_wakes_once),
        cmocka_unit_test(async_naive_sleep_keeps_no_waker),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("async", tests, NULL, NULL);
}
