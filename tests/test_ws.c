/*
 * tests/test_ws.c - the work-stealing runtime (workstealing/ws.h): task
 * state under real threads, stress, the LIFO cap, a blocked worker, the
 * blocking pool, shutdown, lost wakeups, and the deterministic
 * simulation (same seed, same trace; a thousand seeds keep the
 * invariants).
 *
 * No test passes or fails on timing: where a test waits for another
 * thread it waits for a condition, with a generous bound that only
 * matters when the runtime is broken.
 *
 * One test: ./build/tests/test_ws ws_sim_same_seed_same_hash
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/recorder.h"
#include "core/async.h"
#include "core/executor.h"
#include "core/task.h"
#include "core/trace.h"
#include "driver/time.h"
#include "trace/blocks.h"
#include "workstealing/ws.h"

/* ThreadSanitizer makes the stress 10-20x slower: scale it down there
 * (AddressSanitizer runs the full sizes in about a second). */
#if defined(__SANITIZE_THREAD__)
#define SCALE 10
#else
#define SCALE 1
#endif

/* ---- helpers: executors, time, spinning ---------------------------------- */

static executor_t *ws_new(int workers, bool sim, uint64_t seed,
                          trace_sink_t *trace)
{
    executor_config_t cfg = {
        .kind = &ws_executor_kind,
        .workers = workers,
        .sim = sim,
        .seed = seed,
        .trace = trace,
    };
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    return ex;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void nap_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

/* Wait until *flag is nonzero; false after `ms` (the runtime is broken). */
static bool spin_until(atomic_int *flag, uint64_t ms)
{
    uint64_t end = mono_ms() + ms;
    while (!atomic_load(flag)) {
        if (mono_ms() > end)
            return false;
        nap_us(100);
    }
    return true;
}

/* ---- helpers: a latch that a block_on future waits on -------------------- */

typedef struct latch {
    atomic_int left;
    pthread_mutex_t lock;
    waker_t waker; /* under lock */
} latch_t;

static void latch_init(latch_t *l, int n)
{
    atomic_init(&l->left, n);
    pthread_mutex_init(&l->lock, NULL);
    l->waker = WAKER_EMPTY;
}

static void latch_destroy(latch_t *l)
{
    waker_drop(&l->waker);
    pthread_mutex_destroy(&l->lock);
}

static void latch_down(latch_t *l)
{
    if (atomic_fetch_sub(&l->left, 1) != 1)
        return;
    pthread_mutex_lock(&l->lock);
    waker_t w = waker_take(&l->waker);
    pthread_mutex_unlock(&l->lock);
    if (waker_is_set(&w))
        waker_wake(&w);
}

typedef struct latch_wait {
    future_t base;
    latch_t *latch;
} latch_wait_t;

static poll_t latch_wait_poll(future_t *f, context_t *cx)
{
    latch_t *l = ((latch_wait_t *)f)->latch;
    if (atomic_load(&l->left) <= 0)
        return POLL_READY;
    pthread_mutex_lock(&l->lock);
    waker_register(&l->waker, cx);
    pthread_mutex_unlock(&l->lock);
    return atomic_load(&l->left) <= 0 ? POLL_READY : POLL_PENDING;
}

static int block_on_latch(executor_t *ex, latch_t *l)
{
    latch_wait_t w = {{latch_wait_poll, NULL}, l};
    return executor_block_on(ex, &w.base);
}

/* ---- helpers: a block_on future that awaits a join handle ---------------- */

typedef struct join_wait {
    future_t base;
    join_handle_t *h;
} join_wait_t;

static poll_t join_wait_poll(future_t *f, context_t *cx)
{
    return join_handle_poll(((join_wait_t *)f)->h, cx);
}

static int block_on_join(executor_t *ex, join_handle_t *h)
{
    join_wait_t w = {{join_wait_poll, NULL}, h};
    return executor_block_on(ex, &w.base);
}

/* ---- helpers: marks, "every task exactly once" --------------------------- */

typedef struct marks {
    atomic_uchar *seen;
    atomic_int in_poll_violations;
    size_t n;
} marks_t;

static void marks_init(marks_t *m, size_t n)
{
    m->seen = calloc(n, sizeof *m->seen);
    assert_non_null(m->seen);
    atomic_init(&m->in_poll_violations, 0);
    m->n = n;
}

static void marks_check_all_once(marks_t *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (atomic_load(&m->seen[i]) != 1)
            fail_msg("task %zu completed %d times", i,
                     atomic_load(&m->seen[i]));
    assert_int_equal(atomic_load(&m->in_poll_violations), 0);
    free(m->seen);
}

/* A task that yields `yields` times, then marks its index once and counts
 * a latch down. It checks that no two threads poll it at once. */
typedef struct mark_task {
    future_t base;
    async_t async;
    atomic_int in_poll;
    marks_t *marks;
    latch_t *latch; /* NULL: none */
    size_t index;
    int yields, i;
} mark_task_t;

static poll_t mark_body(mark_task_t *s, context_t *cx)
{
    ASYNC_BEGIN(s);
    for (s->i = 0; s->i < s->yields; s->i++)
        YIELD_NOW(s, cx);
    atomic_fetch_add(&s->marks->seen[s->index], 1);
    if (s->latch != NULL)
        latch_down(s->latch);
    ASYNC_END(s);
}

static poll_t mark_poll(future_t *f, context_t *cx)
{
    mark_task_t *s = (mark_task_t *)f;
    if (atomic_exchange(&s->in_poll, 1) != 0)
        atomic_fetch_add(&s->marks->in_poll_violations, 1);
    poll_t r = mark_body(s, cx);
    atomic_store(&s->in_poll, 0);
    return r;
}

static mark_task_t mark_task(marks_t *m, latch_t *l, size_t index, int yields)
{
    mark_task_t t = {.base = {mark_poll, NULL},
                     .marks = m,
                     .latch = l,
                     .index = index,
                     .yields = yields};
    atomic_init(&t.in_poll, 0);
    return t;
}

/* A task that spawns mark tasks [first, first + count) from inside. */
typedef struct spawner {
    future_t base;
    marks_t *marks;
    latch_t *latch;
    size_t first, count;
    int yields;
} spawner_t;

static poll_t spawner_poll(future_t *f, context_t *cx)
{
    (void)cx;
    spawner_t *s = (spawner_t *)f;
    for (size_t i = s->first; i < s->first + s->count; i++) {
        mark_task_t t =
            mark_task(s->marks, s->latch, i, s->yields > 0 ? (int)(i % 3) : 0);
        assert_int_equal(spawn(&t.base, sizeof t, "mark", NULL), 0);
    }
    return POLL_READY;
}

/* ---- threads: spawning and running --------------------------------------- */

static void ws_spawn_runs_every_task_once(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    marks_t m;
    latch_t l;
    marks_init(&m, 10000);
    latch_init(&l, 10000);
    for (size_t i = 0; i < m.n; i++) {
        mark_task_t t = mark_task(&m, &l, i, (int)(i % 4));
        assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "m", NULL), 0);
    }
    assert_int_equal(block_on_latch(ex, &l), 0);
    executor_destroy(ex);
    marks_check_all_once(&m);
    latch_destroy(&l);
}

