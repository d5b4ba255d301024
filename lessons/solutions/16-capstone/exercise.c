/*
 * lessons/solutions/16-capstone/exercise.c - the reference solution.
 * See lessons/16-capstone/exercise.h for the workload.
 */
#include "exercise.h"

poll_t job_poll(future_t *f, context_t *cx)
{
    job_t *self = (job_t *)f;
    ASYNC_BEGIN(self);
    sleep_init(&self->nap, (uint64_t)(self->id % 5) * 10);
    AWAIT(self, cx, &self->nap.base);
    for (self->i = 0; self->i < YIELDS; self->i++)
        YIELD_NOW(self, cx);
    self->value = self->id * self->id;
    mpsc_send_init(&self->send, &self->tx, &self->value);
    AWAIT(self, cx, &self->send.base);
    ASYNC_END(self);
}

const char *const most_polls = "spin";
const char *const shallowest_queue = "ws";
const char *const only_stealer = "ws";
