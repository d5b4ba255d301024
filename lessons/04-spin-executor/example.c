/*
 * lessons/04-spin-executor/example.c - the spin executor, step by step,
 * then at full speed.
 *
 *     asynclab lesson 4 --run
 *
 * 1. Three widget tasks, stepped one scheduling decision at a time
 *    (executor_step), printing the stats after each: the deque goes round.
 * 2. Ten tasks that sleep 100 ms with the naive sleep (scenarios/naive_sleep.c,
 *    which just checks the clock): they finish on time, and the executor
 *    makes hundreds of thousands of wasted polls meanwhile, at 100% CPU.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "scenarios/naive_sleep.h"
#include "scenarios/widget.h"
#include "core/executor.h"
#include "spin_executor/spin_executor.h"

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static executor_t *spin_new(void)
{
    executor_config_t cfg = {.kind = &spin_executor_kind};
    return executor_create(&cfg);
}

static void stepping(void)
{
    executor_t *ex = spin_new();
    widget_tally_t tally;
    widget_tally_init(&tally);
    for (int i = 0; i < 3; i++) {
        widget_task_t t;
        widget_task_init_async(&t, i, 10 * (i + 1), &tally);
        executor_spawn(ex, &t.base, sizeof t, "widget", NULL);
    }
    printf("1. three widget tasks, PENDING 0, 1 and 2 times:\n");
    executor_stats_t st;
    for (int step = 1; executor_step(ex) == 1; step++) {
        executor_stats(ex, &st);
        printf("   step %d: polls %llu, wasted %llu, completed %llu\n", step,
               (unsigned long long)st.polls,
               (unsigned long long)st.pending_polls,
               (unsigned long long)st.completed);
    }
    printf("   sum of the widgets: %llu\n\n",
           (unsigned long long)atomic_load(&tally.sum));
    executor_destroy(ex);
}

static void sleeping(void)
{
    executor_t *ex = spin_new();
    for (int i = 0; i < 10; i++) {
        naive_sleep_t s;
        naive_sleep_init(&s, 100);
        executor_spawn(ex, &s.base, sizeof s, "naive-sleep", NULL);
    }
    double w0 = wall_ms(), c0 = cpu_ms();
    executor_run(ex);
    double wall = wall_ms() - w0, cpu = cpu_ms() - c0;
    executor_stats_t st;
    executor_stats(ex, &st);
    printf("2. ten tasks sleeping 100 ms (naive sleep):\n"
           "   wall %.0f ms, CPU %.0f ms (%.0f%% of a core)\n"
           "   polls %llu, of which wasted %llu and useful %llu (the last of each task):\n"
           "   %.0f polls per task per ms\n",
           wall, cpu, 100 * cpu / wall, (unsigned long long)st.polls,
           (unsigned long long)st.pending_polls,
           (unsigned long long)(st.polls - st.pending_polls),
           (double)st.polls / 10 / wall);
    executor_destroy(ex);
}

int main(void)
{
    stepping();
    sleeping();
    printf("\nNow compare with an executor that waits for wakes:\n"
           "  asynclab compare sleepers --executors spin,notify\n");
    return 0;
}
