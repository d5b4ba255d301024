/*
 * driver/clock.h - the driver's clock: real milliseconds or virtual ones.
 *
 * Every time the driver reasons about (timer deadlines, "now") is a count of
 * milliseconds since the driver was created. Two sources feed that count:
 *
 *   real     CLOCK_MONOTONIC, read on every call; never goes backwards,
 *            does not jump when someone sets the wall clock
 *   virtual  a counter that starts at 0 and moves only when told to
 *            (driver_advance, or a park that jumps to the next timer);
 *            tests and the work-stealing simulation use it so a run that
 *            "sleeps" for an hour takes no time and is reproducible
 *
 * "Now" rounds down: real time 7.9 ms after creation reads as 7 ms. A
 * timer due at 8 ms is therefore never fired early, and a park that waits
 * "deadline - now" milliseconds wakes at or after the deadline.
 *
 * A deadline "d ms from now" rounds the other way: from 7.9 ms it is
 * 8 + d, not 7 + d (driver_clock_now_ms_up). Counting from 7 would make a
 * 1 ms sleep started at 7.9 ms due at 8 ms, 0.1 ms later. Rounded up, a
 * sleep is never shorter than asked, and at most one millisecond longer
 * (plus however late its thread gets to run), as in Tokio.
 *
 * Threads: driver_clock_now_ms may be called from any thread. Only the
 * driver moves a virtual clock, under its lock.
 *
 * Tests: tests/test_wheel.c (virtual stepping), tests/test_driver.c.
 */
#ifndef ASYNCLAB_DRIVER_CLOCK_H
#define ASYNCLAB_DRIVER_CLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct driver_clock {
    bool virtual_time;           /* set at init, read-only after */
    uint64_t origin_ns;          /* real: CLOCK_MONOTONIC at init */
    _Atomic uint64_t virtual_ms; /* virtual: written by the driver under its
                                    lock, read by any thread */
} driver_clock_t;

void driver_clock_init(driver_clock_t *c, bool virtual_time);

/* Milliseconds since init, rounded down. Any thread. */
uint64_t driver_clock_now_ms(const driver_clock_t *c);

/* Milliseconds since init, rounded up: the first whole millisecond that
 * is not before now. The base of a relative deadline. Any thread. */
uint64_t driver_clock_now_ms_up(const driver_clock_t *c);

/* Virtual clocks only: set the time to ms (never backwards). */
void driver_clock_set_ms(driver_clock_t *c, uint64_t ms);

/* CLOCK_MONOTONIC in milliseconds since an arbitrary start (boot), rounded
 * down and up. For time futures polled where there is no driver at all. */
uint64_t driver_clock_mono_ms(void);
uint64_t driver_clock_mono_ms_up(void);

#endif
