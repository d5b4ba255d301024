/*
 * lessons/18-mini-redis/check.c - the checker of lesson 18's exercise.
 * `asynclab check 18` compiles it with your exercise.c and runs it.
 *
 * On a notify executor with the driver's VIRTUAL clock: time moves only
 * when every task waits, and then jumps straight to the next timer. So a
 * key deleted "at 300 ms" was deleted when the clock read exactly 300,
 * on any machine, however loaded: nothing here depends on real time.
 *
 * The store holds keys a (deadline 100), c (200), b (300) and late
 * (5000). A scripted client task sleeps until 1000, then sets key d with
 * deadline 1050 (earlier than the 5000 the expiry task sleeps until: it
 * notifies), then until 3000, then sets stop and notifies.
 */
#include "lessons/check.h"

#include <string.h>

#include "core/executor.h"
#include "driver/time.h"
#include "exercise.h"
#include "notify_executor/notify_executor.h"

enum { KEYS = 5, MAX_SCANS = 1000 };

typedef struct key {
    const char *name;
    uint64_t deadline; /* 0: not set yet */
    uint64_t deleted_at; /* 0: still there */
} stored_key_t;

typedef struct store {
    expiry_store_t base; /* first: the exercise sees only this */
    stored_key_t keys[KEYS];
    int scans;
    uint64_t last_scan;
} store_t;

static uint64_t expire_due(expiry_store_t *s, uint64_t now)
{
    store_t *st = (store_t *)s;
    st->scans++;
    st->last_scan = now;
    if (st->scans > MAX_SCANS)
        atomic_store(&s->stop, true); /* a loop that never waits: end it */
    uint64_t next = EXPIRY_NONE;
    for (int i = 0; i < KEYS; i++) {
        stored_key_t *k = &st->keys[i];
        if (k->deadline == 0 || k->deleted_at != 0)
            continue;
        if (k->deadline <= now)
            k->deleted_at = now;
        else if (k->deadline < next)
            next = k->deadline;
    }
    return next;
}

/* What a SET ... PX does in mini-redis: set the deadline, then tell the
 * expiry task if it sleeps until something later (keyspace.c). */
static void add_key(store_t *st, int i, uint64_t deadline)
{
    st->keys[i].deadline = deadline;
    if (deadline < atomic_load(&st->base.planned))
        notify_one(&st->base.changed);
}

typedef struct script {
    future_t base;
    int step;
    sleep_t nap;
    store_t *st;
} script_t;

static poll_t script_poll(future_t *f, context_t *cx)
{
    script_t *s = (script_t *)f;
    for (;;) {
        if (s->step == 0) {
            sleep_until_init(&s->nap, 1000);
            s->step = 1;
        }
        if (s->step == 1) {
            if (future_poll(&s->nap.base, cx) == POLL_PENDING)
                return POLL_PENDING;
            add_key(s->st, 3, 1050); /* d */
            sleep_reset(&s->nap, 3000);
            s->step = 2;
        }
        if (future_poll(&s->nap.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        atomic_store(&s->st->base.stop, true);
        notify_one(&s->st->base.changed);
        return POLL_READY;
    }
}

static void script_drop(future_t *f)
{
    script_t *s = (script_t *)f;
    if (s->step > 0)
        future_drop(&s->nap.base);
}

static void expiry_deletes_each_key_at_its_deadline(void **state)
{
    (void)state;
    executor_config_t cfg = {.kind = &notify_executor_kind,
                             .virtual_time = true};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    static store_t st;
    memset(&st, 0, sizeof st);
    st.base.expire_due = expire_due;
    assert_int_equal(notify_init(&st.base.changed), 0);
    atomic_init(&st.base.planned, EXPIRY_NONE);
    atomic_init(&st.base.stop, false);
    st.keys[0] = (stored_key_t){"a", 100, 0};
    st.keys[1] = (stored_key_t){"b", 300, 0};
    st.keys[2] = (stored_key_t){"c", 200, 0};
    st.keys[3] = (stored_key_t){"d", 0, 0}; /* set at 1000 by the script */
    st.keys[4] = (stored_key_t){"late", 5000, 0};

    expiry_task_t task;
    expiry_task_init(&task, &st.base);
    join_handle_t h;
    assert_int_equal(executor_spawn(ex, &task.base, sizeof task, "expiry", &h),
                     0);
    script_t script = {.base = {script_poll, script_drop}, .st = &st};
    assert_int_equal(
        executor_spawn(ex, &script.base, sizeof script, "script", NULL), 0);
    int rc = executor_run(ex);
    waker_t noop = waker_noop();
    context_t ncx = {&noop};
    bool done = join_handle_poll(&h, &ncx) == POLL_READY &&
                join_handle_output(&h) != NULL; /* finished, not cancelled */
    join_handle_drop(&h);
    executor_destroy(ex);
    notify_destroy(&st.base.changed);

    EXPECT(st.scans > 0,
           "expire_due was never called: the task must scan the store "
           "(planned = EXPIRY_NONE, next = expire_due(s, driver_now_ms()), "
           "planned = next) before it waits");
    EXPECT(st.scans <= MAX_SCANS,
           "expire_due was called more than %d times: the task never waits "
           "(return PENDING with the sleep and the notified future both "
           "polled, so that either one wakes it)",
           MAX_SCANS);
    for (int i = 0; i < 3; i++)
        EXPECT(st.keys[i].deleted_at == st.keys[i].deadline,
               "key %s (deadline %llu ms) was deleted at %llu ms (0: never): "
               "sleep until the earliest deadline expire_due returned, then "
               "scan again",
               st.keys[i].name, (unsigned long long)st.keys[i].deadline,
               (unsigned long long)st.keys[i].deleted_at);
    EXPECT(st.keys[3].deleted_at == 1050,
           "key d, set at 1000 ms with deadline 1050 while the task slept "
           "until 5000, was deleted at %llu ms (0: never): poll a fresh "
           "notified_t of store->changed each round, and when it is READY "
           "plan again",
           (unsigned long long)st.keys[3].deleted_at);
    EXPECT(st.keys[4].deleted_at == 0,
           "key late (deadline 5000) was deleted at %llu ms, before its "
           "deadline",
           (unsigned long long)st.keys[4].deleted_at);
    EXPECT(rc == 0 && done,
           "the run ended with %d and the task %s: at stop (set, then "
           "changed notified, at 3000 ms) the task must drop what it holds "
           "and return READY",
           rc, done ? "finished" : "still pending");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(expiry_deletes_each_key_at_its_deadline),
};

CHECK_MAIN("lesson18", tests)
