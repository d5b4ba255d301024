/*
 * lessons/11-join-select/example.c - concurrency inside one task: join,
 * select, timeout, and what a per-child waker saves.
 *
 *     asynclab lesson 11 --run
 *
 * Every part runs one future with block_on on the notify executor in
 * virtual time: the driver's clock jumps to the next timer instead of
 * sleeping, so the times printed are exact and the same on every run.
 *
 * 1. Three sleeps (30, 10, 20 ms) awaited one after the other, then the
 *    same three in a join_all: 60 ms against 30, in one task.
 * 2. A join of 100 sleeps (1 .. 100 ms): polls of the children with
 *    join_all's per-child wakers, and with one shared waker (every
 *    unfinished child polled on every wake).
 * 3. A select of {sleep 10, sleep 30}: the loser is dropped at once, its
 *    timer leaves the wheel. A select of {a ticker, sleep 35}: the
 *    ticker's ticks so far are lost with it.
 * 4. select_timeout: an inner sleep of 50, 20 and 10 ms under a 20 ms
 *    timeout; at 20 both are due at once, and the inner future wins.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bench/executors.h"
#include "core/async.h"
#include "driver/driver.h"
#include "driver/time.h"
#include "sync/combine.h"

#define MANY 100

/* ---- running one future, and when it finished ---------------------------- */

typedef struct probe {
    future_t base;
    future_t *inner;
    uint64_t done_ms; /* the driver's clock at READY */
    bool timers_left; /* any timer still in the wheel at READY */
} probe_t;

static poll_t probe_poll(future_t *f, context_t *cx)
{
    probe_t *p = (probe_t *)f;
    if (future_poll(p->inner, cx) == POLL_PENDING)
        return POLL_PENDING;
    uint64_t when;
    p->done_ms = driver_now_ms(driver_current());
    p->timers_left = driver_next_timer(driver_current(), &when);
    return POLL_READY;
}

/* block_on(f) in virtual time; its moment of READY. */
static probe_t run(future_t *f)
{
    executor_config_t cfg = {.kind = executor_kind_by_name("notify"),
                             .virtual_time = true};
    executor_t *ex = executor_create(&cfg);
    probe_t p = {.base = {probe_poll, NULL}, .inner = f};
    executor_block_on(ex, &p.base);
    executor_destroy(ex);
    return p;
}

/* ---- 1. await in sequence, or join --------------------------------------- */

typedef struct in_turn {
    future_t base;
    async_t async;
    sleep_t *s;
    int k;
} in_turn_t;

static poll_t in_turn_poll(future_t *f, context_t *cx)
{
    in_turn_t *self = (in_turn_t *)f;
    ASYNC_BEGIN(self);
    for (self->k = 0; self->k < 3; self->k++)
        AWAIT(self, cx, &self->s[self->k].base);
    ASYNC_END(self);
}

static void part1(void)
{
    static const uint64_t ms[3] = {30, 10, 20};
    sleep_t s[3];
    for (int i = 0; i < 3; i++)
        sleep_init(&s[i], ms[i]);
    in_turn_t seq = {.base = {in_turn_poll, NULL}, .s = s};
    printf("1. sleeps of 30, 10, 20 ms, awaited in turn:   READY at %3" PRIu64
           " ms\n",
           run(&seq.base).done_ms);
    for (int i = 0; i < 3; i++)
        sleep_init(&s[i], ms[i]);
    future_t *kids[3] = {&s[0].base, &s[1].base, &s[2].base};
    join_all_t j;
    join_all_init(&j, kids, 3);
    probe_t p = run(&j.base);
    printf("   the same three in one join_all:             READY at %3" PRIu64
           " ms, %" PRIu64 " child polls\n",
           p.done_ms, j.child_polls);
    future_drop(&j.base);
}

/* ---- 2. per-child wakers, or one shared waker ---------------------------- */

/* A join that hands the task's own waker to every child: a wake says
 * only "something changed", so every unfinished child is polled. */
typedef struct shared_join {
    future_t base;
    sleep_t *kids;
    bool done[MANY];
    uint64_t child_polls;
} shared_join_t;

