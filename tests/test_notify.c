/*
 * tests/test_notify.c - the notify executor (notify_executor/), through
 * the generic interface of core/executor.h.
 *
 * What is checked: a task is polled only after a wake, exactly once per
 * wake however many wakes arrive meanwhile; wakes from other threads are
 * never lost, also when they race with a park; lost wakeups are detected
 * and named, and only real ones; destroy drops whatever is left.
 *
 * Nothing here depends on timing: threads hand wakers over through a
 * mutex and a condition variable, and every assertion is about counts.
 *
 * One test: ./build/tests/test_notify notify_wake_while_running_polls_once_more
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/naive_sleep.h"
#include "scenarios/widget.h"
#include "core/executor.h"
#include "core/trace.h"
#include "driver/time.h"
#include "notify_executor/notify_executor.h"

/* ---- helpers ------------------------------------------------------------- */

static executor_t *notify_new_with(trace_sink_t *trace, bool virtual_time)
{
    executor_config_t cfg = {.kind = &notify_executor_kind,
                             .trace = trace,
                             .virtual_time = virtual_time};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    return ex;
}

static executor_t *notify_new(trace_sink_t *trace)
{
    return notify_new_with(trace, false);
}

static void spawn_sleep(executor_t *ex, uint64_t ms)
{
    sleep_t s;
    sleep_init(&s, ms);
    assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "sleep", NULL), 0);
}

static executor_stats_t stats_of(executor_t *ex)
{
    executor_stats_t st;
    executor_stats(ex, &st);
    return st;
}

/*
 * A waker parked in a slot that another party (a thread, the test) takes
 * and wakes: the hand-over point between a future and whoever wakes it.
 */
typedef struct slot {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    waker_t waker; /* under lock */
    bool done;     /* under lock: the waking thread may stop */
} slot_t;

static void slot_init(slot_t *s)
{
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->waker = WAKER_EMPTY;
    s->done = false;
}

static void slot_destroy(slot_t *s)
{
    waker_drop(&s->waker);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
}

