/*
 * lessons/06-notify-executor/example.c - the notify executor, one
 * scheduling decision at a time.
 *
 *     asynclab lesson 6 --run
 *
 * Three tasks sleep 30, 60 and 90 ms on the driver's timer wheel. We call
 * executor_step() and print what each step did: a poll, or a park in the
 * driver (epoll_wait until the next timer). Six polls and a few parks do
 * the whole job; the spin executor needs hundreds of thousands of polls
 * for the same (lesson 4). A park may return early (a timer wheel level
 * to cascade, lesson 7): it simply parks again.
 */
#include <stdio.h>
#include <time.h>

#include "core/executor.h"
#include "driver/time.h"
#include "notify_executor/notify_executor.h"

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void)
{
    executor_config_t cfg = {.kind = &notify_executor_kind};
    executor_t *ex = executor_create(&cfg);
    for (int i = 1; i <= 3; i++) {
        sleep_t nap;
        sleep_init(&nap, 30 * (uint64_t)i);
        executor_spawn(ex, &nap.base, sizeof nap, "sleeper", NULL);
    }
    double t0 = wall_ms();
    executor_stats_t before = {0}, after;
    for (int step = 1; executor_step(ex) == 1; step++) {
        executor_stats(ex, &after);
        const char *what = after.parks > before.parks ? "parked in the driver"
                           : after.completed > before.completed
                               ? "polled a task: READY"
                               : "polled a task: PENDING (timer armed)";
        printf("t=%3.0f ms  step %d: %-38s wakes so far %llu\n", wall_ms() - t0,
               step, what, (unsigned long long)after.wakes);
        before = after;
    }
    printf("\n%llu polls, %llu parks, %llu wakes for three sleeps.\n",
           (unsigned long long)after.polls, (unsigned long long)after.parks,
           (unsigned long long)after.wakes);
    executor_destroy(ex);
    return 0;
}
