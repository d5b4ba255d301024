/*
 * core/task_cache.c - per-thread free lists for task memory; the picture
 * and the reasons are in task_cache.h.
 *
 * Who may touch what: a class's local list and count belong to the thread
 * whose cache it is; its remote list and count are pushed by any thread
 * and emptied by the owner; the list of orphans is under orphans_lock.
 *
 * Tests: tests/test_task_cache.c.
 */
#include "core/task_cache.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Compiled out under AddressSanitizer (task_cache.h says why), and with
 * -DASYNCLAB_NO_TASK_CACHE, to measure what the cache buys (lesson 17). */
#if defined(ASYNCLAB_NO_TASK_CACHE) || defined(__SANITIZE_ADDRESS__)
#define TASK_CACHE_COMPILED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TASK_CACHE_COMPILED 0
#endif
#endif
#ifndef TASK_CACHE_COMPILED
#define TASK_CACHE_COMPILED 1
#endif

/* Blocks are whole cache lines, aligned to one: two tasks never share a
 * line. Freed blocks come back in completion order, from every worker,
 * so with malloc's 16-byte granularity the next burst's neighbours in
 * memory ran on different workers, and each worker's writes to its task
 * (the state word, the poll counters) took the line from the other
 * (false sharing; measured in docs/perf-notes.md). Tokio aligns its task
 * cells for the same reason. */
#define CACHE_LINE 64
#ifndef ASYNCLAB_NO_LINE_ALIGN
#define CLASS_STEP CACHE_LINE
#define BLOCK_ALIGN CACHE_LINE
#else /* lesson 17: blocks packed as malloc packs them, lines shared */
#define CLASS_STEP 16
#define BLOCK_ALIGN 16
#endif
#define CLASS_MAX  1024 /* bigger blocks come from malloc, aligned too */
#define NCLASSES   (CLASS_MAX / CLASS_STEP)

typedef struct free_block {
    struct free_block *next;
} free_block_t;

typedef struct size_class {
    free_block_t *local; /* owner only */
    size_t nlocal;       /* owner only; a hint after taking remote frees */
    /* Other threads write these: a line of their own, so that their
     * pushes do not take the owner's line away on every free. */
    _Alignas(CACHE_LINE) _Atomic(free_block_t *) remote;
    atomic_size_t nremote; /* a hint: may lag the list by a push or two */
} size_class_t;

struct task_cache {
    size_class_t classes[NCLASSES];
    task_cache_t *next_orphan; /* under orphans_lock */
};

static _Thread_local task_cache_t *mine; /* NULL until this thread's first
                                            allocation, and when disabled */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key; /* runs orphan() when a thread exits */
static bool enabled;           /* written once, under init_once */
static pthread_mutex_t orphans_lock = PTHREAD_MUTEX_INITIALIZER;
static task_cache_t *orphans;

/* ---- a thread's cache: adopted or made, and orphaned at exit ------------ */

static size_class_t *class_of(task_cache_t *c, size_t size)
{
    return &c->classes[(size - 1) / CLASS_STEP];
}

static size_t class_bytes(size_t size)
{
    return (size + CLASS_STEP - 1) / CLASS_STEP * CLASS_STEP;
}

/* A fresh block of whole, aligned cache lines (aligned_alloc wants the
 * size a multiple of the alignment). */
static void *new_block(size_t size)
{
    return aligned_alloc(BLOCK_ALIGN, class_bytes(size));
}

/* Owner only, local list empty: the remote frees become the local list.
 * Acquire: pairs with the release CAS in push_remote, so the freeing
 * thread's last writes to each block happen before we hand it out. */
static void take_remote(size_class_t *sc)
{
    assert(sc->local == NULL);
    size_t n = atomic_exchange_explicit(&sc->nremote, 0, memory_order_relaxed);
    sc->local =
        atomic_exchange_explicit(&sc->remote, NULL, memory_order_acquire);
    sc->nlocal = n; /* a hint: a free racing with us may be counted later */
}

static void free_list(free_block_t *b)
{
    while (b != NULL) {
        free_block_t *next = b->next;
        free(b);
        b = next;
    }
}

/* A thread exits: give its spare blocks back to malloc and leave the
 * cache for the next new thread, since blocks it handed out may still
 * come back to it. */
