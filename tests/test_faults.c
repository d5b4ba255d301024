/*
 * tests/test_faults.c - injected faults, on every executor in the table
 * (bench/executors.c: spin, notify, and ws once it is there): what goes
 * wrong must give an error value and free everything, never crash, leak
 * or hang.
 *
 *   fault                                      what must happen
 *   ─────────────────────────────────────────  ───────────────────────────
 *   a foreign thread keeps a waker and wakes   the wake is a no-op, the
 *   it after the executor is destroyed (or     last drop frees the task
 *   while it is being destroyed)
 *   abort of a task that is running (itself,   dropped once when its poll
 *   or from another thread mid-poll)           returns, join sees "cancelled"
 *   every join handle dropped early            each output dropped once
 *   spawn from a drop that runs in destroy     -ESHUTDOWN, nothing leaks
 *   1,000,000 tasks pending at destroy         every future dropped, freed
 *   a TCP peer resets mid-echo (SO_LINGER 0)   -ECONNRESET / -EPIPE
 *   out of file descriptors (a forked child    -EMFILE from accept, connect,
 *   lowers RLIMIT_NOFILE)                      bind, and from c10k
 *   a trace ring that fills up                 drops counted, nothing waits
 *
 * Nothing depends on timing: threads meet through a mutex and a condition
 * variable, and every check is a count or an error value. Leaks are found
 * by the sanitizer builds (make asan) and valgrind (make valgrind).
 *
 * One test: ./build/tests/test_faults faults_tcp_reset_mid_echo
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/executors.h"
#include "scenarios/scenario.h"
#include "core/executor.h"
#include "core/trace.h"
#include "driver/net.h"
#include "trace/blocks.h"
#include "trace/live.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* ---- helpers ------------------------------------------------------------- */

static executor_t *new_executor(const executor_entry_t *e)
{
    executor_config_t cfg = {.kind = e->kind};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    return ex;
}

/* A meeting point for two threads: a waker, a few flags, one lock. */
typedef struct meet {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    waker_t waker; /* under lock */
    int step;      /* under lock: how far the protocol has got */
} meet_t;

static void meet_init(meet_t *m)
{
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    m->waker = WAKER_EMPTY;
    m->step = 0;
}

static void meet_destroy(meet_t *m)
{
    waker_drop(&m->waker);
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->lock);
}

static void meet_set(meet_t *m, int step)
{
    pthread_mutex_lock(&m->lock);
    m->step = step;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
}

static void meet_wait(meet_t *m, int step)
{
    pthread_mutex_lock(&m->lock);
    while (m->step < step)
        pthread_cond_wait(&m->cond, &m->lock);
    pthread_mutex_unlock(&m->lock);
}

/* Counts a future's polls and drops; the future itself holds a pointer. */
typedef struct tally {
    atomic_int polls;
    atomic_int drops;
} tally_t;

/* One scheduling decision, where the executor can take one at a time
 * (threads mode of ws cannot: -ENOTSUP, and its workers run anyway). */
static void step_if_possible(executor_t *ex)
{
    int r = executor_step(ex);
    assert_true(r >= 0 || r == -ENOTSUP);
}

/* block_on this until *flag is set: yields, so block_on runs the other
 * tasks meanwhile, on every executor. */
typedef struct until {
    future_t base;
    atomic_bool *flag;
} until_t;

static poll_t until_poll(future_t *self, context_t *cx)
{
    until_t *u = (until_t *)self;
    if (atomic_load_explicit(u->flag, memory_order_acquire))
        return POLL_READY;
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}

static void block_until(executor_t *ex, atomic_bool *flag)
{
    until_t u = {{until_poll, NULL}, flag};
    assert_int_equal(executor_block_on(ex, &u.base), 0);
}

/* ---- a waker kept by a foreign thread ------------------------------------ */

/* Polled once: hands a clone of its waker to the meeting point, then
 * stays pending forever. */
typedef struct handover {
    future_t base;
    meet_t *meet;
    tally_t *tally;
    atomic_bool *polled;
} handover_t;

static poll_t handover_poll(future_t *self, context_t *cx)
{
    handover_t *h = (handover_t *)self;
    atomic_fetch_add(&h->tally->polls, 1);
    pthread_mutex_lock(&h->meet->lock);
    waker_register(&h->meet->waker, cx);
    pthread_mutex_unlock(&h->meet->lock);
    atomic_store_explicit(h->polled, true, memory_order_release);
    return POLL_PENDING;
}

static void handover_drop(future_t *self)
{
    atomic_fetch_add(&((handover_t *)self)->tally->drops, 1);
}