/* The future's side: keep cx's waker in the slot. */
static void slot_register(slot_t *s, context_t *cx)
{
    pthread_mutex_lock(&s->lock);
    waker_register(&s->waker, cx);
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static void slot_finish(slot_t *s)
{
    pthread_mutex_lock(&s->lock);
    s->done = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* A thread that wakes every waker put in the slot until slot_finish. */
static void *slot_waker_thread(void *arg)
{
    slot_t *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!waker_is_set(&s->waker) && !s->done)
            pthread_cond_wait(&s->cond, &s->lock);
        if (!waker_is_set(&s->waker))
            break;
        waker_t w = waker_take(&s->waker);
        pthread_mutex_unlock(&s->lock);
        waker_wake(&w); /* outside the lock, as a real waker would */
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/*
 * Capture what a call prints on stderr, into buf. Lost-wakeup reports go
 * there; the tests read them back.
 */
typedef struct capture {
    int saved_fd;
    FILE *file;
} capture_t;

static void capture_start(capture_t *c)
{
    fflush(stderr);
    c->file = tmpfile();
    assert_non_null(c->file);
    c->saved_fd = dup(fileno(stderr));
    dup2(fileno(c->file), fileno(stderr));
}

static void capture_end(capture_t *c, char *buf, size_t size)
{
    fflush(stderr);
    dup2(c->saved_fd, fileno(stderr));
    close(c->saved_fd);
    rewind(c->file);
    size_t n = fread(buf, 1, size - 1, c->file);
    buf[n] = '\0';
    fclose(c->file);
}

/* PENDING `rounds` times, each time leaving its waker in a slot that a
 * thread wakes; READY after. */
typedef struct handoff {
    future_t base;
    slot_t *slot;
    int rounds;
    int polls;
} handoff_t;

static poll_t handoff_poll(future_t *f, context_t *cx)
{
    handoff_t *h = (handoff_t *)f;
    if (h->polls++ == h->rounds) {
        slot_finish(h->slot);
        return POLL_READY;
    }
    slot_register(h->slot, cx);
    return POLL_PENDING;
}

/* ---- running tasks ------------------------------------------------------- */

static void notify_runs_widgets_to_completion(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    widget_tally_t tally;
    widget_tally_init(&tally);
    for (int i = 0; i < 10; i++) {
        widget_task_t w;
        widget_task_init_async(&w, 3, i, &tally);
        assert_int_equal(executor_spawn(ex, &w.base, sizeof w, "w", NULL), 0);
    }
    assert_int_equal(executor_run(ex), 0);

    executor_stats_t st = stats_of(ex);
    assert_int_equal(tally.done, 10);
    assert_int_equal(tally.sum, 45);
    assert_int_equal(st.spawned, 10);
    assert_int_equal(st.completed, 10);
    assert_int_equal(st.polls, 40);         /* 3 PENDING + 1 READY each */
    assert_int_equal(st.pending_polls, 30); /* each followed by a wake */
    assert_int_equal(st.self_wakes, 30);
    assert_int_equal(st.parks, 0); /* never idle: always a wake queued */
    assert_int_equal(st.lost_wakers, 0);
    executor_destroy(ex);
}

static void notify_hundred_thousand_tasks_complete(void **state)
{
    (void)state;
    enum { N = 100000 };
    executor_t *ex = notify_new(NULL);
    widget_tally_t tally;
    widget_tally_init(&tally);
    for (int i = 0; i < N; i++) {
        widget_task_t w;
        widget_task_init_hand(&w, i % 2, 1, &tally);
        assert_int_equal(executor_spawn(ex, &w.base, sizeof w, "w", NULL), 0);
    }
    assert_int_equal(executor_run(ex), 0);

    executor_stats_t st = stats_of(ex);
    assert_int_equal(tally.done, N);
    assert_int_equal(st.spawned, N);
    assert_int_equal(st.completed, N);
    assert_int_equal(st.polls, N + N / 2);
    assert_true(st.max_queue_depth >= N);
    executor_destroy(ex);
}

/* Spawns `children` counters with spawn() (no executor argument). */
typedef struct parent {
    future_t base;
    int children;
    atomic_int *ran;
} parent_t;

typedef struct child {
    future_t base;
    atomic_int *ran;
} child_t;

static poll_t child_poll(future_t *f, context_t *cx)
{
    (void)cx;
    atomic_fetch_add(((child_t *)f)->ran, 1);
    return POLL_READY;
}

static poll_t parent_poll(future_t *f, context_t *cx)
{
    (void)cx;
    parent_t *p = (parent_t *)f;
    for (int i = 0; i < p->children; i++) {
        child_t c = {{child_poll, NULL}, p->ran};
        assert_int_equal(spawn(&c.base, sizeof c, "child", NULL), 0);
    }
    return POLL_READY;
}

static void notify_spawn_from_inside_a_task(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    atomic_int ran = 0;
    parent_t p = {{parent_poll, NULL}, 10, &ran};
    assert_int_equal(executor_spawn(ex, &p.base, sizeof p, "parent", NULL), 0);
    assert_int_equal(executor_run(ex), 0);
    assert_int_equal(ran, 10);
    assert_int_equal(stats_of(ex).completed, 11);
    assert_null(executor_current()); /* restored after run */
    executor_destroy(ex);
}

static void notify_step_is_one_decision(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    widget_task_t w;
    widget_task_init_hand(&w, 1, 7, NULL);
    assert_int_equal(executor_spawn(ex, &w.base, sizeof w, "w", NULL), 0);

    assert_int_equal(executor_step(ex), 1); /* PENDING, woke itself */
    assert_int_equal(stats_of(ex).polls, 1);
    assert_int_equal(executor_step(ex), 1); /* READY */
    assert_int_equal(stats_of(ex).completed, 1);
    assert_int_equal(executor_step(ex), 0); /* nothing left */
    executor_destroy(ex);
}

/* ---- the wake protocol ----------------------------------------------- */

/* First poll: wakes itself `wakes` times (by ref and through a clone),
 * PENDING. Second poll: READY. */
typedef struct waker_of_self {
    future_t base;
    int wakes;
    int polls;
} waker_of_self_t;

static poll_t waker_of_self_poll(future_t *f, context_t *cx)
{
    waker_of_self_t *s = (waker_of_self_t *)f;
    if (s->polls++ > 0)
        return POLL_READY;
    for (int i = 0; i < s->wakes; i++) {
        waker_t clone = waker_clone(cx->waker);
        waker_wake_by_ref(cx->waker);
        waker_wake(&clone);
    }
    return POLL_PENDING;
}

static void notify_wake_while_running_polls_once_more(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    join_handle_t h;
    waker_of_self_t s = {{waker_of_self_poll, NULL}, 3, 0};
    assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "self", &h), 0);
    assert_int_equal(executor_run(ex), 0);

    waker_of_self_t *out = (waker_of_self_t *)join_handle_output(&h);
    assert_non_null(out);
    assert_int_equal(out->polls, 2); /* six wakes, one more poll */
    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.polls, 2);
    assert_int_equal(st.pending_polls, 1);
    assert_int_equal(st.self_wakes, 1);
    join_handle_drop(&h);
    executor_destroy(ex);
}

