/*
 * bench/workload.h - the benchmark workloads of docs/benchmarks.md.
 *
 * The same shapes Tokio measures its scheduler with (its benches/
 * rt_multi_threaded.rs), plus timers and a TCP echo, written once against
 * core/executor.h so that every executor runs exactly the same code:
 *
 *   setup ──> iteration x (2 warm-up + K timed) ──> teardown
 *   (once,        (each one is a block_on, or         (once)
 *    untimed)      spawns from outside + block_on)
 *
 * `asynclab bench` (cli/cmd_bench.c) times each iteration and prints the
 * median and the minimum.
 *
 * Tests: tests/test_workload.c runs each workload once on each executor.
 */
#ifndef ASYNCLAB_BENCH_WORKLOAD_H
#define ASYNCLAB_BENCH_WORKLOAD_H

#include "core/executor.h"

typedef struct workload {
    const char *name;  /* "spawn_many_local" */
    const char *shape; /* one line for --help */
    int size;          /* its docs/benchmarks.md size: tasks, pairs, depth,
                          clients; what `bench --scaling` varies */
    /*
     * Prepare what lives across iterations (the echo server). May be
     * NULL. Returns 0 or -errno; *state is passed to the other two.
     */
    int (*setup)(executor_t *ex, void **state);
    /* One iteration of the given size, run to the end. 0, or -errno. */
    int (*iteration)(executor_t *ex, void *state, int size);
    void (*teardown)(executor_t *ex, void *state); /* may be NULL */
    /*
     * The lower bound: the same work of the given size by direct calls on
     * one thread, with no scheduler (each future allocated, polled to the
     * end with a no-op waker, freed). NULL where waiting dominates
     * (timers, tcp_echo). 0 or -errno.
     */
    int (*baseline)(int size);
    const char *unit; /* what overhead is counted per: "task", "yield" */
    int units;        /* units per unit of size (yield_many: 1,000) */
    const char *no_sim; /* NULL, or why it cannot run in virtual time */
} workload_t;

/* tcp_echo's no_sim, also its scenario's (scenarios/scenario_workloads.c). */
#define WORKLOAD_TCP_NO_SIM                                                    \
    "talks over real loopback sockets, which virtual time cannot pace"

/* The seven workloads, in docs/benchmarks.md order; ends with NULL. */
extern const workload_t *const workload_table[];

/*
 * Variants of a workload that change one condition, run by `bench all`
 * after the seven; ends with NULL. yield_many_driver: yield_many while
 * one task waits on an idle eventfd the whole time, so that busy workers
 * turn the I/O driver as they go, as Tokio 1.24's do (docs/benchmarks.md,
 * "What a yield costs").
 */
extern const workload_t *const workload_variants[];

/* A workload or a variant by name; NULL when there is none. */
const workload_t *workload_by_name(const char *name);

/* yield_many with 10 yields per task: what `bench --scaling` grows to a
 * million tasks. Not in workload_table. */
extern const workload_t workload_yield_few;

#endif
