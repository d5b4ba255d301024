/*
 * tests/test_task_cache.c - per-thread free lists for task memory
 * (core/task_cache.h): a block freed on its own thread or on another one
 * comes back, never twice at once, and a thread's cache survives it.
 *
 * Under AddressSanitizer the cache is compiled out; the tests that check
 * reuse then skip, the rest check that plain malloc serves.
 *
 * One test: ./build/tests/test_task_cache task_cache_remote_frees_come_back
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/task_cache.h"

#define BLOCK 200

static void skip_without_cache(void)
{
    if (!task_cache_enabled())
        skip(); /* compiled out (ASan) or ASYNCLAB_TASK_CACHE=0 */
}

static void task_cache_reuses_a_block_freed_on_its_thread(void **state)
{
    (void)state;
    skip_without_cache();
    task_cache_t *from;
    void *a = task_cache_alloc(BLOCK, &from);
    assert_non_null(a);
    assert_non_null(from);
    task_cache_free(a, BLOCK, from);
    task_cache_t *again;
    void *b = task_cache_alloc(BLOCK, &again);
    assert_ptr_equal(b, a); /* last in, first out */
    assert_ptr_equal(again, from);
    task_cache_free(b, BLOCK, again);
}

static void task_cache_sends_big_blocks_to_malloc(void **state)
{
    (void)state;
    task_cache_t *from = (task_cache_t *)&from; /* must be overwritten */
    char *big = task_cache_alloc(4096, &from);
    assert_non_null(big);
    assert_null(from);
    memset(big, 0xab, 4096);
    task_cache_free(big, 4096, from);
}

static void task_cache_blocks_are_whole_cache_lines(void **state)
{
    (void)state;
    task_cache_t *from[40];
    void *b[40];
    for (int i = 0; i < 40; i++) {
        b[i] = task_cache_alloc(17 + 25 * (size_t)i, &from[i]);
        assert_non_null(b[i]);
        assert_int_equal((uintptr_t)b[i] % 64, 0); /* no shared lines */
        memset(b[i], i, 17 + 25 * (size_t)i);      /* the whole size is ours */
    }
    for (int i = 0; i < 40; i++)
        task_cache_free(b[i], 17 + 25 * (size_t)i, from[i]);
}

/* ---- other threads ------------------------------------------------------ */

typedef struct handoff {
    void **blocks;
    task_cache_t **from;
    int n;
} handoff_t;

static void *free_all(void *arg)
{
    handoff_t *h = arg;
    for (int i = 0; i < h->n; i++)
        task_cache_free(h->blocks[i], BLOCK, h->from[i]);
    return NULL;
}

static void task_cache_remote_frees_come_back(void **state)
{
    (void)state;
    skip_without_cache();
    enum { N = 100 };
    void *blocks[N];
    task_cache_t *from[N];
    for (int i = 0; i < N; i++)
        blocks[i] = task_cache_alloc(BLOCK, &from[i]);
    handoff_t h = {blocks, from, N};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, free_all, &h), 0);
    pthread_join(th, NULL);

    /* Every block the other thread freed is handed out again here, each
     * once (blocks cached before this test may come first). */
    int found = 0;
    void *again[2 * N];
    task_cache_t *again_from[2 * N];
    for (int i = 0; i < 2 * N; i++) {
        again[i] = task_cache_alloc(BLOCK, &again_from[i]);
        for (int j = 0; j < N; j++)
            if (again[i] == blocks[j]) {
                blocks[j] = NULL; /* a second hand-out would not match */
                found++;
            }
    }
    assert_int_equal(found, N);
    for (int i = 0; i < 2 * N; i++)
        task_cache_free(again[i], BLOCK, again_from[i]);
}

/* A producer hands blocks to a consumer through a small ring; the
 * consumer checks the pattern the producer wrote and frees remotely. If
 * the cache ever gave one block to two owners, a pattern would break. */
typedef struct pipe {
    _Atomic(uint64_t *) slot[64];
    int n;
} pipe_t;

static void *consume(void *arg)
{
    pipe_t *p = arg;
    int bad = 0;
    for (int i = 0; i < p->n; i++) {
        _Atomic(uint64_t *) *s = &p->slot[i % 64];
        uint64_t *b;
        while ((b = atomic_exchange_explicit(s, NULL, memory_order_acquire)) ==
               NULL)
            sched_yield();
        task_cache_t *from = (task_cache_t *)b[0];
        for (int w = 1; w < BLOCK / 8; w++)
            bad += b[w] != (uint64_t)i;
        memset(b, 0xee, BLOCK);
        task_cache_free(b, BLOCK, from);
    }
    return (void *)(intptr_t)bad;
}

static void task_cache_never_hands_out_a_block_twice(void **state)
{
    (void)state;
    pipe_t p = {.n = 200000};
    for (int i = 0; i < 64; i++)
        atomic_init(&p.slot[i], NULL);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, consume, &p), 0);
    for (int i = 0; i < p.n; i++) {
        task_cache_t *from;
        uint64_t *b = task_cache_alloc(BLOCK, &from);
        assert_non_null(b);
        b[0] = (uint64_t)from;
        for (int w = 1; w < BLOCK / 8; w++)
            b[w] = (uint64_t)i;
        _Atomic(uint64_t *) *s = &p.slot[i % 64];
        while (atomic_load_explicit(s, memory_order_relaxed) != NULL)
            sched_yield();
        atomic_store_explicit(s, b, memory_order_release);
    }
    void *bad;
    pthread_join(th, &bad);
    assert_int_equal((intptr_t)bad, 0);
}

/* A thread allocates and exits; its blocks are freed afterwards (on this
 * thread, remotely): the orphaned cache must still take them. */
static void *alloc_some(void *arg)
{
    handoff_t *h = arg;
    for (int i = 0; i < h->n; i++)
        h->blocks[i] = task_cache_alloc(BLOCK, &h->from[i]);
    return NULL;
}

static void task_cache_outlives_its_thread(void **state)
{
    (void)state;
    enum { N = 50 };
    void *blocks[N];
    task_cache_t *from[N];
    handoff_t h = {blocks, from, N};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, alloc_some, &h), 0);
    pthread_join(th, NULL);
    free_all(&h); /* the owner is gone: these go to the orphan */

    /* A new thread adopts a cache and allocates from it as usual. */
    assert_int_equal(pthread_create(&th, NULL, alloc_some, &h), 0);
    pthread_join(th, NULL);
    for (int i = 0; i < N; i++)
        assert_non_null(blocks[i]);
    free_all(&h);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(task_cache_reuses_a_block_freed_on_its_thread),
        cmocka_unit_test(task_cache_sends_big_blocks_to_malloc),
        cmocka_unit_test(task_cache_blocks_are_whole_cache_lines),
        cmocka_unit_test(task_cache_remote_frees_come_back),
        cmocka_unit_test(task_cache_never_hands_out_a_block_twice),
        cmocka_unit_test(task_cache_outlives_its_thread),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("task_cache", tests, NULL, NULL);
}
