/*
 * cli/quiz_blockon.c - lesson 10's questions: block_on (lessons/10-block-on).
 *
 *   main-polls  how many times block_on polls the main future
 *   next-move   what block_on does next: poll the main future, run a
 *               task, or park in the driver
 *   task-polls  how many task polls run before block_on returns
 *
 * The run is the quiz's own, on the notify executor in virtual time:
 * executor_block_on of a main future that may sleep first, then spawns a
 * few kids and is READY once `need` of them have finished. A kid may
 * sleep, yields a few times, and when it finishes wakes the main future
 * once or twice in that last poll. Kids the main future did not wait for
 * are run to their end by executor_run after block_on has returned.
 *
 * The main future is not a task, so no executor traces its polls: it
 * traces them itself (POLL_START and POLL_END of task 0, through the
 * driver's sink, stamped with the virtual clock like every other event),
 * and a kid traces its wake of it (WAKE of task 0 by the kid). The export
 * calls it t0. Everything else is the executor's and the driver's own
 * trace: the spawns, the kids' polls, the parks, the timers.
 *
 *     block_on ─ poll t0 ─┬─ READY: return
 *         ^               └─ PENDING ─> a task ready? ── run it ──┐
 *         │                               │ no                     │
 *         │                  t0 woken? ── park in the driver       │
 *         └──────────────────────────────────────────────────────┘
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"
#include "core/async.h"
#include "core/executor.h"
#include "core/task.h"
#include "driver/driver.h"
#include "driver/time.h"

#define MAX_KIDS 4

typedef struct main_future main_future_t;

typedef struct kid {
    future_t base;
    async_t async;
    main_future_t *m;
    int ms;     /* sleeps this long first (0: no sleep) */
    int yields; /* then yields this many times */
    int wakes;  /* then, finishing, wakes the main future 1 or 2 times */
    int i;
    sleep_t nap;
} kid_t;

struct main_future {
    future_t base;
    async_t async;
    int nap_ms; /* sleeps this long before it spawns (0: no sleep) */
    int kids, need, finished;
    int ms[MAX_KIDS], yields[MAX_KIDS], wakes[MAX_KIDS];
    waker_t slot; /* its waker, for the kids */
    sleep_t nap;
    int rc; /* executor_block_on's result */
};

/* An event of the quiz's own, into the running executor's trace. */
static void emit(trace_kind_t kind, uint64_t task, uint64_t a, uint64_t b)
{
    driver_t *d = driver_current();
    TRACE(d != NULL ? driver_trace(d) : NULL, kind, 0, task, a, b);
}

static poll_t kid_poll(future_t *f, context_t *cx)
{
    kid_t *k = (kid_t *)f;
    ASYNC_BEGIN(k);
    if (k->ms > 0) {
        sleep_init(&k->nap, (uint64_t)k->ms);
        AWAIT(k, cx, &k->nap.base);
    }
    for (k->i = 0; k->i < k->yields; k->i++)
        YIELD_NOW(k, cx);
    k->m->finished++;
    if (waker_is_set(&k->m->slot)) {
        task_t *me = task_current();
        for (int w = 0; w < k->wakes; w++) {
            emit(TRACE_WAKE, 0, TRACE_BY_TASK, me != NULL ? me->id : 0);
            waker_wake_by_ref(&k->m->slot);
        }
    }
    ASYNC_END(k);
}

static void kid_drop(future_t *f)
{
    future_drop(&((kid_t *)f)->nap.base);
}

/* READY once `need` kids have finished; else keeps the waker for them. */
static poll_t enough_finished(main_future_t *m, context_t *cx)
{
    if (m->finished >= m->need)
        return POLL_READY;
    waker_register(&m->slot, cx);
    return POLL_PENDING;
}

/* The body of the main future, between its traced start and end. */
static poll_t main_body(main_future_t *m, context_t *cx)
{
    ASYNC_BEGIN(m);
    if (m->nap_ms > 0) {
        sleep_init(&m->nap, (uint64_t)m->nap_ms);
        AWAIT(m, cx, &m->nap.base);
    }
    for (int i = 0; i < m->kids; i++) {
        kid_t k = {.base = {kid_poll, kid_drop},
                   .m = m,
                   .ms = m->ms[i],
                   .yields = m->yields[i],
                   .wakes = m->wakes[i]};
        sleep_init(&k.nap, 0);
        if (spawn(&k.base, sizeof k, "kid", NULL) != 0)
            future_drop(&k.base);
    }
    AWAIT_POLL(m, enough_finished(m, cx));
    waker_drop(&m->slot); /* kids that finish later wake nothing */
    ASYNC_END(m);
}

static poll_t main_poll(future_t *f, context_t *cx)
{
    main_future_t *m = (main_future_t *)f;
    emit(TRACE_POLL_START, 0, 0, 0);
    poll_t r = main_body(m, cx);
    emit(TRACE_POLL_END, 0, r, 0);
    return r;
}

static void main_drop(future_t *f)
{
    main_future_t *m = (main_future_t *)f;
    waker_drop(&m->slot);
    future_drop(&m->nap.base);
}

