/*
 * cli/quiz_spin.c - lesson 4's questions: the spin executor's busy loop.
 *
 *   next-poll  which task the deque gives the next poll to
 *   wasted     how many polls answer Pending before every task is done
 *   polls      how many polls in all
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"
#include "core/future.h"

/* A small run on spin: the seed picks the scenario and its size. */
static int spin_run(quiz_t *q, const char *scenario)
{
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = quiz_rng_range(&q->rng, 2, 4);
    if (strcmp(scenario, "sleepers") == 0 || strcmp(scenario, "timers") == 0)
        p.ms = quiz_rng_range(&q->rng, 1, 3);
    if (strcmp(scenario, "sleepers") != 0)
        p.rounds = quiz_rng_range(&q->rng, 1, 3);
    int err = quiz_run_scenario(&q->run, scenario, "spin", 1, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "%s on the spin executor, virtual time (the clock moves 1 ms per "
            "pass):\n  %s.\n",
            scenario, q->run.what);
    return 0;
}

/* The deque's front gets the next poll: pick a poll and ask whose. */
static int next_poll(quiz_t *q)
{
    static const char *const scenarios[] = {"timers", "widgets", "sleepers"};
    int err = spin_run(q, scenarios[quiz_rng_range(&q->rng, 0, 2)]);
    if (err != 0)
        return err;
    size_t e = quiz_pick_poll(q);
    if (e == 0)
        return -ENODATA;
    quiz_ask_next_poll(q, e, QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES,
                       "the spin executor");
    fprintf(q->why, "the spin executor polls the front of its deque and puts "
                    "a Pending task at the back,\nso the order is round robin: "
                    "the task that went into the deque longest ago is next.\n");
    return 0;
}

/* Count the polls that answered Pending: each one asked "done yet?" and
 * learned nothing. */
static int wasted(quiz_t *q)
{
    int err = spin_run(q, "sleepers");
    if (err != 0)
        return err;
    size_t pending = 0, last = 0;
    for (size_t k = 1; k <= q->run.n; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_POLL_END && ev->a == POLL_PENDING) {
            pending++;
            last = k;
        }
        if (ev->kind == TRACE_TIMER_ADD || ev->kind == TRACE_TIMER_FIRE)
            quiz_prove(q, k);
    }
    quiz_prove(q, last);
    fprintf(q->ask, "how many of the spin executor's polls return Pending "
                    "(wasted polls) before\nevery task is done?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", pending);
    fprintf(q->why,
            "every pass polls each task once, then turns the driver, and "
            "the virtual clock\nmoves 1 ms per pass. A sleep of M ms armed at "
            "1 ms is due at 1 + M ms (a deadline\nrounds up), so each task "
            "is Pending on every pass until its timer has fired.\nThe run "
            "had %zu polls that returned Pending (the last is event %zu).\n",
            pending, last);
    return 0;
}

/* Count every poll: a widget is Pending R times, then Ready. */
static int polls(quiz_t *q)
{
    static const char *const scenarios[] = {"widgets", "yield"};
    int err = spin_run(q, scenarios[quiz_rng_range(&q->rng, 0, 1)]);
    if (err != 0)
        return err;
    size_t n = quiz_count(&q->run, 0, q->run.n, TRACE_POLL_START, 0);
    quiz_prove(q, quiz_next(&q->run, 0, TRACE_POLL_START, 0));
    for (size_t k = 1; k <= q->run.n; k++)
        if (quiz_ev(&q->run, k)->kind == TRACE_COMPLETE)
            quiz_prove(q, k);
    quiz_prove(q, quiz_prev(&q->run, q->run.n + 1, TRACE_POLL_START, 0));
    fprintf(q->ask, "how many polls does the spin executor make in all?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", n);
    fprintf(q->why,
            "a task that is Pending R times before it is Ready is polled R + 1 "
            "times, and the\nspin executor never polls a finished task; %zu "
            "polls from the first (event %zu)\nto the last completion.\n",
            n, q->proof[0]);
    return 0;
}

const quiz_kind_t quiz_kinds_spin[] = {
    {4, "next-poll", "which task the spin executor polls next (the deque)",
     next_poll},
    {4, "wasted", "how many wasted (Pending) polls before all sleepers finish",
     wasted},
    {4, "polls", "how many polls in all, widgets or yielders", polls},
    {0, NULL, NULL, NULL},
};
