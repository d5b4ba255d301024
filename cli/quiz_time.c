/*
 * cli/quiz_time.c - lesson 7's questions: the driver's time, the wheel.
 *
 *   level        which level of the wheel a sleep lands on
 *   cascade      when its entry leaves that level for a lower one
 *   fires-first  at what time the next timer fires
 *   wakeups      how many driver turns one long sleep takes
 *
 * level and cascade ask the wheel itself (driver/wheel.h): a wheel at the
 * sleep's "now" gets the sleep's deadline, and its own fields and
 * wheel_next_expiration say where the entry is and when it moves. The
 * run's TIMER_ADD line, which the model words with the same rule, is the
 * proof. The others read the run.
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"
#include "driver/wheel.h"

/* timers on notify, with sleeps long enough to reach levels 1 and 2. */
static int timers_run(quiz_t *q, bool long_sleeps)
{
    static const int lo[] = {3, 70, 4200}, hi[] = {60, 3000, 9000};
    int band = long_sleeps ? quiz_rng_range(&q->rng, 1, 2)
                           : quiz_rng_range(&q->rng, 0, 2);
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = quiz_rng_range(&q->rng, 2, 4);
    p.ms = quiz_rng_range(&q->rng, lo[band], hi[band]);
    p.rounds = quiz_rng_range(&q->rng, 1, 3);
    int err = quiz_run_scenario(&q->run, "timers", "notify", 1, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "timers on the notify executor, virtual time (a park jumps the "
            "clock):\n  %s.\nThe wheel: %d levels of %u slots; a slot of "
            "level L spans 64^L ms.\n",
            q->run.what, WHEEL_LEVELS, WHEEL_SLOTS);
    return 0;
}

/* A TIMER_ADD the seed picks (min_level: its level at least this). */
static size_t pick_timer(quiz_t *q, int min_level)
{
    size_t cand[1024], n = 0;
    for (size_t k = 1; k <= q->run.n && n < 1024; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_TIMER_ADD &&
            viz_timer_level(ev->a, ev->b) >= min_level)
            cand[n++] = k;
    }
    return n == 0 ? 0 : quiz_pick(q, cand, n);
}

static void ask_about_sleep(quiz_t *q, size_t k)
{
    const trace_event_t *ev = quiz_ev(&q->run, k);
    fprintf(q->ask,
            "at %" PRIu64 " ms (the wheel has turned to %" PRIu64 " ms) t%"
            PRIu64 " sleeps %" PRIu64 " ms: deadline %" PRIu64 " ms.\n",
            ev->b, ev->b, ev->task, ev->a - ev->b, ev->a);
}

/* The run, a sleep the seed picks (its level at least min_level), and
 * that sleep's entry alone in a fresh wheel at its moment, as the
 * driver's was: *k its TIMER_ADD, or -ENODATA. */
static int sleep_on_a_wheel(quiz_t *q, bool cascades, int min_level,
                            wheel_t *w, wheel_entry_t *e, size_t *k)
{
    int err = timers_run(q, cascades);
    if (err != 0)
        return err;
    *k = pick_timer(q, min_level);
    if (*k == 0)
        return -ENODATA;
    const trace_event_t *ev = quiz_ev(&q->run, *k);
    wheel_init(w, ev->b);
    wheel_entry_init(e);
    wheel_insert(w, e, ev->a);
    return 0;
}

static int level(quiz_t *q)
{
    wheel_t w;
    wheel_entry_t e;
    size_t k;
    int err = sleep_on_a_wheel(q, false, 0, &w, &e, &k);
    if (err != 0)
        return err;
    const trace_event_t *ev = quiz_ev(&q->run, k);
    ask_about_sleep(q, k);
    fprintf(q->ask, "On which level of the wheel (0 to %d) does its entry "
                    "land?\n",
            WHEEL_LEVELS - 1);
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%u", (unsigned)e.level);
    quiz_prove(q, k);
    fprintf(q->why,
            "write both times in base 64: %" PRIu64 " and %" PRIu64 ". The "
            "level is the highest digit\nwhere they differ (level L counts "
            "64^L ms), and the slot is the deadline's digit\nthere: level "
            "%u, slot %u.\n",
            ev->b, ev->a, (unsigned)e.level, (unsigned)e.slot);
    wheel_cancel(&w, &e);
    return 0;
}

static int cascade(quiz_t *q)
{
    wheel_t w;
    wheel_entry_t e;
    size_t k;
    int err = sleep_on_a_wheel(q, true, 1, &w, &e, &k);
    if (err != 0)
        return err;
    const trace_event_t *ev = quiz_ev(&q->run, k);
    unsigned from = e.level;
    uint64_t when = 0;
    wheel_next_expiration(&w, &when);
    wheel_advance(&w, when);
    ask_about_sleep(q, k);
    fprintf(q->ask, "Its entry lands on level %u. At what time (ms) does it "
                    "cascade to a lower level\n(if nothing else moves the "
                    "wheel first)?\n",
            from);
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%" PRIu64, when);
    quiz_prove(q, k);
    for (size_t j = k + 1; j <= q->run.n; j++) {
        const trace_event_t *t = quiz_ev(&q->run, j);
        if (t->kind == TRACE_DRIVER_TURN && t->time_ns / 1000000 >= when) {
            quiz_prove(q, j);
            break;
        }
    }
    fprintf(q->why,
            "an entry on level %u moves down when the wheel reaches the start "
            "of its slot:\nthe deadline %" PRIu64 " with its lower %u base-64 "
            "digit%s set to zero, %" PRIu64 " ms. There it is\ninserted again "
            "and falls to level %u (wheel_advance, then its level field).\n",
            from, ev->a, from, from == 1 ? "" : "s", when,
            (unsigned)e.level);
    wheel_cancel(&w, &e);
    return 0;
}

