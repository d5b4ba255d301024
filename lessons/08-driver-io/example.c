/*
 * lessons/08-driver-io/example.c - ten thousand connections, one thread.
 *
 *     asynclab lesson 8 --run
 *
 * Runs the c10k scenario (scenarios/scenario_c10k.c) on the notify executor:
 * an echo server and 10,000 clients on 127.0.0.1, all tasks of ONE
 * executor on ONE thread, every socket non-blocking and registered with
 * one epoll instance (driver/reactor.c). Each client connects, waits until
 * all are connected (so the 10,000 connections are truly open at once),
 * does 3 echo round trips, and closes.
 *
 * Then the same scenario, smaller, on the spin executor: it works too
 * (every EWOULDBLOCK just wakes the task again), at the price of a core.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/executors.h"
#include "scenarios/scenario.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void run(const char *kind, int connections)
{
    executor_config_t cfg = {.kind = executor_kind_by_name(kind)};
    executor_t *ex = executor_create(&cfg);
    scenario_params_t p;
    scenario_params_init(&p);
    p.connections = connections;
    p.rounds = 3;
    scenario_result_t res;
    double w0 = now_s(), c0 = cpu_s();
    int rc = scenario_by_name("c10k")->run(ex, &p, &res);
    double wall = now_s() - w0, cpu = cpu_s() - c0;
    executor_stats_t st;
    executor_stats(ex, &st);
    printf("%s executor: %s\n", kind, res.what);
    printf("  result %d; wall %.2f s, CPU %.2f s; polls %llu, wasted %llu, "
           "wakes %llu, parks %llu\n\n",
           rc, wall, cpu, (unsigned long long)st.polls,
           (unsigned long long)st.pending_polls, (unsigned long long)st.wakes,
           (unsigned long long)st.parks);
    executor_destroy(ex);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    run("notify", 10000);
    run("spin", 500);
    printf("Each connection is a task of a few hundred bytes, not a thread.\n"
           "The notify executor polls a task when epoll says its socket is "
           "ready;\nthe spin executor polls them all, always.\n");
    return 0;
}
