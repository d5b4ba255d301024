/*
 * workstealing/worker.c - one worker's loop, as named phases.
 *
 * This is Tokio's multi-thread scheduler (Carl Lerche, "Making the Tokio
 * scheduler 10x faster", 2019, and tokio/src/runtime/scheduler/
 * multi_thread as of 2023), written from its published design. One call
 * to ws__worker_step is one scheduling decision:
 *
 *     step ─┬─ parked?  ──> wake_up      (a spurious wake goes back to sleep)
 *           │
 *           ├─ maintenance               every 61 ticks: fire due timers
 *           ├─ next_task ──> run_task    LIFO slot, own ring, inject queue
 *           ├─ search    ──> run_task    steal half of a random victim's ring
 *           ├─ spin                      a searcher looks again, briefly
 *           └─ park                      nothing anywhere: sleep
 *
 * In threads mode a worker thread calls step in a loop and park blocks;
 * in simulation mode (sim.c) one thread calls step on a PRNG-chosen worker
 * and park only records that the worker sleeps. The code below is the
 * same for both: the parker (park.c) is the only part that knows.
 *
 * The choices, and why (Tokio's, but for the spin, whose reason is at
 * spin_for_work):
 *  - LIFO slot. A task woken or spawned by the running task (a message
 *    sent to the receiver, the next link of a chain) runs next, while
 *    what it needs is still in this core's cache; message passing then
 *    costs almost nothing, and filling an empty slot wakes no other
 *    worker. Capped at 3 polls in a row: two tasks waking each other
 *    would otherwise keep the slot forever and starve the ring. No
 *    thief takes from the slot, as in Tokio: a task there waits for its
 *    worker, so one put there by a poll that then blocks waits until
 *    that poll returns (lesson 14 shows it).
 *  - Self-wakes (YIELD_NOW) go to the BACK of the ring: a yield must let
 *    everything else run first, or it is no yield.
 *  - The inject queue is checked first every 61 ticks, even when the
 *    ring is busy: otherwise a worker that keeps itself busy with its own
 *    tasks would never take work from outside, and a spawn from block_on
 *    could wait forever. 61 is Tokio's default, taken from Go's
 *    scheduler: rare enough that the lock costs nothing, often enough
 *    that outside work waits at most 61 polls of a busy worker. (That it
 *    is prime keeps it out of step with a workload's own period; our
 *    reading, neither project says why.)
 *  - A cooperative budget of 128 per poll (core/coop.h), so one task
 *    whose channel never empties cannot keep the worker.
 *  - Searching and parking follow idle.h's rules (at most half the
 *    workers search; the last searcher to find work wakes one more if
 *    there is more to share; the last to give up rechecks every queue).
 *    A push into our own ring wakes a sleeper only when the ring holds
 *    two tasks or more (notify_parked_local says why).
 *
 * Who may touch what: everything in ws_worker_t but the parker, the
 * counters and the ring's steal side belongs to the worker's own thread
 * (in simulation, to its step).
 *
 * Tests: tests/test_ws.c.
 */
#include "workstealing/runtime.h"

#include <assert.h>
#include <string.h>
#include <time.h>

#include "core/coop.h"
#include "core/poll_watch.h"

/* ---- the LIFO slot ------------------------------------------------------- */

/* Relaxed: a hint (is anything there?); the exchanges below decide. */
static task_t *lifo_peek(ws_worker_t *w)
{
    return atomic_load_explicit(&w->lifo, memory_order_relaxed);
}

/* Put t in the slot; returns what was there. Only the owner fills and
 * empties the slot (no thief takes from it, as in Tokio); other threads
 * only look (ws_view), so a load and a store do, no read-modify-write.
 * Release, for a looker that reads the task it finds. */
static task_t *lifo_put(ws_worker_t *w, task_t *t)
{
    task_t *old = lifo_peek(w);
    atomic_store_explicit(&w->lifo, t, memory_order_release);
    return old;
}

/* Empty the slot, to run its task. */
static task_t *lifo_take(ws_worker_t *w)
{
    task_t *t = lifo_peek(w);
    if (t != NULL)
        atomic_store_explicit(&w->lifo, NULL, memory_order_relaxed);
    return t;
}

