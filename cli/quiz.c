/*
 * cli/quiz.c - the quiz's engine: a simulated run recorded in memory, the
 * visualizer's model over it, the state shown as text, and the helpers the
 * question kinds share (cli/quiz.h).
 *
 * A run is recorded by a sink that keeps every event in emission order.
 * Every run here is single-threaded (spin and notify on one thread, ws in
 * simulation), so that order is the run's order, and the trace file saved
 * from it (trace_file_save: the events as given) numbers them exactly as
 * `asynclab trace export --text` will. tests/quiz.sh checks that the
 * proof lines printed here are the export's lines.
 *
 * Tests: tests/quiz.sh.
 */
#include "cli/quiz.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/executors.h"
#include "core/array.h"
#include "scenarios/measure.h"
#include "trace/file.h"

/* ---- the seed's choices -------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

int quiz_rng_range(quiz_rng_t *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (int)(splitmix64(&r->state) % span);
}

size_t quiz_pick(quiz_t *q, const size_t *cand, size_t n)
{
    return cand[(size_t)quiz_rng_range(&q->rng, 0, (int)n - 1)];
}

size_t quiz_pick_poll(quiz_t *q)
{
    size_t cand[4096], n = 0;
    for (size_t k = 2; k <= q->run.n && n < 4096; k++)
        if (quiz_is_poll(quiz_ev(&q->run, k), TRACE_NO_WORKER))
            cand[n++] = k;
    return n == 0 ? 0 : quiz_pick(q, cand, n);
}

/* ---- recording ------------------------------------------------------------ */

typedef struct recorder {
    trace_sink_t sink; /* first */
    quiz_run_t *run;
    bool failed; /* out of memory: the run is incomplete */
} recorder_t;

static void record(trace_sink_t *self, const trace_event_t *ev)
{
    recorder_t *rec = (recorder_t *)self;
    quiz_run_t *r = rec->run;
    if (rec->failed || !ARRAY_GROW(r->ev, r->n, r->cap, 1024, 0)) {
        rec->failed = true;
        return;
    }
    r->ev[r->n++] = *ev;
}

static const char *live_name(void *ctx, uint64_t id)
{
    (void)ctx;
    return trace_name_of(id);
}

static void run_init(quiz_run_t *r, const char *name, bool own,
                     const char *executor, int workers, uint64_t sim_seed)
{
    memset(r, 0, sizeof *r);
    snprintf(r->scenario, sizeof r->scenario, "%s", name);
    r->own = own;
    r->executor = executor;
    r->workers = strcmp(executor, "ws") == 0 ? workers : 1;
    r->sim_seed = sim_seed;
    scenario_params_init(&r->params);
}

/* A run's own words on stderr (the executor naming a lost task, say)
 * would give the answer away before the question: hushed meanwhile. */
static int hush_begin(void)
{
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved >= 0 && null >= 0)
        dup2(null, STDERR_FILENO);
    if (null >= 0)
        close(null);
    return saved;
}

