/*
 * lessons/10-block-on/check.c - the checker of lesson 10's exercise.
 * `asynclab check 10` compiles it with your exercise.c and runs it.
 *
 * Your mini_block_on runs on fake hooks, in a world the checker scripts:
 *
 *     run_one   pops the next scripted task from a ready queue and runs
 *               its action (wake f, let f finish, queue itself again)
 *     park      fires the next scripted timer (virtual time: it never
 *               sleeps), or returns with nothing done (spurious, or an
 *               unpark that came earlier, as an eventfd keeps it), or
 *               wakes f from a second thread and waits for that thread
 *               to finish (pthread_join), so the run is the same each time
 *     unpark    counts, and notes whether the flag was already set
 *     f         a fake future that counts its polls and the wakes it got
 *
 * Every decision your loop makes is judged when it is made: a poll of f
 * with no wake since the last one (a busy loop), a park while f is woken
 * (a lost wakeup) or while tasks are ready (starving tasks), a hook called
 * after f was READY. The sentence names the trap.
 */
#include "lessons/check.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "exercise.h"

#define MAX_READY  16
#define MAX_TIMERS 8
#define MAX_CALLS  100000 /* hooks and polls: more is a loop that never ends */
#define STARVED    64     /* turns the other side may wait, at most */

typedef struct world world_t;
typedef void (*action_fn)(world_t *w);

/* The main future: READY at poll ready_at (0: once w->release is set). */
typedef struct fake {
    future_t base;
    waker_t kept; /* the waker of its last Pending poll */
    int polls, wakes;
    int ready_at;
    bool yields;          /* wakes itself in every Pending poll */
    bool done;            /* returned READY */
    bool woken;           /* woken since its last poll began */
    const char *woken_by; /* by whom, in words */
    action_fn spawn[4];   /* tasks its first poll queues */
    int polls_since_task; /* polls with no task run between them */
    int tasks_since_wake; /* tasks run while a wake waits for its poll */
} fake_t;

struct world {
    const char *test;
    block_on_hooks_t h;
    fake_t f;
    pthread_t caller;
    action_fn ready[MAX_READY]; /* the ready queue, a ring */
    size_t head, len;
    action_fn timers[MAX_TIMERS]; /* fired one per park, in order */
    size_t n_timers, next_timer;
    int spurious;      /* parks left that return with nothing done */
    bool cross_thread; /* the next park: a wake from another thread */
    bool release;      /* f is READY at its next poll */
    int forever_runs;
    int calls, parks, unparks, empty_runs;
    const char *last_hook;
    /* Written by the second thread while the caller waits in join. */
    bool unpark_token;     /* an unpark no park has consumed yet */
    int unparks_elsewhere; /* unparks from another thread */
    bool unparked_before_flag;
    bool polled_elsewhere; /* f polled on another thread */
};

static world_t W;

/* ---- the main future ------------------------------------------------------ */

static mini_root_t *root_of(world_t *w)
{
    return w->f.kept.vtable == &mini_root_vtable ? (mini_root_t *)w->f.kept.data
                                                 : NULL;
}

/* Wake f as `by` does (the caller's thread). */
static void wake_f(world_t *w, const char *by)
{
    if (!waker_is_set(&w->f.kept))
        return;
    w->f.woken = true;
    w->f.woken_by = by;
    w->f.wakes++;
    waker_wake_by_ref(&w->f.kept);
}

static void push_task(world_t *w, action_fn a)
{
    if (w->len < MAX_READY)
        w->ready[(w->head + w->len++) % MAX_READY] = a;
}

static void count_call(world_t *w, const char *hook)
{
    EXPECT_IN(w->test, ++w->calls <= MAX_CALLS,
              "mini_block_on made %d calls (polls, run_one, park) and never "
              "returned; f was polled %d times and woken %d times",
              MAX_CALLS, w->f.polls, w->f.wakes);
    EXPECT_IN(w->test, !w->unparked_before_flag,
              "your waker called h->unpark before it set root->woken: the "
              "parked thread can return, find no flag, and park again. Set "
              "the flag first, then unpark");
    EXPECT_IN(w->test, !w->f.done,
              "%s was called after f returned READY: return 0 at once", hook);
    w->last_hook = hook;
}

/* Checks of a poll that may only come on the caller's thread, and its
 * bookkeeping. */
