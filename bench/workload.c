/*
 * bench/workload.c - the workloads of docs/benchmarks.md, one section
 * each. Every task here is a small future written with core/async.h; the
 * shapes are Tokio's (benches/rt_multi_threaded.rs), the code our own.
 *
 * Most workloads end the same way: N tasks each count down a shared
 * counter and the one that reaches zero sends on a oneshot that the
 * block_on future awaits. That is a countdown_t.
 *
 * Tests: tests/test_workload.c.
 */
#include "bench/workload.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/async.h"
#include "driver/driver.h"
#include "driver/reactor.h"
#include "driver/time.h"
#include "sync/join.h"
#include "sync/oneshot.h"

/* ---- the countdown ------------------------------------------------------- */

typedef struct countdown {
    atomic_int left;   /* any task, atomic */
    oneshot_tx_t done; /* sent by the task that takes left to zero */
} countdown_t;

/* A block_on future that waits for the countdown to reach zero. */
typedef struct countdown_wait {
    future_t base;
    oneshot_rx_t done;
} countdown_wait_t;

static poll_t countdown_wait_poll(future_t *f, context_t *cx)
{
    countdown_wait_t *w = (countdown_wait_t *)f;
    return future_poll(&w->done.base, cx);
}

static int countdown_init(countdown_t *cd, int n, countdown_wait_t *w)
{
    atomic_init(&cd->left, n);
    w->base = (future_t){countdown_wait_poll, NULL};
    return oneshot_channel(&cd->done, &w->done);
}

/*
 * One task is done. acq_rel: the last one acquires every other task's
 * writes before it signals; the oneshot publishes them to the waiter.
 * The last one copies the sender out first: once it sends, the waiter
 * may return and the countdown (on its stack) is gone.
 */
static void countdown_hit(countdown_t *cd)
{
    if (atomic_fetch_sub_explicit(&cd->left, 1, memory_order_acq_rel) == 1) {
        oneshot_tx_t tx = cd->done;
        oneshot_send(&tx, 0);
    }
}

/* Count down the tasks a failed spawn left unborn, so the waiter wakes. */
static void countdown_skip(countdown_t *cd, int n)
{
    while (n-- > 0)
        countdown_hit(cd);
}

static int block_on_countdown(executor_t *ex, countdown_wait_t *w)
{
    int err = executor_block_on(ex, &w->base);
    oneshot_rx_drop(&w->done);
    return err;
}

/* A task that only counts down. */
typedef struct hit_task {
    future_t base;
    countdown_t *cd;
} hit_task_t;

static poll_t hit_task_poll(future_t *f, context_t *cx)
{
    (void)cx;
    countdown_hit(((hit_task_t *)f)->cd);
    return POLL_READY;
}

/*
 * Spawn n hit tasks on the current executor; on a failed spawn, count the
 * rest down and return the error.
 */
static int spawn_hits(countdown_t *cd, int n)
{
    hit_task_t t = {{hit_task_poll, NULL}, cd};
    for (int i = 0; i < n; i++) {
        int err = spawn(&t.base, sizeof t, "hit", NULL);
        if (err != 0) {
            countdown_skip(cd, n - i);
            return err;
        }
    }
    return 0;
}

/*
 * The baselines: the same work by direct calls on one thread, no
 * scheduler. Allocate the future as spawn would, poll it to the end with a
 * no-op waker, free it. What a runtime costs is its time minus this.
 */
static poll_t poll_once(future_t *f)
{
    waker_t noop = waker_noop();
    context_t cx = {.waker = &noop};
    return future_poll(f, &cx);
}

/* malloc + copy, as a spawn's one allocation. */
static future_t *boxed(const future_t *f, size_t size)
{
    future_t *b = malloc(size);
    if (b != NULL)
        memcpy(b, f, size);
    return b;
}

/* ---- spawn_many_local ---------------------------------------------------------
 * From block_on, spawn 10,000 tasks; each counts down; the last signals.
 */

#define SPAWN_MANY 10000

