/*
 * driver/reactor.c - one epoll instance, an eventfd, and registrations
 * whose readiness word carries a tick (driver/reactor.h has the picture and
 * the timeline of the lost-wakeup it prevents).
 *
 * The shape is mio's and Tokio's I/O driver (ScheduledIo, 2019-2021):
 * edge-triggered epoll, readiness remembered per registration, wakers per
 * direction. Written from their published design, not their code.
 *
 * Who touches what:
 *   reactor.lock   the live list, the released list, `dispatching`
 *   reg.lock       reg.reader and reg.writer (and wakers_held with them)
 *   reg.readiness  any thread, atomic CAS
 *   epoll_wait and dispatch: the one thread inside reactor_poll
 *
 * Tests: tests/test_reactor.c.
 */
#include "driver/reactor.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define REACTOR_BATCH 256 /* events taken per epoll_wait */
#define TICK_SHIFT    32
#define BITS_MASK     ((UINT64_C(1) << TICK_SHIFT) - 1)
#define CLEARABLE     (REACTOR_READABLE | REACTOR_WRITABLE | REACTOR_ERROR)

/* ---- lifetime ------------------------------------------------------------ */

int reactor_init(reactor_t *r)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    r->live = r->released = LIST_EMPTY;
    r->count = 0;
    r->dispatching = false;
    atomic_init(&r->wakers_held, 0);
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (r->epfd < 0)
        return -errno;
    r->eventfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (r->eventfd < 0)
        goto fail;
    /* Level-triggered: the eventfd stays "ready" until drained, so an
     * unpark that lands before the wait begins is still seen. */
    if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->eventfd, &ev) < 0)
        goto fail;
    pthread_mutex_init(&r->lock, NULL);
    return 0;
fail:;
    int err = -errno;
    if (r->eventfd >= 0)
        close(r->eventfd);
    close(r->epfd);
    return err;
}

/*
 * Drop whatever wakers reg holds. They are taken under reg->lock and
 * dropped outside it: dropping a task's last reference drops its future,
 * which may deregister this very fd.
 */
static void reg_drop_wakers(reactor_reg_t *reg)
{
    pthread_mutex_lock(&reg->lock);
    waker_t reader = waker_take(&reg->reader);
    waker_t writer = waker_take(&reg->writer);
    size_t held = waker_is_set(&reader) + waker_is_set(&writer);
    /* Relaxed: a statistic for driver_has_work, exact under reg.lock. */
    atomic_fetch_sub_explicit(&reg->reactor->wakers_held, held,
                              memory_order_relaxed);
    pthread_mutex_unlock(&reg->lock);
    waker_drop(&reader);
    waker_drop(&writer);
}

static void reg_free(reactor_reg_t *reg)
{
    reg_drop_wakers(reg);
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

static void free_all(list_t *l)
{
    list_node_t *n;
    while ((n = list_pop_front(l)) != NULL)
        reg_free(LIST_ENTRY(n, reactor_reg_t, node));
}

void reactor_destroy(reactor_t *r)
{
    free_all(&r->live);
    free_all(&r->released);
    close(r->eventfd);
    close(r->epfd);
    pthread_mutex_destroy(&r->lock);
}

/* ---- registration -------------------------------------------------------- */

int reactor_register(reactor_t *r, int fd, reactor_reg_t **out)
{
    reactor_reg_t *reg = calloc(1, sizeof *reg);
    if (reg == NULL)
        return -ENOMEM;
    reg->fd = fd;
    reg->reactor = r;
    atomic_init(&reg->readiness, 0);
    pthread_mutex_init(&reg->lock, NULL);
    struct epoll_event ev = {
        .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
        .data.ptr = reg,
    };
    if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int err = -errno;
        pthread_mutex_destroy(&reg->lock);
        free(reg);
        return err;
    }
    pthread_mutex_lock(&r->lock);
    list_push_front(&r->live, &reg->node);
    r->count++;
    pthread_mutex_unlock(&r->lock);
    *out = reg;
    return 0;
}