/* The foreign thread: waits for step 1, wakes the waker it was given (and
 * so drops it), says step 2. */
static void *foreign_waker(void *arg)
{
    meet_t *m = arg;
    meet_wait(m, 1);
    pthread_mutex_lock(&m->lock);
    waker_t w = waker_take(&m->waker);
    pthread_mutex_unlock(&m->lock);
    if (waker_is_set(&w))
        waker_wake(&w);
    meet_set(m, 2);
    return NULL;
}

/* One run: the task hands its waker over; destroy; then (or racing it,
 * when race) the foreign thread wakes it. */
static void foreign_wake_around_destroy(const executor_entry_t *e, bool race)
{
    meet_t m;
    meet_init(&m);
    tally_t tally = {0, 0};
    atomic_bool polled = false;
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, foreign_waker, &m), 0);

    executor_t *ex = new_executor(e);
    handover_t h = {{handover_poll, handover_drop}, &m, &tally, &polled};
    assert_int_equal(executor_spawn(ex, &h.base, sizeof h, "handover", NULL),
                     0);
    block_until(ex, &polled);
    if (race)
        meet_set(&m, 1); /* the wake may land before, in or after destroy */
    executor_destroy(ex);
    if (!race)
        meet_set(&m, 1); /* strictly after: the executor is freed */
    meet_wait(&m, 2);
    pthread_join(thread, NULL);
    meet_destroy(&m);

    /* A threaded executor may poll it again if the wake came first. */
    assert_true(race ? atomic_load(&tally.polls) >= 1
                     : atomic_load(&tally.polls) == 1);
    assert_int_equal(atomic_load(&tally.drops), 1);
}

static void faults_foreign_wake_after_destroy(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++)
        foreign_wake_around_destroy(e, false);
}

/* ws is left out: workstealing/ws.h asks that no other thread wake its
 * tasks while destroy runs (its parkers are freed under the waker's feet;
 * TSan shows the race). Wakes after destroy are covered above. */
static void faults_foreign_wake_races_destroy(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++)
        for (int i = 0; i < 50 && strcmp(e->name, "ws") != 0; i++)
            foreign_wake_around_destroy(e, true);
}

/* ---- abort of a running task --------------------------------------------- */

/* Aborts itself (through its own join handle) during a poll, wakes itself,
 * and returns PENDING: it must be dropped, not polled again. The handle is
 * written by executor_spawn, which a threaded executor may not have
 * returned from yet when the first poll runs: until `ready` says so, the
 * future only yields. */
typedef struct self_abort {
    future_t base;
    join_handle_t *own;
    atomic_bool *ready; /* *own is set (release, after executor_spawn) */
    bool aborted;
    tally_t *tally; /* polls: those after the abort (must stay 0) */
} self_abort_t;

static poll_t self_abort_poll(future_t *self, context_t *cx)
{
    self_abort_t *s = (self_abort_t *)self;
    if (s->aborted)
        atomic_fetch_add(&s->tally->polls, 1);
    if (!s->aborted && atomic_load_explicit(s->ready, memory_order_acquire)) {
        join_handle_abort(s->own);
        s->aborted = true;
    }
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}

static void self_abort_drop(future_t *self)
{
    atomic_fetch_add(&((self_abort_t *)self)->tally->drops, 1);
}

/* After the run: the handle says "finished, cancelled" and is dropped. */
static void expect_cancelled(join_handle_t *h)
{
    waker_t noop = waker_noop();
    context_t cx = {&noop};
    assert_int_equal(join_handle_poll(h, &cx), POLL_READY);
    assert_null(join_handle_output(h));
    join_handle_drop(h);
}

static void faults_abort_self_while_running(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        executor_t *ex = new_executor(e);
        tally_t tally = {0, 0};
        join_handle_t h;
        atomic_bool ready = false;
        self_abort_t s = {
            {self_abort_poll, self_abort_drop}, &h, &ready, false, &tally};
        assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "abort", &h), 0);
        atomic_store_explicit(&ready, true, memory_order_release);
        assert_int_equal(executor_run(ex), 0);
        assert_int_equal(atomic_load(&tally.polls), 0);
        assert_int_equal(atomic_load(&tally.drops), 1);
        expect_cancelled(&h);
        executor_destroy(ex);
    }
}

/* Its one poll says "running" (step 1) and waits until another thread has
 * aborted it (step 2), then returns PENDING with no wake arranged: only the
 * abort can finish it. */
typedef struct abort_victim {
    future_t base;
    meet_t *meet;
    tally_t *tally;
} abort_victim_t;