typedef struct spawner_root {
    future_t base;
    async_t async;
    int tasks;
    countdown_t cd;
    countdown_wait_t wait;
    int err;
} spawner_root_t;

static poll_t spawner_root_poll(future_t *f, context_t *cx)
{
    spawner_root_t *self = (spawner_root_t *)f;
    ASYNC_BEGIN(self);
    self->err = spawn_hits(&self->cd, self->tasks);
    AWAIT(self, cx, &self->wait.base);
    ASYNC_END(self);
}

static int spawn_many_local(executor_t *ex, void *state, int tasks)
{
    (void)state;
    spawner_root_t root = {.base = {spawner_root_poll, NULL}, .tasks = tasks};
    if (countdown_init(&root.cd, tasks, &root.wait) != 0)
        return -ENOMEM;
    int err = executor_block_on(ex, &root.base);
    oneshot_rx_drop(&root.wait.done);
    return err != 0 ? err : root.err;
}

static int spawn_many_local_baseline(int tasks)
{
    countdown_t cd;
    countdown_wait_t wait;
    if (countdown_init(&cd, tasks, &wait) != 0)
        return -ENOMEM;
    hit_task_t t = {{hit_task_poll, NULL}, &cd};
    for (int i = 0; i < tasks; i++) {
        future_t *b = boxed(&t.base, sizeof t);
        if (b == NULL)
            return -ENOMEM;
        poll_once(b);
        free(b);
    }
    int ready = poll_once(&wait.base) == POLL_READY;
    oneshot_rx_drop(&wait.done);
    return ready ? 0 : -EPROTO;
}

/* ---- spawn_many_remote_idle ---------------------------------------------------
 * From outside the runtime, spawn 10,000 empty tasks keeping their join
 * handles; then block_on awaits every handle in order.
 */

typedef struct empty_task {
    future_t base;
} empty_task_t;

static poll_t empty_task_poll(future_t *f, context_t *cx)
{
    (void)f;
    (void)cx;
    return POLL_READY;
}

typedef struct join_all {
    future_t base;
    async_t async;
    join_handle_t *handles;
    int n, i;
    join_t join;
} join_all_t;

static poll_t join_all_poll(future_t *f, context_t *cx)
{
    join_all_t *self = (join_all_t *)f;
    ASYNC_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++) {
        join_init(&self->join, self->handles[self->i]);
        AWAIT(self, cx, &self->join.base);
        join_drop(&self->join);
    }
    ASYNC_END(self);
}

static int spawn_many_remote_idle(executor_t *ex, void *state, int tasks)
{
    (void)state;
    join_handle_t *handles = malloc((size_t)tasks * sizeof *handles);
    if (handles == NULL)
        return -ENOMEM;
    empty_task_t t = {{empty_task_poll, NULL}};
    int n = 0, err = 0;
    for (; n < tasks && err == 0; n++)
        err = executor_spawn(ex, &t.base, sizeof t, "empty", &handles[n]);
    if (err != 0)
        n--; /* the failed one made no handle */

    join_all_t root = {.base = {join_all_poll, NULL}, .handles = handles,
                       .n = n};
    int run_err = executor_block_on(ex, &root.base);
    for (int i = root.i; i < n; i++) /* left over after an error */
        join_handle_drop(&handles[i]);
    free(handles);
    return run_err != 0 ? run_err : err;
}

static int spawn_many_remote_idle_baseline(int tasks)
{
    future_t **all = malloc((size_t)tasks * sizeof *all);
    if (all == NULL)
        return -ENOMEM;
    empty_task_t t = {{empty_task_poll, NULL}};
    int n = 0;
    while (n < tasks && (all[n] = boxed(&t.base, sizeof t)) != NULL)
        n++;
    for (int i = 0; i < n; i++) {
        poll_once(all[i]);
        free(all[i]);
    }
    free(all);
    return n == tasks ? 0 : -ENOMEM;
}

