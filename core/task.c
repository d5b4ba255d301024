/*
 * core/task.c - the task harness: allocation, the state word, the task
 * waker, running one poll, join handles. Every executor runs its tasks
 * through task_run (or task_run_busy), so the rules of core/task.h hold
 * the same way on all three.
 *
 * The design follows Tokio's task module (2019-2023): all of a task's
 * state that threads race on lives in ONE atomic word, so every decision
 * ("is it already queued?", "is someone polling it?", "has the join
 * handle gone?") is a single compare-and-swap that sees all of it at once.
 * Two flags in two separate atomics would let a wake and a poll each see
 * the other's old half and both decide to queue the task.
 *
 * Memory orders. Every transition is acq_rel: the release half publishes
 * what the thread did before it (the poll's writes to the future, a
 * channel's value before the wake), the acquire half makes the previous
 * owner's writes visible to the next (the next poller sees the last
 * poll's writes to the future). Statistics are relaxed: they are counts.
 *
 * Tests: tests/test_task.c.
 */
#include "core/task.h"

#include "core/task_cache.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Thread_local task_t *current_task;

task_t *task_current(void)
{
    return current_task;
}

/* ---- task ids ----------------------------------------------------------- */

void task_scheduler_init(task_scheduler_t *s, const task_scheduler_ops_t *ops)
{
    s->ops = ops;
    atomic_init(&s->next_id, 1);
}

uint64_t task_next_id(task_scheduler_t *s)
{
    /* Relaxed: ids only need to be unique. On one thread they come in
     * spawn order, 1, 2, 3 ... (a simulation, whose trace hashes depend
     * on them, runs on one thread), whatever other schedulers exist. */
    return atomic_fetch_add_explicit(&s->next_id, 1, memory_order_relaxed);
}

/* ---- allocation and references ---------------------------------------- */

static size_t align_up(size_t n, size_t align)
{
    return (n + align - 1) & ~(align - 1);
}

/* One allocation: header, the future copied in, the trailer. */
static task_t *task_alloc(task_scheduler_t *s, const future_t *f, size_t size,
                          const char *name, uint64_t state)
{
    assert(size >= sizeof(future_t) && size <= UINT32_MAX);
    size_t trailer_at =
        align_up(TASK_FUTURE_OFFSET + size, _Alignof(task_trailer_t));
    task_cache_t *cache;
    task_t *t = task_cache_alloc(trailer_at + sizeof(task_trailer_t), &cache);
    if (t == NULL)
        return NULL;

    atomic_init(&t->state, state);
    t->scheduler = s;
    t->next = NULL;
    t->id = task_next_id(s);
    t->trailer_offset = (uint32_t)trailer_at;
    t->future_size = (uint32_t)size;
    t->cache = cache;
    t->owned = (list_node_t){NULL, NULL};
    task_cache_copy(task_future(t), f, size);

    task_trailer_t *tr = task_trailer(t);
    tr->join_waker = WAKER_EMPTY;
    tr->name = name != NULL ? name : "task";
    atomic_init(&tr->live_wakers, 0);
    tr->has_output = false;
    tr->waited = false;
    tr->stats = (task_stats_t){0};
    return t;
}

task_t *task_new(task_scheduler_t *s, const future_t *f, size_t size,
                 const char *name)
{
    return task_alloc(s, f, size, name,
                      TASK_NOTIFIED | TASK_JOIN_INTEREST | 3 * TASK_REF_ONE);
}

task_t *task_new_detached(task_scheduler_t *s, const future_t *f, size_t size,
                          const char *name)
{
    return task_alloc(s, f, size, name, TASK_NOTIFIED | 2 * TASK_REF_ONE);
}

static void task_free(task_t *t)
{
    task_trailer_t *tr = task_trailer(t);
    assert(!tr->has_output); /* the join handle should have dropped it */
    waker_drop(&tr->join_waker);
    task_cache_free(t, t->trailer_offset + sizeof(task_trailer_t), t->cache);
}

void task_free_unspawned(task_t *t)
{
    task_free(t);
}

void task_ref_inc(task_t *t)
{
    /* Relaxed, as for any reference count: the caller already holds a
     * reference, so the task cannot be freed under us. */
    atomic_fetch_add_explicit(&t->state, TASK_REF_ONE, memory_order_relaxed);
}

void task_ref_dec_n(task_t *t, unsigned n)
{
    /* acq_rel: release our writes to the task before someone else frees
     * it; acquire everyone else's if we are the one who frees. */
    uint64_t prev = atomic_fetch_sub_explicit(&t->state, n * TASK_REF_ONE,
                                              memory_order_acq_rel);
    assert((prev >> TASK_REF_SHIFT) >= n);
    if ((prev >> TASK_REF_SHIFT) == n)
        task_free(t);
}

