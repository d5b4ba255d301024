/*
 * driver/wheel.c - the hierarchical timer wheel (6 x 64 slots, 1 ms).
 *
 * Varghese & Lauck, "Hashed and Hierarchical Timing Wheels" (1987), laid
 * out as in Tokio's time driver (2020). The picture and the placement rule
 * are in driver/wheel.h; in short:
 *
 *   level = highest base-64 digit where elapsed and deadline differ
 *   slot  = the deadline's digit at that level
 *
 *   elapsed ─────────────> turns forward in wheel_advance only
 *   level 1, slot s:  [ start = s*64 ms ... start + 63 ]  <- when elapsed
 *                     reaches `start`, its entries cascade to level 0
 *
 * Single-threaded: the driver holds its lock around every call.
 *
 * Tests: tests/test_wheel.c.
 */
#include "driver/wheel.h"

#include <assert.h>
#include <string.h>

/* ---- the lists (core/list.h) -------------------------------------------- */

static wheel_entry_t *entry_of(list_node_t *n)
{
    return n != NULL ? LIST_ENTRY(n, wheel_entry_t, node) : NULL;
}

/* Move every entry of src to the end of dst, marking them `state`. */
static size_t list_splice(wheel_list_t *dst, wheel_list_t *src, uint8_t state)
{
    size_t n = src->len;
    for (list_node_t *x = src->head; x != NULL; x = x->next)
        entry_of(x)->state = state;
    list_splice_back(dst, src);
    return n;
}

/* ---- placement ----------------------------------------------------------- */

static uint64_t slot_range(unsigned level)
{
    return UINT64_C(1) << (level * WHEEL_SLOT_BITS);
}

static uint64_t level_range(unsigned level)
{
    return slot_range(level + 1);
}

/* The level for `deadline` seen from `elapsed` (deadline > elapsed). */
static unsigned level_for(uint64_t elapsed, uint64_t deadline)
{
    uint64_t masked = (elapsed ^ deadline) | (WHEEL_SLOTS - 1);
    if (masked >= WHEEL_MAX_MS)
        masked = WHEEL_MAX_MS - 1; /* top level holds everything further */
    unsigned significant = 63u - (unsigned)__builtin_clzll(masked);
    return significant / WHEEL_SLOT_BITS;
}

/* Link e into its slot; the caller has checked deadline > elapsed. */
static void insert_slot(wheel_t *w, wheel_entry_t *e)
{
    uint64_t when = e->deadline;
    if (when - w->elapsed > WHEEL_MAX_MS)
        when = w->elapsed + WHEEL_MAX_MS; /* cascades until it is real */
    unsigned level = level_for(w->elapsed, when);
    unsigned slot =
        (unsigned)(when >> (level * WHEEL_SLOT_BITS)) & (WHEEL_SLOTS - 1);
    e->state = WHEEL_SLOT;
    e->level = (uint8_t)level;
    e->slot = (uint8_t)slot;
    list_push_back(&w->slots[level][slot], &e->node);
    w->occupied[level] |= UINT64_C(1) << slot;
}

/* ---- public: init, insert, cancel ---------------------------------------- */

void wheel_init(wheel_t *w, uint64_t now_ms)
{
    memset(w, 0, sizeof *w);
    w->elapsed = now_ms;
}

void wheel_entry_init(wheel_entry_t *e)
{
    memset(e, 0, sizeof *e);
    e->state = WHEEL_IDLE;
}

bool wheel_entry_pending(const wheel_entry_t *e)
{
    return e->state == WHEEL_SLOT || e->state == WHEEL_EXPIRED ||
           e->state == WHEEL_DUE;
}

void wheel_insert(wheel_t *w, wheel_entry_t *e, uint64_t deadline_ms)
{
    assert(!wheel_entry_pending(e));
    e->deadline = deadline_ms;
    w->count++;
    if (deadline_ms <= w->elapsed) {
        /* Past (or this very ms, already turned): the next advance. */
        e->state = WHEEL_EXPIRED;
        list_push_back(&w->expired, &e->node);
        return;
    }
    insert_slot(w, e);
}

void wheel_cancel(wheel_t *w, wheel_entry_t *e)
{
    switch (e->state) {
    case WHEEL_SLOT: {
        wheel_list_t *l = &w->slots[e->level][e->slot];
        list_remove(l, &e->node);
        if (l->head == NULL)
            w->occupied[e->level] &= ~(UINT64_C(1) << e->slot);
        break;
    }
    case WHEEL_EXPIRED:
        list_remove(&w->expired, &e->node);
        break;
    case WHEEL_DUE:
        list_remove(&w->due, &e->node);
        break;
    default: /* IDLE or FIRED: in no list */
        e->state = WHEEL_IDLE;
        return;
    }
    e->state = WHEEL_IDLE;
    w->count--;
}

/* ---- finding what is next ------------------------------------------------ */

