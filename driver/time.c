/*
 * driver/time.c - sleep, sleep_until, interval and timeout futures.
 *
 * tokio::time's Sleep, Interval and Timeout (2020-2022), rebuilt on
 * driver_timer_t (driver/driver.h). The state machine of a sleep and the
 * missed-tick policies are drawn in driver/time.h.
 *
 * Threads: a future is polled by one thread at a time; the timer inside it
 * is shared with the driver, which touches it only under its lock.
 *
 * Tests: tests/test_driver.c.
 */
#include "driver/time.h"

#include "core/coop.h"
#include "driver/clock.h"

enum sleep_state {
    SLEEP_INIT = 0, /* not yet polled: may still be copied */
    SLEEP_WAITING,  /* deadline fixed; the timer may be armed */
    SLEEP_DUE,      /* the deadline passed; spending the budget */
    SLEEP_DONE,     /* returned READY */
};

/* ---- the clock and the wait, with or without a driver ------------------ */

static uint64_t time_now(driver_t *d)
{
    return d != NULL ? driver_now_ms(d) : driver_clock_mono_ms();
}

/* The deadline ms from now, never early: now rounded up (driver/clock.h).
 * 0 ms is now itself: due at once. */
static uint64_t time_deadline_in(driver_t *d, uint64_t ms)
{
    if (ms == 0)
        return time_now(d);
    return d != NULL ? driver_deadline_in(d, ms)
                     : driver_time_add(driver_clock_mono_ms_up(), ms);
}

/* True when s's deadline has passed; otherwise arranges a wake. */
static bool sleep_wait(sleep_t *s, context_t *cx)
{
    if (s->deadline >= DRIVER_NEVER)
        return false; /* nothing will ever wake us: hold no waker */
    if (s->driver == NULL) {
        /* No driver to wake us: ask to be polled again (busy wait). */
        if (time_now(NULL) >= s->deadline)
            return true;
        waker_wake_by_ref(cx->waker);
        return false;
    }
    if (!s->armed) {
        if (driver_now_ms(s->driver) >= s->deadline)
            return true;
        driver_timer_arm(s->driver, &s->timer, s->deadline, cx);
        s->armed = true;
        return false;
    }
    if (!driver_timer_poll(s->driver, &s->timer, cx))
        return false;
    s->armed = false;
    return true;
}

static void sleep_disarm(sleep_t *s)
{
    if (s->armed)
        driver_timer_cancel(s->driver, &s->timer);
    s->armed = false;
}

/* ---- sleep --------------------------------------------------------------- */

/* The one poll behind sleep, interval and timeout; `spend` is false for a
 * timeout's timer, whose inner future already spent the budget. */
static poll_t sleep_poll_with(sleep_t *s, context_t *cx, bool spend)
{
    switch (s->state) {
    case SLEEP_INIT:
        s->driver = driver_current();
        s->deadline = s->absolute ? s->arg : time_deadline_in(s->driver, s->arg);
        s->state = SLEEP_WAITING;
        /* fall through */
    case SLEEP_WAITING:
        if (!sleep_wait(s, cx))
            return POLL_PENDING;
        s->state = SLEEP_DUE;
        /* fall through */
    case SLEEP_DUE:
        if (spend && !coop_poll_proceed(cx))
            return POLL_PENDING; /* our task was woken: back of the queue */
        s->state = SLEEP_DONE;
        /* fall through */
    default:
        return POLL_READY;
    }
}

static poll_t sleep_poll(future_t *f, context_t *cx)
{
    return sleep_poll_with((sleep_t *)f, cx, true);
}

static void sleep_drop(future_t *f)
{
    sleep_disarm((sleep_t *)f);
}

static void sleep_setup(sleep_t *s, uint64_t arg, bool absolute)
{
    s->base.poll = sleep_poll;
    s->base.drop = sleep_drop;
    s->arg = arg;
    s->absolute = absolute;
    s->armed = false;
    s->state = SLEEP_INIT;
    s->deadline = 0;
    s->driver = NULL;
    driver_timer_init(&s->timer);
}

