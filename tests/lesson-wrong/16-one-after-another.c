/*
 * tests/lesson-wrong/16-one-after-another.c - a plausible wrong answer to
 * lesson 16's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: each piece is awaited before the next is spawned. The
 * loop reads naturally - spawn, join, add, next - and the sum is right,
 * with sixteen pieces and short polls; but only one piece exists at any
 * time, so the pieces run one after another and the second worker has
 * nothing to steal: ws takes as long as notify.
 *
 * expect: each was awaited before the next was spawned
 */
#include "exercise.h"

#define PIECES 16

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
    for (self->k = 0; self->k < PIECES; self->k++) {
        piece_t p = {.base = {.poll = piece_poll, .drop = NULL},
                     .from = (uint64_t)UNITS * self->k / PIECES,
                     .to = (uint64_t)UNITS * (self->k + 1) / PIECES};
        join_handle_t h;
        if (spawn(&p.base, sizeof p, "piece", &h) != 0)
            break;
        join_init(&self->joins[self->k], h);
        AWAIT(self, cx, &self->joins[self->k].base);
        self->sum += JOIN_OUTPUT(&self->joins[self->k], piece_t)->sum;
    }
    ASYNC_END(self);
}
