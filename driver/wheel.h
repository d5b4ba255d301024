/*
 * driver/wheel.h - a hierarchical timer wheel: 6 levels of 64 slots, 1 ms.
 *
 * The idea is Varghese & Lauck's "Hashed and Hierarchical Timing Wheels"
 * (SOSP 1987), in the shape Tokio's time driver gives it (2020): each level
 * is a clock face of 64 slots, each slot of a level as long as the whole
 * face of the level below.
 *
 *   level 5  │ 0 │ 1 │ 2 │ ... │63 │  slot = 64^5 ms ≈ 12.4 days, face ≈ 2.2 y
 *   level 4  │ 0 │ 1 │ 2 │ ... │63 │  slot = 64^4 ms ≈ 4.7 h
 *   level 3  │ 0 │ 1 │ 2 │ ... │63 │  slot = 64^3 ms ≈ 4.4 min
 *   level 2  │ 0 │ 1 │ 2 │ ... │63 │  slot = 4096 ms
 *   level 1  │ 0 │ 1 │ 2 │ ... │63 │  slot = 64 ms
 *   level 0  │ 0 │ 1 │ 2 │ ... │63 │  slot = 1 ms
 *              each slot: a doubly linked list of entries ──> e <─> e <─> e
 *
 * Where an entry goes. Write `elapsed` (the time the wheel has reached) and
 * the deadline in base 64, six digits each. The highest digit where they
 * differ is the level; the deadline's digit at that level is the slot:
 *
 *   elapsed   = 00 00 00 03 17 40        (digits, level 5 first)
 *   deadline  = 00 00 00 03 21 09  ─> first difference at level 1,
 *                                      slot 21 of level 1
 *
 * Every entry in level L is due after every entry in levels below L, so the
 * next thing to do is always in the lowest occupied level, found with one
 * bitmap per level (a bit per non-empty slot).
 *
 * Cascading. When elapsed reaches the start of an occupied slot of level
 * L > 0, its entries are re-inserted: their digits now match elapsed down to
 * level L, so each falls to a lower level, until it reaches level 0, where a
 * slot is one millisecond and everything in it is due.
 *
 * Cost: insert and cancel are O(1) (compute level and slot, link or unlink);
 * an entry is moved at most once per level (6 times) in its life. A binary
 * heap would cost O(log n) for both and a cancel would need the index; a
 * sorted list O(n) to insert. The price of the wheel is coarse knowledge of
 * what is next at high levels: wheel_next_expiration gives the time the
 * wheel must next turn (a lower bound), wheel_next_deadline the exact
 * earliest deadline (it scans one slot).
 *
 * Past deadlines and "due". An entry whose deadline is at or before elapsed
 * goes on the `expired` list: it fires on the NEXT wheel_advance, never in
 * the middle of the current one, so a fired timer that re-arms itself "now"
 * cannot keep one turn going forever. wheel_advance moves expired entries
 * and entries whose slot came due to the `due` list, in deadline order;
 * wheel_pop_due hands them out one at a time.
 *
 * Deadlines further than WHEEL_MAX_MS (64^6 - 1 ms) ahead are placed as if
 * they were WHEEL_MAX_MS ahead and cascade until their real time comes.
 *
 * Threads: none. The wheel is plain single-threaded data; the driver guards
 * it with its lock (driver/driver.c).
 *
 * Tests: tests/test_wheel.c.
 */
#ifndef ASYNCLAB_DRIVER_WHEEL_H
#define ASYNCLAB_DRIVER_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/list.h"

#define WHEEL_LEVELS    6
#define WHEEL_SLOT_BITS 6
#define WHEEL_SLOTS     (1u << WHEEL_SLOT_BITS) /* 64 */
#define WHEEL_MAX_MS    ((UINT64_C(1) << (WHEEL_LEVELS * WHEEL_SLOT_BITS)) - 1)

/* Where an entry is. Only the wheel changes it. */
typedef enum wheel_state {
    WHEEL_IDLE = 0, /* in no list: never inserted, or cancelled */
    WHEEL_SLOT,     /* in slots[level][slot] */
    WHEEL_EXPIRED,  /* inserted with a past deadline: due next advance */
    WHEEL_DUE,      /* due, waiting for wheel_pop_due */
    WHEEL_FIRED,    /* handed out by wheel_pop_due */
} wheel_state_t;

/* An intrusive timer: embed it in whatever must be told about the time. */
typedef struct wheel_entry {
    list_node_t node;     /* in the list that holds it (core/list.h) */
    uint64_t deadline;    /* ms, as given to wheel_insert */
    uint8_t state;        /* wheel_state_t */
    uint8_t level, slot;  /* valid in WHEEL_SLOT */
} wheel_entry_t;

typedef list_t wheel_list_t; /* of wheel_entry_t, through node */

typedef struct wheel {
    uint64_t elapsed;                /* ms the wheel has turned to */
    size_t count;                    /* entries not IDLE or FIRED */
    uint64_t occupied[WHEEL_LEVELS]; /* bit s: slots[l][s] non-empty */
    wheel_list_t slots[WHEEL_LEVELS][WHEEL_SLOTS];
    wheel_list_t expired; /* past deadlines, next advance */
    wheel_list_t due;     /* to hand out, deadline order */
} wheel_t;

/* An empty wheel whose time is now_ms. */
void wheel_init(wheel_t *w, uint64_t now_ms);

/* Mark an entry as in no wheel (WHEEL_IDLE). */
void wheel_entry_init(wheel_entry_t *e);

/* True while e is in the wheel (inserted, not yet popped or cancelled). */
bool wheel_entry_pending(const wheel_entry_t *e);

/* Insert e, which must not be pending, to fire at deadline_ms. O(1). */
void wheel_insert(wheel_t *w, wheel_entry_t *e, uint64_t deadline_ms);

/* Take e out of the wheel if it is pending; it becomes IDLE. O(1). */
void wheel_cancel(wheel_t *w, wheel_entry_t *e);

/*
 * Turn the wheel to now_ms (never backwards): entries expired before this
 * call and entries whose deadline is <= now_ms move to the due list.
 * Returns how many entries this call made due.
 */
size_t wheel_advance(wheel_t *w, uint64_t now_ms);

/* The next due entry, now FIRED, or NULL. Call after wheel_advance. */
wheel_entry_t *wheel_pop_due(wheel_t *w);

/*
 * When the wheel must next be advanced: the start of the earliest occupied
 * slot, or elapsed when something is already due or expired. Exact when
 * the earliest entry sits at level 0; otherwise a lower bound. O(levels).
 * False when the wheel is empty.
 */
bool wheel_next_expiration(const wheel_t *w, uint64_t *when_ms);

/* The earliest deadline of any pending entry (exact; scans one slot).
 * Already due or expired entries count as due at elapsed. */
bool wheel_next_deadline(const wheel_t *w, uint64_t *deadline_ms);

/* Every pending entry is made IDLE and passed to fn (teardown). */
void wheel_drain(wheel_t *w, void (*fn)(wheel_entry_t *e, void *arg),
                 void *arg);

#endif
