/*
 * tests/test_sync.c - oneshot, mpsc, notify, join and mutex (sync/).
 *
 * Three layers, from the inside out:
 *  - by hand: a future polled directly with a counting waker, so every
 *    clone, wake and drop it does with the waker is counted exactly;
 *  - threads: a second OS thread sends or notifies while this one polls
 *    with a waker that signals a condition variable (TSan-clean);
 *  - tasks: real core/task.c tasks on a tiny scheduler written here (a
 *    locked queue, one or two worker threads), for abort, join, and the
 *    benchmark shapes (ping_pong with two oneshots per pair).
 *
 * No timing decides a result: threaded tests wait for conditions, never
 * for durations. Run one test: ./build/tests/test_sync oneshot_send_first
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench/executors.h"
#include "core/async.h"
#include "core/coop.h"
#include "core/executor.h"
#include "core/task.h"
#include "sync/join.h"
#include "sync/mpsc.h"
#include "sync/mutex.h"
#include "sync/notify.h"
#include "sync/oneshot.h"

/* ==== helpers ============================================================ */

/* Counters are read after every thread that touched them was joined (or
 * on the only thread): relaxed is enough. */
#define COUNT(c, field) atomic_load_explicit(&(c).field, memory_order_relaxed)

static poll_t poll_with(future_t *f, waker_t *w)
{
    context_t cx = {.waker = w};
    return future_poll(f, &cx);
}

/* ---- a waker that signals a condition variable ---------------------------
 * Lives as long as the test: a sender may wake it just after the future
 * it was given to has completed, so it must outlive every other thread. */
typedef struct signal {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool woken; /* under lock */
} signal_t;

static const waker_vtable_t signal_vtable;

static waker_t signal_clone(const void *data)
{
    return (waker_t){&signal_vtable, data};
}

static void signal_wake_by_ref(const void *data)
{
    signal_t *s = (signal_t *)data;
    pthread_mutex_lock(&s->lock);
    s->woken = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static void signal_drop(const void *data)
{
    (void)data;
}

static const waker_vtable_t signal_vtable = {
    .clone = signal_clone,
    .wake = signal_wake_by_ref,
    .wake_by_ref = signal_wake_by_ref,
    .drop = signal_drop,
};

static void signal_init(signal_t *s)
{
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->woken = false;
}

static void signal_destroy(signal_t *s)
{
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
}

/* Poll f on this thread until READY, sleeping until woken between polls.
 * Returns how many polls it took. */
static int block_on_signal(future_t *f, signal_t *s)
{
    waker_t w = {&signal_vtable, s};
    int polls = 1;
    while (poll_with(f, &w) == POLL_PENDING) {
        pthread_mutex_lock(&s->lock);
        while (!s->woken)
            pthread_cond_wait(&s->cond, &s->lock);
        s->woken = false;
        pthread_mutex_unlock(&s->lock);
        polls++;
    }
    return polls;
}

/* ---- a tiny scheduler for real tasks --------------------------------------
 * A locked FIFO and a condition variable; run by the test thread (mini_run)
 * or by worker threads (mini_worker) until mini_stop. It drops the owned
 * reference of each task that completes. */
typedef struct mini {
    task_scheduler_t sched; /* first: schedule() finds the mini_t */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    task_t *head, *tail; /* under lock; linked by task->next */
    bool stop;           /* under lock */
    atomic_int errors;   /* checks that failed on a worker thread */
} mini_t;

static void mini_push(mini_t *m, task_t *t)
{
    pthread_mutex_lock(&m->lock);
    t->next = NULL;
    if (m->tail != NULL)
        m->tail->next = t;
    else
        m->head = t;
    m->tail = t;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
}

static void mini_schedule(task_scheduler_t *s, task_t *t)
{
    mini_push((mini_t *)s, t);
}

static const task_scheduler_ops_t mini_ops = {.schedule = mini_schedule};

static void mini_init(mini_t *m)
{
    task_scheduler_init(&m->sched, &mini_ops);
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    m->head = m->tail = NULL;
    m->stop = false;
    atomic_init(&m->errors, 0);
}

static void mini_destroy(mini_t *m)
{
    assert_null(m->head);
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->lock);
}

static join_handle_t mini_spawn(mini_t *m, const future_t *f, size_t size)
{
    task_t *t = task_new(&m->sched, f, size, "test");
    join_handle_t h = {t};
    if (t != NULL)
        mini_push(m, t);
    return h;
}

static void mini_spawn_detached(mini_t *m, const future_t *f, size_t size)
{
    join_handle_t h = mini_spawn(m, f, size);
    if (h.task != NULL)
        join_handle_drop(&h);
}

/* Take the next task; wait for one when `wait`. NULL: empty, or stopped. */
static task_t *mini_pop(mini_t *m, bool wait)
{
    pthread_mutex_lock(&m->lock);
    while (wait && m->head == NULL && !m->stop)
        pthread_cond_wait(&m->cond, &m->lock);
    task_t *t = m->stop ? NULL : m->head;
    if (t != NULL) {
        m->head = t->next;
        if (m->head == NULL)
            m->tail = NULL;
    }
    pthread_mutex_unlock(&m->lock);
    return t;
}

static void mini_run_task(mini_t *m, task_t *t)
{
    switch (task_run(t)) {
    case TASK_RUN_NOTIFIED:
        mini_push(m, t);
        break;
    case TASK_RUN_COMPLETE:
        task_ref_dec(t); /* the owned reference: we keep no list */
        break;
    case TASK_RUN_PENDING:
        break;
    }
}

/* Run on this thread until the queue is empty. Returns tasks run. */
static int mini_run(mini_t *m)
{
    int n = 0;
    task_t *t;
    while ((t = mini_pop(m, false)) != NULL) {
        mini_run_task(m, t);
        n++;
    }
    return n;
}

static void *mini_worker(void *arg)
{
    mini_t *m = arg;
    task_t *t;
    while ((t = mini_pop(m, true)) != NULL)
        mini_run_task(m, t);
    return NULL;
}

static void mini_stop(mini_t *m)
{
    pthread_mutex_lock(&m->lock);
    m->stop = true;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
}

/* Run m on two worker threads until a task calls mini_stop. */
static void mini_run_two_workers(mini_t *m)
{
    pthread_t w[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&w[i], NULL, mini_worker, m), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(w[i], NULL);
    /* A stop leaves nothing queued in these tests: every task finished. */
    pthread_mutex_lock(&m->lock);
    m->stop = false;
    pthread_mutex_unlock(&m->lock);
}

static void check(mini_t *m, bool ok)
{
    if (!ok)
        atomic_fetch_add_explicit(&m->errors, 1, memory_order_relaxed);
}

static int live_wakers(task_t *t)
{
    return atomic_load_explicit(&task_trailer(t)->live_wakers,
                                memory_order_acquire);
}

/* ==== oneshot ============================================================ */

static void oneshot_send_first(void **state)
{
    (void)state;
    oneshot_tx_t tx;
    oneshot_rx_t rx;
    assert_int_equal(oneshot_channel(&tx, &rx), 0);
    assert_int_equal(oneshot_send(&tx, 42), 0);
    assert_null(tx.chan);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&rx.base, &w), POLL_READY);
    assert_int_equal(rx.result, 0);
    assert_int_equal(rx.value, 42);
    assert_int_equal(COUNT(c, clones), 0); /* never had to wait */
    assert_int_equal(COUNT(c, wakes), 0);
    oneshot_rx_drop(&rx); /* after READY: a no-op */
}