/* ---- yield_many ---------------------------------------------------------------
 * 200 tasks each yield 1,000 times (to the back of the queue), then count
 * down.
 */

#define YIELD_TASKS 200
#define YIELDS 1000

typedef struct yielder {
    future_t base;
    async_t async;
    int i, yields;
    countdown_t *cd;
} yielder_t;

static poll_t yielder_poll(future_t *f, context_t *cx)
{
    yielder_t *self = (yielder_t *)f;
    ASYNC_BEGIN(self);
    for (self->i = 0; self->i < self->yields; self->i++)
        YIELD_NOW(self, cx);
    countdown_hit(self->cd);
    ASYNC_END(self);
}

/* tasks yielders of `yields` yields each, spawned from outside. */
static int spawn_yielders(executor_t *ex, int tasks, int yields)
{
    countdown_t cd;
    countdown_wait_t wait;
    if (countdown_init(&cd, tasks, &wait) != 0)
        return -ENOMEM;
    yielder_t y = {.base = {yielder_poll, NULL}, .yields = yields, .cd = &cd};
    int err = 0;
    for (int i = 0; i < tasks; i++) {
        err = executor_spawn(ex, &y.base, sizeof y, "yielder", NULL);
        if (err != 0) {
            countdown_skip(&cd, tasks - i);
            break;
        }
    }
    int run_err = block_on_countdown(ex, &wait);
    return run_err != 0 ? run_err : err;
}

static int yield_many(executor_t *ex, void *state, int tasks)
{
    (void)state;
    return spawn_yielders(ex, tasks, YIELDS);
}

/*
 * For `bench --scaling`: the same shape with 10 yields per task, so that
 * a million tasks stay within seconds. Not in the table.
 */
#define FEW_YIELDS 10

static int yield_few(executor_t *ex, void *state, int tasks)
{
    (void)state;
    return spawn_yielders(ex, tasks, FEW_YIELDS);
}

/* Round robin over every yielder until all are done: 1,001 polls each. */
static int yield_many_baseline(int tasks)
{
    countdown_t cd;
    countdown_wait_t wait;
    if (countdown_init(&cd, tasks, &wait) != 0)
        return -ENOMEM;
    future_t **all = calloc((size_t)tasks, sizeof *all);
    yielder_t y = {.base = {yielder_poll, NULL}, .yields = YIELDS, .cd = &cd};
    for (int i = 0; all != NULL && i < tasks; i++)
        all[i] = boxed(&y.base, sizeof y);
    for (int live = tasks; all != NULL && live > 0;) {
        for (int i = 0; i < tasks; i++) {
            if (all[i] != NULL && poll_once(all[i]) == POLL_READY) {
                free(all[i]);
                all[i] = NULL;
                live--;
            }
        }
    }
    free(all);
    int ready = poll_once(&wait.base) == POLL_READY;
    oneshot_rx_drop(&wait.done);
    return ready ? 0 : -ENOMEM;
}

/* ---- ping_pong ----------------------------------------------------------------
 * One task spawns 1,000 tasks A. Each A makes two oneshots and spawns B;
 * A sends ping, B awaits it and sends pong, A awaits pong and counts down.
 */

#define PING_PONGS 1000

typedef struct pong_task { /* B */
    future_t base;
    async_t async;
    oneshot_rx_t ping;
    oneshot_tx_t pong;
} pong_task_t;

static poll_t pong_task_poll(future_t *f, context_t *cx)
{
    pong_task_t *self = (pong_task_t *)f;
    ASYNC_BEGIN(self);
    AWAIT(self, cx, &self->ping.base);
    oneshot_send(&self->pong, self->ping.value + 1);
    ASYNC_END(self);
}

static void pong_task_drop(future_t *f)
{
    pong_task_t *self = (pong_task_t *)f;
    oneshot_rx_drop(&self->ping);
    oneshot_tx_drop(&self->pong);
}

typedef struct ping_task { /* A */
    future_t base;
    async_t async;
    oneshot_rx_t pong;
    countdown_t *cd;
} ping_task_t;