void sleep_init(sleep_t *s, uint64_t ms)
{
    sleep_setup(s, ms, false);
}

void sleep_until_init(sleep_t *s, uint64_t deadline_ms)
{
    sleep_setup(s, deadline_ms, true);
}

void sleep_reset(sleep_t *s, uint64_t deadline_ms)
{
    if (s->state == SLEEP_INIT) {
        s->arg = deadline_ms;
        s->absolute = true;
        return;
    }
    sleep_disarm(s); /* re-armed with the new deadline by the next poll */
    s->deadline = deadline_ms;
    s->state = SLEEP_WAITING;
}

uint64_t sleep_deadline(const sleep_t *s)
{
    return s->deadline;
}

/* ---- interval ------------------------------------------------------------ */

/* When the tick after the one due at `tick` is due, seen at `now`. */
static uint64_t interval_next(const interval_t *iv, uint64_t tick, uint64_t now)
{
    uint64_t next = driver_time_add(tick, iv->period);
    if (iv->ticks == 1)
        /* The first tick was at once, due "now" rounded down: the grid
         * starts a period after now rounded up, so that the second tick
         * is never less than a period after the first. */
        return time_deadline_in(iv->sleep.driver, iv->period);
    if (now < next)
        return next; /* on schedule */
    switch (iv->missed) {
    case INTERVAL_DELAY: /* a period from now, never less */
        return time_deadline_in(iv->sleep.driver, iv->period);
    case INTERVAL_SKIP: /* the first grid point after now */
        return driver_time_add(now, iv->period - (now - tick) % iv->period);
    default: /* INTERVAL_BURST: due already, yielded at once */
        return next;
    }
}

static poll_t interval_poll(future_t *f, context_t *cx)
{
    interval_t *iv = (interval_t *)f;
    if (sleep_poll_with(&iv->sleep, cx, true) == POLL_PENDING)
        return POLL_PENDING;
    iv->tick_ms = sleep_deadline(&iv->sleep);
    iv->ticks++;
    uint64_t now = time_now(iv->sleep.driver);
    sleep_reset(&iv->sleep, interval_next(iv, iv->tick_ms, now));
    return POLL_READY;
}

static void interval_drop(future_t *f)
{
    sleep_disarm(&((interval_t *)f)->sleep);
}

void interval_init(interval_t *iv, uint64_t period_ms)
{
    iv->base.poll = interval_poll;
    iv->base.drop = interval_drop;
    sleep_init(&iv->sleep, 0); /* the first tick: at the first poll */
    iv->period = period_ms > 0 ? period_ms : 1;
    iv->missed = INTERVAL_BURST;
    iv->tick_ms = 0;
    iv->ticks = 0;
}

void interval_set_missed(interval_t *iv, interval_missed_t missed)
{
    iv->missed = missed;
}

/* ---- timeout ------------------------------------------------------------- */

static poll_t timeout_poll(future_t *f, context_t *cx)
{
    timeout_t *t = (timeout_t *)f;
    if (future_poll(t->inner, cx) == POLL_READY) {
        sleep_disarm(&t->sleep); /* the timer is not needed any more */
        t->timed_out = false;
        return POLL_READY;
    }
    if (sleep_poll_with(&t->sleep, cx, false) == POLL_PENDING)
        return POLL_PENDING;
    t->timed_out = true;
    return POLL_READY;
}

static void timeout_drop(future_t *f)
{
    sleep_disarm(&((timeout_t *)f)->sleep);
}

void timeout_init(timeout_t *t, future_t *inner, uint64_t ms)
{
    t->base.poll = timeout_poll;
    t->base.drop = timeout_drop;
    t->inner = inner;
    sleep_init(&t->sleep, ms);
    t->timed_out = false;
}
