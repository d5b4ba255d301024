/*
 * lessons/17-making-it-fast/check.c - the checker of lesson 17's exercise.
 * `asynclab check 17` compiles it with your exercise.c and runs it.
 *
 * It times nothing: speed is the table's business (tools/fast-table.sh).
 * It checks the contract of exercise.h, which is what makes the pool
 * fast and correct:
 *
 *   - every block comes from pool_fresh_block (defined here: each one is
 *     recorded, marked free, and freed at the end of the test);
 *   - a block handed out is marked live; handing out a live block again
 *     is the one thing a pool must never do, and is caught at once;
 *   - remote_load, remote_cas and remote_exchange (defined here) count
 *     each thread's calls, so "the remote list is taken whole, in one
 *     exchange" and "a remote free is one CAS" are exact checks;
 *   - one test slips a free from "another thread" in between your first
 *     remote call and the next, deterministically: a push that lands
 *     while you take the list must not be lost;
 *   - the last test runs four threads that allocate, hand blocks to each
 *     other and free them, and then counts every block; there, a
 *     remote_load now and then gives the CPU away, so that frees race
 *     into the window between a load and the next operation even on two
 *     cores.
 */
#include "lessons/check.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "exercise.h"

/* ---- the blocks: what the checker writes into a live block --------------- */

enum { BLOCK_FREE = 1, BLOCK_LIVE = 2 };

typedef struct tracked {
    block_t link;        /* the pool's, while the block is free */
    _Atomic int state;   /* FREE or LIVE: the checker's */
    pool_t *home;        /* the pool it came from */
} tracked_t;

_Static_assert(sizeof(tracked_t) <= BLOCK_SIZE, "a tracked block fits");

/* Every block pool_fresh_block made, so that each test frees them all (and
 * a single-threaded test can tell a block from a stray pointer). */
#define REG_MAX (1 << 17)
static void *registry[REG_MAX];
static int nregistry;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static _Thread_local int fresh_here; /* this thread's pool_fresh_block calls */

void *pool_fresh_block(void)
{
    pthread_mutex_lock(&registry_lock);
    tracked_t *b = NULL;
    if (nregistry < REG_MAX && (b = aligned_alloc(64, BLOCK_SIZE)) != NULL) {
        memset(b, 0, BLOCK_SIZE);
        atomic_init(&b->state, BLOCK_FREE);
        registry[nregistry++] = b;
    }
    pthread_mutex_unlock(&registry_lock);
    fresh_here++;
    return b;
}

static bool is_block(const void *p)
{
    bool found = false;
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < nregistry && !found; i++)
        found = registry[i] == p;
    pthread_mutex_unlock(&registry_lock);
    return found;
}

/* ---- the remote list's three operations, counted ------------------------- */

typedef struct ops {
    int load, cas, cas_won, xchg;
} ops_t;

static _Thread_local ops_t ops; /* this thread's calls */

/* A free from "another thread", slipped in at this thread's next remote
 * operation: after a load, before a CAS or an exchange. */
static _Thread_local struct {
    pool_t *p;
    tracked_t *b;
    bool done;
} slip;

static void push_directly(pool_t *p, tracked_t *b)
{
    block_t *head = atomic_load(&p->remote);
    do
        b->link.next = head;
    while (!atomic_compare_exchange_weak(&p->remote, &head, &b->link));
}

static void slip_now(void)
{
    if (slip.b == NULL)
        return;
    push_directly(slip.p, slip.b);
    slip.b = NULL;
    slip.done = true;
}

/* In the threads test: now and then, give the CPU away right after a
 * load, so that other threads' frees land in the window between a load
 * and the CAS or exchange that follows it (on two cores they rarely
 * would by themselves). */
static _Thread_local unsigned jitter;

block_t *remote_load(pool_t *p)
{
    ops.load++;
    block_t *head = atomic_load(&p->remote);
    slip_now();
    if (jitter != 0 && ++jitter % 4 == 0)
        sched_yield();
    return head;
}

bool remote_cas(pool_t *p, block_t **expected, block_t *desired)
{
    ops.cas++;
    slip_now();
    bool won = atomic_compare_exchange_strong(&p->remote, expected, desired);
    ops.cas_won += won;
    return won;
}

