/*
 * tests/lesson-wrong/13-round-down.c - a plausible wrong answer to lesson
 * 13 (run by tests/lesson_wrong.sh): "half" taken as len / 2, rounded
 * down, so a ring of 5 gives 2 and a ring of one task gives nothing; a
 * lone task on a busy worker is never helped.
 * expect: half of 5, rounded up, is 3
 */
#include "exercise.h"

int small_steal_half(small_ring_t *src, small_ring_t *dst, int *run,
                     uint32_t *count)
{
    uint32_t len = small_len(src);
    uint32_t n = len / 2;
    if (n == 0)
        return -EAGAIN;
    if (SMALL_CAP - small_len(dst) < n - 1)
        return -ENOSPC;
    for (uint32_t i = 0; i + 1 < n; i++)
        dst->buf[(dst->tail + i) % SMALL_CAP] =
            src->buf[(src->head + i) % SMALL_CAP];
    *run = src->buf[(src->head + n - 1) % SMALL_CAP];
    dst->tail += n - 1;
    src->head += n;
    *count = n;
    return 0;
}
