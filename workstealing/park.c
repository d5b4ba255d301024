/*
 * workstealing/park.c - the parker; park.h has the state machine.
 *
 * Memory orders: every transition INTO NOTIFIED is a release (the
 * unparker queued a task before it; the woken worker must see it), and
 * every transition OUT of NOTIFIED is an acquire that pairs with it.
 *
 * Tests: tests/test_ws.c.
 */
#include "workstealing/park.h"

#include <assert.h>
#include <errno.h>
#include <time.h>

void ws_parker_init(ws_parker_t *p, driver_t *driver, bool sim)
{
    atomic_init(&p->state, WS_PARK_EMPTY);
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t attr; /* timed parks count on the monotonic clock */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &attr);
    pthread_condattr_destroy(&attr);
    p->driver = driver;
    p->sim = sim;
}

void ws_parker_destroy(ws_parker_t *p)
{
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
}

/* NOTIFIED -> EMPTY if a token is waiting. Acquire: pairs with the
 * release exchange in ws_parker_unpark. */
static bool take_token(ws_parker_t *p)
{
    int expect = WS_PARK_NOTIFIED;
    return atomic_compare_exchange_strong_explicit(
        &p->state, &expect, WS_PARK_EMPTY, memory_order_acquire,
        memory_order_relaxed);
}

/* EMPTY -> where. False when an unpark got in first (NOTIFIED): consume
 * its token instead of sleeping. */
static bool announce(ws_parker_t *p, int where)
{
    int expect = WS_PARK_EMPTY;
    if (atomic_compare_exchange_strong_explicit(&p->state, &expect, where,
                                                memory_order_relaxed,
                                                memory_order_relaxed))
        return true;
    assert(expect == WS_PARK_NOTIFIED);
    /* Acquire: pairs with the unparker's release exchange. */
    atomic_exchange_explicit(&p->state, WS_PARK_EMPTY, memory_order_acquire);
    return false;
}

static void park_driver(ws_parker_t *p, int timeout_ms)
{
    if (!announce(p, WS_PARK_DRIVER))
        return;
    /* Returns on unpark (eventfd), on a due timer, on I/O, or after
     * timeout_ms. */
    driver_park(p->driver, timeout_ms);
    /* Acquire: pairs with the unparker's release exchange, if it was an
     * unpark that woke us; a timer leaves PARKED_DRIVER, also fine. */
    atomic_exchange_explicit(&p->state, WS_PARK_EMPTY, memory_order_acquire);
}

/* The deadline timeout_ms from now, on the condvar's clock. */
static struct timespec deadline_after(int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Timed out: CONDVAR -> EMPTY, unless an unpark got in first; then its
 * token is ours (consumed, as take_token would). */
static void give_up_waiting(ws_parker_t *p)
{
    int expect = WS_PARK_CONDVAR;
    if (!atomic_compare_exchange_strong_explicit(
            &p->state, &expect, WS_PARK_EMPTY, memory_order_relaxed,
            memory_order_relaxed))
        take_token(p);
}

static void park_condvar(ws_parker_t *p, int timeout_ms)
{
    struct timespec deadline = deadline_after(timeout_ms < 0 ? 0 : timeout_ms);
    pthread_mutex_lock(&p->lock);
    /* Announce under the lock: an unparker that sees PARKED_CONDVAR
     * takes the lock before signalling, so it cannot signal before we
     * wait. */
    if (announce(p, WS_PARK_CONDVAR)) {
        do {
            if (timeout_ms < 0) {
                pthread_cond_wait(&p->cond, &p->lock);
            } else if (pthread_cond_timedwait(&p->cond, &p->lock, &deadline) ==
                       ETIMEDOUT) {
                give_up_waiting(p);
                break;
            }
        } while (!take_token(p)); /* spurious wake-ups go back to sleep */
    }
    pthread_mutex_unlock(&p->lock);
}

void ws_parker_park(ws_parker_t *p, bool in_driver, int timeout_ms)
{
    if (p->sim) {
        int expect = WS_PARK_EMPTY;
        /* Relaxed: one thread. Leaves NOTIFIED alone: already woken. */
        atomic_compare_exchange_strong_explicit(
            &p->state, &expect, in_driver ? WS_PARK_DRIVER : WS_PARK_CONDVAR,
            memory_order_relaxed, memory_order_relaxed);
        return;
    }
    if (take_token(p))
        return;
    if (in_driver)
        park_driver(p, timeout_ms);
    else
        park_condvar(p, timeout_ms);
}

void ws_parker_unpark(ws_parker_t *p)
{
    /* Release: pairs with the acquire in take_token / announce /
     * park_driver; whatever we queued is visible to the woken worker. */
    int prev = atomic_exchange_explicit(&p->state, WS_PARK_NOTIFIED,
                                        memory_order_release);
    if (p->sim)
        return;
    switch (prev) {
    case WS_PARK_CONDVAR:
        /* Lock and unlock: the parker announced under the lock, so once
         * we hold it the parker is inside pthread_cond_wait. */
        pthread_mutex_lock(&p->lock);
        pthread_mutex_unlock(&p->lock);
        pthread_cond_signal(&p->cond);
        break;
    case WS_PARK_DRIVER:
        driver_unpark(p->driver);
        break;
    default: /* EMPTY or NOTIFIED: the next park returns at once */
        break;
    }
}

bool ws_parker_is_notified(ws_parker_t *p)
{
    /* Acquire: pairs with the release exchange in ws_parker_unpark. */
    return atomic_load_explicit(&p->state, memory_order_acquire) ==
           WS_PARK_NOTIFIED;
}

void ws_parker_consume(ws_parker_t *p)
{
    /* Acquire: pairs with the release exchange in ws_parker_unpark. */
    atomic_exchange_explicit(&p->state, WS_PARK_EMPTY, memory_order_acquire);
}