static void orphan(void *arg)
{
    task_cache_t *c = arg;
    for (int i = 0; i < NCLASSES; i++) {
        size_class_t *sc = &c->classes[i];
        free_list(sc->local);
        sc->local = NULL;
        sc->nlocal = 0;
        atomic_store_explicit(&sc->nremote, 0, memory_order_relaxed);
        /* Acquire: as in take_remote. */
        free_list(
            atomic_exchange_explicit(&sc->remote, NULL, memory_order_acquire));
    }
    pthread_mutex_lock(&orphans_lock);
    c->next_orphan = orphans;
    orphans = c;
    pthread_mutex_unlock(&orphans_lock);
}

static void init(void)
{
    const char *env = getenv("ASYNCLAB_TASK_CACHE");
    enabled = TASK_CACHE_COMPILED && !(env != NULL && strcmp(env, "0") == 0);
    if (enabled && pthread_key_create(&exit_key, orphan) != 0)
        enabled = false;
}

/* This thread's cache, adopted from an exited thread or new; NULL when
 * the cache is off or memory ran out (then malloc serves). */
static task_cache_t *my_cache(void)
{
    if (mine != NULL)
        return mine;
    pthread_once(&init_once, init);
    if (!enabled)
        return NULL;
    pthread_mutex_lock(&orphans_lock);
    task_cache_t *c = orphans;
    if (c != NULL)
        orphans = c->next_orphan;
    pthread_mutex_unlock(&orphans_lock);
    if (c == NULL) {
        c = aligned_alloc(CACHE_LINE, sizeof *c);
        if (c == NULL)
            return NULL;
        memset(c, 0, sizeof *c);
    }
    c->next_orphan = NULL;
    pthread_setspecific(exit_key, c);
    mine = c;
    return c;
}

bool task_cache_enabled(void)
{
    pthread_once(&init_once, init);
    return enabled;
}

/* ---- alloc and free ----------------------------------------------------- */

void *task_cache_alloc(size_t size, task_cache_t **from)
{
    *from = NULL;
    task_cache_t *c = size <= CLASS_MAX ? my_cache() : NULL;
    if (c == NULL)
        return new_block(size);
    size_class_t *sc = class_of(c, size);
    /* Relaxed peek: an empty remote list is not worth an exchange. */
    if (sc->local == NULL &&
        atomic_load_explicit(&sc->remote, memory_order_relaxed) != NULL)
        take_remote(sc);
    free_block_t *b = sc->local;
    if (b != NULL) {
        sc->local = b->next;
        if (sc->nlocal > 0)
            sc->nlocal--;
    } else {
        sc->nlocal = 0;
        b = new_block(size);
        if (b == NULL)
            return NULL;
    }
    *from = c;
    return b;
}

/* Any thread but the owner: one CAS onto the class's remote list.
 * Release: pairs with take_remote's acquire exchange. */
static void push_remote(size_class_t *sc, free_block_t *b)
{
    free_block_t *head =
        atomic_load_explicit(&sc->remote, memory_order_relaxed);
    do {
        b->next = head;
    } while (!atomic_compare_exchange_weak_explicit(
        &sc->remote, &head, b, memory_order_release, memory_order_relaxed));
    atomic_fetch_add_explicit(&sc->nremote, 1, memory_order_relaxed);
}

void task_cache_free(void *block, size_t size, task_cache_t *from)
{
    if (from == NULL) {
        free(block);
        return;
    }
    size_class_t *sc = class_of(from, size);
    free_block_t *b = block;
    if (from == mine) {
        if (sc->nlocal >= TASK_CACHE_KEEP) {
            free(b);
            return;
        }
        b->next = sc->local;
        sc->local = b;
        sc->nlocal++;
        return;
    }
    if (atomic_load_explicit(&sc->nremote, memory_order_relaxed) >=
        TASK_CACHE_KEEP) {
        free(b); /* the owner has plenty coming back already */
        return;
    }
    push_remote(sc, b);
}

void task_cache_copy(void *dst, const void *src, size_t size)
{
    char *d = dst;
    const char *s = src;
    for (; size >= 16; size -= 16, d += 16, s += 16)
        memcpy(d, s, 16);
    if (size >= 8) {
        memcpy(d, s, 8);
        size -= 8, d += 8, s += 8;
    }
    for (; size > 0; size--)
        *d++ = *s++;
}
