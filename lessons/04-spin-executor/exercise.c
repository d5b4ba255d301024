/*
 * lessons/04-spin-executor/exercise.c - YOUR exercise for lesson 4.
 *
 * Part 1: write the spin executor's step (and run), over the ring of
 * futures in exercise.h. Part 2: run a comparison and answer three
 * questions from its table. Then:
 *
 *     asynclab check 4
 *
 * Stuck? asynclab hint 4
 */
#include "exercise.h"

int mini_spin_step(mini_spin_t *s)
{
    /* TODO: pop the front future (mini_spin_pop); none -> return 0.
     * Poll it once with a context holding &s->noop and count the poll.
     * PENDING: count a wasted poll, push it back. READY: count it
     * completed. Return 1. */
    (void)s;
    return -ENOSYS;
}

int mini_spin_run(mini_spin_t *s)
{
    /* TODO: step until there is nothing left to step. */
    (void)s;
    return -ENOSYS;
}

/* Part 2: run this, then answer "spin" or "notify" for each:
 *     asynclab compare sleepers --executors spin,notify --tasks 100 --ms 200
 */
const char *const compare_least_cpu = "TODO";
const char *const compare_most_wasted = "TODO";
const char *const compare_cpu_per_wall = "TODO";
