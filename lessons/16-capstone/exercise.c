/*
 * lessons/16-capstone/exercise.c - YOUR exercise for lesson 16.
 *
 * Split a CPU-bound job into tasks so that two workers finish it in
 * about half the time of one. The contract and the traps are in
 * exercise.h; the job is crunch(0, UNITS). Then:
 *
 *     asynclab check 16
 *     asynclab check 16 --verbose    # also the speed-up it measured
 *
 * Stuck? asynclab hint 16
 */
#include "exercise.h"

poll_t piece_poll(future_t *f, context_t *cx)
{
    piece_t *self = (piece_t *)f;
    (void)cx;
    /* TODO: crunch this piece's units, never more than STEP_MAX in one
     * poll; its result goes in self->sum. */
    (void)self;
    return POLL_READY;
}

poll_t split_poll(future_t *f, context_t *cx)
{
    split_t *self = (split_t *)f;
    (void)cx;
    /* TODO: have tasks compute crunch(0, UNITS) into self->sum. */
    (void)self;
    return POLL_READY;
}
