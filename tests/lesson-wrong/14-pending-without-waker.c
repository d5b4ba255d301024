/*
 * tests/lesson-wrong/14-pending-without-waker.c - a plausible wrong answer
 * to lesson 14 (run by tests/lesson_wrong.sh): the first poll spawns the
 * call and returns PENDING at once, without polling the join handle, so
 * no waker is left anywhere and nothing ever polls the task again.
 * expect: tasks were left PENDING that nothing will wake
 */
#include "exercise.h"

poll_t checksum_task_poll(future_t *f, context_t *cx)
{
    checksum_task_t *t = (checksum_task_t *)f;
    if (!t->spawned) {
        if (ws_spawn_blocking(slow_checksum, (void *)t->text, "checksum",
                              &t->handle) != 0)
            return POLL_READY; /* no pool: done is false, the checker says */
        t->spawned = true;
        return POLL_PENDING; /* the pool will finish it */
    }
    if (join_handle_poll(&t->handle, cx) == POLL_PENDING)
        return POLL_PENDING;
    t->result = (uintptr_t)ws_blocking_output(&t->handle);
    join_handle_drop(&t->handle);
    t->done = true;
    return POLL_READY;
}
