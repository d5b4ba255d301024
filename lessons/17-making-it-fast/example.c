/*
 * lessons/17-making-it-fast/example.c - the mechanisms behind the
 * runtime's optimizations, each one alone, in a few lines of C.
 *
 *     asynclab lesson 17 --run
 *
 * 1. False sharing: two threads bump two counters, first in one cache
 *    line, then in two. Nothing is shared but the line.
 * 2. A lock per task or a lock per batch: two threads empty one locked
 *    list, one item per lock, then up to 32 per lock.
 * 3. Waking a thread: two threads pass a turn back and forth, first
 *    sleeping on a condition variable at once, then looking a few
 *    thousand times before they sleep.
 * 4. The ABA problem, replayed step by step on one thread: why a CAS pop
 *    from a shared lock-free stack can hand a block out twice, and why
 *    taking the whole list with one exchange cannot.
 *
 * Each timing is the best of 3 runs. The runtime itself does not run
 * here: these are the costs it avoids.
 * The measured effect of each optimization on the runtime is the table
 * in the lesson, made by tools/fast-table.sh. Your numbers will differ
 * from run to run and machine to machine; the ratios are the point.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Each timing is the best of a few runs: a busy machine only ever makes
 * a run slower. */
#define BEST_OF 3

static double min(double a, double b)
{
    return a < b ? a : b;
}

/* A hint to the core that this is a spin-wait (x86's pause). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* ---- 1. false sharing ----------------------------------------------------- */

#define INCREMENTS 2000000L

struct together {
    _Atomic long a, b; /* 8 bytes apart: one cache line */
};

struct apart {
    _Alignas(64) _Atomic long a; /* a line each */
    _Alignas(64) _Atomic long b;
};

static _Alignas(64) struct together together;
static struct apart apart;

static void *bump(void *arg)
{
    _Atomic long *counter = arg;
    for (long i = 0; i < INCREMENTS; i++)
        atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
    return NULL;
}

/* Two threads, one counter each; nanoseconds per increment. */
static double bump_both(_Atomic long *x, _Atomic long *y)
{
    pthread_t t[2];
    double t0 = now_ns();
    pthread_create(&t[0], NULL, bump, x);
    pthread_create(&t[1], NULL, bump, y);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    return (now_ns() - t0) / (double)INCREMENTS;
}

static void false_sharing(void)
{
    printf("1. False sharing: two threads, %ld increments each, each on "
           "its own counter\n",
           INCREMENTS);
    double one = 1e18, two = 1e18;
    for (int i = 0; i < BEST_OF; i++) {
        one = min(one, bump_both(&together.a, &together.b));
        two = min(two, bump_both(&apart.a, &apart.b));
    }
    printf("   both counters in one cache line   %6.1f ns per increment\n",
           one);
    printf("   each counter in a line of its own %6.1f ns per increment   "
           "(%.1fx)\n",
           two, two > 0 ? one / two : 0);
    printf("   (About equal? Then the two threads did not run at the same "
           "time on two\n   cores: a busy machine, or two CPUs that share "
           "one core's cache.)\n\n");
}

/* ---- 2. a lock per task, or a lock per batch ------------------------------ */

#define ITEMS 200000
#define BATCH 32

typedef struct item {
    struct item *next;
} item_t;

static item_t items[ITEMS];
static struct {
    pthread_mutex_t lock;
    item_t *head;
    long locks; /* under lock: how often it was taken */
} queue = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void fill_queue(void)
{
    for (int i = 0; i < ITEMS; i++)
        items[i].next = i + 1 < ITEMS ? &items[i + 1] : NULL;
    queue.head = &items[0];
    queue.locks = 0;
}

/* Take up to *batch items per lock until the queue is empty. */
static void *consume(void *arg)
{
    int batch = *(int *)arg;
    long got = 0;
    for (;;) {
        pthread_mutex_lock(&queue.lock);
        queue.locks++;
        item_t *first = queue.head, *last = first;
        int n = first != NULL;
        while (n > 0 && n < batch && last->next != NULL) {
            last = last->next;
            n++;
        }
        if (first != NULL) {
            queue.head = last->next;
            last->next = NULL;
        }
        pthread_mutex_unlock(&queue.lock);
        if (first == NULL)
            break;
        got += n; /* a worker would run the first and queue the rest */
    }
    (void)got;
    return NULL;
}

static double drain_with(int batch, long *locks)
{
    fill_queue();
    pthread_t t[2];
    double t0 = now_ns();
    pthread_create(&t[0], NULL, consume, &batch);
    pthread_create(&t[1], NULL, consume, &batch);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    *locks = queue.locks;
    return (now_ns() - t0) / ITEMS;
}

static void lock_per_batch(void)
{
    printf("2. One locked queue of %d items, emptied by two threads\n", ITEMS);
    long l1, l32;
    double one = 1e18, many = 1e18;
    for (int i = 0; i < BEST_OF; i++) {
        one = min(one, drain_with(1, &l1));
        many = min(many, drain_with(BATCH, &l32));
    }
    printf("   one item per lock     %6.1f ns per item  (%ld locks)\n", one,
           l1);
    printf("   up to %d per lock     %6.1f ns per item  (%ld locks)   "
           "(%.1fx)\n\n",
           BATCH, many, l32, many > 0 ? one / many : 0);
}

/* ---- 3. waking a thread: sleep at once, or look first --------------------- */

#define TRIPS 5000
#define LOOKS 4000

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond[2];
    _Atomic int turn; /* whose turn it is: 0 or 1 */
    int looks;        /* how many looks before sleeping */
    long spun[2], slept[2];
} pp = {.lock = PTHREAD_MUTEX_INITIALIZER,
        .cond = {PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER}};