block_t *remote_exchange(pool_t *p, block_t *desired)
{
    ops.xchg++;
    slip_now();
    return atomic_exchange(&p->remote, desired);
}

static int remote_calls(const ops_t *o)
{
    return o->load + o->cas + o->xchg;
}

/* ---- helpers for the single-threaded tests ------------------------------- */

static int teardown(void **state)
{
    (void)state;
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < nregistry; i++)
        free(registry[i]);
    nregistry = 0;
    pthread_mutex_unlock(&registry_lock);
    slip.b = NULL;
    slip.done = false;
    return 0;
}

static void fresh_start(void)
{
    fresh_here = 0;
    ops = (ops_t){0};
}

/* pool_alloc, checked: a real block, and not one that is in use. */
static tracked_t *take(const char *test, pool_t *p)
{
    tracked_t *b = pool_alloc(p);
    EXPECT_IN(test, b != NULL,
              "pool_alloc returned NULL: with no freed block left, it hands "
              "out pool_fresh_block() (exercise.c)");
    EXPECT_IN(test, is_block(b),
              "pool_alloc returned %p, which is neither a block from "
              "pool_fresh_block nor one that was freed: is a link read from "
              "a block that is not free?",
              (void *)b);
    int was = atomic_exchange(&b->state, BLOCK_LIVE);
    EXPECT_IN(test, was != BLOCK_LIVE,
              "pool_alloc handed out a block that is still in use: the same "
              "block twice. Taking the remote list must also empty it, in "
              "the same atomic step (remote_exchange(p, NULL))");
    b->home = p;
    return b;
}

/* Give b back to its pool, on this thread. */
static void release(tracked_t *b)
{
    pool_t *home = b->home;
    atomic_store(&b->state, BLOCK_FREE);
    pool_free(home, b);
}

typedef struct freer {
    tracked_t **blocks;
    int n;
    ops_t ops; /* out: the freeing thread's remote calls */
} freer_t;

static void *free_them(void *arg)
{
    freer_t *f = arg;
    ops = (ops_t){0};
    for (int i = 0; i < f->n; i++)
        release(f->blocks[i]);
    f->ops = ops;
    return NULL;
}

/* Free n blocks on a thread of their own: remote frees. */
static ops_t free_elsewhere(tracked_t **blocks, int n)
{
    freer_t f = {.blocks = blocks, .n = n};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, free_them, &f), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    return f.ops;
}

static bool same_blocks(tracked_t **a, tracked_t **b, int n)
{
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (int j = 0; j < n && !found; j++)
            found = a[i] == b[j];
        if (!found)
            return false;
    }
    return true;
}

/* The threads test runs only when these have passed: on a mistake they
 * name in words, four threads would only crash. */
static int began, ended;

/* ---- the tests ------------------------------------------------------------ */

static void pool_hands_out_fresh_blocks(void **state)
{
    (void)state;
    began++;
    fresh_start();
    pool_t p;
    pool_init(&p);
    tracked_t *b[3];
    for (int i = 0; i < 3; i++)
        b[i] = take(__func__, &p);
    EXPECT(b[0] != b[1] && b[1] != b[2] && b[0] != b[2],
           "three allocations from a new pool returned the same block twice");
    EXPECT(fresh_here == 3,
           "three allocations from a new pool should ask pool_fresh_block "
           "for three blocks; it was asked %d times",
           fresh_here);
    EXPECT(ops.xchg == 0 && ops.cas == 0,
           "with nothing freed anywhere, pool_alloc made %d remote_exchange "
           "and %d remote_cas calls: look before you take. An empty remote "
           "list costs one remote_load; an exchange is a locked write to "
           "the line every freeing thread writes",
           ops.xchg, ops.cas);
    ended++;
}

static void pool_reuses_its_own_frees(void **state)
{
    (void)state;
    began++;
    fresh_start();
    pool_t p;
    pool_init(&p);
    tracked_t *b[3], *again[3];
    for (int i = 0; i < 3; i++)
        b[i] = take(__func__, &p);
    ops = (ops_t){0};
    for (int i = 0; i < 3; i++)
        release(b[i]);
    EXPECT(remote_calls(&ops) == 0,
           "pool_free on the owner's thread touched the remote list (%d "
           "calls): the owner's frees go on its local list, with no atomic "
           "operation (pool_is_mine tells whose thread it is)",
           remote_calls(&ops));
    for (int i = 0; i < 3; i++)
        again[i] = take(__func__, &p);
    EXPECT(fresh_here == 3,
           "the owner freed 3 blocks and asked for 3 again: it should get "
           "those back, but pool_fresh_block was called %d more times",
           fresh_here - 3);
    EXPECT(same_blocks(b, again, 3),
           "the owner freed 3 blocks and asked for 3 again, but did not get "
           "the same 3 back");
    ended++;
}

