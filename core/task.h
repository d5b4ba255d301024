/*
 * core/task.h - a spawned future: one allocation, one atomic state word.
 *
 * Modelled on Tokio's task (its "harness" and "state" modules, 2019-2023):
 *
 *   one allocation per spawn (from core/task_cache.h's free lists)
 *   ┌──────────────────────────┬───────────────────────┬──────────────────┐
 *   │ header (hot, 1 line)     │ the future, copied in │ trailer (cold)   │
 *   │ state, scheduler, next,  │ by value at spawn     │ join waker, name │
 *   │ id, owned-list links     │                       │ statistics       │
 *   └──────────────────────────┴───────────────────────┴──────────────────┘
 *
 * The state word packs flags and a reference count:
 *
 *   bit  0 RUNNING        a thread is polling the future right now
 *   bit  1 COMPLETE       the future returned READY, or was dropped
 *   bit  2 NOTIFIED       the task sits in (or is about to enter) a queue
 *   bit  3 JOIN_INTEREST  a join handle exists and will read the output
 *   bit  4 JOIN_WAKER     the trailer's join waker is set; the runtime may
 *                         read it, the join handle may not touch it
 *   bit  5 CANCELLED      abort asked; the next run drops the future
 *   bits 6.. reference count
 *
 * Four states, read from the flags (IDLE: none of RUNNING, NOTIFIED,
 * COMPLETE is set):
 *
 *          spawn: NOTIFIED, 3 references (detached: 2)
 *            │
 *            v
 *      ┌───────────┐  wake: nothing to do (already queued)
 *      │  QUEUED   │  abort: +CANCELLED (the run drops the future)
 *      │ NOTIFIED  │
 *      └───────────┘
 *         │      ^
 *         │      │ (b) the poll returned PENDING, but a wake came while it
 *         │      │     ran: task_run returns TASK_RUN_NOTIFIED and the
 *         │      │     executor queues the task again
 *     (a) │      │
 *         v      │
 *      ┌───────────┐  wake: +NOTIFIED only, nothing is queued yet
 *      │  RUNNING  │  abort: +NOTIFIED +CANCELLED
 *      └───────────┘
 *         │      │
 *     (c) │      │ (d) READY, or CANCELLED seen at (a)
 *         v      v
 *      ┌──────┐ ┌───────────┐  wake, abort: nothing
 *      │ IDLE │ │ COMPLETE  │  the output waits for the join handle (or
 *      └──────┘ └───────────┘  is dropped at once if there is none);
 *         │                    the last reference frees the task
 *     (e) │
 *         └──> QUEUED
 *
 *   (a) task_run: NOTIFIED -> RUNNING in one CAS, then the poll.
 *   (b) RUNNING -> NOTIFIED: the queue's reference is kept for the new
 *       queue entry.
 *   (c) the poll returned PENDING and nothing woke it meanwhile: RUNNING
 *       is cleared and the queue's reference dropped. The task is in no
 *       queue; whoever holds its waker brings it back. With no live waker
 *       it never comes back: a lost wakeup (task_is_lost).
 *   (d) COMPLETE is set, the join waker woken (JOIN_WAKER), the queue's
 *       reference dropped.
 *   (e) a wake (or an abort) of an IDLE task sets NOTIFIED, takes one
 *       reference for the queue entry and calls the scheduler's schedule:
 *       the only path into a queue, so a task is queued at most once.
 *
 * task_shutdown (an executor's destroy) takes a task that is not RUNNING
 * straight to COMPLETE + CANCELLED: its future is dropped there.
 *
 * The rules this file enforces (tests/test_task.c checks each):
 *  - a task is queued at most once: only the wake that sets NOTIFIED on an
 *    idle task schedules it;
 *  - a wake while RUNNING only sets NOTIFIED; task_run reports it and the
 *    executor queues the task again (no double scheduling, no lost wake);
 *  - a wake on a COMPLETE or already NOTIFIED task does nothing;
 *  - abort of an idle task schedules it once more, to drop its future;
 *  - the last reference frees the task.
 *
 * References. A new task holds three: one for the run queue entry (the task
 * starts NOTIFIED), one for the executor's owned list, one for the join
 * handle. Every waker clone holds one more.
 */
#ifndef ASYNCLAB_CORE_TASK_H
#define ASYNCLAB_CORE_TASK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/future.h"
#include "core/list.h"
#include "core/waker.h"

typedef struct task task_t;
typedef struct task_scheduler task_scheduler_t;
typedef struct task_cache task_cache_t; /* core/task_cache.h */

enum {
    TASK_RUNNING = 1u << 0,
    TASK_COMPLETE = 1u << 1,
    TASK_NOTIFIED = 1u << 2,
    TASK_JOIN_INTEREST = 1u << 3,
    TASK_JOIN_WAKER = 1u << 4,
    TASK_CANCELLED = 1u << 5,
};
#define TASK_REF_SHIFT 6
#define TASK_REF_ONE   ((uint64_t)1 << TASK_REF_SHIFT)