/* Make the two channels, spawn B with its ends, send ping. */
static int ping_start(ping_task_t *self)
{
    oneshot_tx_t ping_tx;
    pong_task_t b = {.base = {pong_task_poll, pong_task_drop}};
    if (oneshot_channel(&ping_tx, &b.ping) != 0)
        return -ENOMEM;
    if (oneshot_channel(&b.pong, &self->pong) != 0) {
        oneshot_tx_drop(&ping_tx);
        oneshot_rx_drop(&b.ping);
        return -ENOMEM;
    }
    int err = spawn(&b.base, sizeof b, "pong", NULL);
    if (err != 0) {
        pong_task_drop(&b.base);
        oneshot_tx_drop(&ping_tx);
        return err;
    }
    oneshot_send(&ping_tx, 1);
    return 0;
}

static poll_t ping_task_poll(future_t *f, context_t *cx)
{
    ping_task_t *self = (ping_task_t *)f;
    ASYNC_BEGIN(self);
    if (ping_start(self) == 0)
        AWAIT(self, cx, &self->pong.base);
    countdown_hit(self->cd);
    ASYNC_END(self);
}

static void ping_task_drop(future_t *f)
{
    oneshot_rx_drop(&((ping_task_t *)f)->pong);
}

typedef struct ping_spawner {
    future_t base;
    countdown_t *cd;
    int pairs;
} ping_spawner_t;

static poll_t ping_spawner_poll(future_t *f, context_t *cx)
{
    (void)cx;
    ping_spawner_t *self = (ping_spawner_t *)f;
    ping_task_t a = {.base = {ping_task_poll, ping_task_drop},
                     .cd = self->cd};
    for (int i = 0; i < self->pairs; i++) {
        if (spawn(&a.base, sizeof a, "ping", NULL) != 0) {
            future_drop(&a.base); /* refused: still ours */
            countdown_skip(self->cd, self->pairs - i);
            break;
        }
    }
    return POLL_READY;
}

typedef struct ping_pong_root {
    future_t base;
    async_t async;
    int pairs;
    countdown_t cd;
    countdown_wait_t wait;
} ping_pong_root_t;

static poll_t ping_pong_root_poll(future_t *f, context_t *cx)
{
    ping_pong_root_t *self = (ping_pong_root_t *)f;
    ASYNC_BEGIN(self);
    ping_spawner_t s = {{ping_spawner_poll, NULL}, &self->cd, self->pairs};
    if (spawn(&s.base, sizeof s, "ping-spawner", NULL) != 0)
        countdown_skip(&self->cd, self->pairs);
    AWAIT(self, cx, &self->wait.base);
    ASYNC_END(self);
}

static int ping_pong(executor_t *ex, void *state, int pairs)
{
    (void)state;
    ping_pong_root_t root = {.base = {ping_pong_root_poll, NULL},
                             .pairs = pairs};
    if (countdown_init(&root.cd, pairs, &root.wait) != 0)
        return -ENOMEM;
    int err = executor_block_on(ex, &root.base);
    oneshot_rx_drop(&root.wait.done);
    return err;
}

/* Per pair: two channels, B boxed and polled, the pong received. */
static int ping_pong_baseline(int pairs)
{
    for (int i = 0; i < pairs; i++) {
        oneshot_tx_t ping_tx;
        oneshot_rx_t pong_rx;
        pong_task_t b = {.base = {pong_task_poll, pong_task_drop}};
        if (oneshot_channel(&ping_tx, &b.ping) != 0)
            return -ENOMEM;
        if (oneshot_channel(&b.pong, &pong_rx) != 0)
            return -ENOMEM;
        future_t *boxed_b = boxed(&b.base, sizeof b);
        if (boxed_b == NULL)
            return -ENOMEM;
        oneshot_send(&ping_tx, 1);
        poll_once(boxed_b);
        future_drop(boxed_b);
        free(boxed_b);
        if (poll_once(&pong_rx.base) != POLL_READY || pong_rx.value != 2)
            return -EPROTO;
    }
    return 0;
}