#define NREMOTE 8

/* A pool whose NREMOTE blocks were all freed on another thread. */
static ops_t freed_elsewhere(const char *test, pool_t *p,
                             tracked_t *b[NREMOTE])
{
    pool_init(p);
    for (int i = 0; i < NREMOTE; i++)
        b[i] = take(test, p);
    return free_elsewhere(b, NREMOTE);
}

static void pool_remote_free_is_one_cas(void **state)
{
    (void)state;
    began++;
    fresh_start();
    pool_t p;
    tracked_t *b[NREMOTE];
    ops_t theirs = freed_elsewhere(__func__, &p, b);
    EXPECT(remote_calls(&theirs) > 0,
           "%d frees on another thread never touched the remote list: a "
           "block freed on a thread that is not the owner's goes onto the "
           "remote list (pool_is_mine tells which). The local list is the "
           "owner's alone: nothing protects it from two threads at once",
           NREMOTE);
    EXPECT(theirs.cas == NREMOTE && theirs.cas_won == NREMOTE &&
               theirs.xchg == 0,
           "%d frees on another thread, with nobody racing them, made %d "
           "remote_cas calls (%d succeeded) and %d remote_exchange calls: "
           "each should be exactly one successful remote_cas (link the "
           "block to the head you loaded, then CAS the head to the block)",
           NREMOTE, theirs.cas, theirs.cas_won, theirs.xchg);
    ended++;
}

static void pool_remote_frees_come_back(void **state)
{
    (void)state;
    began++;
    fresh_start();
    pool_t p;
    tracked_t *b[NREMOTE], *again[NREMOTE];
    freed_elsewhere(__func__, &p, b);
    for (int i = 0; i < NREMOTE; i++)
        again[i] = take(__func__, &p);
    EXPECT(fresh_here == NREMOTE,
           "the %d blocks freed on another thread did not come back: "
           "pool_alloc asked pool_fresh_block for %d new blocks instead. "
           "When the local list is empty, take the remote list",
           NREMOTE, fresh_here - NREMOTE);
    EXPECT(same_blocks(b, again, NREMOTE),
           "after %d blocks were freed on another thread, the next %d "
           "allocations should return exactly those blocks",
           NREMOTE, NREMOTE);
    ended++;
}

static void pool_takes_the_remote_list_whole(void **state)
{
    (void)state;
    began++;
    fresh_start();
    pool_t p;
    tracked_t *b[NREMOTE];
    freed_elsewhere(__func__, &p, b);
    ops = (ops_t){0};
    for (int i = 0; i < NREMOTE; i++)
        take(__func__, &p);
    EXPECT(ops.cas == 0,
           "pool_alloc took the blocks freed on another thread one at a "
           "time: %d remote_cas calls for %d blocks. The contract: the whole "
           "remote list in one remote_exchange(p, NULL). A CAS per block is "
           "a contended atomic per block, and correct only while no second "
           "thread ever takes from the list (the lesson's \"The trap\")",
           ops.cas, NREMOTE);
    EXPECT(ops.xchg == 1,
           "to take back %d blocks freed on another thread, pool_alloc made "
           "%d remote_exchange calls; one remote_exchange(p, NULL) takes "
           "the whole list, and what it returns is the new local list",
           NREMOTE, ops.xchg);
    ended++;
}

static void pool_uses_local_blocks_first(void **state)
{
    (void)state;
    began++;
    fresh_start();
    pool_t p;
    pool_init(&p);
    tracked_t *remote = take(__func__, &p), *local = take(__func__, &p);
    free_elsewhere(&remote, 1);
    release(local);
    ops = (ops_t){0};
    tracked_t *got = take(__func__, &p);
    EXPECT(got == local,
           "with one block on its local list and one on the remote list, "
           "pool_alloc should hand out the local one first");
    EXPECT(remote_calls(&ops) == 0,
           "with a block on its local list, pool_alloc touched the remote "
           "list (%d calls): while the local list has blocks it is all "
           "pool_alloc needs (no atomic at all), and the remote frees pile "
           "up for one exchange later",
           remote_calls(&ops));
    ended++;
}

