/*
 * workstealing/ws.h - the work-stealing runtime: Tokio's multi-thread
 * scheduler in C (lesson 13).
 *
 * N workers, each with a local ring of 256 tasks and a LIFO slot; a shared
 * inject queue for work from outside; idle workers steal half of a busy
 * worker's ring; one parked worker waits in the driver for timers and
 * I/O while the others sleep on a condvar; a blocking pool runs blocking
 * calls off the workers. It is used through core/executor.h:
 *
 *     executor_config_t cfg = { .kind = &ws_executor_kind, .workers = 4 };
 *     executor_t *ex = executor_create(&cfg);
 *     executor_block_on(ex, &root.base);
 *     executor_destroy(ex);
 *
 * Two modes, one worker code (workstealing/worker.c):
 *   threads      one OS thread per worker, started by create. block_on
 *                runs its future on the calling thread, which is not a
 *                worker (as in Tokio): its spawns go to the inject queue.
 *                step is not available (-ENOTSUP). The clock is real
 *                (virtual_time needs someone who knows when every thread
 *                is idle: that is the simulation).
 *   simulation   cfg->sim: no threads; the thread that calls block_on,
 *                run or step interleaves all N workers one scheduling
 *                decision at a time, chosen by a PRNG seeded with
 *                cfg->seed; parking marks a worker idle; virtual time
 *                jumps to the next timer when every worker is idle. The
 *                same seed and workload give the same trace, event for
 *                event (hash it with trace_hash_sink). Every call must
 *                come from that one thread; blocking tasks run on it too,
 *                as steps of their own.
 *
 * Virtual time moves only when every worker sleeps. A future that waits
 * for time by yielding in a loop (instead of a timer) keeps a worker
 * busy, so in simulation its time never comes: use driver/time.h.
 *
 * Tracing: in threads mode events are emitted on every worker thread at
 * once; give a sink that takes concurrent writes (trace_rings_t does).
 * In simulation, trace timestamps are the virtual clock's, and task ids
 * count from 1 per runtime, so a replay compares event for event.
 *
 * Shutdown: executor_destroy stops the workers, cancels every task (its
 * future's drop runs, its join handle completes) and frees everything.
 * No other thread may still be waking this runtime's tasks while destroy
 * runs; once it has returned, such wakes are harmless (every task is
 * complete).
 *
 * Files: ring.[ch] local queue, inject.[ch] inject queue, idle.[ch]
 * searching/parked books, park.[ch] parker, worker.c the loop, runtime.c
 * the executor interface, sim.[ch] the simulation, blocking.[ch] the
 * blocking pool. runtime.h is the private header joining them.
 *
 * Tests: tests/test_ws.c, tests/test_ring.c.
 */
#ifndef ASYNCLAB_WORKSTEALING_WS_H
#define ASYNCLAB_WORKSTEALING_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/executor.h"
#include "core/task.h"
#include "workstealing/blocking.h" /* spawn_blocking */

extern const executor_kind_t ws_executor_kind;

/* True when ex is a work-stealing runtime. */
bool ws_is_ws(const executor_t *ex);

/* ---- a snapshot of the runtime, for tests, lessons and the visualizer ---- */

typedef struct ws_worker_view {
    uint32_t ring_len; /* tasks in its ring */
    bool lifo;         /* its LIFO slot holds a task */
    bool parked;
    bool searching;
    bool holds_driver;
} ws_worker_view_t;

typedef struct ws_view {
    uint32_t workers;
    size_t inject_len;
    size_t live_tasks;  /* spawned and not finished */
    uint32_t searching; /* per the idle books */
    uint32_t unparked;
    uint64_t now_ms; /* the driver's clock (virtual in sim) */
} ws_view_t;

/*
 * Fill *out and, when views != NULL, views[0 .. n) for the first n
 * workers. Exact in simulation between steps. In threads mode a snapshot
 * of what other threads may read (ring lengths, parked), with lifo,
 * searching and holds_driver left false: those belong to each worker's
 * thread. 0, or -EINVAL when ex is not a ws runtime.
 */
int ws_view(executor_t *ex, ws_view_t *out, ws_worker_view_t *views, size_t n);

#endif