static poll_t shared_join_poll(future_t *f, context_t *cx)
{
    shared_join_t *j = (shared_join_t *)f;
    bool all = true;
    for (int i = 0; i < MANY; i++) {
        if (j->done[i])
            continue;
        j->child_polls++;
        j->done[i] = future_poll(&j->kids[i].base, cx) == POLL_READY;
        all = all && j->done[i];
    }
    return all ? POLL_READY : POLL_PENDING;
}

static void part2(void)
{
    static sleep_t s[MANY];
    future_t *kids[MANY];
    for (int i = 0; i < MANY; i++) {
        sleep_init(&s[i], (uint64_t)i + 1);
        kids[i] = &s[i].base;
    }
    join_all_t j;
    join_all_init(&j, kids, MANY);
    probe_t p = run(&j.base);
    printf("\n2. a join of %d sleeps (1 .. %d ms), READY at %" PRIu64 " ms:\n",
           MANY, MANY, p.done_ms);
    printf("   join_all, a waker per child:   %5" PRIu64 " child polls\n",
           j.child_polls);
    future_drop(&j.base);
    for (int i = 0; i < MANY; i++)
        sleep_init(&s[i], (uint64_t)i + 1);
    shared_join_t sj = {.base = {shared_join_poll, NULL}, .kids = s};
    run(&sj.base);
    printf("   one waker shared by all:       %5" PRIu64 " child polls\n",
           sj.child_polls);
    for (int i = 0; i < MANY; i++)
        future_drop(&s[i].base);
}

/* ---- 3. select: the loser is dropped ------------------------------------- */

/* Counts the ticks of a 10 ms interval; READY after `of` ticks. */
typedef struct ticker {
    future_t base;
    interval_t iv;
    uint64_t of;
} ticker_t;

static poll_t ticker_poll(future_t *f, context_t *cx)
{
    ticker_t *t = (ticker_t *)f;
    while (t->iv.ticks < t->of)
        if (future_poll(&t->iv.base, cx) == POLL_PENDING)
            return POLL_PENDING;
    return POLL_READY;
}

static void ticker_drop(future_t *f)
{
    future_drop(&((ticker_t *)f)->iv.base);
}

static void part3(void)
{
    sleep_t a, b;
    sleep_init(&a, 10);
    sleep_init(&b, 30);
    future_t *kids[2] = {&a.base, &b.base};
    select_t s;
    select_init(&s, kids, 2);
    probe_t p = run(&s.base);
    printf("\n3. select of {sleep 10, sleep 30}:  child %d wins at %" PRIu64
           " ms; timers left in the wheel: %s\n",
           s.winner, p.done_ms, p.timers_left ? "yes" : "none");
    future_drop(&s.base);

    ticker_t t = {.base = {ticker_poll, ticker_drop}, .of = 10};
    interval_init(&t.iv, 10);
    sleep_init(&b, 35);
    kids[0] = &t.base;
    select_init(&s, kids, 2);
    p = run(&s.base);
    printf(
        "   select of {10 ticks of 10 ms, sleep 35}: child %d wins at %" PRIu64
        " ms;\n   the ticker was dropped after %" PRIu64
        " ticks, and never finishes\n",
        s.winner, p.done_ms, t.iv.ticks);
    future_drop(&s.base);
}

/* ---- 4. timeout = select of {inner, sleep} ------------------------------- */

static void part4(void)
{
    static const uint64_t inner_ms[3] = {50, 20, 10};
    printf("\n4. select_timeout of 20 ms:\n");
    for (int i = 0; i < 3; i++) {
        sleep_t inner;
        sleep_init(&inner, inner_ms[i]);
        select_timeout_t t;
        select_timeout_init(&t, &inner.base, 20);
        probe_t p = run(&t.select.base);
        printf("   inner sleep %2" PRIu64 " ms: READY at %2" PRIu64 " ms, %s\n",
               inner_ms[i], p.done_ms,
               select_timed_out(&t) ? "timed out, inner dropped"
                                    : "inner finished, the timer dropped");
        future_drop(&t.select.base);
    }
}

int main(void)
{
    part1();
    part2();
    part3();
    part4();
    printf("\nOne task, one poll, several children: a join waits for all, a "
           "select for the\nfirst and drops the rest; a timeout is a select "
           "with a sleep.\n");
    return 0;
}