static void ws_run_waits_for_every_task(void **state)
{
    (void)state;
    executor_t *ex = ws_new(3, false, 0, NULL);
    marks_t m;
    marks_init(&m, 5000);
    spawner_t s = {{spawner_poll, NULL}, &m, NULL, 0, m.n, 1};
    assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "sp", NULL), 0);
    assert_int_equal(executor_run(ex), 0);

    executor_stats_t st;
    executor_stats(ex, &st);
    assert_int_equal(st.spawned, m.n + 1);
    assert_int_equal(st.completed, m.n + 1);
    executor_destroy(ex);
    marks_check_all_once(&m);
}

static void stress(int workers, size_t total)
{
    executor_t *ex = ws_new(workers, false, 0, NULL);
    marks_t m;
    latch_t l;
    marks_init(&m, total);
    latch_init(&l, (int)total);
    /* Eight spawners, spawning from inside (ring pushes, overflow) while
     * the root pushes them from outside (inject). */
    size_t share = total / 8;
    for (size_t i = 0; i < 8; i++) {
        size_t count = i == 7 ? total - 7 * share : share;
        spawner_t s = {{spawner_poll, NULL}, &m, &l, i * share, count, 0};
        assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "sp", NULL), 0);
    }
    assert_int_equal(block_on_latch(ex, &l), 0);
    assert_int_equal(executor_run(ex), 0); /* the spawners, if not done */
    executor_stats_t st;
    executor_stats(ex, &st);
    assert_int_equal(st.completed, total + 8);
    executor_destroy(ex);
    marks_check_all_once(&m);
    latch_destroy(&l);
}

static void ws_stress_million_tasks_two_workers(void **state)
{
    (void)state;
    stress(2, 1000000 / SCALE);
}

static void ws_stress_million_tasks_four_workers(void **state)
{
    (void)state;
    stress(4, 1000000 / SCALE);
}

typedef struct outside_spawner {
    executor_t *ex;
    marks_t *marks;
    latch_t *latch;
    size_t first, count;
} outside_spawner_t;

static void *outside_main(void *arg)
{
    outside_spawner_t *o = arg;
    for (size_t i = o->first; i < o->first + o->count; i++) {
        if (i % 1000 == 0) { /* a snapshot from outside: race-free */
            ws_view_t v;
            ws_worker_view_t wv[2];
            assert_int_equal(ws_view(o->ex, &v, wv, 2), 0);
            assert_int_equal(v.workers, 2);
            assert_true(wv[0].ring_len <= 256 && wv[1].ring_len <= 256);
        }
        mark_task_t t = mark_task(o->marks, o->latch, i, (int)(i % 2));
        assert_int_equal(executor_spawn(o->ex, &t.base, sizeof t, "out", NULL),
                         0);
    }
    return NULL;
}

static void ws_spawn_from_outside_while_workers_run(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    marks_t m;
    latch_t l;
    marks_init(&m, 40000 / SCALE);
    latch_init(&l, (int)m.n);
    size_t half = m.n / 2;
    /* Half from a task inside, half from two plain threads at once. */
    spawner_t s = {{spawner_poll, NULL}, &m, &l, 0, half, 1};
    assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "sp", NULL), 0);
    pthread_t th[2];
    outside_spawner_t o[2] = {
        {ex, &m, &l, half, half / 2},
        {ex, &m, &l, half + half / 2, m.n - half - half / 2},
    };
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, outside_main, &o[i]);
    assert_int_equal(block_on_latch(ex, &l), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    executor_destroy(ex);
    marks_check_all_once(&m);
    latch_destroy(&l);
}

/* ---- threads: task state ------------------------------------------------- */

/* A wakes while still running: B (on the other worker) wakes it during
 * A's first poll. The wake only sets NOTIFIED; A is queued again when the
 * poll returns, and polled exactly twice. */
typedef struct duet {
    atomic_int a_in_poll, b_woke, a_polls;
    waker_t a_waker; /* written by A before a_in_poll, taken by B */
} duet_t;

typedef struct duet_task {
    future_t base;
    duet_t *d;
    bool is_a;
} duet_task_t;

static poll_t duet_poll(future_t *f, context_t *cx)
{
    duet_task_t *t = (duet_task_t *)f;
    duet_t *d = t->d;
    if (!t->is_a) {
        assert_true(spin_until(&d->a_in_poll, 10000));
        waker_wake(&d->a_waker);
        atomic_store(&d->b_woke, 1);
        return POLL_READY;
    }
    if (atomic_fetch_add(&d->a_polls, 1) > 0)
        return POLL_READY;
    d->a_waker = waker_clone(cx->waker);
    atomic_store(&d->a_in_poll, 1);
    assert_true(spin_until(&d->b_woke, 10000));
    return POLL_PENDING; /* woken already: task_run says NOTIFIED */
}

static void ws_wake_from_another_worker_while_running(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    duet_t d = {0};
    duet_task_t a = {{duet_poll, NULL}, &d, true};
    duet_task_t b = {{duet_poll, NULL}, &d, false};
    join_handle_t ha, hb;
    assert_int_equal(executor_spawn(ex, &a.base, sizeof a, "a", &ha), 0);
    assert_int_equal(executor_spawn(ex, &b.base, sizeof b, "b", &hb), 0);
    assert_int_equal(block_on_join(ex, &ha), 0);
    assert_int_equal(block_on_join(ex, &hb), 0);
    assert_int_equal(atomic_load(&d.a_polls), 2);
    join_handle_drop(&ha);
    join_handle_drop(&hb);
    executor_stats_t st;
    executor_stats(ex, &st);
    /* The re-queue after NOTIFIED: a wake, but not A's own. */
    assert_true(st.wakes >= 1);
    assert_int_equal(st.self_wakes, 0);
    executor_destroy(ex);
}

/* A task that parks forever (keeping its own waker, which its drop
 * releases), optionally spinning in its first poll until released. */
typedef struct hold {
    atomic_int polls, drops, in_poll, release;
    atomic_int spin_first; /* spin in the first poll until release */
} hold_t;

typedef struct hold_task {
    future_t base;
    hold_t *h;
    waker_t self; /* a clone of our own waker: a cycle drop must break */
} hold_task_t;

static poll_t hold_poll(future_t *f, context_t *cx)
{
    hold_task_t *t = (hold_task_t *)f;
    atomic_fetch_add(&t->h->polls, 1);
    waker_register(&t->self, cx);
    atomic_store(&t->h->in_poll, 1);
    if (atomic_load(&t->h->spin_first))
        assert_true(spin_until(&t->h->release, 10000));
    return POLL_PENDING;
}

