/*
 * tests/lesson-wrong/14-pop-one-at-a-time.c - a plausible wrong answer to
 * lesson 17's exercise, kept so that tests/lesson_wrong.sh can check that
 * the checker catches it and says so in the words the lesson promises.
 *
 * The mistake: the owner takes the remote frees the textbook way, one
 * block per CAS, as a pop from a Treiber stack. With one taker it hands
 * out nothing twice, so only the count of operations can tell it apart:
 * one contended CAS per block instead of one exchange per list.
 *
 * expect: took the blocks freed on another thread one at a time
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
    while (b != NULL && !remote_cas(p, &b, b->next))
        ; /* a failed CAS reloaded b: try the new head */
    return b != NULL ? (void *)b : pool_fresh_block();
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
