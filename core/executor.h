/*
 * core/executor.h - one interface over every executor.
 *
 * The workloads (bench/), `asynclab run` and `compare`, the visualizer and
 * the lessons are written once against this file and run on any executor:
 *
 *     executor_config_t cfg = { .kind = &spin_executor_kind };
 *     executor_t *ex = executor_create(&cfg);
 *     executor_spawn(ex, &widget.base, sizeof widget, "widget", NULL);
 *     executor_run(ex);
 *     executor_destroy(ex);
 *
 * An executor is a struct whose first member is an executor_t: a pointer to
 * its operations, like a future's poll. core/ names no executor; the kinds
 * are chosen by the caller (bench/executors.c maps "spin", "notify" and
 * "ws" to them).
 *
 * Inside a running task, executor_current() is the executor polling it, so
 * spawn() needs no executor argument (as tokio::spawn).
 */
#ifndef ASYNCLAB_CORE_EXECUTOR_H
#define ASYNCLAB_CORE_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/future.h"
#include "core/task.h"

typedef struct executor executor_t;
typedef struct executor_kind executor_kind_t;
struct trace_sink;

typedef struct executor_config {
    const executor_kind_t *kind;
    int workers;               /* ws only; 0 means 2 */
    bool sim;                  /* ws: all workers on one thread, seeded */
    uint64_t seed;             /* sim: the interleaving */
    bool virtual_time;         /* the driver's clock jumps, never sleeps */
    struct trace_sink *trace;  /* NULL: tracing off */
} executor_config_t;

/* Counters every executor keeps (a zero where a kind has no such thing). */
typedef struct executor_stats {
    uint64_t spawned;
    uint64_t completed;        /* READY or cancelled */
    uint64_t polls;
    uint64_t pending_polls;    /* polls that returned PENDING; on the spin
                                  executor these are the wasted polls */
    uint64_t wakes;
    uint64_t self_wakes;
    uint64_t steals;           /* steal operations that took something */
    uint64_t stolen;           /* tasks moved by them */
    uint64_t parks;
    uint64_t driver_turns;
    uint64_t max_queue_depth;
    uint64_t lost_wakers;      /* tasks found pending with no waker */
} executor_stats_t;

typedef struct executor_ops {
    /* Queue a new task; the executor takes the task's queue and owned
     * references. Returns 0, or -ESHUTDOWN once destroy has begun, having
     * done nothing with the task (the caller frees it). */
    int (*spawn)(executor_t *ex, task_t *t);
    int (*block_on)(executor_t *ex, future_t *f);
    int (*run)(executor_t *ex);
    int (*step)(executor_t *ex);
    void (*stats)(executor_t *ex, executor_stats_t *out);
    void (*destroy)(executor_t *ex);
} executor_ops_t;

struct executor_kind {
    const char *name; /* "spin", "notify", "ws" */
    executor_t *(*create)(const executor_config_t *cfg);
};

struct executor {
    const executor_ops_t *ops;
    const executor_kind_t *kind;
    task_scheduler_t *scheduler; /* what task_new is given */
};

/* NULL when out of memory or when the config is invalid. */
executor_t *executor_create(const executor_config_t *cfg);

/*
 * Copy the future (size bytes at f) into a new task and queue it. With
 * join != NULL the caller gets a join handle to drop or await; with NULL the
 * task is detached. Returns 0, -ENOMEM, -ESHUTDOWN (destroy has begun) or
 * -EINVAL (ex is NULL).
 *
 * Who owns the future: on 0 the task does, and the caller's copy at f
 * must be neither polled nor dropped again (it was moved). On any error
 * nothing was taken: no task exists, *join is untouched, the library has
 * not dropped the future, and the caller still owns it: drop it
 * (future_drop) or try again. The same holds for spawn().
 */
int executor_spawn(executor_t *ex, const future_t *f, size_t size,
                   const char *name, join_handle_t *join);

/* spawn on executor_current(); the call from inside a task. */
int spawn(const future_t *f, size_t size, const char *name,
          join_handle_t *join);

/*
 * Run f (not copied: it stays where it is, usually the caller's stack) on
 * the calling thread until READY, running the executor's tasks meanwhile.
 * Returns 0, or -EDEADLK when nothing can ever wake f again (every task is
 * pending with no live waker), or -EBUSY when nested: called from inside a
 * task or the block_on of the same executor (on every executor alike; it
 * would have to drive the executor from inside its own poll).
 */
int executor_block_on(executor_t *ex, future_t *f);

/* Run until no task is left. 0, or -EDEADLK when every remaining task is a
 * lost wakeup (the executor prints which), or -EBUSY when nested. */
int executor_run(executor_t *ex);

/* One scheduling decision (poll one task, steal, or park). Returns 1 when
 * something was done, 0 when there was nothing to do, -EDEADLK when
 * tasks are left but every one is a lost wakeup (reported as run reports
 * it), or another -errno. */
int executor_step(executor_t *ex);

void executor_stats(executor_t *ex, executor_stats_t *out);

/* Stop, drop every task still pending (their futures' drop runs), free. */
void executor_destroy(executor_t *ex);

/* The executor whose task (or block_on) is running on this thread. */
executor_t *executor_current(void);

/* Executors call this around polls; returns the previous value. */
executor_t *executor_set_current(executor_t *ex);

#endif