static void hush_end(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

static int run_model(quiz_run_t *r)
{
    int err = viz_model_init(&r->model, r->executor, (uint32_t)r->workers,
                             r->scenario, live_name, NULL);
    r->modeled = err == 0;
    return err;
}

int quiz_run_scenario(quiz_run_t *r, const char *name, const char *executor,
                      int workers, uint64_t sim_seed,
                      const scenario_params_t *p)
{
    run_init(r, name, false, executor, workers, sim_seed);
    r->params = *p;
    const scenario_t *sc = scenario_by_name(name);
    if (sc == NULL)
        return -EINVAL;
    recorder_t rec = {.sink = {.write = record}, .run = r};
    scenario_setup_t setup = {
        .params = *p,
        .workers = r->workers > 1 ? r->workers : 0,
        .sim = true,
        .seed = sim_seed,
        .trace = &rec.sink,
    };
    scenario_measure_t m;
    int hushed = hush_begin();
    int err = scenario_measure(sc, executor, &setup, &m);
    hush_end(hushed);
    if (err == 0 && rec.failed)
        err = -ENOMEM;
    if (err != 0)
        return err;
    r->rc = m.err;
    snprintf(r->what, sizeof r->what, "%s", m.result.what);
    return run_model(r);
}

int quiz_run_own(quiz_run_t *r, const char *label, const char *executor,
                 uint64_t sim_seed, int (*start)(executor_t *ex, void *ctx),
                 void *ctx)
{
    run_init(r, label, true, executor, 2, sim_seed);
    recorder_t rec = {.sink = {.write = record}, .run = r};
    executor_config_t cfg = {
        .kind = executor_kind_by_name(executor),
        .workers = r->workers > 1 ? r->workers : 0,
        .sim = true,
        .seed = sim_seed,
        .virtual_time = true,
        .trace = &rec.sink,
    };
    if (cfg.kind == NULL)
        return -EINVAL;
    errno = 0;
    executor_t *ex = executor_create(&cfg);
    if (ex == NULL)
        return errno != 0 ? -errno : -ENOMEM;
    int hushed = hush_begin();
    int err = start(ex, ctx);
    r->rc = err != 0 ? err : executor_run(ex);
    executor_destroy(ex);
    hush_end(hushed);
    if (rec.failed)
        return -ENOMEM;
    return run_model(r);
}

void quiz_run_free(quiz_run_t *r)
{
    if (r->modeled)
        viz_model_destroy(&r->model);
    free(r->ev);
    memset(r, 0, sizeof *r);
}

/* ---- reading the run ------------------------------------------------------ */

const trace_event_t *quiz_ev(const quiz_run_t *r, size_t k)
{
    return k >= 1 && k <= r->n ? &r->ev[k - 1] : NULL;
}

const viz_model_t *quiz_model_at(quiz_run_t *r, size_t k)
{
    if (k > r->n)
        k = r->n;
    if (k < r->applied) { /* back: rebuild from the start (model.h) */
        viz_model_reset(&r->model);
        r->applied = 0;
    }
    while (r->applied < k)
        viz_model_apply(&r->model, &r->ev[r->applied++]);
    return &r->model;
}

const char *quiz_words(quiz_run_t *r, size_t k, char *buf, size_t n)
{
    const viz_model_t *m = quiz_model_at(r, k - 1);
    return viz_describe(m, &r->ev[k - 1], buf, n);
}

size_t quiz_step_of(const quiz_run_t *r, size_t k)
{
    size_t steps = 0;
    for (size_t j = 1; j <= k && j <= r->n; j++)
        if (j == 1 || viz_event_starts_step(&r->ev[j - 1]))
            steps++;
    return steps;
}

size_t quiz_next(const quiz_run_t *r, size_t after, trace_kind_t kind,
                 uint64_t task)
{
    for (size_t k = after + 1; k <= r->n; k++) {
        const trace_event_t *ev = &r->ev[k - 1];
        if (ev->kind == (uint32_t)kind && (task == 0 || ev->task == task))
            return k;
    }
    return 0;
}

size_t quiz_prev(const quiz_run_t *r, size_t before, trace_kind_t kind,
                 uint64_t task)
{
    if (before == 0)
        return 0;
    for (size_t k = before - 1 > r->n ? r->n : before - 1; k >= 1; k--) {
        const trace_event_t *ev = &r->ev[k - 1];
        if (ev->kind == (uint32_t)kind && (task == 0 || ev->task == task))
            return k;
    }
    return 0;
}

size_t quiz_next_step(const quiz_run_t *r, size_t after)
{
    for (size_t k = after + 1; k <= r->n; k++)
        if (viz_event_starts_step(&r->ev[k - 1]))
            return k;
    return 0;
}

size_t quiz_count(const quiz_run_t *r, size_t after, size_t upto,
                  trace_kind_t kind, uint64_t task)
{
    size_t c = 0;
    for (size_t k = after + 1; k <= upto && k <= r->n; k++) {
        const trace_event_t *ev = &r->ev[k - 1];
        if (ev->kind == (uint32_t)kind && (task == 0 || ev->task == task))
            c++;
    }
    return c;
}

bool quiz_is_poll(const trace_event_t *ev, uint32_t w)
{
    return ev->kind == TRACE_POLL_START &&
           (w == TRACE_NO_WORKER || ev->worker == w);
}

/* ---- helpers for the kinds ------------------------------------------------ */

void quiz_prove(quiz_t *q, size_t k)
{
    if (k == 0 || q->n_proof == QUIZ_MAX_PROOF)
        return;
    size_t i = q->n_proof;
    while (i > 0 && q->proof[i - 1] > k)
        i--;
    if (i > 0 && q->proof[i - 1] == k)
        return;
    memmove(&q->proof[i + 1], &q->proof[i], (q->n_proof - i) * sizeof k);
    q->proof[i] = k;
    q->n_proof++;
}

void quiz_answer(quiz_t *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->answer, sizeof q->answer, fmt, ap);
    va_end(ap);
}

