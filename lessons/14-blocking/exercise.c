/*
 * lessons/14-blocking/exercise.c - YOUR exercise for lesson 14.
 *
 * This checksum task calls a blocking function right inside its poll, so
 * it stalls the worker thread for SLOW_MS each time. Move the call to the
 * blocking pool (ws_spawn_blocking) and await its join handle. The
 * picture is in exercise.h. Then:
 *
 *     asynclab check 14
 *
 * Stuck? asynclab hint 14
 */
#include "exercise.h"

poll_t checksum_task_poll(future_t *f, context_t *cx)
{
    checksum_task_t *t = (checksum_task_t *)f;
    (void)cx;
    /* TODO: this blocks the worker. Spawn slow_checksum on the blocking
     * pool on the first poll, then await the handle (join_handle_poll),
     * read ws_blocking_output, drop the handle. */
    t->result = (uintptr_t)slow_checksum((void *)t->text);
    t->done = true;
    return POLL_READY;
}

/* Part 2: from the table of `asynclab lesson 14 --run`. */
const int calls_on_worker_inline = -1;
const int calls_on_worker_pool = -1;
