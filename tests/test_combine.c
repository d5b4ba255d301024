/*
 * tests/test_combine.c - join_all, select and select_timeout (sync/combine.h).
 *
 * Three layers, as tests/test_sync.c:
 *  - by hand: children written here, polled through the combinator with a
 *    counting waker, so every poll of a child, every wake of the task and
 *    every drop is counted exactly;
 *  - threads: another OS thread wakes the children while this one polls
 *    and waits for the counting waker to move (TSan watches the block);
 *  - executors: real sleeps, oneshots and reactor registrations on spin,
 *    notify, ws with two threads, and ws in simulation (three seeds).
 *
 * No timing decides a result except as a lower bound (a join of sleeps
 * takes at least its longest, on the driver's own clock).
 * Run one test: ./build/tests/test_combine select_drops_every_loser_once
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/executors.h"
#include "core/async.h"
#include "core/executor.h"
#include "driver/driver.h"
#include "driver/reactor.h"
#include "driver/time.h"
#include "sync/combine.h"
#include "sync/join.h"
#include "sync/oneshot.h"

#define COUNT(c, field) atomic_load_explicit(&(c).field, memory_order_relaxed)

static poll_t poll_with(future_t *f, waker_t *w)
{
    context_t cx = {.waker = w};
    return future_poll(f, &cx);
}

/* ==== a child for polling by hand ======================================== */

/* READY once `ready` is set; otherwise PENDING, keeping the waker when
 * keep_waker (and losing the wakeup when not). Counts polls and drops. */
typedef struct manual {
    future_t base;
    bool ready;
    bool keep_waker;
    waker_t waker; /* kept while pending */
    int polls, drops;
    bool after_ready; /* polled again after READY: a broken contract */
    bool was_ready;
} manual_t;

static poll_t manual_poll(future_t *f, context_t *cx)
{
    manual_t *m = (manual_t *)f;
    m->polls++;
    if (m->was_ready)
        m->after_ready = true;
    if (m->ready) {
        waker_drop(&m->waker);
        m->was_ready = true;
        return POLL_READY;
    }
    if (m->keep_waker)
        waker_register(&m->waker, cx);
    return POLL_PENDING;
}

static void manual_drop(future_t *f)
{
    manual_t *m = (manual_t *)f;
    m->drops++;
    waker_drop(&m->waker);
}

static manual_t manual_new(bool ready)
{
    return (manual_t){.base = {manual_poll, manual_drop},
                      .ready = ready,
                      .keep_waker = true,
                      .waker = WAKER_EMPTY};
}

/* Make m ready and wake what it kept (by reference: it stays kept). */
static void manual_fire(manual_t *m)
{
    m->ready = true;
    waker_wake_by_ref(&m->waker);
}

/* ==== by hand ============================================================ */

static void join_all_polls_only_the_woken_children(void **state)
{
    (void)state;
    manual_t m[3] = {manual_new(false), manual_new(false), manual_new(false)};
    future_t *kids[3] = {&m[0].base, &m[1].base, &m[2].base};
    join_all_t j;
    assert_int_equal(join_all_init(&j, kids, 3), 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);

    assert_int_equal(poll_with(&j.base, &w), POLL_PENDING);
    assert_int_equal(j.child_polls, 3); /* the first pass polls everyone */
    assert_int_equal(j.pending, 3);

    manual_fire(&m[1]);
    assert_int_equal(COUNT(c, wakes), 1);
    assert_int_equal(poll_with(&j.base, &w), POLL_PENDING);
    assert_int_equal(j.child_polls, 4); /* child 1 only */
    assert_int_equal(m[0].polls, 1);
    assert_int_equal(m[1].polls, 2);
    assert_int_equal(m[2].polls, 1);
    assert_int_equal(j.pending, 2);

    /* A burst of wakes between two polls is one wake of the task. */
    waker_wake_by_ref(&m[0].waker);
    waker_wake_by_ref(&m[0].waker);
    manual_fire(&m[2]);
    manual_fire(&m[0]);
    assert_int_equal(COUNT(c, wakes), 2);
    assert_int_equal(poll_with(&j.base, &w), POLL_READY);
    assert_int_equal(j.child_polls, 6);
    assert_int_equal(j.pending, 0);
    for (int i = 0; i < 3; i++) {
        assert_false(m[i].after_ready);
        assert_int_equal(m[i].drops, 0); /* outputs stay in the children */
    }
    /* READY: the task's waker is given back. */
    assert_int_equal(COUNT(c, live), 1);
    future_drop(&j.base);
    for (int i = 0; i < 3; i++)
        assert_int_equal(m[i].drops, 1);
    future_drop(&j.base); /* a second drop: nothing */
    for (int i = 0; i < 3; i++)
        assert_int_equal(m[i].drops, 1);
}

