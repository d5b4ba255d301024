/*
 * cli/quiz_wakers.c - lesson 5's questions: wakers and the lost wakeup.
 *
 *   lost-wakeup   does this waiter (its code shown) lose a wakeup?
 *   waiter-polls  how many times is a waiter that keeps its waker polled?
 *   first-woken   which sleeper does the driver wake next?
 *
 * The waiters are the quiz's own futures: a "ticker" task yields a few
 * times, then ticks twice, each tick waking whatever waker the shared
 * slot holds; the waiter is done after the second tick. Each variant's
 * poll is written once, in the VARIANT macro, which both compiles it and
 * keeps its text, so the code shown is the code that ran. They run on the
 * notify executor, which waits for wakes: a lost one ends the run with
 * -EDEADLK and a LOST_WAKER event.
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"
#include "core/async.h"
#include "core/executor.h"
#include "core/future.h"
#include "core/waker.h"

/* ---- the quiz's futures -------------------------------------------------- */

typedef struct ticks {
    int ticks;     /* 0, 1, 2: the waiter is done at 2 */
    waker_t slot;  /* the waiter's kept waker, if any */
} ticks_t;

typedef struct waiter {
    future_t base;
    ticks_t *e;
    bool registered;
    int variant;
} waiter_t;

typedef struct ticker {
    future_t base;
    async_t async;
    ticks_t *e;
    int delay, i;
} ticker_t;

typedef poll_t (*variant_fn)(waiter_t *s, ticks_t *e, context_t *cx);

/* A variant's poll and its text, from one definition. */
#define VARIANT(name, ...)                                                     \
    static poll_t name(waiter_t *s, ticks_t *e, context_t *cx)                 \
    {                                                                          \
        (void)s;                                                               \
        (void)cx;                                                              \
        __VA_ARGS__                                                            \
    }                                                                          \
    static const char name##_code[] = #__VA_ARGS__;

VARIANT(keeps_a_clone, if (e->ticks >= 2) return POLL_READY;
        waker_register(&e->slot, cx); return POLL_PENDING;)

VARIANT(keeps_nothing, if (e->ticks >= 2) return POLL_READY;
        return POLL_PENDING;)

VARIANT(clones_then_drops, if (e->ticks >= 2) return POLL_READY;
        waker_t w = waker_clone(cx->waker); waker_drop(&w);
        return POLL_PENDING;)

VARIANT(wakes_itself, if (e->ticks >= 2) return POLL_READY;
        waker_wake_by_ref(cx->waker); return POLL_PENDING;)

VARIANT(registers_once, if (e->ticks >= 2) return POLL_READY;
        if (!s->registered) {
            waker_register(&e->slot, cx);
            s->registered = true;
        } return POLL_PENDING;)

VARIANT(registers_when_empty, if (e->ticks >= 2) return POLL_READY;
        if (!waker_is_set(&e->slot)) waker_register(&e->slot, cx);
        return POLL_PENDING;)

VARIANT(drops_at_first_tick, if (e->ticks >= 2) return POLL_READY;
        if (e->ticks == 1) {
            waker_t old = waker_take(&e->slot);
            waker_drop(&old);
            return POLL_PENDING;
        } waker_register(&e->slot, cx);
        return POLL_PENDING;)

typedef struct variant {
    const char *name;
    variant_fn poll;
    const char *code;
} variant_t;

#define V(n) {#n, n, n##_code}
static const variant_t variants[] = {
    V(keeps_a_clone), V(keeps_nothing),        V(clones_then_drops),
    V(wakes_itself),  V(registers_once),       V(registers_when_empty),
    V(drops_at_first_tick),
};
#undef V
#define N_VARIANTS ((int)(sizeof variants / sizeof variants[0]))

static poll_t waiter_poll(future_t *f, context_t *cx)
{
    waiter_t *s = (waiter_t *)f;
    poll_t p = variants[s->variant].poll(s, s->e, cx);
    if (p == POLL_READY)
        waker_drop(&s->e->slot);
    return p;
}

/* Dropped unfinished (a lost wakeup, at executor_destroy): release what
 * the slot still holds. */
static void waiter_drop(future_t *f)
{
    waker_drop(&((waiter_t *)f)->e->slot);
}

