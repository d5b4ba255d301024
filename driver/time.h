/*
 * driver/time.h - time futures: sleep, sleep_until, interval, timeout.
 *
 * Tokio's tokio::time, in C. Each is a plain future struct (future_t base
 * first) that may be spawned by value or embedded in a bigger future:
 *
 *     sleep_t nap;
 *     sleep_init(&nap, 250);             // nothing happens yet
 *     ...AWAIT(self, cx, &self->nap.base);  // first poll: the clock is read,
 *                                           // the timer goes into the wheel
 *
 * Why the first poll and not init: a future may be copied (spawned by
 * value) until its first poll; only then is its address fixed, and the
 * wheel links to the timer inside it. So init only records what to do.
 *
 *   sleep_t     INIT ──first poll──> WAITING ──timer fired──> DUE ──> DONE
 *                       (arm timer)            (wheel woke us)   (budget)
 *
 * The driver is driver_current() at the first poll (the executor sets it).
 * With no driver at all (a future polled outside any executor) they still
 * work: they read CLOCK_MONOTONIC and wake themselves on every poll, a
 * busy wait. Every executor here has a driver; the spin executor turns
 * its own without waiting, once per pass, and so busy-waits just the same.
 *
 * Leaf futures spend one unit of the cooperative budget (core/coop.h) when
 * they are about to return READY; with the budget gone they stay DUE, wake
 * their task and return PENDING.
 *
 * Dropping a future cancels its timer (O(1), see driver/wheel.h). The
 * driver must outlive every time future polled with it.
 *
 * Tests: tests/test_driver.c.
 */
#ifndef ASYNCLAB_DRIVER_TIME_H
#define ASYNCLAB_DRIVER_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/future.h"
#include "driver/driver.h"

/* ---- sleep --------------------------------------------------------------- */

typedef struct sleep {
    future_t base;
    uint64_t arg;         /* sleep: ms to wait; sleep_until: the deadline */
    bool absolute;        /* arg is a deadline */
    bool armed;           /* the timer is in the driver's wheel */
    uint8_t state;        /* INIT, WAITING, DUE, DONE (time.c) */
    uint64_t deadline;    /* fixed at the first poll */
    driver_t *driver;     /* found at the first poll; NULL: none */
    driver_timer_t timer; /* the driver's while armed */
} sleep_t;

/* Sleep for ms, counted from the first poll. */
void sleep_init(sleep_t *s, uint64_t ms);

/* Sleep until deadline_ms on the driver's clock (driver_now_ms). */
void sleep_until_init(sleep_t *s, uint64_t deadline_ms);

/*
 * Wait for a new deadline instead (also after READY: the sleep can be
 * awaited again). Takes effect at the next poll, which the caller makes.
 */
void sleep_reset(sleep_t *s, uint64_t deadline_ms);

/* The deadline; valid from the first poll on. */
uint64_t sleep_deadline(const sleep_t *s);

/* ---- interval ------------------------------------------------------------ */

/*
 * What an interval does when it falls behind (its task was busy, or the
 * machine was), as Tokio's MissedTickBehavior. A tick is missed when the
 * next one is already due as the current one is handed out:
 *
 *   period 10: ticks due at 0 10 20 30 40 ...; ticks 0 and 10 are taken
 *   on time, then the task stalls from 12 to 35. Ticks handed out at:
 *
 *   BURST   35 35 40 50 ...   catch up: 20 and 30 at once, then on time
 *   DELAY   35 45 55 ...      restart the schedule from now
 *   SKIP    35 40 50 ...      drop 30, keep the old grid
 *
 * BURST is the default, as in Tokio: an interval that counts something
 * (a rate, a budget refill, "one tick = one unit of work") stays correct on
 * average, ticks == elapsed / period. Pick DELAY for "at least period
 * apart" (polling a slow service), SKIP for "on the grid, never twice".
 */
typedef enum interval_missed {
    INTERVAL_BURST = 0,
    INTERVAL_DELAY,
    INTERVAL_SKIP,
} interval_missed_t;

/*
 * A stream of ticks: each READY is one tick, and polling again waits for
 * the next (Rust's Interval::poll_tick). Await it in a loop:
 *
 *     while (self->iv.ticks < 10) AWAIT(self, cx, &self->iv.base);
 */
typedef struct interval {
    future_t base;
    sleep_t sleep;            /* the next tick's timer */
    uint64_t period;          /* ms, at least 1 */
    interval_missed_t missed; /* INTERVAL_BURST unless set */
    uint64_t tick_ms;         /* output: when the last tick was due */
    uint64_t ticks;           /* output: ticks yielded so far */
} interval_t;

/* The first tick is immediate (at the first poll), then every period_ms. */
void interval_init(interval_t *iv, uint64_t period_ms);

void interval_set_missed(interval_t *iv, interval_missed_t missed);

/* ---- timeout ------------------------------------------------------------- */

/*
 * Poll *inner until it is READY or ms have passed since the first poll,
 * whichever comes first. inner is borrowed: it lives elsewhere (not inside
 * a struct that will be copied after timeout_init), the timeout never
 * drops it, and once timed_out is true it must not be polled again.
 * Like Tokio's, the inner future is polled before the timer, so an inner
 * future that is ready wins a tie.
 */
typedef struct timeout {
    future_t base;
    future_t *inner;
    sleep_t sleep;
    bool timed_out; /* output: true when the time ran out first */
} timeout_t;

void timeout_init(timeout_t *t, future_t *inner, uint64_t ms);

#endif
