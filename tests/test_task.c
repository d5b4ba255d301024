/*
 * tests/test_task.c - the task state machine of core/task.h, driven by
 * hand through a scheduler that only records what it is asked to queue.
 *
 * One test: ./build/tests/test_task task_wake_while_running_sets_notified
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "core/executor.h"
#include "core/task.h"
#include "core/task_queue.h"

/* ---- a scheduler that records ---------------------------------------- */

typedef struct recorder {
    task_scheduler_t base;
    task_t *queued[16];
    int count;
    int first_waits; /* calls of first_wait */
} recorder_t;

static void recorder_schedule(task_scheduler_t *s, task_t *t)
{
    recorder_t *r = (recorder_t *)s;
    assert_true(r->count < 16);
    r->queued[r->count++] = t;
}

static void recorder_first_wait(task_scheduler_t *s, task_t *t)
{
    recorder_t *r = (recorder_t *)s;
    /* Still the poller's: no wake can have queued it yet. */
    assert_true(task_state(t) & TASK_RUNNING);
    r->first_waits++;
}

static const task_scheduler_ops_t recorder_ops = {
    .schedule = recorder_schedule,
    .first_wait = recorder_first_wait,
};

static void recorder_init(recorder_t *r)
{
    task_scheduler_init(&r->base, &recorder_ops);
    r->count = 0;
    r->first_waits = 0;
}

/* ---- a future whose behaviour each test sets ------------------------- */

typedef struct probe {
    future_t base;
    int pending_left; /* PENDING this many times, then READY */
    bool keep_waker;  /* clone cx->waker into *kept */
    bool wake_self;   /* wake_by_ref during the poll */
    waker_t *kept;
    int *drops;
    int polls;
    int output;
} probe_t;

static poll_t probe_poll(future_t *f, context_t *cx)
{
    probe_t *p = (probe_t *)f;
    p->polls++;
    if (p->pending_left == 0) {
        p->output = 42;
        return POLL_READY;
    }
    p->pending_left--;
    if (p->keep_waker)
        waker_register(p->kept, cx);
    if (p->wake_self)
        waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}

static void probe_drop(future_t *f)
{
    probe_t *p = (probe_t *)f;
    (*p->drops)++;
}

static probe_t probe(int pending, waker_t *kept, int *drops)
{
    return (probe_t){
        .base = {probe_poll, probe_drop},
        .pending_left = pending,
        .keep_waker = kept != NULL,
        .kept = kept,
        .drops = drops,
    };
}

static probe_t *probe_of(task_t *t)
{
    return (probe_t *)task_future(t);
}

/* Release the owned-list and join references a new task starts with. */
static void release_owned_and_join(task_t *t)
{
    join_handle_t h = {t};
    join_handle_drop(&h);
    task_ref_dec(t);
}

/* ---- tests ------------------------------------------------------------- */

static void task_new_is_notified_with_three_refs(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    probe_t p = probe(0, NULL, &drops);
    task_t *t = task_new(&r.base, &p.base, sizeof p, "probe");
    assert_non_null(t);
    uint64_t s = task_state(t);
    assert_true(s & TASK_NOTIFIED);
    assert_true(s & TASK_JOIN_INTEREST);
    assert_false(s & (TASK_RUNNING | TASK_COMPLETE));
    assert_int_equal(task_refs(t), 3);
    assert_int_equal(t->id, 1);
    assert_string_equal(task_trailer(t)->name, "probe");

    assert_int_equal(task_run(t), TASK_RUN_COMPLETE);
    assert_int_equal(drops, 0); /* the join handle still wants it */
    release_owned_and_join(t);
    assert_int_equal(drops, 1);
}

static void task_new_detached_has_no_join_interest(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    probe_t p = probe(0, NULL, &drops);
    task_t *t = task_new_detached(&r.base, &p.base, sizeof p, NULL);
    assert_non_null(t);
    assert_false(task_state(t) & TASK_JOIN_INTEREST);
    assert_int_equal(task_refs(t), 2);
    /* The queue's reference and the owner's go in one subtraction, which
     * frees the task (ASan's leak check would see one left). */
    assert_int_equal(task_run_release(t, 1), TASK_RUN_COMPLETE);
    assert_int_equal(drops, 1); /* nobody will read the output */
}

