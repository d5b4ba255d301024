/*
 * cli/quiz_ws.c - lesson 13's questions: the work-stealing runtime, in
 * simulation (the seed is also the interleaving: which worker decides
 * next is the simulation's choice, so the questions give it and ask what
 * the worker then does).
 *
 *   next-task    wN decides next: which task does it poll?
 *   next-worker  tX is polled next: by which worker?
 *   steal-count  wT steals from wV: how many tasks does it take?
 *   lifo         what a worker's LIFO slot holds after this poll
 *
 * The question makers after the run (quiz_ws_ask_*) serve lessons 14 and
 * 14 too, on other scenarios.
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"

#define WS_SHOW (QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES)

int quiz_ws_run(quiz_t *q, const char *scenario, int workers)
{
    scenario_params_t p;
    scenario_params_init(&p);
    if (workers == 0)
        workers = quiz_rng_range(&q->rng, 2, 4);
    if (strcmp(scenario, "pingpong") == 0) {
        p.tasks = quiz_rng_range(&q->rng, 1, 2);
        p.rounds = quiz_rng_range(&q->rng, 4, 8);
    } else if (strcmp(scenario, "blocking") == 0) {
        p.tasks = quiz_rng_range(&q->rng, 2, 5);
        p.ms = quiz_rng_range(&q->rng, 1, 3);
        p.rounds = quiz_rng_range(&q->rng, 1, 2);
    } else {
        p.tasks = quiz_rng_range(&q->rng, 4, 12);
        p.rounds = quiz_rng_range(&q->rng, 1, 2);
    }
    int err = quiz_run_scenario(&q->run, scenario, "ws", workers, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "%s on the work-stealing runtime, %d workers, simulated with seed "
            "%" PRIu64 "\n(one thread; the seed picks which worker decides "
            "next):\n  %s.\n",
            scenario, workers, q->seed, q->run.what);
    return 0;
}

int quiz_ws_ask_next_task(quiz_t *q)
{
    size_t e = quiz_pick_poll(q);
    if (e == 0)
        return -ENODATA;
    char who[64];
    snprintf(who, sizeof who, "w%u (the simulation lets it decide next)",
             quiz_ev(&q->run, e)->worker);
    quiz_ask_next_poll(q, e, WS_SHOW, who);
    fprintf(q->why,
            "a worker takes its LIFO slot first (at most 3 times in a row), "
            "then the front\nof its own ring, then a batch from the inject "
            "queue (every 61st decision the\ninject queue comes first); with "
            "all of those empty it steals half of another\nworker's ring and "
            "polls the last task it stole.\n");
    return 0;
}

int quiz_ws_ask_next_worker(quiz_t *q)
{
    size_t e = quiz_pick_poll(q);
    if (e == 0)
        return -ENODATA;
    const trace_event_t *ev = quiz_ev(&q->run, e);
    quiz_show(q, e - 1, WS_SHOW);
    fprintf(q->ask, "t%" PRIu64 " is the next task polled. Which worker "
                    "polls it?\n",
            ev->task);
    q->form = QUIZ_WORKER;
    quiz_answer(q, "w%u", ev->worker);
    size_t put = quiz_prev(&q->run, e, TRACE_SCHEDULE, ev->task);
    size_t steal = quiz_prev(&q->run, e, TRACE_STEAL, 0);
    quiz_prove(q, put);
    if (steal > put)
        quiz_prove(q, steal);
    quiz_prove(q, e);
    q->reveal = e;
    fprintf(q->why,
            "a task in a worker's ring or LIFO slot is polled by that worker, "
            "unless a thief\nmoves it to its own ring first (a steal takes "
            "the oldest half of a ring, never\nthe LIFO slot); a task in the "
            "inject queue goes to whoever takes it first.\n");
    return 0;
}

int quiz_ws_ask_steal_count(quiz_t *q)
{
    size_t cand[1024], n = 0;
    for (size_t k = 2; k <= q->run.n && n < 1024; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_STEAL && ev->task == 0)
            cand[n++] = k;
    }
    if (n == 0)
        return -ENODATA;
    size_t e = quiz_pick(q, cand, n);
    const trace_event_t *ev = quiz_ev(&q->run, e);
    quiz_show(q, e - 1, WS_SHOW);
    fprintf(q->ask, "w%u finds nothing of its own and steals from w%" PRIu64
                    ". How many tasks does it take?\n",
            ev->worker, ev->a);
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%" PRIu64, ev->b);
    quiz_prove(q, e);
    quiz_prove(q, quiz_next(&q->run, e, TRACE_POLL_START, 0));
    q->reveal = e;
    const viz_model_t *m = quiz_model_at(&q->run, e - 1);
    fprintf(q->why,
            "a thief takes half of the victim's ring, rounded up, from its "
            "front (the oldest);\nthe LIFO slot is never stolen. w%" PRIu64
            "'s ring held %zu. It then polls the last task it took.\n",
            ev->a, viz_queue_len(&m->worker[ev->a % VIZ_MAX_WORKERS].ring));
    return 0;
}

/* What a poll did besides queue moves, for the lifo question. */
static bool poll_wakes_others(quiz_t *q, size_t start, size_t end)
{
    for (size_t k = start; k <= end; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_SPAWN ||
            (ev->kind == TRACE_WAKE && ev->task != quiz_ev(&q->run, start)->task))
            return true;
    }
    return false;
}