void ws__worker_init(ws_worker_t *w, ws_runtime_t *rt, uint32_t index)
{
    memset(w, 0, sizeof *w);
    ws_ring_init(&w->ring);
    w->rt = rt;
    w->index = index;
    w->lifo_enabled = true;
    w->phase = WS_RUNNING;
    ws_parker_init(&w->parker, rt->driver, rt->sim);
}

void ws__worker_destroy(ws_worker_t *w)
{
    assert(lifo_peek(w) == NULL && ws_ring_is_empty(&w->ring));
    ws_parker_destroy(&w->parker);
}

/* ---- notifying other workers --------------------------------------------- */

void ws__notify_parked(ws_runtime_t *rt, ws_worker_t *from)
{
    int i = ws_idle_worker_to_notify(&rt->idle);
    if (i < 0)
        return; /* someone is searching, or nobody sleeps */
    ws_worker_t *target = &rt->workers[i];
    TRACE(rt->trace, TRACE_UNPARK, (uint32_t)i, 0, ws__worker_id(from), 0);
    ws_parker_unpark(&target->parker);
}

/*
 * After a push into our own ring: wake a parked worker to share it, if
 * there is something to share. A task alone in our ring is the one we
 * run next (after the LIFO slot); waking a worker for it costs a system
 * call here, and the woken worker steals it and leaves us idle: on
 * a chain of spawns, whose every 4th link goes to the ring (the LIFO
 * cap), that bounced the chain between the workers (docs/perf-notes.md).
 * The cost: like a LIFO task, a lone ring task behind a poll that blocks
 * waits for it unless another worker is awake (and steals it).
 *
 * The relaxed hint then skips the handshake's read-modify-write on the
 * hot path (every yield comes here): if it is stale and nobody is woken,
 * we run the tasks ourselves, so nothing is lost but parallelism, and
 * the next push looks again.
 */
static void notify_parked_local(ws_worker_t *w)
{
    if (ws_ring_len(&w->ring) > 1 && ws_idle_may_notify(&w->rt->idle))
        ws__notify_parked(w->rt, w);
}

/* The last searcher gave up: make sure no task was left behind by a push
 * that saw it searching and so woke nobody (idle.h). */
static void notify_if_work_pending(ws_runtime_t *rt, ws_worker_t *from)
{
    for (uint32_t i = 0; i < rt->nworkers; i++) {
        if (!ws_ring_is_empty(&rt->workers[i].ring)) {
            ws__notify_parked(rt, from);
            return;
        }
    }
    if (!ws_inject_is_empty(&rt->inject))
        ws__notify_parked(rt, from);
}

/* ---- queueing on this worker --------------------------------------------- */

/*
 * Put t at the back of w's ring. A full ring sends half of itself and t to
 * the inject queue. The SCHEDULE is traced before the push when it can
 * be: once t is in the ring a thief may run it.
 */
static void push_local(ws_worker_t *w, task_t *t)
{
    trace_sink_t *trace = w->rt->trace;
    uint64_t id = t->id;
    bool traced = false;
    if (trace != NULL && ws_ring_remaining(&w->ring) > 0) {
        /* Room now is room at the push: only we fill this ring. */
        TRACE_NEXT(trace, TRACE_SCHEDULE, w->index, id, TRACE_Q_LOCAL, 0);
        traced = true;
    }
    ws_batch_t overflow;
    if (ws_ring_push_back(&w->ring, t, &overflow)) {
        if (!traced)
            TRACE_NEXT(trace, TRACE_SCHEDULE, w->index, id, TRACE_Q_LOCAL, 0);
        return;
    }
    ws__count(&w->counters.overflows, 1);
    ws__inject_batch(w->rt, w, overflow);
}

/* -DWS_NO_LIFO_SLOT: every local wake and spawn goes to the ring, to
 * measure what the slot buys (lesson 17). */
#ifndef WS_NO_LIFO_SLOT
#define LIFO_SLOT_ON 1
#else
#define LIFO_SLOT_ON 0
#endif

void ws__schedule_local(ws_worker_t *w, task_t *t, bool in_poll)
{
    if (LIFO_SLOT_ON && in_poll && w->lifo_enabled) {
        task_t *prev = lifo_put(w, t);
        TRACE_NEXT(w->rt->trace, TRACE_SCHEDULE, w->index, t->id, TRACE_Q_LIFO,
                   0);
        if (prev == NULL)
            return; /* nothing in the ring: wake nobody */
        t = prev;   /* the previous occupant goes to the back */
    }
    push_local(w, t);
    notify_parked_local(w);
}