static poll_t abort_victim_poll(future_t *self, context_t *cx)
{
    (void)cx;
    abort_victim_t *v = (abort_victim_t *)self;
    atomic_fetch_add(&v->tally->polls, 1);
    meet_set(v->meet, 1);
    meet_wait(v->meet, 2);
    return POLL_PENDING;
}

static void abort_victim_drop(future_t *self)
{
    atomic_fetch_add(&((abort_victim_t *)self)->tally->drops, 1);
}

typedef struct aborter {
    meet_t *meet;
    join_handle_t *h;
} aborter_t;

static void *aborter_thread(void *arg)
{
    aborter_t *a = arg;
    meet_wait(a->meet, 1);
    join_handle_abort(a->h); /* the victim is inside its poll right now */
    meet_set(a->meet, 2);
    return NULL;
}

static void faults_abort_from_another_thread_mid_poll(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        executor_t *ex = new_executor(e);
        meet_t m;
        meet_init(&m);
        tally_t tally = {0, 0};
        join_handle_t h;
        abort_victim_t v = {{abort_victim_poll, abort_victim_drop}, &m, &tally};
        assert_int_equal(executor_spawn(ex, &v.base, sizeof v, "victim", &h),
                         0);
        aborter_t a = {&m, &h};
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, aborter_thread, &a), 0);
        assert_int_equal(executor_run(ex), 0);
        pthread_join(thread, NULL);
        assert_int_equal(atomic_load(&tally.polls), 1);
        assert_int_equal(atomic_load(&tally.drops), 1);
        expect_cancelled(&h);
        executor_destroy(ex);
        meet_destroy(&m);
    }
}

/* ---- join handles dropped early ------------------------------------------ */

/* Yields `left` times, then READY; its output is "owned" until dropped. */
typedef struct yielder {
    future_t base;
    int left;
    tally_t *tally;
} yielder_t;

static poll_t yielder_poll(future_t *self, context_t *cx)
{
    yielder_t *y = (yielder_t *)self;
    atomic_fetch_add(&y->tally->polls, 1);
    if (y->left-- == 0)
        return POLL_READY;
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}

static void yielder_drop(future_t *self)
{
    atomic_fetch_add(&((yielder_t *)self)->tally->drops, 1);
}

#define EARLY_TASKS 200

/* Half the handles go before the run, the other half after one step. */
static void faults_join_handles_dropped_early(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        executor_t *ex = new_executor(e);
        tally_t tally = {0, 0};
        join_handle_t *h = calloc(EARLY_TASKS, sizeof *h);
        assert_non_null(h);
        for (int i = 0; i < EARLY_TASKS; i++) {
            yielder_t y = {{yielder_poll, yielder_drop}, 3, &tally};
            assert_int_equal(
                executor_spawn(ex, &y.base, sizeof y, "yielder", &h[i]), 0);
            if (i % 2 == 0)
                join_handle_drop(&h[i]);
        }
        step_if_possible(ex);
        for (int i = 1; i < EARLY_TASKS; i += 2)
            join_handle_drop(&h[i]);
        assert_int_equal(executor_run(ex), 0);
        assert_int_equal(atomic_load(&tally.polls), EARLY_TASKS * 4);
        assert_int_equal(atomic_load(&tally.drops), EARLY_TASKS);
        executor_destroy(ex);
        free(h);
    }
}

/* ---- spawning while the executor shuts down ------------------------------ */

/* Pending forever; when destroy drops it, it tries to spawn, twice: on its
 * executor by name, and on the current one. */
typedef struct late_spawner {
    future_t base;
    executor_t *ex;
    int *results; /* [0] executor_spawn, [1] spawn */
    tally_t *tally;         /* the refused future's drops */
    int *drops_by_library;  /* how many had run before we dropped it */
} late_spawner_t;

static poll_t pending_poll(future_t *self, context_t *cx)
{
    (void)self;
    (void)cx;
    return POLL_PENDING;
}

static void late_spawner_drop(future_t *self)
{
    late_spawner_t *l = (late_spawner_t *)self;
    yielder_t y = {{yielder_poll, yielder_drop}, 0, l->tally};
    join_handle_t h = {NULL};
    l->results[0] = executor_spawn(l->ex, &y.base, sizeof y, "late", &h);
    /* 1: no executor is current while this drop runs (nothing to ask). */
    l->results[1] =
        executor_current() != NULL ? spawn(&y.base, sizeof y, "late", NULL) : 1;
    assert_null(h.task); /* on error, no task and no handle */
    /* Refused: nothing was taken, so the future is still ours to drop. */
    *l->drops_by_library = atomic_load(&l->tally->drops);
    future_drop(&y.base);
}

