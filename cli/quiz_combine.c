/*
 * cli/quiz_combine.c - lesson 11's questions: join, select and timeout
 * (lessons/11-join-select).
 *
 *   winner       which child of a select wins (ties: the lowest index)
 *   child-polls  how many times one child of a join is polled, with a
 *                waker per child (join_all) or one shared waker
 *   timeout      does a select_timeout time out (ties: the inner future)
 *   dropped      how many timers the select's drop of its losers cancels
 *
 * Every question runs the quiz's own workload: one task on the notify
 * executor in virtual time (the clock jumps to the next timer), whose
 * future holds a few children and a combinator of sync/combine.h over
 * them, made in its first poll (where the children have their final
 * address). A child is a chain of one to three sleeps in a row, so its
 * timers are in the trace: "t1 sleeps until D ms" when it arms one,
 * "timer fired", and "timer cancelled" when a dropped child takes one
 * out of the wheel. The answers are the run's: the select's winner, a
 * child's own count of its polls, the TIMER_CANCEL events counted.
 *
 *   t1 'select' ── select ──┬── child 0: sleep 10, then sleep 20
 *                           ├── child 1: sleep 30
 *                           └── child 2: sleep 20, then sleep 20
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"
#include "driver/driver.h"
#include "sync/combine.h"

#define MAX_KIDS  4
#define MAX_STEPS 3

/* ---- a child: sleeps in a row --------------------------------------------- */

typedef struct chain {
    future_t base;
    sleep_t sleep;
    int steps, at;           /* sleeps in all; the one running */
    uint64_t ms[MAX_STEPS];  /* each sleep's length */
    uint64_t due[MAX_STEPS]; /* each sleep's deadline, once armed */
    int polls;
    bool done;
    bool dropped;
} chain_t;

static poll_t chain_poll(future_t *f, context_t *cx)
{
    chain_t *c = (chain_t *)f;
    c->polls++;
    while (c->at < c->steps) {
        poll_t r = future_poll(&c->sleep.base, cx);
        c->due[c->at] = sleep_deadline(&c->sleep);
        if (r == POLL_PENDING)
            return POLL_PENDING;
        if (++c->at < c->steps)
            sleep_init(&c->sleep, c->ms[c->at]); /* armed at once, below */
    }
    c->done = true;
    return POLL_READY;
}

static void chain_drop(future_t *f)
{
    chain_t *c = (chain_t *)f;
    c->dropped = true;
    future_drop(&c->sleep.base);
}

static uint64_t chain_total(const chain_t *c)
{
    uint64_t t = 0;
    for (int i = 0; i < c->steps; i++)
        t += c->ms[i];
    return t;
}

static void chain_describe(FILE *out, const chain_t *c)
{
    for (int i = 0; i < c->steps; i++)
        fprintf(out, "%s%" PRIu64, i == 0 ? "sleep " : ", then ", c->ms[i]);
    fprintf(out, " ms");
}

/* ---- the task: one combinator over the chains ---------------------------- */

typedef enum combo_mode {
    MODE_JOIN,   /* join_all: a waker per child */
    MODE_SHARED, /* a join polling every unfinished child on each poll */
    MODE_SELECT,
    MODE_TIMEOUT, /* select_timeout over kid[0] */
} combo_mode_t;

/* What the task leaves behind for the question (the task's future is
 * freed when it completes). */
typedef struct combo_out {
    int err;
    int winner;
    bool timed_out;
    chain_t kid[MAX_KIDS]; /* copies, as they were at the end */
} combo_out_t;

typedef struct combo {
    future_t base;
    combo_mode_t mode;
    int n;
    uint64_t timeout_ms;
    bool started;
    chain_t kid[MAX_KIDS];
    join_all_t join;
    select_t select;
    select_timeout_t timeout;
    combo_out_t *out;
} combo_t;