/* ---- chained_spawn ------------------------------------------------------------
 * A task spawns the next, 1,000 deep; the last one signals.
 */

#define CHAIN_DEPTH 1000

typedef struct chain_link {
    future_t base;
    int depth;
    countdown_t *cd;
} chain_link_t;

static poll_t chain_link_poll(future_t *f, context_t *cx)
{
    (void)cx;
    chain_link_t *self = (chain_link_t *)f;
    chain_link_t next = *self;
    next.depth--;
    if (self->depth == 0 || spawn(&next.base, sizeof next, "link", NULL) != 0)
        countdown_hit(self->cd);
    return POLL_READY;
}

static int chained_spawn(executor_t *ex, void *state, int depth)
{
    (void)state;
    countdown_t cd;
    countdown_wait_t wait;
    if (countdown_init(&cd, 1, &wait) != 0)
        return -ENOMEM;
    chain_link_t first = {{chain_link_poll, NULL}, depth - 1, &cd};
    int err = executor_spawn(ex, &first.base, sizeof first, "link", NULL);
    if (err != 0)
        countdown_skip(&cd, 1);
    int run_err = block_on_countdown(ex, &wait);
    return run_err != 0 ? run_err : err;
}

/* Depth links, each boxed, polled, freed; the last one signals. */
static int chained_spawn_baseline(int depth)
{
    countdown_t cd;
    countdown_wait_t wait;
    if (countdown_init(&cd, 1, &wait) != 0)
        return -ENOMEM;
    chain_link_t link = {{chain_link_poll, NULL}, 0, &cd};
    for (int i = 0; i < depth; i++) {
        future_t *b = boxed(&link.base, sizeof link);
        if (b == NULL)
            return -ENOMEM;
        if (i == depth - 1)
            poll_once(b); /* depth 0: counts down, spawns nothing */
        free(b);
    }
    int ready = poll_once(&wait.base) == POLL_READY;
    oneshot_rx_drop(&wait.done);
    return ready ? 0 : -EPROTO;
}

/* ---- timers -------------------------------------------------------------------
 * From block_on, spawn 10,000 tasks that each sleep 1 ms, then count down.
 */

#define TIMER_TASKS 10000

typedef struct sleeper {
    future_t base;
    async_t async;
    sleep_t nap;
    countdown_t *cd;
} sleeper_t;

static poll_t sleeper_poll(future_t *f, context_t *cx)
{
    sleeper_t *self = (sleeper_t *)f;
    ASYNC_BEGIN(self);
    AWAIT(self, cx, &self->nap.base);
    countdown_hit(self->cd);
    ASYNC_END(self);
}

static void sleeper_drop(future_t *f)
{
    future_drop(&((sleeper_t *)f)->nap.base);
}

typedef struct timers_root {
    future_t base;
    async_t async;
    int tasks;
    countdown_t cd;
    countdown_wait_t wait;
} timers_root_t;

static poll_t timers_root_poll(future_t *f, context_t *cx)
{
    timers_root_t *self = (timers_root_t *)f;
    ASYNC_BEGIN(self);
    sleeper_t s = {.base = {sleeper_poll, sleeper_drop}, .cd = &self->cd};
    sleep_init(&s.nap, 1);
    for (int i = 0; i < self->tasks; i++) {
        if (spawn(&s.base, sizeof s, "sleeper", NULL) != 0) {
            countdown_skip(&self->cd, self->tasks - i);
            break;
        }
    }
    AWAIT(self, cx, &self->wait.base);
    ASYNC_END(self);
}

static int timers(executor_t *ex, void *state, int tasks)
{
    (void)state;
    timers_root_t root = {.base = {timers_root_poll, NULL}, .tasks = tasks};
    if (countdown_init(&root.cd, tasks, &root.wait) != 0)
        return -ENOMEM;
    int err = executor_block_on(ex, &root.base);
    oneshot_rx_drop(&root.wait.done);
    return err;
}