/* READY at once, leaving a clone of its waker behind in *keep. */
typedef struct keeper {
    future_t base;
    waker_t *keep;
} keeper_t;

static poll_t keeper_poll(future_t *f, context_t *cx)
{
    keeper_t *k = (keeper_t *)f;
    *k->keep = waker_clone(cx->waker);
    return POLL_READY;
}

static void notify_wake_after_complete_does_nothing(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    waker_t kept = WAKER_EMPTY;
    keeper_t k = {{keeper_poll, NULL}, &kept};
    assert_int_equal(executor_spawn(ex, &k.base, sizeof k, "keeper", NULL), 0);
    assert_int_equal(executor_run(ex), 0);
    assert_true(waker_is_set(&kept));

    waker_wake_by_ref(&kept);
    assert_int_equal(executor_step(ex), 0); /* nothing was queued */
    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.polls, 1);
    assert_int_equal(st.wakes, 0);
    executor_destroy(ex);

    waker_wake(&kept); /* after destroy: no effect, frees the task */
}

static void notify_wake_from_thread_while_parked(void **state)
{
    (void)state;
    enum { ROUNDS = 10000 };
    executor_t *ex = notify_new(NULL);
    slot_t slot;
    slot_init(&slot);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, slot_waker_thread, &slot),
                     0);

    handoff_t h = {{handoff_poll, NULL}, &slot, ROUNDS, 0};
    assert_int_equal(executor_spawn(ex, &h.base, sizeof h, "handoff", NULL), 0);
    assert_int_equal(executor_run(ex), 0);
    pthread_join(thread, NULL);

    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.completed, 1);
    assert_int_equal(st.polls, ROUNDS + 1);
    assert_int_equal(st.wakes, ROUNDS);
    assert_int_equal(st.lost_wakers, 0);
    slot_destroy(&slot);
    executor_destroy(ex);
}

/* Spawned from another thread while the executor waits in block_on. */
typedef struct remote_spawner {
    executor_t *ex;
    int tasks;
    slot_t *slot; /* the root's waker, woken when all have run */
    atomic_int ran;
} remote_spawner_t;

typedef struct counted {
    future_t base;
    remote_spawner_t *rs;
} counted_t;

static poll_t counted_poll(future_t *f, context_t *cx)
{
    (void)cx;
    remote_spawner_t *rs = ((counted_t *)f)->rs;
    if (atomic_fetch_add(&rs->ran, 1) + 1 == rs->tasks) {
        pthread_mutex_lock(&rs->slot->lock);
        waker_t w = waker_take(&rs->slot->waker);
        pthread_mutex_unlock(&rs->slot->lock);
        if (waker_is_set(&w))
            waker_wake(&w);
    }
    return POLL_READY;
}

static void *remote_spawn_thread(void *arg)
{
    remote_spawner_t *rs = arg;
    for (int i = 0; i < rs->tasks; i++) {
        counted_t c = {{counted_poll, NULL}, rs};
        assert_int_equal(
            executor_spawn(rs->ex, &c.base, sizeof c, "remote", NULL), 0);
    }
    return NULL;
}