static void wait_turn(int me)
{
    for (int i = 0; i < pp.looks; i++) {
        /* Acquire: pairs with give_turn's release store. */
        if (atomic_load_explicit(&pp.turn, memory_order_acquire) == me) {
            pp.spun[me]++;
            return; /* no system call on either side */
        }
        cpu_relax();
    }
    bool slept = false;
    pthread_mutex_lock(&pp.lock);
    while (atomic_load_explicit(&pp.turn, memory_order_acquire) != me) {
        pthread_cond_wait(&pp.cond[me], &pp.lock); /* futex: sleep */
        slept = true;
    }
    pthread_mutex_unlock(&pp.lock);
    pp.slept[me] += slept;
}

static void give_turn(int to)
{
    pthread_mutex_lock(&pp.lock);
    atomic_store_explicit(&pp.turn, to, memory_order_release);
    /* With nobody waiting on it, glibc's signal is a few loads: no
     * system call. With a sleeper, it is a futex wake. */
    pthread_cond_signal(&pp.cond[to]);
    pthread_mutex_unlock(&pp.lock);
}

static void *player(void *arg)
{
    int me = *(int *)arg;
    for (int i = 0; i < TRIPS; i++) {
        wait_turn(me);
        give_turn(1 - me);
    }
    return NULL;
}

static double ping_pong(int looks, long *slept)
{
    pp.looks = looks;
    atomic_store(&pp.turn, 0);
    pp.spun[0] = pp.spun[1] = pp.slept[0] = pp.slept[1] = 0;
    static int ids[2] = {0, 1};
    pthread_t t[2];
    double t0 = now_ns();
    pthread_create(&t[0], NULL, player, &ids[0]);
    pthread_create(&t[1], NULL, player, &ids[1]);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    *slept = pp.slept[0] + pp.slept[1];
    return (now_ns() - t0) / TRIPS / 1e3;
}

static void wake_ups(void)
{
    printf("3. Two threads pass a turn back and forth %d times\n", TRIPS);
    long s0, s1;
    double sleep_at_once = 1e18, look_first = 1e18;
    for (int i = 0; i < BEST_OF; i++) {
        sleep_at_once = min(sleep_at_once, ping_pong(0, &s0));
        look_first = min(look_first, ping_pong(LOOKS, &s1));
    }
    printf("   sleep at once        %7.2f us per round trip  (%ld of %d "
           "waits slept)\n",
           sleep_at_once, s0, 2 * TRIPS);
    printf("   look %d times first %7.2f us per round trip  (%ld of %d "
           "waits slept)   (%.1fx)\n\n",
           LOOKS, look_first, s1, 2 * TRIPS,
           look_first > 0 ? sleep_at_once / look_first : 0);
}

/* ---- 4. the ABA problem, replayed ------------------------------------------ */

typedef struct node {
    struct node *next;
    char name;
} node_t;

static _Atomic(node_t *) top;

static void show(const char *who)
{
    printf("   %-34s stack:", who);
    for (node_t *n = atomic_load(&top); n != NULL; n = n->next)
        printf(" %c", n->name);
    printf("%s\n", atomic_load(&top) == NULL ? " (empty)" : "");
}

/* A pop from the stack as one uninterrupted step (thread 2's). */
static node_t *pop(void)
{
    node_t *t = atomic_load(&top);
    while (t != NULL && !atomic_compare_exchange_strong(&top, &t, t->next))
        ;
    return t;
}

static void push(node_t *n)
{
    node_t *t = atomic_load(&top);
    do
        n->next = t;
    while (!atomic_compare_exchange_strong(&top, &t, n));
}

static void aba(void)
{
    printf("4. ABA: a CAS pop from a stack that two threads pop\n");
    node_t a = {.name = 'A'}, b = {.name = 'B'}, c = {.name = 'C'};
    a.next = &b;
    b.next = &c;
    atomic_store(&top, &a);
    show("the free list:");

    /* Thread 1 starts a pop: reads the top and its next... */
    node_t *seen = atomic_load(&top), *seen_next = seen->next;
    printf("   thread 1 reads top = %c, next = %c, and is preempted\n",
           seen->name, seen_next->name);

    /* ... and thread 2 runs: takes A and B, gives A back. */
    node_t *x = pop(), *y = pop();
    printf("   thread 2 pops %c, pops %c (it uses %c now)\n", x->name, y->name,
           y->name);
    push(x);
    show("thread 2 frees A again:");

    /* Thread 1 resumes: the top is A again, so its CAS succeeds. */
    bool won = atomic_compare_exchange_strong(&top, &seen, seen_next);
    printf("   thread 1: CAS(top, A -> B) %s: the top is A, as it read\n",
           won ? "succeeds" : "fails");
    show("thread 1 has A; the list is now:");
    node_t *again = pop();
    printf("   the next pop hands out %c, which thread 2 is still using: "
           "handed out twice\n\n",
           again != NULL ? again->name : '-');

    printf("   The same list, taken whole by thread 1 with one exchange:\n");
    a.next = &b;
    b.next = &c;
    c.next = NULL;
    atomic_store(&top, &a);
    show("the free list:");
    node_t *all = atomic_exchange(&top, NULL);
    printf("   thread 1: exchange(top, NULL) returns the list");
    for (node_t *n = all; n != NULL; n = n->next)
        printf(" %c", n->name);
    printf("\n");
    show("and leaves it empty:");
    printf("   It read nothing earlier that could have changed since: "
           "whatever thread 2\n   did came wholly before it or wholly "
           "after it.\n");
}

int main(void)
{
    false_sharing();
    lock_per_batch();
    wake_ups();
    aba();
    return 0;
}