/* ---- yield_many_driver ---------------------------------------------------------
 * yield_many, with one more task that waits for the whole run on an
 * eventfd nobody writes until teardown. What it changes: a worker turns
 * the I/O driver between polls (every WS_EVENT_INTERVAL ticks, an
 * epoll_wait that does not wait) only when the driver has work, a timer
 * pending or a waker parked on a registration (driver_has_work). With
 * nothing registered, yield_many's workers never enter the kernel; with
 * this waiter they do, about once per 61 polls each, as Tokio 1.24's
 * workers do while its tasks yield (docs/benchmarks.md, "What a yield
 * costs").
 *
 *   setup: eventfd, registered; spawn the waiter; wait until its waker
 *          sits in the registration
 *   each iteration: yield_many, unchanged
 *   teardown: write the eventfd; join the waiter; deregister; close
 */

typedef struct idle_fd {
    int fd;             /* the eventfd */
    reactor_reg_t *reg; /* its registration */
    join_handle_t waiter;
} idle_fd_t;

typedef struct fd_waiter {
    future_t base;
    reactor_reg_t *reg;
    oneshot_tx_t parked; /* sent at the first PENDING: the waker is set */
    bool told;
} fd_waiter_t;

static poll_t fd_waiter_poll(future_t *f, context_t *cx)
{
    fd_waiter_t *self = (fd_waiter_t *)f;
    reactor_event_t ev;
    if (reactor_poll_ready(self->reg, REACTOR_READ, cx, &ev) == POLL_READY)
        return POLL_READY; /* teardown wrote the eventfd */
    if (!self->told) {
        self->told = true;
        oneshot_send(&self->parked, 0);
    }
    return POLL_PENDING;
}

static void fd_waiter_drop(future_t *f)
{
    oneshot_tx_drop(&((fd_waiter_t *)f)->parked);
}

/* block_on's future for setup: register, spawn the waiter, await it. */
typedef struct idle_fd_start {
    future_t base;
    async_t async;
    idle_fd_t *st;
    oneshot_rx_t parked;
    int err;
} idle_fd_start_t;

static int idle_fd_spawn_waiter(idle_fd_start_t *self)
{
    driver_t *d = driver_current();
    if (d == NULL)
        return -ENOTSUP;
    int err = reactor_register(driver_reactor(d), self->st->fd, &self->st->reg);
    if (err != 0)
        return err;
    fd_waiter_t w = {.base = {fd_waiter_poll, fd_waiter_drop},
                     .reg = self->st->reg};
    if (oneshot_channel(&w.parked, &self->parked) != 0)
        return -ENOMEM;
    err = spawn(&w.base, sizeof w, "idle-fd", &self->st->waiter);
    if (err != 0)
        oneshot_tx_drop(&w.parked);
    return err;
}

static poll_t idle_fd_start_poll(future_t *f, context_t *cx)
{
    idle_fd_start_t *self = (idle_fd_start_t *)f;
    ASYNC_BEGIN(self);
    self->err = idle_fd_spawn_waiter(self);
    if (self->err == 0)
        AWAIT(self, cx, &self->parked.base);
    ASYNC_END(self);
}

static void idle_fd_free(idle_fd_t *st)
{
    if (st->reg != NULL)
        reactor_deregister(st->reg); /* before close: fd numbers are reused */
    close(st->fd);
    free(st);
}

static int yield_many_driver_setup(executor_t *ex, void **state)
{
    idle_fd_t *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -ENOMEM;
    st->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (st->fd < 0) {
        int err = -errno;
        free(st);
        return err;
    }
    idle_fd_start_t start = {.base = {idle_fd_start_poll, NULL}, .st = st};
    int err = executor_block_on(ex, &start.base);
    oneshot_rx_drop(&start.parked);
    if (err == 0)
        err = start.err;
    if (err == 0 && start.parked.result != 0)
        err = start.parked.result; /* the waiter went before it parked */
    if (err != 0) {
        if (st->waiter.task != NULL) {
            join_t join;
            join_init(&join, st->waiter);
            join_abort(&join);
            executor_block_on(ex, &join.base);
            join_drop(&join);
        }
        idle_fd_free(st);
        return err;
    }
    *state = st;
    return 0;
}

