/*
 * tests/lesson-wrong/13-slot-without-wrap.c - a plausible wrong answer to
 * lesson 13 (run by tests/lesson_wrong.sh): the slot of the first task is
 * found with % SMALL_CAP, then i is added to the slot, so a steal whose
 * tasks run past buf[15] reads and writes past the end of the ring.
 * expect: a slot is the whole index modulo SMALL_CAP
 */
#include "exercise.h"

int small_steal_half(small_ring_t *src, small_ring_t *dst, int *run,
                     uint32_t *count)
{
    uint32_t len = small_len(src);
    uint32_t n = len - len / 2; /* half, rounded up */
    if (n == 0)
        return -EAGAIN;
    if (SMALL_CAP - small_len(dst) < n - 1)
        return -ENOSPC;
    for (uint32_t i = 0; i + 1 < n; i++)
        dst->buf[dst->tail % SMALL_CAP + i] =
            src->buf[src->head % SMALL_CAP + i];
    *run = src->buf[src->head % SMALL_CAP + n - 1];
    dst->tail += n - 1;
    src->head += n;
    *count = n;
    return 0;
}
