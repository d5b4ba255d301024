/*
 * scenarios/naive_sleep.h - a Sleep that forgets its waker (lessons 4 and 5).
 *
 * The first Sleep everyone writes: on every poll, look at the clock; past
 * the deadline, READY; otherwise PENDING. It never keeps cx->waker and
 * nothing will ever wake it. That breaks the rule of core/future.h
 * ("PENDING means a waker was kept"), on purpose:
 *
 *   spin executor    polls everything again and again, so the sleep ends
 *                    on time, with the thread at 100% CPU meanwhile;
 *   notify executor  polls a task only when its waker is woken, and nobody
 *                    holds this one: the task hangs (a lost wakeup), which
 *                    the executor reports instead of waiting forever.
 *
 * driver/time.h's sleep_t is the correct version: it gives its waker to
 * the driver's timer wheel.
 *
 * Tests: tests/test_async.c.
 */
#ifndef ASYNCLAB_SCENARIOS_NAIVE_SLEEP_H
#define ASYNCLAB_SCENARIOS_NAIVE_SLEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/future.h"

typedef struct naive_sleep {
    future_t base;
    uint64_t ms;          /* how long */
    uint64_t deadline_ms; /* on the executor's clock, fixed at the first
                             poll */
    bool started;
} naive_sleep_t;

/* A sleep of ms milliseconds, counted from its first poll, on the clock of
 * the executor that polls it (driver_current(): virtual time in a
 * simulation, so a stepped run and a straight one end alike). */
void naive_sleep_init(naive_sleep_t *s, uint64_t ms);

poll_t naive_sleep_poll(future_t *f, context_t *cx);

#endif
