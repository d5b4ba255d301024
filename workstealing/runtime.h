/*
 * workstealing/runtime.h - PRIVATE to workstealing/: the runtime's and the
 * workers' structs, shared by runtime.c, worker.c, sim.c and blocking.c.
 * Users include workstealing/ws.h.
 *
 *   ws_runtime_t
 *   ┌─────────────────────────────────────────────────────────────────┐
 *   │ inject queue (mutex + atomic len)      idle (searching/parked)  │
 *   │ driver (one parked worker holds it)    owned tasks (16 shards)  │
 *   │ blocking pool                          trace sink, sim PRNG     │
 *   └───────┬──────────────────────┬──────────────────────┬───────────┘
 *           v                      v                      v
 *   ws_worker_t 0            ws_worker_t 1     ...  ws_worker_t N-1
 *   ┌───────────────┐        ┌───────────────┐
 *   │ ring[256]     │<─steal─│ ring[256]     │   thieves take half
 *   │ LIFO slot     │        │ LIFO slot     │   (never stolen)
 *   │ parker        │        │ parker        │   condvar or driver
 *   │ tick, rng ... │        │ tick, rng ... │   owner only
 *   └───────────────┘        └───────────────┘
 *
 * Where a task goes when it becomes runnable (worker.c, runtime.c):
 *   spawned or woken by a poll on a
 *     worker                            -> that worker's LIFO slot
 *   spawned on a worker, not in a poll  -> that worker's ring (back)
 *   woke itself (yield), or woken by
 *     the driver on a worker            -> that worker's ring (back)
 *   spawned or woken by any other thread -> the inject queue
 *   pushed into a full ring             -> half the ring + it: inject
 *
 * Tests: tests/test_ws.c.
 */
#ifndef ASYNCLAB_WORKSTEALING_RUNTIME_H
#define ASYNCLAB_WORKSTEALING_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/executor.h"
#include "core/task.h"
#include "core/trace.h"
#include "driver/driver.h"
#include "workstealing/idle.h"
#include "workstealing/inject.h"
#include "workstealing/park.h"
#include "workstealing/ring.h"
#include "workstealing/sim.h"

/* The constants (Tokio's, but for the spin), and why each is what it is,
 * where it is used. */
#define WS_LIFO_MAX_POLLS  3  /* worker.c: next_task */
#define WS_INJECT_INTERVAL 61 /* worker.c: next_task */
#define WS_EVENT_INTERVAL  61 /* worker.c: maintenance */
#define WS_SPIN_ROUNDS     32 /* worker.c: spin_for_work (why 32) */
#define WS_OWNED_SHARDS    16 /* runtime.c: owned lists */
#define WS_DEFAULT_WORKERS 2

/*
 * The optimizations, each in one place, and the build flag that turns it
 * off (make DEFS=-DFLAG), so that tools/bench-ab.sh can measure what it
 * buys; lesson 17 walks them and docs/perf-notes.md has the history:
 *   -DASYNCLAB_NO_TASK_CACHE  per-thread free lists   core/task_cache.c
 *   -DWS_NO_LIFO_SLOT         the LIFO slot           worker.c
 *   -DWS_NO_INJECT_BATCH      inject pops in batches  worker.c, inject.c
 *   -DASYNCLAB_NO_LINE_ALIGN  no false sharing        task_cache.c, ring.h
 *   -DWS_NO_SPIN              spin before parking     worker.c, runtime.c
 */
#ifndef WS_NO_SPIN
#define WS_SPINS 1
#else
#define WS_SPINS 0
#endif

typedef struct ws_runtime ws_runtime_t;
typedef struct ws_worker ws_worker_t;
typedef struct ws_blocking ws_blocking_t;

typedef enum ws_phase {
    WS_RUNNING, /* looking for or running tasks */
    WS_PARKED,  /* asleep in its parker; only an unpark moves it on */
} ws_phase_t;

/* A worker's counters. Written by the owner only, read by anyone (the
 * stats call): relaxed atomics, bumped with a load and a store, never a
 * locked read-modify-write. */
typedef struct ws_counters {
    _Atomic uint64_t spawned, completed, polls, pending_polls, wakes,
        self_wakes, lifo_polls, steals, stolen, parks, driver_turns, overflows;
} ws_counters_t;

struct ws_worker {
    ws_ring_t ring; /* first: it is cache-line aligned; its own contract */

    /* Owner only (the worker's thread; in simulation, its step). */
    ws_runtime_t *rt;
    uint32_t index;
    uint32_t tick;          /* one per scheduling decision */
    uint32_t lifo_polls;    /* LIFO tasks polled in a row */
    bool lifo_enabled;      /* false after WS_LIFO_MAX_POLLS in a row */
    bool is_searching;      /* counted as a searcher in rt->idle */
    bool polling;           /* inside task_run: wakes go to the LIFO slot */
    uint64_t running_id;    /* the task in task_run, for WAKE's b */
    bool holds_driver;      /* took rt->driver_taken when it parked */
    uint64_t wake_cause[2]; /* during a driver turn: what woke tasks
                               (trace_waker_t, deadline or fd) */
    ws_phase_t phase;
    ws_rng_t rng;     /* steal victims */
    pthread_t thread; /* threads mode */

    /* Any thread. */
    _Atomic(task_t *) lifo; /* the LIFO slot: NULL or one queued task;
                               only the owner fills and empties it,
                               others only look (ws_view) */
    ws_parker_t parker;
    ws_counters_t counters; /* owner writes, anyone reads */
};

/* One shard of the owned-task list: every task that has waited is in
 * exactly one until it completes (runtime.c, "owned tasks"), chosen by
 * id, so workers listing and unlisting tasks rarely meet on one lock. */
