/*
 * cli/quiz.h - PRIVATE to cli/: `asynclab quiz N`, predict then reveal.
 *
 * A question kind is one small function (cli/quiz_<topic>.c) that
 *
 *   1. picks a small workload from the seed (quiz_rng_*): a scenario with a
 *      handful of tasks, or a future of its own, on spin, notify or ws,
 *      always simulated (virtual time; ws: one thread, the seed's
 *      interleaving), so the same seed gives the same run;
 *   2. runs it in this process, keeping every trace event (quiz_run_*);
 *   3. picks a moment in the run and shows the state there, read from the
 *      visualizer's model (visualizer/model.h) fed the events up to it;
 *   4. asks one question whose answer it reads from the rest of the run
 *      (the next POLL_START, the STEAL's count, the events counted) or
 *      from the library's own functions (the timer wheel's), never from a
 *      table of answers; and names the events that prove it.
 *
 * The engine (cli/quiz.c) prints the question, reads one line, says right
 * or wrong, and reveals the answer with its proof: the events as
 * `asynclab trace export --text` numbers and words them (the run is saved
 * as a trace file under $TMPDIR, default /tmp), and the visualizer
 * command that shows the same steps.
 *
 * Tests: tests/quiz.sh.
 */
#ifndef ASYNCLAB_CLI_QUIZ_H
#define ASYNCLAB_CLI_QUIZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/executor.h"
#include "core/trace.h"
#include "scenarios/scenario.h"
#include "visualizer/model.h"

#define QUIZ_FIRST_LESSON 4
#define QUIZ_LAST_LESSON  18
#define QUIZ_MAX_PROOF    24

/* ---- the seed's choices ---------------------------------------------------- */

typedef struct quiz_rng {
    uint64_t state;
} quiz_rng_t;

/* A number in [lo, hi], from the seed's stream (SplitMix64). */
int quiz_rng_range(quiz_rng_t *r, int lo, int hi);

/* ---- a run, recorded ----------------------------------------------------- */

typedef struct quiz_run {
    /* what ran: a scenario (its name), or the quiz's own workload */
    char scenario[32];
    bool own;             /* the quiz's own futures, not a scenario */
    const char *executor; /* "spin", "notify", "ws" */
    int workers;          /* ws: 2 .. 4; else 1 */
    uint64_t sim_seed;
    scenario_params_t params; /* a scenario's options (SCENARIO_UNSET:
                                 not given) */
    int rc;                   /* the run's result: 0 or -errno */
    char what[160];           /* the scenario's words for what it did */

    trace_event_t *ev; /* every event, in order: ev[k - 1] is event k */
    size_t n, cap;

    viz_model_t model;  /* scratch: the state after `applied` events */
    bool modeled;       /* model initialised */
    size_t applied;
    char trace_path[256]; /* where the run was saved, "" if it was not */
} quiz_run_t;

/* Run scenario name on executor (workers: ws only), simulated with
 * sim_seed, recording every event. 0, or -errno when nothing could run
 * (the scenario's own failure is in r->rc). */
int quiz_run_scenario(quiz_run_t *r, const char *name, const char *executor,
                      int workers, uint64_t sim_seed,
                      const scenario_params_t *p);

/* The quiz's own workload: start(ex, ctx) spawns its tasks, then the
 * executor runs them to the end (r->rc: executor_run's result). label
 * names it in the trace file. */
int quiz_run_own(quiz_run_t *r, const char *label, const char *executor,
                 uint64_t sim_seed, int (*start)(executor_t *ex, void *ctx),
                 void *ctx);

void quiz_run_free(quiz_run_t *r);

/* Event k (1-based, as trace export --text numbers them). */
const trace_event_t *quiz_ev(const quiz_run_t *r, size_t k);

/* The model after events 1 .. k (0: before the first). */
const viz_model_t *quiz_model_at(quiz_run_t *r, size_t k);

/* Event k in words, as trace export --text prints it (without the number
 * and time). Returns buf. */
const char *quiz_words(quiz_run_t *r, size_t k, char *buf, size_t n);

/* The visualizer step that ends with event k's step: `--print-screen
 * quiz_step_of(r, k)` shows the state after event k's whole step. */
size_t quiz_step_of(const quiz_run_t *r, size_t k);

/* The first event after `after` (1-based; 0: from the start) of kind
 * (task: that task only, 0: any), or 0. */
size_t quiz_next(const quiz_run_t *r, size_t after, trace_kind_t kind,
                 uint64_t task);

/* The last event before `before` of kind (task 0: any), or 0. */
size_t quiz_prev(const quiz_run_t *r, size_t before, trace_kind_t kind,
                 uint64_t task);

/* The next event after `after` that starts a visualizer step, or 0. */
size_t quiz_next_step(const quiz_run_t *r, size_t after);

/* How many events of kind in (after, upto] (task 0: any). */
size_t quiz_count(const quiz_run_t *r, size_t after, size_t upto,
                  trace_kind_t kind, uint64_t task);

