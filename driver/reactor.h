/*
 * driver/reactor.h - epoll readiness turned into wakes.
 *
 * The reactor pattern (Schmidt, 1995) as mio and Tokio's I/O driver use
 * it: sockets are non-blocking; a future tries its syscall, and when the
 * kernel says EWOULDBLOCK it parks its waker on the fd's registration. One
 * epoll instance watches every registered fd (edge-triggered: the kernel
 * reports a change once, the registration remembers it).
 *
 *   epoll fd ──┬── eventfd (driver_unpark writes it: "stop waiting")
 *              ├── fd 7  ──> reactor_reg_t { readiness, reader, writer }
 *              └── fd 9  ──> reactor_reg_t { ... }
 *
 * The readiness word packs the ready bits and a tick:
 *
 *    63        32 31        5    4      3       2        1        0
 *   ┌─────────────┬────────────┬─────┬───────┬───────┬────────┬────────┐
 *   │    tick     │  (unused)  │ERROR│WCLOSED│RCLOSED│WRITABLE│READABLE│
 *   └─────────────┴────────────┴─────┴───────┴───────┴────────┴────────┘
 *
 * Every readiness event ORs its bits in and adds one to the tick. A future
 * that saw readiness remembers the tick (reactor_event_t), tries its
 * syscall, and on EWOULDBLOCK clears the bits ONLY IF the tick is still the
 * one it saw. Why the tick matters:
 *
 *   poller (worker thread)              dispatcher (parked thread)
 *   ───────────────────────             ──────────────────────────
 *   poll_ready: READABLE, tick 4
 *   recv() -> EWOULDBLOCK
 *                                       epoll: EPOLLIN (new data!)
 *                                       readiness |= READABLE, tick 5
 *                                       no waker registered: no wake
 *   clear(READABLE, tick 4):
 *     tick is 5, not 4 -> keep bit      (a blind clear would erase the new
 *   poll_ready: READABLE, tick 5         data's only notice: edge-triggered
 *   recv() -> the new data               epoll will not say it again, and
 *                                        the task would sleep forever)
 *
 * Threads. Pollers on any worker thread call reactor_poll_ready and
 * reactor_clear_ready while the one thread inside reactor_poll dispatches.
 * The readiness word is an atomic (CAS loops). The two wakers are guarded
 * by a small mutex per registration: a poller registers its waker and
 * re-reads readiness under it, the dispatcher sets readiness first and
 * then takes the wakers under it, so one of the two always sees the other.
 *
 * Registrations are freed by the dispatching thread only when no dispatch
 * can still be holding a pointer from epoll_wait (see reactor_deregister).
 *
 * Tests: tests/test_reactor.c.
 */
#ifndef ASYNCLAB_DRIVER_REACTOR_H
#define ASYNCLAB_DRIVER_REACTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/future.h"
#include "core/list.h"
#include "core/trace.h"
#include "core/waker.h"

enum {
    REACTOR_READABLE = 1u << 0,
    REACTOR_WRITABLE = 1u << 1,
    REACTOR_READ_CLOSED = 1u << 2,  /* peer shut down its side (RDHUP) */
    REACTOR_WRITE_CLOSED = 1u << 3, /* HUP: both directions are over */
    REACTOR_ERROR = 1u << 4,        /* EPOLLERR: a pending socket error */
};

/* What wakes a reader, what wakes a writer. */
#define REACTOR_READ_INTEREST                                                  \
    (REACTOR_READABLE | REACTOR_READ_CLOSED | REACTOR_ERROR)
#define REACTOR_WRITE_INTEREST                                                 \
    (REACTOR_WRITABLE | REACTOR_WRITE_CLOSED | REACTOR_ERROR)

typedef enum reactor_dir {
    REACTOR_READ,
    REACTOR_WRITE,
} reactor_dir_t;

/* Readiness as one poller observed it: the bits and the tick they had. */
typedef struct reactor_event {
    uint32_t ready;
    uint32_t tick;
} reactor_event_t;

