/*
 * lessons/10-block-on/example.c - block_on: the main future, the thread
 * that runs it, and how it sleeps.
 *
 *     asynclab lesson 10 --run
 *
 * 1. What #[tokio::main] writes for you: a runtime, then block_on of the
 *    body. Inside the body (the main future) and inside a task it
 *    spawns, the same three questions: where is the future, which
 *    thread polls it, which task is running?
 * 2. How block_on sleeps: the main future sleeps three times 100 ms on
 *    the driver's timer; block_on parks in the driver in between (virtual
 *    time, so the figures are the same on every run).
 * 3. A wake from another thread: the main future hands a clone of its
 *    waker to a thread that wakes it 50 ms later; block_on is asleep in
 *    the driver meanwhile, and the wake unparks it.
 * 4. What block_on refuses: nesting (-EBUSY), and a main future that
 *    nothing can wake any more (-EDEADLK).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/async.h"
#include "core/executor.h"
#include "core/task.h"
#include "driver/time.h"
#include "notify_executor/notify_executor.h"

static pthread_t main_thread;

static executor_t *runtime(bool virtual_time)
{
    executor_config_t cfg = {.kind = &notify_executor_kind,
                             .virtual_time = virtual_time};
    return executor_create(&cfg);
}

/* Answers to "where, which thread, which task", from inside a poll. */
typedef struct seen {
    bool in_place; /* polled at the address it was given */
    bool on_main;  /* polled on main()'s thread */
    uint64_t task; /* task_current()'s id, 0 for none */
} seen_t;

static void look(seen_t *s, const void *self, const void *given)
{
    task_t *t = task_current();
    *s = (seen_t){self == given, pthread_equal(pthread_self(), main_thread),
                  t != NULL ? t->id : 0};
}

static void say(const char *who, const seen_t *s)
{
    char task[24] = "none (not a task)";
    if (s->task != 0)
        snprintf(task, sizeof task, "t%llu", (unsigned long long)s->task);
    printf("   %-16s polled in place: %-3s  on main()'s thread: %-3s  "
           "task: %s\n",
           who, s->in_place ? "yes" : "no", s->on_main ? "yes" : "no", task);
}

/* ---- 1. the body, and a task it spawns --------------------------------- */

typedef struct child {
    future_t base;
    const void *given; /* the address spawn was given */
    seen_t *seen;
} child_t;

static poll_t child_poll(future_t *f, context_t *cx)
{
    child_t *c = (child_t *)f;
    (void)cx;
    look(c->seen, c, c->given);
    return POLL_READY;
}

typedef struct body {
    future_t base;
    async_t async;
    const void *given; /* the address block_on was given */
    seen_t me, kid;
    child_t c; /* spawned from here: copied into its task */
    join_handle_t h;
} body_t;

static poll_t body_poll(future_t *f, context_t *cx)
{
    body_t *b = (body_t *)f;
    ASYNC_BEGIN(b);
    look(&b->me, b, b->given);
    b->c = (child_t){{child_poll, NULL}, &b->c, &b->kid};
    spawn(&b->c.base, sizeof b->c, "child", &b->h);
    AWAIT_POLL(b, join_handle_poll(&b->h, cx));
    join_handle_drop(&b->h);
    ASYNC_END(b);
}

static void by_hand(void)
{
    printf("1. #[tokio::main], by hand: a runtime, then block_on(body)\n");
    executor_t *rt = runtime(false); /* 1. build a runtime */
    body_t body = {.base = {body_poll, NULL}, .given = &body};
    executor_block_on(rt, &body.base); /* 2. run the body on it */
    executor_destroy(rt);              /* 3. shut it down */
    say("the main future", &body.me);
    say("a spawned task", &body.kid);
}

/* ---- 2. sleeping ---------------------------------------------------------- */

typedef struct naps {
    future_t base;
    async_t async;
    int i, polls;
    sleep_t nap;
} naps_t;