/* Yield `delay` times, tick, yield once, tick again. */
static poll_t ticker_poll(future_t *f, context_t *cx)
{
    ticker_t *t = (ticker_t *)f;
    ASYNC_BEGIN(t);
    for (t->i = 0; t->i < t->delay; t->i++)
        YIELD_NOW(t, cx);
    for (t->i = 0; t->i < 2; t->i++) {
        t->e->ticks++;
        if (waker_is_set(&t->e->slot)) {
            waker_t w = waker_take(&t->e->slot);
            waker_wake(&w);
        }
        if (t->i == 0)
            YIELD_NOW(t, cx);
    }
    ASYNC_END(t);
}

typedef struct pair_ctx {
    ticks_t e;
    int variant, delay;
} pair_ctx_t;

static int start_pair(executor_t *ex, void *ctx)
{
    pair_ctx_t *c = ctx;
    waiter_t w = {.base = {waiter_poll, waiter_drop}, .e = &c->e,
                  .variant = c->variant};
    ticker_t t = {.base = {ticker_poll, NULL}, .e = &c->e, .delay = c->delay};
    int err = executor_spawn(ex, &w.base, sizeof w, "waiter", NULL);
    if (err == 0)
        err = executor_spawn(ex, &t.base, sizeof t, "ticker", NULL);
    return err;
}

/* The stringified body, one statement a line, indented by braces. */
static void print_code(FILE *out, const char *code)
{
    int depth = 1, paren = 0;
    bool line_start = true;
    for (const char *c = code; *c != '\0'; c++) {
        if (line_start) {
            if (*c == ' ')
                continue;
            if (*c == '}')
                depth--;
            fprintf(out, "%*s", 4 * depth, "");
            line_start = false;
        }
        fputc(*c, out);
        if (*c == '(')
            paren++;
        else if (*c == ')')
            paren--;
        else if (*c == '{') {
            depth++;
        }
        if (paren == 0 && (*c == ';' || *c == '{' || *c == '}')) {
            fputc('\n', out);
            line_start = true;
        }
    }
}

static int run_variant(quiz_t *q, int variant, int delay, pair_ctx_t *c)
{
    memset(c, 0, sizeof *c);
    c->variant = variant;
    c->delay = delay;
    int err = quiz_run_own(&q->run, "waiter-and-ticker", "notify", q->seed,
                           start_pair, c);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "On the notify executor (it polls a task only after a wake): t1 "
            "'waiter' and\nt2 'ticker' share a struct ticks { int ticks; "
            "waker_t slot; }. The ticker\nyields %d time%s, then ticks twice "
            "(yielding once between): each tick does\nticks++ and, if the "
            "slot holds a waker, takes it and wakes it. The waiter\nis done "
            "at ticks == 2. Its poll (variant %s):\n\n"
            "  static poll_t waiter_poll(waiter_t *s, ticks_t *e, context_t "
            "*cx)\n  {\n",
            delay, delay == 1 ? "" : "s", variants[variant].name);
    print_code(q->setup, variants[variant].code);
    fputs("  }\n", q->setup);
    return 0;
}

/* Does it lose a wakeup? Ask the run: the executor names a lost task. */
static int lost_wakeup(quiz_t *q)
{
    pair_ctx_t c;
    int err = run_variant(q, quiz_rng_range(&q->rng, 0, N_VARIANTS - 1),
                          quiz_rng_range(&q->rng, 0, 2), &c);
    if (err != 0)
        return err;
    size_t lost = quiz_next(&q->run, 0, TRACE_LOST_WAKER, 0);
    fprintf(q->ask, "does the waiter lose a wakeup (is it left Pending with "
                    "no waker kept)?\n");
    q->form = QUIZ_YESNO;
    quiz_answer(q, "%s", lost != 0 ? "yes" : "no");
    if (lost != 0) {
        size_t end = quiz_prev(&q->run, lost, TRACE_POLL_END, 1);
        quiz_prove(q, quiz_prev(&q->run, end, TRACE_POLL_START, 1));
        quiz_prove(q, end);
        quiz_prove(q, quiz_next(&q->run, 0, TRACE_COMPLETE, 2));
        quiz_prove(q, lost);
        fprintf(q->why,
                "its last poll (event %zu) returned Pending while the slot "
                "was left empty, so the\nticker's next tick had no waker to "
                "wake; when only the waiter was left, the\nexecutor found it "
                "pending with no live waker and said so (event %zu;\nthe run "
                "ended with a lost wakeup, -EDEADLK).\n",
                end, lost);
    } else {
        size_t done = quiz_next(&q->run, 0, TRACE_COMPLETE, 1);
        for (size_t k = 1; k <= done; k++) {
            const trace_event_t *ev = quiz_ev(&q->run, k);
            if (ev->kind == TRACE_WAKE && ev->task == 1 && ev->b == 2)
                quiz_prove(q, k);
        }
        quiz_prove(q, done);
        fprintf(q->why,
                "at each poll that returned Pending something was kept to "
                "wake it again (a\nclone in the slot, or a wake of itself), so "
                "the waiter was polled after the\nsecond tick and completed "
                "(event %zu).\n",
                done);
    }
    return 0;
}