typedef struct reactor reactor_t;
typedef struct reactor_reg reactor_reg_t;

struct reactor_reg {
    int fd;                     /* read-only after register */
    reactor_t *reactor;         /* read-only after register */
    _Atomic uint64_t readiness; /* tick << 32 | bits; any thread, CAS */
    pthread_mutex_t lock;       /* guards reader and writer */
    waker_t reader, writer;     /* under lock */
    list_node_t node;           /* in live or released, under reactor.lock */
};

/* What one reactor_poll did. */
typedef struct reactor_turn {
    int events;    /* fd readiness events dispatched */
    int wakes;     /* wakers woken by them */
    bool unparked; /* the eventfd was written */
} reactor_turn_t;

struct reactor {
    int epfd;                  /* read-only after init */
    int eventfd;               /* read-only after init */
    pthread_mutex_t lock;      /* guards the fields below */
    list_t live;               /* every registration (core/list.h) */
    list_t released;           /* deregistered during a dispatch */
    size_t count;              /* registrations in `live` */
    bool dispatching;          /* a reactor_poll is running */
    atomic_size_t wakers_held; /* reader/writer slots holding a waker;
                                  any thread, counted under reg.lock */
};

/* Create the epoll instance and the eventfd. 0 or -errno. */
int reactor_init(reactor_t *r);

/* Free every registration (dropping its wakers) and close both fds.
 * Registered fds themselves are not closed: they belong to their owners. */
void reactor_destroy(reactor_t *r);

/*
 * Watch fd (non-blocking, any socket or pipe) for reading and writing,
 * edge-triggered. On success *out is the registration and 0 is returned;
 * otherwise -errno (e.g. -EBADF, -EPERM for a regular file).
 */
int reactor_register(reactor_t *r, int fd, reactor_reg_t **out);

/*
 * Stop watching reg's fd and drop its wakers; call before closing the fd.
 * reg must not be used afterwards. Any thread. If a reactor_poll is
 * running (it may hold reg from epoll_wait) the memory is freed when that
 * poll finishes, otherwise at once.
 */
void reactor_deregister(reactor_reg_t *reg);

/*
 * Wait up to timeout_ms (-1: forever, 0: not at all) in epoll_wait, then
 * dispatch: set readiness and wake the wakers it satisfies, drain the
 * eventfd. One thread at a time. With a sink, emits TRACE_IO_READY per
 * event. Returns 0 or -errno from epoll_wait (-EINTR is reported as 0).
 */
int reactor_poll(reactor_t *r, int timeout_ms, trace_sink_t *sink,
                 reactor_turn_t *out);

/* Make a reactor_poll in progress (or the next one) return. Any thread. */
void reactor_unpark(reactor_t *r);

/*
 * READY when reg has readiness in direction dir; *ev gets the bits (of
 * that direction's interest) and their tick. PENDING otherwise, with cx's
 * waker kept in the direction's slot. Any thread; one poller per direction.
 */
poll_t reactor_poll_ready(reactor_reg_t *reg, reactor_dir_t dir,
                          const context_t *cx, reactor_event_t *ev);

/*
 * The syscall said EWOULDBLOCK after readiness ev: clear ev's READABLE /
 * WRITABLE / ERROR bits, unless a newer event (a different tick) arrived
 * meanwhile. The CLOSED bits are final and never cleared.
 */
void reactor_clear_ready(reactor_reg_t *reg, reactor_event_t ev);

/*
 * Record readiness bits for reg (tick + 1) and wake the wakers they
 * satisfy; returns how many were woken. This is what dispatch does for an
 * epoll event; tests call it to stage an event at an exact moment.
 */
int reactor_set_ready(reactor_reg_t *reg, uint32_t bits);

/* True when any registration holds a reader or writer waker. */
bool reactor_has_wakers(reactor_t *r);

/* Registrations alive. */
size_t reactor_count(reactor_t *r);

#endif
