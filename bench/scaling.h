/*
 * bench/scaling.h - the extra reports of `asynclab bench` (scaling and memory)
 * (bench/scaling.c). Each prints its lines and returns 0 or -errno.
 */
#ifndef ASYNCLAB_BENCH_SCALING_H
#define ASYNCLAB_BENCH_SCALING_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds: what every bench timing reads. */
uint64_t bench_now_ns(void);

/* User + system CPU time of the whole process (every thread), in
 * microseconds, from getrusage(RUSAGE_SELF); 0 if it fails. */
uint64_t bench_cpu_us(void);

/* Sort n timings ascending: sorted[n/2] is the median, sorted[0] the min. */
void bench_sort(uint64_t *v, size_t n);

/* ns per task for 1,000 ... max_tasks tasks on 1, 2 and 4 workers. */
int bench_scaling(const char *executor, int max_tasks);

/* Bytes per task, and the resident memory of `tasks` pending tasks. */
int bench_memory(const char *executor, int workers, int tasks);

#endif
