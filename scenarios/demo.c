/*
 * scenarios/demo.c - the one-concept futures of scenarios/demo.h.
 *
 * Tests: tests/viz.sh and tests/cli.sh run the scenarios built on these.
 */
#include "scenarios/demo.h"

#include <errno.h>
#include <time.h>

static void count_done(demo_count_t *done)
{
    /* Relaxed: a count, read after executor_run returned. */
    if (done != NULL)
        atomic_fetch_add_explicit(done, 1, memory_order_relaxed);
}

/* ---- yielder ------------------------------------------------------------- */

/* A few hundred nanoseconds of arithmetic (xorshift steps). */
static uint64_t little_work(uint64_t x)
{
    for (int i = 0; i < 200; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

static poll_t yielder_poll(future_t *f, context_t *cx)
{
    demo_yielder_t *y = (demo_yielder_t *)f;
    ASYNC_BEGIN(y);
    for (y->i = 0; y->i < y->rounds; y->i++) {
        y->work = little_work(y->work + 1);
        YIELD_NOW(y, cx);
    }
    count_done(y->done);
    ASYNC_END(y);
}

void demo_yielder_init(demo_yielder_t *y, int64_t rounds, uint64_t seed,
                       demo_count_t *done)
{
    *y = (demo_yielder_t){.base = {yielder_poll, NULL},
                          .rounds = rounds,
                          .work = seed,
                          .done = done};
}

/* ---- sleeper ------------------------------------------------------------- */

static poll_t sleeper_poll(future_t *f, context_t *cx)
{
    demo_sleeper_t *s = (demo_sleeper_t *)f;
    ASYNC_BEGIN(s);
    for (s->i = 0; s->i < s->rounds; s->i++) {
        sleep_init(&s->nap, s->ms); /* the last one fired: not armed */
        AWAIT(s, cx, &s->nap.base);
    }
    count_done(s->done);
    ASYNC_END(s);
}

/* Dropped before its end (shutdown): cancel the timer. */
static void sleeper_drop(future_t *f)
{
    demo_sleeper_t *s = (demo_sleeper_t *)f;
    future_drop(&s->nap.base);
}

void demo_sleeper_init(demo_sleeper_t *s, uint64_t ms, int rounds,
                       demo_count_t *done)
{
    *s = (demo_sleeper_t){.base = {sleeper_poll, sleeper_drop},
                          .rounds = rounds,
                          .ms = ms,
                          .done = done};
    sleep_init(&s->nap, ms);
}

/* ---- blocker ------------------------------------------------------------- */

/* The mistake on purpose: a blocking call inside poll. */
static poll_t blocker_poll(future_t *f, context_t *cx)
{
    demo_blocker_t *b = (demo_blocker_t *)f;
    ASYNC_BEGIN(b);
    for (b->i = 0; b->i < b->rounds; b->i++) {
        struct timespec ts = {b->ms / 1000, (long)(b->ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
        YIELD_NOW(b, cx);
    }
    count_done(b->done);
    ASYNC_END(b);
}

void demo_blocker_init(demo_blocker_t *b, int ms, int rounds,
                       demo_count_t *done)
{
    *b = (demo_blocker_t){
        .base = {blocker_poll, NULL}, .rounds = rounds, .ms = ms, .done = done};
}

/* ---- pingpong ------------------------------------------------------------ */

static poll_t pinger_poll(future_t *f, context_t *cx)
{
    demo_pinger_t *p = (demo_pinger_t *)f;
    ASYNC_BEGIN(p);
    for (p->i = 0; p->i < p->rounds; p->i++) {
        if (p->serve) {
            p->ball = p->i;
            mpsc_try_send(&p->tx, &p->ball); /* unbounded: never full */
        }
        mpsc_recv_init(&p->recv, &p->rx, &p->ball);
        AWAIT(p, cx, &p->recv.base);
        if (p->recv.result != 0)
            break; /* the other one is gone */
        if (!p->serve)
            mpsc_try_send(&p->tx, &p->ball);
    }
    count_done(p->done);
    ASYNC_END(p);
}

/* After READY or instead of it: release both handles. */
static void pinger_drop(future_t *f)
{
    demo_pinger_t *p = (demo_pinger_t *)f;
    if (p->async != 0 && p->async != ASYNC_DONE)
        future_drop(&p->recv.base);
    mpsc_tx_drop(&p->tx);
    mpsc_rx_drop(&p->rx);
}

int demo_pingpong_init(demo_pinger_t *a, demo_pinger_t *b, int rounds,
                       demo_count_t *done)
{
    *a = (demo_pinger_t){.base = {pinger_poll, pinger_drop},
                         .rounds = rounds,
                         .serve = 1,
                         .done = done};
    *b = *a;
    b->serve = 0;
    int rc = mpsc_channel(sizeof(int), MPSC_UNBOUNDED, &a->tx, &b->rx);
    if (rc != 0)
        return rc;
    rc = mpsc_channel(sizeof(int), MPSC_UNBOUNDED, &b->tx, &a->rx);
    if (rc != 0) {
        mpsc_tx_drop(&a->tx);
        mpsc_rx_drop(&b->rx);
    }
    return rc;
}