void reactor_deregister(reactor_reg_t *reg)
{
    reactor_t *r = reg->reactor;
    /* After DEL no later epoll_wait returns reg; only one already running
     * may, which is what `dispatching` is about. */
    epoll_ctl(r->epfd, EPOLL_CTL_DEL, reg->fd, NULL);
    /* While reg is surely ours: once on the released list, the dispatching
     * thread may free it at any moment. */
    reg_drop_wakers(reg);
    pthread_mutex_lock(&r->lock);
    list_remove(&r->live, &reg->node);
    r->count--;
    bool defer = r->dispatching;
    if (defer) {
        list_push_front(&r->released, &reg->node);
    }
    pthread_mutex_unlock(&r->lock);
    if (!defer)
        reg_free(reg); /* else the dispatching thread frees it */
}

/* ---- readiness ----------------------------------------------------------- */

static uint32_t interest_of(reactor_dir_t dir)
{
    return dir == REACTOR_READ ? REACTOR_READ_INTEREST : REACTOR_WRITE_INTEREST;
}

static bool event_from(uint64_t word, reactor_dir_t dir, reactor_event_t *ev)
{
    ev->ready = (uint32_t)(word & BITS_MASK) & interest_of(dir);
    ev->tick = (uint32_t)(word >> TICK_SHIFT);
    return ev->ready != 0;
}

/*
 * Keep cx's waker in slot (caller holds reg->lock); counts a slot going
 * from empty to set. Returns the replaced waker, to drop after unlocking.
 */
static waker_t slot_register(reactor_reg_t *reg, waker_t *slot,
                             const context_t *cx)
{
    if (waker_is_set(slot) && waker_will_wake(slot, cx->waker))
        return WAKER_EMPTY;
    waker_t old = waker_take(slot);
    *slot = waker_clone(cx->waker);
    if (!waker_is_set(&old))
        atomic_fetch_add_explicit(&reg->reactor->wakers_held, 1,
                                  memory_order_relaxed);
    return old;
}

poll_t reactor_poll_ready(reactor_reg_t *reg, reactor_dir_t dir,
                          const context_t *cx, reactor_event_t *ev)
{
    /* Acquire pairs with the release half of the dispatcher's CAS in
     * reactor_set_ready: the bits say the kernel has data for us. */
    uint64_t word = atomic_load_explicit(&reg->readiness, memory_order_acquire);
    if (event_from(word, dir, ev))
        return POLL_READY;
    pthread_mutex_lock(&reg->lock);
    waker_t old = slot_register(
        reg, dir == REACTOR_READ ? &reg->reader : &reg->writer, cx);
    /* Re-read under the lock: a dispatcher that set the bits before we
     * registered has not taken the lock yet, or found no waker; either way
     * its CAS is visible here (its lock comes after our unlock, or its CAS
     * came before our lock). */
    word = atomic_load_explicit(&reg->readiness, memory_order_acquire);
    pthread_mutex_unlock(&reg->lock);
    waker_drop(&old);
    return event_from(word, dir, ev) ? POLL_READY : POLL_PENDING;
}

void reactor_clear_ready(reactor_reg_t *reg, reactor_event_t ev)
{
    uint64_t word = atomic_load_explicit(&reg->readiness, memory_order_relaxed);
    uint64_t next;
    do {
        if ((uint32_t)(word >> TICK_SHIFT) != ev.tick)
            return; /* a newer event arrived: its bits must stay */
        next = word & ~(uint64_t)(ev.ready & CLEARABLE);
        /* Relaxed: clearing publishes nothing; the tick comparison is what
         * keeps a concurrent reactor_set_ready from being lost, and a CAS
         * fails if that set came between our load and our store. */
    } while (!atomic_compare_exchange_weak_explicit(&reg->readiness, &word,
                                                    next, memory_order_relaxed,
                                                    memory_order_relaxed));
}

/* Take the wakers that `bits` satisfy. Caller holds reg->lock. */
static int take_wakers(reactor_reg_t *reg, uint32_t bits, waker_t out[2])
{
    int n = 0;
    if ((bits & REACTOR_READ_INTEREST) && waker_is_set(&reg->reader))
        out[n++] = waker_take(&reg->reader);
    if ((bits & REACTOR_WRITE_INTEREST) && waker_is_set(&reg->writer))
        out[n++] = waker_take(&reg->writer);
    atomic_fetch_sub_explicit(&reg->reactor->wakers_held, (size_t)n,
                              memory_order_relaxed);
    return n;
}