/*
 * How a task gets back into its executor's queue. Each executor embeds one
 * task_scheduler_t and hands it to task_new.
 */
typedef struct task_scheduler_ops {
    /*
     * Put t in a run queue. Called by a wake (from any thread) that set
     * NOTIFIED on an idle task, and by abort. The call passes one reference
     * to the queue. An executor that has shut down drops that reference.
     */
    void (*schedule)(task_scheduler_t *self, task_t *t);
    /*
     * Optional (NULL: not called). The first poll of t that returned
     * Pending, called by task_run on the poller's thread while t is still
     * RUNNING, so before any wake can queue it again: the moment t first
     * waits on something other than a run queue. An executor that keeps
     * only waiting tasks on its owned list (a task in a queue can be found
     * there) adds t to it here.
     */
    void (*first_wait)(task_scheduler_t *self, task_t *t);
} task_scheduler_ops_t;

struct task_scheduler {
    const task_scheduler_ops_t *ops;
    /* Task ids, 1, 2, 3 ... per executor, so a replayed run numbers its
     * tasks alike. On a cache line of its own: every spawn adds to it,
     * and every wake reads ops, which must not share its line. */
    _Alignas(64) _Atomic uint64_t next_id;
};

void task_scheduler_init(task_scheduler_t *s, const task_scheduler_ops_t *ops);

/* A fresh task id of s (task_new takes one; an executor that numbers a
 * task of its own among s's tasks may take another). */
uint64_t task_next_id(task_scheduler_t *s);

/* Per-task counters, in the cold trailer. Wakers update them from any
 * thread, so they are relaxed atomics: counts, not synchronisation. */
typedef struct task_stats {
    atomic_uint_fast64_t polls;
    atomic_uint_fast64_t wakes;      /* wakes by others that were not no-ops:
                                        the task was idle (queued now) or
                                        running; any thread */
    atomic_uint_fast64_t self_wakes; /* woken by its own poll (a yield);
                                        written by the poller only */
    atomic_uint_fast64_t waker_clones;
    atomic_uint_fast64_t waker_drops;
} task_stats_t;

/* The hot header: what every queue operation touches. */
struct task {
    _Atomic uint64_t state;      /* flags and refcount, any thread */
    task_scheduler_t *scheduler; /* set at spawn, read-only after */
    task_t *next;                /* intrusive queue link: owned by the
                                    queue that holds the task */
    uint64_t id;                 /* 1, 2, 3 ... per executor */
    uint32_t trailer_offset;     /* bytes from the task to its trailer */
    uint32_t future_size;
    task_cache_t *cache; /* where the memory goes back to
                                    (core/task_cache.h); NULL: malloc */
    list_node_t owned;   /* in the executor's owned list, under its
                            lock, while listed (core/list.h) */
    /* the future follows, aligned for any type */
};

typedef struct task_trailer {
    waker_t join_waker;     /* JOIN_WAKER protocol, see task.c */
    const char *name;       /* static string, "task" by default */
    atomic_int live_wakers; /* clones not yet dropped or woken */
    bool has_output;        /* the future returned READY and has not
                               been dropped; written before COMPLETE
                               is published, read after it */
    bool waited;            /* a poll has returned Pending (and
                               first_wait was called); the poller
                               writes it, later pollers read it */
    task_stats_t stats;
} task_trailer_t;

/* ---- creation and references ------------------------------------------ */

/*
 * Allocate a task and copy the size-byte future at f into it. The task
 * starts NOTIFIED | JOIN_INTEREST with three references (queue, owned list,
 * join handle). Returns NULL when out of memory. name must outlive the
 * task (a string literal).
 */
task_t *task_new(task_scheduler_t *s, const future_t *f, size_t size,
                 const char *name);

/*
 * The same for a task nobody will join: two references (queue, owned
 * list), no JOIN_INTEREST. Saves a spawn the three atomic operations of
 * making a join handle only to drop it.
 */
task_t *task_new_detached(task_scheduler_t *s, const future_t *f, size_t size,
                          const char *name);

/*
 * Free a task that no queue has seen (its executor refused it), whatever
 * its references, WITHOUT dropping its future: the copy in the task is
 * forgotten and the caller's original still owns what it owns.
 */
void task_free_unspawned(task_t *t);

void task_ref_inc(task_t *t);
/* Drop one reference; the last one frees the task (and its join waker). */
void task_ref_dec(task_t *t);
/* Drop n references at once; the last one frees the task. */
void task_ref_dec_n(task_t *t, unsigned n);

/* The future sits right after the header, aligned for any type. */
#define TASK_FUTURE_OFFSET                                                     \
    ((sizeof(task_t) + _Alignof(max_align_t) - 1) &                            \
     ~(_Alignof(max_align_t) - 1))

static inline future_t *task_future(task_t *t)
{
    return (future_t *)(void *)((char *)t + TASK_FUTURE_OFFSET);
}

static inline task_trailer_t *task_trailer(task_t *t)
{
    return (task_trailer_t *)(void *)((char *)t + t->trailer_offset);
}

