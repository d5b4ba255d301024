/*
 * lessons/11-join-select/check.c - the checker of lesson 11's exercise.
 * `asynclab check 11` compiles it with your exercise.c and runs it.
 *
 * join_n and race are polled by hand, with a counting waker, over fake
 * children written here: a fake is READY at the poll it is told (or
 * never), keeps the waker it is given while PENDING, and counts its polls,
 * its drops, and any poll after READY or after its drop. Everything they
 * count is decided by your code alone, so every run is the same.
 *
 * deadline runs on the notify executor in virtual time (the clock jumps
 * to the next timer instead of sleeping), its inner future a sleep of
 * its own: a tie is two timers due at the same millisecond.
 */
#include "lessons/check.h"

#include <stdatomic.h>
#include <string.h>

#include "core/executor.h"
#include "driver/driver.h"
#include "exercise.h"
#include "notify_executor/notify_executor.h"

/* ---- a fake child ------------------------------------------------------- */

typedef struct fake {
    future_t base;
    int ready_at; /* READY at this poll, from 1; 0: never */
    int polls, drops;
    int after_ready, after_drop; /* polls that broke the contract */
    bool was_ready;
    waker_t waker; /* kept while PENDING */
} fake_t;

static poll_t fake_poll(future_t *f, context_t *cx)
{
    fake_t *k = (fake_t *)f;
    if (k->drops > 0) {
        k->after_drop++;
        return POLL_PENDING; /* a dropped future: touch nothing */
    }
    k->polls++;
    if (k->was_ready)
        k->after_ready++;
    if (k->ready_at != 0 && k->polls >= k->ready_at) {
        waker_drop(&k->waker);
        k->was_ready = true;
        return POLL_READY;
    }
    waker_register(&k->waker, cx);
    return POLL_PENDING;
}

static void fake_drop(future_t *f)
{
    fake_t *k = (fake_t *)f;
    k->drops++;
    waker_drop(&k->waker);
}

static fake_t fake(int ready_at)
{
    return (fake_t){.base = {fake_poll, fake_drop},
                    .ready_at = ready_at,
                    .waker = WAKER_EMPTY};
}

static poll_t poll_with(future_t *f, waker_t *w)
{
    context_t cx = {.waker = w};
    return future_poll(f, &cx);
}

/* Wakers the children keep: every live one but the caller's own. */
static int kept(counting_waker_t *c)
{
    return atomic_load(&c->live) - 1;
}

/* ---- join_n ------------------------------------------------------------- */

static void join_starts_every_child_at_once(void **state)
{
    (void)state;
    fake_t k[3] = {fake(2), fake(2), fake(2)};
    future_t *kids[3] = {&k[0].base, &k[1].base, &k[2].base};
    join_n_t j;
    join_n_init(&j, kids, 3);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    poll_t r = poll_with(&j.base, &w);
    EXPECT(r == POLL_PENDING,
           "join_n returned READY at its first poll, when no child had "
           "returned READY yet");
    for (int i = 0; i < 3; i++)
        EXPECT(k[i].polls >= 1,
               "child %d was not polled in the join's first poll: a join "
               "starts every child at once. One that stops at the first "
               "PENDING child runs them one after another, as AWAITs in a "
               "row do",
               i);
    for (int i = 0; i < 3; i++)
        EXPECT(k[i].polls == 1,
               "child %d was polled %d times in the join's first poll: once "
               "is enough (PENDING means 'I will wake you')",
               i, k[i].polls);
    EXPECT(kept(&c) == 3,
           "join_n returned PENDING with %d of its 3 pending children "
           "holding the task's waker: give each unfinished child the cx you "
           "were given, or its wake goes to nobody (a lost wakeup)",
           kept(&c));
    r = poll_with(&j.base, &w);
    EXPECT(r == POLL_READY,
           "every child returned READY at the second poll, but join_n "
           "returned PENDING");
    future_drop(&j.base);
    waker_drop(&w);
}

