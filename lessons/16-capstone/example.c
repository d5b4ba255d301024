/*
 * lessons/16-capstone/example.c - one workload, three executors.
 *
 *     asynclab lesson 16 --run
 *
 * The capstone workload - 40 jobs that sleep, yield 3 times and send a
 * value to a collector - with the job written here BY HAND, as an
 * explicit state machine (the README shows the macro version). It runs
 * on spin, notify and ws, twice:
 *
 *   real time   wall and CPU are measured: where the time goes
 *   virtual     a virtual clock (ws: the seeded simulation): every counter
 *               is exact and the same on every run
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/executors.h"
#include "core/async.h"
#include "core/executor.h"
#include "core/trace.h"
#include "driver/time.h"
#include "sync/mpsc.h"

/* ---- the workload -------------------------------------------------------- */

#define JOBS   40
#define YIELDS 3

typedef struct job {
    future_t base; /* first: poll is job_poll */
    async_t async;
    int id;
    int i;        /* a loop counter that survives AWAIT and YIELD_NOW */
    sleep_t nap;  /* initialise in the poll, before awaiting it */
    mpsc_tx_t tx; /* owned: this job's sender */
    int value;    /* what is sent: id * id */
    mpsc_send_t send;
} job_t;

static poll_t job_poll(future_t *f, context_t *cx); /* below, by hand */

static void job_drop(future_t *f)
{
    mpsc_tx_drop(&((job_t *)f)->tx);
}

static void job_init(job_t *j, int id, mpsc_tx_t tx)
{
    *j = (job_t){
        .base = {.poll = job_poll, .drop = job_drop}, .id = id, .tx = tx};
}

/* ---- the root: spawns the jobs, sums what they send ---------------------- */

typedef struct capstone {
    future_t base;
    async_t async;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    int value;
    mpsc_recv_t recv;
    long sum;     /* output */
    int received; /* output */
} capstone_t;

static poll_t capstone_poll(future_t *f, context_t *cx)
{
    capstone_t *c = (capstone_t *)f;
    ASYNC_BEGIN(c);
    for (int id = 0; id < JOBS; id++) {
        mpsc_tx_t tx;
        mpsc_tx_clone(&c->tx, &tx);
        job_t j;
        job_init(&j, id, tx);
        if (spawn(&j.base, sizeof j, "job", NULL) != 0)
            mpsc_tx_drop(&tx);
    }
    mpsc_tx_drop(&c->tx);
    for (;;) {
        mpsc_recv_init(&c->recv, &c->rx, &c->value);
        AWAIT(c, cx, &c->recv.base);
        if (c->recv.result != 0)
            break;
        c->sum += c->value;
        c->received++;
    }
    mpsc_rx_drop(&c->rx);
    ASYNC_END(c);
}

static int capstone_init(capstone_t *c)
{
    *c = (capstone_t){.base = {.poll = capstone_poll, .drop = NULL}};
    return mpsc_channel(sizeof(int), 4, &c->tx, &c->rx);
}

/* ---- the job, by hand ---------------------------------------------------- */

enum { START, SLEEPING, YIELDING, SENDING };

static poll_t job_poll(future_t *f, context_t *cx)
{
    job_t *j = (job_t *)f;
    switch (j->async) {
    case START:
        sleep_init(&j->nap, (uint64_t)(j->id % 5) * 10);
        j->async = SLEEPING;
        /* fall through */
    case SLEEPING:
        if (future_poll(&j->nap.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        j->async = YIELDING;
        /* fall through */
    case YIELDING:
        if (j->i < YIELDS) {
            j->i++;
            waker_wake_by_ref(cx->waker); /* a yield */
            return POLL_PENDING;
        }
        j->value = j->id * j->id;
        mpsc_send_init(&j->send, &j->tx, &j->value);
        j->async = SENDING;
        /* fall through */
    case SENDING:
        return future_poll(&j->send.base, cx);
    }
    return POLL_READY;
}

/* ---- running it ---------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void run(const char *kind, bool virtual_time)
{
    bool ws = strcmp(kind, "ws") == 0;
    trace_hash_sink_t hash;
    trace_hash_sink_init(&hash);
    executor_config_t cfg = {.kind = executor_kind_by_name(kind),
                             .workers = 2,
                             .sim = ws && virtual_time,
                             .seed = 1,
                             .virtual_time = virtual_time,
                             .trace = ws && virtual_time ? &hash.sink : NULL};
    executor_t *ex = executor_create(&cfg);
    capstone_t c;
    capstone_init(&c);
    double w0 = now_ms(), c0 = cpu_ms();
    executor_block_on(ex, &c.base);
    double wall = now_ms() - w0, cpu = cpu_ms() - c0;
    executor_stats_t s;
    executor_stats(ex, &s);
    executor_destroy(ex);
    if (!virtual_time)
        printf("%-7s %7.0f %7.0f %8llu %8llu %6llu %6llu %6llu %6llu\n", kind,
               wall, cpu, (unsigned long long)s.polls,
               (unsigned long long)s.pending_polls,
               (unsigned long long)s.self_wakes, (unsigned long long)s.steals,
               (unsigned long long)s.parks,
               (unsigned long long)s.max_queue_depth);
    else
        printf("%-7s %7s %7s %8llu %8llu %6llu %6llu %6llu %6llu   sum %ld\n",
               kind, "-", "-", (unsigned long long)s.polls,
               (unsigned long long)s.pending_polls,
               (unsigned long long)s.self_wakes, (unsigned long long)s.steals,
               (unsigned long long)s.parks,
               (unsigned long long)s.max_queue_depth, c.sum);
}

static void header(const char *title)
{
    printf("%s\n%-7s %7s %7s %8s %8s %6s %6s %6s %6s\n", title, "", "wall",
           "cpu", "polls", "wasted", "self", "steals", "parks", "max q");
    printf("%-7s %7s %7s %8s %8s %6s %6s %6s %6s\n", "", "ms", "ms", "", "",
           "wakes", "", "", "depth");
}

int main(void)
{
    static const char *const kinds[] = {"spin", "notify", "ws"};
    header("real time:");
    for (int i = 0; i < 3; i++)
        run(kinds[i], false);
    printf("\n");
    header("virtual time (ws simulated, seed 1): exact, reproducible");
    for (int i = 0; i < 3; i++)
        run(kinds[i], true);
    return 0;
}