void task_ref_dec(task_t *t)
{
    task_ref_dec_n(t, 1);
}

/* ---- the task's waker --------------------------------------------------- */

/* A counter any thread may bump: one atomic add. */
static void count(atomic_uint_fast64_t *counter)
{
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/*
 * A counter only the task's poller writes (polls, self-wakes): a plain
 * load and store, no locked instruction on the poll path. Still atomic
 * so that a reader on another thread (the visualizer) is not a data race.
 */
static void count_own(atomic_uint_fast64_t *counter)
{
    atomic_store_explicit(
        counter, atomic_load_explicit(counter, memory_order_relaxed) + 1,
        memory_order_relaxed);
}

/*
 * A wake from inside the task's own poll (a yield, or a future waking its
 * own task): we are the poller, RUNNING is set and only we will clear it,
 * so nothing can make setting NOTIFIED wrong. One fetch_or, no retry loop,
 * and a counter only this thread writes: yield is the hottest wake there
 * is (a task that yields in a loop makes one per yield).
 */
static void task_wake_self(task_t *t)
{
    /* acq_rel, as every transition: task_run's transition to idle reads
     * NOTIFIED with the same word. */
    atomic_fetch_or_explicit(&t->state, TASK_NOTIFIED, memory_order_acq_rel);
    count_own(&task_trailer(t)->stats.self_wakes);
}

/*
 * The heart of "no double scheduling, no lost wake". One CAS decides:
 *   COMPLETE or NOTIFIED  -> nothing to do (done, or already queued)
 *   RUNNING               -> set NOTIFIED; task_run will see it and
 *                            hand the task back to its executor
 *   idle                  -> set NOTIFIED, take a reference for the
 *                            queue entry, and schedule it
 */
static void task_wake(task_t *t)
{
    if (t == current_task) {
        task_wake_self(t);
        return;
    }
    uint64_t cur = atomic_load_explicit(&t->state, memory_order_acquire);
    uint64_t next;
    do {
        if (cur & (TASK_COMPLETE | TASK_NOTIFIED))
            return;
        next = cur | TASK_NOTIFIED;
        if (!(cur & TASK_RUNNING))
            next += TASK_REF_ONE;
    } while (!atomic_compare_exchange_weak_explicit(
        &t->state, &cur, next, memory_order_acq_rel, memory_order_acquire));

    count(&task_trailer(t)->stats.wakes);
    if (!(cur & TASK_RUNNING))
        t->scheduler->ops->schedule(t->scheduler, t);
}

static waker_t task_waker_clone(const void *data);

static void task_waker_drop(const void *data)
{
    task_t *t = (task_t *)data;
    task_trailer_t *tr = task_trailer(t);
    count(&tr->stats.waker_drops);
    /* Release: pairs with the acquire load in task_is_lost. */
    atomic_fetch_sub_explicit(&tr->live_wakers, 1, memory_order_release);
    task_ref_dec(t);
}

static void task_waker_wake_by_ref(const void *data)
{
    task_wake((task_t *)data);
}

static void task_waker_wake(const void *data)
{
    task_wake((task_t *)data);
    task_waker_drop(data);
}

static const waker_vtable_t task_waker_vtable = {
    .clone = task_waker_clone,
    .wake = task_waker_wake,
    .wake_by_ref = task_waker_wake_by_ref,
    .drop = task_waker_drop,
};

static waker_t task_waker_clone(const void *data)
{
    task_t *t = (task_t *)data;
    task_trailer_t *tr = task_trailer(t);
    task_ref_inc(t);
    count(&tr->stats.waker_clones);
    atomic_fetch_add_explicit(&tr->live_wakers, 1, memory_order_relaxed);
    return (waker_t){&task_waker_vtable, t};
}

waker_t task_waker(task_t *t)
{
    return (waker_t){&task_waker_vtable, t};
}

bool task_is_lost(task_t *t)
{
    uint64_t s = task_state(t);
    if (s & (TASK_RUNNING | TASK_COMPLETE | TASK_NOTIFIED))
        return false;
    return atomic_load_explicit(&task_trailer(t)->live_wakers,
                                memory_order_acquire) == 0;
}

void task_report_lost(task_t *t, size_t nth)
{
    if (nth < TASK_LOST_SHOWN)
        fprintf(stderr,
                "task %llu '%s' is pending and nothing holds its waker: "
                "a lost wakeup\n",
                (unsigned long long)t->id, task_trailer(t)->name);
}

void task_report_lost_end(size_t total)
{
    if (total > TASK_LOST_SHOWN)
        fprintf(stderr, "... and %zu more tasks like it\n",
                total - TASK_LOST_SHOWN);
}

/* ---- running one poll --------------------------------------------------- */

/* Poll the future once with w, with the bookkeeping around it. */
static poll_t poll_future(task_t *t, const waker_t *w)
{
    task_trailer_t *tr = task_trailer(t);
    context_t cx = {.waker = w};
    task_t *outer = current_task;

    current_task = t;
    count_own(&tr->stats.polls);
    poll_t r = future_poll(task_future(t), &cx);
    current_task = outer;
    return r;
}

/*
 * The task finished (READY, has_output set) or was cancelled (future
 * already dropped). Publish COMPLETE, then either hand the output to the
 * join handle (wake it) or, with no join handle left, drop it here.
 * Caller is the poller: RUNNING is set.
 */
static task_run_result_t complete(task_t *t, unsigned extra)
{
    task_trailer_t *tr = task_trailer(t);
    uint64_t ours = 1 + (uint64_t)extra; /* the queue's, and the caller's */
    uint64_t cur = atomic_load_explicit(&t->state, memory_order_relaxed);
    uint64_t next;
    bool last;
    do {
        assert(cur & TASK_RUNNING);
        next = (cur & ~(TASK_RUNNING | TASK_NOTIFIED)) | TASK_COMPLETE;
        /* Nobody else holds a reference (no join handle, no waker): ours
         * go in this same compare-and-swap, and the task is ours alone to
         * finish and free. Otherwise they go after the join handle is
         * served, since it may free the task as soon as we let go. */
        last = (cur >> TASK_REF_SHIFT) == ours;
        if (last)
            next -= ours * TASK_REF_ONE;
    } while (!atomic_compare_exchange_weak_explicit(
        &t->state, &cur, next, memory_order_acq_rel, memory_order_acquire));

    if (!(cur & TASK_JOIN_INTEREST)) {
        if (tr->has_output)
            future_drop(task_future(t));
        tr->has_output = false;
    } else if (cur & TASK_JOIN_WAKER) {
        /* JOIN_WAKER was set and COMPLETE now is: the join handle can no
         * longer touch the waker (its CAS fails on COMPLETE), we may. */
        assert(!last); /* the join handle holds a reference */
        waker_wake_by_ref(&tr->join_waker);
    }
    if (last)
        task_free(t);
    else
        task_ref_dec_n(t, (unsigned)ours);
    return TASK_RUN_COMPLETE;
}

static task_run_result_t cancel(task_t *t, unsigned extra)
{
    future_drop(task_future(t));
    task_trailer(t)->has_output = false;
    return complete(t, extra);
}

task_run_result_t task_run_release(task_t *t, unsigned extra)
{
    /* NOTIFIED -> RUNNING. Acquire: see the previous poll's writes. */
    uint64_t cur = atomic_load_explicit(&t->state, memory_order_acquire);
    uint64_t next;
    do {
        assert((cur & TASK_NOTIFIED) &&
               !(cur & (TASK_RUNNING | TASK_COMPLETE)));
        next = (cur & ~TASK_NOTIFIED) | TASK_RUNNING;
    } while (!atomic_compare_exchange_weak_explicit(
        &t->state, &cur, next, memory_order_acq_rel, memory_order_acquire));

    if (cur & TASK_CANCELLED)
        return cancel(t, extra);
    if (poll_future(t, &(waker_t){&task_waker_vtable, t}) == POLL_READY) {
        task_trailer(t)->has_output = true;
        return complete(t, extra);
    }

    task_trailer_t *tr = task_trailer(t);
    if (!tr->waited) {
        tr->waited = true;
        task_scheduler_t *s = t->scheduler;
        if (s->ops->first_wait != NULL)
            s->ops->first_wait(s, t); /* still RUNNING: nobody races */
    }

    /* RUNNING -> idle; or, if a wake came during the poll, keep the
     * queue's reference and tell the caller to queue the task again. */
    cur = atomic_load_explicit(&t->state, memory_order_relaxed);
    do {
        next = cur & ~TASK_RUNNING;
        if (!(cur & TASK_NOTIFIED))
            next -= TASK_REF_ONE;
    } while (!atomic_compare_exchange_weak_explicit(
        &t->state, &cur, next, memory_order_acq_rel, memory_order_relaxed));

    if (cur & TASK_NOTIFIED)
        return TASK_RUN_NOTIFIED;
    assert((next >> TASK_REF_SHIFT) >= 1); /* the executor holds one */
    return TASK_RUN_PENDING;
}

task_run_result_t task_run(task_t *t)
{
    return task_run_release(t, 0);
}

task_run_result_t task_run_busy(task_t *t, const waker_t *w)
{
    /* Acquire: pairs with the release below, from the previous poll. */
    uint64_t prev =
        atomic_fetch_or_explicit(&t->state, TASK_RUNNING, memory_order_acquire);
    assert((prev & TASK_NOTIFIED) && !(prev & (TASK_RUNNING | TASK_COMPLETE)));

    if (prev & TASK_CANCELLED)
        return cancel(t, 0);
    if (poll_future(t, w) == POLL_READY) {
        task_trailer(t)->has_output = true;
        return complete(t, 0);
    }
    /* Release: publish this poll's writes to whoever polls next. */
    atomic_fetch_and_explicit(&t->state, ~(uint64_t)TASK_RUNNING,
                              memory_order_release);
    return TASK_RUN_PENDING;
}

void task_shutdown(task_t *t)
{
    uint64_t cur = atomic_load_explicit(&t->state, memory_order_acquire);
    do {
        if (cur & TASK_COMPLETE)
            return;
        assert(!(cur & TASK_RUNNING));
    } while (!atomic_compare_exchange_weak_explicit(
        &t->state, &cur, cur | TASK_RUNNING | TASK_CANCELLED,
        memory_order_acq_rel, memory_order_acquire));

    /* complete() drops one reference: the queue's, in task_run. Here the
     * caller keeps all of its own, so add the one complete() takes. */
    task_ref_inc(t);
    cancel(t, 0);
}

/* ---- join handles ----------------------------------------------------------
 *
 * The join waker lives in the task's trailer and is shared by two parties
 * without a lock, by the JOIN_WAKER bit:
 *   bit clear: only the join handle may write the waker;
 *   bit set:   only the runtime may read it (to wake on completion).
 * The handle writes, then sets the bit (release); the runtime reads only
 * after seeing the bit in the same CAS that sets COMPLETE (acquire). To
 * change its waker the handle first clears the bit, which fails once
 * COMPLETE is set, so it never writes while the runtime reads.
 */

static bool set_join_waker_bit(task_t *t, bool on)
{
    uint64_t cur = atomic_load_explicit(&t->state, memory_order_acquire);
    uint64_t next;
    do {
        if (cur & TASK_COMPLETE)
            return false;
        next = on ? cur | TASK_JOIN_WAKER : cur & ~(uint64_t)TASK_JOIN_WAKER;
    } while (!atomic_compare_exchange_weak_explicit(
        &t->state, &cur, next, memory_order_acq_rel, memory_order_acquire));
    return true;
}

poll_t join_handle_poll(join_handle_t *h, context_t *cx)
{
    task_t *t = h->task;
    task_trailer_t *tr = task_trailer(t);
    uint64_t cur = task_state(t);

    if (cur & TASK_COMPLETE)
        return POLL_READY;
    if (cur & TASK_JOIN_WAKER) {
        if (waker_will_wake(&tr->join_waker, cx->waker))
            return POLL_PENDING;
        if (!set_join_waker_bit(t, false))
            return POLL_READY;
    }
    waker_drop(&tr->join_waker);
    tr->join_waker = waker_clone(cx->waker);
    if (!set_join_waker_bit(t, true))
        return POLL_READY; /* the waker stays put; task_free drops it */
    return POLL_PENDING;
}

future_t *join_handle_output(join_handle_t *h)
{
    assert(task_state(h->task) & TASK_COMPLETE);
    return task_trailer(h->task)->has_output ? task_future(h->task) : NULL;
}

/*
 * Mark the task CANCELLED. Whoever runs it next drops its future instead
 * of polling it. If nobody would run it again (idle), queue it once more,
 * with a reference for the queue entry, exactly as a wake does.
 */
void join_handle_abort(join_handle_t *h)
{
    task_t *t = h->task;
    uint64_t cur = atomic_load_explicit(&t->state, memory_order_acquire);
    uint64_t next;
    do {
        if (cur & (TASK_COMPLETE | TASK_CANCELLED))
            return;
        next = cur | TASK_CANCELLED | TASK_NOTIFIED;
        if (!(cur & (TASK_RUNNING | TASK_NOTIFIED)))
            next += TASK_REF_ONE;
    } while (!atomic_compare_exchange_weak_explicit(
        &t->state, &cur, next, memory_order_acq_rel, memory_order_acquire));

    if (!(cur & (TASK_RUNNING | TASK_NOTIFIED)))
        t->scheduler->ops->schedule(t->scheduler, t);
}

void join_handle_drop(join_handle_t *h)
{
    task_t *t = h->task;
    uint64_t cur = atomic_load_explicit(&t->state, memory_order_acquire);
    bool completed;
    do {
        completed = (cur & TASK_COMPLETE) != 0;
        if (completed)
            break;
    } while (!atomic_compare_exchange_weak_explicit(
        &t->state, &cur, cur & ~(uint64_t)TASK_JOIN_INTEREST,
        memory_order_acq_rel, memory_order_acquire));

    /* Completed first: the output is ours to drop. Otherwise complete()
     * will see JOIN_INTEREST gone and drop it itself. */
    task_trailer_t *tr = task_trailer(t);
    if (completed && tr->has_output) {
        future_drop(task_future(t));
        tr->has_output = false;
    }
    h->task = NULL;
    task_ref_dec(t);
}
