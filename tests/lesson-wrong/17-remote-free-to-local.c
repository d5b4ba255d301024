/*
 * tests/lesson-wrong/14-remote-free-to-local.c - a plausible wrong answer
 * to lesson 17's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: every free goes onto the local list, whichever thread makes
 * it. On another thread that is a data race on the owner's list (two
 * threads writing `local` with nothing to order them), and blocks vanish
 * or come out twice.
 *
 * expect: never touched the remote list
 */
#include "exercise.h"

void *pool_alloc(pool_t *p)
{
    if (p->local == NULL && remote_load(p) != NULL)
        p->local = remote_exchange(p, NULL);
    block_t *b = p->local;
    if (b == NULL)
        return pool_fresh_block();
    p->local = b->next;
    return b;
}

void pool_free(pool_t *p, void *block)
{
    block_t *b = block;
    b->next = p->local;
    p->local = b;
}
