/*
 * lessons/17-making-it-fast/exercise.c - YOUR exercise for lesson 17.
 *
 * A pool of blocks with a free list per thread and a lock-free list for
 * the frees of other threads: the heart of core/task_cache.c. The
 * contract, and the trap, are in exercise.h; read the lesson's section
 * "The exercise" before you write a line. Then:
 *
 *     asynclab check 17
 *
 * Stuck? asynclab hint 17
 */
#include "exercise.h"

void *pool_alloc(pool_t *p)
{
    /* TODO: a freed block if there is one (yours first, then everything
     * other threads gave back), else pool_fresh_block(). */
    (void)p;
    return NULL;
}

void pool_free(pool_t *p, void *block)
{
    /* TODO: the owner's free, and everybody else's. */
    (void)p;
    (void)block;
}