static void oneshot_recv_first(void **state)
{
    (void)state;
    oneshot_tx_t tx;
    oneshot_rx_t rx;
    assert_int_equal(oneshot_channel(&tx, &rx), 0);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&rx.base, &w), POLL_PENDING);
    assert_int_equal(COUNT(c, clones), 1);
    assert_int_equal(COUNT(c, live), 2);

    assert_int_equal(oneshot_send(&tx, 7), 0);
    assert_int_equal(COUNT(c, wakes), 1);

    assert_int_equal(poll_with(&rx.base, &w), POLL_READY);
    assert_int_equal(rx.value, 7);
    /* The channel is freed: the stored clone was dropped, only ours is
     * left, and nothing was woken twice. */
    assert_int_equal(COUNT(c, live), 1);
    assert_int_equal(COUNT(c, wakes), 1);
}

static void oneshot_repoll_keeps_one_waker(void **state)
{
    (void)state;
    oneshot_tx_t tx;
    oneshot_rx_t rx;
    assert_int_equal(oneshot_channel(&tx, &rx), 0);

    counting_waker_t a, b;
    waker_t wa = counting_waker(&a), wb = counting_waker(&b);
    assert_int_equal(poll_with(&rx.base, &wa), POLL_PENDING);
    assert_int_equal(poll_with(&rx.base, &wa), POLL_PENDING);
    assert_int_equal(COUNT(a, clones), 1); /* same task: no new clone */

    assert_int_equal(poll_with(&rx.base, &wb), POLL_PENDING);
    assert_int_equal(COUNT(a, live), 1); /* a's clone was replaced */
    assert_int_equal(COUNT(b, live), 2);

    assert_int_equal(oneshot_send(&tx, 1), 0);
    assert_int_equal(COUNT(a, wakes), 0);
    assert_int_equal(COUNT(b, wakes), 1);
    oneshot_rx_drop(&rx); /* value sent, never read: discarded */
    assert_int_equal(COUNT(b, live), 1);
}

static void oneshot_sender_drop_ends_recv(void **state)
{
    (void)state;
    oneshot_tx_t tx;
    oneshot_rx_t rx;
    assert_int_equal(oneshot_channel(&tx, &rx), 0);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&rx.base, &w), POLL_PENDING);
    oneshot_tx_drop(&tx);
    oneshot_tx_drop(&tx); /* twice: harmless */
    assert_int_equal(COUNT(c, wakes), 1);
    assert_int_equal(poll_with(&rx.base, &w), POLL_READY);
    assert_int_equal(rx.result, -EPIPE);
    assert_int_equal(COUNT(c, live), 1);
}

static void oneshot_receiver_drop_fails_send(void **state)
{
    (void)state;
    oneshot_tx_t tx;
    oneshot_rx_t rx;
    assert_int_equal(oneshot_channel(&tx, &rx), 0);
    assert_false(oneshot_tx_is_closed(&tx));
    oneshot_rx_drop(&rx);
    assert_true(oneshot_tx_is_closed(&tx));
    assert_int_equal(oneshot_send(&tx, 5), -EPIPE);
}

static void oneshot_drop_while_waiting_releases_waker(void **state)
{
    (void)state;
    oneshot_tx_t tx;
    oneshot_rx_t rx;
    assert_int_equal(oneshot_channel(&tx, &rx), 0);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&rx.base, &w), POLL_PENDING);
    assert_int_equal(COUNT(c, live), 2);
    future_drop(&rx.base); /* what aborting the task does */
    assert_int_equal(COUNT(c, live), 1);
    assert_int_equal(oneshot_send(&tx, 5), -EPIPE);
    assert_int_equal(COUNT(c, wakes), 0);
}

static void oneshot_close_keeps_earlier_value(void **state)
{
    (void)state;
    oneshot_tx_t tx;
    oneshot_rx_t rx;
    assert_int_equal(oneshot_channel(&tx, &rx), 0);
    assert_int_equal(oneshot_send(&tx, 9), 0);
    oneshot_rx_close(&rx);
    uint64_t v = 0;
    assert_int_equal(oneshot_try_recv(&rx, &v), 0);
    assert_int_equal(v, 9);

    assert_int_equal(oneshot_channel(&tx, &rx), 0);
    oneshot_rx_close(&rx);
    assert_int_equal(oneshot_send(&tx, 9), -EPIPE);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&rx.base, &w), POLL_READY);
    assert_int_equal(rx.result, -EPIPE);
}

static void oneshot_try_recv_reports_each_state(void **state)
{
    (void)state;
    oneshot_tx_t tx;
    oneshot_rx_t rx;
    uint64_t v = 0;
    assert_int_equal(oneshot_channel(&tx, &rx), 0);
    assert_int_equal(oneshot_try_recv(&rx, &v), -EAGAIN);
    assert_int_equal(oneshot_send(&tx, UINT64_MAX), 0);
    assert_int_equal(oneshot_try_recv(&rx, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(oneshot_try_recv(&rx, &v), -EPIPE); /* taken */
    oneshot_rx_drop(&rx);
}

static void oneshot_spent_budget_defers_the_value(void **state)
{
    (void)state;
    oneshot_tx_t tx;
    oneshot_rx_t rx;
    assert_int_equal(oneshot_channel(&tx, &rx), 0);
    assert_int_equal(oneshot_send(&tx, 3), 0);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    int saved = coop_budget_set(0);
    assert_int_equal(poll_with(&rx.base, &w), POLL_PENDING);
    assert_int_equal(COUNT(c, wakes), 1); /* told to come back */
    coop_budget_set(1);
    assert_int_equal(poll_with(&rx.base, &w), POLL_READY);
    assert_int_equal(rx.value, 3);
    assert_int_equal(coop_budget_set(saved), 0); /* the unit was spent */
}

/* ---- oneshot across threads ---------------------------------------------- */

#define PINGS 2000

typedef struct ping_thread {
    oneshot_tx_t tx[PINGS]; /* the thread sends on tx[i] */
    oneshot_rx_t rx[PINGS]; /* the test thread receives on rx[i] */
    pthread_mutex_t lock;
    int ready; /* channels made so far, under lock */
    pthread_cond_t cond;
} ping_thread_t;

static void *ping_sender(void *arg)
{
    ping_thread_t *p = arg;
    for (int i = 0; i < PINGS; i++) {
        pthread_mutex_lock(&p->lock);
        while (p->ready <= i)
            pthread_cond_wait(&p->cond, &p->lock);
        pthread_mutex_unlock(&p->lock);
        if (oneshot_send(&p->tx[i], (uint64_t)i * 3) != 0)
            return (void *)1;
    }
    return NULL;
}

static void oneshot_threaded_send_wakes_receiver(void **state)
{
    (void)state;
    static ping_thread_t p;
    signal_t s;
    signal_init(&s);
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    p.ready = 0;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, ping_sender, &p), 0);

    for (int i = 0; i < PINGS; i++) {
        assert_int_equal(oneshot_channel(&p.tx[i], &p.rx[i]), 0);
        pthread_mutex_lock(&p.lock);
        p.ready = i + 1; /* publishes tx[i] to the sender */
        pthread_cond_signal(&p.cond);
        pthread_mutex_unlock(&p.lock);
        block_on_signal(&p.rx[i].base, &s);
        assert_int_equal(p.rx[i].result, 0);
        assert_true(p.rx[i].value == (uint64_t)i * 3);
    }
    void *ret;
    pthread_join(th, &ret);
    assert_null(ret);
    pthread_cond_destroy(&p.cond);
    pthread_mutex_destroy(&p.lock);
    signal_destroy(&s);
}

/* Both ends finish at once on two threads: whichever is last frees. */
static void *racing_dropper(void *arg)
{
    oneshot_rx_t *rx = arg;
    for (int i = 0; i < PINGS; i++)
        oneshot_rx_drop(&rx[i]);
    return NULL;
}

