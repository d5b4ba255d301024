/*
 * lessons/15-fairness/example.c - starvation, and three cures.
 *
 *     asynclab lesson 15 --run
 *
 * A hog task takes 1000 values from a source that is always ready; another
 * task, spawned right after it, notes how far the hog got before its own
 * first poll. Four hogs on the notify executor (one thread, FIFO):
 *
 *   greedy    the leaf is always READY: the hog never returns PENDING
 *   budgeted  the leaf spends the cooperative budget (core/coop.h)
 *   yielding  the hog itself does YIELD_NOW every 100 values
 */
#include <stdio.h>

#include "core/async.h"
#include "core/coop.h"
#include "core/executor.h"
#include "notify_executor/notify_executor.h"

enum { ITEMS = 1000 };

typedef enum style { GREEDY, BUDGETED, YIELDING } style_t;

typedef struct hog {
    future_t base;
    async_t async;
    style_t style;
    long *taken;
} hog_t;

/* The leaf, inlined: one value, always available. */
static bool take_one(hog_t *h, context_t *cx)
{
    if (h->style == BUDGETED && !coop_poll_proceed(cx))
        return false; /* budget gone: our task is woken, go to the back */
    (*h->taken)++;
    return true;
}

static poll_t hog_poll(future_t *f, context_t *cx)
{
    hog_t *h = (hog_t *)f;
    ASYNC_BEGIN(h);
    while (*h->taken < ITEMS) {
        AWAIT_POLL(h, take_one(h, cx) ? POLL_READY : POLL_PENDING);
        if (h->style == YIELDING && *h->taken % 100 == 0)
            YIELD_NOW(h, cx);
    }
    ASYNC_END(h);
}

typedef struct other {
    future_t base;
    long *taken;
    long *seen;
} other_t;

static poll_t other_poll(future_t *f, context_t *cx)
{
    (void)cx;
    other_t *o = (other_t *)f;
    *o->seen = *o->taken;
    return POLL_READY;
}

static void race(style_t style, const char *name)
{
    executor_config_t cfg = {.kind = &notify_executor_kind};
    executor_t *ex = executor_create(&cfg);
    long taken = 0, seen = -1;
    hog_t h = {.base = {hog_poll, NULL}, .style = style, .taken = &taken};
    other_t o = {.base = {other_poll, NULL}, .taken = &taken, .seen = &seen};
    executor_spawn(ex, &h.base, sizeof h, "hog", NULL);
    executor_spawn(ex, &o.base, sizeof o, "other", NULL);
    executor_run(ex);
    executor_stats_t st;
    executor_stats(ex, &st);
    printf("%-9s the other task ran after %4ld of %d values; hog polls %llu, "
           "self-wakes %llu\n",
           name, seen, ITEMS, (unsigned long long)st.polls - 1,
           (unsigned long long)st.self_wakes);
    executor_destroy(ex);
}

int main(void)
{
    race(GREEDY, "greedy");
    race(BUDGETED, "budgeted");
    race(YIELDING, "yielding");
    printf("\nCOOP_BUDGET is %d: a budgeted leaf gives the thread back after "
           "that many\nready operations, whatever the task's code does.\n",
           COOP_BUDGET);
    return 0;
}