/* ---- phase: next_task ---------------------------------------------------- */

/* How many to take from an inject queue of len tasks: a fair share
 * (len / workers + 1), at most half a ring and what fits in ours, and at
 * least the one we are about to run. */
static size_t inject_share(ws_worker_t *w, size_t len)
{
#ifdef WS_NO_INJECT_BATCH
    (void)w, (void)len;
    return 1; /* lesson 17: one task per lock, to measure the batch */
#endif
    size_t room = ws_ring_remaining(&w->ring);
    if (room > WS_RING_CAP / 2)
        room = WS_RING_CAP / 2;
    size_t want = len / w->rt->nworkers + 1;
    if (want > room)
        want = room;
    return want > 0 ? want : 1;
}

/* The ring is empty: take a share of the inject queue, run the first,
 * queue the rest in our ring. */
static task_t *take_inject_batch(ws_worker_t *w)
{
    ws_runtime_t *rt = w->rt;
    size_t len = ws_inject_len(&rt->inject), got;
    if (len == 0)
        return NULL;
    task_t *first =
        ws_inject_pop_batch(&rt->inject, inject_share(w, len), &got);
    if (first == NULL)
        return NULL;
    if (got > 1) {
        /* The rest move from inject to our ring: one SCHEDULE each,
         * before the push that lets thieves see them. */
        if (rt->trace != NULL)
            for (task_t *t = first->next; t != NULL; t = t->next)
                TRACE(rt->trace, TRACE_SCHEDULE, w->index, t->id, TRACE_Q_LOCAL,
                      0);
        ws_ring_push_list(&w->ring, first->next, (uint32_t)(got - 1));
    }
    first->next = NULL;
    return first;
}

/* Where run_task's task came from: the LIFO cap counts slot polls, and
 * the trace stamps a poll of our own task without a clock read. */
typedef enum task_source {
    FROM_INJECT, /* queued by another thread */
    FROM_LIFO,   /* our slot: queued by this thread */
    FROM_RING,   /* our ring: queued or stolen by this thread */
} task_source_t;

/*
 * The next task from this worker's own sources, in order: the inject
 * queue first on every 61st tick; the LIFO slot; the ring; a batch from
 * the inject queue. NULL when all are empty.
 */
static task_t *next_task(ws_worker_t *w, task_source_t *src)
{
    ws_runtime_t *rt = w->rt;
    task_t *t;
    *src = FROM_INJECT;
    if (w->tick % WS_INJECT_INTERVAL == 0 &&
        (t = ws_inject_pop(&rt->inject)) != NULL)
        return t; /* fairness: outside work gets in even when busy */
    if ((t = lifo_take(w)) != NULL) {
        *src = FROM_LIFO;
        return t;
    }
    *src = FROM_RING;
    if ((t = ws_ring_pop(&w->ring)) != NULL)
        return t;
    *src = FROM_INJECT;
    return take_inject_batch(w);
}

/* ---- phase: search ------------------------------------------------------- */

static bool transition_to_searching(ws_worker_t *w)
{
    if (!w->is_searching)
        w->is_searching = ws_idle_transition_to_searching(&w->rt->idle);
    return w->is_searching;
}

/* Found work. The last searcher to do so wakes another if there is more
 * to share, since nobody else is looking now: tasks left in the inject
 * queue, or in our ring (the rest of a batch or of a steal). Tokio wakes
 * one whenever the last searcher finds work; a lone task from outside
 * (a block_on that spawns one task and waits) then cost a system call
 * here and a worker that woke for nothing. */
static void transition_from_searching(ws_worker_t *w)
{
    if (!w->is_searching)
        return;
    w->is_searching = false;
    if (ws_idle_transition_from_searching(&w->rt->idle) &&
        (!ws_ring_is_empty(&w->ring) || !ws_inject_is_empty(&w->rt->inject)))
        ws__notify_parked(w->rt, w);
}

/* Steal half of a victim's ring, starting at a random victim so that
 * thieves spread out; failing that, one task from the inject queue. */
