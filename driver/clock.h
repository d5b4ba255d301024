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
 * Both round down: real time 7.9 ms after creation reads as 7 ms. A timer
 * due at 8 ms is therefore never fired early, and a park that waits
 * "deadline - now" milliseconds wakes at or after the deadline.
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

/* Virtual clocks only: set the time to ms (never backwards). */
void driver_clock_set_ms(driver_clock_t *c, uint64_t ms);

/* CLOCK_MONOTONIC in milliseconds since an arbitrary start (boot). For
 * time futures polled where there is no driver at all. */
uint64_t driver_clock_mono_ms(void);

#endif
