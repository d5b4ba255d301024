/*
 * lessons/12-mutex-notify/example.c - the async mutex and Notify, at work
 * on one thread.
 *
 *     asynclab lesson 12 --run
 *
 * 1. A pthread mutex held across an await: the next task that wants it
 *    would block the only thread, and the holder could never run again.
 * 2. The async mutex (sync/mutex.h) held across a sleep: the others wait
 *    as tasks, in a line, and each unlock hands the lock to the oldest.
 * 3. Waiters dropped: one aborted while it waits leaves the line; one
 *    aborted after the lock was handed to it passes the lock on.
 * 4. Notify (sync/notify.h): notify_one before the wait is kept as a
 *    permit; notify_waiters before the wait is not, which is the lost
 *    notification, and how to create the future first to avoid it.
 *
 * Everything runs on the notify executor with a virtual clock: the times
 * printed are the driver's milliseconds, the same on every run.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "bench/executors.h"
#include "core/async.h"
#include "core/executor.h"
#include "core/task.h"
#include "driver/driver.h"
#include "driver/time.h"
#include "sync/mutex.h"
#include "sync/notify.h"

static void say(const char *who, const char *what)
{
    printf("  [%3llu ms] %-4s %s\n",
           (unsigned long long)driver_now_ms(driver_current()), who, what);
}

static executor_t *new_executor(void)
{
    executor_config_t cfg = {.kind = executor_kind_by_name("notify"),
                             .virtual_time = true};
    return executor_create(&cfg);
}

/* ---- 1. a pthread mutex across an await ------------------------------------ */

static pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;

typedef struct plain_user {
    future_t base;
    async_t async;
    const char *name;
} plain_user_t;

static poll_t plain_poll(future_t *f, context_t *cx)
{
    plain_user_t *self = (plain_user_t *)f;
    ASYNC_BEGIN(self);
    if (pthread_mutex_trylock(&plain) == EBUSY) {
        say(self->name, "pthread_mutex_lock would block the thread here, "
                        "and the holder");
        say("", "runs on this same thread: a deadlock. (trylock said "
                "EBUSY.)");
        return POLL_READY;
    }
    say(self->name, "locked the pthread mutex, and awaits (yields) "
                    "holding it");
    YIELD_NOW(self, cx);
    pthread_mutex_unlock(&plain);
    say(self->name, "unlocked it");
    ASYNC_END(self);
}

static void part1(void)
{
    printf("1. A pthread mutex held across an await\n");
    executor_t *ex = new_executor();
    plain_user_t a = {.base = {plain_poll, NULL}, .name = "A"};
    plain_user_t b = {.base = {plain_poll, NULL}, .name = "B"};
    executor_spawn(ex, &a.base, sizeof a, "A", NULL);
    executor_spawn(ex, &b.base, sizeof b, "B", NULL);
    executor_run(ex);
    executor_destroy(ex);
}

/* ---- 2 and 3. the async mutex ------------------------------------------------- */

static mutex_t m;

typedef struct locker {
    future_t base;
    async_t async;
    const char *name;
    int arrive_ms; /* sleeps this long before asking for the lock */
    int hold_ms;   /* holds it this long (a sleep: an await) */
    join_handle_t *kill_waiting; /* part 3: abort it before unlocking */
    join_handle_t *kill_handed;  /* part 3: abort it right after */
    bool waiting; /* `lock` is pending: drop it if we are aborted */
    sleep_t sleep;
    mutex_lock_t lock;
} locker_t;

static poll_t locker_poll(future_t *f, context_t *cx)
{
    locker_t *self = (locker_t *)f;
    ASYNC_BEGIN(self);
    sleep_init(&self->sleep, (uint64_t)self->arrive_ms);
    AWAIT(self, cx, &self->sleep.base);
    say(self->name, "asks for the lock");
    mutex_lock_init(&self->lock, &m);
    self->waiting = true;
    AWAIT(self, cx, &self->lock.base);
    self->waiting = false;
    say(self->name, "holds the lock");
    sleep_init(&self->sleep, (uint64_t)self->hold_ms);
    AWAIT(self, cx, &self->sleep.base);
    if (self->kill_waiting != NULL) {
        join_handle_abort(self->kill_waiting);
        say(self->name, "aborts C, which waits in line");
    }
    mutex_unlock(&m);
    say(self->name, "unlocks");
    if (mutex_try_lock(&m) == -EBUSY)
        say(self->name, "tries to lock again at once: EBUSY, it was handed "
                        "on already");
    else
        mutex_unlock(&m);
    if (self->kill_handed != NULL) {
        join_handle_abort(self->kill_handed);
        say(self->name, "aborts B, which it just handed the lock to");
    }
    ASYNC_END(self);
}