/* block_on's future: READY once every remotely spawned task has run. */
typedef struct all_ran {
    future_t base;
    remote_spawner_t *rs;
} all_ran_t;

static poll_t all_ran_poll(future_t *f, context_t *cx)
{
    remote_spawner_t *rs = ((all_ran_t *)f)->rs;
    slot_register(rs->slot, cx);
    return atomic_load(&rs->ran) == rs->tasks ? POLL_READY : POLL_PENDING;
}

static void notify_spawn_from_another_thread(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    slot_t slot;
    slot_init(&slot);
    remote_spawner_t rs = {.ex = ex, .tasks = 1000, .slot = &slot};
    atomic_init(&rs.ran, 0);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, remote_spawn_thread, &rs),
                     0);

    all_ran_t root = {{all_ran_poll, NULL}, &rs};
    assert_int_equal(executor_block_on(ex, &root.base), 0);
    pthread_join(thread, NULL);
    assert_int_equal(atomic_load(&rs.ran), 1000);
    assert_int_equal(stats_of(ex).spawned, 1000);
    slot_destroy(&slot);
    executor_destroy(ex);
}

/* ---- block_on ------------------------------------------------------------ */

/* block_on's future: the first poll hands a clone of its waker to a new
 * thread, which wakes it; the second poll is READY. */
typedef struct thread_woken {
    future_t base;
    pthread_t thread;
    waker_t waker;
    int polls;
} thread_woken_t;

static void *wake_and_exit(void *arg)
{
    waker_wake((waker_t *)arg);
    return NULL;
}

static poll_t thread_woken_poll(future_t *f, context_t *cx)
{
    thread_woken_t *t = (thread_woken_t *)f;
    if (t->polls++ > 0)
        return POLL_READY;
    t->waker = waker_clone(cx->waker);
    assert_int_equal(pthread_create(&t->thread, NULL, wake_and_exit, &t->waker),
                     0);
    return POLL_PENDING;
}

static void notify_block_on_woken_from_another_thread(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    for (int i = 0; i < 1000; i++) {
        thread_woken_t t = {.base = {thread_woken_poll, NULL}};
        assert_int_equal(executor_block_on(ex, &t.base), 0);
        pthread_join(t.thread, NULL);
        assert_int_equal(t.polls, 2);
    }
    assert_int_equal(stats_of(ex).lost_wakers, 0);
    executor_destroy(ex);
}

/* block_on's future: awaits a join handle. */
typedef struct join_wait {
    future_t base;
    join_handle_t *h;
} join_wait_t;

static poll_t join_wait_poll(future_t *f, context_t *cx)
{
    return join_handle_poll(((join_wait_t *)f)->h, cx);
}

static void notify_block_on_awaits_a_task(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    join_handle_t h;
    widget_task_t w;
    widget_task_init_async(&w, 5, 42, NULL);
    assert_int_equal(executor_spawn(ex, &w.base, sizeof w, "w", &h), 0);
    join_wait_t jw = {{join_wait_poll, NULL}, &h};
    assert_int_equal(executor_block_on(ex, &jw.base), 0);
    assert_int_equal(((widget_task_t *)join_handle_output(&h))->output, 42);
    join_handle_drop(&h);
    executor_destroy(ex);
}

/* ---- lost wakeups ---------------------------------------------------- */

static void spawn_naive_sleep(executor_t *ex, join_handle_t *h)
{
    naive_sleep_t s;
    naive_sleep_init(&s, 60000);
    assert_int_equal(executor_spawn(ex, &s.base, sizeof s, "naive-sleep", h),
                     0);
}

static void notify_detects_naive_sleep_lost_wakeup(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    spawn_naive_sleep(ex, NULL);
    widget_task_t w;
    widget_task_init_hand(&w, 2, 1, NULL);
    assert_int_equal(executor_spawn(ex, &w.base, sizeof w, "w", NULL), 0);

    char out[512];
    capture_t c;
    capture_start(&c);
    int err = executor_run(ex);
    capture_end(&c, out, sizeof out);

    assert_int_equal(err, -EDEADLK);
    assert_string_equal(out, "task 1 'naive-sleep' is pending and nothing "
                             "holds its waker: a lost wakeup\n");
    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.lost_wakers, 1);
    assert_int_equal(st.completed, 1); /* the honest widget finished */
    assert_int_equal(st.parks, 0);     /* it never went to sleep */
    executor_destroy(ex);
}

