/*
 * sync/combine.h - concurrency inside one task: join_all, select, and a
 * timeout built on select.
 *
 * A task is one future. To wait for several things at once without
 * spawning, that future polls several children itself. Rust spells it
 * futures::join!/join_all and tokio::select!; here they are futures whose
 * children are other futures:
 *
 *   join_all   READY when every child is READY (each child's output stays
 *              in the child, where its poll left it)
 *   select     READY when the first child is READY; `winner` says which;
 *              every other child is dropped before select returns READY
 *   select_timeout  a select of {inner, a sleep}; select_timed_out() is
 *              "the sleep won". No poll of its own (see "Timeout" below)
 *
 * Each combinator hands each child a waker of its own, so that a wake
 * says WHICH child to poll (the design of futures-rs's FuturesUnordered,
 * with a bitmap where it keeps a queue):
 *
 *      the task's waker (the parent)        one heap block, refcounted
 *                ^                        ┌────────────────────────────────┐
 *                │ woken once per burst   │ lock: parent waker, refs       │
 *   child 0 ─ waker{slot 0} ─┐            │ notified: atomic flag          │
 *   child 1 ─ waker{slot 1} ─┼─ wake i ─> │ woken: atomic bits  0 1 0 ...  │
 *   child 2 ─ waker{slot 2} ─┘ sets bit i │ slots: {block, i, child, state}│
 *                                         └────────────────────────────────┘
 *
 *   poll:  keep the parent waker, clear `notified`, take the woken bits,
 *          poll exactly those children that are woken and not finished,
 *          in index order; every child is "woken" for the first poll.
 *   wake of child i: set bit i; if `notified` was clear, set it and wake
 *          the parent (so a burst of wakes between two polls is one
 *          wake of the task).
 *
 * What a wake costs. Re-polling every unfinished child on every wake
 * (what a select or join with one shared waker must do) costs a poll of
 * each of n children per wake: O(n) work, and for a join of n children
 * that finish one by one, O(n^2) polls in all. Here a wake by reference
 * costs two atomic operations, plus, for the first wake since the last
 * poll, one lock, a clone and a wake of the parent; a wake by value (the
 * usual one: a timer hands back the clone it kept) also takes the lock
 * once to drop its reference. A poll then costs two short lock holds
 * (to keep the parent waker, and to decide at the end whether to keep
 * it), n/64 atomic exchanges to read the bitmap, and one poll per woken
 * child. (futures-rs keeps a queue of woken children instead: O(1) per
 * wake and no scan, with atomics where this block has its lock.) The
 * price is one allocation per combinator (the block: 32 bytes per child
 * plus 8 per 64 children) and the lock that every child waker's clone
 * and drop take briefly. `child_polls` counts the children's polls, so
 * a test or a lesson can see it: a join of 100 sleeps polls each child
 * about twice (once to arm it, once when it fired), not 100 times.
 *
 * Why a heap block and not fields in the combinator: a child's waker may
 * outlive the child, the combinator and the task (a channel's sender may
 * be holding a clone at the moment the receiver is dropped), so what the
 * waker points at must live until the last clone is gone. The block is
 * refcounted: the combinator holds one reference, each child waker clone
 * one more; the last one frees it.
 *
 * Lost wakeups stay visible. The block holds a clone of the task's waker
 * only while some child holds a waker of its own: when a poll ends with
 * no child waker alive (every child is pending and none kept its waker,
 * the lost wakeup of core/future.h), or the last one is dropped unwoken,
 * the task's waker is dropped too, and the executor reports the task as
 * one nothing can wake, as it would without the combinator.
 *
 * Cancellation. In C, cancelling a future means calling its drop instead
 * of polling it again: the drop undoes whatever the future arranged with
 * the outside world (a sleep takes its timer out of the wheel, an I/O
 * wait deregisters or forgets its waker, a channel receiver closes its
 * end, a mutex waiter leaves the queue and passes on a lock it was
 * granted), and nothing runs after it. (driver/net.h's tcp_read_t and
 * friends have no drop: their waker stays in the stream's registration
 * until the stream is closed or polled again. A child waker left there
 * keeps the block alive, and the task's waker while the combinator
 * waits; once the combinator is dropped its late wake reaches no task.)
 * The future never sees it coming: it stops at its last PENDING, so
 * whatever it did before that point stays done (a
 * message already taken out of a channel by a child that then lost the
 * race is gone with the child: select on futures whose work is either
 * finished or not started, as Tokio's docs say of cancel safety).
 * select drops every loser at once, in index order, before it returns
 * READY; a combinator's drop drops every child it has not dropped yet;
 * each child is dropped exactly once.
 *
 * The contract:
 *  - init takes ownership of the n children: the combinator drops each
 *    exactly once (select's losers at its READY; everything else at the
 *    combinator's drop). On an error nothing was taken.
 *  - The children must not move after init, and the combinator must be
 *    dropped (future_drop) READY or not: that frees its block. Initialise
 *    it where the children have their final address, e.g. inside the poll
 *    of the future that holds them (as for timeout_t), or keep them
 *    outside anything that is copied. The combinator struct itself holds
 *    only a pointer and may be copied until its first poll.
 *  - No child is polled after it is READY, after it was dropped, or after
 *    the combinator is READY.
 *  - select is biased: among the children polled in one pass, the lowest
 *    index that is READY wins, and every child is polled in the first
 *    pass; so two children ready at once go to the first, every time. A
 *    child that became ready later than another, in another poll, loses
 *    even with a lower index (Tokio's select! picks at random unless told
 *    `biased;`; this one is always biased, so it is deterministic).
 *  - A combinator spends no coop budget of its own; its leaf children do.
 *
 * Timeout. driver/time.h's timeout_t and select_timeout_t are one rule
 * (poll the inner future, then the timer; the inner future wins a tie),
 * not two implementations of it: select_timeout_t has no code beyond
 * putting a sleep beside the inner future in a select, whose index order
 * is the tie rule. What differs is ownership and waking:
 *
 *   timeout_t          in driver/, a leaf-sized future for the driver's
 *                      own users: borrows its inner future and never drops
 *                      it; one waker for both, so the timer's wake re-polls
 *                      the inner future. No allocation.
 *   select_timeout_t   here: select over {inner, sleep}, no poll of its
 *                      own. Owns the inner future and drops it the moment
 *                      the time runs out (or when it is dropped); per-child
 *                      wakers. One allocation.
 *
 * Use timeout_t when the caller wants to keep (and drop) the inner future
 * itself; select_timeout_t when it should be cancelled by the timeout.
 *
 * Threads: a combinator is polled and dropped by one thread at a time
 * (its task's); its children's wakers may be cloned, woken and dropped
 * from any thread, before or after the combinator is gone.
 *
 * Tests: tests/test_combine.c.
 */
