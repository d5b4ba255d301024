/*
 * tests/lesson-wrong/09-join-before-receive.c - a plausible wrong
 * answer to lesson 9's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: await every producer's join first, then receive what
 * they sent. The channel holds 8 values; each producer sends 50, so it
 * waits for room that only the parent's receiving would make, while the
 * parent waits for it to finish.
 *
 * expect: only the parent's receiving makes room
 */
#include "exercise.h"

/* Spawn producer k with a clone of our sender; its join future goes in
 * joins[k]. False when spawning failed. */
static bool spawn_producer(pipeline_t *self, int k)
{
    mpsc_tx_t tx;
    mpsc_tx_clone(&self->tx, &tx);
    producer_t p;
    producer_init(&p, k, tx);
    join_handle_t h;
    if (spawn(&p.base, sizeof p, "producer", &h) != 0) {
        mpsc_tx_drop(&tx);
        return false;
    }
    join_init(&self->joins[k], h);
    return true;
}

static bool spawn_nap(pipeline_t *self)
{
    sleep_t nap;
    sleep_init(&nap, 3600 * 1000);
    join_handle_t h;
    if (spawn(&nap.base, sizeof nap, "nap", &h) != 0)
        return false;
    join_init(&self->nap_join, h);
    return true;
}

poll_t pipeline_poll(future_t *f, context_t *cx)
{
    pipeline_t *self = (pipeline_t *)f;
    ASYNC_BEGIN(self);
    for (int k = 0; k < PRODUCERS; k++)
        if (!spawn_producer(self, k))
            return POLL_READY;
    mpsc_tx_drop(&self->tx); /* only the producers' senders are left */

    for (self->k = 0; self->k < PRODUCERS; self->k++) {
        AWAIT(self, cx, &self->joins[self->k].base);
        self->joined += JOIN_OUTPUT(&self->joins[self->k], producer_t) != NULL;
    }
    if (spawn_nap(self)) {
        join_abort(&self->nap_join);
        AWAIT(self, cx, &self->nap_join.base);
        self->nap_aborted = JOIN_OUTPUT(&self->nap_join, sleep_t) == NULL;
    }

    for (;;) {
        mpsc_recv_init(&self->recv, &self->rx, &self->value);
        AWAIT(self, cx, &self->recv.base);
        if (self->recv.result != 0)
            break; /* -EPIPE: every sender is gone and the buffer empty */
        self->sum += self->value;
        self->received++;
    }

    ASYNC_END(self);
}