static void hold_drop(future_t *f)
{
    hold_task_t *t = (hold_task_t *)f;
    waker_drop(&t->self);
    atomic_fetch_add(&t->h->drops, 1);
}

static hold_task_t hold_task(hold_t *h)
{
    return (hold_task_t){{hold_poll, hold_drop}, h, WAKER_EMPTY};
}

static void ws_abort_while_running(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    hold_t h = {0};
    atomic_store(&h.spin_first, 1);
    hold_task_t t = hold_task(&h);
    join_handle_t jh;
    assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "hold", &jh), 0);
    assert_true(spin_until(&h.in_poll, 10000));
    join_handle_abort(&jh); /* while its poll runs */
    atomic_store(&h.release, 1);
    assert_int_equal(block_on_join(ex, &jh), 0);
    assert_null(join_handle_output(&jh));
    assert_int_equal(atomic_load(&h.polls), 1);
    assert_int_equal(atomic_load(&h.drops), 1);
    join_handle_drop(&jh);
    executor_destroy(ex);
}

static void ws_abort_while_idle(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    hold_t h = {0};
    hold_task_t t = hold_task(&h);
    join_handle_t jh;
    assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "hold", &jh), 0);
    assert_true(spin_until(&h.in_poll, 10000));
    /* Wait for the poll to end: the task is idle, holding its waker. */
    for (int i = 0; i < 100000 && (task_state(jh.task) & TASK_RUNNING); i++)
        nap_us(100);
    join_handle_abort(&jh); /* schedules it once more, to drop it */
    assert_int_equal(block_on_join(ex, &jh), 0);
    assert_null(join_handle_output(&jh));
    assert_int_equal(atomic_load(&h.polls), 1);
    assert_int_equal(atomic_load(&h.drops), 1);
    join_handle_drop(&jh);
    executor_destroy(ex);
}

/* A task that waits for a gate, then finishes with an output whose drop
 * is counted. */
typedef struct gate {
    atomic_int open, output_drops;
    pthread_mutex_t lock;
    waker_t waker;
} gate_t;

typedef struct gate_task {
    future_t base;
    gate_t *g;
} gate_task_t;

static poll_t gate_poll(future_t *f, context_t *cx)
{
    gate_t *g = ((gate_task_t *)f)->g;
    pthread_mutex_lock(&g->lock);
    bool open = atomic_load(&g->open);
    if (!open)
        waker_register(&g->waker, cx);
    pthread_mutex_unlock(&g->lock);
    return open ? POLL_READY : POLL_PENDING;
}

static void gate_drop(future_t *f)
{
    atomic_fetch_add(&((gate_task_t *)f)->g->output_drops, 1);
}

static void gate_open(gate_t *g)
{
    pthread_mutex_lock(&g->lock);
    atomic_store(&g->open, 1);
    waker_t w = waker_take(&g->waker);
    pthread_mutex_unlock(&g->lock);
    if (waker_is_set(&w))
        waker_wake(&w);
}

static void ws_join_handle_dropped_before_completion(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    gate_t g = {0};
    pthread_mutex_init(&g.lock, NULL);
    gate_task_t t = {{gate_poll, gate_drop}, &g};
    join_handle_t jh;
    assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "gate", &jh), 0);
    join_handle_drop(&jh); /* nobody will read the output */
    gate_open(&g);
    assert_int_equal(executor_run(ex), 0);
    assert_int_equal(atomic_load(&g.output_drops), 1); /* by completion */
    executor_destroy(ex);
    pthread_mutex_destroy(&g.lock);
}

static void ws_join_handle_dropped_after_completion(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    gate_t g = {0};
    pthread_mutex_init(&g.lock, NULL);
    gate_task_t t = {{gate_poll, gate_drop}, &g};
    join_handle_t jh;
    assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "gate", &jh), 0);
    gate_open(&g);
    assert_int_equal(block_on_join(ex, &jh), 0);
    assert_non_null(join_handle_output(&jh));
    assert_int_equal(atomic_load(&g.output_drops), 0); /* still ours */
    join_handle_drop(&jh);
    assert_int_equal(atomic_load(&g.output_drops), 1);
    executor_destroy(ex);
    pthread_mutex_destroy(&g.lock);
}

/* PENDING without keeping the waker: nothing can ever wake it. */
typedef struct forgetful {
    future_t base;
} forgetful_t;

static poll_t forgetful_poll(future_t *f, context_t *cx)
{
    (void)f;
    (void)cx;
    return POLL_PENDING;
}

/* ---- threads: shutdown --------------------------------------------------- */

static void ws_shutdown_frees_pending_tasks(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    hold_t h = {0};
    const int n = 100000 / SCALE;
    for (int i = 0; i < n; i++) {
        hold_task_t t = hold_task(&h);
        assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "h", NULL), 0);
    }
    /* Some polled (idle, holding their own waker), some still queued. */
    while (atomic_load(&h.polls) < n / 10)
        nap_us(100);
    executor_destroy(ex); /* ASan/LSan: every task must be freed */
    assert_int_equal(atomic_load(&h.drops), n);
}

/* A task that waits forever; when shutdown drops it, it tries to spawn
 * (a task and a blocking call) and keeps the answers. */
typedef struct late {
    future_t base;
    waker_t self;
    int *spawn_err, *blocking_err;
} late_t;

static poll_t late_poll(future_t *f, context_t *cx)
{
    waker_register(&((late_t *)f)->self, cx);
    return POLL_PENDING;
}

static void *nothing(void *arg)
{
    return arg;
}

static void late_drop(future_t *f)
{
    late_t *l = (late_t *)f;
    waker_drop(&l->self);
    forgetful_t dummy = {{forgetful_poll, NULL}};
    *l->spawn_err = spawn(&dummy.base, sizeof dummy, "too-late", NULL);
    *l->blocking_err = ws_spawn_blocking(nothing, NULL, "too-late", NULL);
}

static void ws_spawn_during_shutdown_is_refused(void **state)
{
    (void)state;
    for (int sim = 0; sim < 2; sim++) {
        executor_t *ex = ws_new(2, sim, 1, NULL);
        int spawn_err = 1, blocking_err = 1;
        late_t l = {
            {late_poll, late_drop}, WAKER_EMPTY, &spawn_err, &blocking_err};
        assert_int_equal(executor_spawn(ex, &l.base, sizeof l, "late", NULL),
                         0);
        executor_destroy(ex);
        assert_int_equal(spawn_err, -ESHUTDOWN);
        assert_int_equal(blocking_err, -ESHUTDOWN);
    }
}

/* ---- threads: timers and lost wakeups ------------------------------------ */

