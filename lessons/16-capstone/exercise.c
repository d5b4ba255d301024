/*
 * lessons/16-capstone/exercise.c - YOUR exercise for lesson 16.
 *
 * Write the job of the capstone workload (exercise.h): sleep, yield, send.
 * The checker runs the whole workload on the spin, notify and
 * work-stealing executors and checks the result on each; then answer
 * three questions from the comparison. Then:
 *
 *     asynclab check 16
 *
 * Stuck? asynclab hint 16
 */
#include "exercise.h"

poll_t job_poll(future_t *f, context_t *cx)
{
    job_t *self = (job_t *)f;
    (void)cx;
    /* TODO, with the macros: sleep (self->id % 5) * 10 ms; YIELD_NOW
     * YIELDS times (count with self->i); send self->id * self->id on
     * self->tx (the value must live in self->value). */
    (void)self;
    return POLL_READY;
}

/* Part 2: "spin", "notify" or "ws". */
const char *const most_polls = "TODO";
const char *const shallowest_queue = "TODO";
const char *const only_stealer = "TODO";
