/*
 * lessons/04-spin-executor/exercise.c - YOUR exercise for lesson 4.
 *
 * Write the spin executor's step (and run), over the ring of futures in
 * exercise.h. The contract, what must hold after every step, and the trap
 * are there. Then:
 *
 *     asynclab check 4
 *
 * Stuck? asynclab hint 4
 */
#include "exercise.h"

int mini_spin_step(mini_spin_t *s)
{
    /* TODO */
    (void)s;
    return -ENOSYS;
}

int mini_spin_run(mini_spin_t *s)
{
    /* TODO */
    (void)s;
    return -ENOSYS;
}
