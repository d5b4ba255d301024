/*
 * tests/lesson-wrong/14-spawn-every-poll.c - a plausible wrong answer to
 * lesson 14 (run by tests/lesson_wrong.sh): no memory of having spawned,
 * so every poll hands slow_checksum to the pool again and overwrites the
 * handle of the call already running; the task never sees its result.
 * expect: a later poll started the call again
 */
#include "exercise.h"

poll_t checksum_task_poll(future_t *f, context_t *cx)
{
    checksum_task_t *t = (checksum_task_t *)f;
    { /* every poll */
        if (ws_spawn_blocking(slow_checksum, (void *)t->text, "checksum",
                              &t->handle) != 0)
            return POLL_READY; /* no pool: done is false, the checker says */
        t->spawned = true;
    }
    if (join_handle_poll(&t->handle, cx) == POLL_PENDING)
        return POLL_PENDING;
    t->result = (uintptr_t)ws_blocking_output(&t->handle);
    join_handle_drop(&t->handle);
    t->done = true;
    return POLL_READY;
}
