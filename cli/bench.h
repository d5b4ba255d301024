/*
 * cli/bench.h - private to cli/: the extra reports of `asynclab bench`
 * (cli/bench_scaling.c). Each prints its lines and returns 0 or -errno.
 */
#ifndef ASYNCLAB_CLI_BENCH_H
#define ASYNCLAB_CLI_BENCH_H

/* ns per task for 1,000 ... max_tasks tasks on 1, 2 and 4 workers. */
int bench_scaling(const char *executor, int max_tasks);

/* Bytes per task, and the resident memory of `tasks` pending tasks. */
int bench_memory(const char *executor, int workers, int tasks);

#endif