static void task_run_pending_then_wake_schedules_once(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    waker_t kept = WAKER_EMPTY;
    probe_t p = probe(1, &kept, &drops);
    task_t *t = task_new(&r.base, &p.base, sizeof p, NULL);

    assert_int_equal(task_run(t), TASK_RUN_PENDING);
    assert_int_equal(task_refs(t), 3); /* owned + join + the kept waker */
    assert_false(task_state(t) & TASK_NOTIFIED);
    assert_int_equal(r.first_waits, 1); /* it waits: the executor hears */

    waker_wake_by_ref(&kept);
    waker_wake_by_ref(&kept); /* already NOTIFIED: nothing */
    assert_int_equal(r.count, 1);
    assert_ptr_equal(r.queued[0], t);
    assert_int_equal(task_refs(t), 4); /* + the queue entry */

    waker_drop(&kept);
    assert_int_equal(task_run(t), TASK_RUN_COMPLETE);
    assert_int_equal(probe_of(t)->polls, 2);
    assert_int_equal(r.first_waits, 1); /* once, not per Pending */
    release_owned_and_join(t);
    assert_int_equal(drops, 1);
}

/* Pending three times (woken by itself each time), then READY: the
 * executor hears about the first wait only. */
static void task_first_wait_is_heard_once(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    probe_t p = probe(3, NULL, &drops);
    p.wake_self = true;
    task_t *t = task_new(&r.base, &p.base, sizeof p, NULL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(task_run(t), TASK_RUN_NOTIFIED);
    assert_int_equal(r.first_waits, 1);
    assert_int_equal(task_run(t), TASK_RUN_COMPLETE);
    assert_int_equal(r.first_waits, 1);
    release_owned_and_join(t);
    assert_int_equal(drops, 1);
}

static void task_wake_while_running_sets_notified(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    probe_t p = probe(1, NULL, &drops);
    p.wake_self = true;
    task_t *t = task_new(&r.base, &p.base, sizeof p, NULL);

    assert_int_equal(task_run(t), TASK_RUN_NOTIFIED);
    assert_int_equal(r.count, 0); /* not scheduled by the wake itself */
    assert_true(task_state(t) & TASK_NOTIFIED);
    assert_int_equal(task_refs(t), 3); /* the caller kept the queue's */
    assert_int_equal(task_trailer(t)->stats.self_wakes, 1);

    assert_int_equal(task_run(t), TASK_RUN_COMPLETE);
    release_owned_and_join(t);
    assert_int_equal(drops, 1);
}

static void task_wake_after_complete_does_nothing(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    waker_t kept = WAKER_EMPTY;
    probe_t p = probe(1, &kept, &drops);
    task_t *t = task_new(&r.base, &p.base, sizeof p, NULL);
    assert_int_equal(task_run(t), TASK_RUN_PENDING);
    waker_wake_by_ref(&kept);
    assert_int_equal(task_run(t), TASK_RUN_COMPLETE);

    waker_wake_by_ref(&kept);
    assert_int_equal(r.count, 1); /* only the first wake queued it */
    assert_true(task_state(t) & TASK_COMPLETE);
    waker_drop(&kept);
    release_owned_and_join(t);
}

static void task_last_reference_frees(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    waker_t kept = WAKER_EMPTY;
    probe_t p = probe(1, &kept, &drops);
    task_t *t = task_new(&r.base, &p.base, sizeof p, NULL);
    assert_int_equal(task_run(t), TASK_RUN_PENDING);
    waker_wake_by_ref(&kept);
    assert_int_equal(task_run(t), TASK_RUN_COMPLETE);
    release_owned_and_join(t);
    /* Only the waker's reference is left; the task is alive until it
     * goes (ASan reports the use or the leak if this is wrong). */
    assert_int_equal(task_refs(t), 1);
    assert_int_equal(drops, 1);
    waker_drop(&kept);
}

static void task_join_gets_output_and_is_woken(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    probe_t p = probe(1, NULL, &drops);
    p.wake_self = true;
    task_t *t = task_new(&r.base, &p.base, sizeof p, NULL);
    join_handle_t h = {t};

    counting_waker_t c;
    waker_t jw = counting_waker(&c);
    context_t cx = {.waker = &jw};
    assert_int_equal(join_handle_poll(&h, &cx), POLL_PENDING);
    assert_int_equal(join_handle_poll(&h, &cx), POLL_PENDING);
    assert_int_equal(c.clones, 1); /* same waker: kept once */

    assert_int_equal(task_run(t), TASK_RUN_NOTIFIED);
    assert_int_equal(c.wakes, 0);
    assert_int_equal(task_run(t), TASK_RUN_COMPLETE);
    assert_int_equal(c.wakes, 1);
    task_ref_dec(t); /* owned */

    assert_int_equal(join_handle_poll(&h, &cx), POLL_READY);
    probe_t *out = (probe_t *)join_handle_output(&h);
    assert_non_null(out);
    assert_int_equal(out->output, 42);
    assert_int_equal(drops, 0);
    join_handle_drop(&h);
    assert_int_equal(drops, 1);
    waker_drop(&jw);
    assert_int_equal(c.live, 0); /* the task's clone went with the task */
}

static void task_join_dropped_first_output_dropped_at_completion(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    probe_t p = probe(0, NULL, &drops);
    task_t *t = task_new(&r.base, &p.base, sizeof p, NULL);
    join_handle_t h = {t};
    join_handle_drop(&h);
    assert_false(task_state(t) & TASK_JOIN_INTEREST);
    assert_int_equal(task_run(t), TASK_RUN_COMPLETE);
    assert_int_equal(drops, 1);
    task_ref_dec(t);
}

static void task_abort_idle_schedules_once_more(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    waker_t kept = WAKER_EMPTY;
    probe_t p = probe(5, &kept, &drops);
    task_t *t = task_new(&r.base, &p.base, sizeof p, NULL);
    join_handle_t h = {t};
    assert_int_equal(task_run(t), TASK_RUN_PENDING);

    join_handle_abort(&h);
    join_handle_abort(&h); /* twice: still one queue entry */
    assert_int_equal(r.count, 1);
    assert_int_equal(task_run(t), TASK_RUN_COMPLETE);
    assert_int_equal(probe_of(t)->polls, 1); /* dropped, not polled */
    assert_int_equal(drops, 1);
    assert_null(join_handle_output(&h));

    waker_wake_by_ref(&kept); /* after the end: nothing */
    assert_int_equal(r.count, 1);
    waker_drop(&kept);
    join_handle_drop(&h);
    assert_int_equal(drops, 1);
    task_ref_dec(t);
}

static void task_shutdown_drops_pending_future(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    waker_t kept = WAKER_EMPTY;
    probe_t p = probe(5, &kept, &drops);
    task_t *t = task_new(&r.base, &p.base, sizeof p, NULL);
    assert_int_equal(task_run(t), TASK_RUN_PENDING);
    task_shutdown(t);
    assert_int_equal(drops, 1);
    assert_true(task_state(t) & TASK_COMPLETE);
    task_shutdown(t); /* idempotent */
    assert_int_equal(drops, 1);
    waker_wake(&kept);
    assert_int_equal(r.count, 0);
    release_owned_and_join(t);
}

static void task_lost_when_nothing_holds_its_waker(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    waker_t kept = WAKER_EMPTY;
    probe_t keeper = probe(1, &kept, &drops);
    probe_t forgetter = probe(1, NULL, &drops);
    task_t *a = task_new(&r.base, &keeper.base, sizeof keeper, NULL);
    task_t *b = task_new(&r.base, &forgetter.base, sizeof forgetter, NULL);
    assert_false(task_is_lost(a)); /* queued */
    assert_int_equal(task_run(a), TASK_RUN_PENDING);
    assert_int_equal(task_run(b), TASK_RUN_PENDING);
    assert_false(task_is_lost(a));
    assert_true(task_is_lost(b));
    waker_drop(&kept);
    assert_true(task_is_lost(a));
    task_shutdown(a);
    task_shutdown(b);
    release_owned_and_join(a);
    release_owned_and_join(b);
    assert_int_equal(drops, 2);
}

static void task_run_busy_leaves_wakes_as_no_ops(void **state)
{
    (void)state;
    recorder_t r;
    recorder_init(&r);
    int drops = 0;
    waker_t kept = WAKER_EMPTY;
    probe_t p = probe(2, &kept, &drops);
    task_t *t = task_new(&r.base, &p.base, sizeof p, NULL);
    waker_t w = task_waker(t);
    assert_int_equal(task_run_busy(t, &w), TASK_RUN_PENDING);
    waker_wake_by_ref(&kept);
    assert_int_equal(r.count, 0); /* it never left the queue */
    assert_int_equal(task_run_busy(t, &w), TASK_RUN_PENDING);
    assert_int_equal(task_run_busy(t, &w), TASK_RUN_COMPLETE);
    waker_drop(&kept);
    release_owned_and_join(t);
    assert_int_equal(drops, 1);
}

/* ---- a wake from another thread during the poll ------------------------ */

typedef struct rendezvous {
    future_t base;
    waker_t waker;
    atomic_int stage; /* 1: waker published, 2: other thread woke it */
} rendezvous_t;

static poll_t rendezvous_poll(future_t *f, context_t *cx)
{
    rendezvous_t *rv = (rendezvous_t *)f;
    if (atomic_load(&rv->stage) == 2)
        return POLL_READY;
    rv->waker = waker_clone(cx->waker);
    atomic_store(&rv->stage, 1);
    while (atomic_load(&rv->stage) != 2)
        sched_yield();
    return POLL_PENDING;
}

static void *wake_when_published(void *arg)
{
    rendezvous_t *rv = arg;
    while (atomic_load(&rv->stage) != 1)
        sched_yield();
    waker_wake(&rv->waker);
    atomic_store(&rv->stage, 2);
    return NULL;
}

static void task_wake_from_other_thread_while_running(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        recorder_t r;
        recorder_init(&r);
        rendezvous_t rv = {.base = {rendezvous_poll, NULL}};
        atomic_init(&rv.stage, 0);
        task_t *t = task_new(&r.base, &rv.base, sizeof rv, NULL);
        rendezvous_t *inside = (rendezvous_t *)task_future(t);
        pthread_t other;
        pthread_create(&other, NULL, wake_when_published, inside);
        assert_int_equal(task_run(t), TASK_RUN_NOTIFIED);
        pthread_join(other, NULL);
        assert_int_equal(r.count, 0);
        assert_int_equal(task_run(t), TASK_RUN_COMPLETE);
        release_owned_and_join(t);
    }
}