int quiz_ws_ask_lifo(quiz_t *q)
{
    size_t cand[4096], n = 0;
    for (size_t k = 2; k <= q->run.n && n < 4096; k++) {
        if (!quiz_is_poll(quiz_ev(&q->run, k), TRACE_NO_WORKER))
            continue;
        size_t end = quiz_next_step(&q->run, k);
        end = end == 0 ? q->run.n : end - 1;
        if (poll_wakes_others(q, k, end))
            cand[n++] = k;
    }
    if (n == 0)
        return -ENODATA;
    size_t s = quiz_pick(q, cand, n);
    size_t end = quiz_next_step(&q->run, s);
    end = end == 0 ? q->run.n : end - 1;
    const trace_event_t *ev = quiz_ev(&q->run, s);
    uint32_t w = ev->worker;
    quiz_show(q, s - 1, WS_SHOW);
    fprintf(q->ask, "w%u polls t%" PRIu64 ", and in that poll (the moves into "
                    "queues left out):\n",
            w, ev->task);
    for (size_t k = s; k <= end; k++)
        if (quiz_ev(&q->run, k)->kind != TRACE_SCHEDULE)
            quiz_print_event(q, q->ask, k);
    fprintf(q->ask, "What does w%u's LIFO slot hold when the poll is over "
                    "(none if empty)?\n",
            w);
    q->form = QUIZ_TASK;
    const viz_model_t *m = quiz_model_at(&q->run, end);
    char id[24];
    quiz_answer(q, "%s", quiz_tid(m->worker[w % VIZ_MAX_WORKERS].lifo, id,
                                  sizeof id));
    for (size_t k = s; k <= end; k++)
        if (quiz_ev(&q->run, k)->kind == TRACE_SCHEDULE)
            quiz_prove(q, k);
    q->reveal = end;
    fprintf(q->why,
            "a task spawned or woken by a poll on a worker goes to that "
            "worker's LIFO slot,\nand the slot's previous task to the back of "
            "the ring; a task that woke itself\ngoes to the back of the ring; "
            "after 3 LIFO polls in a row wakes go to the ring\nuntil a task "
            "from elsewhere has run.\n");
    return 0;
}

static const char *ws_scenario(quiz_t *q)
{
    static const char *const scenarios[] = {"fanout", "imbalance", "tour"};
    return scenarios[quiz_rng_range(&q->rng, 0, 2)];
}

static int next_task(quiz_t *q)
{
    int err = quiz_ws_run(q, ws_scenario(q), 0);
    return err != 0 ? err : quiz_ws_ask_next_task(q);
}

static int next_worker(quiz_t *q)
{
    int err = quiz_ws_run(q, ws_scenario(q), 0);
    return err != 0 ? err : quiz_ws_ask_next_worker(q);
}

static int steal_count(quiz_t *q)
{
    int err = quiz_ws_run(q, ws_scenario(q), 0);
    return err != 0 ? err : quiz_ws_ask_steal_count(q);
}

static int lifo(quiz_t *q)
{
    static const char *const scenarios[] = {"fanout", "pingpong", "tour"};
    int err = quiz_ws_run(q, scenarios[quiz_rng_range(&q->rng, 0, 2)], 0);
    return err != 0 ? err : quiz_ws_ask_lifo(q);
}

const quiz_kind_t quiz_kinds_ws[] = {
    {13, "next-task", "the simulation lets wN decide: which task does it poll",
     next_task},
    {13, "next-worker", "which worker polls task tX next", next_worker},
    {13, "steal-count", "how many tasks a steal moves, from whom it is shown",
     steal_count},
    {13, "lifo", "what a worker's LIFO slot holds after this poll", lifo},
    {0, NULL, NULL, NULL},
};