static void join_never_polls_a_finished_child(void **state)
{
    (void)state;
    fake_t k[3] = {fake(1), fake(3), fake(2)};
    future_t *kids[3] = {&k[0].base, &k[1].base, &k[2].base};
    join_n_t j;
    join_n_init(&j, kids, 3);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    for (int poll = 1; poll <= 3; poll++) {
        poll_t r = poll_with(&j.base, &w);
        if (poll < 3)
            EXPECT(r == POLL_PENDING,
                   "join_n returned READY at poll %d while child 1 was "
                   "still pending: READY only when every child is",
                   poll);
        else if (r != POLL_READY)
            for (int i = 0; i < 3; i++)
                EXPECT(k[i].was_ready,
                       "after the join's 3 polls, child %d had not finished: "
                       "it needs %d polls of its own and got %d. A join "
                       "polls every unfinished child at each of its polls",
                       i, k[i].ready_at, k[i].polls);
        if (poll == 3)
            EXPECT(r == POLL_READY,
                   "join_n returned PENDING at poll 3 although every child "
                   "had returned READY (child 0 at poll 1, child 2 at 2, "
                   "child 1 at 3): remember who is done");
        for (int i = 0; i < 3; i++)
            EXPECT(k[i].after_ready == 0,
                   "child %d was polled again after it returned READY (at "
                   "the join's poll %d): a future's contract ends at READY "
                   "- a finished sleep may arm itself again, a finished "
                   "read may take the next message and lose it. Remember "
                   "which children are done and skip them",
                   i, poll);
    }
    future_drop(&j.base);
    for (int i = 0; i < 3; i++)
        EXPECT(k[i].drops == 1, "child %d was dropped %d times by join_n_drop",
               i, k[i].drops);
    waker_drop(&w);
}

static void join_of_nothing_is_ready(void **state)
{
    (void)state;
    join_n_t j;
    join_n_init(&j, NULL, 0);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    EXPECT(poll_with(&j.base, &w) == POLL_READY,
           "a join of no children returned PENDING: nothing is left to wait "
           "for, and nothing will ever wake it");
    future_drop(&j.base);
    waker_drop(&w);
}

/* ---- race --------------------------------------------------------------- */

static void race_drops_the_loser_at_once(void **state)
{
    (void)state;
    fake_t a = fake(0), b = fake(2); /* a never finishes, b at poll 2 */
    race_t r;
    race_init(&r, &a.base, &b.base);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    EXPECT(poll_with(&r.base, &w) == POLL_PENDING,
           "race returned READY at its first poll, when neither child was "
           "READY");
    EXPECT(b.polls == 1,
           "race returned PENDING, but child 1 was not polled: it holds no "
           "waker, so its wake can never come (a lost wakeup). Poll both "
           "children before returning PENDING");
    EXPECT(poll_with(&r.base, &w) == POLL_READY,
           "child 1 returned READY at the race's second poll, but the race "
           "returned PENDING");
    EXPECT(r.winner == 1, "child 1 finished first, but winner is %d", r.winner);
    EXPECT(b.drops == 0,
           "the winner (child 1) was dropped by race_poll: its output is "
           "gone before the caller could read it. Only race_drop drops the "
           "winner");
    EXPECT(a.drops == 1,
           "the loser (child 0) was not dropped when the race was decided: "
           "until the race itself is dropped it keeps its waker (%d still "
           "kept) and, were it a sleep, its timer: a leak. Drop the loser "
           "before race_poll returns READY",
           kept(&c));
    future_drop(&r.base);
    EXPECT(a.drops == 1,
           "the loser was dropped %d times: once when the race was decided, "
           "and again by race_drop? Remember which children are dropped",
           a.drops);
    EXPECT(b.drops == 1,
           "the winner was dropped %d times by the end, not exactly once "
           "(by race_drop)",
           b.drops);
    EXPECT(a.after_drop == 0 && b.after_drop == 0,
           "a child was polled after its drop: a dropped future is gone");
    EXPECT(kept(&c) == 0, "%d wakers still kept after the race's drop",
           kept(&c));
    waker_drop(&w);
}

