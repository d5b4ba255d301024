/*
 * driver/driver.c - clock + wheel + reactor, and the park that joins them.
 *
 * A park is a turn of the event loop, written as named phases (as libuv's
 * uv_run lists its own):
 *
 *   driver_park(d, timeout)
 *     1. plan      how long may we sleep? min(timeout, next timer - now);
 *                  0 when something is due; record it for driver_timer_arm
 *     2. wait      epoll_wait for that long (virtual time: never waits)
 *     3. dispatch  readiness -> registrations -> reader/writer wakers
 *     4. jump      virtual time only, nothing happened: clock := next timer
 *     5. fire      turn the wheel to now; wake due timers in batches
 *     6. account   stats, TRACE_DRIVER_TURN
 *
 * Locks. d->lock guards the wheel (with every driver_timer_t in it) and the
 * park plan (parked, park_until). Firing takes the wakers out of due
 * entries under the lock and wakes them after unlocking, 32 at a time, so a
 * waker that re-arms a timer (or any thread doing so) never deadlocks and
 * no lock is held while an executor's schedule runs. The reactor has its
 * own locks (driver/reactor.c). Nothing takes d->lock while holding one.
 *
 * Why a wheel and not a heap: timers are cancelled far more often than
 * they fire (every timeout that did not time out), and a wheel cancels in
 * O(1) without searching; see driver/wheel.h.
 *
 * Tests: tests/test_driver.c (park/unpark, time futures), test_wheel.c,
 * test_reactor.c.
 */
#include "driver/driver.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

#include "core/task.h" /* task_current: whose timer, for the trace */
#include "driver/clock.h"
#include "driver/reactor.h"

#define FIRE_BATCH  32 /* wakers taken per lock hold while firing */
#define NO_DEADLINE UINT64_MAX

struct driver {
    pthread_mutex_t lock;
    wheel_t wheel;        /* under lock */
    bool parked;          /* under lock: a thread is (about to be) asleep */
    uint64_t park_until;  /* under lock: when it wakes up on its own */
    driver_clock_t clock; /* see clock.h */
    reactor_t reactor;    /* see reactor.h; its own locks */
    _Atomic(trace_sink_t *) trace; /* any thread */
    /* Counters: relaxed atomics, read for statistics only. */
    atomic_uint_fast64_t turns, io_events, timers_fired, unparks;
};

static _Thread_local driver_t *current_driver;

#define timer_of(e)                                                            \
    ((driver_timer_t *)((char *)(e)-offsetof(driver_timer_t, entry)))

/* ---- lifetime ------------------------------------------------------------ */

driver_t *driver_create(bool virtual_time)
{
    driver_t *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    int err = reactor_init(&d->reactor);
    if (err < 0) {
        free(d);
        errno = -err;
        return NULL;
    }
    pthread_mutex_init(&d->lock, NULL);
    driver_clock_init(&d->clock, virtual_time);
    wheel_init(&d->wheel, 0);
    d->park_until = NO_DEADLINE;
    atomic_init(&d->trace, NULL);
    atomic_init(&d->turns, 0);
    atomic_init(&d->io_events, 0);
    atomic_init(&d->timers_fired, 0);
    atomic_init(&d->unparks, 0);
    return d;
}

static void drop_timer_waker(wheel_entry_t *e, void *arg)
{
    (void)arg;
    waker_drop(&timer_of(e)->waker);
}

void driver_destroy(driver_t *d)
{
    if (d == NULL)
        return;
    wheel_drain(&d->wheel, drop_timer_waker, NULL);
    reactor_destroy(&d->reactor);
    pthread_mutex_destroy(&d->lock);
    if (current_driver == d)
        current_driver = NULL;
    free(d);
}

uint64_t driver_now_ms(driver_t *d)
{
    return driver_clock_now_ms(&d->clock);
}

static uint64_t virtual_ns(void *ctx)
{
    return driver_now_ms((driver_t *)ctx) * 1000000u;
}

trace_sink_t *driver_trace_sink(driver_t *d, trace_clocked_sink_t *c,
                                trace_sink_t *configured)
{
    if (configured == NULL || !d->clock.virtual_time)
        return configured;
    trace_clocked_sink_init(c, configured, virtual_ns, d);
    return &c->sink;
}

uint64_t driver_deadline_in(driver_t *d, uint64_t ms)
{
    return driver_time_add(driver_clock_now_ms_up(&d->clock), ms);
}

bool driver_is_virtual(driver_t *d)
{
    return d->clock.virtual_time;
}

reactor_t *driver_reactor(driver_t *d)
{
    return &d->reactor;
}

void driver_set_trace(driver_t *d, trace_sink_t *sink)
{
    /* Release pairs with the acquire in trace_of: the sink's fields are
     * initialised before a parking thread may call through it. */
    atomic_store_explicit(&d->trace, sink, memory_order_release);
}