static void judge_poll(world_t *w, future_t *self, context_t *cx)
{
    fake_t *f = &w->f;
    EXPECT_IN(w->test, self == &f->base,
              "f was polled at another address: poll the future you were "
              "given, where it is (a copy is another future)");
    EXPECT_IN(w->test,
              cx != NULL && cx->waker != NULL &&
                  cx->waker->vtable == &mini_root_vtable,
              "f's waker is not {&mini_root_vtable, &root}: poll it with the "
              "main future's own waker");
    EXPECT_IN(w->test, f->polls == 0 || f->woken,
              "f was polled %d times but woken only %d times: a poll with "
              "no wake since the one before is a busy loop (all the CPU, "
              "every Pending poll wasted)%s",
              f->polls + 1, f->wakes,
              w->last_hook != NULL && strcmp(w->last_hook, "park") == 0
                  ? ". Here park had returned with nothing done (a spurious "
                    "return): decide again, do not poll"
                  : ". Poll f only when its flag is set");
    EXPECT_IN(w->test, ++f->polls_since_task <= STARVED || w->len == 0,
              "f woke itself in each of %d polls in a row and the %zu ready "
              "tasks never ran: tasks starve. Give run_one a turn between "
              "two polls of f",
              STARVED, w->len);
}

static poll_t fake_poll(future_t *self, context_t *cx)
{
    world_t *w = &W;
    fake_t *f = &w->f;
    if (!pthread_equal(pthread_self(), w->caller)) {
        w->polled_elsewhere = true; /* said by the caller's thread */
        return POLL_PENDING;
    }
    count_call(w, "f's poll");
    judge_poll(w, self, cx);
    f->polls++;
    f->woken = false;
    f->tasks_since_wake = 0;
    w->empty_runs = 0;
    if (f->polls == 1)
        for (int i = 0; i < 4 && f->spawn[i] != NULL; i++)
            push_task(w, f->spawn[i]);
    if ((f->ready_at != 0 && f->polls >= f->ready_at) ||
        (f->ready_at == 0 && w->release)) {
        f->done = true;
        waker_drop(&f->kept);
        return POLL_READY;
    }
    waker_register(&f->kept, cx);
    if (f->yields)
        wake_f(w, "f itself, during its poll (a yield)");
    return POLL_PENDING;
}

/* ---- the hooks ------------------------------------------------------------ */

static int fake_run_one(void *ex)
{
    world_t *w = ex;
    count_call(w, "run_one");
    if (w->f.woken && w->f.polls > 0)
        EXPECT_IN(w->test, ++w->f.tasks_since_wake <= STARVED,
                  "f was woken %d task runs ago and is still not polled: a "
                  "task that is always ready keeps f from its poll. Look at "
                  "f's flag between tasks, not only when no task is ready",
                  STARVED);
    if (w->len == 0) {
        EXPECT_IN(w->test, ++w->empty_runs <= 1000,
                  "run_one found no task %d times in a row, and you neither "
                  "parked nor polled f: a busy loop. With no task ready and "
                  "f not woken, park",
                  w->empty_runs);
        return 0;
    }
    action_fn a = w->ready[w->head];
    w->head = (w->head + 1) % MAX_READY;
    w->len--;
    w->empty_runs = 0;
    w->f.polls_since_task = 0;
    a(w);
    return 1;
}

static void *other_thread(void *arg)
{
    world_t *w = arg; /* the caller waits in pthread_join meanwhile */
    w->f.woken = true;
    w->f.woken_by = "another thread";
    w->f.wakes++;
    waker_t c = waker_clone(&w->f.kept);
    waker_wake(&c);
    return NULL;
}

/* Park: the wake of a second thread, joined before we return. */
static void park_woken_from_afar(world_t *w)
{
    pthread_t t;
    w->unparks_elsewhere = 0;
    assert_int_equal(pthread_create(&t, NULL, other_thread, w), 0);
    pthread_join(t, NULL);
    EXPECT_IN(w->test, !w->polled_elsewhere,
              "f was polled on the thread that woke it: only mini_block_on's "
              "caller polls f. A wake sets the flag and unparks, nothing "
              "more");
    EXPECT_IN(w->test, !w->unparked_before_flag,
              "woken from another thread, your waker called h->unpark before "
              "it set root->woken: the parked thread can return, find no "
              "flag, and park again. Set the flag first, then unpark");
    EXPECT_IN(w->test, w->unparks_elsewhere > 0,
              "f was woken from another thread while mini_block_on was "
              "parked, and your waker did not call h->unpark: the park "
              "sleeps on, until some timer fires, perhaps never. A wake "
              "sets the flag, then unparks");
}