static void notify_block_on_detects_lost_tasks_it_awaits(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    join_handle_t h;
    spawn_naive_sleep(ex, &h);
    join_wait_t jw = {{join_wait_poll, NULL}, &h};

    char out[512];
    capture_t c;
    capture_start(&c);
    int err = executor_block_on(ex, &jw.base);
    capture_end(&c, out, sizeof out);

    assert_int_equal(err, -EDEADLK);
    assert_non_null(strstr(out, "'naive-sleep' is pending"));
    assert_int_equal(stats_of(ex).lost_wakers, 1);
    join_handle_drop(&h);
    executor_destroy(ex);
}

static void notify_block_on_detects_its_own_lost_wakeup(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    naive_sleep_t s;
    naive_sleep_init(&s, 60000);

    char out[512];
    capture_t c;
    capture_start(&c);
    int err = executor_block_on(ex, &s.base);
    capture_end(&c, out, sizeof out);

    assert_int_equal(err, -EDEADLK);
    assert_string_equal(out, "the block_on future is pending and nothing "
                             "holds its waker: a lost wakeup\n");
    assert_int_equal(stats_of(ex).lost_wakers, 1);
    executor_destroy(ex);
}

static void notify_driver_sleep_is_not_lost(void **state)
{
    (void)state;
    executor_t *ex = notify_new_with(NULL, true); /* virtual: no waiting */
    for (uint64_t ms = 10; ms <= 30; ms += 10)
        spawn_sleep(ex, ms);
    assert_int_equal(executor_run(ex), 0);

    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.completed, 3);
    assert_int_equal(st.lost_wakers, 0);
    assert_true(st.parks >= 1);        /* idle between timers: it parked */
    assert_int_equal(st.polls, 3 * 2); /* armed, then READY: no busy wait */
    executor_destroy(ex);
}

static void notify_sleeps_on_the_real_clock(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    spawn_sleep(ex, 5);
    spawn_sleep(ex, 1);
    assert_int_equal(executor_run(ex), 0);
    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.completed, 2);
    assert_int_equal(st.lost_wakers, 0);
    assert_true(st.parks >= 1);
    executor_destroy(ex);
}

/* A task whose waker the test holds is not lost, even though it waits. */
typedef struct held {
    future_t base;
    slot_t *slot;
    int polls;
} held_t;

static poll_t held_poll(future_t *f, context_t *cx)
{
    held_t *h = (held_t *)f;
    if (h->polls++ > 0)
        return POLL_READY;
    slot_register(h->slot, cx);
    return POLL_PENDING;
}

static void notify_held_waker_is_not_lost(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    slot_t slot;
    slot_init(&slot);
    held_t h = {{held_poll, NULL}, &slot, 0};
    assert_int_equal(executor_spawn(ex, &h.base, sizeof h, "held", NULL), 0);
    assert_int_equal(executor_step(ex), 1); /* polled: PENDING */

    /* Wake it from another thread before the executor parks: the wake
     * waits in the remote queue and the eventfd, and is not lost. */
    pthread_t thread;
    slot_finish(&slot);
    assert_int_equal(pthread_create(&thread, NULL, slot_waker_thread, &slot),
                     0);
    assert_int_equal(executor_run(ex), 0);
    pthread_join(thread, NULL);
    assert_int_equal(stats_of(ex).lost_wakers, 0);
    assert_int_equal(stats_of(ex).completed, 1);
    slot_destroy(&slot);
    executor_destroy(ex);
}

