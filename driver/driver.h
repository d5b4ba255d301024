/*
 * driver/driver.h - what an executor parks in: timers, I/O, and unpark.
 *
 * The driver is the part of a runtime that turns the outside world into
 * wakes. It owns three things:
 *
 *   clock    real (CLOCK_MONOTONIC) or virtual (moves only when told, or
 *            jumps to the next timer when the executor is idle)
 *   wheel    every pending timer (driver/wheel.h)
 *   reactor  every registered fd, over one epoll instance, plus an
 *            eventfd so another thread can interrupt a park
 *
 * An executor with nothing to run calls driver_park(d, timeout): it waits
 * in epoll_wait until the next timer, an I/O event, or driver_unpark from
 * another thread; then it fires due timers and dispatches readiness, which
 * wakes tasks (their wakers schedule them). One thread parks in a driver
 * at a time; every other function here may be called from any thread.
 *
 * Futures find the driver through driver_current(), a thread-local the
 * executor sets around each poll (as Tokio's runtime handle).
 *
 * Files: clock.h (real and virtual ms), wheel.h (the timer wheel),
 * reactor.h (epoll, readiness ticks), time.h (sleep, interval, timeout),
 * net.h (async TCP). This file joins them.
 *
 * Tests: tests/test_wheel.c, tests/test_reactor.c, tests/test_driver.c.
 */
#ifndef ASYNCLAB_DRIVER_DRIVER_H
#define ASYNCLAB_DRIVER_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/trace.h"
#include "core/waker.h"
#include "driver/wheel.h"

typedef struct driver driver_t;
typedef struct reactor reactor_t;

typedef struct driver_stats {
    uint64_t turns;     /* driver_park calls */
    uint64_t io_events; /* readiness events dispatched */
    uint64_t timers_fired;
    uint64_t unparks; /* eventfd writes */
    uint64_t timers_pending;
    uint64_t fds_registered;
} driver_stats_t;

/* virtual_time: the clock starts at 0 ms and moves only by
 * driver_advance() or by a park that has nothing else to wait for.
 * Returns NULL with errno set when epoll or eventfd cannot be made. */
driver_t *driver_create(bool virtual_time);

/* Fires nothing; drops the wakers of timers and registrations still held. */
void driver_destroy(driver_t *d);

/*
 * The sink an executor should emit into, given the one it was configured
 * with: on a real clock that sink itself; on a virtual clock `c`, set up
 * to stamp each event with this driver's time (in nanoseconds) before
 * handing it on, so that a simulated run's trace is the same every time
 * and no other runtime's clock can reach it. NULL in, NULL out.
 */
trace_sink_t *driver_trace_sink(driver_t *d, trace_clocked_sink_t *c,
                                trace_sink_t *configured);

/* Milliseconds on the driver's clock (since driver_create), rounded down. */
uint64_t driver_now_ms(driver_t *d);

/*
 * The deadline that is ms from now: now rounded up, plus ms, so that a
 * wait until it is never shorter than ms (driver/clock.h). Saturates: a
 * sum that would pass DRIVER_NEVER is DRIVER_NEVER.
 */
uint64_t driver_deadline_in(driver_t *d, uint64_t ms);

/*
 * A deadline that never comes. Any deadline at or past it (2^40 ms after
 * the driver's start, about 35 years, the horizon Tokio also uses for
 * "far future") is never: a time future waiting for it arms no timer and
 * holds no waker, so an executor with nothing else to do reports the task
 * as one nothing can wake, instead of hanging or, with virtual time,
 * jumping decades. Deadline arithmetic saturates here and never wraps.
 */
#define DRIVER_NEVER (UINT64_C(1) << 40)

/* a + b, or DRIVER_NEVER when that is at or past DRIVER_NEVER. */
static inline uint64_t driver_time_add(uint64_t a, uint64_t b)
{
    return a >= DRIVER_NEVER || b >= DRIVER_NEVER - a ? DRIVER_NEVER : a + b;
}

/*
 * Wait for something to happen, for at most timeout_ms (-1: no limit but
 * the next timer; 0: do not wait), then fire due timers and dispatch I/O.
 * Virtual time never sleeps: when no I/O is ready it advances the clock to
 * the next timer (or by timeout_ms, whichever is sooner; with no timer and
 * no limit it returns at once). Returns how many wakes it caused.
 */
int driver_park(driver_t *d, int64_t timeout_ms);

/* From any thread: make a driver_park in progress (or the next one)
 * return promptly. One eventfd write. */
void driver_unpark(driver_t *d);

/* Virtual clock only: move time forward by ms and fire what became due. */
int driver_advance(driver_t *d, uint64_t ms);

/* Deadline (ms) of the earliest pending timer; false when there is none. */
bool driver_next_timer(driver_t *d, uint64_t *deadline_ms);

/* True when any timer is pending or any fd is registered with a waker:
 * something outside the run queues may still wake a task. */
bool driver_has_work(driver_t *d);

void driver_stats(driver_t *d, driver_stats_t *out);

/* The driver of the executor running on this thread (NULL outside). */
driver_t *driver_current(void);
driver_t *driver_set_current(driver_t *d);

/* Emit TRACE_DRIVER_TURN, TRACE_TIMER_FIRE and TRACE_IO_READY to sink
 * (NULL: stop). Set it before the executor runs. */
void driver_set_trace(driver_t *d, trace_sink_t *sink);

/* The sink driver_set_trace gave (NULL: none), for the driver's own
 * futures (driver/net.c traces fd registrations through it). */
trace_sink_t *driver_trace(driver_t *d);

/* True when the clock is virtual (driver_create(true)). */
bool driver_is_virtual(driver_t *d);

/* ---- timers: what the time futures (driver/time.h) are built on ---------- */

/*
 * A timer: a wheel entry and the waker to wake when it fires. Embed it in
 * a future; it must not move while armed (from the first poll on). Both
 * fields belong to the driver's lock once armed.
 */
typedef struct driver_timer {
    wheel_entry_t entry;
    waker_t waker;
} driver_timer_t;

void driver_timer_init(driver_timer_t *t);

/*
 * (Re)arm t to fire at deadline_ms on d's clock, keeping cx's waker. A
 * deadline at or before now fires on the next driver turn. If a thread is
 * parked waiting past deadline_ms, it is unparked to re-plan. Any thread.
 */
void driver_timer_arm(driver_t *d, driver_timer_t *t, uint64_t deadline_ms,
                      const context_t *cx);

/*
 * True once t has fired (its waker was woken or is about to be). False
 * while still pending: cx's waker replaces the kept one. Any thread.
 */
bool driver_timer_poll(driver_t *d, driver_timer_t *t, const context_t *cx);

/* Disarm t and drop its waker; nothing happens if it is not armed. */
void driver_timer_cancel(driver_t *d, driver_timer_t *t);

/* The reactor, for driver/net.c (registrations live there). */
reactor_t *driver_reactor(driver_t *d);

#endif
