/*
 * lessons/09-tasks/exercise.c - YOUR exercise for lesson 9.
 *
 * Write the pipeline: spawn producers (tasks that run concurrently with
 * you), receive from a channel until it ends, abort a task, await join
 * futures. The picture is in exercise.h. Then:
 *
 *     asynclab check 9
 *
 * Stuck? asynclab hint 9
 */
#include "exercise.h"

poll_t pipeline_poll(future_t *f, context_t *cx)
{
    pipeline_t *self = (pipeline_t *)f;
    (void)cx;
    /* TODO, with ASYNC_BEGIN ... ASYNC_END:
     *  1. for each k < PRODUCERS: clone self->tx (mpsc_tx_clone), build a
     *     producer with it (producer_init), spawn it with a join handle
     *     (spawn(&p.base, sizeof p, "producer", &h)), join_init
     *     self->joins[k] with the handle;
     *  2. drop self->tx;
     *  3. loop: mpsc_recv_init + AWAIT self->recv; stop when its result is
     *     not 0; add self->value to self->sum, count self->received;
     *  4. spawn a sleep_t of one hour with a handle into self->nap_join,
     *     join_abort it, AWAIT it, set self->nap_aborted when
     *     JOIN_OUTPUT(&self->nap_join, sleep_t) is NULL;
     *  5. AWAIT each self->joins[self->k] and count self->joined. */
    (void)self;
    return POLL_READY;
}