static trace_sink_t *trace_of(driver_t *d)
{
    return atomic_load_explicit(&d->trace, memory_order_acquire);
}

trace_sink_t *driver_trace(driver_t *d)
{
    return trace_of(d);
}

static void count(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* ---- firing timers ------------------------------------------------------- */

/*
 * Turn the wheel to now and wake every due timer. Wakers are taken under
 * the lock and woken outside it, FIRE_BATCH at a time. Returns wakes.
 */
static int fire_timers(driver_t *d)
{
    waker_t wakers[FIRE_BATCH];
    uint64_t deadlines[FIRE_BATCH];
    trace_sink_t *sink = trace_of(d);
    int woken = 0, n;
    pthread_mutex_lock(&d->lock);
    wheel_advance(&d->wheel, driver_clock_now_ms(&d->clock));
    do {
        wheel_entry_t *e;
        n = 0;
        while (n < FIRE_BATCH && (e = wheel_pop_due(&d->wheel)) != NULL) {
            deadlines[n] = e->deadline;
            wakers[n++] = waker_take(&timer_of(e)->waker);
        }
        pthread_mutex_unlock(&d->lock);
        for (int i = 0; i < n; i++) {
            TRACE(sink, TRACE_TIMER_FIRE, TRACE_NO_WORKER, 0, deadlines[i], 0);
            if (waker_is_set(&wakers[i])) {
                waker_wake(&wakers[i]);
                woken++;
            }
        }
        count(&d->timers_fired, (uint64_t)n);
        if (n == FIRE_BATCH)
            pthread_mutex_lock(&d->lock);
    } while (n == FIRE_BATCH);
    return woken;
}

/* ---- park, in phases ----------------------------------------------------- */

/* Phase 1: how long epoll_wait may sleep (ms, -1 forever). Marks the driver
 * parked so that an earlier timer armed meanwhile unparks us. */
static int park_plan(driver_t *d, int64_t timeout_ms)
{
    if (d->clock.virtual_time)
        return 0; /* virtual time never sleeps */
    pthread_mutex_lock(&d->lock);
    uint64_t now = driver_clock_now_ms(&d->clock), next;
    int64_t wait = timeout_ms < 0 ? -1 : timeout_ms;
    if (wheel_next_expiration(&d->wheel, &next)) {
        int64_t until = next > now ? (int64_t)(next - now) : 0;
        if (wait < 0 || until < wait)
            wait = until;
    }
    if (wait > INT_MAX)
        wait = INT_MAX;
    d->parked = wait != 0;
    d->park_until = wait < 0 ? NO_DEADLINE : now + (uint64_t)wait;
    pthread_mutex_unlock(&d->lock);
    return (int)wait;
}

/* Phase 4, virtual clock only: nothing happened, so time moves to the next
 * timer, or by timeout_ms if that comes first. Nothing due: nothing moves. */
static void park_jump(driver_t *d, int64_t timeout_ms)
{
    pthread_mutex_lock(&d->lock);
    uint64_t now = driver_clock_now_ms(&d->clock);
    uint64_t target = NO_DEADLINE, next;
    if (wheel_next_deadline(&d->wheel, &next))
        target = next;
    if (timeout_ms >= 0 && driver_time_add(now, (uint64_t)timeout_ms) < target)
        target = driver_time_add(now, (uint64_t)timeout_ms);
    if (target != NO_DEADLINE)
        driver_clock_set_ms(&d->clock, target);
    pthread_mutex_unlock(&d->lock);
}

int driver_park(driver_t *d, int64_t timeout_ms)
{
    reactor_turn_t io;
    int wait = park_plan(d, timeout_ms);
    int err = reactor_poll(&d->reactor, wait, trace_of(d), &io);
    pthread_mutex_lock(&d->lock);
    d->parked = false;
    d->park_until = NO_DEADLINE;
    pthread_mutex_unlock(&d->lock);
    if (err < 0)
        return err;
    if (d->clock.virtual_time && io.events == 0 && !io.unparked)
        park_jump(d, timeout_ms);
    int fired = fire_timers(d);
    count(&d->turns, 1);
    count(&d->io_events, (uint64_t)io.events);
    TRACE(trace_of(d), TRACE_DRIVER_TURN, TRACE_NO_WORKER, 0,
          (uint64_t)io.events, (uint64_t)fired);
    return io.wakes + fired;
}

void driver_unpark(driver_t *d)
{
    count(&d->unparks, 1);
    reactor_unpark(&d->reactor);
}

int driver_advance(driver_t *d, uint64_t ms)
{
    if (!d->clock.virtual_time)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    driver_clock_set_ms(&d->clock,
                        driver_time_add(driver_clock_now_ms(&d->clock), ms));
    pthread_mutex_unlock(&d->lock);
    return fire_timers(d);
}

/* ---- queries ------------------------------------------------------------- */

bool driver_next_timer(driver_t *d, uint64_t *deadline_ms)
{
    pthread_mutex_lock(&d->lock);
    bool any = wheel_next_deadline(&d->wheel, deadline_ms);
    pthread_mutex_unlock(&d->lock);
    return any;
}

bool driver_has_work(driver_t *d)
{
    pthread_mutex_lock(&d->lock);
    bool timers = d->wheel.count > 0;
    pthread_mutex_unlock(&d->lock);
    return timers || reactor_has_wakers(&d->reactor);
}

void driver_stats(driver_t *d, driver_stats_t *out)
{
    out->turns = atomic_load_explicit(&d->turns, memory_order_relaxed);
    out->io_events = atomic_load_explicit(&d->io_events, memory_order_relaxed);
    out->timers_fired =
        atomic_load_explicit(&d->timers_fired, memory_order_relaxed);
    out->unparks = atomic_load_explicit(&d->unparks, memory_order_relaxed);
    pthread_mutex_lock(&d->lock);
    out->timers_pending = d->wheel.count;
    pthread_mutex_unlock(&d->lock);
    out->fds_registered = reactor_count(&d->reactor);
}

driver_t *driver_current(void)
{
    return current_driver;
}

driver_t *driver_set_current(driver_t *d)
{
    driver_t *prev = current_driver;
    current_driver = d;
    return prev;
}

/* ---- timers -------------------------------------------------------------- */

/*
 * waker_register, except that the replaced waker is handed back to be
 * dropped after unlocking: dropping the last reference to a task drops its
 * future, whose drop may cancel a timer (and take d->lock again).
 */
static waker_t keep_waker(waker_t *slot, const context_t *cx)
{
    if (waker_is_set(slot) && waker_will_wake(slot, cx->waker))
        return WAKER_EMPTY;
    waker_t old = waker_take(slot);
    *slot = waker_clone(cx->waker);
    return old;
}

void driver_timer_init(driver_timer_t *t)
{
    wheel_entry_init(&t->entry);
    t->waker = WAKER_EMPTY;
}

/* The task whose poll is running here (it is arming or cancelling), or 0:
 * the visualizer's model keeps the driver's pending timers from these. */
static uint64_t current_task_id(void)
{
    task_t *t = task_current();
    return t != NULL ? t->id : 0;
}

void driver_timer_arm(driver_t *d, driver_timer_t *t, uint64_t deadline_ms,
                      const context_t *cx)
{
    /* Traced before the insert: once in the wheel, it may fire at once. */
    trace_sink_t *sink = trace_of(d);
    TRACE(sink, TRACE_TIMER_ADD, TRACE_NO_WORKER, current_task_id(),
          deadline_ms, driver_clock_now_ms(&d->clock));
    pthread_mutex_lock(&d->lock);
    if (wheel_entry_pending(&t->entry)) /* re-armed: the old one goes */
        TRACE(sink, TRACE_TIMER_CANCEL, TRACE_NO_WORKER, current_task_id(),
              t->entry.deadline, 0);
    wheel_cancel(&d->wheel, &t->entry);
    wheel_insert(&d->wheel, &t->entry, deadline_ms);
    waker_t old = keep_waker(&t->waker, cx);
    /* A parked thread planned its sleep without this timer. */
    bool unpark = d->parked && deadline_ms < d->park_until;
    if (unpark)
        d->parked = false; /* one eventfd write per plan is enough */
    pthread_mutex_unlock(&d->lock);
    waker_drop(&old);
    if (unpark)
        driver_unpark(d);
}

bool driver_timer_poll(driver_t *d, driver_timer_t *t, const context_t *cx)
{
    pthread_mutex_lock(&d->lock);
    bool pending = wheel_entry_pending(&t->entry);
    waker_t old = pending ? keep_waker(&t->waker, cx) : WAKER_EMPTY;
    pthread_mutex_unlock(&d->lock);
    waker_drop(&old);
    return !pending;
}

void driver_timer_cancel(driver_t *d, driver_timer_t *t)
{
    pthread_mutex_lock(&d->lock);
    bool pending = wheel_entry_pending(&t->entry);
    uint64_t deadline = t->entry.deadline;
    wheel_cancel(&d->wheel, &t->entry);
    waker_t w = waker_take(&t->waker);
    pthread_mutex_unlock(&d->lock);
    if (pending)
        TRACE(trace_of(d), TRACE_TIMER_CANCEL, TRACE_NO_WORKER,
              current_task_id(), deadline, 0);
    waker_drop(&w); /* outside the lock: dropping may free a task */
}