static void oneshot_threaded_drop_races_send(void **state)
{
    (void)state;
    static oneshot_tx_t tx[PINGS];
    static oneshot_rx_t rx[PINGS];
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    for (int i = 0; i < PINGS; i++) {
        assert_int_equal(oneshot_channel(&tx[i], &rx[i]), 0);
        if (i % 2 == 0) /* half of them wait with a waker */
            assert_int_equal(poll_with(&rx[i].base, &w), POLL_PENDING);
    }
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, racing_dropper, rx), 0);
    int delivered = 0;
    for (int i = 0; i < PINGS; i++)
        delivered += oneshot_send(&tx[i], 1) == 0;
    pthread_join(th, NULL);
    /* Any mix is fine; no leak, no double free, no waker left behind. */
    assert_true(delivered >= 0 && delivered <= PINGS);
    assert_int_equal(COUNT(c, live), 1);
}

/* ---- ping_pong, the benchmark shape, on two worker threads --------------- */

#define PAIRS 300

typedef struct pong_task {
    future_t base;
    async_t async;
    oneshot_rx_t ping;
    oneshot_tx_t pong;
    mini_t *m;
} pong_task_t;

static poll_t pong_poll(future_t *f, context_t *cx)
{
    pong_task_t *self = (pong_task_t *)f;
    ASYNC_BEGIN(self);
    AWAIT(self, cx, &self->ping.base);
    check(self->m, self->ping.result == 0);
    check(self->m, oneshot_send(&self->pong, self->ping.value + 1) == 0);
    ASYNC_END(self);
}

static void pong_drop(future_t *f)
{
    pong_task_t *self = (pong_task_t *)f;
    oneshot_rx_drop(&self->ping);
    oneshot_tx_drop(&self->pong);
}

typedef struct ping_task {
    future_t base;
    async_t async;
    mini_t *m;
    atomic_int *remaining;
    uint64_t n;
    oneshot_rx_t pong;
} ping_task_t;

/* Make the two channels, spawn the pong side, send the ping. */
static void ping_start(ping_task_t *self)
{
    oneshot_tx_t ping_tx;
    pong_task_t b = {.base = {pong_poll, pong_drop}, .m = self->m};
    check(self->m, oneshot_channel(&ping_tx, &b.ping) == 0);
    check(self->m, oneshot_channel(&b.pong, &self->pong) == 0);
    mini_spawn_detached(self->m, &b.base, sizeof b);
    check(self->m, oneshot_send(&ping_tx, self->n) == 0);
}

static poll_t ping_poll(future_t *f, context_t *cx)
{
    ping_task_t *self = (ping_task_t *)f;
    ASYNC_BEGIN(self);
    ping_start(self);
    AWAIT(self, cx, &self->pong.base);
    check(self->m, self->pong.result == 0 && self->pong.value == self->n + 1);
    if (atomic_fetch_sub_explicit(self->remaining, 1, memory_order_acq_rel) ==
        1)
        mini_stop(self->m); /* acq_rel: the last one sees every check */
    ASYNC_END(self);
}

static void ping_drop(future_t *f)
{
    oneshot_rx_drop(&((ping_task_t *)f)->pong);
}

static void oneshot_ping_pong_on_two_workers(void **state)
{
    (void)state;
    mini_t m;
    mini_init(&m);
    atomic_int remaining;
    atomic_init(&remaining, PAIRS);
    for (int i = 0; i < PAIRS; i++) {
        ping_task_t a = {.base = {ping_poll, ping_drop},
                         .m = &m,
                         .remaining = &remaining,
                         .n = (uint64_t)i};
        mini_spawn_detached(&m, &a.base, sizeof a);
    }
    mini_run_two_workers(&m);
    assert_int_equal(atomic_load_explicit(&remaining, memory_order_acquire), 0);
    assert_int_equal(COUNT(m, errors), 0);
    mini_destroy(&m);
}

/* ==== mpsc =============================================================== */

static void mpsc_rejects_empty_elements(void **state)
{
    (void)state;
    mpsc_tx_t tx = {NULL};
    mpsc_rx_t rx = {NULL};
    assert_int_equal(mpsc_channel(0, 4, &tx, &rx), -EINVAL);
    assert_null(tx.chan);
    assert_int_equal(mpsc_channel(8, SIZE_MAX, &tx, &rx), -EINVAL);
}

static void mpsc_delivers_in_order(void **state)
{
    (void)state;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(int), MPSC_UNBOUNDED, &tx, &rx), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(mpsc_try_send(&tx, &i), 0);
    assert_int_equal(mpsc_rx_len(&rx), 100);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    for (int i = 0; i < 100; i++) {
        int got = -1;
        mpsc_recv_t r;
        mpsc_recv_init(&r, &rx, &got);
        assert_int_equal(poll_with(&r.base, &w), POLL_READY);
        assert_int_equal(r.result, 0);
        assert_int_equal(got, i);
        future_drop(&r.base);
    }
    assert_int_equal(COUNT(c, clones), 0);
    mpsc_tx_drop(&tx);
    mpsc_rx_drop(&rx);
}

static void mpsc_recv_waits_then_send_wakes(void **state)
{
    (void)state;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(int), 4, &tx, &rx), 0);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    int got = 0, v = 11;
    mpsc_recv_t r;
    mpsc_recv_init(&r, &rx, &got);
    assert_int_equal(poll_with(&r.base, &w), POLL_PENDING);
    assert_int_equal(poll_with(&r.base, &w), POLL_PENDING);
    assert_int_equal(COUNT(c, clones), 1);
    assert_int_equal(mpsc_try_send(&tx, &v), 0);
    assert_int_equal(COUNT(c, wakes), 1);
    assert_int_equal(COUNT(c, live), 1); /* woken by value: consumed */
    assert_int_equal(poll_with(&r.base, &w), POLL_READY);
    assert_int_equal(got, 11);
    future_drop(&r.base);
    mpsc_tx_drop(&tx);
    mpsc_rx_drop(&rx);
}

static void mpsc_last_sender_drop_ends_recv(void **state)
{
    (void)state;
    mpsc_tx_t tx, tx2;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(int), MPSC_UNBOUNDED, &tx, &rx), 0);
    mpsc_tx_clone(&tx, &tx2);
    int v = 5, got = 0;
    assert_int_equal(mpsc_try_send(&tx2, &v), 0);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    mpsc_recv_t r;
    mpsc_recv_init(&r, &rx, &got);
    assert_int_equal(poll_with(&r.base, &w), POLL_READY); /* buffered */
    assert_int_equal(got, 5);
    mpsc_recv_init(&r, &rx, &got);
    assert_int_equal(poll_with(&r.base, &w), POLL_PENDING);
    mpsc_tx_drop(&tx);
    assert_int_equal(COUNT(c, wakes), 0); /* one sender is left */
    mpsc_tx_drop(&tx2);
    assert_int_equal(COUNT(c, wakes), 1);
    assert_int_equal(poll_with(&r.base, &w), POLL_READY);
    assert_int_equal(r.result, -EPIPE);
    assert_int_equal(mpsc_try_recv(&rx, &got), -EPIPE);
    assert_int_equal(COUNT(c, live), 1);
    mpsc_rx_drop(&rx);
}

static void mpsc_receiver_drop_fails_send(void **state)
{
    (void)state;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(int), 2, &tx, &rx), 0);
    int v = 1;
    assert_int_equal(mpsc_try_send(&tx, &v), 0);
    mpsc_rx_drop(&rx); /* the buffered 1 is discarded */
    assert_int_equal(mpsc_try_send(&tx, &v), -EPIPE);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    mpsc_send_t s;
    mpsc_send_init(&s, &tx, &v);
    assert_int_equal(poll_with(&s.base, &w), POLL_READY);
    assert_int_equal(s.result, -EPIPE);
    future_drop(&s.base);
    mpsc_tx_drop(&tx);
}

