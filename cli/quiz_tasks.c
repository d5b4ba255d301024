/*
 * cli/quiz_tasks.c - lesson 9's questions: tasks and join handles.
 *
 *   joined-by    who is woken when this child completes (its join handle)
 *   live         how many tasks are live after a given event
 *   child-polls  how many times one child is polled in all
 *
 * joined-by runs the quiz's own workload: a parent spawns a few children
 * with join handles and awaits them in an order the seed picks; a child
 * yields a number of times the seed picks, then is done. A completion
 * wakes the join waker only if someone is waiting on that handle.
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

#define MAX_CHILDREN 4

typedef struct kid {
    future_t base;
    async_t async;
    int yields, i;
} kid_t;

typedef struct parent {
    future_t base;
    async_t async;
    int children, spawned, i;
    int yields[MAX_CHILDREN];
    int order[MAX_CHILDREN]; /* the awaits: child indexes */
    join_handle_t join[MAX_CHILDREN];
    bool held[MAX_CHILDREN]; /* join[i] not dropped yet */
} parent_t;

static poll_t kid_poll(future_t *f, context_t *cx)
{
    kid_t *k = (kid_t *)f;
    ASYNC_BEGIN(k);
    for (k->i = 0; k->i < k->yields; k->i++)
        YIELD_NOW(k, cx);
    ASYNC_END(k);
}

static poll_t parent_poll(future_t *f, context_t *cx)
{
    parent_t *p = (parent_t *)f;
    ASYNC_BEGIN(p);
    for (p->i = 0; p->i < p->children; p->i++) {
        kid_t k = {.base = {kid_poll, NULL}, .yields = p->yields[p->i]};
        if (spawn(&k.base, sizeof k, "child", &p->join[p->i]) != 0)
            break;
        p->held[p->i] = true;
        p->spawned++;
    }
    for (p->i = 0; p->i < p->children; p->i++) {
        if (!p->held[p->order[p->i]])
            continue;
        AWAIT_POLL(p, join_handle_poll(&p->join[p->order[p->i]], cx));
        join_handle_drop(&p->join[p->order[p->i]]);
        p->held[p->order[p->i]] = false;
    }
    ASYNC_END(p);
}

static void parent_drop(future_t *f)
{
    parent_t *p = (parent_t *)f;
    for (int i = 0; i < p->children; i++)
        if (p->held[i])
            join_handle_drop(&p->join[i]);
}

static int start_parent(executor_t *ex, void *ctx)
{
    return executor_spawn(ex, ctx, sizeof(parent_t), "parent", NULL);
}

static int joined_by(quiz_t *q)
{
    parent_t p = {.base = {parent_poll, parent_drop}};
    p.children = quiz_rng_range(&q->rng, 2, MAX_CHILDREN);
    for (int i = 0; i < p.children; i++) {
        p.yields[i] = quiz_rng_range(&q->rng, 0, 3);
        p.order[i] = i;
    }
    for (int i = p.children - 1; i > 0; i--) { /* Fisher-Yates */
        int j = quiz_rng_range(&q->rng, 0, i), t = p.order[i];
        p.order[i] = p.order[j];
        p.order[j] = t;
    }
    int err = quiz_run_own(&q->run, "join", "notify", q->seed, start_parent,
                           &p);
    if (err != 0)
        return err;
    fprintf(q->setup, "On the notify executor: t1 'parent' spawns %d children "
                      "with join handles, in\nthis order:",
            p.children);
    for (int i = 0; i < p.children; i++)
        fprintf(q->setup, " t%d (yields %d time%s)%s", i + 2, p.yields[i],
                p.yields[i] == 1 ? "" : "s", i + 1 < p.children ? "," : ".");
    fprintf(q->setup, "\nThen it awaits their handles one after another:");
    for (int i = 0; i < p.children; i++)
        fprintf(q->setup, " t%d", p.order[i] + 2);
    fprintf(q->setup, ".\n");
    int pick = quiz_rng_range(&q->rng, 0, p.children - 1);
    uint64_t child = (uint64_t)pick + 2;
    size_t done = quiz_next(&q->run, 0, TRACE_COMPLETE, child);
    size_t start = quiz_prev(&q->run, done, TRACE_POLL_START, child);
    if (done == 0 || start == 0)
        return -ENODATA;
    size_t end = quiz_next_step(&q->run, done);
    end = end == 0 ? q->run.n : end - 1;
    uint64_t woken = 0;
    size_t wake = 0;
    /* The wakes of the child's last poll that are not its own: the join
     * waker's (the trace names its waker as the polled task, or t0). */
    for (size_t k = start; k <= end; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_WAKE && ev->a == TRACE_BY_TASK &&
            ev->task != child) {
            woken = ev->task;
            wake = k;
            break;
        }
    }
    quiz_show(q, start - 1, QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES |
                                QUIZ_SHOW_WAITING | QUIZ_SHOW_TASKS);
    fprintf(q->ask, "t%" PRIu64 " is polled next and completes. Which task "
                    "does its completion wake (none if\nno one)?\n",
            child);
    q->form = QUIZ_TASK;
    char id[24];
    quiz_answer(q, "%s", quiz_tid(woken, id, sizeof id));
    quiz_prove(q, start);
    quiz_prove(q, done);
    quiz_prove(q, wake);
    q->reveal = done;
    size_t waited = quiz_prev(&q->run, start, TRACE_POLL_END, 1);
    quiz_prove(q, waited);
    fprintf(q->why,
            "a completion wakes the join waker only if one is kept: the "
            "parent keeps its\nwaker in the handle it is awaiting, and only "
            "that one.\n%s\n",
            woken != 0 ? "The parent was waiting on this child's handle."
                       : "The parent was not waiting on this child's handle "
                         "(it awaits another, or is\nnot waiting at all); it "
                         "will find this child done when it gets there.");
    return 0;
}