/* The combinator's future, made at the first poll; NULL for MODE_SHARED. */
static future_t *combo_start(combo_t *c)
{
    future_t *kids[MAX_KIDS];
    for (int i = 0; i < c->n; i++)
        kids[i] = &c->kid[i].base;
    switch (c->mode) {
    case MODE_JOIN:
        c->out->err = join_all_init(&c->join, kids, (size_t)c->n);
        return &c->join.base;
    case MODE_SELECT:
        c->out->err = select_init(&c->select, kids, (size_t)c->n);
        return &c->select.base;
    case MODE_TIMEOUT:
        c->out->err = select_timeout_init(&c->timeout, kids[0], c->timeout_ms);
        return &c->timeout.select.base;
    default:
        return NULL;
    }
}

static future_t *combo_future(combo_t *c)
{
    switch (c->mode) {
    case MODE_JOIN:
        return &c->join.base;
    case MODE_SELECT:
        return &c->select.base;
    case MODE_TIMEOUT:
        return &c->timeout.select.base;
    default:
        return NULL;
    }
}

static poll_t shared_join_poll(combo_t *c, context_t *cx)
{
    bool all = true;
    for (int i = 0; i < c->n; i++)
        if (!c->kid[i].done && future_poll(&c->kid[i].base, cx) != POLL_READY)
            all = false;
    return all ? POLL_READY : POLL_PENDING;
}

static poll_t combo_poll(future_t *f, context_t *cx)
{
    combo_t *c = (combo_t *)f;
    if (!c->started) {
        c->started = true;
        combo_start(c);
        if (c->out->err != 0)
            return POLL_READY;
    }
    future_t *comb = combo_future(c);
    poll_t r = comb != NULL ? future_poll(comb, cx) : shared_join_poll(c, cx);
    if (r == POLL_PENDING)
        return POLL_PENDING;
    c->out->winner = c->mode == MODE_SELECT    ? c->select.winner
                     : c->mode == MODE_TIMEOUT ? c->timeout.select.winner
                                               : -1;
    c->out->timed_out =
        c->mode == MODE_TIMEOUT && select_timed_out(&c->timeout);
    if (comb != NULL)
        future_drop(comb); /* drops the winner (or every child) */
    else
        for (int i = 0; i < c->n; i++)
            future_drop(&c->kid[i].base);
    memcpy(c->out->kid, c->kid, sizeof c->kid);
    return POLL_READY;
}

static int start_combo(executor_t *ex, void *ctx)
{
    combo_t *c = ctx;
    static const char *const names[] = {"join", "join", "select", "timeout"};
    return executor_spawn(ex, &c->base, sizeof *c, names[c->mode], NULL);
}

/* n chains of 1 .. max_steps sleeps, each 10 * (1 .. top) ms. */
static void make_kids(quiz_t *q, combo_t *c, int n, int max_steps, int top)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    for (int i = 0; i < n; i++) {
        chain_t *k = &c->kid[i];
        *k = (chain_t){.base = {chain_poll, chain_drop}};
        k->steps = quiz_rng_range(&q->rng, 1, max_steps);
        for (int s = 0; s < k->steps; s++)
            k->ms[s] = 10 * (uint64_t)quiz_rng_range(&q->rng, 1, top);
        sleep_init(&k->sleep, k->ms[0]);
    }
}

static int run_combo(quiz_t *q, combo_t *c, combo_mode_t mode, combo_out_t *out)
{
    c->base = (future_t){combo_poll, NULL};
    c->mode = mode;
    c->out = out;
    *out = (combo_out_t){.winner = -1};
    int err =
        quiz_run_own(&q->run, "combine", "notify", q->seed, start_combo, c);
    if (err == 0 && out->err != 0)
        err = out->err;
    if (err == 0 && q->run.rc != 0)
        err = q->run.rc;
    return err;
}