static void race_gives_a_tie_to_child_0(void **state)
{
    (void)state;
    fake_t a = fake(1), b = fake(1);
    race_t r;
    race_init(&r, &a.base, &b.base);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    EXPECT(poll_with(&r.base, &w) == POLL_READY,
           "both children were READY at the first poll, but the race "
           "returned PENDING");
    EXPECT(r.winner == 0,
           "both children could finish in the same poll and winner is %d: "
           "the race is biased, child 0 wins a tie (poll it first, stop at "
           "the first READY)",
           r.winner);
    EXPECT(a.drops == 0,
           "child 0 won the tie but race_poll dropped it: the winner's output "
           "is in it until race_drop");
    EXPECT(b.drops == 1,
           "child 1 lost the tie but was dropped %d times when the race was "
           "decided: a loser is dropped once, before READY, whether it was "
           "polled or not",
           b.drops);
    future_drop(&r.base);
    EXPECT(a.drops == 1 && b.drops == 1,
           "after race_drop: drops of child 0 %d, of child 1 %d; each child "
           "is dropped exactly once",
           a.drops, b.drops);
    waker_drop(&w);
}

static void race_drop_drops_each_child_once(void **state)
{
    (void)state;
    fake_t a = fake(0), b = fake(0);
    race_t r;
    race_init(&r, &a.base, &b.base);
    future_drop(&r.base);
    EXPECT(a.drops == 1 && b.drops == 1,
           "race_drop of a race never polled dropped child 0 %d times and "
           "child 1 %d times: each exactly once",
           a.drops, b.drops);

    fake_t x = fake(0), y = fake(0);
    race_init(&r, &x.base, &y.base);
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    poll_with(&r.base, &w);
    future_drop(&r.base); /* cancelled while both are pending */
    EXPECT(x.drops == 1 && y.drops == 1,
           "race_drop of an undecided race dropped child 0 %d times and "
           "child 1 %d times: each exactly once",
           x.drops, y.drops);
    EXPECT(kept(&c) == 0,
           "%d wakers still kept after race_drop: dropping a child gives "
           "its waker back",
           kept(&c));
    waker_drop(&w);
}

/* ---- deadline, on the notify executor in virtual time ------------------ */

/* The inner future: a sleep that counts its drops. */
typedef struct slow {
    future_t base;
    sleep_t sleep;
    int drops;
} slow_t;

static poll_t slow_poll(future_t *f, context_t *cx)
{
    return future_poll(&((slow_t *)f)->sleep.base, cx);
}

static void slow_drop(future_t *f)
{
    slow_t *s = (slow_t *)f;
    s->drops++;
    future_drop(&s->sleep.base);
}

/* block_on's future: polls the deadline, notes the moment it is READY. */
typedef struct probe {
    future_t base;
    deadline_t *d;
    slow_t *inner;
    uint64_t done_ms;
    int inner_drops;  /* at that moment */
    bool timers_left; /* a timer still in the wheel at that moment */
} probe_t;

static poll_t probe_poll(future_t *f, context_t *cx)
{
    probe_t *p = (probe_t *)f;
    if (future_poll(&p->d->race.base, cx) == POLL_PENDING)
        return POLL_PENDING;
    driver_t *drv = driver_current();
    uint64_t when;
    p->done_ms = driver_now_ms(drv);
    p->inner_drops = p->inner->drops;
    p->timers_left = driver_next_timer(drv, &when);
    return POLL_READY;
}

typedef struct outcome {
    int rc;
    bool set_up; /* deadline_init made the race of {inner, its sleep} */
    bool timed_out;
    probe_t p;
    int drops; /* inner's, after the race was dropped */
} outcome_t;

static outcome_t run_deadline(uint64_t inner_ms, uint64_t ms)
{
    outcome_t o = {0};
    executor_config_t cfg = {.kind = &notify_executor_kind,
                             .virtual_time = true};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    slow_t inner = {.base = {slow_poll, slow_drop}};
    sleep_init(&inner.sleep, inner_ms);
    deadline_t d;
    memset(&d, 0, sizeof d);
    deadline_init(&d, &inner.base, ms);
    future_t *own = &d.sleep.base;
    o.set_up = d.sleep.base.poll != NULL &&
               ((d.race.child[0] == &inner.base && d.race.child[1] == own) ||
                (d.race.child[1] == &inner.base && d.race.child[0] == own));
    if (o.set_up) {
        o.p = (probe_t){.base = {probe_poll, NULL}, .d = &d, .inner = &inner};
        o.rc = executor_block_on(ex, &o.p.base);
        o.timed_out = o.rc == 0 && deadline_timed_out(&d);
        future_drop(&d.race.base);
        o.drops = inner.drops;
    }
    executor_destroy(ex); /* before d goes: a timer left links into it */
    return o;
}

