/*
 * sync/combine.c - join_all, select and select_timeout over one engine:
 * a block of per-child wakers with a bitmap of who was woken (see
 * sync/combine.h for the picture and the contract).
 *
 * Who touches what:
 *
 *   field              written by                  read by
 *   slots[i].child,    the poller (the task)       the poller
 *     .state
 *   woken bits         any waker (fetch_or),       the poller (exchange)
 *                      the poller (exchange)
 *   notified           any waker (exchange),       any waker
 *                      the poller (store false)
 *   parent, refs,      under lock, by the poller   under lock
 *     polling, closed  and by any waker's clone,
 *                      drop or first wake
 *
 * The notified flag saves a lock and a task wake per child wake: the
 * poller clears it before it reads the bits, a waker sets its bit before
 * it sets the flag, both with sequentially consistent operations. So a
 * waker that finds the flag already set knows that either the poller is
 * yet to read its bit (it will see it) or another waker, after the
 * poller's clear, has woken the task (which will poll again).
 *
 * Tests: tests/test_combine.c.
 */
#include "sync/combine.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

enum child_state {
    CHILD_PENDING = 0, /* may be polled when woken */
    CHILD_READY,       /* returned READY: never polled again */
    CHILD_DROPPED,     /* its drop has run */
};

typedef struct combine_slot {
    combine_block_t *block; /* read-only after init (wakers read it) */
    size_t index;           /* read-only after init */
    future_t *child;        /* the poller's */
    uint8_t state;          /* the poller's: enum child_state */
} combine_slot_t;

struct combine_block {
    pthread_mutex_t lock;
    waker_t parent;  /* under lock: the task's waker, held only while a
                        child waker is alive or a poll is running */
    size_t refs;     /* under lock: 1 for the combinator until its drop,
                        1 per child waker clone alive */
    bool polling;    /* under lock: a poll is running (it decides about
                        the parent waker when it ends) */
    bool closed;     /* under lock: the combinator was dropped */
    bool finished;   /* the poller's: returned READY */
    atomic_bool notified; /* the parent was woken since the poll began */
    size_t n;
    size_t words;            /* of the bitmap */
    _Atomic uint64_t *woken; /* bit i: child i was woken (after slots) */
    combine_slot_t slots[];
};

/* ---- the child wakers ---------------------------------------------------- */

static const waker_vtable_t child_vtable;