static void say_kids(quiz_t *q, const combo_t *c)
{
    for (int i = 0; i < c->n; i++) {
        fprintf(q->setup, "  child %d: ", i);
        chain_describe(q->setup, &c->kid[i]);
        fprintf(q->setup, "\n");
    }
}

/* ---- reading the run ------------------------------------------------------ */

/* The poll of t1 that ended Ready (its POLL_START, POLL_END), or 0. */
static size_t final_poll(const quiz_t *q, size_t *end)
{
    *end = quiz_next(&q->run, 0, TRACE_COMPLETE, 1);
    *end = *end == 0 ? 0 : quiz_prev(&q->run, *end, TRACE_POLL_END, 1);
    return *end == 0 ? 0 : quiz_prev(&q->run, *end, TRACE_POLL_START, 1);
}

/* Prove each TIMER_ADD whose deadline is ms, and each fire at ms. */
static void prove_due_at(quiz_t *q, uint64_t ms)
{
    for (size_t k = 1; k <= q->run.n; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if ((ev->kind == TRACE_TIMER_ADD || ev->kind == TRACE_TIMER_FIRE) &&
            ev->a == ms)
            quiz_prove(q, k);
    }
}

/* Prove every TIMER_CANCEL in (after, upto]; how many. */
static size_t prove_cancels(quiz_t *q, size_t after, size_t upto)
{
    size_t n = 0;
    for (size_t k = after + 1; k <= upto; k++)
        if (quiz_ev(&q->run, k)->kind == TRACE_TIMER_CANCEL) {
            quiz_prove(q, k);
            n++;
        }
    return n;
}

/* The first poll's end: every child's first timer is armed by then. */
static void show_after_first_poll(quiz_t *q)
{
    size_t first = quiz_next(&q->run, 0, TRACE_POLL_END, 1);
    if (first != 0)
        quiz_show(q, first, QUIZ_SHOW_RECENT | QUIZ_SHOW_TIMERS);
}

/* ---- winner --------------------------------------------------------------- */

static int setup_select(quiz_t *q, combo_t *c, combo_out_t *out)
{
    make_kids(q, c, quiz_rng_range(&q->rng, 2, MAX_KIDS), 2, 3);
    int err = run_combo(q, c, MODE_SELECT, out);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "On the notify executor, virtual time: one task, t1 'select', "
            "polls a select\n(sync/combine.h) over %d children, each a chain "
            "of sleeps awaited in a row:\n",
            c->n);
    say_kids(q, c);
    return 0;
}

static int winner(quiz_t *q)
{
    combo_t c;
    combo_out_t out;
    int err = setup_select(q, &c, &out);
    if (err != 0)
        return err;
    show_after_first_poll(q);
    fprintf(q->ask, "which child (0 to %d) wins the select?\n", c.n - 1);
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%d", out.winner);
    uint64_t t = chain_total(&out.kid[out.winner]);
    prove_due_at(q, t);
    size_t end, start = final_poll(q, &end);
    quiz_prove(q, start);
    quiz_prove(q, end);
    q->reveal = end;
    fprintf(q->why,
            "a chain ends when its last sleep does: the sum of its sleeps, "
            "each armed when\nthe one before it fired. The earliest end is "
            "%" PRIu64 " ms.\n",
            t);
    int tied = 0;
    for (int i = 0; i < c.n; i++)
        tied += chain_total(&c.kid[i]) == t;
    if (tied == 1) {
        fprintf(q->why, "Only child %d ends then; the others are dropped.\n",
                out.winner);
        return 0;
    }
    fprintf(q->why, "Children");
    for (int i = 0, said = 0; i < c.n; i++)
        if (chain_total(&c.kid[i]) == t)
            fprintf(q->why, "%s %d", said++ == 0 ? "" : ",", i);
    fprintf(q->why,
            " end then, a tie: their timers fire in one driver turn,\nso "
            "one poll of the select finds them all woken. It polls them in "
            "index order\nand stops at the first READY (select is biased: "
            "the lowest index wins); the\nothers are dropped, the tied ones "
            "unpolled.\n");
    return 0;
}