int reactor_set_ready(reactor_reg_t *reg, uint32_t bits)
{
    uint64_t word = atomic_load_explicit(&reg->readiness, memory_order_relaxed);
    uint64_t next;
    do {
        uint64_t tick = (word >> TICK_SHIFT) + 1;
        /* The shift drops bit 32 of tick: the tick wraps at 2^32. */
        next = (tick << TICK_SHIFT) | (word & BITS_MASK) | bits;
        /* Release pairs with the acquire load in reactor_poll_ready;
         * nothing is read through the old word, so no acquire. */
    } while (!atomic_compare_exchange_weak_explicit(&reg->readiness, &word,
                                                    next, memory_order_release,
                                                    memory_order_relaxed));
    waker_t wake[2];
    pthread_mutex_lock(&reg->lock);
    int n = take_wakers(reg, bits, wake);
    pthread_mutex_unlock(&reg->lock);
    for (int i = 0; i < n; i++)
        waker_wake(&wake[i]); /* outside the lock: a wake may re-poll */
    return n;
}

/* ---- the turn ------------------------------------------------------------ */

static uint32_t bits_from_epoll(uint32_t events)
{
    uint32_t bits = 0;
    if (events & EPOLLIN)
        bits |= REACTOR_READABLE;
    if (events & EPOLLOUT)
        bits |= REACTOR_WRITABLE;
    if (events & EPOLLRDHUP)
        bits |= REACTOR_READ_CLOSED;
    if (events & EPOLLHUP)
        bits |= REACTOR_READ_CLOSED | REACTOR_WRITE_CLOSED;
    if (events & EPOLLERR)
        bits |= REACTOR_ERROR;
    return bits;
}

static void drain_eventfd(reactor_t *r)
{
    uint64_t count;
    while (read(r->eventfd, &count, sizeof count) > 0)
        ;
}

/* Begin or end a dispatch; on end, hand back the registrations released
 * meanwhile (the caller frees them: nothing can reach them any more). */
static list_t set_dispatching(reactor_t *r, bool on)
{
    list_t released = LIST_EMPTY;
    pthread_mutex_lock(&r->lock);
    r->dispatching = on;
    if (!on) {
        released = r->released;
        r->released = LIST_EMPTY;
    }
    pthread_mutex_unlock(&r->lock);
    return released;
}

static void dispatch(reactor_t *r, struct epoll_event *evs, int n,
                     trace_sink_t *sink, reactor_turn_t *out)
{
    for (int i = 0; i < n; i++) {
        reactor_reg_t *reg = evs[i].data.ptr;
        if (reg == NULL) {
            drain_eventfd(r);
            out->unparked = true;
            continue;
        }
        uint32_t bits = bits_from_epoll(evs[i].events);
        TRACE(sink, TRACE_IO_READY, TRACE_NO_WORKER, 0, (uint64_t)reg->fd,
              bits);
        out->events++;
        out->wakes += reactor_set_ready(reg, bits);
    }
}

int reactor_poll(reactor_t *r, int timeout_ms, trace_sink_t *sink,
                 reactor_turn_t *out)
{
    struct epoll_event evs[REACTOR_BATCH];
    *out = (reactor_turn_t){0, 0, false};
    set_dispatching(r, true);
    int n = epoll_wait(r->epfd, evs, REACTOR_BATCH, timeout_ms);
    int err = n < 0 && errno != EINTR ? -errno : 0;
    if (n > 0)
        dispatch(r, evs, n, sink, out);
    list_t released = set_dispatching(r, false);
    free_all(&released);
    return err;
}

void reactor_unpark(reactor_t *r)
{
    uint64_t one = 1;
    /* EAGAIN only when the counter is about to overflow: then it is
     * readable already, which is all an unpark needs. */
    ssize_t rc = write(r->eventfd, &one, sizeof one);
    (void)rc;
}

bool reactor_has_wakers(reactor_t *r)
{
    return atomic_load_explicit(&r->wakers_held, memory_order_relaxed) > 0;
}

size_t reactor_count(reactor_t *r)
{
    pthread_mutex_lock(&r->lock);
    size_t n = r->count;
    pthread_mutex_unlock(&r->lock);
    return n;
}