static void mpsc_bounded_send_waits_for_room(void **state)
{
    (void)state;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(int), 2, &tx, &rx), 0);
    int one = 1, two = 2, three = 3, got = 0;
    assert_int_equal(mpsc_try_send(&tx, &one), 0);
    assert_int_equal(mpsc_try_send(&tx, &two), 0);
    assert_int_equal(mpsc_try_send(&tx, &three), -EAGAIN);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    mpsc_send_t s;
    mpsc_send_init(&s, &tx, &three);
    assert_int_equal(poll_with(&s.base, &w), POLL_PENDING);
    assert_int_equal(COUNT(c, clones), 1);

    assert_int_equal(mpsc_try_recv(&rx, &got), 0);
    assert_int_equal(got, 1);
    assert_int_equal(COUNT(c, wakes), 1);
    assert_int_equal(poll_with(&s.base, &w), POLL_READY);
    assert_int_equal(s.result, 0);
    future_drop(&s.base);

    assert_int_equal(mpsc_try_recv(&rx, &got), 0);
    assert_int_equal(got, 2);
    assert_int_equal(mpsc_try_recv(&rx, &got), 0);
    assert_int_equal(got, 3);
    assert_int_equal(mpsc_try_recv(&rx, &got), -EAGAIN);
    assert_int_equal(COUNT(c, live), 1);
    mpsc_tx_drop(&tx);
    mpsc_rx_drop(&rx);
}

/* Three senders wait on a full channel of one slot. */
typedef struct three_senders {
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    int vals[3];
    mpsc_send_t s[3];
    counting_waker_t c[3];
    waker_t w[3];
} three_senders_t;

static void three_senders_setup(three_senders_t *t)
{
    assert_int_equal(mpsc_channel(sizeof(int), 1, &t->tx, &t->rx), 0);
    int zero = 0;
    assert_int_equal(mpsc_try_send(&t->tx, &zero), 0);
    for (int i = 0; i < 3; i++) {
        t->vals[i] = i + 1;
        t->w[i] = counting_waker(&t->c[i]);
        mpsc_send_init(&t->s[i], &t->tx, &t->vals[i]);
        assert_int_equal(poll_with(&t->s[i].base, &t->w[i]), POLL_PENDING);
    }
}

static void three_senders_teardown(three_senders_t *t)
{
    for (int i = 0; i < 3; i++) {
        future_drop(&t->s[i].base);
        assert_int_equal(COUNT(t->c[i], live), 1);
    }
    mpsc_tx_drop(&t->tx);
    mpsc_rx_drop(&t->rx);
}

static void mpsc_waiting_senders_are_served_in_order(void **state)
{
    (void)state;
    three_senders_t t;
    three_senders_setup(&t);
    int got = -1;
    assert_int_equal(mpsc_try_recv(&t.rx, &got), 0);
    assert_int_equal(got, 0);
    /* The freed slot is reserved for the first waiter: only it wakes, and
     * a newcomer cannot take the slot from under it. */
    assert_int_equal(COUNT(t.c[0], wakes), 1);
    assert_int_equal(COUNT(t.c[1], wakes), 0);
    int late = 99;
    assert_int_equal(mpsc_try_send(&t.tx, &late), -EAGAIN);
    /* The second waiter, polled early, still waits its turn. */
    assert_int_equal(poll_with(&t.s[1].base, &t.w[1]), POLL_PENDING);
    assert_int_equal(poll_with(&t.s[0].base, &t.w[0]), POLL_READY);

    for (int i = 1; i < 3; i++) {
        assert_int_equal(mpsc_try_recv(&t.rx, &got), 0);
        assert_int_equal(got, i);
        assert_int_equal(COUNT(t.c[i], wakes), 1);
        assert_int_equal(poll_with(&t.s[i].base, &t.w[i]), POLL_READY);
    }
    assert_int_equal(mpsc_try_recv(&t.rx, &got), 0);
    assert_int_equal(got, 3);
    three_senders_teardown(&t);
}

static void mpsc_dropped_sender_passes_its_slot_on(void **state)
{
    (void)state;
    three_senders_t t;
    three_senders_setup(&t);
    int got = -1;
    assert_int_equal(mpsc_try_recv(&t.rx, &got), 0); /* slot -> s[0] */
    future_drop(&t.s[0].base); /* aborted before it could use it */
    assert_int_equal(COUNT(t.c[1], wakes), 1);
    future_drop(&t.s[2].base); /* aborted while queued */
    assert_int_equal(poll_with(&t.s[1].base, &t.w[1]), POLL_READY);
    assert_int_equal(mpsc_try_recv(&t.rx, &got), 0);
    assert_int_equal(got, 2);
    assert_int_equal(mpsc_try_recv(&t.rx, &got), -EAGAIN);
    /* Nobody waits, nothing reserved: a newcomer gets the slot. */
    assert_int_equal(mpsc_try_send(&t.tx, &got), 0);
    assert_int_equal(COUNT(t.c[2], wakes), 0);
    three_senders_teardown(&t);
}

static void mpsc_close_wakes_waiting_senders(void **state)
{
    (void)state;
    three_senders_t t;
    three_senders_setup(&t);
    mpsc_rx_close(&t.rx);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(COUNT(t.c[i], wakes), 1);
        assert_int_equal(poll_with(&t.s[i].base, &t.w[i]), POLL_READY);
        assert_int_equal(t.s[i].result, -EPIPE);
    }
    int got = -1;
    assert_int_equal(mpsc_try_recv(&t.rx, &got), 0); /* still buffered */
    assert_int_equal(got, 0);
    assert_int_equal(mpsc_try_recv(&t.rx, &got), -EPIPE);
    three_senders_teardown(&t);
}

typedef struct record {
    uint64_t seq;
    char name[16];
} record_t;

static void mpsc_unbounded_grows_across_the_wrap(void **state)
{
    (void)state;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(record_t), MPSC_UNBOUNDED, &tx, &rx),
                     0);
    uint64_t sent = 0, recvd = 0;
    /* Push 3, pop 2, repeatedly: the ring wraps and grows many times. */
    for (int round = 0; round < 500; round++) {
        for (int k = 0; k < 3; k++) {
            record_t r = {.seq = sent++};
            snprintf(r.name, sizeof r.name, "r%u", (unsigned)r.seq);
            assert_int_equal(mpsc_try_send(&tx, &r), 0);
        }
        for (int k = 0; k < 2; k++) {
            record_t r;
            assert_int_equal(mpsc_try_recv(&rx, &r), 0);
            assert_true(r.seq == recvd);
            char want[16];
            snprintf(want, sizeof want, "r%u", (unsigned)recvd);
            assert_string_equal(r.name, want);
            recvd++;
        }
    }
    assert_int_equal(mpsc_rx_len(&rx), 500);
    mpsc_tx_drop(&tx);
    mpsc_rx_drop(&rx); /* discards the 500 left */
}

static void mpsc_dropped_recv_leaves_no_waker(void **state)
{
    (void)state;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(int), 1, &tx, &rx), 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    int got = 0, v = 4;
    mpsc_recv_t r;
    mpsc_recv_init(&r, &rx, &got);
    assert_int_equal(poll_with(&r.base, &w), POLL_PENDING);
    assert_int_equal(COUNT(c, live), 2);
    future_drop(&r.base);
    assert_int_equal(COUNT(c, live), 1);
    assert_int_equal(mpsc_try_send(&tx, &v), 0);
    assert_int_equal(COUNT(c, wakes), 0);
    /* Cancel-safe: the element waits for the next receive. */
    assert_int_equal(mpsc_try_recv(&rx, &got), 0);
    assert_int_equal(got, 4);
    mpsc_tx_drop(&tx);
    mpsc_rx_drop(&rx);
}

