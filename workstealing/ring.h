/*
 * workstealing/ring.h - a worker's local run queue: 256 slots, one owner,
 * any number of thieves. Private to workstealing/.
 *
 * The algorithm is Tokio's local queue (Carl Lerche, "Making the Tokio
 * scheduler 10x faster", 2019): a fixed ring, the owner pushing at the
 * tail and popping at the head, thieves taking half from the head.
 *
 *   head: ONE 64-bit atomic = steal (high 32 bits) | real (low 32 bits)
 *   tail: 32 bits, on a cache line of its own
 *
 *                 steal               real                       tail
 *                   |                   |                          |
 *                   v                   v                          v
 *   buf  ... | free | claimed | claimed | queued | queued | queued | free | ...
 *                   \__________________/\_________________________/
 *                       [steal, real)          [real, tail)
 *                      a thief copies             queued
 *
 *   owner  push:  buf[tail % 256] = t; tail++          (one release store)
 *          pop:   take buf[real % 256]; real++         (CAS on head)
 *   thief  steal: CAS real += n (claim), copy n slots, CAS steal = real
 *
 * The three indices never reset: they are 32-bit counters that wrap, and
 * a slot is index % 256. Distances are computed with unsigned
 * subtraction (tail - steal), which is right across the wrap as long as
 * no distance exceeds 2^32 - a ring of 256 is far from that.
 *
 * Why head packs two indices. While a thief copies its claimed slots,
 * the owner must not overwrite them: the owner measures free space from
 * steal, not real, so the claimed slots still count as full. When steal
 * != real a steal is in progress, and every other thief backs off (one
 * thief at a time per victim). Packing both into one word means one CAS
 * reads and moves both; and because the indices only ever grow, a CAS
 * that expects an old head can never succeed against a new head that
 * happens to hold the same pointers (the ABA problem cannot strike: the
 * ring holds indices, not pointers, and an index comes back only after
 * 2^32 operations).
 *
 * Why the owner pops with a CAS. Popping from the head means sharing
 * head with the thieves, so a pop must claim its slot as they do. The
 * classic alternative (Chase and Lev, 2005) pops from the tail, which
 * the owner alone moves, and pays a full fence instead; but it runs the
 * newest task first, and the FIFO order is what makes a yield go to the
 * back. The push, the hot operation, stays a plain store.
 *
 * Why steal half. Taking half (rounded up) of the victim's queue balances
 * the two workers in one operation; taking one would make a thief come
 * back 128 times. The thief's own ring must have room for 128.
 *
 * Overflow. When the owner pushes into a full ring it moves half of it
 * (128 tasks) plus the new task to the inject queue in one batch; with a
 * steal in progress it moves just the new task (the thief is about to make
 * room). Pushing to the inject queue takes its lock, but once for 129
 * tasks. The ring only cuts the batch out; the worker pushes it.
 *
 * Who may touch what:
 *   head   any thread, atomic (owner pops by CAS; thieves claim by CAS)
 *   tail   written by the owner only; read by thieves (atomic)
 *   buf    written by the owner only (its pushes, its steals INTO this
 *          ring); read by the owner and by the thief holding a claim
 *   max_len owner writes, anyone reads (statistics)
 *
 * head and tail sit on separate cache lines: thieves hammer head, the
 * owner writes tail on every push, and sharing a line would make every
 * push invalidate every thief's view of head and the other way round.
 *
 * Tests: tests/test_ring.c.
 */
#ifndef ASYNCLAB_WORKSTEALING_RING_H
#define ASYNCLAB_WORKSTEALING_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/task.h"

#define WS_RING_CAP   256u
#define WS_RING_MASK  (WS_RING_CAP - 1)
#define WS_CACHE_LINE 64
/* Head and tail each on a line of its own, so that a thief's CAS on head
 * does not take the line the owner writes tail in; -DASYNCLAB_NO_LINE_ALIGN
 * packs them together, to measure what that buys (lesson 17). */
#ifndef ASYNCLAB_NO_LINE_ALIGN
#define WS_RING_ALIGN alignas(WS_CACHE_LINE)
#else
#define WS_RING_ALIGN
#endif

typedef struct ws_ring {
    WS_RING_ALIGN _Atomic uint64_t head; /* steal << 32 | real */
    WS_RING_ALIGN _Atomic uint32_t tail;
    _Atomic uint32_t max_len; /* statistics; same line as tail: owner's */
    alignas(WS_CACHE_LINE) task_t *buf[WS_RING_CAP];
} ws_ring_t;

/* An empty ring whose indices start at 0. */
void ws_ring_init(ws_ring_t *r);

/* An empty ring whose indices start at start: tests use it to cross the
 * 2^32 wrap after a few pushes. */
void ws_ring_init_at(ws_ring_t *r, uint32_t start);

/* What a push into a full ring gives back: tasks linked first -> ... ->
 * last through task->next, for the caller to move to the inject queue. */
typedef struct ws_batch {
    task_t *first;
    task_t *last;
    uint32_t n;
} ws_batch_t;

/*
 * Owner only. Append t (the ring takes its queue reference) and return
 * true. When the ring is full, return false with *overflow holding what
 * must go to the inject queue instead: the oldest half of the ring plus
 * t (WS_RING_CAP / 2 + 1 tasks, t last), or t alone when a thief is
 * mid-steal (it is about to make room). The caller pushes the batch, so
 * that it can trace each task first (ws_inject_push_batch).
 */
bool ws_ring_push_back(ws_ring_t *r, task_t *t, ws_batch_t *overflow);

/*
 * Owner only. Append the n tasks linked through task->next from first,
 * with one release store. The caller checked there is room
 * (n <= ws_ring_remaining).
 */
void ws_ring_push_list(ws_ring_t *r, task_t *first, uint32_t n);

/* Owner only. The oldest task, or NULL when empty. */
task_t *ws_ring_pop(ws_ring_t *r);

/*
 * A thief (the owner of dst) steals half (rounded up) of src's tasks into
 * dst and returns one of them to run at once; *count is how many it took
 * in all (the returned one included). NULL with *count 0 when src is
 * empty, another thief is busy on src, or dst has less than half a ring
 * free.
 */
task_t *ws_ring_steal_into(ws_ring_t *src, ws_ring_t *dst, uint32_t *count);

/* Owner only: free slots (counting slots a thief is still copying out as
 * full). */
uint32_t ws_ring_remaining(ws_ring_t *r);

/* Any thread: tasks queued (a snapshot; exact for the owner). */
uint32_t ws_ring_len(ws_ring_t *r);

static inline bool ws_ring_is_empty(ws_ring_t *r)
{
    return ws_ring_len(r) == 0;
}

#endif