typedef struct sleeper {
    future_t base;
    async_t async;
    sleep_t nap;
    latch_t *latch;
} sleeper_t;

static poll_t sleeper_poll(future_t *f, context_t *cx)
{
    sleeper_t *s = (sleeper_t *)f;
    ASYNC_BEGIN(s);
    AWAIT(s, cx, &s->nap.base);
    latch_down(s->latch);
    ASYNC_END(s);
}

static void sleeper_drop(future_t *f)
{
    future_drop(&((sleeper_t *)f)->nap.base);
}

static void spawn_sleepers(executor_t *ex, latch_t *l, int n, int max_ms)
{
    for (int i = 0; i < n; i++) {
        sleeper_t s = {.base = {sleeper_poll, sleeper_drop}, .latch = l};
        sleep_init(&s.nap, (uint64_t)(1 + i % max_ms));
        assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "zz", NULL), 0);
    }
}

static void ws_timers_fire_with_real_threads(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    latch_t l;
    latch_init(&l, 200);
    spawn_sleepers(ex, &l, 200, 10);
    assert_int_equal(block_on_latch(ex, &l), 0);
    executor_stats_t st;
    executor_stats(ex, &st);
    assert_true(st.driver_turns > 0);
    executor_destroy(ex);
    latch_destroy(&l);
}

static void ws_block_on_reports_lost_wakeup(void **state)
{
    (void)state;
    for (int sim = 0; sim < 2; sim++) {
        executor_t *ex = ws_new(2, sim, 3, NULL);
        forgetful_t f = {{forgetful_poll, NULL}};
        assert_int_equal(executor_block_on(ex, &f.base), -EDEADLK);
        executor_destroy(ex);
    }
}

static void ws_run_reports_lost_task(void **state)
{
    (void)state;
    for (int sim = 0; sim < 2; sim++) {
        executor_t *ex = ws_new(2, sim, 3, NULL);
        forgetful_t f = {{forgetful_poll, NULL}};
        assert_int_equal(executor_spawn(ex, &f.base, sizeof f, "lost", NULL),
                         0);
        assert_int_equal(executor_run(ex), -EDEADLK);
        executor_stats_t st;
        executor_stats(ex, &st);
        assert_int_equal(st.lost_wakers, 1);
        executor_destroy(ex);
    }
}

/* ---- the LIFO cap -------------------------------------------------------- */

/*
 * A and B wake each other forever (each wake from inside a poll: the LIFO
 * slot); C only sets `stop`. Without the cap, on one worker, the pair
 * would hold the LIFO slot and C (in the ring) would never run.
 */
typedef struct pingpong {
    pthread_mutex_t lock;
    int turn, rounds;   /* under lock */
    waker_t waiting[2]; /* under lock */
    atomic_int stop;    /* C ran */
    atomic_int rounds_at_stop;
} pingpong_t;

typedef struct pp_task {
    future_t base;
    pingpong_t *p;
    int me; /* 0, 1: the pair; 2: C */
} pp_task_t;

#define PP_MAX_ROUNDS 100000

static poll_t pp_poll(future_t *f, context_t *cx)
{
    pp_task_t *t = (pp_task_t *)f;
    pingpong_t *p = t->p;
    pthread_mutex_lock(&p->lock);
    if (t->me == 2) {
        atomic_store(&p->rounds_at_stop, p->rounds);
        atomic_store(&p->stop, 1);
    }
    bool done = atomic_load(&p->stop) || p->rounds >= PP_MAX_ROUNDS;
    waker_t other = WAKER_EMPTY;
    if (t->me != 2) {
        if (!done && p->turn == t->me) {
            p->turn = 1 - t->me;
            p->rounds++;
        }
        other = waker_take(&p->waiting[1 - t->me]);
        if (!done)
            waker_register(&p->waiting[t->me], cx);
    }
    pthread_mutex_unlock(&p->lock);
    if (waker_is_set(&other))
        waker_wake(&other);
    return done || t->me == 2 ? POLL_READY : POLL_PENDING;
}

static void pingpong_run(executor_t *ex, pingpong_t *p)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    for (int me = 0; me < 3; me++) {
        pp_task_t t = {{pp_poll, NULL}, p, me};
        assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "pp", NULL), 0);
    }
    assert_int_equal(executor_run(ex), 0);
    waker_drop(&p->waiting[0]);
    waker_drop(&p->waiting[1]);
    pthread_mutex_destroy(&p->lock);
    assert_true(atomic_load(&p->stop));
}

static void ws_lifo_cap_lets_a_third_task_run(void **state)
{
    (void)state;
    pingpong_t p;
    /* Simulated, one worker: the exact schedule. The three spawns arrive
     * through inject; A runs, B and C sit in the ring; B wakes A into the
     * LIFO slot, and the pair runs from the slot until the cap (3 in a
     * row) sends the next wake to the ring, behind C. */
    executor_t *ex = ws_new(1, true, 1, NULL);
    pingpong_run(ex, &p);
    assert_true(atomic_load(&p.rounds_at_stop) <= 6);
    executor_stats_t st;
    executor_stats(ex, &st);
    assert_true(st.polls >= 4);
    executor_destroy(ex);

    /* Real threads, one worker: C still gets in long before the bound. */
    ex = ws_new(1, false, 0, NULL);
    pingpong_run(ex, &p);
    assert_true(atomic_load(&p.rounds_at_stop) < PP_MAX_ROUNDS);
    executor_destroy(ex);
}

/* ---- a worker blocked inside a poll -------------------------------------- */

/*
 * The blocker spawns its children, then blocks in its poll (a real
 * sleep, as a careless task would) until all but one have run (10 s at
 * most). Nothing else can run them but the other worker, by stealing
 * them from the ring (each push there wakes it). The last child went to
 * the blocker's LIFO slot, which no thief takes from (as in Tokio): it
 * runs when the blocking poll returns, the price of blocking a worker
 * that lesson 14 shows.
 */
typedef struct blocker {
    future_t base;
    marks_t *marks;
    atomic_int *done;
    int children;
    int seen_done; /* output: children finished during the block */
} blocker_t;

typedef struct child {
    future_t base;
    atomic_int *done;
} child_t;

static poll_t child_poll(future_t *f, context_t *cx)
{
    (void)cx;
    atomic_fetch_add(((child_t *)f)->done, 1);
    return POLL_READY;
}

static poll_t blocker_poll(future_t *f, context_t *cx)
{
    (void)cx;
    blocker_t *b = (blocker_t *)f;
    for (int i = 0; i < b->children; i++) {
        child_t c = {{child_poll, NULL}, b->done};
        assert_int_equal(spawn(&c.base, sizeof c, "child", NULL), 0);
    }
    uint64_t end = mono_ms() + 10000;
    while (atomic_load(b->done) < b->children - 1 && mono_ms() < end)
        nap_us(1000); /* blocking the worker, on purpose */
    b->seen_done = atomic_load(b->done);
    return POLL_READY;
}

