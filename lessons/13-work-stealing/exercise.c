/*
 * lessons/13-work-stealing/exercise.c - YOUR exercise for lesson 13.
 *
 * Part 1: steal half of a ring, as a work-stealing thief does. Part 2:
 * copy two numbers from `asynclab run`. Contracts in exercise.h. Then:
 *
 *     asynclab check 13
 *
 * Stuck? asynclab hint 13
 */
#include "exercise.h"

int small_steal_half(small_ring_t *src, small_ring_t *dst, int *run,
                     uint32_t *count)
{
    /* TODO: n = half of src's length, rounded up; none: -EAGAIN. No room
     * for n - 1 in dst: -ENOSPC. Copy src's n - 1 oldest to dst's back,
     * hand the n-th oldest out in *run, move src->head and dst->tail, set
     * *count. Use unsigned index arithmetic and % SMALL_CAP. */
    (void)src;
    (void)dst;
    (void)run;
    (void)count;
    return -ENOSYS;
}

/* Part 2: the "steals" lines of the two runs in exercise.h. */
const long steals_2_workers_seed_1 = -1;
const long steals_4_workers_seed_7 = -1;