static void notify_reports_only_when_every_task_is_lost(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    slot_t slot;
    slot_init(&slot);
    spawn_naive_sleep(ex, NULL);              /* task 1: lost */
    held_t h = {{held_poll, NULL}, &slot, 0}; /* task 2: waits */
    assert_int_equal(executor_spawn(ex, &h.base, sizeof h, "held", NULL), 0);
    assert_int_equal(executor_step(ex), 1);
    assert_int_equal(executor_step(ex), 1);

    /* Task 2's waker is alive: the executor parks instead of reporting,
     * until the thread wakes task 2. Then only the lost task is left. */
    pthread_t thread;
    slot_finish(&slot);
    assert_int_equal(pthread_create(&thread, NULL, slot_waker_thread, &slot),
                     0);
    char out[512];
    capture_t c;
    capture_start(&c);
    int err = executor_run(ex);
    capture_end(&c, out, sizeof out);
    pthread_join(thread, NULL);

    assert_int_equal(err, -EDEADLK);
    assert_string_equal(out, "task 1 'naive-sleep' is pending and nothing "
                             "holds its waker: a lost wakeup\n");
    executor_stats_t st = stats_of(ex);
    assert_int_equal(st.completed, 1);
    assert_int_equal(st.lost_wakers, 1);
    slot_destroy(&slot);
    executor_destroy(ex);
}

/* ---- abort and destroy ----------------------------------------------- */

/* Owns heap memory, released by its drop; counts drops. */
typedef struct owner {
    future_t base;
    char *memory;
    int *drops;
    slot_t *slot; /* NULL: loses its waker instead of keeping it */
} owner_t;

static poll_t owner_poll(future_t *f, context_t *cx)
{
    owner_t *o = (owner_t *)f;
    if (o->slot != NULL)
        slot_register(o->slot, cx);
    return POLL_PENDING;
}

static void owner_drop(future_t *f)
{
    owner_t *o = (owner_t *)f;
    free(o->memory);
    (*o->drops)++;
}

static void spawn_owner(executor_t *ex, int *drops, slot_t *slot,
                        join_handle_t *h)
{
    owner_t o = {{owner_poll, owner_drop}, malloc(64), drops, slot};
    assert_int_equal(executor_spawn(ex, &o.base, sizeof o, "owner", h), 0);
}

static void notify_abort_of_an_idle_task_drops_it(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    slot_t slot;
    slot_init(&slot);
    int drops = 0;
    join_handle_t h;
    spawn_owner(ex, &drops, &slot, &h);
    assert_int_equal(executor_step(ex), 1); /* PENDING, waker in slot */
    join_handle_abort(&h);                  /* schedules it once more */
    assert_int_equal(executor_run(ex), 0);
    assert_int_equal(drops, 1);
    assert_null(join_handle_output(&h)); /* cancelled: no output */
    join_handle_drop(&h);
    slot_destroy(&slot);
    executor_destroy(ex);
}

static void notify_destroy_with_pending_tasks(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    slot_t slot;
    slot_init(&slot);
    int drops = 0;
    join_handle_t h;
    spawn_owner(ex, &drops, &slot, &h); /* waiting, waker in the slot */
    spawn_owner(ex, &drops, NULL, NULL);
    assert_int_equal(executor_step(ex), 1);
    assert_int_equal(executor_step(ex), 1);
    spawn_owner(ex, &drops, NULL, NULL); /* still in the ready queue */
    executor_destroy(ex);

    assert_int_equal(drops, 3);
    assert_true(task_state(h.task) & TASK_CANCELLED);
    assert_null(join_handle_output(&h));
    join_handle_drop(&h);
    /* The slot's waker outlived the executor: waking it does nothing. */
    waker_wake(&slot.waker);
    slot_destroy(&slot);
}

static void notify_destroy_cancels_a_sleeping_task(void **state)
{
    (void)state;
    executor_t *ex = notify_new(NULL);
    spawn_sleep(ex, 60000);
    assert_int_equal(executor_step(ex), 1); /* the timer is in the wheel */
    executor_destroy(ex); /* drops the sleep, which cancels its timer */
}

/* ---- tracing --------------------------------------------------------- */

typedef struct recorder_sink {
    trace_sink_t sink;
    uint32_t kinds[64];
    uint64_t a[64];
    int len;
} recorder_sink_t;

