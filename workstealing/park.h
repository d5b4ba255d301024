/*
 * workstealing/park.h - how one worker sleeps and how another wakes it.
 * Private to workstealing/.
 *
 * Every worker has a parker. A worker with nothing to do parks in one of
 * two places, and an unpark must reach it in either:
 *
 *   the driver   the ONE parked worker that managed to take the driver
 *                waits in driver_park() (epoll_wait), so timers and I/O
 *                still fire while everyone sleeps; unpark reaches it with
 *                driver_unpark() (an eventfd write);
 *   a condvar    every other parked worker; unpark signals it.
 *
 * The state word tells the unparker which, and makes "unpark before park"
 * safe (the park then returns at once), as in Tokio's Parker (2020):
 *
 *                     park (driver taken)          unpark: driver_unpark
 *          ┌───────> PARKED_DRIVER ─────────────────────────┐
 *          │                                                v
 *        EMPTY ───── park (no driver) ──> PARKED_CONDVAR ──> NOTIFIED
 *          ^                               unpark: signal     │
 *          │                                                  │
 *          └────────── park returns, consuming the token ─────┘
 *
 *   unpark on EMPTY or NOTIFIED leaves NOTIFIED: the next park returns
 *   at once. A token is never lost, at most one is kept.
 *
 * Simulation mode. All workers share one thread, so nobody may block:
 * park only records where the worker would sleep, and the simulation
 * (sim.c) steps only workers whose parker is NOTIFIED or who are not
 * parked. It also turns the driver itself, for the worker that holds it,
 * when every worker sleeps.
 *
 * Who may touch what: state, any thread (atomic); lock and cond as a
 * condvar pair; the rest is set at init.
 *
 * Tests: tests/test_ws.c (every test parks and unparks workers).
 */
#ifndef ASYNCLAB_WORKSTEALING_PARK_H
#define ASYNCLAB_WORKSTEALING_PARK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "driver/driver.h"

typedef enum ws_park_state {
    WS_PARK_EMPTY = 0,
    WS_PARK_CONDVAR,
    WS_PARK_DRIVER,
    WS_PARK_NOTIFIED,
} ws_park_state_t;

typedef struct ws_parker {
    _Atomic int state;    /* ws_park_state_t, any thread */
    pthread_mutex_t lock; /* pairs with cond; guards nothing else */
    pthread_cond_t cond;
    driver_t *driver; /* what driver_unpark is called on */
    bool sim;         /* never block: see above */
} ws_parker_t;

void ws_parker_init(ws_parker_t *p, driver_t *driver, bool sim);
void ws_parker_destroy(ws_parker_t *p);

/*
 * Owner only. Sleep until unparked (or a timer or I/O event, when
 * in_driver: the caller holds the driver and parks in it), or until
 * timeout_ms have passed (-1: no limit). Returns at once if a token is
 * waiting. In simulation mode never blocks: it records where the worker
 * sleeps and returns (the timeout is not simulated).
 */
void ws_parker_park(ws_parker_t *p, bool in_driver, int timeout_ms);

/* Any thread. Wake the owner, or make its next park return at once. */
void ws_parker_unpark(ws_parker_t *p);

/* Simulation: true when the owner would have returned from its park. */
bool ws_parker_is_notified(ws_parker_t *p);

/* Simulation: the owner "returns" from its park; consumes the token. */
void ws_parker_consume(ws_parker_t *p);

#endif
