/*
 * tests/lesson-wrong/16-pending-without-wake.c - a plausible wrong answer
 * to lesson 16's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: a piece "yields" by returning PENDING between its steps
 * without waking itself (the wake that YIELD_NOW does). Nothing will
 * ever wake it: it is never polled again, and the run can only stop. The
 * notify executor sees every task pending with no waker alive and ends
 * block_on with -EDEADLK (lesson 5's lost wakeup).
 *
 * expect: a task returned PENDING with nothing left to wake it
 */
#include "exercise.h"

#define PIECES 16 /* 8 a worker: a piece that ends early leaves others */

poll_t piece_poll(future_t *f, context_t *cx)
{
    piece_t *self = (piece_t *)f;
    (void)cx;
    ASYNC_BEGIN(self);
    for (self->at = self->from; self->at < self->to;) {
        uint64_t end = self->to - self->at > STEP_MAX ? self->at + STEP_MAX
                                                      : self->to;
        self->sum += crunch(self->at, end);
        self->at = end;
        if (self->at < self->to) { /* a yield without its wake */
            self->async = 1;
            return POLL_PENDING;
        case 1:;
        }
    }
    ASYNC_END(self);
}

poll_t split_poll(future_t *f, context_t *cx)
{
    split_t *self = (split_t *)f;
    ASYNC_BEGIN(self);
    self->n = PIECES;
    for (int k = 0; k < PIECES; k++) {
        piece_t p = {.base = {.poll = piece_poll, .drop = NULL},
                     .from = (uint64_t)UNITS * k / PIECES,
                     .to = (uint64_t)UNITS * (k + 1) / PIECES};
        join_handle_t h;
        if (spawn(&p.base, sizeof p, "piece", &h) != 0) {
            self->n = k; /* refused: join those spawned; the sum is short */
            break;
        }
        join_init(&self->joins[k], h);
    }
    for (self->k = 0; self->k < self->n; self->k++) {
        AWAIT(self, cx, &self->joins[self->k].base);
        piece_t *done = JOIN_OUTPUT(&self->joins[self->k], piece_t);
        if (done != NULL)
            self->sum += done->sum;
        join_drop(&self->joins[self->k]);
    }
    ASYNC_END(self);
}