static void ws_blocked_worker_does_not_stop_the_others(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    atomic_int done = 0;
    blocker_t b = {{blocker_poll, NULL}, NULL, &done, 100, 0};
    join_handle_t jh;
    assert_int_equal(executor_spawn(ex, &b.base, sizeof b, "blocker", &jh), 0);
    assert_int_equal(block_on_join(ex, &jh), 0);
    blocker_t *out = (blocker_t *)join_handle_output(&jh);
    assert_int_equal(out->seen_done, 99); /* the ring's, while it blocked */
    join_handle_drop(&jh);
    assert_int_equal(executor_run(ex), 0);
    assert_int_equal(atomic_load(&done), 100); /* and the LIFO one after */
    executor_stats_t st;
    executor_stats(ex, &st);
    assert_true(st.steals > 0);
    executor_destroy(ex);
}

/* ---- spawn_blocking ------------------------------------------------------ */

static void *square(void *arg)
{
    intptr_t x = (intptr_t)arg;
    return (void *)(x * x);
}

/* An async task that runs square on the pool and awaits its result. */
typedef struct asker {
    future_t base;
    async_t async;
    join_handle_t h;
    intptr_t x, result;
} asker_t;

static poll_t asker_poll(future_t *f, context_t *cx)
{
    asker_t *a = (asker_t *)f;
    ASYNC_BEGIN(a);
    assert_int_equal(ws_spawn_blocking(square, (void *)a->x, "sq", &a->h), 0);
    AWAIT_POLL(a, join_handle_poll(&a->h, cx));
    a->result = (intptr_t)ws_blocking_output(&a->h);
    join_handle_drop(&a->h);
    ASYNC_END(a);
}

static void ws_blocking_result_is_awaitable(void **state)
{
    (void)state;
    for (int sim = 0; sim < 2; sim++) {
        executor_t *ex = ws_new(2, sim, 5, NULL);
        join_handle_t hs[8];
        for (int i = 0; i < 8; i++) {
            asker_t a = {.base = {asker_poll, NULL}, .x = i + 2};
            assert_int_equal(
                executor_spawn(ex, &a.base, sizeof a, "ask", &hs[i]), 0);
        }
        for (int i = 0; i < 8; i++) {
            assert_int_equal(block_on_join(ex, &hs[i]), 0);
            asker_t *a = (asker_t *)join_handle_output(&hs[i]);
            assert_int_equal(a->result, (i + 2) * (i + 2));
            join_handle_drop(&hs[i]);
        }
        /* The pool counts a task after task_run, which woke its joiner
         * first: the last count may trail the last join a moment. */
        ws_blocking_stats_t bs;
        assert_int_equal(ws_blocking_stats(ex, &bs), 0);
        for (int i = 0; i < 100000 && bs.completed < 8; i++) {
            nap_us(100);
            ws_blocking_stats(ex, &bs);
        }
        assert_int_equal(bs.spawned, 8);
        assert_int_equal(bs.completed, 8);
        if (sim)
            assert_int_equal(bs.peak_threads, 0); /* ran inline */
        executor_destroy(ex);
    }
}

static atomic_int slow_running, slow_max_running;

static void *slow(void *arg)
{
    int now = atomic_fetch_add(&slow_running, 1) + 1;
    int max = atomic_load(&slow_max_running);
    while (now > max &&
           !atomic_compare_exchange_weak(&slow_max_running, &max, now))
        ;
    nap_us(20000);
    atomic_fetch_sub(&slow_running, 1);
    return arg;
}

static void ws_blocking_pool_respects_max_and_keep_alive(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    assert_int_equal(ws_blocking_set_limits(ex, 3, 20), 0);
    atomic_store(&slow_max_running, 0);
    join_handle_t hs[9];
    for (int i = 0; i < 9; i++)
        assert_int_equal(
            ws_spawn_blocking_on(ex, slow, (void *)(intptr_t)i, "slow", &hs[i]),
            0);
    for (int i = 0; i < 9; i++) {
        assert_int_equal(block_on_join(ex, &hs[i]), 0);
        assert_int_equal((intptr_t)ws_blocking_output(&hs[i]), i);
        join_handle_drop(&hs[i]);
    }
    ws_blocking_stats_t bs;
    ws_blocking_stats(ex, &bs);
    assert_true(bs.peak_threads <= 3);
    assert_true(atomic_load(&slow_max_running) <= 3);
    /* Idle for longer than the keep-alive: every thread leaves. */
    for (int i = 0; i < 10000 && bs.threads > 0; i++) {
        nap_us(1000);
        ws_blocking_stats(ex, &bs);
    }
    assert_int_equal(bs.threads, 0);
    executor_destroy(ex);
}

static void ws_blocking_queued_tasks_cancelled_at_shutdown(void **state)
{
    (void)state;
    executor_t *ex = ws_new(1, false, 0, NULL);
    assert_int_equal(ws_blocking_set_limits(ex, 1, 10000), 0);
    join_handle_t hs[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(
            ws_spawn_blocking_on(ex, slow, (void *)1, "slow", &hs[i]), 0);
    /* A running call finishes; what is still queued is cancelled. Either
     * way every handle completes, and nothing leaks. */
    executor_destroy(ex);
    for (int i = 0; i < 4; i++) {
        assert_true(task_state(hs[i].task) & TASK_COMPLETE);
        void *out = ws_blocking_output(&hs[i]);
        assert_true(out == NULL || out == (void *)1);
        join_handle_drop(&hs[i]);
    }
}

/* Blocking tasks that keep spawning blocking tasks while the runtime is
 * destroyed: every spawn that returned 0 ends COMPLETE (ran, or cancelled
 * while queued), none is lost between being listed and being queued. */
#define CHAIN_SLOTS 4096
typedef struct chain {
    atomic_int used;
    join_handle_t hs[CHAIN_SLOTS];
} chain_t;

static void *chain_link(void *arg)
{
    chain_t *c = arg;
    for (int k = 0; k < 2; k++) {
        int slot = atomic_fetch_add(&c->used, 1);
        if (slot >= CHAIN_SLOTS)
            return NULL;
        if (ws_spawn_blocking(chain_link, c, "link", &c->hs[slot]) != 0)
            c->hs[slot].task = NULL; /* refused: nothing to join */
    }
    return NULL;
}

static void ws_blocking_spawns_racing_destroy(void **state)
{
    (void)state;
    chain_t *c = malloc(sizeof *c);
    assert_non_null(c);
    for (int round = 0; round < 300 / SCALE; round++) {
        atomic_init(&c->used, 1);
        executor_t *ex = ws_new(2, false, 0, NULL);
        assert_int_equal(ws_blocking_set_limits(ex, 4, 10000), 0);
        assert_int_equal(ws_spawn_blocking_on(ex, chain_link, c, "link",
                                              &c->hs[0]),
                         0);
        nap_us(round % 7 * 30);
        executor_destroy(ex);
        int used = atomic_load(&c->used);
        for (int i = 0; i < (used < CHAIN_SLOTS ? used : CHAIN_SLOTS); i++) {
            if (c->hs[i].task == NULL)
                continue;
            if (!(task_state(c->hs[i].task) & TASK_COMPLETE))
                fail_msg("round %d: blocking task %d never ran nor was "
                         "cancelled", round, i);
            join_handle_drop(&c->hs[i]);
        }
    }
    free(c);
}

/* ---- simulation ---------------------------------------------------------- */

/* Workload 1, fanout: a root spawns children that yield a few times. */
static void wl_fanout(executor_t *ex, marks_t *m)
{
    spawner_t s = {{spawner_poll, NULL}, m, NULL, 0, m->n, 1};
    assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "fan", NULL), 0);
}

