/*
 * workstealing/lock.h - a lock for critical sections of a few pointer
 * writes: the owned-task shards and the inject queue. Private to
 * workstealing/.
 *
 * A task that waits is listed on an owned shard under its lock and taken
 * off under it again; a spawn from outside a worker takes the inject
 * queue's lock. What they guard is a handful of stores. A pthread mutex
 * lock and unlock pair costs about 55 instructions here (glibc checks the
 * mutex type, the owner, robustness) against 5 for this one: on
 * chained_spawn, when every task was listed, the two pairs per task were
 * a sixth of all instructions (valgrind --tool=callgrind). A batch pop
 * from the inject queue walks its list outside the lock (inject.c), so
 * no section here is longer than a few stores.
 *
 *     free (0) ──exchange(1) by the locker──> held (1) ──store(0)──> free
 *                 fails while held: spin on a plain load, then yield
 *
 * The price is what a spinlock always risks: if the holder is preempted
 * inside its few instructions, a waiter burns its time slice. So a waiter
 * spins only briefly (a pause, reading without writing so the line stays
 * shared) and then gives its core away with sched_yield, which lets a
 * preempted holder run on a machine with more threads than cores.
 * parking_lot (Rust) and Go's runtime locks make the same trade, with a
 * futex sleep where we yield; our sections never block, so yielding is
 * enough. The simple version is a pthread_mutex_t, and it is correct
 * everywhere this is used.
 *
 * Tests: tests/test_ring.c (the inject queue), tests/test_ws.c.
 */
#ifndef ASYNCLAB_WORKSTEALING_LOCK_H
#define ASYNCLAB_WORKSTEALING_LOCK_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct ws_lock {
    atomic_bool held;
} ws_lock_t;

#define WS_LOCK_SPINS 64 /* looks before each yield: a few hundred ns */

static inline void ws_lock_init(ws_lock_t *l)
{
    atomic_init(&l->held, false);
}

/* A spin-wait hint to the CPU: a waiting core backs off the cache line
 * and leaves the pipeline to its hyperthread sibling. */
static inline void ws_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline void ws_lock(ws_lock_t *l)
{
    /* Acquire: pairs with ws_unlock's release; we see everything the last
     * holder wrote under the lock. */
    while (atomic_exchange_explicit(&l->held, true, memory_order_acquire)) {
        int spins = 0;
        /* Relaxed: only a hint that trying again is worth it. */
        while (atomic_load_explicit(&l->held, memory_order_relaxed)) {
            if (++spins < WS_LOCK_SPINS) {
                ws_cpu_relax();
            } else {
                spins = 0;
                sched_yield(); /* the holder may be waiting for our core */
            }
        }
    }
}

static inline void ws_unlock(ws_lock_t *l)
{
    /* Release: publishes the critical section to the next locker. */
    atomic_store_explicit(&l->held, false, memory_order_release);
}

#endif
