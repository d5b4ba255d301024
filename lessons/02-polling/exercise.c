/*
 * lessons/02-polling/exercise.c - YOUR exercise for lesson 2.
 *
 * Write line_reader_poll: a future that reads a line from a non-blocking
 * source. The contract, its trap and a picture are in exercise.h. Then:
 *
 *     asynclab check 2
 *
 * Stuck? asynclab hint 2
 */
#include "exercise.h"

poll_t line_reader_poll(future_t *f, context_t *cx)
{
    line_reader_t *r = (line_reader_t *)f;
    (void)r;
    (void)cx;
    /* TODO */
    return POLL_PENDING;
}
