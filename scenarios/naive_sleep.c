/*
 * scenarios/naive_sleep.c - the Sleep that checks the clock and keeps no waker.
 * See scenarios/naive_sleep.h for why it is wrong and what it teaches.
 *
 * The clock it checks is the executor's (the driver's: virtual in a
 * simulation), never the machine's directly: a simulated run, stepped or
 * not, ends the same way.
 *
 * Tests: tests/test_async.c, tests/test_scenario.c.
 */
#include "scenarios/naive_sleep.h"

#include "driver/clock.h"
#include "driver/driver.h"

/* Milliseconds on the polling executor's clock; with no executor around
 * (a poll by hand), CLOCK_MONOTONIC's, as driver/time.h does. */
static uint64_t now_ms(void)
{
    driver_t *d = driver_current();
    return d != NULL ? driver_now_ms(d) : driver_clock_mono_ms();
}

void naive_sleep_init(naive_sleep_t *s, uint64_t ms)
{
    *s = (naive_sleep_t){.base = {.poll = naive_sleep_poll, .drop = NULL},
                         .ms = ms};
}

poll_t naive_sleep_poll(future_t *f, context_t *cx)
{
    naive_sleep_t *s = (naive_sleep_t *)f;
    (void)cx; /* the bug: the waker is ignored, so nobody can wake us */
    if (!s->started) {
        s->deadline_ms = driver_time_add(now_ms(), s->ms);
        s->started = true;
    }
    return now_ms() >= s->deadline_ms ? POLL_READY : POLL_PENDING;
}