static int start_block_on(executor_t *ex, void *ctx)
{
    main_future_t *m = ctx;
    m->rc = executor_block_on(ex, &m->base);
    future_drop(&m->base);
    return m->rc;
}

/* ---- the run ----------------------------------------------------------------- */

/* The seed's main future: nap_ms 0 or 5..20; 2..4 kids, each maybe
 * sleeping, yielding 0..2 times, waking it once or twice; need 1..kids. */
static int blockon_run(quiz_t *q, main_future_t *m)
{
    *m = (main_future_t){.base = {main_poll, main_drop}, .slot = WAKER_EMPTY};
    sleep_init(&m->nap, 0);
    m->nap_ms =
        quiz_rng_range(&q->rng, 0, 1) ? quiz_rng_range(&q->rng, 5, 20) : 0;
    m->kids = quiz_rng_range(&q->rng, 2, MAX_KIDS);
    m->need = quiz_rng_range(&q->rng, 1, m->kids);
    for (int i = 0; i < m->kids; i++) {
        m->ms[i] = quiz_rng_range(&q->rng, 0, 2) == 0
                       ? 0
                       : 10 * quiz_rng_range(&q->rng, 1, 4);
        m->yields[i] = quiz_rng_range(&q->rng, 0, 2);
        m->wakes[i] = quiz_rng_range(&q->rng, 1, 2);
    }
    int err =
        quiz_run_own(&q->run, "block_on", "notify", q->seed, start_block_on, m);
    if (err != 0)
        return err;
    if (m->rc != 0)
        return m->rc;
    fprintf(q->setup,
            "executor_block_on on the notify executor, virtual time. The "
            "main future is\nnot a task: the trace calls it t0.\nt0 ");
    if (m->nap_ms > 0)
        fprintf(q->setup, "sleeps %d ms, then ", m->nap_ms);
    fprintf(q->setup,
            "spawns %d kids (t1 .. t%d) and is Ready once %d of "
            "them\n%s finished. A kid wakes t0 in the poll in which "
            "it finishes:\n",
            m->kids, m->kids, m->need, m->need == 1 ? "has" : "have");
    for (int i = 0; i < m->kids; i++) {
        fprintf(q->setup, "  t%d: ", i + 1);
        if (m->ms[i] > 0)
            fprintf(q->setup, "sleeps %d ms, ", m->ms[i]);
        if (m->yields[i] > 0)
            fprintf(q->setup, "yields %d time%s, ", m->yields[i],
                    m->yields[i] == 1 ? "" : "s");
        fprintf(q->setup, "finishes and wakes t0 %s\n",
                m->wakes[i] == 1 ? "once" : "twice");
    }
    fprintf(q->setup, "After block_on returns, executor_run runs the kids "
                      "left to their end.\n");
    return 0;
}

/* t0's Ready: where block_on returns. */
static size_t main_ready(const quiz_run_t *r)
{
    for (size_t k = 1; k <= r->n; k++) {
        const trace_event_t *ev = quiz_ev(r, k);
        if (ev->kind == TRACE_POLL_END && ev->task == 0 && ev->a == POLL_READY)
            return k;
    }
    return 0;
}

static bool is_main_poll(const trace_event_t *ev)
{
    return ev->kind == TRACE_POLL_START && ev->task == 0;
}

/* The wakes of t0 in (after, upto]: a kid's (its WAKE of task 0), or its
 * own timer's: the driver's TIMER_FIRE names no task, so it is the one
 * whose deadline t0's TIMER_ADD set. */
static void prove_main_wakes(quiz_t *q, size_t after, size_t upto)
{
    uint64_t deadline = UINT64_MAX;
    size_t added = 0;
    for (size_t k = 1; k <= upto && k <= q->run.n; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_TIMER_ADD && ev->task == 0) {
            deadline = ev->a;
            added = k;
        }
        if (k <= after)
            continue;
        if (ev->kind == TRACE_WAKE && ev->task == 0)
            quiz_prove(q, k);
        if (ev->kind == TRACE_TIMER_FIRE && ev->a == deadline) {
            quiz_prove(q, added);
            quiz_prove(q, k);
            deadline = UINT64_MAX; /* one fire per sleep */
        }
    }
}

/* ---- the kinds ------------------------------------------------------------- */

static int main_polls(quiz_t *q)
{
    main_future_t m;
    int err = blockon_run(q, &m);
    if (err != 0)
        return err;
    size_t ready = main_ready(&q->run);
    if (ready == 0)
        return -ENODATA;
    size_t polls = 0;
    for (size_t k = 1; k <= ready; k++)
        if (is_main_poll(quiz_ev(&q->run, k))) {
            polls++;
            quiz_prove(q, k);
        }
    prove_main_wakes(q, 0, ready);
    quiz_prove(q, ready);
    q->reveal = ready;
    fprintf(q->ask, "how many times does block_on poll the main future t0, "
                    "in all?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", polls);
    fprintf(q->why,
            "block_on polls t0 once to start, and after that only when it "
            "was woken: by its\nown timer%s, or by a kid that finished. "
            "Wakes that come between two polls are\none reason to poll: a "
            "kid that wakes t0 twice in its last poll causes one poll.\n"
            "Between two polls, block_on runs tasks or parks; it never polls "
            "t0 for nothing.\n",
            m.nap_ms > 0 ? " (its sleep)" : " (it has none here)");
    return 0;
}