static void pool_keeps_a_free_that_lands_during_the_take(void **state)
{
    (void)state;
    began++;
    fresh_start();
    pool_t p;
    pool_init(&p);
    tracked_t *a = take(__func__, &p), *x = take(__func__, &p);
    free_elsewhere(&a, 1); /* remote: a */
    /* x is freed by "another thread" right after pool_alloc's first look
     * at the remote list (or just before its first CAS or exchange). */
    atomic_store(&x->state, BLOCK_FREE);
    slip.p = &p;
    slip.b = x;
    slip.done = false;
    tracked_t *got[2];
    got[0] = take(__func__, &p);
    EXPECT(slip.done,
           "with its local list empty and a block on the remote list, "
           "pool_alloc made no remote_load, remote_cas or remote_exchange "
           "call: blocks freed on other threads come back through those "
           "three, never by reading p->remote directly");
    got[1] = take(__func__, &p);
    tracked_t *both[2] = {a, x};
    EXPECT(same_blocks(both, got, 2),
           "a block freed on another thread while pool_alloc was taking the "
           "remote list was lost: of the two blocks on it, the next two "
           "allocations returned %d. What you read with remote_load may be "
           "stale by your next call: take the list with remote_exchange, "
           "and keep what it returns",
           (got[0] == a || got[0] == x) + (got[1] == a || got[1] == x));
    int fresh = fresh_here;
    take(__func__, &p); /* the list is empty now: a fresh block */
    EXPECT(fresh_here == fresh + 1,
           "after both remote blocks came back, the pool should be empty "
           "and ask pool_fresh_block for the next one");
    ended++;
}

/* ---- four threads -------------------------------------------------------- */

#define THREADS   4
#define ROUNDS    300
#define PER_ROUND 32 /* allocations per thread and round; half are sent */
#define BOX_CAP   (PER_ROUND * THREADS)

typedef struct mailbox {
    pthread_mutex_t lock;
    tracked_t *b[BOX_CAP];
    int n;
} mailbox_t;

static struct {
    pool_t pools[THREADS];
    mailbox_t box[THREADS];
    pthread_barrier_t barrier;
    atomic_bool stop;
    atomic_int nulls, twice, bad_free;
    int fresh[THREADS], reused[THREADS];
} S;

/* pool_alloc on a worker thread: errors are counted, never asserted (a
 * cmocka failure must happen on the test's own thread). */
static tracked_t *stress_take(pool_t *p)
{
    tracked_t *b = pool_alloc(p);
    if (b == NULL) {
        atomic_fetch_add(&S.nulls, 1);
        atomic_store(&S.stop, true);
        return NULL;
    }
    if (atomic_exchange(&b->state, BLOCK_LIVE) == BLOCK_LIVE) {
        atomic_fetch_add(&S.twice, 1);
        atomic_store(&S.stop, true);
        return NULL; /* someone else has it: hands off */
    }
    b->home = p;
    return b;
}

static void stress_release(tracked_t *b)
{
    pool_t *home = b->home;
    if (atomic_exchange(&b->state, BLOCK_FREE) != BLOCK_LIVE)
        atomic_fetch_add(&S.bad_free, 1);
    pool_free(home, b);
}

static void post(int to, tracked_t *b)
{
    mailbox_t *m = &S.box[to];
    pthread_mutex_lock(&m->lock);
    bool room = m->n < BOX_CAP;
    if (room)
        m->b[m->n++] = b;
    pthread_mutex_unlock(&m->lock);
    if (!room)
        stress_release(b); /* cannot happen with these sizes; still a free */
}

/* Free what other threads sent me: remote frees into their pools. */
static void drain(int me)
{
    tracked_t *got[BOX_CAP];
    mailbox_t *m = &S.box[me];
    pthread_mutex_lock(&m->lock);
    int n = m->n;
    memcpy(got, m->b, (size_t)n * sizeof got[0]);
    m->n = 0;
    pthread_mutex_unlock(&m->lock);
    for (int i = 0; i < n; i++)
        stress_release(got[i]);
}

