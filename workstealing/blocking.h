/*
 * workstealing/blocking.h - the blocking pool: threads for calls that
 * block, so that the workers never do.
 *
 * A worker that calls read(2) on a slow file, sleep(3), or a long
 * computation stops running every other task in its queues (their only
 * hope is a thief). Tokio's answer (spawn_blocking, 2019) is a second,
 * separate pool of plain threads:
 *
 *     ws_spawn_blocking(fn, arg) ──> queue ──> idle thread? wake it
 *                                      │       none, < max? start one
 *                                      v       at max? wait in the queue
 *                         thread: loop { t = pop; task_run(t) }
 *                                 idle keep_alive ms: exit
 *
 * Threads are made lazily (none until the first blocking task), up to a
 * maximum (default 512: blocking calls mostly wait, so many threads are
 * cheap; the cap stops a flood from exhausting the process), and an idle
 * thread exits after a keep-alive (default 10 s) so that a burst leaves
 * no threads behind.
 *
 * A blocking call is a task whose future calls fn once and is READY: its
 * join handle is an ordinary join_handle_t, which async tasks await as
 * they await any task (the completion wakes them through their runtime's
 * scheduler). In simulation there are no threads: a queued blocking task
 * runs on the simulation's thread when the PRNG picks the pool.
 *
 * ws.h includes this file; the runtime's own hooks (ws__blocking_*) are
 * in workstealing/runtime.h.
 *
 * Tests: tests/test_ws.c (ws_blocking_*).
 */
#ifndef ASYNCLAB_WORKSTEALING_BLOCKING_H
#define ASYNCLAB_WORKSTEALING_BLOCKING_H

#include <stdint.h>

#include "core/executor.h"
#include "core/task.h"

typedef void *(*ws_blocking_fn)(void *arg);

#define WS_BLOCKING_MAX_THREADS   512
#define WS_BLOCKING_KEEP_ALIVE_MS 10000

/*
 * Run fn(arg) on the blocking pool: a thread that may block (a read(2), a
 * sleep, a big computation) without holding up a worker. The result is a
 * task: join gets a handle that async code awaits like any other
 * (join_handle_poll); when READY, ws_blocking_output reads fn's return
 * value. join NULL: detached. 0, -ENOMEM, -ESHUTDOWN, or -EINVAL when ex
 * is not a ws runtime.
 */
int ws_spawn_blocking_on(executor_t *ex, ws_blocking_fn fn, void *arg,
                         const char *name, join_handle_t *join);

/* The same on executor_current(): the call from inside a ws task. */
int ws_spawn_blocking(ws_blocking_fn fn, void *arg, const char *name,
                      join_handle_t *join);

/* fn's return value, once the handle is READY; NULL when the task was
 * cancelled before it ran (aborted, or the runtime shut down). */
void *ws_blocking_output(join_handle_t *h);

/*
 * The pool's limits: at most max_threads threads (created lazily, as
 * tasks arrive and no thread is idle), each exiting after keep_alive_ms
 * idle. Defaults above. Applies to threads started afterwards.
 */
int ws_blocking_set_limits(executor_t *ex, uint32_t max_threads,
                           uint64_t keep_alive_ms);

typedef struct ws_blocking_stats {
    uint32_t threads;      /* alive now */
    uint32_t idle;         /* of which waiting for work */
    uint32_t peak_threads; /* most alive at once */
    uint64_t spawned;
    uint64_t completed; /* finished or cancelled */
} ws_blocking_stats_t;

int ws_blocking_stats(executor_t *ex, ws_blocking_stats_t *out);

#endif