/* core/task_queue.h: FIFO order, splice, empty again. The queue only
 * links tasks, so stand-in task headers will do. */
static void task_queue_keeps_fifo_order_and_splices(void **state)
{
    (void)state;
    task_t t[5];
    memset(t, 0, sizeof t);
    task_queue_t a = TASK_QUEUE_EMPTY, b = TASK_QUEUE_EMPTY;
    assert_true(task_queue_is_empty(&a));
    assert_null(task_queue_pop(&a));
    task_queue_push(&a, &t[0]);
    task_queue_push(&a, &t[1]);
    task_queue_push(&b, &t[2]);
    task_queue_push(&b, &t[3]);
    task_queue_splice(&a, &b);
    assert_true(task_queue_is_empty(&b));
    assert_int_equal(b.len, 0);
    task_queue_splice(&a, &b); /* an empty source changes nothing */
    task_queue_push(&a, &t[4]);
    assert_int_equal(a.len, 5);
    for (int i = 0; i < 5; i++) {
        task_t *got = task_queue_pop(&a);
        assert_ptr_equal(got, &t[i]);
        assert_null(got->next); /* unlinked when taken */
    }
    assert_true(task_queue_is_empty(&a));
    assert_null(a.tail);
    assert_int_equal(a.len, 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(task_new_is_notified_with_three_refs),
        cmocka_unit_test(task_new_detached_has_no_join_interest),
        cmocka_unit_test(task_run_pending_then_wake_schedules_once),
        cmocka_unit_test(task_first_wait_is_heard_once),
        cmocka_unit_test(task_wake_while_running_sets_notified),
        cmocka_unit_test(task_wake_after_complete_does_nothing),
        cmocka_unit_test(task_last_reference_frees),
        cmocka_unit_test(task_join_gets_output_and_is_woken),
        cmocka_unit_test(task_join_dropped_first_output_dropped_at_completion),
        cmocka_unit_test(task_abort_idle_schedules_once_more),
        cmocka_unit_test(task_shutdown_drops_pending_future),
        cmocka_unit_test(task_lost_when_nothing_holds_its_waker),
        cmocka_unit_test(task_run_busy_leaves_wakes_as_no_ops),
        cmocka_unit_test(task_wake_from_other_thread_while_running),
        cmocka_unit_test(task_queue_keeps_fifo_order_and_splices),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("task", tests, NULL, NULL);
}
