/*
 * tests/lesson-wrong/14-exchange-without-looking.c - a plausible wrong
 * answer to lesson 17's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: correct, but every allocation from an empty pool pays an
 * exchange on the remote list, a locked write to the cache line the
 * freeing threads write, even when there is nothing to take.
 *
 * expect: look before you take
 */
#include "exercise.h"

void *pool_alloc(pool_t *p)
{
    if (p->local == NULL)
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