static void block_free(combine_block_t *b)
{
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/*
 * Drop one reference. When only the combinator's is left and no poll is
 * running, no child can wake us any more: let go of the task's waker, so
 * that a lost wakeup in a child is the executor's to see.
 */
static void block_release(combine_block_t *b)
{
    waker_t let_go = WAKER_EMPTY;
    pthread_mutex_lock(&b->lock);
    bool last = --b->refs == 0;
    if (b->refs == 1 && !b->polling && !b->closed)
        let_go = waker_take(&b->parent);
    pthread_mutex_unlock(&b->lock);
    waker_drop(&let_go); /* never under the lock: it may free a task */
    if (last)
        block_free(b);
}

static waker_t child_clone(const void *data)
{
    const combine_slot_t *slot = data;
    pthread_mutex_lock(&slot->block->lock);
    slot->block->refs++;
    pthread_mutex_unlock(&slot->block->lock);
    return (waker_t){&child_vtable, data};
}

static void child_wake_by_ref(const void *data)
{
    const combine_slot_t *slot = data;
    combine_block_t *b = slot->block;
    atomic_fetch_or(&b->woken[slot->index / 64],
                    (uint64_t)1 << (slot->index % 64));
    if (atomic_exchange(&b->notified, true))
        return; /* the task is woken already, or about to read our bit */
    waker_t parent = WAKER_EMPTY;
    pthread_mutex_lock(&b->lock);
    if (waker_is_set(&b->parent))
        parent = waker_clone(&b->parent);
    pthread_mutex_unlock(&b->lock);
    if (waker_is_set(&parent))
        waker_wake(&parent); /* outside the lock: it may take a queue's */
}

static void child_wake(const void *data)
{
    const combine_slot_t *slot = data;
    child_wake_by_ref(data);
    block_release(slot->block);
}

static void child_drop(const void *data)
{
    const combine_slot_t *slot = data;
    block_release(slot->block);
}

static const waker_vtable_t child_vtable = {
    .clone = child_clone,
    .wake = child_wake,
    .wake_by_ref = child_wake_by_ref,
    .drop = child_drop,
};

/* ---- the block ----------------------------------------------------------- */

static int block_new(combine_block_t **out, future_t *const *children,
                     size_t n)
{
    if (n > 0 && children == NULL)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (children[i] == NULL)
            return -EINVAL;
    if (n > (SIZE_MAX / 2 - sizeof(combine_block_t)) /
                (sizeof(combine_slot_t) + sizeof(uint64_t)))
        return -ENOMEM; /* the size would not fit in a size_t */
    size_t words = (n + 63) / 64;
    size_t align = _Alignof(_Atomic uint64_t);
    size_t bits_at = sizeof(combine_block_t) + n * sizeof(combine_slot_t);
    bits_at = (bits_at + align - 1) / align * align;
    combine_block_t *b = malloc(bits_at + words * sizeof(uint64_t));
    if (b == NULL)
        return -ENOMEM;
    int err = pthread_mutex_init(&b->lock, NULL);
    if (err != 0) {
        free(b);
        return -err;
    }
    b->parent = WAKER_EMPTY;
    b->refs = 1;
    b->polling = false;
    b->closed = false;
    b->finished = false;
    atomic_init(&b->notified, false);
    b->n = n;
    b->words = words;
    b->woken = (_Atomic uint64_t *)(void *)((char *)b + bits_at);
    for (size_t i = 0; i < n; i++)
        b->slots[i] = (combine_slot_t){b, i, children[i], CHILD_PENDING};
    /* Every child is polled in the first pass: all bits set. */
    for (size_t w = 0; w < words; w++) {
        size_t left = n - w * 64;
        atomic_init(&b->woken[w],
                    left >= 64 ? UINT64_MAX : ((uint64_t)1 << left) - 1);
    }
    *out = b;
    return 0;
}

/* A poll begins: keep cx's waker as the parent, clear notified. */
static void poll_begin(combine_block_t *b, const context_t *cx)
{
    waker_t old = WAKER_EMPTY;
    pthread_mutex_lock(&b->lock);
    b->polling = true;
    if (!waker_is_set(&b->parent) || !waker_will_wake(&b->parent, cx->waker)) {
        old = waker_take(&b->parent);
        b->parent = waker_clone(cx->waker);
    }
    pthread_mutex_unlock(&b->lock);
    waker_drop(&old);
    /* After the parent is in place, before the bits are read (see the
     * comment at the top). */
    atomic_store(&b->notified, false);
}

/* A poll ends: keep the parent only if it is still needed. */
static void poll_end(combine_block_t *b, bool finished)
{
    waker_t old = WAKER_EMPTY;
    pthread_mutex_lock(&b->lock);
    b->polling = false;
    if (finished || b->refs == 1)
        old = waker_take(&b->parent);
    pthread_mutex_unlock(&b->lock);
    waker_drop(&old);
    b->finished = finished;
}

static void drop_child(combine_slot_t *slot)
{
    if (slot->state == CHILD_DROPPED)
        return;
    slot->state = CHILD_DROPPED;
    future_drop(slot->child);
}

/*
 * One pass: poll each woken child that is still pending, in index order.
 * Returns the index of the first that is READY when stop_at_first (-1:
 * none), else -1; *pending and *polls are the combinator's outputs.
 */
static int poll_woken(combine_block_t *b, bool stop_at_first, size_t *pending,
                      uint64_t *polls)
{
    for (size_t w = 0; w < b->words; w++) {
        uint64_t bits = atomic_exchange(&b->woken[w], 0);
        while (bits != 0) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            combine_slot_t *slot = &b->slots[i];
            if (slot->state != CHILD_PENDING)
                continue; /* a late wake of a finished child */
            waker_t mine = {&child_vtable, slot}; /* borrowed, as cx's */
            context_t cx = {.waker = &mine};
            (*polls)++;
            if (future_poll(slot->child, &cx) == POLL_PENDING)
                continue;
            slot->state = CHILD_READY;
            (*pending)--;
            if (stop_at_first)
                return (int)i; /* the bits not yet read no longer matter */
        }
    }
    return -1;
}

