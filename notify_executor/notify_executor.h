/*
 * notify_executor/notify_executor.h - the executor that waits for wakes
 * (lesson 6): Tokio's current_thread runtime, on one thread.
 *
 * The second executor of the progression spin -> notify -> workstealing.
 * Where the spin executor polls every task again and again, this one polls
 * a task only when its waker says it is worth it, and when no task is
 * ready it sleeps in the driver (epoll) until a timer, an I/O event or a
 * wake from another thread. A waiting program costs no CPU.
 *
 * It is used only through core/executor.h:
 *
 *     executor_config_t cfg = { .kind = &notify_executor_kind };
 *     executor_t *ex = executor_create(&cfg);
 *     executor_spawn(ex, &job.base, sizeof job, "job", NULL);
 *     executor_run(ex);            // 0, or -EDEADLK on a lost wakeup
 *     executor_destroy(ex);
 *
 * Threads. run, step, block_on, stats and destroy are called by one thread
 * at a time (the thread "driving" the executor). spawn and every waker work
 * from any thread: a wake from another thread goes through a locked remote
 * queue and interrupts the park. Stop the threads that may still wake this
 * executor's pending tasks before calling destroy.
 *
 * Lost wakeups. When every remaining task is pending and nothing holds its
 * waker (core/task.h: task_is_lost), and neither the driver nor another
 * thread can wake anything, run and block_on name each such task on stderr
 * and return -EDEADLK instead of sleeping forever.
 *
 * Tests: tests/test_notify.c.
 */
#ifndef ASYNCLAB_NOTIFY_EXECUTOR_H
#define ASYNCLAB_NOTIFY_EXECUTOR_H

#include "core/executor.h"

extern const executor_kind_t notify_executor_kind;

#endif
