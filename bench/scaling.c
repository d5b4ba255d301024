/*
 * bench/scaling.c - `asynclab bench --scaling` and `--memory`: how the
 * cost of a task grows with the number of tasks and workers, and what a
 * task costs in bytes.
 *
 *   --scaling  spawn_many_local and yield_few (10 yields per task) with
 *              1,000 ... 1,000,000 tasks on 1, 2 and 4 workers; ns per
 *              task (per yield). Flat rows mean no O(n) structure on the
 *              hot path.
 *   --memory   the size of a task's header, future and trailer, and the
 *              resident memory of 1,000,000 pending tasks.
 *
 * Tests: tests/cli.sh runs both with small limits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench/executors.h"
#include "bench/workload.h"
#include "bench/scaling.h"
#include "core/async.h"
#include "sync/oneshot.h"

/* ---- scaling ------------------------------------------------------------------- */

#define SCALING_RUNS 3

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_cpu_us(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    uint64_t user = (uint64_t)ru.ru_utime.tv_sec * 1000000u +
                    (uint64_t)ru.ru_utime.tv_usec;
    uint64_t sys = (uint64_t)ru.ru_stime.tv_sec * 1000000u +
                   (uint64_t)ru.ru_stime.tv_usec;
    return user + sys;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void bench_sort(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
}

/* Median ns of SCALING_RUNS iterations of w at size n, after a warm-up. */
static int median_ns(executor_t *ex, const workload_t *w, int n,
                     uint64_t *out)
{
    uint64_t t[SCALING_RUNS];
    for (int i = -1; i < SCALING_RUNS; i++) {
        uint64_t start = bench_now_ns();
        int err = w->iteration(ex, NULL, n);
        if (err != 0)
            return err;
        if (i >= 0)
            t[i] = bench_now_ns() - start;
    }
    bench_sort(t, SCALING_RUNS);
    *out = t[SCALING_RUNS / 2];
    return 0;
}

static int scale_one(const executor_kind_t *kind, const char *name,
                     const workload_t *w, int workers, int max_tasks)
{
    executor_config_t cfg = {.kind = kind, .workers = workers};
    executor_t *ex = executor_create(&cfg);
    if (ex == NULL)
        return -ENOMEM;
    int err = 0;
    for (int n = 1000; err == 0 && n <= max_tasks; n *= 10) {
        uint64_t ns;
        err = median_ns(ex, w, n, &ns);
        if (err == 0)
            printf("scaling %s peer=asynclab-%s workers=%d tasks=%d "
                   "median_us=%" PRIu64 " ns_per_%s=%.1f\n",
                   w->name, name, workers, n, ns / 1000, w->unit,
                   (double)ns / ((double)n * w->units));
        fflush(stdout);
    }
    executor_destroy(ex);
    return err;
}

int bench_scaling(const char *executor, int max_tasks)
{
    const executor_kind_t *kind = executor_kind_by_name(executor);
    const workload_t *list[] = {workload_by_name("spawn_many_local"),
                                &workload_yield_few};
    static const int workers[] = {1, 2, 4};
    int kinds = strcmp(executor, "ws") == 0 ? 3 : 1; /* others: 1 thread */
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        for (int k = 0; k < kinds; k++) {
            int err = scale_one(kind, executor, list[i], workers[k],
                                max_tasks);
            if (err != 0)
                return err;
        }
    }
    return 0;
}

/* ---- memory -------------------------------------------------------------------- */

/*
 * A task that stays pending for good, holding its own waker (so it is not
 * a lost wakeup): what a million idle connections look like. The first
 * poll counts down, so the caller knows when every task has parked. The
 * count lives on the heap: it must outlive the caller's frame when a
 * spawn fails and some tasks are still to be polled.
 */
typedef struct parking_lot {
    atomic_int left;
    oneshot_tx_t all_parked;
} parking_lot_t;

typedef struct idle_task {
    future_t base;
    waker_t waker;
    parking_lot_t *lot;
} idle_task_t;

static poll_t idle_task_poll(future_t *f, context_t *cx)
{
    idle_task_t *self = (idle_task_t *)f;
    if (!waker_is_set(&self->waker)) {
        self->waker = waker_clone(cx->waker);
        parking_lot_t *lot = self->lot;
        if (atomic_fetch_sub_explicit(&lot->left, 1, memory_order_acq_rel) ==
            1)
            oneshot_send(&lot->all_parked, 0);
    }
    return POLL_PENDING;
}

static void idle_task_drop(future_t *f)
{
    waker_drop(&((idle_task_t *)f)->waker);
}

static uint64_t resident_bytes(void)
{
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Spawn n idle tasks from outside and wait until every one has parked. */
static int park_idle_tasks(executor_t *ex, parking_lot_t *lot, int n)
{
    oneshot_rx_t rx;
    atomic_init(&lot->left, n);
    if (oneshot_channel(&lot->all_parked, &rx) != 0)
        return -ENOMEM;
    idle_task_t t = {.base = {idle_task_poll, idle_task_drop}, .lot = lot};
    int err = 0;
    for (int i = 0; i < n && err == 0; i++)
        err = executor_spawn(ex, &t.base, sizeof t, "idle", NULL);
    if (err != 0)
        future_drop(&t.base); /* refused: still ours */
    if (err == 0)
        err = executor_block_on(ex, &rx.base);
    oneshot_rx_drop(&rx);
    return err;
}

int bench_memory(const char *executor, int workers, int tasks)
{
    printf("memory task_header_bytes=%zu future_offset=%zu "
           "trailer_bytes=%zu\n",
           sizeof(task_t), (size_t)TASK_FUTURE_OFFSET,
           sizeof(task_trailer_t));
    executor_config_t cfg = {.kind = executor_kind_by_name(executor),
                             .workers = workers};
    parking_lot_t *lot = calloc(1, sizeof *lot);
    executor_t *ex = lot != NULL ? executor_create(&cfg) : NULL;
    if (ex == NULL) {
        free(lot);
        return -ENOMEM;
    }
    uint64_t before = resident_bytes();
    int err = park_idle_tasks(ex, lot, tasks);
    uint64_t after = resident_bytes();
    if (err == 0)
        printf("memory peer=asynclab-%s pending_tasks=%d future_bytes=%zu "
               "rss_mib=%.1f bytes_per_task=%.0f\n",
               executor, tasks, sizeof(idle_task_t),
               (double)(after - before) / (1024.0 * 1024.0),
               (double)(after - before) / tasks);
    executor_destroy(ex); /* frees every pending task */
    oneshot_tx_drop(&lot->all_parked); /* a no-op once sent */
    free(lot);
    return err;
}
