/*
 * cli/quiz_notify.c - lesson 6's questions: the notify executor.
 *
 *   next-poll    which task the ready queue gives the next poll to
 *   ready-queue  the ready queue after one step's wakes, front first
 *   parks        how many times the executor sleeps in the driver
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"

/* A small run on notify; the seed picks the scenario and its size. */
static int notify_run(quiz_t *q, const char *scenario)
{
    scenario_params_t p;
    scenario_params_init(&p);
    if (strcmp(scenario, "pingpong") == 0) {
        p.tasks = quiz_rng_range(&q->rng, 1, 2);
        p.rounds = quiz_rng_range(&q->rng, 2, 4);
    } else if (strcmp(scenario, "timers") == 0 ||
               strcmp(scenario, "sleepers") == 0) {
        p.tasks = quiz_rng_range(&q->rng, 2, 4);
        p.ms = quiz_rng_range(&q->rng, 5, 30);
        if (strcmp(scenario, "timers") == 0)
            p.rounds = quiz_rng_range(&q->rng, 1, 3);
    } else {
        p.tasks = quiz_rng_range(&q->rng, 2, 5);
        p.rounds = quiz_rng_range(&q->rng, 1, 2);
    }
    int err = quiz_run_scenario(&q->run, scenario, "notify", 1, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup, "%s on the notify executor, virtual time:\n  %s.\n",
            scenario, q->run.what);
    return 0;
}

static const char *pick_scenario(quiz_t *q)
{
    static const char *const scenarios[] = {"pingpong", "timers", "fanout",
                                            "tour"};
    return scenarios[quiz_rng_range(&q->rng, 0, 3)];
}

static int next_poll(quiz_t *q)
{
    int err = notify_run(q, pick_scenario(q));
    if (err != 0)
        return err;
    size_t e = quiz_pick_poll(q);
    if (e == 0)
        return -ENODATA;
    quiz_ask_next_poll(q, e,
                       QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES | QUIZ_SHOW_WAITING,
                       "the notify executor");
    fprintf(q->why,
            "the notify executor polls the front of its ready queue; when "
            "that is empty it\ndrains the remote queue (wakes from other "
            "threads), and when both are empty it\nsleeps in the driver "
            "until a timer or an fd wakes someone. A waiting task is in\nno "
            "queue at all: only a wake puts it back.\n");
    return 0;
}

/* One step's events, without the queue moves they cause. */
static void print_step_without_schedules(quiz_t *q, size_t from, size_t to)
{
    for (size_t k = from; k <= to; k++)
        if (quiz_ev(&q->run, k)->kind != TRACE_SCHEDULE)
            quiz_print_event(q, q->ask, k);
}

/* The ready queue after a step that moved tasks into it. */
static int ready_queue(quiz_t *q)
{
    int err = notify_run(q, pick_scenario(q));
    if (err != 0)
        return err;
    size_t cand[4096], n = 0;
    for (size_t b = 2; b <= q->run.n && n < 4096; b++) {
        if (!viz_event_starts_step(quiz_ev(&q->run, b)))
            continue;
        size_t end = quiz_next_step(&q->run, b);
        end = end == 0 ? q->run.n : end - 1;
        bool ready = false, remote = false;
        for (size_t k = b; k <= end; k++) {
            const trace_event_t *ev = quiz_ev(&q->run, k);
            if (ev->kind == TRACE_SCHEDULE && ev->a == TRACE_Q_READY)
                ready = true;
            if (ev->kind == TRACE_SCHEDULE && ev->a == TRACE_Q_REMOTE)
                remote = true;
        }
        if (ready && !remote)
            cand[n++] = b;
    }
    if (n == 0)
        return -ENODATA;
    size_t b = quiz_pick(q, cand, n);
    size_t end = quiz_next_step(&q->run, b);
    end = end == 0 ? q->run.n : end - 1;
    quiz_show(q, b - 1, QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES | QUIZ_SHOW_WAITING);
    fprintf(q->ask, "in the next step these events happen (the moves into "
                    "queues left out):\n");
    print_step_without_schedules(q, b, end);
    fprintf(q->ask, "What does the ready queue hold after it, front first?\n");
    q->form = QUIZ_TASKS;
    const viz_model_t *m = quiz_model_at(&q->run, end);
    char *a = q->answer;
    size_t used = 0, len = viz_queue_len(&m->ready);
    a[0] = '\0';
    if (len == 0)
        snprintf(a, sizeof q->answer, "none");
    for (size_t i = 0; i < len && used + 24 < sizeof q->answer; i++)
        used += (size_t)snprintf(a + used, sizeof q->answer - used, "%st%" PRIu64,
                                 i > 0 ? " " : "", viz_queue_at(&m->ready, i));
    for (size_t k = b; k <= end; k++)
        quiz_prove(q, k);
    q->reveal = end;
    fprintf(q->why,
            "the task polled leaves the front; every wake that finds a "
            "task waiting puts it\nat the back, in the order of the wakes; "
            "a task that woke itself (a yield) goes\nto the back when its "
            "poll returns; a wake of a task already queued changes\nnothing.\n");
    return 0;
}

/* Count the parks: the executor sleeps only when nothing is ready. */
static int parks(quiz_t *q)
{
    static const char *const scenarios[] = {"timers", "sleepers", "pingpong"};
    int err = notify_run(q, scenarios[quiz_rng_range(&q->rng, 0, 2)]);
    if (err != 0)
        return err;
    size_t n = quiz_count(&q->run, 0, q->run.n, TRACE_PARK, 0);
    for (size_t k = 1; k <= q->run.n; k++) {
        trace_kind_t kind = (trace_kind_t)quiz_ev(&q->run, k)->kind;
        if (kind == TRACE_PARK || kind == TRACE_DRIVER_TURN)
            quiz_prove(q, k);
    }
    fprintf(q->ask, "how many times does the executor sleep in the driver "
                    "(park) in the whole run?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", n);
    fprintf(q->why,
            "it parks each time its ready and remote queues are both empty: "
            "every task is\nwaiting for a timer (or nothing is left to do "
            "but wait). A park can also\nreturn at once, with nothing fired: "
            "a spawn or wake from outside wrote the\ndriver's eventfd, which "
            "keeps an early unpark. %zu parks in all.\n",
            n);
    return 0;
}

const quiz_kind_t quiz_kinds_notify[] = {
    {6, "next-poll", "which task the notify executor polls next (ready "
                     "queue, waiting set)",
     next_poll},
    {6, "ready-queue", "the ready queue after one step's wakes, front first",
     ready_queue},
    {6, "parks", "how many times the executor sleeps in the driver", parks},
    {0, NULL, NULL, NULL},
};
