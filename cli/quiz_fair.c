/*
 * cli/quiz_fair.c - lesson 15's questions: fairness.
 *
 *   lifo-cap     after three LIFO polls in a row, which task runs next
 *   driver-tick  with the ready queue never empty, after how many polls
 *                the notify executor first turns the driver
 *   wake-goes    a wake inside a poll: LIFO slot, ring, or inject queue?
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"

/* The poll at event e took its task from the LIFO slot of its worker. */
static bool from_lifo(quiz_t *q, size_t e)
{
    const trace_event_t *ev = quiz_ev(&q->run, e);
    const viz_model_t *m = quiz_model_at(&q->run, e - 1);
    const viz_task_t *t = viz_model_task(m, ev->task);
    return t != NULL && t->queue == TRACE_Q_LIFO && t->worker == ev->worker;
}

static int lifo_cap(quiz_t *q)
{
    static const char *const scenarios[] = {"pingpong", "tour"};
    int err = quiz_ws_run(q, scenarios[quiz_rng_range(&q->rng, 0, 1)], 0);
    if (err != 0)
        return err;
    /* Per worker, the LIFO polls in a row so far. */
    size_t len[VIZ_MAX_WORKERS] = {0};
    size_t cand[1024], n = 0;
    for (size_t k = 2; k <= q->run.n && n < 1024; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (!quiz_is_poll(ev, TRACE_NO_WORKER) || ev->worker >= VIZ_MAX_WORKERS)
            continue;
        uint32_t w = ev->worker;
        if (len[w] >= 3)
            cand[n++] = k;
        len[w] = from_lifo(q, k) ? len[w] + 1 : 0;
    }
    if (n == 0)
        return -ENODATA;
    size_t e = quiz_pick(q, cand, n);
    const trace_event_t *ev = quiz_ev(&q->run, e);
    /* The three LIFO polls before e on its worker. */
    size_t found = 0;
    for (size_t k = e - 1; k >= 1 && found < 3; k--) {
        const trace_event_t *p = quiz_ev(&q->run, k);
        if (quiz_is_poll(p, ev->worker)) {
            quiz_prove(q, k);
            found++;
        }
    }
    char who[96];
    snprintf(who, sizeof who, "w%u, which has just polled 3 tasks in a row "
                              "from its LIFO slot,\n", ev->worker);
    quiz_ask_next_poll(q, e, QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES, who);
    fprintf(q->why,
            "after %d LIFO polls in a row a worker stops using the slot: a "
            "wake goes to the\nback of the ring instead, and the worker polls "
            "its ring's front (or what it\nsteals), so a pair that wakes each "
            "other cannot keep the worker to itself.\n",
            3);
    return 0;
}

static int driver_tick(quiz_t *q)
{
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = quiz_rng_range(&q->rng, 3, 6);
    p.rounds = quiz_rng_range(&q->rng, 20, 40);
    int err = quiz_run_scenario(&q->run, "yield", "notify", 1, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup, "yield on the notify executor:\n  %s (the ready queue "
                      "is never empty until the end).\n",
            q->run.what);
    size_t first = quiz_next(&q->run, 0, TRACE_POLL_START, 0);
    size_t turn = quiz_next(&q->run, first, TRACE_DRIVER_TURN, 0);
    if (first == 0 || turn == 0)
        return -ENODATA;
    size_t polls = quiz_count(&q->run, 0, turn, TRACE_POLL_START, 0);
    fprintf(q->ask, "after how many polls does the executor first turn the "
                    "driver (look at timers\nand sockets without waiting)?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", polls);
    quiz_prove(q, first);
    quiz_prove(q, quiz_prev(&q->run, turn, TRACE_POLL_START, 0));
    quiz_prove(q, turn);
    q->reveal = turn;
    fprintf(q->why,
            "a ready queue that never empties would never let the executor "
            "sleep in the\ndriver, so timers and I/O would starve. Each "
            "choice of the next task is one\ntick; on every 61st tick it "
            "turns the driver without waiting before it pops\nthe task (and "
            "it drains the remote queue every 31st), as Tokio's\n"
            "current_thread runtime does: the 61st poll comes just after the "
            "turn.\n");
    return 0;
}

static int wake_goes(quiz_t *q)
{
    static const char *const scenarios[] = {"pingpong", "tour", "fanout"};
    int err = quiz_ws_run(q, scenarios[quiz_rng_range(&q->rng, 0, 2)], 0);
    if (err != 0)
        return err;
    size_t cand[4096], n = 0;
    for (size_t k = 2; k <= q->run.n && n < 4096; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        bool wake = ev->kind == TRACE_SELF_WAKE ||
                    (ev->kind == TRACE_WAKE && ev->a == TRACE_BY_TASK);
        if (wake && quiz_next(&q->run, k, TRACE_SCHEDULE, ev->task) != 0)
            cand[n++] = k;
    }
    if (n == 0)
        return -ENODATA;
    size_t e = quiz_pick(q, cand, n);
    const trace_event_t *ev = quiz_ev(&q->run, e);
    size_t start = quiz_prev(&q->run, e + 1, TRACE_POLL_START, 0);
    size_t put = quiz_next(&q->run, e, TRACE_SCHEDULE, ev->task);
    const trace_event_t *s = quiz_ev(&q->run, put);
    quiz_show(q, start - 1, QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES);
    fprintf(q->ask, "then:\n");
    for (size_t k = start; k <= e; k++)
        if (quiz_ev(&q->run, k)->kind != TRACE_SCHEDULE)
            quiz_print_event(q, q->ask, k);
    fprintf(q->ask, "Where does t%" PRIu64 " go?  a) w%u's LIFO slot   b) the "
                    "back of w%u's ring\n  c) the inject queue\n",
            ev->task, s->worker, s->worker);
    q->form = QUIZ_LETTER;
    quiz_answer(q, "%s", s->a == TRACE_Q_LIFO    ? "a"
                         : s->a == TRACE_Q_LOCAL ? "b"
                                                 : "c");
    quiz_prove(q, start);
    quiz_prove(q, e);
    quiz_prove(q, put);
    q->reveal = put;
    fprintf(q->why,
            "a task woken by another task's poll goes to the polling worker's "
            "LIFO slot, to\nrun next while its data is warm, unless the worker "
            "has made 3 LIFO polls in a\nrow (then the ring); a task that "
            "woke itself (a yield) goes to the back of the\nring, so that "
            "everything else runs first; a wake from outside any worker goes\n"
            "to the inject queue.\n");
    return 0;
}

const quiz_kind_t quiz_kinds_fair[] = {
    {15, "lifo-cap", "after three LIFO polls in a row, which task runs next",
     lifo_cap},
    {15, "driver-tick", "after how many polls a busy notify executor turns "
                        "the driver",
     driver_tick},
    {15, "wake-goes", "a wake inside a poll: LIFO slot, ring or inject queue",
     wake_goes},
    {0, NULL, NULL, NULL},
};