static int fires_first(quiz_t *q)
{
    int err = timers_run(q, false);
    if (err != 0)
        return err;
    size_t cand[1024], n = 0;
    for (size_t k = 1; k <= q->run.n && n < 1024; k++)
        if (quiz_ev(&q->run, k)->kind == TRACE_PARK &&
            quiz_model_at(&q->run, k)->driver.n_timers > 0 &&
            quiz_next(&q->run, k, TRACE_TIMER_FIRE, 0) != 0)
            cand[n++] = k;
    if (n == 0)
        return -ENODATA;
    size_t at = quiz_pick(q, cand, n);
    quiz_show(q, at, QUIZ_SHOW_RECENT);
    /* The sleeps as they were asked for, not their deadlines. */
    const viz_model_t *m = quiz_model_at(&q->run, at);
    fprintf(q->state, "  the sleeps still pending, as armed:\n");
    for (size_t i = 0; i < m->driver.n_timers; i++) {
        uint64_t task = m->driver.timers[i].task;
        size_t add = quiz_prev(&q->run, at + 1, TRACE_TIMER_ADD, task);
        const trace_event_t *ev = quiz_ev(&q->run, add);
        if (ev != NULL)
            fprintf(q->state, "    t%-4" PRIu64 " at %" PRIu64 " ms, for %"
                              PRIu64 " ms\n",
                    task, ev->b, ev->a - ev->b);
    }
    size_t fire = quiz_next(&q->run, at, TRACE_TIMER_FIRE, 0);
    const trace_event_t *f = quiz_ev(&q->run, fire);
    fprintf(q->ask, "the executor parks in the driver. At what time (ms) does "
                    "the next timer fire?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%" PRIu64, f->a);
    quiz_prove(q, at);
    quiz_prove(q, fire);
    q->reveal = fire;
    fprintf(q->why,
            "a sleep of D ms armed at T is due at T + D (T rounded up; here "
            "the virtual clock\nis on whole ms), and the earliest deadline "
            "fires first; the virtual clock\njumps there.\n");
    return 0;
}

/* On a real clock the driver sleeps until wheel_next_expiration: the
 * deadline when the entry is on level 0, else the start of its slot,
 * where it cascades. Count those wake-ups with the wheel itself (the
 * simulated run's virtual clock jumps straight to the deadline, so the
 * run shows only the sleep's level). */
static int wakeups(quiz_t *q)
{
    static const int lo[] = {10, 70, 4200}, hi[] = {60, 4000, 60000};
    int band = quiz_rng_range(&q->rng, 0, 2);
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = 1;
    p.ms = quiz_rng_range(&q->rng, lo[band], hi[band]);
    int err = quiz_run_scenario(&q->run, "sleepers", "notify", 1, q->seed, &p);
    if (err != 0)
        return err;
    size_t add = quiz_next(&q->run, 0, TRACE_TIMER_ADD, 0);
    if (add == 0)
        return -ENODATA;
    const trace_event_t *ev = quiz_ev(&q->run, add);
    fprintf(q->setup,
            "One task sleeps %d ms, armed at %" PRIu64 " ms: deadline %" PRIu64
            " ms. The wheel: %d levels of %u slots,\na level-L slot spans "
            "64^L ms. Think of a real clock: the driver sleeps in\nepoll_wait "
            "until the wheel must next turn, then turns it.\n",
            p.ms, ev->b, ev->a, WHEEL_LEVELS, WHEEL_SLOTS);
    wheel_t w;
    wheel_entry_t e;
    wheel_init(&w, ev->b);
    wheel_entry_init(&e);
    wheel_insert(&w, &e, ev->a);
    size_t turns = 0;
    fprintf(q->why, "the driver wakes at");
    uint64_t when;
    while (e.state == WHEEL_SLOT && wheel_next_expiration(&w, &when)) {
        wheel_advance(&w, when);
        turns++;
        if (e.state == WHEEL_SLOT)
            fprintf(q->why, " %" PRIu64 " ms (down to level %u),", when,
                    (unsigned)e.level);
        else
            fprintf(q->why, " %" PRIu64 " ms (it fires)", when);
    }
    wheel_cancel(&w, &e);
    fprintf(q->why,
            ":\neach wake-up that is not the deadline is a cascade, the "
            "entry moving down a\nlevel when the wheel reaches the start of "
            "its slot (wheel_next_expiration,\nwheel_advance). A simulated "
            "run's virtual clock jumps to the deadline at once.\n");
    fprintf(q->ask, "how many times does the driver wake up for this timer, "
                    "counting the wake-up\nthat fires it?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", turns);
    quiz_prove(q, add);
    quiz_prove(q, quiz_next(&q->run, add, TRACE_TIMER_FIRE, 0));
    return 0;
}

const quiz_kind_t quiz_kinds_time[] = {
    {7, "level", "which wheel level a sleep of D ms at time T lands on",
     level},
    {7, "cascade", "when a timer's entry cascades down from its level",
     cascade},
    {7, "fires-first", "at what time the next timer fires", fires_first},
    {7, "wakeups", "how many times a real clock's driver wakes for one long sleep", wakeups},
    {0, NULL, NULL, NULL},
};
