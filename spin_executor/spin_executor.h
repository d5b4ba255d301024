/*
 * spin_executor/spin_executor.h - the busy-loop executor (lesson 4).
 *
 * The first executor of the progression spin -> notify -> workstealing: a
 * deque of tasks polled round-robin, forever, until each one is READY. It
 * never waits for a wake, so it needs none (it hands out the no-op waker),
 * and it burns a core while its tasks wait. Its statistics show the cost:
 * every poll that answered PENDING is a "wasted poll".
 *
 * It is used only through core/executor.h:
 *
 *     executor_config_t cfg = { .kind = &spin_executor_kind };
 *     executor_t *ex = executor_create(&cfg);
 *
 * One thread: create, spawn, step, run, block_on and destroy are called on
 * the thread that created it (spawn also from inside its tasks).
 *
 * Tests: tests/test_spin.c.
 */
#ifndef ASYNCLAB_SPIN_EXECUTOR_H
#define ASYNCLAB_SPIN_EXECUTOR_H

#include "core/executor.h"

extern const executor_kind_t spin_executor_kind;

#endif