static void *stress_thread(void *arg)
{
    int me = (int)(intptr_t)arg;
    pool_t *p = &S.pools[me];
    pool_init(p); /* owned by this thread */
    fresh_here = 0;
    jitter = 1;
    pthread_barrier_wait(&S.barrier); /* every pool exists before a free */
    tracked_t *kept[PER_ROUND];
    for (int r = 0; r < ROUNDS; r++) {
        int nkept = 0;
        for (int k = 0; k < PER_ROUND && !atomic_load(&S.stop); k++) {
            tracked_t *b = stress_take(p);
            if (b == NULL)
                break;
            if (k % 2 == 1) /* to each other thread in turn */
                post((me + 1 + (k / 2) % (THREADS - 1)) % THREADS, b);
            else
                kept[nkept++] = b;
            drain(me); /* while my own frees race with theirs */
        }
        for (int i = 0; i < nkept; i++)
            stress_release(kept[i]); /* local frees */
        pthread_barrier_wait(&S.barrier); /* every send of this round done */
        drain(me);
        pthread_barrier_wait(&S.barrier); /* every block is home */
    }
    S.fresh[me] = fresh_here;
    /* Every block this pool ever made is free in it now, locally or on its
     * remote list: it must hand out all of them before a fresh one. */
    int n = 0;
    while (!atomic_load(&S.stop) && n <= S.fresh[me]) {
        int before = fresh_here;
        if (stress_take(p) == NULL || fresh_here != before)
            break;
        n++;
    }
    S.reused[me] = n;
    return NULL;
}

static void pool_survives_four_threads(void **state)
{
    (void)state;
    if (began != ended)
        skip(); /* a test above failed: fix that first */
    memset(&S, 0, sizeof S);
    for (int i = 0; i < THREADS; i++)
        pthread_mutex_init(&S.box[i].lock, NULL);
    pthread_barrier_init(&S.barrier, NULL, THREADS);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(
            pthread_create(&t[i], NULL, stress_thread, (void *)(intptr_t)i),
            0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&S.barrier);
    for (int i = 0; i < THREADS; i++)
        pthread_mutex_destroy(&S.box[i].lock);

    EXPECT(atomic_load(&S.nulls) == 0,
           "with %d threads freeing into each other's pools, pool_alloc "
           "returned NULL",
           THREADS);
    EXPECT(atomic_load(&S.twice) == 0,
           "with %d threads freeing into each other's pools, pool_alloc "
           "handed out a block that was still in use (the same block "
           "twice). Does the owner take the remote list in one "
           "remote_exchange, and does every other free go onto the remote "
           "list, never the local one?",
           THREADS);
    EXPECT(atomic_load(&S.bad_free) == 0,
           "a block was freed that was not in use: the checker's own "
           "bookkeeping went wrong (please report it)");
    for (int i = 0; i < THREADS; i++) {
        EXPECT(S.reused[i] == S.fresh[i],
               "after every block was freed, thread %d's pool handed out %d "
               "of its %d blocks before asking for a fresh one: %d frees "
               "were lost. Two frees racing onto the remote list must both "
               "land: link to the head you saw, CAS, and on failure link to "
               "the head the CAS reports and try again",
               i, S.reused[i], S.fresh[i], S.fresh[i] - S.reused[i]);
        EXPECT(S.fresh[i] <= 4 * PER_ROUND,
               "thread %d's pool asked for %d fresh blocks in %d rounds that "
               "never had more than %d of its blocks in use: blocks freed on "
               "other threads are not coming back to it",
               i, S.fresh[i], ROUNDS, PER_ROUND);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(pool_hands_out_fresh_blocks, teardown),
    cmocka_unit_test_teardown(pool_reuses_its_own_frees, teardown),
    cmocka_unit_test_teardown(pool_remote_free_is_one_cas, teardown),
    cmocka_unit_test_teardown(pool_remote_frees_come_back, teardown),
    cmocka_unit_test_teardown(pool_takes_the_remote_list_whole, teardown),
    cmocka_unit_test_teardown(pool_uses_local_blocks_first, teardown),
    cmocka_unit_test_teardown(pool_keeps_a_free_that_lands_during_the_take,
                              teardown),
    cmocka_unit_test_teardown(pool_survives_four_threads, teardown),
};

CHECK_MAIN("lesson17", tests)