static void faults_spawn_during_shutdown_is_refused(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        executor_t *ex = new_executor(e);
        int results[2] = {1, 1};
        tally_t tally = {0, 0};
        int by_library = -1;
        late_spawner_t l = {{pending_poll, late_spawner_drop}, ex, results,
                            &tally, &by_library};
        assert_int_equal(executor_spawn(ex, &l.base, sizeof l, "late", NULL),
                         0);
        step_if_possible(ex); /* polled once, and pending */
        executor_destroy(ex);
        assert_int_equal(results[0], -ESHUTDOWN);
        assert_true(results[1] == -ESHUTDOWN || results[1] == 1);
        /* The rule of core/executor.h: a refused spawn drops nothing. */
        assert_int_equal(by_library, 0);
        assert_int_equal(atomic_load(&tally.drops), 1);
    }
}

#if !SANITIZED
static size_t mapped_bytes(void)
{
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%lu", &pages), 1);
    fclose(f);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

/* Out of memory: the same rule. A future of 1 GiB (mapped, so it can be
 * copied from) under an address-space limit that leaves no room for the
 * task: -ENOMEM, and the future is not dropped. The sanitizers reserve
 * terabytes of shadow memory, so the limit cannot be set under them. */
static void faults_spawn_out_of_memory_drops_nothing(void **state)
{
    (void)state;
#if SANITIZED
    skip();
#else
    const size_t size = (size_t)1 << 30;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        executor_t *ex = new_executor(e);
        char *big = mmap(NULL, size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(big != MAP_FAILED);
        tally_t tally = {0, 0};
        yielder_t y = {{yielder_poll, yielder_drop}, 0, &tally};
        memcpy(big, &y, sizeof y);

        struct rlimit old, tight;
        assert_int_equal(getrlimit(RLIMIT_AS, &old), 0);
        tight = old;
        /* What the process maps now, plus half of what the task needs. */
        tight.rlim_cur = mapped_bytes() + size / 2;
        assert_int_equal(setrlimit(RLIMIT_AS, &tight), 0);
        join_handle_t h = {NULL};
        int rc = executor_spawn(ex, (future_t *)big, size, "big", &h);
        assert_int_equal(setrlimit(RLIMIT_AS, &old), 0);

        assert_int_equal(rc, -ENOMEM);
        assert_null(h.task);
        assert_int_equal(atomic_load(&tally.drops), 0);
        future_drop((future_t *)big); /* still ours */
        assert_int_equal(atomic_load(&tally.drops), 1);
        munmap(big, size);
        executor_destroy(ex);
    }
#endif
}

/* ---- nested block_on -------------------------------------------------------
 *
 * block_on (or run) from inside a poll of the same executor: -EBUSY on
 * every executor (spin and notify used to abort on an assertion). */

static poll_t ready_poll(future_t *self, context_t *cx)
{
    (void)self;
    (void)cx;
    return POLL_READY;
}

typedef struct nester {
    future_t base;
    executor_t *ex;
    atomic_int block_on_result, run_result;
} nester_t;

static poll_t nester_poll(future_t *self, context_t *cx)
{
    (void)cx;
    nester_t *n = (nester_t *)self;
    future_t inner = {ready_poll, NULL};
    atomic_store(&n->block_on_result, executor_block_on(n->ex, &inner));
    atomic_store(&n->run_result, executor_run(n->ex));
    return POLL_READY;
}

static void faults_nested_block_on_is_refused(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        executor_t *ex = new_executor(e);
        /* Inside block_on's own future. */
        nester_t root = {{nester_poll, NULL}, ex, 1, 1};
        assert_int_equal(executor_block_on(ex, &root.base), 0);
        assert_int_equal(atomic_load(&root.block_on_result), -EBUSY);
        assert_int_equal(atomic_load(&root.run_result), -EBUSY);
        /* Inside a task. */
        nester_t task = {{nester_poll, NULL}, ex, 1, 1};
        join_handle_t h;
        assert_int_equal(executor_spawn(ex, &task.base, sizeof task, "nest",
                                        &h),
                         0);
        assert_int_equal(executor_run(ex), 0);
        nester_t *copy = (nester_t *)join_handle_output(&h);
        assert_non_null(copy);
        assert_int_equal(atomic_load(&copy->block_on_result), -EBUSY);
        assert_int_equal(atomic_load(&copy->run_result), -EBUSY);
        join_handle_drop(&h);
        executor_destroy(ex);
    }
}

/* ---- a million pending tasks at destroy ---------------------------------- */