static void join_all_of_nothing_is_ready(void **state)
{
    (void)state;
    join_all_t j;
    assert_int_equal(join_all_init(&j, NULL, 0), 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&j.base, &w), POLL_READY);
    assert_int_equal(COUNT(c, live), 1);
    future_drop(&j.base);
}

static void combinators_refuse_bad_children(void **state)
{
    (void)state;
    manual_t m = manual_new(false);
    future_t *kids[2] = {&m.base, NULL};
    join_all_t j;
    select_t s;
    select_timeout_t t;
    assert_int_equal(join_all_init(&j, kids, 2), -EINVAL);
    assert_int_equal(join_all_init(&j, NULL, 1), -EINVAL);
    assert_int_equal(select_init(&s, kids, 0), -EINVAL);
    assert_int_equal(select_init(&s, kids, 2), -EINVAL);
    assert_int_equal(select_timeout_init(&t, NULL, 5), -EINVAL);
    assert_int_equal(m.drops, 0); /* nothing was taken */
}

static void select_takes_the_first_ready_in_one_pass(void **state)
{
    (void)state;
    manual_t m[3] = {manual_new(false), manual_new(true), manual_new(true)};
    future_t *kids[3] = {&m[0].base, &m[1].base, &m[2].base};
    select_t s;
    assert_int_equal(select_init(&s, kids, 3), 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&s.base, &w), POLL_READY);
    /* 1 and 2 were both ready in the first pass: 1 wins, every time. */
    assert_int_equal(s.winner, 1);
    assert_int_equal(m[2].polls, 0); /* not even polled: the pass stopped */
    assert_int_equal(m[0].drops, 1); /* losers dropped before READY */
    assert_int_equal(m[2].drops, 1);
    assert_int_equal(m[1].drops, 0); /* the winner keeps its output */
    assert_int_equal(COUNT(c, live), 1); /* m[0]'s waker went with it */
    future_drop(&s.base);
    assert_int_equal(m[0].drops, 1);
    assert_int_equal(m[1].drops, 1);
    assert_int_equal(m[2].drops, 1);
}

static void select_two_woken_in_one_poll_picks_the_lower(void **state)
{
    (void)state;
    manual_t m[3] = {manual_new(false), manual_new(false), manual_new(false)};
    future_t *kids[3] = {&m[0].base, &m[1].base, &m[2].base};
    select_t s;
    assert_int_equal(select_init(&s, kids, 3), 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&s.base, &w), POLL_PENDING);
    manual_fire(&m[2]); /* 2 first, then 0: both before the next poll */
    manual_fire(&m[0]);
    assert_int_equal(poll_with(&s.base, &w), POLL_READY);
    assert_int_equal(s.winner, 0);
    assert_int_equal(m[1].drops, 1);
    assert_int_equal(m[2].drops, 1);
    assert_int_equal(m[2].polls, 1); /* a loser that was ready: not polled */
    future_drop(&s.base);
    for (int i = 0; i < 3; i++)
        assert_int_equal(m[i].drops, 1);
    assert_int_equal(COUNT(c, live), 1);
}

static void select_later_winner_beats_a_lower_index(void **state)
{
    (void)state;
    manual_t m[2] = {manual_new(false), manual_new(false)};
    future_t *kids[2] = {&m[0].base, &m[1].base};
    select_t s;
    assert_int_equal(select_init(&s, kids, 2), 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&s.base, &w), POLL_PENDING);
    manual_fire(&m[1]);
    assert_int_equal(poll_with(&s.base, &w), POLL_READY);
    assert_int_equal(s.winner, 1);
    assert_int_equal(m[0].polls, 1);
    assert_int_equal(m[0].drops, 1);
    future_drop(&s.base);
    assert_int_equal(m[0].drops, 1);
    assert_int_equal(m[1].drops, 1);
}

/* A child that keeps no waker is a lost wakeup: the combinator must not
 * hide it by holding the task's waker itself. */
static void a_lost_child_wakeup_lets_go_of_the_task_waker(void **state)
{
    (void)state;
    manual_t m[2] = {manual_new(false), manual_new(false)};
    m[0].keep_waker = false;
    m[1].keep_waker = false;
    future_t *kids[2] = {&m[0].base, &m[1].base};
    join_all_t j;
    assert_int_equal(join_all_init(&j, kids, 2), 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&j.base, &w), POLL_PENDING);
    assert_int_equal(COUNT(c, live), 1); /* nobody can wake it: none held */
    future_drop(&j.base);
    assert_int_equal(m[0].drops + m[1].drops, 2);

    /* A child keeps a waker: the task's is held; the child drops it
     * unwoken: the task's goes with it. */
    manual_t k = manual_new(false);
    future_t *one[1] = {&k.base};
    assert_int_equal(join_all_init(&j, one, 1), 0);
    assert_int_equal(poll_with(&j.base, &w), POLL_PENDING);
    assert_int_equal(COUNT(c, live), 2);
    waker_drop(&k.waker); /* dropped, never woken */
    assert_int_equal(COUNT(c, live), 1);
    assert_int_equal(COUNT(c, wakes), 0);
    future_drop(&j.base);
    assert_int_equal(k.drops, 1);
}

