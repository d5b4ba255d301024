/*
 * tests/lesson-wrong/14-cas-without-retry.c - a plausible wrong answer to
 * lesson 17's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: a remote free makes one CAS and does not look at its
 * result. Alone, the CAS always succeeds, so every single-threaded test
 * passes; when another free or the owner's take changes the head between
 * the load and the CAS, the CAS fails and the block is lost. Only the
 * four-thread test can see it (its remote_load gives the CPU away now and
 * then, so that such races happen on two cores too).
 *
 * expect: frees were lost
 */
#include "exercise.h"

void *pool_alloc(pool_t *p)
{
    /* Local list empty: take every remote free at once, but only if there
     * is one (the load is a plain read of the line; the exchange a locked
     * write to it). The exchange compares nothing, so nothing it relies on
     * can have gone stale: a push that lands after the load is simply in
     * the list it returns. */
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
    if (pool_is_mine(p)) {
        b->next = p->local;
        p->local = b;
        return;
    }
    block_t *head = remote_load(p);
    b->next = head;
    remote_cas(p, &head, b); /* and if it failed? */
}
