/*
 * cli/quiz_blocking.c - lesson 14's questions: a poll that blocks.
 *
 *   wait-ms      on one thread, how long a light task waits behind the
 *                blocker
 *   steal-count  on ws, a thief takes from the blocked worker's ring
 *   next-worker  on ws, which worker polls a light task next
 *
 * The blocker (scenarios/demo.c) sleeps M ms inside each poll that
 * returns Pending (nanosleep: the thread is held) and is Ready at the
 * last. In virtual time the clock does not see those sleeps, so wait-ms
 * counts them: the blocker's Pending polls between a task's queueing and
 * its poll, times M.
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"
#include "core/future.h"

static int wait_ms(quiz_t *q)
{
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = quiz_rng_range(&q->rng, 2, 4);
    p.ms = quiz_rng_range(&q->rng, 1, 4);
    p.rounds = quiz_rng_range(&q->rng, 1, 3);
    int err = quiz_run_scenario(&q->run, "blocking", "notify", 1, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "blocking on the notify executor (one thread):\n  %s.\nt2 "
            "'blocker' sleeps %d ms inside each poll that returns Pending "
            "(a blocking\ncall in poll); the light tasks only yield.\n",
            q->run.what, p.ms);
    /* A light task queued with the blocker ahead of it. */
    size_t cand[1024], n = 0;
    for (size_t k = 1; k <= q->run.n && n < 1024; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind != TRACE_SCHEDULE || ev->task == 2 || ev->task == 1)
            continue;
        size_t poll = quiz_next(&q->run, k, TRACE_POLL_START, ev->task);
        if (poll != 0)
            cand[n++] = k;
    }
    if (n == 0)
        return -ENODATA;
    size_t at = quiz_pick(q, cand, n);
    uint64_t task = quiz_ev(&q->run, at)->task;
    size_t poll = quiz_next(&q->run, at, TRACE_POLL_START, task);
    size_t blocked = 0;
    for (size_t k = at + 1; k < poll; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_POLL_END && ev->task == 2 &&
            ev->a == POLL_PENDING) {
            blocked++;
            quiz_prove(q, quiz_prev(&q->run, k, TRACE_POLL_START, 2));
        }
    }
    quiz_show(q, at, QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES);
    fprintf(q->ask, "t%" PRIu64 " has just been queued (event %zu). For how "
                    "many ms is the thread blocked\nbefore t%" PRIu64
                    " is next polled?\n",
            task, at, task);
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", blocked * (size_t)p.ms);
    quiz_prove(q, at);
    quiz_prove(q, poll);
    q->reveal = poll;
    fprintf(q->why,
            "the ready queue is first come, first served: every poll ahead "
            "of t%" PRIu64 " runs\nfirst, and %zu of them are the blocker's "
            "blocking polls, %d ms each. On one thread\nnothing else runs "
            "meanwhile: not the other tasks, not the timers.\n",
            task, blocked, p.ms);
    return 0;
}

static int steal_count(quiz_t *q)
{
    int err = quiz_ws_run(q, "blocking", 0);
    return err != 0 ? err : quiz_ws_ask_steal_count(q);
}

static int next_worker(quiz_t *q)
{
    int err = quiz_ws_run(q, "blocking", 0);
    return err != 0 ? err : quiz_ws_ask_next_worker(q);
}

const quiz_kind_t quiz_kinds_blocking[] = {
    {14, "wait-ms", "how long a light task waits behind a blocking poll "
                    "(one thread)",
     wait_ms},
    {14, "steal-count", "ws: a thief takes from the blocked worker's ring: "
                        "how many",
     steal_count},
    {14, "next-worker", "ws: which worker polls a light task next",
     next_worker},
    {0, NULL, NULL, NULL},
};