/* A child's waker may outlive the child and the combinator. */
static void a_child_waker_outlives_its_combinator(void **state)
{
    (void)state;
    manual_t m = manual_new(false);
    future_t *kids[1] = {&m.base};
    select_t s;
    assert_int_equal(select_init(&s, kids, 1), 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&s.base, &w), POLL_PENDING);
    waker_t kept = waker_clone(&m.waker); /* e.g. a channel's copy */
    future_drop(&s.base);
    assert_int_equal(m.drops, 1);
    assert_int_equal(COUNT(c, live), 1); /* the task's waker is released */
    waker_wake_by_ref(&kept);            /* wakes nothing, breaks nothing */
    assert_int_equal(COUNT(c, wakes), 0);
    waker_wake(&kept); /* the last reference: the block is freed (ASan) */
    assert_int_equal(COUNT(c, wakes), 0);
}

/* Dropped before it is ever polled: every child once. */
static void a_combinator_dropped_unpolled_drops_its_children(void **state)
{
    (void)state;
    manual_t m[2] = {manual_new(false), manual_new(true)};
    future_t *kids[2] = {&m[0].base, &m[1].base};
    select_t s;
    assert_int_equal(select_init(&s, kids, 2), 0);
    future_drop(&s.base);
    assert_int_equal(m[0].drops, 1);
    assert_int_equal(m[1].drops, 1);
    assert_int_equal(m[0].polls + m[1].polls, 0);
}

/* 130 children: three words of the bitmap, all woken by one poll each. */
static void join_all_of_many_spans_the_bitmap(void **state)
{
    (void)state;
    enum { N = 130 };
    static manual_t m[N];
    future_t *kids[N];
    for (int i = 0; i < N; i++) {
        m[i] = manual_new(false);
        kids[i] = &m[i].base;
    }
    join_all_t j;
    assert_int_equal(join_all_init(&j, kids, N), 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_int_equal(poll_with(&j.base, &w), POLL_PENDING);
    assert_int_equal(j.child_polls, N);
    for (int i = N - 1; i >= 0; i -= 2) /* every other, from the top */
        manual_fire(&m[i]);
    assert_int_equal(poll_with(&j.base, &w), POLL_PENDING);
    assert_int_equal(j.child_polls, N + N / 2);
    for (int i = 0; i < N; i += 2)
        manual_fire(&m[i]);
    assert_int_equal(poll_with(&j.base, &w), POLL_READY);
    assert_int_equal(j.child_polls, 2 * N);
    assert_int_equal(COUNT(c, wakes), 2);
    future_drop(&j.base);
    for (int i = 0; i < N; i++) {
        assert_int_equal(m[i].polls, 2);
        assert_int_equal(m[i].drops, 1);
    }
}

/* ==== threads ============================================================ */

/*
 * Poll f until READY; between polls, wait (yielding the CPU) until the
 * counting waker has been woken since the poll began. Returns the polls.
 * The waker lives as long as the test: a sender may wake it just after
 * the future it was given to has completed.
 */
static int block_on_counting(future_t *f, counting_waker_t *c)
{
    waker_t w = counting_waker(c);
    for (int polls = 1;; polls++) {
        int before = atomic_load(&c->wakes);
        if (poll_with(f, &w) == POLL_READY)
            return polls;
        while (atomic_load(&c->wakes) == before)
            sched_yield();
    }
}

#define THREAD_KIDS 40

typedef struct senders {
    oneshot_tx_t tx[THREAD_KIDS];
} senders_t;

static void *send_all_backwards(void *arg)
{
    senders_t *s = arg;
    for (int i = THREAD_KIDS - 1; i >= 0; i--)
        oneshot_send(&s->tx[i], (uint64_t)i * 3);
    return NULL;
}

static void join_all_of_oneshots_woken_from_another_thread(void **state)
{
    (void)state;
    for (int round = 0; round < 50; round++) {
        static oneshot_rx_t rx[THREAD_KIDS];
        static senders_t s;
        future_t *kids[THREAD_KIDS];
        for (int i = 0; i < THREAD_KIDS; i++) {
            assert_int_equal(oneshot_channel(&s.tx[i], &rx[i]), 0);
            kids[i] = &rx[i].base;
        }
        join_all_t j;
        assert_int_equal(join_all_init(&j, kids, THREAD_KIDS), 0);
        counting_waker_t c;
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, send_all_backwards, &s), 0);
        block_on_counting(&j.base, &c);
        pthread_join(t, NULL);
        /* Each child was polled once, plus once per time it was woken. */
        assert_true(j.child_polls <= 2 * THREAD_KIDS);
        for (int i = 0; i < THREAD_KIDS; i++) {
            assert_int_equal(rx[i].result, 0);
            assert_int_equal(rx[i].value, (uint64_t)i * 3);
        }
        future_drop(&j.base);
        assert_int_equal(COUNT(c, live), 1);
    }
}