/* ws runs in simulation here: stepping needs all workers on one thread. */
static void million_pending(const executor_entry_t *e, int n)
{
    executor_config_t cfg = {.kind = e->kind, .sim = true, .seed = 1};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    tally_t tally = {0, 0};
    yielder_t y = {{yielder_poll, yielder_drop}, INT32_MAX, &tally};
    for (int i = 0; i < n; i++)
        assert_int_equal(executor_spawn(ex, &y.base, sizeof y, "pending", NULL),
                         0);
    for (int i = 0; i < n / 2; i++) /* some of them polled, once or more */
        assert_true(executor_step(ex) >= 0);
    executor_destroy(ex);
    assert_int_equal(atomic_load(&tally.drops), n);
}

/* Every future dropped; every task freed (the sanitizers and valgrind
 * would name a leaked one). Fewer under the sanitizers: same paths. */
static void faults_million_pending_tasks_freed_at_destroy(void **state)
{
    (void)state;
    int n = SANITIZED ? 100000 : 1000000;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++)
        million_pending(e, n);
}

/* ---- a TCP peer that resets mid-echo ------------------------------------- */

/* The server: bind, accept one connection, echo until an error or the
 * end; remembers the first error. */
typedef struct echo_server {
    future_t base;
    meet_t *meet; /* step 1: port is set */
    int port;
    int state; /* 0 bind, 1 accept, 2 read, 3 write */
    tcp_listener_t listener;
    tcp_stream_t stream;
    char buf[256];
    size_t len, sent;
    int rounds;      /* echoes completed */
    int first_error; /* 0 or -errno */
} echo_server_t;

static poll_t echo_fail(echo_server_t *s, int err)
{
    if (s->first_error == 0)
        s->first_error = err;
    tcp_stream_close(&s->stream);
    tcp_listener_close(&s->listener);
    return POLL_READY;
}

/* One step of the echo loop; POLL_READY with *again: go on at once. */
static poll_t echo_step(echo_server_t *s, context_t *cx, bool *again)
{
    ssize_t n;
    int r;
    *again = false;
    if (s->state == 1) {
        if (tcp_listener_poll_accept(&s->listener, cx, &s->stream, &r) ==
            POLL_PENDING)
            return POLL_PENDING;
        if (r < 0)
            return echo_fail(s, r);
        s->state = 2;
    } else if (s->state == 2) {
        if (tcp_stream_poll_read(&s->stream, cx, s->buf, sizeof s->buf, &n) ==
            POLL_PENDING)
            return POLL_PENDING;
        if (n <= 0)
            return echo_fail(s, (int)n);
        s->len = (size_t)n;
        s->sent = 0;
        s->state = 3;
    } else {
        if (tcp_stream_poll_write(&s->stream, cx, s->buf + s->sent,
                                  s->len - s->sent, &n) == POLL_PENDING)
            return POLL_PENDING;
        if (n < 0)
            return echo_fail(s, (int)n);
        s->sent += (size_t)n;
        if (s->sent == s->len) {
            s->rounds++;
            s->state = 2;
        }
    }
    *again = true;
    return POLL_READY;
}

static poll_t echo_server_poll(future_t *self, context_t *cx)
{
    echo_server_t *s = (echo_server_t *)self;
    if (s->state == 0) {
        int err = tcp_listener_bind(&s->listener, NULL, NULL, 0);
        if (err != 0)
            return echo_fail(s, err);
        s->port = tcp_listener_port(&s->listener);
        s->state = 1;
        meet_set(s->meet, 1);
    }
    bool again = true;
    poll_t p = POLL_READY;
    while (again)
        p = echo_step(s, cx, &again);
    return p;
}

/* Blocking I/O of exactly len bytes; false on error or end of stream. */
static bool full_io(int fd, void *buf, size_t len, bool writing)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = writing ? write(fd, (char *)buf + done, len - done)
                            : read(fd, (char *)buf + done, len - done);
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    return true;
}

/* The peer: one full echo round trip, then 64 more bytes and a reset
 * (SO_LINGER 0, then close) while the server is echoing them. */
typedef struct peer {
    echo_server_t *server;
    bool round_trip_ok;
} peer_t;

static void *resetting_peer(void *arg)
{
    peer_t *p = arg;
    meet_wait(p->server->meet, 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)p->server->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char out[64], in[64];
    memset(out, 'x', sizeof out);
    p->round_trip_ok =
        fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        full_io(fd, out, sizeof out, true) &&
        full_io(fd, in, sizeof in, false) && memcmp(in, out, sizeof in) == 0 &&
        full_io(fd, out, sizeof out, true);
    struct linger reset = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(fd); /* RST, not FIN */
    return NULL;
}

