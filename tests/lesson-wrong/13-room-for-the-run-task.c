/*
 * tests/lesson-wrong/13-room-for-the-run-task.c - a plausible wrong answer
 * to lesson 13 (run by tests/lesson_wrong.sh): the room check asks the
 * thief for n free slots, counting the task it runs at once, so a steal
 * that just fits is refused.
 * expect: the 5th is run, it needs no slot
 */
#include "exercise.h"

int small_steal_half(small_ring_t *src, small_ring_t *dst, int *run,
                     uint32_t *count)
{
    uint32_t len = small_len(src);
    uint32_t n = len - len / 2; /* half, rounded up */
    if (n == 0)
        return -EAGAIN;
    if (SMALL_CAP - small_len(dst) < n)
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
