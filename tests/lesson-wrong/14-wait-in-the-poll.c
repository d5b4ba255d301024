/*
 * tests/lesson-wrong/14-wait-in-the-poll.c - a plausible wrong answer to
 * lesson 14 (run by tests/lesson_wrong.sh): the call goes to the blocking
 * pool, but the poll loops on the join handle until it is READY, so the
 * worker is stalled for the whole call anyway.
 * expect: the poll waited for the call
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
    }
    while (join_handle_poll(&t->handle, cx) == POLL_PENDING)
        ; /* wait for the pool */
    t->result = (uintptr_t)ws_blocking_output(&t->handle);
    join_handle_drop(&t->handle);
    t->done = true;
    return POLL_READY;
}