/* A select whose losers' senders race the select's READY and drop. */
static void *send_to_all(void *arg)
{
    senders_t *s = arg;
    for (int i = 0; i < 4; i++)
        oneshot_send(&s->tx[i], 1);
    return NULL;
}

static void select_of_oneshots_races_its_senders(void **state)
{
    (void)state;
    for (int round = 0; round < 500; round++) {
        oneshot_rx_t rx[4];
        senders_t s;
        future_t *kids[4];
        for (int i = 0; i < 4; i++) {
            assert_int_equal(oneshot_channel(&s.tx[i], &rx[i]), 0);
            kids[i] = &rx[i].base;
        }
        select_t sel;
        assert_int_equal(select_init(&sel, kids, 4), 0);
        counting_waker_t c;
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, send_to_all, &s), 0);
        block_on_counting(&sel.base, &c);
        assert_true(sel.winner >= 0 && sel.winner < 4);
        assert_int_equal(rx[sel.winner].result, 0);
        future_drop(&sel.base);
        pthread_join(t, NULL);
        assert_int_equal(COUNT(c, live), 1); /* every clone came back */
    }
}

/* ==== on every executor ================================================== */

typedef struct exec_case {
    const char *name;
    const executor_kind_t *kind;
    int workers;
    bool sim;
    uint64_t seed;
} exec_case_t;

/* spin, notify, ws on two threads, ws simulated with three seeds. */
static int exec_cases(exec_case_t *out)
{
    int n = 0;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        out[n++] = (exec_case_t){e->name, e->kind, 2, false, 0};
        if (strcmp(e->name, "ws") == 0)
            for (uint64_t seed = 1; seed <= 3; seed++)
                out[n++] = (exec_case_t){"ws --sim", e->kind, 2, true, seed};
    }
    return n;
}

static executor_t *exec_new(const exec_case_t *c)
{
    executor_config_t cfg = {.kind = c->kind,
                             .workers = c->workers,
                             .sim = c->sim,
                             .seed = c->seed};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    return ex;
}

typedef void (*exec_test_fn)(const exec_case_t *c);

static void on_every_executor(exec_test_fn fn)
{
    exec_case_t cases[16];
    int n = exec_cases(cases);
    for (int i = 0; i < n; i++) {
        if (cases[i].sim)
            print_message("  on %s --seed %llu\n", cases[i].name,
                          (unsigned long long)cases[i].seed);
        else
            print_message("  on %s\n", cases[i].name);
        fn(&cases[i]);
    }
}

static uint64_t now_ms(void)
{
    return driver_now_ms(driver_current());
}

static size_t timers_pending(void)
{
    driver_stats_t st;
    driver_stats(driver_current(), &st);
    return (size_t)st.timers_pending;
}

/* ---- children that count their drops (any thread) ------------------------ */

typedef struct tally {
    atomic_int drops;
    atomic_int polls;
} tally_t;

/* A sleep that counts. */
typedef struct counted_sleep {
    future_t base;
    sleep_t sleep;
    tally_t *tally;
} counted_sleep_t;

static poll_t counted_sleep_poll(future_t *f, context_t *cx)
{
    counted_sleep_t *s = (counted_sleep_t *)f;
    atomic_fetch_add(&s->tally->polls, 1);
    return future_poll(&s->sleep.base, cx);
}

static void counted_sleep_drop(future_t *f)
{
    counted_sleep_t *s = (counted_sleep_t *)f;
    atomic_fetch_add(&s->tally->drops, 1);
    future_drop(&s->sleep.base);
}

static void counted_sleep_init(counted_sleep_t *s, uint64_t ms, tally_t *t)
{
    s->base = (future_t){counted_sleep_poll, counted_sleep_drop};
    sleep_init(&s->sleep, ms);
    s->tally = t;
}

/* Waiting for an fd to be readable, registered with the driver's reactor
 * at the first poll; the drop deregisters (the I/O wait's cancellation). */
typedef struct fd_wait {
    future_t base;
    int fd;
    reactor_reg_t *reg;
    tally_t *tally;
} fd_wait_t;