static void expect_ran(const char *test, const outcome_t *o)
{
    EXPECT_IN(test, o->set_up,
              "deadline_init did not make d->race a race of the inner "
              "future and d->sleep (sleep_init it with ms, race_init the "
              "two)");
    EXPECT_IN(test, o->rc == 0,
              "the deadline never finished: block_on found nothing left to "
              "wake it (%d). Does race_poll poll both children and return "
              "READY when one is?",
              o->rc);
}

static void deadline_gives_a_tie_to_inner(void **state)
{
    (void)state;
    outcome_t o = run_deadline(50, 50);
    expect_ran(__func__, &o);
    EXPECT(!o.timed_out,
           "deadline_timed_out is true although the inner future was READY "
           "at the same poll (both due at 50 ms, woken by one driver turn): "
           "the race is decided in index order, so the inner future must be "
           "child 0. A tie is the inner future's: its work is done");
    EXPECT(o.p.inner_drops == 0,
           "the inner future won the tie but was dropped before the caller "
           "could read its output");
    EXPECT(o.drops == 1, "the inner future was dropped %d times in all",
           o.drops);
}

static void deadline_cancels_a_slow_inner(void **state)
{
    (void)state;
    outcome_t o = run_deadline(10000, 50);
    expect_ran(__func__, &o);
    EXPECT(o.p.done_ms <= 50,
           "the deadline was READY at %llu ms, not at 50: its sleep never "
           "ran out. Was the sleep polled at the first poll? A sleep arms "
           "its timer only when polled",
           (unsigned long long)o.p.done_ms);
    EXPECT(o.timed_out,
           "the inner future needs 10 s and the deadline is 50 ms, but "
           "deadline_timed_out is false: which child of the race is the "
           "sleep?");
    EXPECT(o.p.done_ms == 50, "the deadline was READY at %llu ms, not at 50",
           (unsigned long long)o.p.done_ms);
    EXPECT(o.p.inner_drops == 1,
           "the time ran out at 50 ms but the inner future was not dropped "
           "then (dropped %d times): a timeout cancels it at once",
           o.p.inner_drops);
    EXPECT(!o.p.timers_left,
           "after the timeout a timer was still in the wheel: the inner "
           "sleep's drop takes it out");
    EXPECT(o.drops == 1, "the inner future was dropped %d times in all",
           o.drops);
}

static void deadline_lets_a_fast_inner_win(void **state)
{
    (void)state;
    outcome_t o = run_deadline(20, 50);
    expect_ran(__func__, &o);
    EXPECT(!o.timed_out,
           "the inner future was READY at 20 ms, before the 50 ms deadline, "
           "but deadline_timed_out is true");
    EXPECT(o.p.done_ms == 20, "the deadline was READY at %llu ms, not at 20",
           (unsigned long long)o.p.done_ms);
    EXPECT(!o.p.timers_left,
           "the inner future won at 20 ms but the deadline's own sleep was "
           "still in the timer wheel: drop the loser when the race is "
           "decided (its drop cancels the timer)");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(join_starts_every_child_at_once),
    cmocka_unit_test(join_never_polls_a_finished_child),
    cmocka_unit_test(join_of_nothing_is_ready),
    cmocka_unit_test(race_drops_the_loser_at_once),
    cmocka_unit_test(race_gives_a_tie_to_child_0),
    cmocka_unit_test(race_drop_drops_each_child_once),
    cmocka_unit_test(deadline_gives_a_tie_to_inner),
    cmocka_unit_test(deadline_cancels_a_slow_inner),
    cmocka_unit_test(deadline_lets_a_fast_inner_win),
};

CHECK_MAIN("lesson11", tests)
