/*
 * tests/lesson-wrong/16-whole-piece-per-poll.c - a plausible wrong answer
 * to lesson 16's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: the split is right - sixteen pieces, all spawned before
 * the first join - but each piece crunches all its units in its first
 * poll. It is even fast on an idle machine. But a poll is the only place
 * a scheduler can act: while it runs, its worker serves nothing else, a
 * timer or a message for another task on that worker waits, and a task
 * that arrives late cannot be balanced (lesson 15).
 *
 * expect: more than STEP_MAX
 */
#include "exercise.h"

#define PIECES 16

poll_t piece_poll(future_t *f, context_t *cx)
{
    (void)cx;
    piece_t *self = (piece_t *)f;
    self->sum = crunch(self->from, self->to);
    return POLL_READY;
}

poll_t split_poll(future_t *f, context_t *cx)
{
    split_t *self = (split_t *)f;
    ASYNC_BEGIN(self);
    for (int k = 0; k < PIECES; k++) {
        piece_t p = {.base = {.poll = piece_poll, .drop = NULL},
                     .from = (uint64_t)UNITS * k / PIECES,
                     .to = (uint64_t)UNITS * (k + 1) / PIECES};
        join_handle_t h;
        if (spawn(&p.base, sizeof p, "piece", &h) != 0)
            break;
        join_init(&self->joins[k], h);
        self->n = k + 1;
    }
    for (self->k = 0; self->k < self->n; self->k++) {
        AWAIT(self, cx, &self->joins[self->k].base);
        self->sum += JOIN_OUTPUT(&self->joins[self->k], piece_t)->sum;
    }
    ASYNC_END(self);
}