static void fake_park(void *ex)
{
    world_t *w = ex;
    fake_t *f = &w->f;
    count_call(w, "park");
    EXPECT_IN(w->test, f->polls > 0,
              "parked before polling f even once: the first poll needs no "
              "wake, and nothing wakes an f that was never polled");
    mini_root_t *r = root_of(w);
    bool flag =
        r != NULL && atomic_load_explicit(&r->woken, memory_order_acquire);
    EXPECT_IN(w->test, !f->woken || !flag,
              "f was woken by %s, and you parked without polling it, its "
              "flag still set: a lost wakeup. On the real driver the thread "
              "sleeps until some timer fires, perhaps never. Look at the "
              "flag just before you park: a wake may have come since you "
              "last looked (during run_one, or during f's own poll)",
              f->woken_by);
    EXPECT_IN(w->test, !f->woken,
              "f was woken by %s, but root->woken was clear when you parked: "
              "the wake was wiped out, a lost wakeup. %s",
              f->woken_by,
              strstr(f->woken_by, "yield") != NULL
                  ? "Was the flag cleared after the poll? Take it BEFORE "
                    "polling f, so that a wake during the poll stays set"
                  : "A wake sets root->woken, and only mini_block_on, taking "
                    "it just before a poll, clears it");
    EXPECT_IN(w->test, w->len == 0,
              "parked while %zu tasks were ready: they starve. Run them "
              "through run_one, and park only when it returns 0",
              w->len);
    w->parks++;
    w->empty_runs = 0;
    if (w->unpark_token) { /* an eventfd keeps an early unpark */
        w->unpark_token = false;
        return;
    }
    if (w->spurious > 0) {
        w->spurious--;
        return;
    }
    if (w->cross_thread) {
        w->cross_thread = false;
        park_woken_from_afar(w);
        return;
    }
    EXPECT_IN(w->test, w->next_timer < w->n_timers,
              "parked with nothing left that could wake f (the checker's "
              "driver has no timer left, and f was polled %d times, woken "
              "%d times)",
              f->polls, f->wakes);
    w->timers[w->next_timer++](w);
}

static void fake_unpark(void *ex)
{
    world_t *w = ex; /* any thread: only notes what happened */
    mini_root_t *r = root_of(w);
    if (r != NULL && !atomic_load_explicit(&r->woken, memory_order_acquire))
        w->unparked_before_flag = true;
    if (!pthread_equal(pthread_self(), w->caller))
        w->unparks_elsewhere++;
    w->unparks++;
    w->unpark_token = true;
}

/* ---- scripted actions ------------------------------------------------------ */

static void nothing(world_t *w)
{
    (void)w;
}

static void task_wakes_f(world_t *w)
{
    wake_f(w, "a task that run_one ran");
}

static void timer_wakes_f(world_t *w)
{
    wake_f(w, "the driver, inside park (a timer)");
}

static void task_releases_f(world_t *w)
{
    w->release = true;
    wake_f(w, "a task that run_one ran");
}

static void task_releases_quietly(world_t *w)
{
    w->release = true; /* f yields: it is woken already */
}

/* Always ready: queues itself again; on its third run it wakes f. */
static void forever(world_t *w)
{
    if (++w->forever_runs == 3)
        task_releases_f(w);
    push_task(w, forever);
}

/* ---- running ---------------------------------------------------------------- */

static void world_init(world_t *w, const char *test)
{
    memset(w, 0, sizeof *w);
    w->test = test;
    w->h = (block_on_hooks_t){w, fake_run_one, fake_park, fake_unpark};
    w->f.base = (future_t){fake_poll, NULL};
    w->f.kept = WAKER_EMPTY;
    w->f.woken = true; /* the first poll needs no wake */
    w->f.woken_by = "nobody (f was never polled)";
    w->caller = pthread_self();
}

static void world_run(world_t *w)
{
    int rc = mini_block_on(&w->h, &w->f.base);
    EXPECT_IN(w->test, rc == 0 || !w->f.done,
              "mini_block_on returned %d after f was READY; it returns 0", rc);
    EXPECT_IN(w->test, w->f.done,
              "mini_block_on returned %d before f was READY (f was polled %d "
              "times): it returns only once a poll of f says READY",
              rc, w->f.polls);
}

static void blockon_ready_at_once(void **state)
{
    (void)state;
    world_init(&W, __func__);
    W.f.ready_at = 1;
    world_run(&W);
    EXPECT(W.f.polls == 1,
           "f was ready at its first poll, yet polled %d "
           "times",
           W.f.polls);
}

static void blockon_sleeps_until_woken(void **state)
{
    (void)state;
    world_init(&W, __func__);
    W.f.ready_at = 4;
    W.timers[0] = W.timers[1] = W.timers[2] = timer_wakes_f;
    W.n_timers = 3;
    world_run(&W);
    EXPECT(W.f.polls == 4, "f was polled %d times, woken 3 times: 4 polls",
           W.f.polls);
}

