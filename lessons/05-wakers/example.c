/*
 * lessons/05-wakers/example.c - what a waker is for, in three runs.
 *
 *     asynclab lesson 5 --run
 *
 * 1. A counting waker (core/waker.h) shows the four operations and who
 *    owns what: clone makes a waker you must drop or wake; wake consumes.
 * 2. The naive sleep (scenarios/naive_sleep.c) keeps no waker. The spin
 *    executor does not care (it polls everything anyway); the notify
 *    executor waits for a wake that never comes, and reports the task as a
 *    lost wakeup instead of hanging.
 * 3. The real sleep (driver/time.h) hands its waker to the driver's timer
 *    wheel: on the notify executor it is polled twice and costs no CPU.
 */
#include <errno.h>
#include <stdio.h>

#include "scenarios/naive_sleep.h"
#include "core/executor.h"
#include "driver/time.h"
#include "notify_executor/notify_executor.h"
#include "spin_executor/spin_executor.h"

static void show(const char *what, counting_waker_t *c)
{
    printf("   %-34s wakes %d, clones %d, drops %d, live %d\n", what,
           atomic_load(&c->wakes), atomic_load(&c->clones),
           atomic_load(&c->drops), atomic_load(&c->live));
}

static void four_operations(void)
{
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    printf("1. the four operations of a waker:\n");
    show("counting_waker()", &c);
    waker_t kept = waker_clone(&w);
    show("clone (a future keeps it)", &c);
    waker_wake_by_ref(&w);
    show("wake_by_ref (ours stays ours)", &c);
    waker_wake(&kept);
    show("wake the clone (consumes it)", &c);
    waker_t another = waker_clone(&w);
    waker_drop(&another);
    show("clone, then drop without waking", &c);
    printf("   live is back to 1: only the original is left.\n\n");
}

static void run_on(const executor_kind_t *kind, future_t *f, size_t size,
                   const char *what)
{
    executor_config_t cfg = {.kind = kind};
    executor_t *ex = executor_create(&cfg);
    executor_spawn(ex, f, size, what, NULL);
    int rc = executor_run(ex);
    executor_stats_t st;
    executor_stats(ex, &st);
    printf("   %-6s run -> %-9s polls %llu, wakes %llu\n", kind->name,
           rc == 0          ? "0 (done)"
           : rc == -EDEADLK ? "-EDEADLK"
                            : "error",
           (unsigned long long)st.polls, (unsigned long long)st.wakes);
    executor_destroy(ex);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* in step with stderr */
    four_operations();

    printf("2. the naive sleep (50 ms, keeps no waker):\n");
    naive_sleep_t naive;
    naive_sleep_init(&naive, 50);
    run_on(&spin_executor_kind, &naive.base, sizeof naive, "naive");
    naive_sleep_init(&naive, 50);
    fflush(stdout);
    run_on(&notify_executor_kind, &naive.base, sizeof naive, "naive");

    printf("\n3. the driver's sleep (50 ms, gives its waker to the timer "
           "wheel):\n");
    sleep_t nap;
    sleep_init(&nap, 50);
    run_on(&spin_executor_kind, &nap.base, sizeof nap, "sleep");
    sleep_init(&nap, 50);
    run_on(&notify_executor_kind, &nap.base, sizeof nap, "sleep");
    return 0;
}
