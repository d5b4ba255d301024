/*
 * tests/test_ring.c - the work-stealing local queue (workstealing/ring.h)
 * and the inject queue it overflows into (workstealing/inject.h).
 *
 * The ring only moves task pointers and links overflow through
 * task->next, so these tests use bare task_t structs as tokens: no
 * futures, no executor. Each token's id is its index.
 *
 * One test: ./build/tests/test_ring ring_steal_takes_half_rounded_up
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "workstealing/inject.h"
#include "workstealing/ring.h"

/* Rings are cache-line aligned: allocate them so. */
static ws_ring_t *ring_new_at(uint32_t start)
{
    ws_ring_t *r = aligned_alloc(WS_CACHE_LINE, sizeof *r);
    assert_non_null(r);
    ws_ring_init_at(r, start);
    return r;
}

/* Push as a worker does: what overflows goes to q. Returns how many
 * tasks overflowed (0: t is in the ring). */
static uint32_t push(ws_ring_t *r, task_t *t, ws_inject_t *q)
{
    ws_batch_t b;
    if (ws_ring_push_back(r, t, &b))
        return 0;
    ws_inject_push_batch(q, b.first, b.last, b.n);
    return b.n;
}

static task_t *tokens_new(size_t n)
{
    task_t *t = calloc(n, sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        t[i].id = i;
    return t;
}

static void ring_push_pop_is_fifo(void **state)
{
    (void)state;
    ws_ring_t *r = ring_new_at(0);
    ws_inject_t q;
    ws_inject_init(&q);
    task_t *tok = tokens_new(10);

    assert_null(ws_ring_pop(r));
    for (int i = 0; i < 10; i++)
        assert_int_equal(push(r, &tok[i], &q), 0);
    assert_int_equal(ws_ring_len(r), 10);
    assert_int_equal(ws_ring_remaining(r), WS_RING_CAP - 10);
    for (int i = 0; i < 10; i++)
        assert_ptr_equal(ws_ring_pop(r), &tok[i]);
    assert_null(ws_ring_pop(r));
    assert_true(ws_ring_is_empty(r));
    assert_true(ws_inject_is_empty(&q));

    ws_inject_destroy(&q);
    free(tok);
    free(r);
}

/* Fill src with n tokens, steal once into an empty ring, check the count
 * and that the thief got the oldest ones in order. */
static void check_steal(uint32_t n, uint32_t expect)
{
    ws_ring_t *src = ring_new_at(0), *dst = ring_new_at(0);
    ws_inject_t q;
    ws_inject_init(&q);
    task_t *tok = tokens_new(n + 1);
    for (uint32_t i = 0; i < n; i++)
        push(src, &tok[i], &q);

    uint32_t count;
    task_t *run = ws_ring_steal_into(src, dst, &count);
    assert_int_equal(count, expect);
    if (expect == 0) {
        assert_null(run);
    } else {
        /* The thief runs the newest of its loot and queues the rest. */
        assert_ptr_equal(run, &tok[expect - 1]);
        for (uint32_t i = 0; i + 1 < expect; i++)
            assert_ptr_equal(ws_ring_pop(dst), &tok[i]);
    }
    assert_null(ws_ring_pop(dst));
    assert_int_equal(ws_ring_len(src), n - expect);
    for (uint32_t i = expect; i < n; i++)
        assert_ptr_equal(ws_ring_pop(src), &tok[i]);

    ws_inject_destroy(&q);
    free(tok);
    free(src);
    free(dst);
}

static void ring_steal_takes_half_rounded_up(void **state)
{
    (void)state;
    check_steal(0, 0);
    check_steal(1, 1);
    check_steal(2, 1);
    check_steal(5, 3);
    check_steal(8, 4);
    check_steal(255, 128);
    check_steal(256, 128);
}

static void ring_steal_needs_half_a_ring_free(void **state)
{
    (void)state;
    ws_ring_t *src = ring_new_at(0), *dst = ring_new_at(0);
    ws_inject_t q;
    ws_inject_init(&q);
    task_t *tok = tokens_new(300);
    for (int i = 0; i < 10; i++)
        push(src, &tok[i], &q);
    for (int i = 10; i < 10 + 129; i++) /* dst: 127 free, < half */
        push(dst, &tok[i], &q);

    uint32_t count;
    assert_null(ws_ring_steal_into(src, dst, &count));
    assert_int_equal(count, 0);
    assert_int_equal(ws_ring_len(src), 10);

    ws_ring_pop(dst); /* 128 free: exactly half, enough */
    assert_non_null(ws_ring_steal_into(src, dst, &count));
    assert_int_equal(count, 5);

    while (ws_ring_pop(src) != NULL)
        ;
    while (ws_ring_pop(dst) != NULL)
        ;
    ws_inject_destroy(&q);
    free(tok);
    free(src);
    free(dst);
}

static void ring_overflow_moves_half_plus_one(void **state)
{
    (void)state;
    ws_ring_t *r = ring_new_at(0);
    ws_inject_t q;
    ws_inject_init(&q);
    task_t *tok = tokens_new(WS_RING_CAP + 1);
    for (uint32_t i = 0; i < WS_RING_CAP; i++)
        assert_int_equal(push(r, &tok[i], &q), 0);
    assert_int_equal(ws_ring_remaining(r), 0);

    /* The 257th push cuts out the oldest 128 and itself, in one batch
     * for the inject queue. */
    ws_batch_t b;
    assert_false(ws_ring_push_back(r, &tok[WS_RING_CAP], &b));
    assert_int_equal(b.n, WS_RING_CAP / 2 + 1);
    assert_ptr_equal(b.first, &tok[0]);
    assert_ptr_equal(b.last, &tok[WS_RING_CAP]);
    assert_int_equal(ws_ring_len(r), WS_RING_CAP / 2);
    assert_true(ws_inject_push_batch(&q, b.first, b.last, b.n));
    assert_int_equal(ws_inject_len(&q), WS_RING_CAP / 2 + 1);

    size_t n;
    task_t *t = ws_inject_pop_batch(&q, 1000, &n);
    assert_int_equal(n, WS_RING_CAP / 2 + 1);
    for (uint32_t i = 0; i < WS_RING_CAP / 2; i++, t = t->next)
        assert_ptr_equal(t, &tok[i]);
    assert_ptr_equal(t, &tok[WS_RING_CAP]);
    assert_null(t->next);
    for (uint32_t i = WS_RING_CAP / 2; i < WS_RING_CAP; i++)
        assert_ptr_equal(ws_ring_pop(r), &tok[i]);
    assert_true(ws_inject_is_empty(&q));

    ws_inject_destroy(&q);
    free(tok);
    free(r);
}

/* Start 20 short of 2^32 and run every operation across the wrap. */
static void ring_indices_wrap_past_2_32(void **state)
{
    (void)state;
    ws_ring_t *src = ring_new_at(UINT32_MAX - 20);
    ws_ring_t *dst = ring_new_at(UINT32_MAX - 3);
    ws_inject_t q;
    ws_inject_init(&q);
    task_t *tok = tokens_new(2 * WS_RING_CAP);

    for (uint32_t i = 0; i < 40; i++)
        push(src, &tok[i], &q);
    assert_int_equal(ws_ring_len(src), 40);
    for (uint32_t i = 0; i < 30; i++) /* head crosses the wrap too */
        assert_ptr_equal(ws_ring_pop(src), &tok[i]);
    for (uint32_t i = 40; i < 40 + WS_RING_CAP - 10; i++)
        assert_int_equal(push(src, &tok[i], &q), 0);
    assert_int_equal(ws_ring_remaining(src), 0);

    uint32_t count;
    task_t *run = ws_ring_steal_into(src, dst, &count);
    assert_int_equal(count, WS_RING_CAP / 2);
    assert_ptr_equal(run, &tok[30 + WS_RING_CAP / 2 - 1]);
    for (uint32_t i = 30; i < 30 + WS_RING_CAP / 2 - 1; i++)
        assert_ptr_equal(ws_ring_pop(dst), &tok[i]);
    for (uint32_t i = 30 + WS_RING_CAP / 2; i < 30 + WS_RING_CAP; i++)
        assert_ptr_equal(ws_ring_pop(src), &tok[i]);
    assert_null(ws_ring_pop(src));
    assert_null(ws_ring_pop(dst));
    assert_true(ws_inject_is_empty(&q));

    ws_inject_destroy(&q);
    free(tok);
    free(src);
    free(dst);
}

/* ---- concurrency: the owner pushes and pops while thieves steal ---------- */

#define STRESS_TOKENS  200000
#define STRESS_THIEVES 3

typedef struct stress {
    ws_ring_t *owner_ring;
    ws_inject_t inject;
    task_t *tok;
    atomic_int seen[STRESS_TOKENS];
    atomic_int done; /* tokens seen so far, by anyone */
    atomic_uint steals;
} stress_t;

static void see(stress_t *s, task_t *t)
{
    atomic_fetch_add_explicit(&s->seen[t->id], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->done, 1, memory_order_relaxed);
}

static void drain_inject(stress_t *s)
{
    size_t n;
    task_t *t = ws_inject_pop_batch(&s->inject, 64, &n);
    while (t != NULL) {
        task_t *next = t->next;
        see(s, t);
        t = next;
    }
}

static void *owner_main(void *arg)
{
    stress_t *s = arg;
    for (int i = 0; i < STRESS_TOKENS; i++) {
        push(s->owner_ring, &s->tok[i], &s->inject);
        if (i % 3 == 0) { /* pop now and then, racing the thieves */
            task_t *t = ws_ring_pop(s->owner_ring);
            if (t != NULL)
                see(s, t);
        }
    }
    task_t *t;
    while ((t = ws_ring_pop(s->owner_ring)) != NULL)
        see(s, t);
    return NULL;
}

static void *thief_main(void *arg)
{
    stress_t *s = arg;
    ws_ring_t *mine = ring_new_at((uint32_t)-100); /* wraps too */
    while (atomic_load_explicit(&s->done, memory_order_relaxed) <
           STRESS_TOKENS) {
        uint32_t count;
        task_t *t = ws_ring_steal_into(s->owner_ring, mine, &count);
        if (t != NULL) {
            atomic_fetch_add_explicit(&s->steals, 1, memory_order_relaxed);
            see(s, t);
            while ((t = ws_ring_pop(mine)) != NULL)
                see(s, t);
        }
        drain_inject(s);
    }
    free(mine);
    return NULL;
}

static void ring_concurrent_steals_see_each_task_once(void **state)
{
    (void)state;
    stress_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->owner_ring = ring_new_at(UINT32_MAX - 1000);
    ws_inject_init(&s->inject);
    s->tok = tokens_new(STRESS_TOKENS);

    pthread_t owner, thieves[STRESS_THIEVES];
    for (int i = 0; i < STRESS_THIEVES; i++)
        pthread_create(&thieves[i], NULL, thief_main, s);
    pthread_create(&owner, NULL, owner_main, s);
    pthread_join(owner, NULL);
    for (int i = 0; i < STRESS_THIEVES; i++)
        pthread_join(thieves[i], NULL);

    assert_int_equal(atomic_load(&s->done), STRESS_TOKENS);
    for (int i = 0; i < STRESS_TOKENS; i++)
        if (atomic_load(&s->seen[i]) != 1)
            fail_msg("token %d seen %d times", i, atomic_load(&s->seen[i]));
    assert_true(ws_ring_is_empty(s->owner_ring));
    assert_true(ws_inject_is_empty(&s->inject));

    ws_inject_destroy(&s->inject);
    free(s->tok);
    free(s->owner_ring);
    free(s);
}

/* ---- the inject queue ---------------------------------------------------- */

static void ring_inject_batches_keep_order(void **state)
{
    (void)state;
    ws_inject_t q;
    ws_inject_init(&q);
    task_t *tok = tokens_new(10);
    for (int i = 0; i < 10; i++)
        assert_true(ws_inject_push(&q, &tok[i]));
    assert_int_equal(ws_inject_len(&q), 10);

    size_t n;
    task_t *t = ws_inject_pop_batch(&q, 4, &n);
    assert_int_equal(n, 4);
    for (int i = 0; i < 4; i++, t = t->next)
        assert_ptr_equal(t, &tok[i]);
    assert_null(t);
    assert_ptr_equal(ws_inject_pop(&q), &tok[4]);
    t = ws_inject_pop_batch(&q, 100, &n);
    assert_int_equal(n, 5);
    assert_ptr_equal(t, &tok[5]);
    assert_true(ws_inject_is_empty(&q));
    assert_null(ws_inject_pop_batch(&q, 100, &n));
    assert_int_equal(n, 0);

    ws_inject_destroy(&q);
    free(tok);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ring_push_pop_is_fifo),
        cmocka_unit_test(ring_steal_takes_half_rounded_up),
        cmocka_unit_test(ring_steal_needs_half_a_ring_free),
        cmocka_unit_test(ring_overflow_moves_half_plus_one),
        cmocka_unit_test(ring_indices_wrap_past_2_32),
        cmocka_unit_test(ring_concurrent_steals_see_each_task_once),
        cmocka_unit_test(ring_inject_batches_keep_order),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