/* The earliest occupied slot of `level` and when it starts; false if none. */
static bool level_next(const wheel_t *w, unsigned level, unsigned *slot,
                       uint64_t *start)
{
    uint64_t occ = w->occupied[level];
    if (occ == 0)
        return false;
    unsigned now_slot =
        (unsigned)(w->elapsed >> (level * WHEEL_SLOT_BITS)) & (WHEEL_SLOTS - 1);
    /* Rotate so the current slot is bit 0: the first set bit is then the
     * next occupied slot going round the face from now. */
    uint64_t rotated =
        now_slot == 0 ? occ
                      : (occ >> now_slot) | (occ << (WHEEL_SLOTS - now_slot));
    unsigned s =
        ((unsigned)__builtin_ctzll(rotated) + now_slot) & (WHEEL_SLOTS - 1);
    uint64_t t = (w->elapsed & ~(level_range(level) - 1)) +
                 (uint64_t)s * slot_range(level);
    /* A slot behind elapsed (or the current one, above level 0) can only
     * hold entries a whole face ahead: the top level's far deadlines. */
    if (t < w->elapsed || (t == w->elapsed && level > 0))
        t += level_range(level);
    *slot = s;
    *start = t;
    return true;
}

/* The lowest occupied level holds the earliest slot. */
static bool next_slot(const wheel_t *w, unsigned *level, unsigned *slot,
                      uint64_t *start)
{
    for (unsigned l = 0; l < WHEEL_LEVELS; l++) {
        if (level_next(w, l, slot, start)) {
            *level = l;
            return true;
        }
    }
    return false;
}

bool wheel_next_expiration(const wheel_t *w, uint64_t *when_ms)
{
    unsigned level, slot;
    if (w->due.head != NULL || w->expired.head != NULL) {
        *when_ms = w->elapsed;
        return true;
    }
    return next_slot(w, &level, &slot, when_ms);
}

bool wheel_next_deadline(const wheel_t *w, uint64_t *deadline_ms)
{
    unsigned level, slot;
    uint64_t start;
    if (w->due.head != NULL || w->expired.head != NULL) {
        *deadline_ms = w->elapsed;
        return true;
    }
    if (!next_slot(w, &level, &slot, &start))
        return false;
    uint64_t best = UINT64_MAX;
    for (list_node_t *x = w->slots[level][slot].head; x; x = x->next)
        if (entry_of(x)->deadline < best)
            best = entry_of(x)->deadline;
    *deadline_ms = best;
    return true;
}

/* ---- turning ------------------------------------------------------------- */

/* elapsed has reached the start of slots[level][slot]: fire or cascade. */
static size_t process_slot(wheel_t *w, unsigned level, unsigned slot,
                           uint64_t start)
{
    wheel_list_t l = w->slots[level][slot];
    size_t due = 0;
    w->slots[level][slot] = LIST_EMPTY;
    w->occupied[level] &= ~(UINT64_C(1) << slot);
    w->elapsed = start;
    for (list_node_t *x = l.head, *next; x != NULL; x = next) {
        next = x->next;
        wheel_entry_t *e = entry_of(x);
        if (e->deadline <= start) {
            e->state = WHEEL_DUE;
            list_push_back(&w->due, &e->node);
            due++;
        } else {
            insert_slot(w, e); /* lands in a lower level */
        }
    }
    return due;
}

size_t wheel_advance(wheel_t *w, uint64_t now_ms)
{
    size_t due = list_splice(&w->due, &w->expired, WHEEL_DUE);
    unsigned level, slot;
    uint64_t start;
    while (next_slot(w, &level, &slot, &start) && start <= now_ms)
        due += process_slot(w, level, slot, start);
    if (now_ms > w->elapsed)
        w->elapsed = now_ms;
    return due;
}

wheel_entry_t *wheel_pop_due(wheel_t *w)
{
    wheel_entry_t *e = entry_of(list_pop_front(&w->due));
    if (e == NULL)
        return NULL;
    e->state = WHEEL_FIRED;
    w->count--;
    return e;
}

/* ---- teardown ------------------------------------------------------------ */

static void drain_list(wheel_t *w, wheel_list_t *l,
                       void (*fn)(wheel_entry_t *, void *), void *arg)
{
    while (l->head != NULL) {
        wheel_entry_t *e = entry_of(list_pop_front(l));
        e->state = WHEEL_IDLE;
        w->count--;
        fn(e, arg);
    }
}

void wheel_drain(wheel_t *w, void (*fn)(wheel_entry_t *e, void *arg), void *arg)
{
    for (unsigned l = 0; l < WHEEL_LEVELS; l++) {
        for (unsigned s = 0; s < WHEEL_SLOTS; s++)
            drain_list(w, &w->slots[l][s], fn, arg);
        w->occupied[l] = 0;
    }
    drain_list(w, &w->expired, fn, arg);
    drain_list(w, &w->due, fn, arg);
    assert(w->count == 0);
}
