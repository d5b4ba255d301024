/*
 * workstealing/idle.h - who is searching, who is parked, whom to wake.
 * Private to workstealing/.
 *
 * A worker with nothing to do first SEARCHES (tries to steal), then
 * PARKS (sleeps until unparked). This file keeps the books that decide
 * when a new task should wake a sleeper, following Tokio's `Idle`
 * (Tokio's scheduler, 2019-2023):
 *
 *     state: one 32-bit atomic
 *     ┌────────────────────────────┬────────────────────────────┐
 *     │ unparked (high 16 bits)    │ searching (low 16 bits)    │
 *     └────────────────────────────┴────────────────────────────┘
 *     sleepers: a stack of parked worker indices, under lock
 *
 *   running ──(own queues empty)──> searching ──(found work)──> running
 *                                       │  ^
 *                    (nothing anywhere) │  │ (unparked by a notify:
 *                                       v  │  comes back searching)
 *                                     parked
 *
 * The rules, and why:
 *  - At most half the workers search at once. Searching is stealing, and
 *    stealing is CAS traffic on other workers' rings; eight idle workers
 *    all probing one busy ring would slow it down more than they help.
 *  - A new task wakes a parked worker only if nobody is searching: a
 *    searcher will find the task itself, and a wake is a system call.
 *    This is what keeps "work is about to arrive" free of syscalls.
 *  - The last searcher to find work wakes one more worker if there is
 *    more to share (the caller does it, on transition_from_searching
 *    returning true, when the inject queue or its own ring still holds
 *    tasks): now nobody is looking. A task left in a running worker's
 *    own ring needs nobody: its owner runs it.
 *  - The last searcher to give up rechecks every queue before it parks
 *    (the caller does it, on transition_to_parked returning true): a task
 *    pushed while it was searching chose not to wake anyone, because it
 *    saw a searcher. Without the recheck that task could sit unnoticed.
 *
 * The last two rules are a Dekker handshake between "push a task, then
 * read state" and "update state, then read the queues". Both sides use a
 * read-modify-write on state (seq_cst), so they are totally ordered: either
 * the pusher sees zero searchers and notifies, or the last searcher sees
 * the task. Plain loads would not give that order. (One exception, where
 * it is safe: a push into the pusher's own ring first takes a relaxed
 * look, ws_idle_may_notify. If the look is stale and nobody is woken,
 * the pusher runs the task itself: parallelism is lost for a moment,
 * never the task.)
 *
 * Who may touch what: state, any thread (atomic); sleepers and parked[],
 * under lock.
 *
 * Tests: tests/test_ws.c (parking, no lost work).
 */
#ifndef ASYNCLAB_WORKSTEALING_IDLE_H
#define ASYNCLAB_WORKSTEALING_IDLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ws_idle {
    _Atomic uint32_t state; /* unparked << 16 | searching */
    uint32_t workers;       /* read-only after init */
    pthread_mutex_t lock;
    uint32_t *sleepers; /* under lock: parked workers, a stack */
    uint32_t nsleepers; /* under lock */
    bool *parked;       /* under lock: parked[i] <=> i in sleepers */
} ws_idle_t;

/* All workers start unparked and not searching. 0 or -ENOMEM. */
int ws_idle_init(ws_idle_t *idle, uint32_t workers);
void ws_idle_destroy(ws_idle_t *idle);

/*
 * A task was queued somewhere: should a parked worker be woken for it?
 * If so, pops it from the sleepers, counts it as unparked AND searching
 * (it will look for the task), and returns its index; otherwise -1. The
 * caller unparks that worker.
 */
int ws_idle_worker_to_notify(ws_idle_t *idle);

/*
 * A hint, no handshake: could a notify wake anyone right now (nobody
 * searching, somebody parked)? A relaxed load, so it may be stale; only
 * for pushes whose task the pusher will run itself if nobody comes (its
 * own ring), where a missed notify costs parallelism, never liveness.
 */
static inline bool ws_idle_may_notify(ws_idle_t *idle)
{
    uint32_t s = atomic_load_explicit(&idle->state, memory_order_relaxed);
    return (s & 0xffffu) == 0 && (s >> 16) < idle->workers;
}

/* Try to become a searcher; false when half the workers already are. */
bool ws_idle_transition_to_searching(ws_idle_t *idle);

/* A searcher found work. True when it was the last searcher. */
bool ws_idle_transition_from_searching(ws_idle_t *idle);

/*
 * Worker `index` parks (pushes itself on the sleepers). is_searching: it
 * was counted as a searcher. True when it was the last searcher.
 */
bool ws_idle_transition_to_parked(ws_idle_t *idle, uint32_t index,
                                  bool is_searching);

/*
 * Worker `index` woke up with work of its own (a timer fired into its
 * queue while it held the driver). If it is still on the sleepers, take
 * it off and count it unparked (not searching) and return true; false
 * when a notify already did that (and counted it searching).
 */
bool ws_idle_unpark_worker_by_id(ws_idle_t *idle, uint32_t index);

/* True when `index` is on the sleepers (a wake-up was spurious). */
bool ws_idle_is_parked(ws_idle_t *idle, uint32_t index);

/* Snapshots for statistics, tests and the visualizer. */
uint32_t ws_idle_num_searching(ws_idle_t *idle);
uint32_t ws_idle_num_unparked(ws_idle_t *idle);

#endif
