/*
 * lessons/13-work-stealing/exercise.c - YOUR exercise for lesson 13:
 * steal half of a ring, as a work-stealing thief does. The contract and
 * its trap are in exercise.h. Then:
 *
 *     asynclab check 13
 *
 * Stuck? asynclab hint 13
 */
#include "exercise.h"

int small_steal_half(small_ring_t *src, small_ring_t *dst, int *run,
                     uint32_t *count)
{
    /* TODO: exercise.h's contract. */
    (void)src;
    (void)dst;
    (void)run;
    (void)count;
    return -ENOSYS;
}