static void mpsc_spent_budget_keeps_the_element(void **state)
{
    (void)state;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(int), 1, &tx, &rx), 0);
    int got = 0, v = 8, v2 = 9;
    assert_int_equal(mpsc_try_send(&tx, &v), 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    mpsc_recv_t r;
    mpsc_send_t s;
    mpsc_recv_init(&r, &rx, &got);
    mpsc_send_init(&s, &tx, &v2);

    int saved = coop_budget_set(0);
    assert_int_equal(poll_with(&r.base, &w), POLL_PENDING);
    assert_int_equal(COUNT(c, wakes), 1);
    assert_int_equal(mpsc_rx_len(&rx), 1);
    coop_budget_set(1);
    assert_int_equal(poll_with(&r.base, &w), POLL_READY);
    assert_int_equal(got, 8);
    assert_int_equal(poll_with(&s.base, &w), POLL_PENDING); /* budget 0 */
    assert_int_equal(COUNT(c, wakes), 2);
    assert_int_equal(mpsc_rx_len(&rx), 0);
    coop_budget_set(saved);
    assert_int_equal(poll_with(&s.base, &w), POLL_READY);
    assert_int_equal(mpsc_rx_len(&rx), 1);
    future_drop(&r.base);
    future_drop(&s.base);
    mpsc_tx_drop(&tx);
    mpsc_rx_drop(&rx);
}

/* ---- mpsc across threads: two producers, back-pressure, one consumer ---- */

#define PER_PRODUCER 20000

typedef struct producer {
    mpsc_tx_t tx;
    uint32_t id;
    signal_t sig;
} producer_t;

static void *producer_main(void *arg)
{
    producer_t *p = arg;
    for (uint32_t i = 0; i < PER_PRODUCER; i++) {
        uint64_t v = (uint64_t)p->id << 32 | i;
        mpsc_send_t s;
        mpsc_send_init(&s, &p->tx, &v);
        block_on_signal(&s.base, &p->sig);
        future_drop(&s.base);
        if (s.result != 0)
            return (void *)1;
    }
    mpsc_tx_drop(&p->tx);
    return NULL;
}

static void mpsc_threaded_producers_keep_order(void **state)
{
    (void)state;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(uint64_t), 4, &tx, &rx), 0);
    producer_t p[2];
    pthread_t th[2];
    for (uint32_t k = 0; k < 2; k++) {
        p[k].id = k;
        signal_init(&p[k].sig);
        mpsc_tx_clone(&tx, &p[k].tx);
    }
    mpsc_tx_drop(&tx); /* the end comes when both producers are done */
    for (int k = 0; k < 2; k++)
        assert_int_equal(pthread_create(&th[k], NULL, producer_main, &p[k]), 0);

    signal_t sig;
    signal_init(&sig);
    uint32_t next[2] = {0, 0};
    uint64_t v;
    for (;;) {
        mpsc_recv_t r;
        mpsc_recv_init(&r, &rx, &v);
        block_on_signal(&r.base, &sig);
        future_drop(&r.base);
        if (r.result == -EPIPE)
            break;
        uint32_t id = (uint32_t)(v >> 32), seq = (uint32_t)v;
        assert_true(id < 2);
        assert_int_equal(seq, next[id]); /* each producer's order kept */
        next[id]++;
    }
    for (int k = 0; k < 2; k++) {
        void *ret;
        pthread_join(th[k], &ret);
        assert_null(ret);
        signal_destroy(&p[k].sig);
        assert_int_equal(next[k], PER_PRODUCER);
    }
    mpsc_rx_drop(&rx);
    signal_destroy(&sig);
}

/* ==== notify ============================================================= */

static void notify_one_before_wait_leaves_one_permit(void **state)
{
    (void)state;
    notify_t n;
    assert_int_equal(notify_init(&n), 0);
    notify_one(&n);
    notify_one(&n); /* permits do not add up */
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    notified_t a, b;
    notified_init(&a, &n);
    notified_init(&b, &n);
    assert_int_equal(poll_with(&a.base, &w), POLL_READY);
    assert_int_equal(poll_with(&b.base, &w), POLL_PENDING);
    future_drop(&a.base);
    future_drop(&b.base);
    assert_int_equal(COUNT(c, live), 1);
    notify_destroy(&n);
}

static void notify_one_wakes_the_oldest_waiter(void **state)
{
    (void)state;
    notify_t n;
    assert_int_equal(notify_init(&n), 0);
    counting_waker_t ca, cb;
    waker_t wa = counting_waker(&ca), wb = counting_waker(&cb);
    notified_t a, b;
    notified_init(&a, &n);
    notified_init(&b, &n);
    assert_int_equal(poll_with(&a.base, &wa), POLL_PENDING);
    assert_int_equal(poll_with(&b.base, &wb), POLL_PENDING);
    notify_one(&n);
    assert_int_equal(COUNT(ca, wakes), 1);
    assert_int_equal(COUNT(cb, wakes), 0);
    assert_int_equal(poll_with(&b.base, &wb), POLL_PENDING);
    assert_int_equal(poll_with(&a.base, &wa), POLL_READY);
    notify_one(&n);
    assert_int_equal(COUNT(cb, wakes), 1);
    assert_int_equal(poll_with(&b.base, &wb), POLL_READY);
    future_drop(&a.base);
    future_drop(&b.base);
    assert_int_equal(COUNT(ca, live), 1);
    assert_int_equal(COUNT(cb, live), 1);
    notify_destroy(&n);
}

static void notify_waiters_wakes_everyone_created_before(void **state)
{
    (void)state;
    notify_t n;
    assert_int_equal(notify_init(&n), 0);
    enum { WAITERS = 40 }; /* more than one wake batch */
    counting_waker_t c[WAITERS];
    waker_t w[WAITERS];
    notified_t f[WAITERS], unpolled, later;
    for (int i = 0; i < WAITERS; i++) {
        w[i] = counting_waker(&c[i]);
        notified_init(&f[i], &n);
        assert_int_equal(poll_with(&f[i].base, &w[i]), POLL_PENDING);
    }
    notified_init(&unpolled, &n);
    notify_waiters(&n);
    notified_init(&later, &n);
    for (int i = 0; i < WAITERS; i++) {
        assert_int_equal(COUNT(c[i], wakes), 1);
        assert_int_equal(poll_with(&f[i].base, &w[i]), POLL_READY);
        future_drop(&f[i].base);
        assert_int_equal(COUNT(c[i], live), 1);
    }
    assert_int_equal(poll_with(&unpolled.base, &w[0]), POLL_READY);
    assert_int_equal(poll_with(&later.base, &w[0]), POLL_PENDING); /* no
                                                                  permit */
    future_drop(&unpolled.base);
    future_drop(&later.base);
    notify_destroy(&n);
}

/*
 * A waker whose first wake, which notify_waiters makes between two of its
 * batches (the lock released), queues a new waiter and calls notify_one.
 */
typedef struct hook {
    notify_t *n;
    int wakes;
    notified_t late; /* created during notify_waiters: not included */
    counting_waker_t late_counts;
    waker_t late_waker;
} hook_t;

static const waker_vtable_t hook_vtable;

static waker_t hook_clone(const void *data)
{
    return (waker_t){&hook_vtable, data};
}

static void hook_wake(const void *data)
{
    hook_t *h = (hook_t *)data;
    if (h->wakes++ > 0)
        return;
    notified_init(&h->late, h->n);
    h->late_waker = counting_waker(&h->late_counts);
    assert_int_equal(poll_with(&h->late.base, &h->late_waker), POLL_PENDING);
    notify_one(h->n);
}

static void hook_drop(const void *data)
{
    (void)data;
}

static const waker_vtable_t hook_vtable = {
    .clone = hook_clone,
    .wake = hook_wake,
    .wake_by_ref = hook_wake,
    .drop = hook_drop,
};

