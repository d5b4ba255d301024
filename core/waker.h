/*
 * core/waker.h - wakers and the poll context.
 *
 * Rust's RawWaker and RawWakerVTable, in C. A waker is two words: a pointer
 * to a table of four operations and a data pointer the table understands
 * (for an executor's waker: the task). Whoever holds a waker can say "poll
 * this task again" without knowing which executor owns it.
 *
 *     waker_t { vtable ──> { clone, wake, wake_by_ref, drop }, data }
 *
 * The four operations and their ownership, exactly as in Rust:
 *   clone        returns a new waker that must itself be dropped or woken;
 *   wake         wakes and CONSUMES the waker (it is dropped by the call);
 *   wake_by_ref  wakes and leaves the waker owned by the caller;
 *   drop         releases the waker without waking.
 *
 * The waker in a context_t is borrowed for the length of one poll: a future
 * that needs to be woken later stores waker_clone(cx->waker), never the
 * pointer. waker_register() does that, skipping the clone when the stored
 * waker already wakes the same task (Rust's will_wake).
 *
 * Tests: tests/test_waker.c.
 */
#ifndef ASYNCLAB_CORE_WAKER_H
#define ASYNCLAB_CORE_WAKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/future.h" /* context_t */

typedef struct waker waker_t;

typedef struct waker_vtable {
    waker_t (*clone)(const void *data);
    void (*wake)(const void *data);
    void (*wake_by_ref)(const void *data);
    void (*drop)(const void *data);
} waker_vtable_t;

struct waker {
    const waker_vtable_t *vtable; /* NULL: an empty slot, holds nothing */
    const void *data;
};

/* What a future is given on each poll (Rust's Context). */
struct context {
    const waker_t *waker; /* borrowed for this poll only */
};

#define WAKER_EMPTY ((waker_t){NULL, NULL})

static inline bool waker_is_set(const waker_t *w)
{
    return w->vtable != NULL;
}

static inline waker_t waker_clone(const waker_t *w)
{
    return w->vtable->clone(w->data);
}

/* Wake and consume: *w is empty afterwards. */
static inline void waker_wake(waker_t *w)
{
    const waker_vtable_t *vt = w->vtable;
    const void *data = w->data;
    *w = WAKER_EMPTY;
    vt->wake(data);
}

static inline void waker_wake_by_ref(const waker_t *w)
{
    w->vtable->wake_by_ref(w->data);
}

/* Release without waking: *w is empty afterwards. Empty slots are fine. */
static inline void waker_drop(waker_t *w)
{
    if (w->vtable == NULL)
        return;
    const waker_vtable_t *vt = w->vtable;
    const void *data = w->data;
    *w = WAKER_EMPTY;
    vt->drop(data);
}

/* True when a and b certainly wake the same thing (Rust's will_wake). */
static inline bool waker_will_wake(const waker_t *a, const waker_t *b)
{
    return a->vtable == b->vtable && a->data == b->data;
}

/* Take the waker out of a slot, leaving the slot empty. */
static inline waker_t waker_take(waker_t *slot)
{
    waker_t w = *slot;
    *slot = WAKER_EMPTY;
    return w;
}

/*
 * Keep cx's waker in *slot, replacing (and dropping) whatever was there
 * unless it already wakes the same task. The usual last line of a poll
 * that returns PENDING. The caller serialises access to *slot.
 */
static inline void waker_register(waker_t *slot, const context_t *cx)
{
    if (waker_is_set(slot) && waker_will_wake(slot, cx->waker))
        return;
    waker_drop(slot);
    *slot = waker_clone(cx->waker);
}

/* A waker that does nothing: what the spin executor hands out. */
waker_t waker_noop(void);

/*
 * A waker that counts what is done to it, for tests and lessons. live is
 * the number of wakers (clones included) not yet dropped or woken by value;
 * it starts at 1 for the waker counting_waker() returns.
 */
typedef struct counting_waker {
    atomic_int wakes;  /* wake + wake_by_ref */
    atomic_int clones;
    atomic_int drops;  /* drop + wake (which consumes) */
    atomic_int live;
} counting_waker_t;

waker_t counting_waker(counting_waker_t *counts);

#endif
