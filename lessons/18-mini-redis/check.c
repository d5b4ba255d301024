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
 * (5000). The scan at 300 ms sets key e (deadline 400) as it ends, as a
 * SET on another thread would while the scan is running, past e's place.
 * A scripted client task sleeps until 1000, reads planned (the task
 * should sleep until 5000 then), sets key d with deadline 1050 (earlier
 * than 5000: it notifies), then sleeps until 3000, sets stop and
 * notifies.
 *
 *   ms:   100  200  300 ─ e set ─ 400 ... 1000: d set ... 1050 ... 3000
 *   del:   a    c    b            e                        d      stop
 *
 * Each scan also looks into `changed`'s queue: the task is not waiting
 * then, so a notified_t still queued there is one that was never dropped
 * (the checker unlinks it, so that the run can go on, and says so).
 */
#include "lessons/check.h"

#include <string.h>

#include "core/executor.h"
#include "driver/time.h"
#include "exercise.h"
#include "notify_executor/notify_executor.h"
#include "sync/waitq.h"

enum { KEYS = 6, MAX_SCANS = 1000, KEY_E = 5 };

typedef struct key {
    const char *name;
    uint64_t deadline;   /* 0: not set yet */
    uint64_t deleted_at; /* 0: still there */
} stored_key_t;

typedef struct store {
    expiry_store_t base; /* first: the exercise sees only this */
    stored_key_t keys[KEYS];
    int scans;
    uint64_t last_scan;
    bool e_set;               /* key e was set during the scan at 300 */
    uint64_t stale_at;        /* a scan found a notified_t queued: when */
    uint64_t planned_at_1000; /* what planned said while the task slept */
} store_t;

static void add_key(store_t *st, int i, uint64_t deadline);

/* A notified_t in changed's queue while the task scans was never dropped:
 * note when, and unlink it so that the queue is sound again. */
static void look_for_a_stale_waiter(store_t *st, uint64_t now)
{
    notify_t *n = &st->base.changed;
    pthread_mutex_lock(&n->lock);
    if (!sync__waitq_is_empty(&n->waiters)) {
        if (st->stale_at == 0)
            st->stale_at = now;
        n->waiters = SYNC__WAITQ_EMPTY;
    }
    pthread_mutex_unlock(&n->lock);
}

static uint64_t expire_due(expiry_store_t *s, uint64_t now)
{
    store_t *st = (store_t *)s;
    st->scans++;
    st->last_scan = now;
    look_for_a_stale_waiter(st, now);
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
    if (now >= 300 && !st->e_set) { /* a SET lands behind the scan */
        st->e_set = true;
        add_key(st, KEY_E, 400);
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
            s->st->planned_at_1000 = atomic_load(&s->st->base.planned);
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
    st.keys[KEY_E] = (stored_key_t){"e", 0, 0}; /* set at 300, mid-scan */

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
           "before it first waits, or it cannot know when to wake");
    EXPECT(st.scans <= MAX_SCANS,
           "expire_due was called more than %d times: the task never waits "
           "(a finished notified_t polled again, or a wait that returns "
           "at once?): return PENDING with both the sleep and a fresh "
           "notified_t keeping the task's waker",
           MAX_SCANS);
    EXPECT(st.stale_at == 0,
           "at the scan at %llu ms, a notified_t of the task was still in "
           "changed's queue: a notified_t that lost to the sleep must be "
           "dropped (future_drop) before a new one is made, or the queue "
           "keeps a dead node",
           (unsigned long long)st.stale_at);
    for (int i = 0; i < 3; i++)
        EXPECT(st.keys[i].deleted_at == st.keys[i].deadline,
               "key %s (deadline %llu ms) was deleted at %llu ms (0: never): "
               "the task must be awake, scanning, at each deadline "
               "expire_due returned",
               st.keys[i].name, (unsigned long long)st.keys[i].deadline,
               (unsigned long long)st.keys[i].deleted_at);
    EXPECT(st.keys[3].deleted_at == 1050,
           "key d, set at 1000 ms with deadline 1050 while the task slept "
           "until 5000, was deleted at %llu ms (0: never): the writer "
           "notified changed; the task's wait must end on that as well as "
           "on its sleep",
           (unsigned long long)st.keys[3].deleted_at);
    EXPECT(st.keys[KEY_E].deleted_at == 400,
           "key e, set with deadline 400 while expire_due was scanning at "
           "300 ms, was deleted at %llu ms (0: never): during that scan "
           "planned still promised a scan by 300, so the writer trusted it "
           "and told nobody, but the scan that kept the promise had "
           "already passed e. What must planned say while you scan?",
           (unsigned long long)st.keys[KEY_E].deleted_at);
    char said[32] = "EXPIRY_NONE";
    if (st.planned_at_1000 != EXPIRY_NONE)
        snprintf(said, sizeof said, "%llu",
                 (unsigned long long)st.planned_at_1000);
    EXPECT(st.planned_at_1000 == 5000,
           "at 1000 ms, while the task slept until 5000, planned said %s: "
           "writers read it to decide whether to wake the task; it should "
           "be the deadline the task sleeps until (5000)%s",
           said,
           st.planned_at_1000 == EXPIRY_NONE
               ? ", not EXPIRY_NONE, which makes every SET wake it"
               : "");
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