static void faults_tcp_reset_mid_echo(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        executor_t *ex = new_executor(e);
        meet_t m;
        meet_init(&m);
        echo_server_t s = {.base = {echo_server_poll, NULL},
                           .meet = &m,
                           .listener = {-1, NULL, NULL},
                           .stream = TCP_STREAM_CLOSED};
        peer_t p = {&s, false};
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, resetting_peer, &p), 0);
        /* block_on, not spawn: s stays here, where the peer can read it. */
        assert_int_equal(executor_block_on(ex, &s.base), 0);
        pthread_join(thread, NULL);
        executor_destroy(ex);
        meet_destroy(&m);

        assert_true(p.round_trip_ok);
        assert_true(s.rounds >= 1);
        if (s.first_error != -ECONNRESET && s.first_error != -EPIPE)
            fail_msg("%s: the reset gave %d (%s), expected -ECONNRESET or "
                     "-EPIPE",
                     e->name, s.first_error, strerror(-s.first_error));
    }
}

/* ---- out of file descriptors (in a forked child)
 * ---------------------------------
 *
 * The child lowers RLIMIT_NOFILE, which it cannot raise again, and reports
 * through its exit status: 0, or the number of the first expectation that
 * failed (cmocka's asserts must not run in the child).
 */

#define CHILD_SKIP 77 /* the child cannot set up the fault here */

/* How many descriptors are open now (as scenarios/scenario_c10k.c counts). */
static int fds_open(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        n += fcntl(fd, F_GETFD) != -1;
    return n;
}

/* Binds, connects a blocking client (it waits in the backlog), then uses
 * up every descriptor: accept, connect and bind must each give -EMFILE.
 * Gives them back: the listener accepts again. */
typedef struct starver {
    future_t base;
    int state;
    tcp_listener_t listener;
    int client, client2;
    int dups[1024], ndups;
    tcp_accept_t acc;
    tcp_connect_t con;
    int accept_err, connect_err, bind_err, accept_after;
} starver_t;

static int raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void starver_begin(starver_t *s)
{
    if (tcp_listener_bind(&s->listener, NULL, NULL, 0) != 0)
        _exit(10);
    s->client = raw_connect(tcp_listener_port(&s->listener));
    if (s->client < 0)
        _exit(11);
    while (s->ndups < 1024 && (s->dups[s->ndups] = dup(0)) >= 0)
        s->ndups++;
    if (errno != EMFILE)
        _exit(12);
}

static void starver_end_of_starving(starver_t *s)
{
    int port = tcp_listener_port(&s->listener);
    tcp_listener_t other = {-1, NULL, NULL};
    s->bind_err = tcp_listener_bind(&other, NULL, NULL, 0);
    tcp_listener_close(&other);
    tcp_connect_init(&s->con, NULL, (uint16_t)port);
}

