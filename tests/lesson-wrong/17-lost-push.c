/*
 * tests/lesson-wrong/14-lost-push.c - a plausible wrong answer to lesson
 * 14's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: "pop" the top block by reading the head, then writing its
 * successor back with an exchange. A free that lands between the read and
 * the exchange is overwritten: that block never comes back.
 *
 * expect: while pool_alloc was taking the remote list was lost
 */
#include "exercise.h"

void *pool_alloc(pool_t *p)
{
    block_t *b = p->local;
    if (b != NULL) {
        p->local = b->next;
        return b;
    }
    b = remote_load(p);
    if (b == NULL)
        return pool_fresh_block();
    remote_exchange(p, b->next); /* the head is b->next now... or is it? */
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
