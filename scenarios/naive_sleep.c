/*
 * scenarios/naive_sleep.c - the Sleep that checks the clock and keeps no waker.
 * See scenarios/naive_sleep.h for why it is wrong and what it teaches.
 *
 * Tests: tests/test_async.c.
 */
#include "scenarios/naive_sleep.h"

#include <time.h>

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void naive_sleep_init(naive_sleep_t *s, uint64_t ms)
{
    *s = (naive_sleep_t){.base = {.poll = naive_sleep_poll, .drop = NULL},
                         .deadline_ns = monotonic_ns() + ms * 1000000u};
}

poll_t naive_sleep_poll(future_t *f, context_t *cx)
{
    naive_sleep_t *s = (naive_sleep_t *)f;
    (void)cx; /* the bug: the waker is ignored, so nobody can wake us */
    return monotonic_ns() >= s->deadline_ns ? POLL_READY : POLL_PENDING;
}
