/*
 * cli/quiz_capstone.c - lessons 16 and 17: the whole runtime, measured.
 *
 *   13 wasted      how many wasted polls the tour makes on one executor
 *   13 self-wakes  how many self-wakes the tour makes on one executor
 *   13 steals      how many steals the tour makes on ws
 *   14 lifo-polls  how many polls took their task from a LIFO slot
 *   14 overflow    a spawn into a full ring: how many tasks go to inject
 *   14 stolen      how many tasks the steals moved in all
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"
#include "core/future.h"

static int tour_on(quiz_t *q, const char *executor)
{
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = quiz_rng_range(&q->rng, 2, 5);
    p.rounds = quiz_rng_range(&q->rng, 1, 2);
    int workers = strcmp(executor, "ws") == 0 ? quiz_rng_range(&q->rng, 2, 4)
                                              : 1;
    int err = quiz_run_scenario(&q->run, "tour", executor, workers, q->seed,
                                &p);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "tour on %s%s, simulated (virtual time%s):\n  %s: %d children "
            "that yield %d time%s,\n  a ping/pong pair (8 exchanges), 3 "
            "sleepers (10, 30, 100 ms), a yielder (12).\n",
            executor, workers > 1 ? " with several workers" : "",
            workers > 1 ? ", the seed's interleaving" : "", q->run.what,
            p.tasks, p.rounds, p.rounds == 1 ? "" : "s");
    if (workers > 1)
        fprintf(q->setup, "  %d workers.\n", workers);
    return 0;
}

static const char *pick_executor(quiz_t *q)
{
    static const char *const names[] = {"spin", "notify", "ws"};
    return names[quiz_rng_range(&q->rng, 0, 2)];
}

static int wasted(quiz_t *q)
{
    const char *executor = pick_executor(q);
    int err = tour_on(q, executor);
    if (err != 0)
        return err;
    size_t n = 0, wakes = 0;
    for (size_t k = 1; k <= q->run.n; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_POLL_END && ev->a == POLL_PENDING) {
            n++;
            if (n <= 12)
                quiz_prove(q, k);
        }
        if (ev->kind == TRACE_WAKE || ev->kind == TRACE_SELF_WAKE)
            wakes++;
    }
    fprintf(q->ask, "how many polls return Pending (the run's \"pending "
                    "polls\" counter)?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", n);
    fprintf(q->why,
            "%s. Here: %zu Pending polls, %zu wake events (a wake of a task "
            "already queued\ncounts once more). The first Pending polls are "
            "below.\n",
            strcmp(executor, "spin") == 0
                ? "the spin executor polls every task every pass, so each "
                  "sleeper is Pending\non every pass until its timer fires"
                : "an executor that waits for wakes polls a task once per "
                  "wake, so its Pending\npolls are about its wakes: the "
                  "yields, the ping/pong messages, one per sleep",
            n, wakes);
    return 0;
}

static int self_wakes(quiz_t *q)
{
    const char *executor = pick_executor(q);
    int err = tour_on(q, executor);
    if (err != 0)
        return err;
    size_t n = 0, shown = 0;
    for (size_t k = 1; k <= q->run.n; k++)
        if (quiz_ev(&q->run, k)->kind == TRACE_SELF_WAKE && ++n <= 12)
            quiz_prove(q, k);
    /* None on spin: its proof is the Pending polls whose yields woke the
     * no-op waker, so recorded nothing. */
    for (size_t k = 1; n == 0 && shown < 12 && k <= q->run.n; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_POLL_END && ev->a == POLL_PENDING) {
            quiz_prove(q, k);
            shown++;
        }
    }
    fprintf(q->ask, "how many self-wakes (a task waking itself: a yield) does "
                    "the run record?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", n);
    fprintf(q->why,
            "every yield is one self-wake where wakes matter (notify, ws): "
            "the children's\nyields plus the yielder's 12; the spin executor "
            "hands out the no-op waker, so\nits wakes record nothing. %zu "
            "here; %s below.\n",
            n, n > 0 ? "the first are"
                     : "the first Pending polls, whose wakes were no-ops, are");
    return 0;
}

static int steals(quiz_t *q)
{
    int err = tour_on(q, "ws");
    if (err != 0)
        return err;
    size_t n = 0;
    for (size_t k = 1; k <= q->run.n; k++)
        if (quiz_ev(&q->run, k)->kind == TRACE_STEAL) {
            n++;
            quiz_prove(q, k);
        }
    fprintf(q->ask, "how many steals does the run make?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", n);
    fprintf(q->why,
            "the root spawns everything from one worker's poll, into that "
            "worker's LIFO slot\nand ring; the other workers, finding their "
            "own queues empty, steal half of a\nring at a time. The seed's "
            "interleaving decides when each looks.\n");
    return 0;
}

