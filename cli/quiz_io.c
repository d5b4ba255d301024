/*
 * cli/quiz_io.c - lesson 8's questions: readiness, epoll, the reactor.
 *
 *   registrations  how many fds the reactor registers in a c10k run
 *   io-wakes       how many wakes come from I/O readiness
 *   next-poll      after a driver turn with I/O, which task runs next
 *
 * c10k on the notify executor over real loopback sockets. On a quiet
 * machine the kernel's answers are the same every run on one thread (each
 * park sees all that is ready), so the seed's run repeats; on a loaded
 * one (a sanitizer build, say) loopback delivery can lag and readiness
 * come in another order. The answer is always the saved run's, and its
 * proof lines are that run's events.
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>

#include "cli/quiz.h"

static int c10k_run(quiz_t *q)
{
    scenario_params_t p;
    scenario_params_init(&p);
    p.connections = quiz_rng_range(&q->rng, 1, 3);
    p.rounds = quiz_rng_range(&q->rng, 1, 2);
    int err = quiz_run_scenario(&q->run, "c10k", "notify", 1, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "c10k on the notify executor: an echo server task, a dialer "
            "that spawns one\nclient task per connection, and one echo task "
            "per accepted connection.\n  %s.\n",
            q->run.what);
    return 0;
}

static int registrations(quiz_t *q)
{
    int err = c10k_run(q);
    if (err != 0)
        return err;
    size_t n = quiz_count(&q->run, 0, q->run.n, TRACE_IO_REGISTER, 0);
    for (size_t k = 1; k <= q->run.n; k++)
        if (quiz_ev(&q->run, k)->kind == TRACE_IO_REGISTER)
            quiz_prove(q, k);
    fprintf(q->ask, "how many fds does the reactor register (epoll_ctl ADD) "
                    "in the whole run?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", n);
    fprintf(q->why,
            "one for the listening socket, one for each client's socket, and "
            "one for each\nconnection the server accepts: every socket a task "
            "waits on is registered once,\nedge-triggered, for its whole "
            "life.\n");
    return 0;
}

static int io_wakes(quiz_t *q)
{
    int err = c10k_run(q);
    if (err != 0)
        return err;
    size_t n = 0;
    for (size_t k = 1; k <= q->run.n; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_WAKE && ev->a == TRACE_BY_IO) {
            n++;
            quiz_prove(q, k);
        }
    }
    fprintf(q->ask, "how many wakes come from I/O readiness (the reactor "
                    "waking a task) in the\nwhole run?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", n);
    fprintf(q->why,
            "each readiness event epoll reports for an fd a task waits on "
            "wakes that task\nonce; the other wakes of this run are tasks "
            "waking each other. %zu I/O wakes.\n",
            n);
    return 0;
}

static int next_poll(quiz_t *q)
{
    int err = c10k_run(q);
    if (err != 0)
        return err;
    size_t cand[1024], n = 0;
    for (size_t k = 1; k <= q->run.n && n < 1024; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind != TRACE_DRIVER_TURN || ev->a == 0)
            continue;
        size_t e = quiz_next(&q->run, k, TRACE_POLL_START, 0);
        if (e != 0)
            cand[n++] = e;
    }
    if (n == 0)
        return -ENODATA;
    size_t e = quiz_pick(q, cand, n);
    quiz_ask_next_poll(q, e,
                       QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES | QUIZ_SHOW_WAITING,
                       "the executor");
    fprintf(q->why,
            "the driver turn dispatched readiness in the order epoll "
            "returned it, each\nevent waking its task to the back of the "
            "ready queue; the executor then polls\nthe ready queue from the "
            "front.\n");
    return 0;
}

const quiz_kind_t quiz_kinds_io[] = {
    {8, "registrations", "how many fds the reactor registers in a c10k run",
     registrations},
    {8, "io-wakes", "how many wakes come from I/O readiness", io_wakes},
    {8, "next-poll", "after a driver turn with I/O, which task runs next",
     next_poll},
    {0, NULL, NULL, NULL},
};