typedef struct ws_owned {
    alignas(WS_CACHE_LINE) ws_lock_t lock; /* lock.h: a few stores */
    task_list_t list;                      /* under lock */
    bool closed; /* under lock: shutdown has begun, no more adds */
} ws_owned_t;

struct ws_runtime {
    executor_t base;            /* first: ops, kind, &scheduler */
    task_scheduler_t scheduler; /* what task_new is given */

    /* Read-only after create. */
    uint32_t nworkers;
    ws_worker_t *workers; /* array of nworkers, cache-line aligned */
    bool sim;             /* all workers on the caller's thread */
    bool root_spins;      /* block_on spins before it sleeps: 2+ CPUs */
    trace_sink_t *trace;  /* NULL: tracing off */
    driver_t *driver;
    trace_sink_t driver_sink; /* the driver's events come through here */
    trace_clocked_sink_t sim_sink; /* sim: stamps events with virtual time,
                                      then on to the config's sink */

    /* Any thread. */
    ws_inject_t inject;
    ws_idle_t idle;
    atomic_bool driver_taken; /* a worker is parked in (or turning) it */
    atomic_bool shutdown;     /* destroy has begun */
    _Atomic uint64_t wake_cost_ns; /* what a sleeping block_on's wake-up
                                      costs, measured (runtime.c,
                                      root_spin); any block_on thread */
    ws_owned_t owned[WS_OWNED_SHARDS];
    ws_counters_t remote; /* spawns and wakes from non-workers, and
                             tasks cancelled by shutdown: unlike a
                             worker's, bumped with fetch_add */
    ws_blocking_t *blocking;

    /* run() in threads mode waits here for the last task. */
    pthread_mutex_t run_lock;
    pthread_cond_t run_cond;
    atomic_int run_waiting;
    uint64_t lost_wakers; /* from the last deadlock report */

    /* Simulation only (the caller's thread). */
    ws_rng_t sim_rng;
    uint64_t sim_steps;
    int64_t sim_live; /* live tasks: the run loop's "done?" */
};

/* ---- runtime.c ----------------------------------------------------------- */

/* The worker running on this thread (in simulation: whose step it is),
 * or NULL. */
ws_worker_t *ws__current_worker(void);
ws_worker_t *ws__set_current_worker(ws_worker_t *w);

/* Worker w polled t to completion: counted; if listed, off its owned
 * shard and the executor's reference dropped (unlisted, task_run_release
 * dropped it already, and t may be gone). */
void ws__task_done(ws_worker_t *w, task_t *t, bool listed);

/* Shutdown: t was left in a queue; cancel it if no list holds it, and
 * drop the references the queue (and, unlisted, the executor) held. */
void ws__release_queued(ws_runtime_t *rt, task_t *t);

/* Tasks spawned and not yet finished. */
size_t ws__live_tasks(ws_runtime_t *rt);

/* Push a batch into the inject queue, one SCHEDULE each, then wake a
 * parked worker if none is searching. from: the pushing worker or NULL. */
void ws__inject_batch(ws_runtime_t *rt, ws_worker_t *from, ws_batch_t b);

/* Try to take the driver; release it. */
bool ws__driver_try_take(ws_runtime_t *rt);
void ws__driver_release(ws_runtime_t *rt);

/* Bump one counter (owner-written, see ws_counters_t). */
static inline void ws__count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Trace ids for a worker index (TRACE_NO_WORKER for NULL). */
static inline uint32_t ws__worker_id(const ws_worker_t *w)
{
    return w != NULL ? w->index : TRACE_NO_WORKER;
}

/* ---- worker.c ------------------------------------------------------------ */

void ws__worker_init(ws_worker_t *w, ws_runtime_t *rt, uint32_t index);
void ws__worker_destroy(ws_worker_t *w);

/* One scheduling decision of w: poll a task, steal, or park. 1 when it
 * did something, 0 when it only went back to sleep. */
int ws__worker_step(ws_worker_t *w);

/* The thread main of a worker in threads mode. */
void *ws__worker_main(void *arg);

/* A task became runnable on worker w's thread (w is current). in_poll:
 * woken by the poll running on w (LIFO slot). */
void ws__schedule_local(ws_worker_t *w, task_t *t, bool in_poll);

/* Wake a parked worker if none is searching. */
void ws__notify_parked(ws_runtime_t *rt, ws_worker_t *from);

/* Turn the driver on w's behalf: wait at most timeout_ms. Caller holds
 * the driver. Returns driver_park's count. */
int ws__turn_driver(ws_worker_t *w, int64_t timeout_ms);

/* Drop the queue references of everything in w's LIFO slot and ring
 * (shutdown, after every worker stopped). */
void ws__worker_drain(ws_worker_t *w);

/* ---- sim.c --------------------------------------------------------------- */

/* One step of the simulation: a PRNG-chosen runnable worker (or the
 * blocking pool) takes one step; when nobody can, the driver holder
 * turns the driver and virtual time jumps. 1: something happened; 0:
 * nothing can ever happen again. */
int ws__sim_step(ws_runtime_t *rt);

/* ---- blocking.c ---------------------------------------------------------- */

ws_blocking_t *ws__blocking_create(ws_runtime_t *rt);
/* Stop: cancel queued tasks, join every thread (running ones finish). */
void ws__blocking_shutdown(ws_blocking_t *p);
void ws__blocking_free(ws_blocking_t *p);
/* Simulation: a blocking task is queued. / Run one, inline. */
bool ws__blocking_has_queued(ws_blocking_t *p);
void ws__blocking_run_one(ws_blocking_t *p);

#endif