static poll_t fd_wait_poll(future_t *f, context_t *cx)
{
    fd_wait_t *w = (fd_wait_t *)f;
    atomic_fetch_add(&w->tally->polls, 1);
    if (w->reg == NULL &&
        reactor_register(driver_reactor(driver_current()), w->fd, &w->reg) !=
            0)
        return POLL_READY; /* nothing to wait on: the test sees polls */
    reactor_event_t ev;
    return reactor_poll_ready(w->reg, REACTOR_READ, cx, &ev);
}

static void fd_wait_drop(future_t *f)
{
    fd_wait_t *w = (fd_wait_t *)f;
    atomic_fetch_add(&w->tally->drops, 1);
    if (w->reg != NULL)
        reactor_deregister(w->reg);
    w->reg = NULL;
}

static void fd_wait_init(fd_wait_t *w, int fd, tally_t *t)
{
    *w = (fd_wait_t){{fd_wait_poll, fd_wait_drop}, fd, NULL, t};
}

/* ---- join of sleeps ------------------------------------------------------ */

typedef struct join_sleeps {
    future_t base;
    async_t async;
    sleep_t naps[3];
    join_all_t join;
    uint64_t start, end;
} join_sleeps_t;

static const uint64_t nap_ms[3] = {5, 40, 15};

static poll_t join_sleeps_poll(future_t *f, context_t *cx)
{
    join_sleeps_t *self = (join_sleeps_t *)f;
    ASYNC_BEGIN(self);
    for (int i = 0; i < 3; i++)
        sleep_init(&self->naps[i], nap_ms[i]);
    future_t *kids[3] = {&self->naps[0].base, &self->naps[1].base,
                         &self->naps[2].base};
    if (join_all_init(&self->join, kids, 3) != 0)
        return POLL_READY; /* the test sees end == 0 */
    self->start = now_ms();
    AWAIT(self, cx, &self->join.base);
    self->end = now_ms();
    ASYNC_END(self);
}

static void join_sleeps_on(const exec_case_t *c)
{
    executor_t *ex = exec_new(c);
    join_sleeps_t t = {.base = {join_sleeps_poll, NULL}};
    assert_int_equal(executor_block_on(ex, &t.base), 0);
    assert_true(t.end >= t.start + 40); /* the longest: a lower bound */
    /* Each sleep polled to arm it and once when it fired: per-child
     * wakers, not a re-poll of all three on each of the three wakes. */
    assert_int_equal(t.join.child_polls, 6);
    future_drop(&t.join.base);
    executor_destroy(ex);
}

static void join_of_sleeps_takes_the_longest(void **state)
{
    (void)state;
    on_every_executor(join_sleeps_on);
}

/* ---- select: the losers are dropped at once, once ------------------------ */

typedef struct select_losers {
    future_t base;
    async_t async;
    sleep_t quick;
    counted_sleep_t slow;
    fd_wait_t io;
    select_t sel;
    tally_t *slow_tally, *io_tally;
    int fd;
    /* seen right after READY, inside the task */
    int slow_drops, io_drops;
    size_t timers, fds;
} select_losers_t;

static poll_t select_losers_poll(future_t *f, context_t *cx)
{
    select_losers_t *self = (select_losers_t *)f;
    ASYNC_BEGIN(self);
    sleep_init(&self->quick, 10);
    counted_sleep_init(&self->slow, 100000, self->slow_tally);
    fd_wait_init(&self->io, self->fd, self->io_tally);
    future_t *kids[3] = {&self->slow.base, &self->io.base, &self->quick.base};
    if (select_init(&self->sel, kids, 3) != 0)
        return POLL_READY;
    AWAIT(self, cx, &self->sel.base);
    self->slow_drops = atomic_load(&self->slow_tally->drops);
    self->io_drops = atomic_load(&self->io_tally->drops);
    self->timers = timers_pending();
    self->fds = reactor_count(driver_reactor(driver_current()));
    ASYNC_END(self);
}

static void select_losers_on(const exec_case_t *c)
{
    executor_t *ex = exec_new(c);
    int sv[2];
    assert_int_equal(
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
        0);
    tally_t slow = {0}, io = {0};
    select_losers_t t = {.base = {select_losers_poll, NULL},
                         .slow_tally = &slow,
                         .io_tally = &io,
                         .fd = sv[0]};
    assert_int_equal(executor_block_on(ex, &t.base), 0);
    assert_int_equal(t.sel.winner, 2);
    assert_int_equal(t.slow_drops, 1); /* before select returned READY */
    assert_int_equal(t.io_drops, 1);
    assert_int_equal(t.timers, 0); /* the slow sleep's timer is cancelled */
    assert_int_equal(t.fds, 0);    /* the I/O wait is deregistered */
    future_drop(&t.sel.base);
    assert_int_equal(atomic_load(&slow.drops), 1); /* still once */
    assert_int_equal(atomic_load(&io.drops), 1);
    executor_destroy(ex);
    close(sv[0]);
    close(sv[1]);
}