static void locker_drop(future_t *f)
{
    locker_t *self = (locker_t *)f;
    if (self->waiting) {
        say(self->name, "is dropped, and its pending lock future with it");
        future_drop(&self->lock.base); /* leaves the line, or passes it on */
    }
    future_drop(&self->sleep.base);
}

static void spawn_locker(executor_t *ex, locker_t l, join_handle_t *h)
{
    l.base = (future_t){locker_poll, locker_drop};
    l.hold_ms = 10;
    sleep_init(&l.sleep, 0);
    executor_spawn(ex, &l.base, sizeof l, l.name, h);
}

static void part2(void)
{
    printf("\n2. The async mutex held across a 10 ms sleep: A, then B C D "
           "in line\n");
    executor_t *ex = new_executor();
    mutex_init(&m);
    spawn_locker(ex, (locker_t){.name = "C", .arrive_ms = 2}, NULL);
    spawn_locker(ex, (locker_t){.name = "A", .arrive_ms = 0}, NULL);
    spawn_locker(ex, (locker_t){.name = "D", .arrive_ms = 3}, NULL);
    spawn_locker(ex, (locker_t){.name = "B", .arrive_ms = 1}, NULL);
    executor_run(ex);
    executor_destroy(ex);
    mutex_destroy(&m);
}

static void part3(void)
{
    printf("\n3. Dropped waiters: A aborts C while C is in line, and B "
           "right after\n   handing B the lock\n");
    executor_t *ex = new_executor();
    mutex_init(&m);
    join_handle_t hb, hc;
    spawn_locker(ex, (locker_t){.name = "B", .arrive_ms = 1}, &hb);
    spawn_locker(ex, (locker_t){.name = "C", .arrive_ms = 2}, &hc);
    spawn_locker(ex, (locker_t){.name = "D", .arrive_ms = 3}, NULL);
    spawn_locker(ex,
                 (locker_t){.name = "A",
                            .arrive_ms = 0,
                            .kill_waiting = &hc,
                            .kill_handed = &hb},
                 NULL);
    executor_run(ex);
    join_handle_drop(&hb);
    join_handle_drop(&hc);
    executor_destroy(ex);
    mutex_destroy(&m);
}

/* ---- 4. notify ------------------------------------------------------------------ */

static notify_t n;
static bool ready; /* the condition a waiter waits for */

typedef struct waiter {
    future_t base;
    async_t async;
    bool future_first; /* create the notified future before the check */
    notified_t wait;
    timeout_t limit;
} waiter_t;

static poll_t waiter_poll(future_t *f, context_t *cx)
{
    waiter_t *self = (waiter_t *)f;
    ASYNC_BEGIN(self);
    if (self->future_first)
        notified_init(&self->wait, &n);
    if (ready) {
        say("W", "finds ready set: no need to wait");
        return POLL_READY;
    }
    say("W", "finds ready false; it does something else first (a yield)");
    YIELD_NOW(self, cx);
    if (!self->future_first)
        notified_init(&self->wait, &n);
    say("W", "waits for the notification (at most 100 ms)");
    timeout_init(&self->limit, &self->wait.base, 100);
    AWAIT(self, cx, &self->limit.base);
    say("W", self->limit.timed_out ? "timed out: the notification was LOST"
                                   : "was notified");
    ASYNC_END(self);
}

static void waiter_drop(future_t *f)
{
    waiter_t *self = (waiter_t *)f;
    future_drop(&self->limit.base);
    future_drop(&self->wait.base);
}

typedef struct notifier {
    future_t base;
    bool all; /* notify_waiters instead of notify_one */
} notifier_t;

static poll_t notifier_poll(future_t *f, context_t *cx)
{
    notifier_t *self = (notifier_t *)f;
    (void)cx;
    ready = true;
    if (self->all)
        notify_waiters(&n);
    else
        notify_one(&n);
    say("N", self->all ? "sets ready, calls notify_waiters"
                       : "sets ready, calls notify_one");
    return POLL_READY;
}

static void part4(const char *title, bool all, bool future_first)
{
    printf("\n%s\n", title);
    executor_t *ex = new_executor();
    notify_init(&n);
    ready = false;
    /* wait and limit stay zero (no drop) until the poll makes them */
    waiter_t w = {.base = {waiter_poll, waiter_drop},
                  .future_first = future_first};
    notifier_t s = {.base = {notifier_poll, NULL}, .all = all};
    executor_spawn(ex, &w.base, sizeof w, "W", NULL);
    executor_spawn(ex, &s.base, sizeof s, "N", NULL);
    executor_run(ex);
    executor_destroy(ex);
    notify_destroy(&n);
}

int main(void)
{
    part1();
    part2();
    part3();
    part4("4a. notify_one while W is busy elsewhere: the permit keeps it",
          false, false);
    part4("4b. notify_waiters while W is busy elsewhere: lost", true, false);
    part4("4c. the same, with W's notified future created before its check",
          true, true);
    return 0;
}