static inline uint64_t task_state(const task_t *t)
{
    return atomic_load_explicit(&t->state, memory_order_acquire);
}

static inline uint64_t task_refs(const task_t *t)
{
    return task_state(t) >> TASK_REF_SHIFT;
}

/* ---- running ------------------------------------------------------------ */

typedef enum task_run_result {
    TASK_RUN_PENDING,  /* idle now; the queue's reference was dropped */
    TASK_RUN_NOTIFIED, /* woken during the poll: the caller still holds
                          the queue's reference and must queue it again */
    TASK_RUN_COMPLETE, /* READY or cancelled; the queue's reference was
                          dropped, the caller must take it off its owned
                          list (task_owned_remove) and drop that one */
} task_run_result_t;

/*
 * Poll t once. The caller took t out of a queue (so holds the queue's
 * reference, and NOTIFIED is set). A CANCELLED task is not polled: its
 * future is dropped and it completes. After TASK_RUN_PENDING the caller
 * must not touch t: another thread may already have woken and queued it.
 */
task_run_result_t task_run(task_t *t);

/*
 * task_run, and if t completes, drop `extra` more of the caller's
 * references in the same atomic subtraction as the queue's: one locked
 * instruction instead of 1 + extra. After TASK_RUN_COMPLETE with extra >
 * 0 the caller must not touch t either (it may be freed). An executor
 * whose reference to a task serves only its life (no list holds it)
 * gives that reference here.
 */
task_run_result_t task_run_release(task_t *t, unsigned extra);

/*
 * Poll t once with waker w, outside the wake protocol: the task stays
 * NOTIFIED the whole time, so every wake of it is a no-op. For the spin
 * executor, which polls everything round-robin and never waits for a wake.
 * Returns TASK_RUN_PENDING (the caller keeps the queue's reference and
 * simply queues t again) or TASK_RUN_COMPLETE (as for task_run).
 */
task_run_result_t task_run_busy(task_t *t, const waker_t *w);

/* The task whose poll is running on this thread, or NULL. */
task_t *task_current(void);

/* The waker of t, borrowed: valid while the caller holds a reference. */
waker_t task_waker(task_t *t);

/*
 * Cancel a task that will never run again (executor shutdown): drop its
 * future if it has not completed, mark it COMPLETE | CANCELLED, wake its
 * join handle. Must not race with task_run on the same task.
 */
void task_shutdown(task_t *t);

/*
 * True when t is idle (not queued, not running, not complete) and nothing
 * holds a waker for it: no event can ever poll it again. A lost wakeup.
 */
bool task_is_lost(task_t *t);

/*
 * Say on stderr, in words, that t is a lost wakeup. An executor's report
 * calls it for each lost task in order (nth from 0) and then
 * task_report_lost_end with the total: the first TASK_LOST_SHOWN are
 * named, the rest counted in one line, so a thousand naive sleepers do
 * not bury the terminal.
 */
#define TASK_LOST_SHOWN 10
void task_report_lost(task_t *t, size_t nth);
void task_report_lost_end(size_t total);

/* ---- the owned list: every live task of one executor ------------------- */

typedef list_t task_list_t; /* of task_t, through task->owned */

/* Caller holds whatever lock guards the list. Newest first. */
static inline void task_owned_push(task_list_t *l, task_t *t)
{
    list_push_front(l, &t->owned);
}

static inline void task_owned_remove(task_list_t *l, task_t *t)
{
    list_remove(l, &t->owned);
}

static inline task_t *task_of_owned(list_node_t *n)
{
    return n != NULL ? LIST_ENTRY(n, task_t, owned) : NULL;
}

/* Walking the list: newest (first) to oldest (last), and back. */
static inline task_t *task_owned_first(const task_list_t *l)
{
    return task_of_owned(l->head);
}

static inline task_t *task_owned_last(const task_list_t *l)
{
    return task_of_owned(l->tail);
}

static inline task_t *task_owned_next(const task_t *t)
{
    return task_of_owned(t->owned.next);
}

static inline task_t *task_owned_prev(const task_t *t)
{
    return task_of_owned(t->owned.prev);
}

/* ---- join handles -------------------------------------------------------- */

/*
 * A join handle: the right to read a task's output, wait for it, abort it.
 * Holds one reference. Every handle is either dropped (join_handle_drop)
 * or given away (a detached spawn drops it at once).
 */
typedef struct join_handle {
    task_t *task;
} join_handle_t;

/*
 * READY when the task has completed (finished or cancelled); otherwise
 * keeps cx's waker, to be woken by completion.
 */
poll_t join_handle_poll(join_handle_t *h, context_t *cx);

/* After READY: the task's future, holding its output, or NULL when the
 * task was cancelled before it finished. Valid until join_handle_drop. */
future_t *join_handle_output(join_handle_t *h);

/* Ask the task to stop. Idle: it is scheduled once more to drop its future.
 * Running: it is dropped when its poll returns. Complete: nothing. */
void join_handle_abort(join_handle_t *h);

/* Give up interest; if the task completed, its output is dropped here. */
void join_handle_drop(join_handle_t *h);

#endif