/* Workload 2, ping-pong pairs through stored wakers. */
typedef struct pair {
    int turn, rounds;
    waker_t w[2];
} pair_t;

typedef struct pair_task {
    future_t base;
    pair_t *p;
    marks_t *marks;
    size_t index;
    int me;
} pair_task_t;

static poll_t pair_poll(future_t *f, context_t *cx)
{
    pair_task_t *t = (pair_task_t *)f;
    pair_t *p = t->p;
    if (p->rounds <= 0) {
        atomic_fetch_add(&t->marks->seen[t->index], 1);
        if (waker_is_set(&p->w[1 - t->me]))
            waker_wake(&p->w[1 - t->me]);
        return POLL_READY;
    }
    if (p->turn == t->me) {
        p->turn = 1 - t->me;
        p->rounds--;
        if (waker_is_set(&p->w[1 - t->me]))
            waker_wake(&p->w[1 - t->me]);
    }
    waker_register(&p->w[t->me], cx);
    return POLL_PENDING;
}

static void pair_drop(future_t *f)
{
    pair_task_t *t = (pair_task_t *)f;
    waker_drop(&t->p->w[t->me]);
}

static void wl_pairs(executor_t *ex, marks_t *m, pair_t *pairs)
{
    for (size_t i = 0; i < m->n; i++) {
        pair_t *p = &pairs[i / 2];
        if (i % 2 == 0)
            *p = (pair_t){0, 5 + (int)(i % 7), {WAKER_EMPTY, WAKER_EMPTY}};
        pair_task_t t = {{pair_poll, pair_drop}, p, m, i, (int)(i % 2)};
        assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "pair", NULL),
                         0);
    }
}

/* Workload 3, timers: tasks sleep on the virtual clock, then mark. */
typedef struct napper {
    future_t base;
    async_t async;
    sleep_t nap;
    marks_t *marks;
    size_t index;
} napper_t;

static poll_t napper_poll(future_t *f, context_t *cx)
{
    napper_t *s = (napper_t *)f;
    ASYNC_BEGIN(s);
    AWAIT(s, cx, &s->nap.base);
    YIELD_NOW(s, cx);
    atomic_fetch_add(&s->marks->seen[s->index], 1);
    ASYNC_END(s);
}

static void napper_drop(future_t *f)
{
    future_drop(&((napper_t *)f)->nap.base);
}

static void wl_timers(executor_t *ex, marks_t *m)
{
    for (size_t i = 0; i < m->n; i++) {
        napper_t s = {
            .base = {napper_poll, napper_drop}, .marks = m, .index = i};
        sleep_init(&s.nap, 1 + (i * 7) % 13);
        assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "nap", NULL), 0);
    }
}

/* Workload 4, chain and join: each link spawns the next and awaits its
 * join handle; the last one marks all. */
typedef struct link {
    future_t base;
    async_t async;
    join_handle_t next;
    marks_t *marks;
    size_t index;
} link_t;

static poll_t link_poll(future_t *f, context_t *cx)
{
    link_t *l = (link_t *)f;
    ASYNC_BEGIN(l);
    if (l->index + 1 < l->marks->n) {
        link_t n = {.base = l->base, .marks = l->marks, .index = l->index + 1};
        assert_int_equal(spawn(&n.base, sizeof n, "link", &l->next), 0);
        AWAIT_POLL(l, join_handle_poll(&l->next, cx));
        join_handle_drop(&l->next);
    }
    atomic_fetch_add(&l->marks->seen[l->index], 1);
    ASYNC_END(l);
}

static void wl_chain(executor_t *ex, marks_t *m)
{
    link_t l = {.base = {link_poll, NULL}, .marks = m, .index = 0};
    assert_int_equal(executor_spawn(ex, &l.base, sizeof l, "link", NULL), 0);
}

enum { WL_FANOUT, WL_PAIRS, WL_TIMERS, WL_CHAIN, WL_COUNT };

/* Run workload wl in a fresh simulated runtime; check the invariants;
 * return the trace hash. */
/* Called by sim_run between spawning the workload and running it: what
 * else the process does meanwhile (NULL: nothing). */
static void (*sim_disturb)(void);

static uint64_t sim_run(int wl, int workers, uint64_t seed, size_t tasks,
                        executor_stats_t *st_out)
{
    trace_hash_sink_t hash;
    trace_hash_sink_init(&hash);
    executor_t *ex = ws_new(workers, true, seed, &hash.sink);
    marks_t m;
    marks_init(&m, tasks);
    pair_t pairs[64];
    assert_true(tasks <= 2 * 64);
    switch (wl) {
    case WL_FANOUT:
        wl_fanout(ex, &m);
        break;
    case WL_PAIRS:
        wl_pairs(ex, &m, pairs);
        break;
    case WL_TIMERS:
        wl_timers(ex, &m);
        break;
    default:
        wl_chain(ex, &m);
        break;
    }
    if (sim_disturb != NULL)
        sim_disturb();
    assert_int_equal(executor_run(ex), 0);

    /* The invariants: every task done once, nothing queued, no task left
     * pending (hence none with a live waker), nobody polled twice at once. */
    executor_stats_t st;
    executor_stats(ex, &st);
    assert_int_equal(st.spawned, st.completed);
    assert_int_equal(st.lost_wakers, 0);
    ws_view_t v;
    ws_worker_view_t wv[8];
    assert_int_equal(ws_view(ex, &v, wv, 8), 0);
    assert_int_equal(v.inject_len, 0);
    assert_int_equal(v.live_tasks, 0);
    for (int i = 0; i < workers; i++) {
        assert_int_equal(wv[i].ring_len, 0);
        assert_false(wv[i].lifo);
    }
    executor_destroy(ex);
    marks_check_all_once(&m);
    if (st_out != NULL)
        *st_out = st;
    return hash.hash;
}