static task_t *search(ws_worker_t *w, task_source_t *src)
{
    *src = FROM_INJECT;
    ws_runtime_t *rt = w->rt;
    if (!transition_to_searching(w))
        return NULL; /* half the workers are searching already */
    uint32_t n = rt->nworkers;
    uint32_t start = ws_rng_below(&w->rng, n);
    for (uint32_t i = 0; i < n; i++) {
        ws_worker_t *victim = &rt->workers[(start + i) % n];
        if (victim == w)
            continue;
        uint32_t count;
        task_t *t = ws_ring_steal_into(&victim->ring, &w->ring, &count);
        if (t != NULL) {
            ws__count(&w->counters.steals, 1);
            ws__count(&w->counters.stolen, count);
            TRACE(rt->trace, TRACE_STEAL, w->index, 0, victim->index, count);
            *src = FROM_RING; /* the STEAL just traced is its cause */
            return t;
        }
    }
    return ws_inject_pop(&rt->inject);
}

/* ---- phase: run_task ----------------------------------------------------- */

/* A LIFO poll counts towards the cap; any other poll resets it. */
static void count_lifo(ws_worker_t *w, bool from_lifo)
{
    if (!from_lifo) {
        w->lifo_polls = 0; /* a normal task: the slot is back in use */
        w->lifo_enabled = true;
        return;
    }
    ws__count(&w->counters.lifo_polls, 1);
    if (++w->lifo_polls >= WS_LIFO_MAX_POLLS)
        w->lifo_enabled = false; /* wakes go to the ring for now */
}

/* What run_task remembers of a poll: after it, t may be gone. */
typedef struct poll_note {
    uint64_t id;
    uint64_t self_wakes; /* the task's own count, before the poll */
    bool listed;         /* on an owned list (it has waited before) */
    bool cancelled;      /* aborted before the poll (only read when
                            tracing: the COMPLETE event says so) */
} poll_note_t;

static uint64_t self_wakes_of(task_t *t)
{
    /* Relaxed: core counts self-wakes during the poll, on this thread. */
    return atomic_load_explicit(&task_trailer(t)->stats.self_wakes,
                                memory_order_relaxed);
}

/* Woken while its poll ran: by itself (a yield), or by another thread
 * that found it RUNNING (core tells us by the task's self-wake count).
 * Either way: to the back of our ring, behind everyone. */
static void requeue_notified(ws_worker_t *w, task_t *t, const poll_note_t *n)
{
    ws__count(&w->counters.wakes, 1);
    if (self_wakes_of(t) != n->self_wakes) {
        ws__count(&w->counters.self_wakes, 1);
        TRACE_NEXT(w->rt->trace, TRACE_SELF_WAKE, w->index, n->id, 0, 0);
    } else {
        TRACE_NEXT(w->rt->trace, TRACE_WAKE, w->index, n->id, TRACE_BY_THREAD,
                   0);
    }
    push_local(w, t);
    notify_parked_local(w);
}

/* What the poll said: requeue, leave, or retire. t may be gone after
 * PENDING (another worker may have woken and run it), and after COMPLETE
 * when it was on no list (run_task gave task_run our reference): only n
 * is used then. */
static void after_poll(ws_worker_t *w, task_t *t, task_run_result_t r,
                       const poll_note_t *n)
{
    ws_runtime_t *rt = w->rt;
    bool ready = r == TASK_RUN_COMPLETE;
    TRACE_POLL_DONE(rt->trace, w->index, n->id,
                    ready ? POLL_READY : POLL_PENDING, !rt->sim);
    if (r == TASK_RUN_PENDING) {
        ws__count(&w->counters.pending_polls, 1);
    } else if (r == TASK_RUN_NOTIFIED) {
        ws__count(&w->counters.pending_polls, 1);
        requeue_notified(w, t, n);
    } else {
        TRACE_NEXT(rt->trace, TRACE_COMPLETE, w->index, n->id, n->cancelled,
                   0);
        ws__task_done(w, t, n->listed); /* counts it completed */
    }
}

/* Poll t once: a fresh budget, wakes from this poll to our LIFO slot,
 * and the books (searching, LIFO cap, counters) before and after. */