/* ---- a question ---------------------------------------------------------- */

typedef enum quiz_form {
    QUIZ_NUMBER, /* 12 */
    QUIZ_TASK,   /* t5 (5 also accepted); "none" for no task */
    QUIZ_WORKER, /* w1 (1 also accepted) */
    QUIZ_YESNO,  /* yes / no (y / n) */
    QUIZ_LETTER, /* a, b, c ... */
    QUIZ_TASKS,  /* t3 t1 t2: tasks in order; "none" for no task */
} quiz_form_t;

typedef struct quiz {
    int lesson;
    const char *kind;
    uint64_t seed;
    quiz_rng_t rng; /* from lesson, kind and seed */

    quiz_run_t run; /* the run the question is about (run.n == 0: none) */

    /* Written by the kind. */
    FILE *setup;  /* what ran, in a sentence or two */
    FILE *state;  /* the state asked about */
    FILE *ask;    /* the question, one or two lines */
    FILE *why;    /* why the answer is what it is */
    quiz_form_t form;
    char answer[64];
    size_t proof[QUIZ_MAX_PROOF]; /* event numbers that decide it */
    size_t n_proof;
    size_t shown; /* the state is after this event (0: the start) */
    size_t reveal; /* the event whose step shows the answer (0: none) */

    /* the buffers behind the streams */
    char *buf[4];
    size_t len[4];
} quiz_t;

/* A question kind: fill q (its run, streams, answer, proof). 0, or -errno
 * when it could not be made (then nothing is printed but the reason). */
typedef int (*quiz_fn)(quiz_t *q);

typedef struct quiz_kind {
    int lesson;
    const char *name;    /* "next-poll" */
    const char *summary; /* one line for --list */
    quiz_fn make;
} quiz_kind_t;

/* Every kind, by lesson; ends with {0}. One table per topic file. */
extern const quiz_kind_t quiz_kinds_spin[], quiz_kinds_wakers[],
    quiz_kinds_notify[], quiz_kinds_time[], quiz_kinds_io[],
    quiz_kinds_tasks[], quiz_kinds_ws[], quiz_kinds_blocking[],
    quiz_kinds_fair[], quiz_kinds_capstone[], quiz_kinds_fast[],
    quiz_kinds_blockon[], quiz_kinds_combine[], quiz_kinds_sync[],
    quiz_kinds_redis[];

/* ---- helpers for the kinds ----------------------------------------------- */

/* Add event k to the proof (kept in order, once). */
void quiz_prove(quiz_t *q, size_t k);

/* Set the answer text (printf). */
void quiz_answer(quiz_t *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What the state shows (or'ed). */
enum {
    QUIZ_SHOW_QUEUES = 1,  /* deque / ready + remote / rings + LIFO + inject */
    QUIZ_SHOW_TIMERS = 2,  /* the driver's clock and pending timers */
    QUIZ_SHOW_TASKS = 4,   /* every task not yet freed: state, polls */
    QUIZ_SHOW_RECENT = 8,  /* the last few events up to the moment */
    QUIZ_SHOW_WAITING = 16 /* notify: tasks waiting (in no queue) */
};

/* The state after event k, from the model, into q->state; q->shown = k. */
void quiz_show(quiz_t *q, size_t k, unsigned what);

/* Event k's line, as trace export --text prints it, to out. */
void quiz_print_event(quiz_t *q, FILE *out, size_t k);

/* "t5" for a task id, "none" for 0, into buf. */
const char *quiz_tid(uint64_t id, char *buf, size_t n);

/* Pick one of n candidates (n > 0) with the question's rng. */
size_t quiz_pick(quiz_t *q, const size_t *cand, size_t n);

/* Pick one poll of the run (event 2 on, at most the first 4096) with the
 * question's rng: its event number, or 0 when the run has none. */
size_t quiz_pick_poll(quiz_t *q);

/* A scenario's options as the command line gives them ("--tasks 3 ..."). */
void quiz_print_params(FILE *out, const scenario_params_t *p);

/* A poll question: event e is a POLL_START; show the state just before
 * it (show: QUIZ_SHOW_*), ask which task `who` polls next, and prove it
 * by the event that queued the task and the poll itself. */
void quiz_ask_next_poll(quiz_t *q, size_t e, unsigned show, const char *who);

/* The work-stealing questions (cli/quiz_ws.c), for lessons 13, 14, 17:
 * run scenario on ws (workers 0: the seed picks 2 to 4), then ask. */
int quiz_ws_run(quiz_t *q, const char *scenario, int workers);
int quiz_ws_ask_next_task(quiz_t *q);
int quiz_ws_ask_next_worker(quiz_t *q);
int quiz_ws_ask_steal_count(quiz_t *q);
int quiz_ws_ask_lifo(quiz_t *q);

/* The event is a poll's start of any task on worker w (TRACE_NO_WORKER:
 * any worker). */
bool quiz_is_poll(const trace_event_t *ev, uint32_t w);

#endif
