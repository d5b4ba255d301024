/*
 * tests/lesson-wrong/16-one-big-task.c - a plausible wrong answer to
 * lesson 16's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: the whole job in ONE task. It is a well-behaved task - it
 * crunches STEP_MAX units a poll and yields between - and the sum is
 * right on every executor; but a task runs on one worker at a time, so
 * the second worker has nothing to take and ws is no faster than notify.
 *
 * expect: the work was split into 1 task:
 */
#include "exercise.h"

poll_t piece_poll(future_t *f, context_t *cx)
{
    piece_t *self = (piece_t *)f;
    ASYNC_BEGIN(self);
    for (self->at = self->from; self->at < self->to;) {
        uint64_t end = self->to - self->at > STEP_MAX ? self->at + STEP_MAX
                                                      : self->to;
        self->sum += crunch(self->at, end);
        self->at = end;
        YIELD_NOW(self, cx);
    }
    ASYNC_END(self);
}

poll_t split_poll(future_t *f, context_t *cx)
{
    split_t *self = (split_t *)f;
    ASYNC_BEGIN(self);
    piece_t p = {.base = {.poll = piece_poll, .drop = NULL},
                 .from = 0,
                 .to = UNITS};
    join_handle_t h;
    if (spawn(&p.base, sizeof p, "piece", &h) != 0)
        return POLL_READY;
    join_init(&self->joins[0], h);
    AWAIT(self, cx, &self->joins[0].base);
    self->sum = JOIN_OUTPUT(&self->joins[0], piece_t)->sum;
    ASYNC_END(self);
}