static void notify_one_during_notify_waiters_is_not_absorbed(void **state)
{
    (void)state;
    notify_t n;
    assert_int_equal(notify_init(&n), 0);
    enum { WAITERS = 40 }; /* the hook runs after the first batch */
    hook_t h = {.n = &n};
    counting_waker_t c[WAITERS];
    waker_t w[WAITERS];
    notified_t f[WAITERS];
    for (int i = 0; i < WAITERS; i++) {
        w[i] = i == 0 ? (waker_t){&hook_vtable, &h} : counting_waker(&c[i]);
        notified_init(&f[i], &n);
        assert_int_equal(poll_with(&f[i].base, &w[i]), POLL_PENDING);
    }
    notify_waiters(&n);
    /* The notify_one went to the new waiter, not to an old one that
     * notify_waiters was about to wake anyway. */
    assert_int_equal(h.wakes, 1);
    assert_int_equal(COUNT(h.late_counts, wakes), 1);
    for (int i = 0; i < WAITERS; i++) {
        if (i > 0)
            assert_int_equal(COUNT(c[i], wakes), 1);
        assert_int_equal(poll_with(&f[i].base, &w[i]), POLL_READY);
        future_drop(&f[i].base);
    }
    assert_int_equal(poll_with(&h.late.base, &h.late_waker), POLL_READY);
    future_drop(&h.late.base);
    assert_int_equal(COUNT(h.late_counts, live), 1);
    notify_destroy(&n);
}

static void notify_dropped_chosen_waiter_passes_it_on(void **state)
{
    (void)state;
    notify_t n;
    assert_int_equal(notify_init(&n), 0);
    counting_waker_t ca, cb;
    waker_t wa = counting_waker(&ca), wb = counting_waker(&cb);
    notified_t a, b, c;
    notified_init(&a, &n);
    notified_init(&b, &n);
    assert_int_equal(poll_with(&a.base, &wa), POLL_PENDING);
    assert_int_equal(poll_with(&b.base, &wb), POLL_PENDING);
    notify_one(&n);
    future_drop(&a.base); /* chosen, then aborted */
    assert_int_equal(COUNT(cb, wakes), 1);
    assert_int_equal(poll_with(&b.base, &wb), POLL_READY);

    notified_init(&a, &n);
    assert_int_equal(poll_with(&a.base, &wa), POLL_PENDING);
    notify_one(&n);
    future_drop(&a.base); /* nobody else waits: back to the permit */
    notified_init(&c, &n);
    assert_int_equal(poll_with(&c.base, &wb), POLL_READY);
    future_drop(&b.base);
    future_drop(&c.base);
    assert_int_equal(COUNT(ca, live), 1);
    assert_int_equal(COUNT(cb, live), 1);
    notify_destroy(&n);
}

/* Two threads take turns through two notifies, ROUNDS times. */
#define ROUNDS 5000

typedef struct turns {
    notify_t ping, pong;
    signal_t sig;
} turns_t;

static void *pong_thread(void *arg)
{
    turns_t *t = arg;
    for (int i = 0; i < ROUNDS; i++) {
        notified_t f;
        notified_init(&f, &t->ping);
        block_on_signal(&f.base, &t->sig);
        future_drop(&f.base);
        notify_one(&t->pong);
    }
    return NULL;
}

static void notify_threaded_turns(void **state)
{
    (void)state;
    turns_t t;
    assert_int_equal(notify_init(&t.ping), 0);
    assert_int_equal(notify_init(&t.pong), 0);
    signal_init(&t.sig);
    signal_t mine;
    signal_init(&mine);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pong_thread, &t), 0);
    for (int i = 0; i < ROUNDS; i++) {
        notify_one(&t.ping);
        notified_t f;
        notified_init(&f, &t.pong);
        block_on_signal(&f.base, &mine);
        future_drop(&f.base);
    }
    pthread_join(th, NULL);
    notify_destroy(&t.ping);
    notify_destroy(&t.pong);
    signal_destroy(&t.sig);
    signal_destroy(&mine);
}

/* ==== join and abort, on real tasks ====================================== */

/* A child that yields `yields` times, then answers value * 2. */
typedef struct doubler {
    future_t base;
    async_t async;
    int yields;
    int value;
    int output;
} doubler_t;

static poll_t doubler_poll(future_t *f, context_t *cx)
{
    doubler_t *self = (doubler_t *)f;
    ASYNC_BEGIN(self);
    while (self->yields-- > 0)
        YIELD_NOW(self, cx);
    self->output = self->value * 2;
    ASYNC_END(self);
}

/* A parent that spawns a doubler and awaits its output. */
typedef struct joiner {
    future_t base;
    async_t async;
    mini_t *m;
    join_t join;
    int seen; /* the child's output, -1 when it was aborted */
} joiner_t;

static poll_t joiner_poll(future_t *f, context_t *cx)
{
    joiner_t *self = (joiner_t *)f;
    ASYNC_BEGIN(self);
    {
        doubler_t child = {
            .base = {doubler_poll, NULL}, .yields = 3, .value = 21};
        join_init(&self->join, mini_spawn(self->m, &child.base, sizeof child));
    }
    AWAIT(self, cx, &self->join.base);
    doubler_t *out = JOIN_OUTPUT(&self->join, doubler_t);
    self->seen = out != NULL ? out->output : -1;
    join_drop(&self->join);
    ASYNC_END(self);
}

static void joiner_drop(future_t *f)
{
    join_drop(&((joiner_t *)f)->join);
}

static void join_awaits_the_child_output(void **state)
{
    (void)state;
    mini_t m;
    mini_init(&m);
    joiner_t p = {.base = {joiner_poll, joiner_drop}, .m = &m};
    join_handle_t h = mini_spawn(&m, &p.base, sizeof p);
    mini_run(&m);

    join_t j;
    join_init(&j, h);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&j.base, &w), POLL_READY);
    assert_int_equal(JOIN_OUTPUT(&j, joiner_t)->seen, 42);
    join_drop(&j);
    join_drop(&j); /* twice: harmless */
    mini_destroy(&m);
}

static void join_waits_then_wakes_on_completion(void **state)
{
    (void)state;
    mini_t m;
    mini_init(&m);
    doubler_t child = {.base = {doubler_poll, NULL}, .yields = 2, .value = 5};
    join_t j;
    join_init(&j, mini_spawn(&m, &child.base, sizeof child));

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&j.base, &w), POLL_PENDING);
    assert_int_equal(poll_with(&j.base, &w), POLL_PENDING);
    assert_int_equal(COUNT(c, clones), 1);
    mini_run(&m);
    assert_int_equal(COUNT(c, wakes), 1);
    assert_int_equal(poll_with(&j.base, &w), POLL_READY);
    assert_int_equal(JOIN_OUTPUT(&j, doubler_t)->output, 10);
    join_drop(&j);
    assert_int_equal(COUNT(c, live), 1); /* freed with the task */
    mini_destroy(&m);
}

/* A task that awaits one send or one receive on a channel it does not own
 * (the handles live on the test's stack). */
typedef struct channel_task {
    future_t base;
    async_t async;
    mpsc_tx_t *tx; /* set: send value; NULL: receive into value */
    mpsc_rx_t *rx;
    union {
        mpsc_send_t send;
        mpsc_recv_t recv;
    } op;
    int value;
} channel_task_t;

static poll_t channel_task_poll(future_t *f, context_t *cx)
{
    channel_task_t *self = (channel_task_t *)f;
    ASYNC_BEGIN(self);
    if (self->tx != NULL)
        mpsc_send_init(&self->op.send, self->tx, &self->value);
    else
        mpsc_recv_init(&self->op.recv, self->rx, &self->value);
    AWAIT(self, cx, &self->op.send.base); /* base is first in both */
    ASYNC_END(self);
}

static void channel_task_drop(future_t *f)
{
    future_drop(&((channel_task_t *)f)->op.send.base);
}

/*
 * Spawn t, run it until it waits in the channel (its one waker clone is
 * there), abort it, run the abort: the dropped future must take its waker
 * back. Then the join completes with no output and frees the task.
 */
static void abort_while_waiting(channel_task_t t)
{
    mini_t m;
    mini_init(&m);
    t.base = (future_t){channel_task_poll, channel_task_drop};
    join_t j;
    join_init(&j, mini_spawn(&m, &t.base, sizeof t));
    mini_run(&m);
    assert_int_equal(live_wakers(j.handle.task), 1);

    join_abort(&j);
    assert_int_equal(mini_run(&m), 1); /* the run that drops the future */
    assert_int_equal(live_wakers(j.handle.task), 0);

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&j.base, &w), POLL_READY);
    assert_null(j.output);
    join_drop(&j); /* the last reference: the task is freed */
    mini_destroy(&m);
}