static void ws_sim_same_seed_same_hash(void **state)
{
    (void)state;
    for (int wl = 0; wl < WL_COUNT; wl++) {
        uint64_t a = sim_run(wl, 4, 42, 100, NULL);
        uint64_t b = sim_run(wl, 4, 42, 100, NULL);
        assert_int_equal(a, b);
    }
}

static void ws_sim_different_seeds_differ(void **state)
{
    (void)state;
    uint64_t first = sim_run(WL_FANOUT, 4, 1, 100, NULL);
    int differ = 0;
    uint64_t steals = 0;
    for (uint64_t seed = 2; seed <= 20; seed++) {
        executor_stats_t st;
        differ += sim_run(WL_FANOUT, 4, seed, 100, &st) != first;
        steals += st.steals;
    }
    assert_true(differ >= 15);
    assert_true(steals > 0);
}

static void ws_sim_thousand_seeds_keep_invariants(void **state)
{
    (void)state;
    for (uint64_t seed = 0; seed < 1000; seed++) {
        int workers = 1 + (int)(seed % 4);
        for (int wl = 0; wl < WL_COUNT; wl++)
            sim_run(wl, workers, seed, 24, NULL);
    }
}

static void ws_sim_virtual_time_jumps(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, true, 9, NULL);
    latch_t l;
    latch_init(&l, 3);
    for (int i = 0; i < 3; i++) {
        sleeper_t s = {.base = {sleeper_poll, sleeper_drop}, .latch = &l};
        sleep_init(&s.nap, 3600u * 1000u * (uint64_t)(i + 1)); /* hours */
        assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "zz", NULL), 0);
    }
    uint64_t start = mono_ms();
    assert_int_equal(block_on_latch(ex, &l), 0);
    assert_true(mono_ms() - start < 60000); /* not three real hours */
    ws_view_t v;
    ws_view(ex, &v, NULL, 0);
    assert_int_equal(v.now_ms, 3u * 3600u * 1000u);
    executor_destroy(ex);
    latch_destroy(&l);
}

/* ---- two runtimes in one process ----------------------------------------
 *
 * Each runtime keeps its own trace clock: a simulated runtime stamps its
 * events from its own virtual clock, whatever other runtimes the process
 * creates, runs or destroys meanwhile. (There was one process-wide clock,
 * pointed at the last simulated runtime created and reset when it was
 * destroyed: the first runtime's hash changed, and a traced threads-mode
 * runtime read a freed driver.) */

/* Another simulated, traced runtime, its clock moved on an hour. */
static executor_t *other_sim_runtime(trace_hash_sink_t *h, latch_t *l)
{
    trace_hash_sink_init(h);
    executor_t *other = ws_new(2, true, 99, &h->sink);
    latch_init(l, 1);
    sleeper_t s = {.base = {sleeper_poll, sleeper_drop}, .latch = l};
    sleep_init(&s.nap, 3600u * 1000u);
    assert_int_equal(executor_spawn(other, &s.base, sizeof s, "zz", NULL), 0);
    assert_int_equal(block_on_latch(other, l), 0);
    return other;
}

static executor_t *kept_other;
static trace_hash_sink_t kept_hash;
static latch_t kept_latch;

static void create_other(void)
{
    kept_other = other_sim_runtime(&kept_hash, &kept_latch);
}

static void create_and_destroy_other(void)
{
    trace_hash_sink_t h;
    latch_t l;
    executor_destroy(other_sim_runtime(&h, &l));
    latch_destroy(&l);
}

static void ws_sim_hash_unchanged_by_another_runtime(void **state)
{
    (void)state;
    for (int wl = 0; wl < WL_COUNT; wl++) {
        uint64_t alone = sim_run(wl, 4, 42, 100, NULL);
        sim_disturb = create_other;
        uint64_t beside = sim_run(wl, 4, 42, 100, NULL);
        sim_disturb = create_and_destroy_other;
        uint64_t after = sim_run(wl, 4, 42, 100, NULL);
        sim_disturb = NULL;
        executor_destroy(kept_other);
        latch_destroy(&kept_latch);
        assert_int_equal(beside, alone);
        assert_int_equal(after, alone);
    }
}

static atomic_int sims_done;

static void *create_sims(void *arg)
{
    (void)arg;
    for (int round = 0; round < 200 / SCALE; round++) {
        trace_hash_sink_t h;
        latch_t l;
        executor_destroy(other_sim_runtime(&h, &l));
        latch_destroy(&l);
    }
    atomic_store(&sims_done, 1);
    return NULL;
}

/* A traced runtime on real threads keeps emitting (yield loops) while
 * another thread creates, runs and destroys simulated runtimes. */
static void ws_traced_threads_beside_simulated_runtimes(void **state)
{
    (void)state;
    trace_blocks_t blocks; /* nobody reads them: they pile up, lossless */
    assert_int_equal(trace_blocks_init(&blocks, NULL), 0);
    executor_t *ex = ws_new(2, false, 0, &blocks.sink);
    atomic_store(&sims_done, 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, create_sims, NULL), 0);
    size_t rounds = 0;
    while (!atomic_load(&sims_done) || rounds < 4) {
        marks_t m;
        marks_init(&m, 64);
        latch_t l;
        latch_init(&l, (int)m.n);
        for (size_t i = 0; i < m.n; i++) {
            mark_task_t t = mark_task(&m, &l, i, 20);
            assert_int_equal(executor_spawn(ex, &t.base, sizeof t, "y", NULL),
                             0);
        }
        assert_int_equal(block_on_latch(ex, &l), 0);
        latch_destroy(&l);
        marks_check_all_once(&m);
        rounds++;
    }
    pthread_join(th, NULL);
    executor_destroy(ex);
    assert_int_equal(trace_blocks_dropped(&blocks), 0);
    trace_blocks_destroy(&blocks);
}

static void ws_step_is_one_decision(void **state)
{
    (void)state;
    executor_t *ex = ws_new(2, false, 0, NULL);
    assert_int_equal(executor_step(ex), -ENOTSUP);
    executor_destroy(ex);

    ex = ws_new(2, true, 3, NULL);
    /* With nothing to do, each worker's one decision is to park; then
     * there is nothing left to decide. */
    assert_int_equal(executor_step(ex), 1);
    assert_int_equal(executor_step(ex), 1);
    assert_int_equal(executor_step(ex), 0);
    marks_t m;
    marks_init(&m, 10);
    wl_fanout(ex, &m);
    int steps = 0;
    while (executor_step(ex) == 1)
        steps++;
    /* At least: the spawner's poll, 10 children's polls and yields. */
    assert_true(steps >= 11);
    ws_view_t v;
    ws_view(ex, &v, NULL, 0);
    assert_int_equal(v.live_tasks, 0);
    executor_destroy(ex);
    marks_check_all_once(&m);
}