/* ---- lesson 17 ------------------------------------------------------------ */

static int lifo_polls(quiz_t *q)
{
    static const char *const scenarios[] = {"fanout", "pingpong"};
    int err = quiz_ws_run(q, scenarios[quiz_rng_range(&q->rng, 0, 1)], 2);
    if (err != 0)
        return err;
    size_t n = 0;
    for (size_t k = 2; k <= q->run.n; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (!quiz_is_poll(ev, TRACE_NO_WORKER))
            continue;
        const viz_task_t *t = viz_model_task(quiz_model_at(&q->run, k - 1),
                                             ev->task);
        if (t != NULL && t->queue == TRACE_Q_LIFO) {
            n++;
            quiz_prove(q, quiz_prev(&q->run, k, TRACE_SCHEDULE, ev->task));
            quiz_prove(q, k);
        }
    }
    fprintf(q->ask, "how many polls take their task from a LIFO slot?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", n);
    fprintf(q->why,
            "a spawn or a wake from a poll fills the slot (pushing its old "
            "task to the ring);\nthe worker's next decision polls it, unless "
            "3 LIFO polls in a row came just\nbefore. Built with "
            "-DWS_NO_LIFO_SLOT this count is 0. Each pair below: into the\n"
            "slot, then its poll (the first %d pairs).\n",
            QUIZ_MAX_PROOF / 2);
    return 0;
}

static int overflow(quiz_t *q)
{
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = quiz_rng_range(&q->rng, 258, 300);
    p.rounds = 1;
    int err = quiz_run_scenario(&q->run, "fanout", "ws", 2, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "fanout on ws, 2 workers, simulated with seed %" PRIu64 ":\n  %s."
            "\nThe parent spawns all %d children in one poll; a worker's ring "
            "has 256 slots.\n",
            q->seed, q->run.what, p.tasks);
    size_t first = 0;
    for (size_t k = 1; k <= q->run.n && first == 0; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_SCHEDULE && ev->a == TRACE_Q_INJECT && ev->task > 1)
            first = k;
    }
    if (first == 0)
        return -ENODATA;
    size_t last = first;
    while (last < q->run.n && quiz_ev(&q->run, last + 1)->kind == TRACE_SCHEDULE &&
           quiz_ev(&q->run, last + 1)->a == TRACE_Q_INJECT)
        last++;
    size_t spawn = quiz_prev(&q->run, first, TRACE_SPAWN, 0);
    quiz_show(q, spawn - 1, QUIZ_SHOW_QUEUES);
    fprintf(q->ask, "the next spawn finds the ring full. How many tasks go to "
                    "the inject queue at once?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", last - first + 1);
    quiz_prove(q, spawn);
    quiz_prove(q, first);
    quiz_prove(q, last);
    q->reveal = last;
    fprintf(q->ask, "%s", "");
    fprintf(q->why,
            "a push into a full ring moves half of the ring (128, its oldest) "
            "and the task\nbeing pushed to the inject queue in one batch: one "
            "lock for 129 tasks, and the\nring has room for the next 128 "
            "pushes.\n");
    return 0;
}

static int stolen(quiz_t *q)
{
    int err = quiz_ws_run(q, "fanout", 2);
    if (err != 0)
        return err;
    uint64_t n = 0;
    for (size_t k = 1; k <= q->run.n; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_STEAL) {
            n += ev->task != 0 ? 1 : ev->b;
            quiz_prove(q, k);
        }
    }
    fprintf(q->ask, "how many tasks do the steals move in all (the \"stolen\" "
                    "counter)?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%" PRIu64, n);
    fprintf(q->why,
            "each steal takes half of the victim's ring, rounded up; the "
            "steals are below,\neach with its count.\n");
    return 0;
}

const quiz_kind_t quiz_kinds_capstone[] = {
    {16, "wasted", "how many wasted polls the tour makes on one executor",
     wasted},
    {16, "self-wakes", "how many self-wakes the tour records on one executor",
     self_wakes},
    {16, "steals", "how many steals the tour makes on ws", steals},
    {0, NULL, NULL, NULL},
};

const quiz_kind_t quiz_kinds_fast[] = {
    {17, "lifo-polls", "how many polls took their task from a LIFO slot",
     lifo_polls},
    {17, "overflow", "a spawn into a full ring: how many tasks go to inject",
     overflow},
    {17, "stolen", "how many tasks the steals moved in all", stolen},
    {0, NULL, NULL, NULL},
};