static void run_task(ws_worker_t *w, task_t *t, task_source_t src)
{
    poll_note_t n = {
        .id = t->id,
        .self_wakes = self_wakes_of(t),
        .listed = task_trailer(t)->waited, /* see runtime.c, owned tasks */
        .cancelled =
            w->rt->trace != NULL && (task_state(t) & TASK_CANCELLED) != 0,
    };
    transition_from_searching(w);
    count_lifo(w, src == FROM_LIFO);

    /* A task of our own: every event before this one that concerns it is
     * this thread's, so the poll starts at the stamp of the last of them
     * (TRACE_NEXT, core/trace.h). One from outside follows another
     * thread's SCHEDULE: a fresh read keeps it after that in the merge. */
    if (src == FROM_INJECT)
        TRACE_POLL_BEGIN(w->rt->trace, w->index, n.id);
    else
        TRACE_POLL_BEGIN_NEXT(w->rt->trace, w->index, n.id);
    coop_budget_set(COOP_BUDGET);
    w->polling = true;
    w->running_id = n.id;
    /* A task on no list holds our reference for nothing but its life:
     * if it completes, it goes in the same subtraction as the queue's. */
    task_run_result_t r = task_run_release(t, n.listed ? 0 : 1);
    w->polling = false;
    ws__count(&w->counters.polls, 1);
    after_poll(w, t, r, &n);
}

/* ---- phase: maintenance -------------------------------------------------- */

int ws__turn_driver(ws_worker_t *w, int64_t timeout_ms)
{
    ws__count(&w->counters.driver_turns, 1);
    w->wake_cause[0] = TRACE_BY_IO;
    w->wake_cause[1] = 0;
    bool was_polling = w->polling;
    w->polling = false; /* driver wakes go to the ring, not the slot */
    int n = driver_park(w->rt->driver, timeout_ms);
    w->polling = was_polling;
    return n;
}

/* Every 61 ticks a busy worker fires due timers and dispatches ready I/O
 * without waiting, if nobody else holds the driver: otherwise timers
 * would wait until some worker ran out of work. */
static void maintenance(ws_worker_t *w)
{
    ws_runtime_t *rt = w->rt;
    if (w->tick % WS_EVENT_INTERVAL != 0 || !driver_has_work(rt->driver))
        return;
    if (!ws__driver_try_take(rt))
        return;
    ws__turn_driver(w, 0);
    ws__driver_release(rt);
}

/* ---- phase: spin --------------------------------------------------------- */

/*
 * Threads mode, a searcher that found nothing: look again for a few
 * microseconds before sleeping. Work that is about to arrive (a spawner
 * in full flow, a task about to be woken) is then found without the two
 * system calls of a park and an unpark. Go's scheduler does the same
 * ("spinning" threads). Only searchers spin, so at most half the workers
 * burn a core, and only for WS_SPIN_ROUNDS looks. While we spin we still
 * count as searching, so new work wakes nobody: we are the one who will
 * find it. How long: as long as what the spin saves would cost, the rule
 * of competitive spinning (Karlin et al., 1991; see root_spin in
 * runtime.c). A park and the unpark that ends it are two futex system
 * calls, a microsecond or two; a look at every queue is a few loads and
 * a pause instruction (tens of nanoseconds on two workers), so
 * WS_SPIN_ROUNDS = 32 looks is of that order. Spinning longer would also
 * take the core from the thread that feeds us work (block_on, a spawner).
 */
static bool spin_for_work(ws_worker_t *w)
{
    ws_runtime_t *rt = w->rt;
    if (WS_SPINS == 0 || rt->sim || !w->is_searching)
        return false;
    for (int i = 0; i < WS_SPIN_ROUNDS; i++) {
        if (!ws_inject_is_empty(&rt->inject))
            return true;
        for (uint32_t v = 0; v < rt->nworkers; v++)
            if (!ws_ring_is_empty(&rt->workers[v].ring))
                return true;
        ws_cpu_relax();
    }
    return false;
}

/* ---- phase: park --------------------------------------------------------- */

static bool has_tasks(ws_worker_t *w)
{
    return lifo_peek(w) != NULL || !ws_ring_is_empty(&w->ring);
}

/* Nothing anywhere: join the sleepers (false if our own queues filled up
 * meanwhile). The last searcher to give up rechecks every queue first. */
static bool transition_to_parked(ws_worker_t *w)
{
    ws_runtime_t *rt = w->rt;
    if (has_tasks(w))
        return false;
    bool last =
        ws_idle_transition_to_parked(&rt->idle, w->index, w->is_searching);
    w->is_searching = false;
    if (last)
        notify_if_work_pending(rt, w);
    return true;
}

