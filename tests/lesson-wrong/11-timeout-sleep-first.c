/*
 * tests/lesson-wrong/11-timeout-sleep-first.c - a wrong answer to lesson 11's exercise:
 * deadline_init puts the sleep first in the race, so when the inner
 * future and the timer are due at the same millisecond the timeout
 * wins and finished work is thrown away.
 * expect: deadline_timed_out is true although the inner future was READY at the same poll
 */
#include "exercise.h"

poll_t join_n_poll(future_t *f, context_t *cx)
{
    join_n_t *j = (join_n_t *)f;
    bool all = true;
    for (size_t i = 0; i < j->n; i++) {
        if (j->ready[i])
            continue; /* finished: never polled again */
        if (future_poll(j->child[i], cx) == POLL_READY)
            j->ready[i] = true;
        else
            all = false; /* and go on: the others run too */
    }
    return all ? POLL_READY : POLL_PENDING;
}

static void drop_child(race_t *r, int i)
{
    if (r->dropped[i])
        return;
    r->dropped[i] = true;
    future_drop(r->child[i]);
}

poll_t race_poll(future_t *f, context_t *cx)
{
    race_t *r = (race_t *)f;
    for (int i = 0; i < 2; i++) {
        if (future_poll(r->child[i], cx) == POLL_READY) {
            r->winner = i;
            drop_child(r, 1 - i); /* the loser, at once */
            return POLL_READY;
        }
    }
    return POLL_PENDING;
}

void race_drop(future_t *f)
{
    race_t *r = (race_t *)f;
    drop_child(r, 0);
    drop_child(r, 1);
}

void deadline_init(deadline_t *d, future_t *inner, uint64_t ms)
{
    sleep_init(&d->sleep, ms);
    race_init(&d->race, &d->sleep.base, inner); /* wrong: the sleep first */
}

bool deadline_timed_out(const deadline_t *d)
{
    return d->race.winner == 0;
}