static void select_drops_every_loser_once(void **state)
{
    (void)state;
    on_every_executor(select_losers_on);
}

/* ---- select: two ready in the same poll ---------------------------------- */

typedef struct select_tie {
    future_t base;
    async_t async;
    oneshot_tx_t tx[3];
    oneshot_rx_t rx[3];
    select_t sel;
    poll_t first;
} select_tie_t;

static poll_t select_tie_poll(future_t *f, context_t *cx)
{
    select_tie_t *self = (select_tie_t *)f;
    ASYNC_BEGIN(self);
    for (int i = 0; i < 3; i++)
        if (oneshot_channel(&self->tx[i], &self->rx[i]) != 0)
            return POLL_READY;
    future_t *kids[3] = {&self->rx[0].base, &self->rx[1].base,
                         &self->rx[2].base};
    if (select_init(&self->sel, kids, 3) != 0)
        return POLL_READY;
    self->first = future_poll(&self->sel.base, cx); /* all wait */
    /* Child 2's value comes first, then child 1's, in this one poll of
     * the task: both are woken before the select's next poll. */
    oneshot_send(&self->tx[2], 22);
    oneshot_send(&self->tx[1], 11);
    AWAIT(self, cx, &self->sel.base);
    for (int i = 0; i < 3; i++)
        oneshot_tx_drop(&self->tx[i]);
    ASYNC_END(self);
}

static void select_tie_on(const exec_case_t *c)
{
    executor_t *ex = exec_new(c);
    select_tie_t t = {.base = {select_tie_poll, NULL}};
    assert_int_equal(executor_block_on(ex, &t.base), 0);
    assert_int_equal(t.first, POLL_PENDING);
    assert_int_equal(t.sel.winner, 1); /* the lower index, not the first sent */
    assert_int_equal(t.rx[1].value, 11);
    future_drop(&t.sel.base);
    executor_destroy(ex);
}

static void select_tie_goes_to_the_lower_index(void **state)
{
    (void)state;
    on_every_executor(select_tie_on);
}

/* ---- select_timeout ------------------------------------------------------ */

typedef struct timeout_case {
    future_t base;
    async_t async;
    oneshot_tx_t tx;   /* never sent: the inner future waits for ever */
    oneshot_rx_t rx;
    counted_sleep_t quick; /* the other round: inner wins */
    select_timeout_t late, early;
    tally_t *tally;
    uint64_t start, end;
    bool closed_at_ready; /* the receiver was dropped by the timeout */
    size_t timers_after_win;
} timeout_case_t;

static poll_t timeout_case_poll(future_t *f, context_t *cx)
{
    timeout_case_t *self = (timeout_case_t *)f;
    ASYNC_BEGIN(self);
    if (oneshot_channel(&self->tx, &self->rx) != 0 ||
        select_timeout_init(&self->late, &self->rx.base, 30) != 0)
        return POLL_READY;
    self->start = now_ms();
    AWAIT(self, cx, &self->late.select.base);
    self->end = now_ms();
    self->closed_at_ready = oneshot_tx_is_closed(&self->tx);

    counted_sleep_init(&self->quick, 5, self->tally);
    if (select_timeout_init(&self->early, &self->quick.base, 100000) != 0)
        return POLL_READY;
    AWAIT(self, cx, &self->early.select.base);
    self->timers_after_win = timers_pending();
    oneshot_tx_drop(&self->tx);
    ASYNC_END(self);
}

static void timeout_on(const exec_case_t *c)
{
    executor_t *ex = exec_new(c);
    tally_t tally = {0};
    timeout_case_t t = {.base = {timeout_case_poll, NULL}, .tally = &tally};
    assert_int_equal(executor_block_on(ex, &t.base), 0);
    assert_true(select_timed_out(&t.late));
    assert_true(t.end >= t.start + 30);
    assert_true(t.closed_at_ready); /* inner dropped when time ran out */
    assert_false(select_timed_out(&t.early));
    assert_int_equal(t.timers_after_win, 0); /* the timeout's timer: gone */
    assert_int_equal(atomic_load(&tally.drops), 0); /* the winner's output */
    future_drop(&t.late.select.base);
    future_drop(&t.early.select.base);
    assert_int_equal(atomic_load(&tally.drops), 1);
    executor_destroy(ex);
}

static void select_timeout_fires_and_drops_its_inner_future(void **state)
{
    (void)state;
    on_every_executor(timeout_on);
}