/*
 * Woken: by a notify (which already counted us unparked and searching),
 * or by the driver (a timer fired into our own ring), or spuriously.
 * False: still on the sleepers list, go back to sleep.
 */
static bool transition_from_parked(ws_worker_t *w)
{
    ws_idle_t *idle = &w->rt->idle;
    if (has_tasks(w)) {
        /* Our own driver turn queued work: nobody unparked us. */
        bool by_us = ws_idle_unpark_worker_by_id(idle, w->index);
        if (by_us)
            TRACE(w->rt->trace, TRACE_UNPARK, w->index, 0, w->index, 0);
        w->is_searching = !by_us;
        return true;
    }
    if (ws_idle_is_parked(idle, w->index))
        return false;
    w->is_searching = true;
    return true;
}

/*
 * Sleep in the parker: in the driver if nobody holds it (so timers and
 * I/O still fire while everyone sleeps), on the condvar otherwise. In
 * simulation this only records it; sim.c decides when we wake.
 */
static void sleep_in_parker(ws_worker_t *w)
{
    ws_runtime_t *rt = w->rt;
    w->holds_driver = ws__driver_try_take(rt);
    TRACE(rt->trace, TRACE_PARK, w->index, 0, w->holds_driver, 0);
    if (rt->sim) {
        ws_parker_park(&w->parker, w->holds_driver, -1);
        return; /* the driver stays ours until we wake (wake_up) */
    }
    if (w->holds_driver) {
        ws__count(&w->counters.driver_turns, 1);
        w->wake_cause[0] = TRACE_BY_IO;
        w->wake_cause[1] = 0;
    }
    ws_parker_park(&w->parker, w->holds_driver, -1);
    POLL_WATCH_MARK(rt->trace, true); /* core/poll_watch.h */
    if (w->holds_driver) {
        w->holds_driver = false;
        ws__driver_release(rt);
    }
}

/* The park phase: go to sleep, unless work turned up. Always 1: going to
 * sleep is a decision too. */
static int park(ws_worker_t *w)
{
    if (!transition_to_parked(w))
        return 1; /* work turned up in our own queues: go round again */
    w->phase = WS_PARKED;
    ws__count(&w->counters.parks, 1);
    sleep_in_parker(w);
    return 1;
}

/* The PARKED phase's step: our park returned (threads) or the simulation
 * saw our token (sim). */
static int wake_up(ws_worker_t *w)
{
    ws_runtime_t *rt = w->rt;
    if (rt->sim) {
        ws_parker_consume(&w->parker);
        if (w->holds_driver) {
            w->holds_driver = false;
            ws__driver_release(rt);
        }
    }
    /* Acquire: pairs with destroy's release store (stop_threads). */
    if (atomic_load_explicit(&rt->shutdown, memory_order_acquire))
        return 0;
    if (!transition_from_parked(w)) {
        sleep_in_parker(w); /* spurious: nobody woke us for work */
        return 0;
    }
    w->phase = WS_RUNNING;
    return 1;
}

/* ---- the loop ------------------------------------------------------------ */

int ws__worker_step(ws_worker_t *w)
{
    if (w->phase == WS_PARKED)
        return wake_up(w);
    w->tick++;
    maintenance(w);
    task_source_t src;
    task_t *t = next_task(w, &src);
    if (t == NULL)
        t = search(w, &src);
    if (t == NULL && spin_for_work(w))
        return 1; /* something arrived: the next step takes it */
    if (t == NULL)
        return park(w);
    run_task(w, t, src);
    return 1;
}

void *ws__worker_main(void *arg)
{
    ws_worker_t *w = arg;
    ws_runtime_t *rt = w->rt;
    ws__set_current_worker(w);
    executor_set_current(&rt->base);
    driver_set_current(rt->driver);
    POLL_WATCH_MARK(rt->trace, true); /* threads mode: a real clock */
    /* Acquire: pairs with destroy's release store; see everything it did
     * before asking us to stop. */
    while (!atomic_load_explicit(&rt->shutdown, memory_order_acquire))
        ws__worker_step(w);
    return NULL;
}

void ws__worker_drain(ws_worker_t *w)
{
    task_t *t = lifo_take(w);
    if (t != NULL)
        ws__release_queued(w->rt, t);
    while ((t = ws_ring_pop(&w->ring)) != NULL)
        ws__release_queued(w->rt, t);
}