const char *quiz_tid(uint64_t id, char *buf, size_t n)
{
    if (id == 0)
        snprintf(buf, n, "none");
    else
        snprintf(buf, n, "t%" PRIu64, id);
    return buf;
}

void quiz_print_event(quiz_t *q, FILE *out, size_t k)
{
    char words[VIZ_LINE];
    quiz_words(&q->run, k, words, sizeof words);
    uint64_t t0 = q->run.n > 0 ? q->run.ev[0].time_ns : 0;
    uint64_t t = q->run.ev[k - 1].time_ns;
    double ms = t >= t0 ? (double)(t - t0) / 1e6 : 0;
    fprintf(out, "%8zu %12.3f ms  %s\n", k, ms, words);
}

static void print_queue(FILE *out, const viz_queue_t *qu)
{
    size_t n = viz_queue_len(qu);
    if (n == 0)
        fputs(" (empty)", out);
    for (size_t i = 0; i < n; i++) {
        if (n > 16 && i == 6) { /* a long queue: its ends, and its length */
            fprintf(out, " ... (%zu in all) ...", n);
            i = n - 6;
        }
        fprintf(out, " t%" PRIu64, viz_queue_at(qu, i));
    }
    fputc('\n', out);
}

static void show_queues(FILE *out, const viz_model_t *m)
{
    switch (m->exec) {
    case VIZ_EXEC_SPIN:
        fputs("  deque (front first):", out);
        print_queue(out, &m->ready);
        break;
    case VIZ_EXEC_NOTIFY:
        fputs("  ready queue (front first):", out);
        print_queue(out, &m->ready);
        fputs("  remote queue (front first):", out);
        print_queue(out, &m->remote);
        break;
    case VIZ_EXEC_WS:
        for (uint32_t w = 0; w < m->workers; w++) {
            const viz_worker_t *wk = &m->worker[w];
            char what[32];
            if (wk->state == VIZ_WORKER_POLLING)
                snprintf(what, sizeof what, "polling t%" PRIu64, wk->task);
            else
                snprintf(what, sizeof what, "%s",
                         viz_worker_state_name(wk->state));
            char lifo[24];
            quiz_tid(wk->lifo, lifo, sizeof lifo);
            fprintf(out, "  w%-2u %-14s LIFO slot %-5s ring (front first):",
                    w, what, wk->lifo != 0 ? lifo : "-");
            print_queue(out, &wk->ring);
        }
        fputs("  inject queue (front first):", out);
        print_queue(out, &m->inject);
        break;
    }
}

static void show_timers(FILE *out, const viz_model_t *m)
{
    const viz_driver_t *d = &m->driver;
    fprintf(out, "  clock: %" PRIu64 " ms; pending timers:", d->now_ms);
    if (d->n_timers == 0)
        fputs(" none", out);
    fputc('\n', out);
    for (size_t i = 0; i < d->n_timers; i++)
        fprintf(out, "    t%-4" PRIu64 " deadline %" PRIu64 " ms (wheel level %d)\n",
                d->timers[i].task, d->timers[i].deadline_ms,
                viz_timer_level(d->timers[i].deadline_ms, d->now_ms));
}