/* Count the waiter's polls, for a variant that loses nothing. */
static int waiter_polls(quiz_t *q)
{
    static const int lossless[] = {0, 3, 5};
    pair_ctx_t c;
    int err = run_variant(q, lossless[quiz_rng_range(&q->rng, 0, 2)],
                          quiz_rng_range(&q->rng, 0, 3), &c);
    if (err != 0)
        return err;
    size_t n = quiz_count(&q->run, 0, q->run.n, TRACE_POLL_START, 1);
    for (size_t k = 1; k <= q->run.n; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if ((ev->kind == TRACE_POLL_START && ev->task == 1) ||
            (ev->kind == TRACE_WAKE && ev->task == 1))
            quiz_prove(q, k);
    }
    fprintf(q->ask, "how many times is the waiter (t1) polled in all?\n");
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", n);
    fprintf(q->why,
            "the notify executor polls t1 once at its spawn and then once "
            "per wake that\nfound it waiting; a waiter that wakes itself "
            "is queued again at every poll,\nso it is polled as often as the "
            "ticker runs. %zu polls of t1.\n",
            n);
    return 0;
}

/* The driver fires timers in deadline order: who wakes next? */
static int first_woken(quiz_t *q)
{
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = quiz_rng_range(&q->rng, 3, 5);
    p.ms = quiz_rng_range(&q->rng, 5, 25);
    p.rounds = quiz_rng_range(&q->rng, 2, 3);
    int err = quiz_run_scenario(&q->run, "timers", "notify", 1, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup, "timers on the notify executor, virtual time:\n  %s.\n",
            q->run.what);
    /* Moments the executor goes to sleep with one earliest timer. */
    size_t cand[1024], n = 0;
    for (size_t k = 1; k <= q->run.n && n < 1024; k++) {
        if (quiz_ev(&q->run, k)->kind != TRACE_PARK)
            continue;
        const viz_model_t *m = quiz_model_at(&q->run, k);
        uint64_t best = UINT64_MAX;
        int ties = 0;
        for (size_t i = 0; i < m->driver.n_timers; i++) {
            uint64_t d = m->driver.timers[i].deadline_ms;
            if (d < best) {
                best = d;
                ties = 1;
            } else if (d == best) {
                ties++;
            }
        }
        if (ties == 1 && quiz_next(&q->run, k, TRACE_WAKE, 0) != 0)
            cand[n++] = k;
    }
    if (n == 0)
        return -ENODATA;
    size_t at = quiz_pick(q, cand, n);
    quiz_show(q, at, QUIZ_SHOW_RECENT | QUIZ_SHOW_TIMERS);
    size_t wake = quiz_next(&q->run, at, TRACE_WAKE, 0);
    const trace_event_t *w = quiz_ev(&q->run, wake);
    fprintf(q->ask, "the executor has just gone to sleep in the driver. "
                    "Which task is woken next?\n");
    q->form = QUIZ_TASK;
    quiz_answer(q, "t%" PRIu64, w->task);
    quiz_prove(q, quiz_prev(&q->run, wake, TRACE_TIMER_FIRE, 0));
    quiz_prove(q, wake);
    q->reveal = wake;
    fprintf(q->why,
            "nothing else can happen while every task waits: the driver "
            "sleeps until the\nearliest deadline, fires that timer, and "
            "the timer's kept waker wakes its task.\n");
    return 0;
}

const quiz_kind_t quiz_kinds_wakers[] = {
    {5, "lost-wakeup", "does this waiter's code lose a wakeup? (a variant "
                       "the seed picks)",
     lost_wakeup},
    {5, "waiter-polls", "how many times a waiter that keeps its waker is "
                        "polled",
     waiter_polls},
    {5, "first-woken", "which sleeping task the driver wakes next",
     first_woken},
    {0, NULL, NULL, NULL},
};