static void recorder_write(trace_sink_t *self, const trace_event_t *ev)
{
    recorder_sink_t *r = (recorder_sink_t *)self;
    assert_true(r->len < 64);
    r->a[r->len] = ev->a;
    r->kinds[r->len++] = ev->kind;
}

static void notify_traces_a_yielding_task(void **state)
{
    (void)state;
    recorder_sink_t rec = {.sink = {recorder_write}};
    executor_t *ex = notify_new(&rec.sink);
    widget_task_t w;
    widget_task_init_hand(&w, 1, 0, NULL);
    assert_int_equal(executor_spawn(ex, &w.base, sizeof w, "w", NULL), 0);
    assert_int_equal(executor_run(ex), 0);
    executor_destroy(ex);

    /* Spawned from outside the executor: it arrives through the remote
     * queue, and is reported when it is taken from there. */
    const uint32_t want[] = {
        TRACE_SPAWN,      TRACE_SCHEDULE,  TRACE_POLL_START,
        TRACE_POLL_END,   TRACE_SELF_WAKE, TRACE_SCHEDULE,
        TRACE_POLL_START, TRACE_POLL_END,  TRACE_COMPLETE,
    };
    assert_int_equal(rec.len, sizeof want / sizeof want[0]);
    for (int i = 0; i < rec.len; i++)
        assert_int_equal(rec.kinds[i], want[i]);
    assert_int_equal(rec.a[1], TRACE_Q_REMOTE);
    assert_int_equal(rec.a[3], POLL_PENDING);
    assert_int_equal(rec.a[5], TRACE_Q_READY);
    assert_int_equal(rec.a[7], POLL_READY);
}

static void notify_traces_a_timer_wake(void **state)
{
    (void)state;
    recorder_sink_t rec = {.sink = {recorder_write}};
    executor_t *ex = notify_new_with(&rec.sink, true);
    spawn_sleep(ex, 7);
    assert_int_equal(executor_run(ex), 0);
    executor_destroy(ex);

    int timer_fire = -1, wake = -1, park = -1;
    for (int i = 0; i < rec.len; i++) {
        if (rec.kinds[i] == TRACE_PARK && park < 0)
            park = i;
        if (rec.kinds[i] == TRACE_TIMER_FIRE)
            timer_fire = i;
        if (rec.kinds[i] == TRACE_WAKE)
            wake = i;
    }
    assert_true(park >= 0 && park < timer_fire && timer_fire < wake);
    assert_int_equal(rec.a[timer_fire], 7); /* the deadline, in ms */
    assert_int_equal(rec.a[wake], TRACE_BY_TIMER);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(notify_runs_widgets_to_completion),
        cmocka_unit_test(notify_hundred_thousand_tasks_complete),
        cmocka_unit_test(notify_spawn_from_inside_a_task),
        cmocka_unit_test(notify_step_is_one_decision),
        cmocka_unit_test(notify_wake_while_running_polls_once_more),
        cmocka_unit_test(notify_wake_after_complete_does_nothing),
        cmocka_unit_test(notify_wake_from_thread_while_parked),
        cmocka_unit_test(notify_spawn_from_another_thread),
        cmocka_unit_test(notify_block_on_woken_from_another_thread),
        cmocka_unit_test(notify_block_on_awaits_a_task),
        cmocka_unit_test(notify_detects_naive_sleep_lost_wakeup),
        cmocka_unit_test(notify_block_on_detects_lost_tasks_it_awaits),
        cmocka_unit_test(notify_block_on_detects_its_own_lost_wakeup),
        cmocka_unit_test(notify_driver_sleep_is_not_lost),
        cmocka_unit_test(notify_sleeps_on_the_real_clock),
        cmocka_unit_test(notify_held_waker_is_not_lost),
        cmocka_unit_test(notify_reports_only_when_every_task_is_lost),
        cmocka_unit_test(notify_abort_of_an_idle_task_drops_it),
        cmocka_unit_test(notify_destroy_with_pending_tasks),
        cmocka_unit_test(notify_destroy_cancels_a_sleeping_task),
        cmocka_unit_test(notify_traces_a_yielding_task),
        cmocka_unit_test(notify_traces_a_timer_wake),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
