/*
 * scenarios/demo.h - small futures that each show one scheduling concept, for
 * the visualizer's scenarios (imbalance, pingpong, timers, blocking,
 * yield, tour) and the lessons that open them.
 *
 *   demo_yielder_t   works a little, then yields, `rounds` times: a busy
 *                    task; every wake is a self-wake
 *   demo_sleeper_t   sleeps `ms` on the driver's timer, `rounds` times:
 *                    the driver, the wheel, timer wakes
 *   demo_blocker_t   calls a blocking sleep inside its poll: it holds its
 *                    worker (the visualizer warns; a ws runtime's other
 *                    workers steal the queue it cannot serve)
 *   demo_pinger_t    two tasks passing a number back and forth over two
 *                    channels: each wakes the other from inside its poll,
 *                    so on ws the woken one goes to the LIFO slot (until
 *                    the cap of 3 LIFO polls in a row)
 *
 * Each finished task adds one to the `done` counter it was given.
 * Init functions only fill the struct; spawn it by value (executor_spawn,
 * or spawn() from inside a task).
 *
 * Tests: tests/viz.sh and tests/cli.sh run the scenarios built on these.
 */
#ifndef ASYNCLAB_SCENARIOS_DEMO_H
#define ASYNCLAB_SCENARIOS_DEMO_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/async.h"
#include "core/future.h"
#include "driver/time.h"
#include "sync/mpsc.h"

typedef atomic_uint_fast64_t demo_count_t;

typedef struct demo_yielder {
    future_t base;
    async_t async;
    int64_t rounds, i; /* wide: imbalance's heavy tasks yield 8 x --rounds */
    uint64_t work; /* kept, so the work is not optimised away */
    demo_count_t *done;
} demo_yielder_t;

void demo_yielder_init(demo_yielder_t *y, int64_t rounds, uint64_t seed,
                       demo_count_t *done);

typedef struct demo_sleeper {
    future_t base;
    async_t async;
    sleep_t nap;
    int rounds, i;
    uint64_t ms;
    demo_count_t *done;
} demo_sleeper_t;

void demo_sleeper_init(demo_sleeper_t *s, uint64_t ms, int rounds,
                       demo_count_t *done);

typedef struct demo_blocker {
    future_t base;
    async_t async;
    int rounds, i;
    int ms; /* blocked per poll */
    demo_count_t *done;
} demo_blocker_t;

void demo_blocker_init(demo_blocker_t *b, int ms, int rounds,
                       demo_count_t *done);

typedef struct demo_pinger {
    future_t base;
    async_t async;
    mpsc_tx_t tx; /* to the other one */
    mpsc_rx_t rx; /* from the other one */
    mpsc_recv_t recv;
    int rounds, i, ball;
    int serve; /* 1: sends first */
    demo_count_t *done;
} demo_pinger_t;

/*
 * Make a pair: a serves first, b answers; `rounds` exchanges. The pair owns
 * two channels (freed when both tasks are dropped). 0 or -ENOMEM.
 */
int demo_pingpong_init(demo_pinger_t *a, demo_pinger_t *b, int rounds,
                       demo_count_t *done);

#endif