static void show_tasks(FILE *out, const viz_model_t *m, bool waiting_only)
{
    bool any = false;
    for (size_t i = 0; i < m->n_tasks; i++) {
        const viz_task_t *t = &m->tasks[i];
        if (t->state == VIZ_TASK_FREED || t->id == 0)
            continue;
        if (waiting_only && t->state != VIZ_TASK_WAITING)
            continue;
        if (waiting_only) {
            fprintf(out, "%s t%" PRIu64, any ? "" : "  waiting (in no queue):",
                    t->id);
            any = true;
            continue;
        }
        char label[64];
        viz_task_label(m, t->id, label, sizeof label);
        fprintf(out, "    %-20s %-8s polled %" PRIu64 "\n", label,
                viz_task_state_name(t->state), t->polls);
    }
    if (waiting_only)
        fputs(any ? "\n" : "  waiting (in no queue): none\n", out);
}

void quiz_show(quiz_t *q, size_t k, unsigned what)
{
    q->shown = k;
    FILE *out = q->state;
    if (what & QUIZ_SHOW_RECENT) {
        size_t from = k > 6 ? k - 5 : 1;
        if (k > 0)
            fprintf(out, "  the last events:\n");
        for (size_t j = from; j <= k; j++)
            quiz_print_event(q, out, j);
    }
    const viz_model_t *m = quiz_model_at(&q->run, k);
    if (what & QUIZ_SHOW_QUEUES)
        show_queues(out, m);
    if (what & QUIZ_SHOW_WAITING)
        show_tasks(out, m, true);
    if (what & QUIZ_SHOW_TIMERS)
        show_timers(out, m);
    if (what & QUIZ_SHOW_TASKS) {
        fputs("  tasks:\n", out);
        show_tasks(out, m, false);
    }
}

void quiz_print_params(FILE *out, const scenario_params_t *p)
{
    if (p->tasks != SCENARIO_UNSET)
        fprintf(out, " --tasks %d", p->tasks);
    if (p->ms != SCENARIO_UNSET)
        fprintf(out, " --ms %d", p->ms);
    if (p->rounds != SCENARIO_UNSET)
        fprintf(out, " --rounds %d", p->rounds);
    if (p->connections != SCENARIO_UNSET)
        fprintf(out, " --connections %d", p->connections);
}

void quiz_ask_next_poll(quiz_t *q, size_t e, unsigned show, const char *who)
{
    const trace_event_t *ev = quiz_ev(&q->run, e);
    quiz_show(q, e - 1, show);
    fprintf(q->ask, "which task does %s poll next?\n", who);
    q->form = QUIZ_TASK;
    quiz_answer(q, "t%" PRIu64, ev->task);
    quiz_prove(q, quiz_prev(&q->run, e, TRACE_SCHEDULE, ev->task));
    quiz_prove(q, e);
    q->reveal = e;
}

/* ---- saving the run ------------------------------------------------------- */

/* Save the run as a trace file under $TMPDIR/asynclab-quiz (default
 * /tmp): written to a temporary name, then renamed, so that two quizzes
 * with the same question never read half a file. "" when it failed. */
void quiz__save(quiz_t *q)
{
    quiz_run_t *r = &q->run;
    r->trace_path[0] = '\0';
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] != '/')
        tmp = "/tmp";
    char dir[160];
    int len = snprintf(dir, sizeof dir, "%s/asynclab-quiz", tmp);
    if (len < 0 || (size_t)len >= sizeof dir)
        return;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return;
    char path[sizeof r->trace_path], part[sizeof r->trace_path + 24];
    len = snprintf(path, sizeof path, "%s/%02d-%s-seed%" PRIu64 ".trace", dir,
                   q->lesson, q->kind, q->seed);
    if (len < 0 || (size_t)len >= sizeof path)
        return;
    snprintf(part, sizeof part, "%s.%ld", path, (long)getpid());
    size_t n_names = (size_t)trace_name_count();
    const char **names = calloc(n_names + 1, sizeof *names);
    if (names == NULL)
        return;
    for (size_t i = 0; i < n_names; i++)
        names[i] = trace_name_of(i + 1);
    trace_info_t info;
    trace_info_set(&info, r->executor, r->scenario, (uint32_t)r->workers, true,
                   r->sim_seed, TRACE_CLOCK_VIRTUAL);
    int err = trace_file_save(part, &info, r->ev, r->n, 0, names, n_names);
    free(names);
    if (err == 0 && rename(part, path) == 0)
        snprintf(r->trace_path, sizeof r->trace_path, "%s", path);
    else
        unlink(part);
}