static void blockon_spurious_park(void **state)
{
    (void)state;
    world_init(&W, __func__);
    W.f.ready_at = 2;
    W.spurious = 3;
    W.timers[0] = timer_wakes_f;
    W.n_timers = 1;
    world_run(&W);
}

static void blockon_wake_during_run_one(void **state)
{
    (void)state;
    world_init(&W, __func__);
    W.f.ready_at = 2;
    W.f.spawn[0] = nothing;
    W.f.spawn[1] = task_wakes_f;
    world_run(&W);
}

static void blockon_yield_keeps_its_wake(void **state)
{
    (void)state;
    world_init(&W, __func__);
    W.f.ready_at = 3;
    W.f.yields = true;
    world_run(&W);
}

static void blockon_runs_ready_tasks(void **state)
{
    (void)state;
    world_init(&W, __func__);
    W.f.spawn[0] = nothing;
    W.f.spawn[1] = nothing;
    W.f.spawn[2] = task_releases_f;
    world_run(&W);
}

static void blockon_tasks_run_while_f_yields(void **state)
{
    (void)state;
    world_init(&W, __func__);
    W.f.yields = true;
    W.f.spawn[0] = task_releases_quietly;
    world_run(&W);
}

static void blockon_f_polled_among_busy_tasks(void **state)
{
    (void)state;
    world_init(&W, __func__);
    W.f.spawn[0] = forever;
    world_run(&W);
}

static void blockon_wake_from_another_thread(void **state)
{
    (void)state;
    world_init(&W, __func__);
    W.f.ready_at = 2;
    W.cross_thread = true;
    world_run(&W);
}

/* The waker alone, on a root of the checker's. */
static void blockon_waker(void **state)
{
    (void)state;
    world_init(&W, __func__);
    const waker_vtable_t *vt = &mini_root_vtable;
    EXPECT(vt->clone != NULL && vt->wake != NULL && vt->wake_by_ref != NULL &&
               vt->drop != NULL,
           "mini_root_vtable has an empty entry: clone, wake, wake_by_ref "
           "and drop are all called");
    mini_root_t r = {.h = &W.h};
    atomic_init(&r.woken, false);
    waker_t w = {&mini_root_vtable, &r};
    W.f.kept = w; /* so that unpark can look at the flag */
    waker_wake_by_ref(&w);
    EXPECT(atomic_load(&r.woken),
           "wake_by_ref did not set root->woken: the wake is lost");
    EXPECT(W.unparks == 1,
           "wake_by_ref called h->unpark %d times: once, or a park in "
           "progress sleeps through the wake",
           W.unparks);
    EXPECT(!W.unparked_before_flag,
           "your waker called h->unpark before it set root->woken: the "
           "parked thread can return, find no flag, and park again. Set the "
           "flag first, then unpark");
    atomic_store(&r.woken, false);
    waker_t c = waker_clone(&w);
    waker_wake(&c);
    EXPECT(atomic_load(&r.woken) && W.unparks == 2,
           "wake (by value) did not set root->woken and unpark, as "
           "wake_by_ref does");
    atomic_store(&r.woken, false);
    c = waker_clone(&w);
    waker_drop(&c);
    EXPECT(!atomic_load(&r.woken) && W.unparks == 2,
           "drop woke the main future: a drop releases, it never wakes");
    W.f.kept = WAKER_EMPTY;
}

/* ---- a loop that never returns, never calling a hook ------------------------ */

static void on_alarm(int sig)
{
    (void)sig;
    check_explain(W.test, "mini_block_on ran for 20 s without returning and "
                          "without calling a hook or polling f: waiting for "
                          "the flag in a loop? Park instead");
    _exit(1);
}

static int arm_alarm(void **state)
{
    (void)state;
    signal(SIGALRM, on_alarm);
    alarm(20);
    return 0;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(blockon_waker),
    cmocka_unit_test(blockon_ready_at_once),
    cmocka_unit_test(blockon_sleeps_until_woken),
    cmocka_unit_test(blockon_spurious_park),
    cmocka_unit_test(blockon_wake_during_run_one),
    cmocka_unit_test(blockon_yield_keeps_its_wake),
    cmocka_unit_test(blockon_runs_ready_tasks),
    cmocka_unit_test(blockon_tasks_run_while_f_yields),
    cmocka_unit_test(blockon_f_polled_among_busy_tasks),
    cmocka_unit_test(blockon_wake_from_another_thread),
};

CHECK_MAIN_SETUP("lesson10", tests, arm_alarm)
