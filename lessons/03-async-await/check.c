/*
 * lessons/03-async-await/check.c - the checker of lesson 3's exercise.
 * `asynclab check 3` compiles it with your exercise.c and runs it.
 *
 * It polls pair_sum by hand, with a counting waker, and compares every
 * answer against what the async fn in exercise.h would do.
 */
#include "lessons/check.h"

#include "exercise.h"

/* Poll up to limit times; the answers go in out[]; how many polls ran
 * (the last one READY, or limit). */
static int poll_log(pair_sum_t *s, context_t *cx, poll_t out[], int limit)
{
    for (int i = 0; i < limit; i++) {
        out[i] = future_poll(&s->base, cx);
        if (out[i] == POLL_READY)
            return i + 1;
    }
    return limit;
}

static void async_awaits_the_first_widget(void **state)
{
    (void)state;
    pair_sum_t s;
    pair_sum_init(&s, 1, 10, 0, 20);
    waker_t w = waker_noop();
    context_t cx = {&w};
    poll_t r = future_poll(&s.base, &cx);
    EXPECT(r == POLL_PENDING,
           "widget a is not ready on the first poll, so pair_sum must not be "
           "either: AWAIT it (pair_sum returned READY)");
    EXPECT(s.b.pendings == 0 && s.a.pendings == 0,
           "the first poll should have polled widget a once");
}

static void async_sums_after_both_widgets(void **state)
{
    (void)state;
    pair_sum_t s;
    pair_sum_init(&s, 2, 10, 1, 32);
    waker_t w = waker_noop();
    context_t cx = {&w};
    poll_t log[10];
    int n = poll_log(&s, &cx, log, 10);
    EXPECT(log[n - 1] == POLL_READY, "pair_sum never became READY in 10 polls");
    EXPECT(s.output == 42, "output should be 10 + 32 = 42, it is %d", s.output);
    EXPECT(n == 5,
           "a (2 pendings), one yield, b (1 pending): 4 PENDING polls, READY "
           "on the 5th; yours took %d. Did you forget YIELD_NOW, or yield "
           "more than once?",
           n);
}

static void async_does_not_start_b_before_a_is_done(void **state)
{
    (void)state;
    pair_sum_t s;
    pair_sum_init(&s, 3, 1, 3, 2);
    waker_t w = waker_noop();
    context_t cx = {&w};
    for (int i = 0; i < 3; i++) {
        future_poll(&s.base, &cx);
        EXPECT(s.b.pendings == 3,
               "widget b was polled while widget a was still pending: await "
               "them one after the other, not side by side");
    }
}

/* The yield is between the widgets: after a is READY, the very next
 * PENDING is the yield's, and b has not been polled yet. */
static void async_yields_between_the_widgets(void **state)
{
    (void)state;
    pair_sum_t s;
    pair_sum_init(&s, 0, 1, 1, 2);
    waker_t w = waker_noop();
    context_t cx = {&w};
    poll_t r = future_poll(&s.base, &cx);
    EXPECT(r == POLL_PENDING,
           "a is ready at once, but the yield must still make the first poll "
           "PENDING (pair_sum returned READY)");
    EXPECT(s.b.pendings == 1,
           "widget b was polled in the same poll that finished a: the yield "
           "comes between the two awaits, so the poll after a is ready "
           "returns the yield's PENDING before b is touched");
}

static void async_wakes_on_every_pending(void **state)
{
    (void)state;
    pair_sum_t s;
    pair_sum_init(&s, 2, 1, 2, 2);
    counting_waker_t counts;
    waker_t w = counting_waker(&counts);
    context_t cx = {&w};
    poll_t log[10];
    int n = poll_log(&s, &cx, log, 10);
    int wakes = atomic_load(&counts.wakes);
    EXPECT(wakes == n - 1,
           "%d PENDING answers should come with %d wakes (the widgets wake, "
           "YIELD_NOW wakes); there were %d",
           n - 1, n - 1, wakes);
}

static void async_uses_the_macros(void **state)
{
    (void)state;
    pair_sum_t s;
    pair_sum_init(&s, 0, 1, 0, 2);
    waker_t w = waker_noop();
    context_t cx = {&w};
    poll_t log[4];
    poll_log(&s, &cx, log, 4);
    EXPECT(s.async == ASYNC_DONE,
           "after READY, the resume point s->async should be ASYNC_DONE: "
           "write the poll with ASYNC_BEGIN / AWAIT / YIELD_NOW / ASYNC_END "
           "(it is %d)",
           s.async);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(async_awaits_the_first_widget),
    cmocka_unit_test(async_sums_after_both_widgets),
    cmocka_unit_test(async_does_not_start_b_before_a_is_done),
    cmocka_unit_test(async_yields_between_the_widgets),
    cmocka_unit_test(async_wakes_on_every_pending),
    cmocka_unit_test(async_uses_the_macros),
};

CHECK_MAIN("lesson03", tests)