static poll_t starver_poll(future_t *self, context_t *cx)
{
    starver_t *s = (starver_t *)self;
    switch (s->state) {
    case 0:
        starver_begin(s);
        tcp_accept_init(&s->acc, &s->listener);
        s->state = 1;
        /* fall through */
    case 1:
        if (future_poll(&s->acc.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        s->accept_err = s->acc.result;
        if (s->acc.result == 0)
            tcp_stream_close(&s->acc.stream);
        starver_end_of_starving(s);
        s->state = 2;
        /* fall through */
    case 2:
        if (future_poll(&s->con.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        s->connect_err = s->con.result;
        if (s->con.result == 0)
            tcp_stream_close(&s->con.stream);
        while (s->ndups > 0)
            close(s->dups[--s->ndups]);
        /* A second client: under valgrind the failed accept has taken
         * (and lost) the first one; on Linux it still waits. */
        s->client2 = raw_connect(tcp_listener_port(&s->listener));
        tcp_accept_init(&s->acc, &s->listener);
        s->state = 3;
        /* fall through */
    default:
        if (future_poll(&s->acc.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        s->accept_after = s->acc.result;
        if (s->acc.result == 0)
            tcp_stream_close(&s->acc.stream);
        close(s->client);
        close(s->client2);
        tcp_listener_close(&s->listener);
        return POLL_READY;
    }
}

static int child_starved_of_fds(const executor_entry_t *e)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = 256; /* the soft limit only: valgrind keeps the hard one */
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1;
    executor_config_t cfg = {.kind = e->kind};
    executor_t *ex = executor_create(&cfg);
    if (ex == NULL)
        return 2;
    starver_t *s = calloc(1, sizeof *s); /* ~4 KiB of descriptors */
    if (s == NULL)
        return 3;
    s->base.poll = starver_poll;
    int err = executor_block_on(ex, &s->base);
    executor_destroy(ex);
    int code = err != 0                    ? 4
               : s->accept_err != -EMFILE  ? 5
               : s->connect_err != -EMFILE ? 6
               : s->bind_err != -EMFILE    ? 7
               : s->accept_after != 0      ? 8
                                           : 0;
    if (code != 0)
        fprintf(stderr,
                "%s: run %d, accept %d, connect %d, bind %d, "
                "accept after %d\n",
                e->name, err, s->accept_err, s->connect_err, s->bind_err,
                s->accept_after);
    free(s);
    return code;
}

/* c10k in a process whose hard limit fits `fit` connections at once. */
static int child_c10k(const executor_entry_t *e, int fit, int connections)
{
    executor_config_t cfg = {.kind = e->kind};
    executor_t *ex = executor_create(&cfg);
    if (ex == NULL)
        return 2;
    /* scenario_c10k: fit = (limit - open now - 4 spare) / 2 */
    rlim_t limit = (rlim_t)(fds_open() + 4 + 2 * fit + (fit == 0 ? -1 : 0));
    struct rlimit rl = {limit, limit};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        executor_destroy(ex);
        return CHILD_SKIP; /* valgrind will not lower the hard limit */
    }
    scenario_params_t p;
    scenario_params_init(&p);
    p.connections = connections;
    p.rounds = 2;
    scenario_result_t r = {0};
    int err = scenario_by_name("c10k")->run(ex, &p, &r);
    executor_destroy(ex);
    bool says_why = strstr(r.what, "RLIMIT_NOFILE") != NULL;
    int code = fit == 0 ? (err != -EMFILE ? 20
                           : !says_why    ? 21
                                          : 0)
                        : (err != 0                                ? 22
                           : r.tasks_done != (uint64_t)connections ? 23
                           : !says_why                             ? 24
                                                                   : 0);
    if (code != 0)
        fprintf(stderr, "%s, fit %d: err %d, %llu done: %s\n", e->name, fit,
                err, (unsigned long long)r.tasks_done, r.what);
    return code;
}

typedef enum child_job { STARVE, C10K_NONE, C10K_FIVE } child_job_t;

static void in_child(const executor_entry_t *e, child_job_t job)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(120); /* a watchdog: a hang ends as SIGALRM, never waits */
        int code = job == STARVE      ? child_starved_of_fds(e)
                   : job == C10K_NONE ? child_c10k(e, 0, 100)
                                      : child_c10k(e, 5, 20);
        fflush(NULL);
        _exit(code);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_SKIP) {
        print_message("%s: job %d skipped: the limit cannot be set here\n",
                      e->name, (int)job);
        return;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s: job %d: child %s %d", e->name, (int)job,
                 WIFEXITED(status) ? "failed expectation" : "killed by signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static void faults_out_of_fds_gives_emfile(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++)
        in_child(e, STARVE);
}

static void faults_c10k_out_of_fds_is_an_error(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        in_child(e, C10K_NONE); /* no connection fits: -EMFILE, and why */
        in_child(e, C10K_FIVE); /* five fit: paced, all 20 done */
    }
}

/* ---- a full trace buffer (--trace-drop) ---------------------------------- */

/* Counts every event, then hands it to the blocks. */
typedef struct tee {
    trace_sink_t sink;
    trace_blocks_t *blocks;
    atomic_uint_fast64_t seen;
} tee_t;

static void tee_write(trace_sink_t *self, const trace_event_t *ev)
{
    tee_t *t = (tee_t *)self;
    atomic_fetch_add_explicit(&t->seen, 1, memory_order_relaxed);
    t->blocks->sink.write(&t->blocks->sink, ev);
}

typedef struct counter {
    trace_sink_t sink;
    uint64_t n;
} counter_t;

static void counter_write(trace_sink_t *self, const trace_event_t *ev)
{
    (void)ev;
    ((counter_t *)self)->n++;
}

/* The smallest drop-mode buffer: two blocks of 1 KiB a thread. */
#define BUFFER_SMALL 2048

/* Nobody reads while 100 tasks yield 3 times each: each thread's two
 * blocks fill, the rest is counted as dropped, and the run completes;
 * what was kept and what was dropped add up to every event. */
static void faults_full_trace_buffer_drops_and_counts(void **state)
{
    (void)state;
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        trace_blocks_t blocks;
        trace_blocks_opts_t o = {.drop = true, .buffer_bytes = BUFFER_SMALL};
        assert_int_equal(trace_blocks_init(&blocks, &o), 0);
        tee_t tee = {{tee_write}, &blocks, 0};
        executor_config_t cfg = {.kind = e->kind, .trace = &tee.sink};
        executor_t *ex = executor_create(&cfg);
        assert_non_null(ex);
        tally_t tally = {0, 0};
        for (int i = 0; i < 100; i++) {
            yielder_t y = {{yielder_poll, yielder_drop}, 3, &tally};
            assert_int_equal(executor_spawn(ex, &y.base, sizeof y, "y", NULL),
                             0);
        }
        assert_int_equal(executor_run(ex), 0);
        executor_destroy(ex);
        counter_t got = {{counter_write}, 0};
        trace_blocks_finish(&blocks);
        trace_live_t reader;
        trace_live_init(&reader, &blocks);
        trace_live_drain(&reader, &got.sink, UINT64_MAX);
        trace_live_destroy(&reader);
        uint64_t dropped = trace_blocks_dropped(&blocks);
        trace_blocks_destroy(&blocks);

        assert_int_equal(atomic_load(&tally.drops), 100);
        assert_true(atomic_load(&tee.seen) > 400); /* 400 polls at least */
        assert_true(dropped > 0);
        assert_int_equal(got.n + dropped, atomic_load(&tee.seen));
    }
}

/* ---- a task that blocks its worker for 2 s ------------------------------- */

/*
 * The careless task: it sleeps 2 s inside its poll, holding its worker.
 * Meanwhile 1,000 small tasks arrive from outside. On ws with two workers
 * the other worker must run them all while the first is still held: the
 * check is on order (every small task done before the blocker returns),
 * with a two-second margin, not on how fast they ran.
 */
typedef struct blocker2 {
    future_t base;
    atomic_bool *returned;
} blocker2_t;

static poll_t blocker2_poll(future_t *f, context_t *cx)
{
    (void)cx;
    struct timespec two_s = {2, 0};
    while (nanosleep(&two_s, &two_s) != 0)
        ;
    atomic_store(((blocker2_t *)f)->returned, true);
    return POLL_READY;
}

typedef struct small_task {
    future_t base;
    atomic_int *left;
} small_task_t;

static poll_t small_task_poll(future_t *f, context_t *cx)
{
    (void)cx;
    atomic_fetch_sub(((small_task_t *)f)->left, 1);
    return POLL_READY;
}

/* block_on this: READY once every small task has run. */
typedef struct all_small_done {
    future_t base;
    atomic_int *left;
} all_small_done_t;

static poll_t all_small_done_poll(future_t *f, context_t *cx)
{
    if (atomic_load(((all_small_done_t *)f)->left) == 0)
        return POLL_READY;
    waker_wake_by_ref(cx->waker); /* poll again soon: a test, not a lesson */
    return POLL_PENDING;
}

static void faults_blocked_worker_for_two_seconds(void **state)
{
    (void)state;
    executor_config_t cfg = {.kind = executor_kind_by_name("ws"),
                             .workers = 2};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    atomic_bool returned = false;
    atomic_int left = 1000;
    blocker2_t b = {{blocker2_poll, NULL}, &returned};
    assert_int_equal(executor_spawn(ex, &b.base, sizeof b, "blocker", NULL),
                     0);
    small_task_t s = {{small_task_poll, NULL}, &left};
    for (int i = 0; i < 1000; i++)
        assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "small", NULL),
                         0);
    all_small_done_t done = {{all_small_done_poll, NULL}, &left};
    assert_int_equal(executor_block_on(ex, &done.base), 0);
    assert_false(atomic_load(&returned)); /* all ran while it blocked */
    assert_int_equal(executor_run(ex), 0);  /* then the blocker finishes */
    assert_true(atomic_load(&returned));
    executor_destroy(ex);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(faults_foreign_wake_after_destroy),
        cmocka_unit_test(faults_foreign_wake_races_destroy),
        cmocka_unit_test(faults_abort_self_while_running),
        cmocka_unit_test(faults_abort_from_another_thread_mid_poll),
        cmocka_unit_test(faults_join_handles_dropped_early),
        cmocka_unit_test(faults_spawn_during_shutdown_is_refused),
        cmocka_unit_test(faults_spawn_out_of_memory_drops_nothing),
        cmocka_unit_test(faults_nested_block_on_is_refused),
        cmocka_unit_test(faults_million_pending_tasks_freed_at_destroy),
        cmocka_unit_test(faults_tcp_reset_mid_echo),
        cmocka_unit_test(faults_out_of_fds_gives_emfile),
        cmocka_unit_test(faults_c10k_out_of_fds_is_an_error),
        cmocka_unit_test(faults_full_trace_buffer_drops_and_counts),
        cmocka_unit_test(faults_blocked_worker_for_two_seconds),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
