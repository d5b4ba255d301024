/*
 * bench/workload.h - the benchmark workloads of shared/BENCHMARKS.md.
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
    /*
     * Prepare what lives across iterations (the echo server). May be
     * NULL. Returns 0 or -errno; *state is passed to the other two.
     */
    int (*setup)(executor_t *ex, void **state);
    /* One iteration, run to the end. 0, or -errno from the executor. */
    int (*iteration)(executor_t *ex, void *state);
    void (*teardown)(executor_t *ex, void *state); /* may be NULL */
} workload_t;

/* Every workload, in BENCHMARKS.md order; ends with NULL. */
extern const workload_t *const workload_table[];

const workload_t *workload_by_name(const char *name);

#endif
