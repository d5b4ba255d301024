/*
 * tests/lesson-wrong/14-take-without-emptying.c - a plausible wrong answer
 * to lesson 17's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: the owner "takes" the remote list by reading its head, but
 * leaves the list where it is. The same blocks are found there again
 * later, while they are in use.
 *
 * expect: the same block twice
 */
#include "exercise.h"

void *pool_alloc(pool_t *p)
{
    if (p->local == NULL)
        p->local = remote_load(p);
    block_t *b = p->local;
    if (b == NULL)
        return pool_fresh_block();
    p->local = b->next;
    return b;
}

void pool_free(pool_t *p, void *block)
{
    block_t *b = block;
    if (pool_is_mine(p)) {
        b->next = p->local;
        p->local = b;
        return;
    }
    block_t *head = remote_load(p);
    do
        b->next = head;
    while (!remote_cas(p, &head, b));
}