/*
 * A model of the queues, rebuilt from the events alone, as the visualizer
 * rebuilds it: each queue a list of task ids in order. SCHEDULE moves a
 * task (from wherever it was) to the back of a queue; STEAL moves the
 * victim's `count` oldest to the thief; POLL_START takes a task out of
 * the queue it is in. The runtime's trace is right if the model never
 * disagrees and ends empty.
 */
#define MODEL_WORKERS 4
#define MODEL_QUEUES  (2 * MODEL_WORKERS + 1) /* rings, LIFO slots, inject */
#define MODEL_TASKS   512

typedef struct model {
    uint64_t q[MODEL_QUEUES][MODEL_TASKS];
    size_t len[MODEL_QUEUES];
} model_t;

static int model_queue(uint64_t queue, uint32_t worker)
{
    assert_true(worker < MODEL_WORKERS || queue == TRACE_Q_INJECT);
    if (queue == TRACE_Q_LOCAL)
        return (int)worker;
    if (queue == TRACE_Q_LIFO)
        return MODEL_WORKERS + (int)worker;
    assert_int_equal(queue, TRACE_Q_INJECT);
    return 2 * MODEL_WORKERS;
}

/* Take task out of whatever queue holds it; false when none does. */
static bool model_take(model_t *m, uint64_t task)
{
    for (int q = 0; q < MODEL_QUEUES; q++) {
        for (size_t i = 0; i < m->len[q]; i++) {
            if (m->q[q][i] != task)
                continue;
            memmove(&m->q[q][i], &m->q[q][i + 1],
                    (m->len[q] - i - 1) * sizeof m->q[q][0]);
            m->len[q]--;
            return true;
        }
    }
    return false;
}

static void model_push(model_t *m, int q, uint64_t task)
{
    assert_true(m->len[q] < MODEL_TASKS);
    m->q[q][m->len[q]++] = task;
}

static void model_apply(model_t *m, const trace_event_t *e)
{
    switch (e->kind) {
    case TRACE_SCHEDULE:
        model_take(m, e->task);
        model_push(m, model_queue(e->a, e->worker), e->task);
        break;
    case TRACE_STEAL: {
        int victim = model_queue(TRACE_Q_LOCAL, (uint32_t)e->a);
        int thief = model_queue(TRACE_Q_LOCAL, e->worker);
        assert_true(e->b > 0 && m->len[victim] >= e->b);
        for (uint64_t i = 0; i < e->b; i++)
            model_push(m, thief, m->q[victim][i]);
        memmove(&m->q[victim][0], &m->q[victim][e->b],
                (m->len[victim] - e->b) * sizeof m->q[0][0]);
        m->len[victim] -= e->b;
        break;
    }
    case TRACE_POLL_START:
        if (!model_take(m, e->task))
            fail_msg("task %llu polled, but the trace put it in no queue",
                     (unsigned long long)e->task);
        break;
    default:
        break;
    }
}

/* Run a workload with a recorder, replay it into the model. */
static void check_trace(int wl, uint64_t seed, size_t count[])
{
    recorder_t rec = RECORDER_INIT;
    executor_t *ex = ws_new(MODEL_WORKERS, true, seed, &rec.sink);
    marks_t m;
    pair_t pairs[64];
    marks_init(&m, 100);
    if (wl == WL_FANOUT)
        wl_fanout(ex, &m);
    else
        wl_pairs(ex, &m, pairs);
    assert_int_equal(executor_run(ex), 0);
    executor_destroy(ex);
    marks_check_all_once(&m);

    model_t *model = calloc(1, sizeof *model);
    assert_non_null(model);
    for (size_t i = 0; i < rec.n; i++) {
        assert_true(rec.ev[i].kind > 0 && rec.ev[i].kind < TRACE_KIND_COUNT);
        count[rec.ev[i].kind]++;
        model_apply(model, &rec.ev[i]);
    }
    for (int q = 0; q < MODEL_QUEUES; q++)
        assert_int_equal(model->len[q], 0);
    free(model);
    free(rec.ev);
}

static void ws_sim_trace_tells_the_story(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        size_t count[TRACE_KIND_COUNT] = {0};
        check_trace(WL_FANOUT, seed, count);
        assert_int_equal(count[TRACE_SPAWN], 101);
        assert_int_equal(count[TRACE_COMPLETE], 101);
        assert_int_equal(count[TRACE_POLL_START], count[TRACE_POLL_END]);
        /* Every poll but the first of each task follows a SELF_WAKE. */
        assert_int_equal(count[TRACE_POLL_START], 101 + count[TRACE_SELF_WAKE]);

        size_t pairs[TRACE_KIND_COUNT] = {0};
        check_trace(WL_PAIRS, seed, pairs);
        assert_true(pairs[TRACE_WAKE] > 0);
        assert_int_equal(pairs[TRACE_COMPLETE], 100);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ws_spawn_runs_every_task_once),
        cmocka_unit_test(ws_run_waits_for_every_task),
        cmocka_unit_test(ws_stress_million_tasks_two_workers),
        cmocka_unit_test(ws_stress_million_tasks_four_workers),
        cmocka_unit_test(ws_spawn_from_outside_while_workers_run),
        cmocka_unit_test(ws_wake_from_another_worker_while_running),
        cmocka_unit_test(ws_abort_while_running),
        cmocka_unit_test(ws_abort_while_idle),
        cmocka_unit_test(ws_join_handle_dropped_before_completion),
        cmocka_unit_test(ws_join_handle_dropped_after_completion),
        cmocka_unit_test(ws_shutdown_frees_pending_tasks),
        cmocka_unit_test(ws_spawn_during_shutdown_is_refused),
        cmocka_unit_test(ws_timers_fire_with_real_threads),
        cmocka_unit_test(ws_block_on_reports_lost_wakeup),
        cmocka_unit_test(ws_run_reports_lost_task),
        cmocka_unit_test(ws_lifo_cap_lets_a_third_task_run),
        cmocka_unit_test(ws_blocked_worker_does_not_stop_the_others),
        cmocka_unit_test(ws_blocking_result_is_awaitable),
        cmocka_unit_test(ws_blocking_pool_respects_max_and_keep_alive),
        cmocka_unit_test(ws_blocking_queued_tasks_cancelled_at_shutdown),
        cmocka_unit_test(ws_blocking_spawns_racing_destroy),
        cmocka_unit_test(ws_sim_same_seed_same_hash),
        cmocka_unit_test(ws_sim_different_seeds_differ),
        cmocka_unit_test(ws_sim_thousand_seeds_keep_invariants),
        cmocka_unit_test(ws_sim_virtual_time_jumps),
        cmocka_unit_test(ws_sim_hash_unchanged_by_another_runtime),
        cmocka_unit_test(ws_traced_threads_beside_simulated_runtimes),
        cmocka_unit_test(ws_step_is_one_decision),
        cmocka_unit_test(ws_sim_trace_tells_the_story),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("ws", tests, NULL, NULL);
}