/* ---- dropped -------------------------------------------------------------- */

static int dropped(quiz_t *q)
{
    combo_t c;
    combo_out_t out;
    int err = setup_select(q, &c, &out);
    if (err != 0)
        return err;
    size_t end, start = final_poll(q, &end);
    if (start == 0)
        return -ENODATA;
    quiz_show(q, start - 1, QUIZ_SHOW_RECENT | QUIZ_SHOW_TIMERS);
    fprintf(q->ask,
            "t1 is polled next and the select becomes READY: it drops its "
            "losers at once.\nHow many timers do those drops cancel (take out "
            "of the wheel)?\n");
    q->form = QUIZ_NUMBER;
    quiz_prove(q, start);
    for (size_t e = start + 1; e < end; e++) /* a loser's next sleep */
        if (quiz_ev(&q->run, e)->kind == TRACE_TIMER_ADD)
            quiz_prove(q, e);
    size_t n = prove_cancels(q, start, end);
    quiz_prove(q, end);
    q->reveal = end;
    quiz_answer(q, "%zu", n);
    int losers = c.n - 1, tie = 0;
    for (int i = 0; i < c.n; i++)
        if (i != out.winner && out.kid[i].at < out.kid[i].steps &&
            out.kid[i].due[out.kid[i].at] <= chain_total(&out.kid[out.winner]))
            tie++;
    fprintf(q->why,
            "child %d wins. The %d loser%s %s dropped before the select "
            "returns READY,\nand a loser's drop cancels the timer its "
            "running sleep has in the wheel.\n",
            out.winner, losers, losers == 1 ? "" : "s",
            losers == 1 ? "is" : "are");
    if (tie > 0)
        fprintf(q->why,
                "%d loser%s had a timer due at that very moment: it fired in "
                "the same driver\nturn, so there is nothing left to cancel; "
                "%s dropped all the same, woken\nbut never polled.\n",
                tie, tie == 1 ? "" : "s", tie == 1 ? "it is" : "they are");
    return 0;
}

/* ---- child-polls ---------------------------------------------------------- */

static int child_polls(quiz_t *q)
{
    combo_t c;
    combo_out_t out;
    make_kids(q, &c, quiz_rng_range(&q->rng, 2, MAX_KIDS), 3, 4);
    bool shared = quiz_rng_range(&q->rng, 0, 1) == 1;
    int err = run_combo(q, &c, shared ? MODE_SHARED : MODE_JOIN, &out);
    if (err != 0)
        return err;
    int pick = quiz_rng_range(&q->rng, 0, c.n - 1);
    const chain_t *k = &out.kid[pick];
    fprintf(q->setup,
            "On the notify executor, virtual time: one task, t1 'join', polls "
            "a join over\n%d children, each a chain of sleeps awaited in a "
            "row:\n",
            c.n);
    say_kids(q, &c);
    if (shared)
        fprintf(q->setup,
                "The join hands the task's own waker to every child (one "
                "shared waker), so\neach poll of t1 polls every child not yet "
                "READY.\n");
    else
        fprintf(q->setup,
                "The join is join_all: each child has a waker of its own, "
                "and a poll of t1\npolls only the children woken since the "
                "last one.\n");
    fprintf(q->ask, "how many times is child %d polled in all?\n", pick);
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%d", k->polls);
    uint64_t done = chain_total(k);
    size_t polls = 0;
    for (size_t e = 1; e <= q->run.n; e++) {
        const trace_event_t *ev = quiz_ev(&q->run, e);
        if (shared && ev->kind == TRACE_POLL_START && ev->task == 1 &&
            ev->time_ns / 1000000 <= done) {
            quiz_prove(q, e);
            polls++;
        }
        if (!shared && ev->kind == TRACE_TIMER_ADD)
            for (int s = 0; s < k->steps; s++)
                if (ev->a == k->due[s] && ev->a - ev->b == k->ms[s])
                    quiz_prove(q, e);
    }
    if (shared)
        fprintf(q->why,
                "with one shared waker a wake cannot say whose it is: child %d "
                "is polled at\nevery poll of t1 until it is READY at %" PRIu64
                " ms. t1 was polled %zu times by then:\nat the start and once "
                "per driver turn that fired a timer (timers due together\nfire "
                "in one turn: one wake of the task).\n",
                pick, done, polls);
    else
        fprintf(q->why,
                "with a waker per child, child %d is polled in the first pass "
                "and then only\nwhen its own timer fires: once to arm each "
                "of its %d sleep%s, and once more when\nthe last fired (%d + "
                "1). The other children's timers set other bits.\n",
                pick, k->steps, k->steps == 1 ? "" : "s", k->steps);
    return 0;
}