/* ---- nested -------------------------------------------------------------- */

/*
 * join_all {
 *     select { sleep 60 (counted), sleep 10 },          -> 1 wins at 10
 *     select_timeout { sleep 100000 (counted), 20 ms }, -> times out at 20
 *     sleep 35                                          -> the longest
 * }
 */
typedef struct nested {
    future_t base;
    async_t async;
    counted_sleep_t a_slow;
    sleep_t a_fast;
    select_t a;
    counted_sleep_t b_inner;
    select_timeout_t b;
    sleep_t c;
    join_all_t all;
    tally_t *tally;
    uint64_t start, end;
    size_t timers_at_end;
    int drops_at_end;
} nested_t;

static poll_t nested_poll(future_t *f, context_t *cx)
{
    nested_t *self = (nested_t *)f;
    ASYNC_BEGIN(self);
    counted_sleep_init(&self->a_slow, 60, self->tally);
    sleep_init(&self->a_fast, 10);
    future_t *a_kids[2] = {&self->a_slow.base, &self->a_fast.base};
    counted_sleep_init(&self->b_inner, 100000, self->tally);
    sleep_init(&self->c, 35);
    future_t *all_kids[3] = {&self->a.base, &self->b.select.base,
                             &self->c.base};
    if (select_init(&self->a, a_kids, 2) != 0)
        return POLL_READY;
    if (select_timeout_init(&self->b, &self->b_inner.base, 20) != 0 ||
        join_all_init(&self->all, all_kids, 3) != 0)
        return POLL_READY; /* (a test failure; leaks are ASan's to show) */
    self->start = now_ms();
    AWAIT(self, cx, &self->all.base);
    self->end = now_ms();
    self->timers_at_end = timers_pending();
    self->drops_at_end = atomic_load(&self->tally->drops);
    ASYNC_END(self);
}

static void nested_on(const exec_case_t *c)
{
    executor_t *ex = exec_new(c);
    tally_t tally = {0};
    nested_t t = {.base = {nested_poll, NULL}, .tally = &tally};
    assert_int_equal(executor_block_on(ex, &t.base), 0);
    assert_true(t.end >= t.start + 35);
    assert_int_equal(t.a.winner, 1);
    assert_true(select_timed_out(&t.b));
    assert_int_equal(t.drops_at_end, 2); /* both losers, each once */
    assert_int_equal(t.timers_at_end, 0);
    future_drop(&t.all.base); /* drops a, b, c, and theirs once */
    assert_int_equal(atomic_load(&tally.drops), 2);
    executor_destroy(ex);
}

static void nested_combinators_finish_and_drop_once(void **state)
{
    (void)state;
    on_every_executor(nested_on);
}

/* ---- a task holding combinators is aborted ------------------------------- */

/*
 * The child task: join_all { sleep forever (counted), select { oneshot rx
 * (never sent; counted through the channel closing), sleep forever
 * (counted) } }. It tells the root it is waiting, and the root aborts it.
 */
typedef struct victim {
    future_t base;
    async_t async;
    counted_sleep_t s1, s2;
    oneshot_rx_t rx; /* moved in at spawn; nobody sends */
    select_t sel;
    join_all_t all;
    bool ready; /* the combinators exist (the drop must drop them) */
    oneshot_tx_t started; /* moved in at spawn */
    tally_t *tally;
} victim_t;

static poll_t victim_poll(future_t *f, context_t *cx)
{
    victim_t *self = (victim_t *)f;
    ASYNC_BEGIN(self);
    counted_sleep_init(&self->s1, 1000000, self->tally);
    counted_sleep_init(&self->s2, 1000000, self->tally);
    future_t *sel_kids[2] = {&self->rx.base, &self->s2.base};
    future_t *all_kids[2] = {&self->s1.base, &self->sel.base};
    if (select_init(&self->sel, sel_kids, 2) != 0)
        return POLL_READY;
    if (join_all_init(&self->all, all_kids, 2) != 0) {
        future_drop(&self->sel.base);
        return POLL_READY;
    }
    self->ready = true;
    if (future_poll(&self->all.base, cx) == POLL_READY)
        return POLL_READY; /* cannot be: the test sees no timer */
    oneshot_send(&self->started, 1);
    AWAIT(self, cx, &self->all.base);
    ASYNC_END(self);
}

static void victim_drop(future_t *f)
{
    victim_t *self = (victim_t *)f;
    oneshot_tx_drop(&self->started);
    if (self->ready)
        future_drop(&self->all.base);
    else
        oneshot_rx_drop(&self->rx);
}

typedef struct aborter {
    future_t base;
    async_t async;
    oneshot_rx_t started;
    join_t join;
    size_t timers_after;
} aborter_t;