static int yield_many_driver(executor_t *ex, void *state, int tasks)
{
    (void)state;
    return spawn_yielders(ex, tasks, YIELDS);
}

/* Wake the waiter through the kernel (the driver sees the eventfd
 * readable) and wait for it to finish. */
static void yield_many_driver_teardown(executor_t *ex, void *state)
{
    idle_fd_t *st = state;
    if (st == NULL)
        return;
    uint64_t one = 1;
    ssize_t n = write(st->fd, &one, sizeof one);
    join_t join;
    join_init(&join, st->waiter);
    if (n != (ssize_t)sizeof one)
        join_abort(&join); /* cannot happen with a fresh eventfd */
    executor_block_on(ex, &join.base);
    join_drop(&join);
    idle_fd_free(st);
}

/* ---- the table ----------------------------------------------------------- */

static const workload_t spawn_many_local_w = {
    "spawn_many_local",
    "block_on spawns 10,000 tasks; each counts down; the last signals",
    SPAWN_MANY, NULL, spawn_many_local, NULL, spawn_many_local_baseline, "task", 1, NULL};
static const workload_t spawn_many_remote_idle_w = {
    "spawn_many_remote_idle",
    "10,000 empty tasks spawned from outside; block_on joins each in order",
    SPAWN_MANY, NULL, spawn_many_remote_idle, NULL,
    spawn_many_remote_idle_baseline, "task", 1, NULL};
static const workload_t yield_many_w = {
    "yield_many", "200 tasks each yield 1,000 times, then signal",
    YIELD_TASKS, NULL, yield_many, NULL, yield_many_baseline, "yield", YIELDS, NULL};
static const workload_t ping_pong_w = {
    "ping_pong", "1,000 pairs of tasks exchange ping and pong on oneshots",
    PING_PONGS, NULL, ping_pong, NULL, ping_pong_baseline, "pair", 1, NULL};
static const workload_t chained_spawn_w = {
    "chained_spawn", "each task spawns the next, 1,000 deep", CHAIN_DEPTH,
    NULL, chained_spawn, NULL, chained_spawn_baseline, "task", 1, NULL};
static const workload_t timers_w = {
    "timers", "10,000 tasks each sleep 1 ms, then count down", TIMER_TASKS,
    NULL, timers, NULL, NULL, "task", 1, NULL};

const workload_t workload_yield_few = {
    "yield_few", "tasks each yield 10 times (bench --scaling)", YIELD_TASKS,
    NULL, yield_few, NULL, NULL, "yield", FEW_YIELDS, NULL};

static const workload_t yield_many_driver_w = {
    "yield_many_driver",
    "yield_many while a task waits on an idle eventfd: workers turn the "
    "driver",
    YIELD_TASKS, yield_many_driver_setup, yield_many_driver,
    yield_many_driver_teardown, yield_many_baseline, "yield", YIELDS, NULL};

extern const workload_t workload_tcp_echo; /* bench/workload_tcp.c */

const workload_t *const workload_table[] = {
    &spawn_many_local_w, &spawn_many_remote_idle_w,
    &yield_many_w,       &ping_pong_w,
    &chained_spawn_w,    &timers_w,
    &workload_tcp_echo,  NULL,
};

const workload_t *const workload_variants[] = {
    &yield_many_driver_w,
    NULL,
};

const workload_t *workload_by_name(const char *name)
{
    for (const workload_t *const *w = workload_table; *w != NULL; w++) {
        if (strcmp((*w)->name, name) == 0)
            return *w;
    }
    for (const workload_t *const *w = workload_variants; *w != NULL; w++) {
        if (strcmp((*w)->name, name) == 0)
            return *w;
    }
    return NULL;
}