/* The combinator's drop: every child not dropped yet, then the block. */
static void block_drop(combine_block_t **bp)
{
    combine_block_t *b = *bp;
    if (b == NULL)
        return;
    *bp = NULL;
    for (size_t i = 0; i < b->n; i++)
        drop_child(&b->slots[i]); /* their wakers come back: refs > 1 */
    pthread_mutex_lock(&b->lock);
    b->closed = true;
    waker_t old = waker_take(&b->parent);
    bool last = --b->refs == 0;
    pthread_mutex_unlock(&b->lock);
    waker_drop(&old);
    if (last)
        block_free(b);
}

/* ---- join_all ------------------------------------------------------------ */

static poll_t join_all_poll(future_t *f, context_t *cx)
{
    join_all_t *j = (join_all_t *)f;
    combine_block_t *b = j->block;
    assert(b != NULL && "join_all polled after its drop");
    assert(!b->finished && "join_all polled after READY");
    poll_begin(b, cx);
    poll_woken(b, false, &j->pending, &j->child_polls);
    poll_end(b, j->pending == 0);
    return j->pending == 0 ? POLL_READY : POLL_PENDING;
}

static void join_all_drop(future_t *f)
{
    block_drop(&((join_all_t *)f)->block);
}

int join_all_init(join_all_t *j, future_t *const *children, size_t n)
{
    combine_block_t *b;
    int err = block_new(&b, children, n);
    if (err != 0)
        return err;
    *j = (join_all_t){.base = {join_all_poll, join_all_drop},
                      .block = b,
                      .pending = n};
    return 0;
}

/* ---- select -------------------------------------------------------------- */

static poll_t select_poll(future_t *f, context_t *cx)
{
    select_t *s = (select_t *)f;
    combine_block_t *b = s->block;
    assert(b != NULL && "select polled after its drop");
    assert(!b->finished && "select polled after READY");
    size_t pending = b->n; /* not an output of select's */
    poll_begin(b, cx);
    int won = poll_woken(b, true, &pending, &s->child_polls);
    if (won >= 0)
        for (size_t i = 0; i < b->n; i++)
            if (i != (size_t)won)
                drop_child(&b->slots[i]); /* the losers, at once */
    poll_end(b, won >= 0);
    if (won < 0)
        return POLL_PENDING;
    s->winner = won;
    return POLL_READY;
}

static void select_drop(future_t *f)
{
    block_drop(&((select_t *)f)->block);
}

int select_init(select_t *s, future_t *const *children, size_t n)
{
    if (n == 0 || n > INT_MAX)
        return -EINVAL;
    combine_block_t *b;
    int err = block_new(&b, children, n);
    if (err != 0)
        return err;
    *s = (select_t){.base = {select_poll, select_drop},
                    .block = b,
                    .winner = -1};
    return 0;
}

/* ---- select_timeout ------------------------------------------------------ */

int select_timeout_init(select_timeout_t *t, future_t *inner, uint64_t ms)
{
    sleep_init(&t->sleep, ms);
    future_t *pair[2] = {inner, &t->sleep.base};
    return select_init(&t->select, pair, 2);
}