static poll_t aborter_poll(future_t *f, context_t *cx)
{
    aborter_t *self = (aborter_t *)f;
    ASYNC_BEGIN(self);
    AWAIT(self, cx, &self->started.base); /* the victim waits now */
    join_abort(&self->join);
    AWAIT(self, cx, &self->join.base);
    self->timers_after = timers_pending();
    ASYNC_END(self);
}

static void abort_on(const exec_case_t *c)
{
    executor_t *ex = exec_new(c);
    tally_t tally = {0};
    oneshot_tx_t never_tx;
    victim_t v = {.base = {victim_poll, victim_drop}, .tally = &tally};
    aborter_t root = {.base = {aborter_poll, NULL}};
    assert_int_equal(oneshot_channel(&never_tx, &v.rx), 0);
    assert_int_equal(oneshot_channel(&v.started, &root.started), 0);
    join_handle_t h = {NULL};
    assert_int_equal(executor_spawn(ex, &v.base, sizeof v, "victim", &h), 0);
    join_init(&root.join, h);
    assert_int_equal(executor_block_on(ex, &root.base), 0);
    assert_null(root.join.output); /* aborted, not finished */
    assert_int_equal(atomic_load(&tally.drops), 2); /* each sleep once */
    assert_int_equal(atomic_load(&tally.polls), 2); /* each polled once */
    assert_true(oneshot_tx_is_closed(&never_tx)); /* the receiver too */
    assert_int_equal(root.timers_after, 0);
    oneshot_tx_drop(&never_tx);
    join_drop(&root.join);
    executor_destroy(ex);
}

static void an_aborted_task_drops_every_child_once(void **state)
{
    (void)state;
    on_every_executor(abort_on);
}

/* ---- a lost wakeup inside a combinator is still reported ----------------- */

typedef struct lost_inside {
    future_t base;
    async_t async;
    sleep_t nap;
    manual_t lost; /* pending for ever, keeps no waker */
    join_all_t all;
} lost_inside_t;

static poll_t lost_inside_poll(future_t *f, context_t *cx)
{
    lost_inside_t *self = (lost_inside_t *)f;
    ASYNC_BEGIN(self);
    sleep_init(&self->nap, 5);
    self->lost = manual_new(false);
    self->lost.keep_waker = false;
    future_t *kids[2] = {&self->nap.base, &self->lost.base};
    if (join_all_init(&self->all, kids, 2) != 0)
        return POLL_READY;
    AWAIT(self, cx, &self->all.base);
    ASYNC_END(self);
}

static void lost_inside_drop(future_t *f)
{
    lost_inside_t *self = (lost_inside_t *)f;
    if (self->async != 0)
        future_drop(&self->all.base);
}

static void lost_inside_on(const exec_case_t *c)
{
    if (strcmp(c->name, "spin") == 0)
        return; /* spin polls every task for ever: it never sees one lost */
    executor_t *ex = exec_new(c);
    lost_inside_t t = {.base = {lost_inside_poll, lost_inside_drop}};
    assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "lost", NULL), 0);
    assert_int_equal(executor_run(ex), -EDEADLK);
    executor_destroy(ex);
}

static void a_lost_wakeup_inside_a_join_is_reported(void **state)
{
    (void)state;
    on_every_executor(lost_inside_on);
}

/* ==== registry =========================================================== */

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(join_all_polls_only_the_woken_children),
        cmocka_unit_test(join_all_of_nothing_is_ready),
        cmocka_unit_test(combinators_refuse_bad_children),
        cmocka_unit_test(select_takes_the_first_ready_in_one_pass),
        cmocka_unit_test(select_two_woken_in_one_poll_picks_the_lower),
        cmocka_unit_test(select_later_winner_beats_a_lower_index),
        cmocka_unit_test(a_lost_child_wakeup_lets_go_of_the_task_waker),
        cmocka_unit_test(a_child_waker_outlives_its_combinator),
        cmocka_unit_test(a_combinator_dropped_unpolled_drops_its_children),
        cmocka_unit_test(join_all_of_many_spans_the_bitmap),
        cmocka_unit_test(join_all_of_oneshots_woken_from_another_thread),
        cmocka_unit_test(select_of_oneshots_races_its_senders),
        cmocka_unit_test(join_of_sleeps_takes_the_longest),
        cmocka_unit_test(select_drops_every_loser_once),
        cmocka_unit_test(select_tie_goes_to_the_lower_index),
        cmocka_unit_test(select_timeout_fires_and_drops_its_inner_future),
        cmocka_unit_test(nested_combinators_finish_and_drop_once),
        cmocka_unit_test(an_aborted_task_drops_every_child_once),
        cmocka_unit_test(a_lost_wakeup_inside_a_join_is_reported),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("combine", tests, NULL, NULL);
}
