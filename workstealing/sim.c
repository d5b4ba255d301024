/*
 * workstealing/sim.c - the deterministic simulation: N workers, one
 * thread, a seeded PRNG, virtual time.
 *
 * The idea is FoundationDB's deterministic simulation (Will Wilson,
 * "Testing Distributed Systems w/ Deterministic Simulation", 2014) and
 * Tokio's loom/shuttle lineage, cut down to a scheduler: the workers run
 * the very same code as in threads mode (worker.c), but instead of N
 * threads racing, one thread asks a PRNG "whose turn is it?" before every
 * scheduling decision:
 *
 *     loop:                                  seed ──> SplitMix64
 *       runnable = workers not asleep                       │
 *                  (+ the blocking pool, if it has work)    │
 *       if runnable is empty:                               │
 *           every worker sleeps: the one holding the driver │
 *           turns it, and virtual time jumps to the next    │
 *           timer (nothing pending: the run is over)        │
 *       else:                                               v
 *           pick one at random ─────────────────────────> step it
 *
 * Everything a step does depends only on the state and the PRNG, and the
 * state depends only on earlier steps, so the same seed and the same
 * workload give the same sequence of events, bit for bit: hash the trace
 * (trace_hash_sink) to prove it. Different seeds give different
 * interleavings: steals happen at different moments, tasks land on
 * different workers. A test can run a thousand seeds in a second and
 * check invariants after each; a failing seed replays exactly.
 *
 * What is not simulated: the memory model. Steps never overlap, so the
 * atomics are exercised for their logic only; ThreadSanitizer runs
 * against threads mode for the rest.
 *
 * Threads: one, the caller's (block_on, run, step).
 *
 * Tests: tests/test_ws.c (ws_sim_*).
 */
#include "workstealing/runtime.h"

#include <time.h>

static bool runnable(ws_worker_t *w)
{
    return w->phase != WS_PARKED || ws_parker_is_notified(&w->parker);
}

static ws_worker_t *nth_runnable(ws_runtime_t *rt, uint32_t n)
{
    for (uint32_t i = 0; i < rt->nworkers; i++) {
        if (runnable(&rt->workers[i]) && n-- == 0)
            return &rt->workers[i];
    }
    return NULL;
}

/*
 * Registered fds, no timer, and nothing ready yet. Real I/O is outside
 * the simulation's control: the kernel may be a moment behind (a
 * loopback connect still in flight). Give it SIM_IO_PATIENCE_US of real
 * time before concluding that nothing will ever happen.
 */
#define SIM_IO_PATIENCE_US 100000
#define SIM_IO_POLL_US     100

static int wait_for_io(ws_worker_t *holder)
{
    struct timespec nap = {0, SIM_IO_POLL_US * 1000};
    for (int i = 0; i < SIM_IO_PATIENCE_US / SIM_IO_POLL_US; i++) {
        nanosleep(&nap, NULL);
        int woken = ws__turn_driver(holder, 0);
        if (woken > 0)
            return woken;
    }
    return 0;
}

/*
 * Every worker sleeps. In threads mode the one holding the driver would
 * be inside driver_park right now; here it turns the driver on its
 * behalf, and the virtual clock jumps to the next timer. The wakes land
 * in its ring, as they would on its thread, and its park returns.
 * 0 when there is nothing left to wait for.
 */
static int turn_idle_driver(ws_runtime_t *rt)
{
    ws_worker_t *holder = NULL;
    for (uint32_t i = 0; i < rt->nworkers && holder == NULL; i++)
        if (rt->workers[i].holds_driver)
            holder = &rt->workers[i];
    uint64_t next;
    bool timer = driver_next_timer(rt->driver, &next);
    if (holder == NULL || (!timer && !driver_has_work(rt->driver)))
        return 0;

    ws_worker_t *outer = ws__set_current_worker(holder);
    int woken = ws__turn_driver(holder, -1);
    if (woken == 0 && !timer)
        woken = wait_for_io(holder);
    ws__set_current_worker(outer);
    ws_parker_unpark(&holder->parker);
    /* Registered fds that never became ready, and no timer: nothing
     * will ever happen; say so rather than spin. */
    return woken > 0 || timer ? 1 : 0;
}

int ws__sim_step(ws_runtime_t *rt)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < rt->nworkers; i++)
        n += runnable(&rt->workers[i]);
    bool pool = ws__blocking_has_queued(rt->blocking);
    uint32_t choices = n + (pool ? 1 : 0);
    if (choices == 0)
        return turn_idle_driver(rt);

    rt->sim_steps++;
    uint32_t pick = ws_rng_below(&rt->sim_rng, choices);
    if (pick == n) {
        ws__blocking_run_one(rt->blocking);
        return 1;
    }
    ws_worker_t *w = nth_runnable(rt, pick);
    ws_worker_t *outer = ws__set_current_worker(w);
    ws__worker_step(w);
    ws__set_current_worker(outer);
    return 1;
}