static int live(quiz_t *q)
{
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = quiz_rng_range(&q->rng, 3, 7);
    p.rounds = quiz_rng_range(&q->rng, 1, 3);
    int err = quiz_run_scenario(&q->run, "fanout", "notify", 1, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "fanout on the notify executor: t1 'parent' spawns %d children "
            "(t2 ...) in one\npoll; each child yields %d time%s, then is "
            "done.\n",
            p.tasks, p.rounds, p.rounds == 1 ? "" : "s");
    size_t cand[4096], n = 0;
    for (size_t k = 1; k <= q->run.n && n < 4096; k++)
        if (quiz_ev(&q->run, k)->kind == TRACE_POLL_END)
            cand[n++] = k;
    if (n == 0)
        return -ENODATA;
    size_t at = quiz_pick(q, cand, n);
    quiz_show(q, at, QUIZ_SHOW_RECENT);
    const viz_model_t *m = quiz_model_at(&q->run, at);
    size_t alive = 0;
    for (size_t i = 0; i < m->n_tasks; i++)
        if (m->tasks[i].id != 0 && m->tasks[i].state != VIZ_TASK_DONE &&
            m->tasks[i].state != VIZ_TASK_FREED)
            alive++;
    fprintf(q->ask, "how many tasks are live (spawned and not yet completed) "
                    "after event %zu?\n",
            at);
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", alive);
    for (size_t k = 1; k <= at; k++)
        if (quiz_ev(&q->run, k)->kind == TRACE_COMPLETE)
            quiz_prove(q, k);
    quiz_prove(q, at);
    fprintf(q->why,
            "%zu tasks were spawned by then and %zu had completed (the "
            "COMPLETE events\nbelow); a round-robin ready queue polls every "
            "child once per round.\n",
            (size_t)m->c.spawned, (size_t)m->c.completed);
    return 0;
}

static int child_polls(quiz_t *q)
{
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = quiz_rng_range(&q->rng, 9, 12);
    p.rounds = quiz_rng_range(&q->rng, 1, 2);
    int err = quiz_run_scenario(&q->run, "imbalance", "notify", 1, q->seed, &p);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "imbalance on the notify executor: t1 'root' spawns %d children "
            "t2 .. t%d in\norder; child i (from 0) yields %d times if i is a "
            "multiple of 8 ('heavy'),\nelse %d time%s ('light').\n",
            p.tasks, p.tasks + 1, 8 * p.rounds, p.rounds,
            p.rounds == 1 ? "" : "s");
    uint64_t child = (uint64_t)quiz_rng_range(&q->rng, 2, p.tasks + 1);
    size_t n = quiz_count(&q->run, 0, q->run.n, TRACE_POLL_START, child);
    for (size_t k = 1; k <= q->run.n; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if ((ev->kind == TRACE_SPAWN || ev->kind == TRACE_COMPLETE) &&
            ev->task == child)
            quiz_prove(q, k);
    }
    quiz_prove(q, quiz_prev(&q->run, q->run.n + 1, TRACE_POLL_START, child));
    fprintf(q->ask, "how many times is t%" PRIu64 " polled in all?\n", child);
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%zu", n);
    fprintf(q->why,
            "a task that yields Y times is Pending Y times and Ready once: Y "
            "+ 1 polls. t%" PRIu64 "\nis child %" PRIu64 " (from 0).\n",
            child, child - 2);
    return 0;
}

const quiz_kind_t quiz_kinds_tasks[] = {
    {9, "joined-by", "who is woken when this child completes (its join "
                     "handle)",
     joined_by},
    {9, "live", "how many tasks are live after a given event", live},
    {9, "child-polls", "how many times one child of an uneven fanout is "
                       "polled",
     child_polls},
    {0, NULL, NULL, NULL},
};