#ifndef ASYNCLAB_SYNC_COMBINE_H
#define ASYNCLAB_SYNC_COMBINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/future.h"
#include "driver/time.h"

/* The shared block (sync/combine.c); nothing in it is API. */
typedef struct combine_block combine_block_t;

/* ---- join_all ------------------------------------------------------------ */

typedef struct join_all {
    future_t base;          /* poll and drop */
    combine_block_t *block; /* NULL once dropped */
    size_t pending;         /* output: children not READY yet */
    uint64_t child_polls;   /* output: polls of children so far */
} join_all_t;

/*
 * A future READY when each of the n children (pointers copied, futures
 * borrowed until the drop) has been READY once. n == 0 is READY at its
 * first poll. 0, -EINVAL (a NULL child or array with n > 0), or -ENOMEM.
 */
int join_all_init(join_all_t *j, future_t *const *children, size_t n);

/* ---- select -------------------------------------------------------------- */

typedef struct select_any {
    future_t base;
    combine_block_t *block;
    int winner;           /* output: index of the child that was READY
                             first; -1 until then */
    uint64_t child_polls; /* output: polls of children so far */
} select_t;

/*
 * A future READY when the first of the n children is READY (n >= 1;
 * winner is its index, the others are dropped by then). The winner's
 * output is in the winner, until the select is dropped. 0, -EINVAL (n
 * is 0, above INT_MAX, or a child is NULL), or -ENOMEM.
 */
int select_init(select_t *s, future_t *const *children, size_t n);

/* ---- select_timeout: select over {inner, sleep} -------------------------- */

typedef struct select_timeout {
    select_t select; /* the future: poll and drop &t->select.base;
                        children {inner, &sleep} */
    sleep_t sleep;   /* child 1 */
} select_timeout_t;

/*
 * Poll inner until READY or ms have passed since the first poll; on a
 * timeout inner is dropped at once. Owns inner like select owns a child.
 * t must not move after this call (its sleep is one of the children).
 * 0, -EINVAL (inner is NULL) or -ENOMEM (inner not taken).
 */
int select_timeout_init(select_timeout_t *t, future_t *inner, uint64_t ms);

/* After READY: true when the time ran out first (inner was dropped). */
static inline bool select_timed_out(const select_timeout_t *t)
{
    return t->select.winner == 1;
}

#endif