static poll_t naps_poll(future_t *f, context_t *cx)
{
    naps_t *n = (naps_t *)f;
    n->polls++;
    ASYNC_BEGIN(n);
    for (n->i = 0; n->i < 3; n->i++) {
        sleep_init(&n->nap, 100);
        AWAIT(n, cx, &n->nap.base);
    }
    ASYNC_END(n);
}

static void sleeping(void)
{
    printf("\n2. the main future sleeps 3 x 100 ms (virtual time)\n");
    executor_t *rt = runtime(true);
    naps_t n = {.base = {naps_poll, NULL}};
    executor_block_on(rt, &n.base);
    executor_stats_t st;
    executor_stats(rt, &st);
    printf("   main future polled %d times; block_on parked %llu times; "
           "tasks polled: %llu\n",
           n.polls, (unsigned long long)st.parks,
           (unsigned long long)(st.polls - (uint64_t)n.polls));
    executor_destroy(rt);
}

/* ---- 3. a wake from another thread --------------------------------------- */

typedef struct remote {
    future_t base;
    int polls;
    atomic_bool done; /* set by the thread before it wakes */
    waker_t given;    /* the clone handed to the thread */
    pthread_t thread;
    bool started;
} remote_t;

static void *wake_later(void *arg)
{
    remote_t *r = arg;
    nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    /* Release: the main future's next poll must see done. */
    atomic_store_explicit(&r->done, true, memory_order_release);
    waker_wake(&r->given); /* consumes the clone */
    return NULL;
}

static poll_t remote_poll(future_t *f, context_t *cx)
{
    remote_t *r = (remote_t *)f;
    r->polls++;
    if (atomic_load_explicit(&r->done, memory_order_acquire))
        return POLL_READY;
    if (!r->started) {
        r->given = waker_clone(cx->waker);
        r->started = pthread_create(&r->thread, NULL, wake_later, r) == 0;
        if (!r->started) { /* no thread: nothing will wake us, give up */
            waker_drop(&r->given);
            return POLL_READY;
        }
    }
    return POLL_PENDING;
}

static void from_afar(void)
{
    printf("\n3. another thread wakes the main future after 50 ms\n");
    executor_t *rt = runtime(false);
    remote_t r = {.base = {remote_poll, NULL}};
    atomic_init(&r.done, false);
    executor_block_on(rt, &r.base);
    if (r.started)
        pthread_join(r.thread, NULL);
    printf("   main future polled %d times: once to start, once after the "
           "wake\n",
           r.polls);
    executor_destroy(rt);
}

/* ---- 4. what block_on refuses --------------------------------------------- */

static poll_t ready_poll(future_t *f, context_t *cx)
{
    (void)f;
    (void)cx;
    return POLL_READY;
}

/* Tries block_on from inside a poll of the same executor. */
typedef struct nested {
    future_t base;
    int rc;
} nested_t;

static poll_t nested_poll(future_t *f, context_t *cx)
{
    (void)cx;
    future_t inner = {ready_poll, NULL};
    ((nested_t *)f)->rc = executor_block_on(executor_current(), &inner);
    return POLL_READY;
}

/* Pending, and keeps no waker: nothing can ever wake it. */
static poll_t forgetful_poll(future_t *f, context_t *cx)
{
    (void)f;
    (void)cx;
    return POLL_PENDING;
}

static void refusals(void)
{
    printf("\n4. what block_on refuses\n");
    executor_t *rt = runtime(true);
    nested_t in_main = {.base = {nested_poll, NULL}};
    executor_block_on(rt, &in_main.base);
    printf("   block_on inside the main future's poll: %d (%s)\n", in_main.rc,
           strerror(-in_main.rc));

    future_t forgetful = {forgetful_poll, NULL};
    fflush(stdout); /* the executor says why on stderr */
    int rc = executor_block_on(rt, &forgetful);
    printf("   a main future that keeps no waker: %d (%s)\n", rc,
           strerror(-rc));
    executor_destroy(rt);
}

int main(void)
{
    main_thread = pthread_self();
    by_hand();
    sleeping();
    from_afar();
    refusals();
    return 0;
}