static void join_abort_of_a_receiving_task_leaves_no_waker(void **state)
{
    (void)state;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(int), 1, &tx, &rx), 0);
    abort_while_waiting((channel_task_t){.rx = &rx});

    int v = 3;
    assert_int_equal(mpsc_try_send(&tx, &v), 0); /* wakes nobody */
    assert_int_equal(mpsc_try_recv(&rx, &v), 0);
    mpsc_tx_drop(&tx);
    mpsc_rx_drop(&rx);
}

static void join_abort_of_a_sending_task_frees_its_place(void **state)
{
    (void)state;
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(int), 1, &tx, &rx), 0);
    int v = 1;
    assert_int_equal(mpsc_try_send(&tx, &v), 0); /* full */
    abort_while_waiting((channel_task_t){.tx = &tx, .value = 2});

    /* Had the waiter stayed queued, the freed slot would be reserved for
     * it and this newcomer refused. */
    assert_int_equal(mpsc_try_recv(&rx, &v), 0);
    assert_int_equal(mpsc_try_send(&tx, &v), 0);
    mpsc_tx_drop(&tx);
    mpsc_rx_drop(&rx);
}

/* A task that owns a oneshot receiver and waits on it forever. */
typedef struct forever_task {
    future_t base;
    oneshot_rx_t rx;
} forever_task_t;

static poll_t forever_poll(future_t *f, context_t *cx)
{
    return future_poll(&((forever_task_t *)f)->rx.base, cx);
}

static void forever_drop(future_t *f)
{
    oneshot_rx_drop(&((forever_task_t *)f)->rx);
}

static void join_abort_drops_the_child_future(void **state)
{
    (void)state;
    mini_t m;
    mini_init(&m);
    oneshot_tx_t tx;
    forever_task_t t = {.base = {forever_poll, forever_drop}};
    assert_int_equal(oneshot_channel(&tx, &t.rx), 0);
    join_t j;
    join_init(&j, mini_spawn(&m, &t.base, sizeof t));

    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&j.base, &w), POLL_PENDING);
    mini_run(&m);
    assert_false(oneshot_tx_is_closed(&tx));

    join_abort(&j);
    join_abort(&j); /* twice: harmless */
    mini_run(&m);
    assert_true(oneshot_tx_is_closed(&tx)); /* its receiver was dropped */
    assert_int_equal(COUNT(c, wakes), 1);   /* the join was woken */
    assert_int_equal(poll_with(&j.base, &w), POLL_READY);
    assert_null(j.output);
    join_drop(&j);
    assert_int_equal(oneshot_send(&tx, 1), -EPIPE);
    assert_int_equal(COUNT(c, live), 1);
    mini_destroy(&m);
}

static void join_drop_while_pending_detaches(void **state)
{
    (void)state;
    mini_t m;
    mini_init(&m);
    doubler_t child = {.base = {doubler_poll, NULL}, .yields = 1, .value = 1};
    join_t j;
    join_init(&j, mini_spawn(&m, &child.base, sizeof child));
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&j.base, &w), POLL_PENDING);
    join_drop(&j); /* nobody will read the output */
    assert_int_equal(mini_run(&m), 2);
    assert_int_equal(COUNT(c, wakes), 0);
    assert_int_equal(COUNT(c, live), 1); /* freed with the task */
    mini_destroy(&m);
}

/* ==== mutex ============================================================== */

static void mutex_try_lock_and_unlock(void **state)
{
    (void)state;
    mutex_t mx;
    assert_int_equal(mutex_init(&mx), 0);
    assert_int_equal(mutex_try_lock(&mx), 0);
    assert_int_equal(mutex_try_lock(&mx), -EBUSY);
    mutex_unlock(&mx);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    mutex_lock_t l;
    mutex_lock_init(&l, &mx);
    assert_int_equal(poll_with(&l.base, &w), POLL_READY);
    future_drop(&l.base);
    assert_int_equal(mutex_try_lock(&mx), -EBUSY);
    mutex_unlock(&mx);
    assert_int_equal(COUNT(c, clones), 0);
    mutex_destroy(&mx);
}

static void mutex_hands_the_lock_over_in_order(void **state)
{
    (void)state;
    mutex_t mx;
    assert_int_equal(mutex_init(&mx), 0);
    assert_int_equal(mutex_try_lock(&mx), 0);
    counting_waker_t ca, cb, cc;
    waker_t wa = counting_waker(&ca), wb = counting_waker(&cb),
            wc = counting_waker(&cc);
    mutex_lock_t a, b, c;
    mutex_lock_init(&a, &mx);
    mutex_lock_init(&b, &mx);
    mutex_lock_init(&c, &mx);
    assert_int_equal(poll_with(&a.base, &wa), POLL_PENDING);
    assert_int_equal(poll_with(&b.base, &wb), POLL_PENDING);
    assert_int_equal(poll_with(&c.base, &wc), POLL_PENDING);

    mutex_unlock(&mx); /* to a, though a has not run yet */
    assert_int_equal(COUNT(ca, wakes), 1);
    assert_int_equal(mutex_try_lock(&mx), -EBUSY);
    future_drop(&b.base); /* b leaves the queue */
    assert_int_equal(poll_with(&a.base, &wa), POLL_READY);
    mutex_unlock(&mx); /* to c */
    assert_int_equal(COUNT(cb, wakes), 0);
    assert_int_equal(COUNT(cc, wakes), 1);
    future_drop(&c.base); /* handed the lock, dropped unused: unlocked */
    assert_int_equal(mutex_try_lock(&mx), 0);
    mutex_unlock(&mx);
    future_drop(&a.base);
    assert_int_equal(COUNT(ca, live), 1);
    assert_int_equal(COUNT(cb, live), 1);
    assert_int_equal(COUNT(cc, live), 1);
    mutex_destroy(&mx);
}

/* Tasks that read, yield while holding the lock, and write back: any
 * overlap of two critical sections would lose an increment. */
#define COUNTERS   8
#define INCREMENTS 200

typedef struct counter_task {
    future_t base;
    async_t async;
    mini_t *m;
    mutex_t *mx;
    long *counter;
    atomic_int *remaining;
    mutex_lock_t acquire;
    long seen;
    int i;
} counter_task_t;

static poll_t counter_poll(future_t *f, context_t *cx)
{
    counter_task_t *self = (counter_task_t *)f;
    ASYNC_BEGIN(self);
    for (self->i = 0; self->i < INCREMENTS; self->i++) {
        mutex_lock_init(&self->acquire, self->mx);
        AWAIT(self, cx, &self->acquire.base);
        self->seen = *self->counter;
        YIELD_NOW(self, cx);
        *self->counter = self->seen + 1;
        mutex_unlock(self->mx);
    }
    if (atomic_fetch_sub_explicit(self->remaining, 1, memory_order_acq_rel) ==
        1)
        mini_stop(self->m);
    ASYNC_END(self);
}

static void counter_drop(future_t *f)
{
    future_drop(&((counter_task_t *)f)->acquire.base);
}

static void mutex_excludes_across_awaits_on_two_workers(void **state)
{
    (void)state;
    mini_t m;
    mini_init(&m);
    mutex_t mx;
    assert_int_equal(mutex_init(&mx), 0);
    long counter = 0;
    atomic_int remaining;
    atomic_init(&remaining, COUNTERS);
    for (int i = 0; i < COUNTERS; i++) {
        counter_task_t t = {.base = {counter_poll, counter_drop},
                            .m = &m,
                            .mx = &mx,
                            .counter = &counter,
                            .remaining = &remaining};
        mini_spawn_detached(&m, &t.base, sizeof t);
    }
    mini_run_two_workers(&m);
    assert_int_equal(counter, COUNTERS * INCREMENTS);
    mutex_destroy(&mx);
    mini_destroy(&m);
}