typedef enum move { MOVE_POLL_MAIN, MOVE_RUN_TASK, MOVE_PARK } move_t;

static bool move_of(const trace_event_t *ev, move_t *out)
{
    if (ev->kind == TRACE_PARK)
        *out = MOVE_PARK;
    else if (is_main_poll(ev))
        *out = MOVE_POLL_MAIN;
    else if (ev->kind == TRACE_POLL_START)
        *out = MOVE_RUN_TASK;
    else
        return false;
    return true;
}

static const char *const move_why[] = {
    "t0 was woken since its last poll began (the wake is in the events "
    "above): block_on\ntakes the wake and polls it before anything else, "
    "even with tasks ready.",
    "t0 was not woken since its last poll, and a task is in the ready queue: "
    "block_on\nruns it. The main future is in no queue; the tasks are.",
    "t0 was not woken since its last poll, and no task is ready: block_on "
    "sleeps in the\ndriver until the next timer's deadline (or an unpark). "
    "Polling t0 now would be a\nbusy loop.",
};

/* The start of t0's last poll before event e (0: none). */
static size_t last_main_poll(const quiz_run_t *r, size_t e)
{
    for (size_t k = e - 1; k >= 1; k--)
        if (is_main_poll(quiz_ev(r, k)))
            return k;
    return 0;
}

#define NEXT_MOVE_WINDOW 14 /* events shown since t0's last poll, at most */

static int next_move(quiz_t *q)
{
    main_future_t m;
    int err = blockon_run(q, &m);
    if (err != 0)
        return err;
    size_t ready = main_ready(&q->run);
    size_t cand[3][512], n[3] = {0, 0, 0};
    for (size_t k = 2; k < ready; k++) {
        move_t mv;
        size_t last = last_main_poll(&q->run, k);
        /* After t0's first poll, with all of what came since in view. */
        if (!move_of(quiz_ev(&q->run, k), &mv) || last == 0 ||
            k - last > NEXT_MOVE_WINDOW)
            continue;
        if (n[mv] < 512)
            cand[mv][n[mv]++] = k;
    }
    size_t kinds[3], n_kinds = 0;
    for (size_t i = 0; i < 3; i++)
        if (n[i] > 0)
            kinds[n_kinds++] = i;
    if (n_kinds == 0)
        return -ENODATA;
    move_t mv = (move_t)quiz_pick(q, kinds, n_kinds);
    size_t e = quiz_pick(q, cand[mv], n[mv]);
    size_t last = last_main_poll(&q->run, e);

    fprintf(q->state, "  the events since t0's last poll began:\n");
    for (size_t k = last; k < e; k++)
        quiz_print_event(q, q->state, k);
    quiz_show(q, e - 1,
              QUIZ_SHOW_QUEUES | QUIZ_SHOW_WAITING | QUIZ_SHOW_TIMERS);
    fprintf(q->ask, "what does block_on do next?\n"
                    "  a) poll the main future t0\n"
                    "  b) poll a task from the ready queue\n"
                    "  c) park in the driver\n");
    q->form = QUIZ_LETTER;
    quiz_answer(q, "%c", "abc"[mv]);
    quiz_prove(q, last);
    prove_main_wakes(q, last, e - 1);
    if (mv == MOVE_RUN_TASK)
        quiz_prove(q, quiz_prev(&q->run, e, TRACE_SCHEDULE,
                                quiz_ev(&q->run, e)->task));
    quiz_prove(q, e);
    q->reveal = e;
    fprintf(q->why, "%s\n", move_why[mv]);
    return 0;
}

static int task_polls(quiz_t *q)
{
    main_future_t m;
    int err = blockon_run(q, &m);
    if (err != 0)
        return err;
    size_t ready = main_ready(&q->run);
    if (ready == 0)
        return -ENODATA;
    size_t polls = 0;
    for (size_t k = 1; k < ready; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_POLL_START && ev->task != 0) {
            polls++;
            quiz_prove(q, k);
        }
    }
    quiz_prove(q, ready);
    q->reveal = ready;
    fprintf(q->ask, "how many polls of tasks (kids, not t0) run before "
                    "block_on returns?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", polls);
    fprintf(q->why,
            "block_on returns right after the poll in which t0 is Ready, "
            "however many tasks\nare still ready or sleeping: it runs tasks "
            "only while it waits for t0. Until\nthen every kid poll counts "
            "(a kid that sleeps, then yields Y times, is polled\nY + 2 "
            "times to finish; Y + 1 without the sleep).\n");
    return 0;
}

const quiz_kind_t quiz_kinds_blockon[] = {
    {10, "main-polls", "how many times block_on polls the main future",
     main_polls},
    {10, "next-move",
     "what block_on does next: poll the main future, run a "
     "task, or park",
     next_move},
    {10, "task-polls", "how many task polls run before block_on returns",
     task_polls},
    {0, NULL, NULL, NULL},
};