/* ---- timeout -------------------------------------------------------------- */

static int timeout(quiz_t *q)
{
    combo_t c;
    combo_out_t out;
    make_kids(q, &c, 1, 3, 3);
    uint64_t total = chain_total(&c.kid[0]);
    /* A third each: a tie, a timeout before the end, one after it. */
    int way = quiz_rng_range(&q->rng, 0, 2);
    c.timeout_ms = total;
    if (way == 1 && total > 10)
        c.timeout_ms =
            10 * (uint64_t)quiz_rng_range(&q->rng, 1, (int)total / 10 - 1);
    else if (way >= 1)
        c.timeout_ms = total + 10 * (uint64_t)quiz_rng_range(&q->rng, 1, 3);
    int err = run_combo(q, &c, MODE_TIMEOUT, &out);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "On the notify executor, virtual time: one task, t1 'timeout', "
            "polls a\nselect_timeout (sync/combine.h) of %" PRIu64 " ms over "
            "one inner future, a chain of\nsleeps awaited in a row: ",
            c.timeout_ms);
    chain_describe(q->setup, &c.kid[0]);
    fprintf(q->setup, ".\n");
    show_after_first_poll(q);
    fprintf(q->ask, "does it time out (the inner future dropped before it "
                    "finished)?\n");
    q->form = QUIZ_YESNO;
    quiz_answer(q, "%s", out.timed_out ? "yes" : "no");
    prove_due_at(q, total < c.timeout_ms ? total : c.timeout_ms);
    size_t end, start = final_poll(q, &end);
    quiz_prove(q, start);
    prove_cancels(q, start, end);
    quiz_prove(q, end);
    q->reveal = end;
    fprintf(q->why,
            "the inner future ends at %" PRIu64 " ms (its sleeps one after "
            "another), the timer at\n%" PRIu64 " ms. ",
            total, c.timeout_ms);
    if (total == c.timeout_ms)
        fprintf(q->why,
                "Both are due at once: one driver turn fires both, and one "
                "poll sees\nboth ready. select_timeout is a select of {inner, "
                "sleep}, polled in that\norder, so the inner future wins the "
                "tie: its work is done, and kept.\n");
    else if (out.timed_out)
        fprintf(q->why, "The timer is first: the inner future is dropped at "
                        "once, its own timer\ncancelled.\n");
    else
        fprintf(q->why, "The inner future is first: the select drops the "
                        "sleep, whose timer is\ncancelled.\n");
    return 0;
}

const quiz_kind_t quiz_kinds_combine[] = {
    {11, "winner", "which child of a select of sleep chains wins", winner},
    {11, "child-polls",
     "how many times one child of a join is polled (a waker each, or one "
     "shared)",
     child_polls},
    {11, "timeout",
     "does a select_timeout time out (a tie goes to the inner "
     "future)",
     timeout},
    {11, "dropped", "how many timers the drop of a select's losers cancels",
     dropped},
    {0, NULL, NULL, NULL},
};