/* ==== on every executor (core/executor.h) =============================== */

/* Producers send PER_TASK tagged values each into a small bounded channel;
 * a consumer (the block_on future) checks every producer's order. */
#define PRODUCERS 4
#define PER_TASK  500

typedef struct fan_producer {
    future_t base;
    async_t async;
    mpsc_tx_t tx; /* moved in at spawn */
    mpsc_send_t send;
    uint32_t id, i;
    uint64_t value;
} fan_producer_t;

static poll_t fan_producer_poll(future_t *f, context_t *cx)
{
    fan_producer_t *self = (fan_producer_t *)f;
    ASYNC_BEGIN(self);
    for (self->i = 0; self->i < PER_TASK; self->i++) {
        self->value = (uint64_t)self->id << 32 | self->i;
        mpsc_send_init(&self->send, &self->tx, &self->value);
        AWAIT(self, cx, &self->send.base);
        if (self->send.result != 0)
            break;
    }
    mpsc_tx_drop(&self->tx);
    ASYNC_END(self);
}

static void fan_producer_drop(future_t *f)
{
    fan_producer_t *self = (fan_producer_t *)f;
    future_drop(&self->send.base);
    mpsc_tx_drop(&self->tx);
}

typedef struct fan_consumer {
    future_t base;
    async_t async;
    mpsc_rx_t *rx;
    mpsc_recv_t recv;
    uint64_t value;
    uint32_t next[PRODUCERS]; /* the sequence number expected next */
    int disorder;
} fan_consumer_t;

static poll_t fan_consumer_poll(future_t *f, context_t *cx)
{
    fan_consumer_t *self = (fan_consumer_t *)f;
    ASYNC_BEGIN(self);
    for (;;) {
        mpsc_recv_init(&self->recv, self->rx, &self->value);
        AWAIT(self, cx, &self->recv.base);
        if (self->recv.result != 0)
            break;
        uint32_t id = (uint32_t)(self->value >> 32);
        if (id >= PRODUCERS || (uint32_t)self->value != self->next[id]++)
            self->disorder++;
    }
    ASYNC_END(self);
}

static void fan_in_on(const executor_entry_t *e)
{
    executor_config_t cfg = {.kind = e->kind, .workers = 2};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    mpsc_tx_t tx;
    mpsc_rx_t rx;
    assert_int_equal(mpsc_channel(sizeof(uint64_t), 8, &tx, &rx), 0);
    for (uint32_t k = 0; k < PRODUCERS; k++) {
        fan_producer_t p = {.base = {fan_producer_poll, fan_producer_drop},
                            .id = k};
        mpsc_tx_clone(&tx, &p.tx);
        assert_int_equal(
            executor_spawn(ex, &p.base, sizeof p, "producer", NULL), 0);
    }
    mpsc_tx_drop(&tx);
    fan_consumer_t c = {.base = {fan_consumer_poll, NULL}, .rx = &rx};
    assert_int_equal(executor_block_on(ex, &c.base), 0);
    assert_int_equal(c.disorder, 0);
    for (int k = 0; k < PRODUCERS; k++)
        assert_int_equal(c.next[k], PER_TASK);
    future_drop(&c.recv.base);
    executor_destroy(ex);
    mpsc_rx_drop(&rx);
}

static void mpsc_fan_in_on_every_executor(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++)
        fan_in_on(e);
}

/* The root aborts a child that waits on a oneshot forever, then awaits
 * its join: the output is NULL and the child's receiver was dropped. */
typedef struct abort_root {
    future_t base;
    async_t async;
    join_t join;
} abort_root_t;

static poll_t abort_root_poll(future_t *f, context_t *cx)
{
    abort_root_t *self = (abort_root_t *)f;
    ASYNC_BEGIN(self);
    YIELD_NOW(self, cx); /* let the child run and start waiting */
    join_abort(&self->join);
    AWAIT(self, cx, &self->join.base);
    ASYNC_END(self);
}

static void abort_on(const executor_entry_t *e)
{
    executor_config_t cfg = {.kind = e->kind, .workers = 2};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    oneshot_tx_t tx;
    forever_task_t t = {.base = {forever_poll, forever_drop}};
    assert_int_equal(oneshot_channel(&tx, &t.rx), 0);
    join_handle_t h = {NULL};
    assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "forever", &h), 0);
    abort_root_t root = {.base = {abort_root_poll, NULL}};
    join_init(&root.join, h);
    assert_int_equal(executor_block_on(ex, &root.base), 0);
    assert_null(root.join.output);
    assert_true(oneshot_tx_is_closed(&tx));
    assert_int_equal(oneshot_send(&tx, 1), -EPIPE);
    join_drop(&root.join);
    executor_destroy(ex);
}

static void join_abort_on_every_executor(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++)
        abort_on(e);
}

/* ==== registry =========================================================== */

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oneshot_send_first),
        cmocka_unit_test(oneshot_recv_first),
        cmocka_unit_test(oneshot_repoll_keeps_one_waker),
        cmocka_unit_test(oneshot_sender_drop_ends_recv),
        cmocka_unit_test(oneshot_receiver_drop_fails_send),
        cmocka_unit_test(oneshot_drop_while_waiting_releases_waker),
        cmocka_unit_test(oneshot_close_keeps_earlier_value),
        cmocka_unit_test(oneshot_try_recv_reports_each_state),
        cmocka_unit_test(oneshot_spent_budget_defers_the_value),
        cmocka_unit_test(oneshot_threaded_send_wakes_receiver),
        cmocka_unit_test(oneshot_threaded_drop_races_send),
        cmocka_unit_test(oneshot_ping_pong_on_two_workers),
        cmocka_unit_test(mpsc_rejects_empty_elements),
        cmocka_unit_test(mpsc_delivers_in_order),
        cmocka_unit_test(mpsc_recv_waits_then_send_wakes),
        cmocka_unit_test(mpsc_last_sender_drop_ends_recv),
        cmocka_unit_test(mpsc_receiver_drop_fails_send),
        cmocka_unit_test(mpsc_bounded_send_waits_for_room),
        cmocka_unit_test(mpsc_waiting_senders_are_served_in_order),
        cmocka_unit_test(mpsc_dropped_sender_passes_its_slot_on),
        cmocka_unit_test(mpsc_close_wakes_waiting_senders),
        cmocka_unit_test(mpsc_unbounded_grows_across_the_wrap),
        cmocka_unit_test(mpsc_dropped_recv_leaves_no_waker),
        cmocka_unit_test(mpsc_spent_budget_keeps_the_element),
        cmocka_unit_test(mpsc_threaded_producers_keep_order),
        cmocka_unit_test(notify_one_before_wait_leaves_one_permit),
        cmocka_unit_test(notify_one_wakes_the_oldest_waiter),
        cmocka_unit_test(notify_waiters_wakes_everyone_created_before),
        cmocka_unit_test(notify_one_during_notify_waiters_is_not_absorbed),
        cmocka_unit_test(notify_dropped_chosen_waiter_passes_it_on),
        cmocka_unit_test(notify_threaded_turns),
        cmocka_unit_test(join_awaits_the_child_output),
        cmocka_unit_test(join_waits_then_wakes_on_completion),
        cmocka_unit_test(join_abort_of_a_receiving_task_leaves_no_waker),
        cmocka_unit_test(join_abort_of_a_sending_task_frees_its_place),
        cmocka_unit_test(join_abort_drops_the_child_future),
        cmocka_unit_test(join_drop_while_pending_detaches),
        cmocka_unit_test(mutex_try_lock_and_unlock),
        cmocka_unit_test(mutex_hands_the_lock_over_in_order),
        cmocka_unit_test(mutex_excludes_across_awaits_on_two_workers),
        cmocka_unit_test(mpsc_fan_in_on_every_executor),
        cmocka_unit_test(join_abort_on_every_executor),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("sync", tests, NULL, NULL);
}
