/*
 * visualizer/tour.c - the tour's script and the matcher that ties each
 * caption to its event (visualizer/tour.h).
 *
 * An entry of the script is four things: the kind of event it speaks of,
 * which one (the nth of those that satisfy `when`), the predicate `when`
 * (read against the model before and after the event: what the words
 * claim without a number, "its ring was empty", is checked here), and
 * `say`, which writes the words from the model, recording every number,
 * worker and task it writes as a fact.
 *
 * The tour scenario (scenarios/scenario_tour.c) on ws: a root task spawns
 * children that yield, a ping/pong pair, three sleepers and a yielder;
 * the entries follow that run from the root's first poll to the last
 * task's completion.
 *
 * Tests: tests/test_viz_tour.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/future.h"
#include "visualizer/escape.h"
#include "visualizer/tour.h"

typedef struct ctx {
    const trace_event_t *ev, *prev; /* prev: kind 0 at the first event */
    const viz_tour_before_t *b;     /* the model before the event */
    const viz_model_t *m;           /* ... and after it */
} ctx_t;

/* ---- writing a caption --------------------------------------------------- */

static uint64_t fact(viz_tour_caption_t *c, uint32_t kind, uint64_t subject,
                     uint64_t value)
{
    if (c->n_facts < VIZ_CAPTION_FACTS)
        c->facts[c->n_facts++] = (viz_fact_t){kind, subject, value};
    return value;
}

__attribute__((format(printf, 2, 3))) static void say(viz_tour_caption_t *c,
                                                      const char *fmt, ...)
{
    size_t at = strlen(c->text);
    if (at + 1 >= sizeof c->text)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->text + at, sizeof c->text - at, fmt, ap);
    va_end(ap);
}

/* "t12 'child'", its name escaped (names come from anyone's trace). */
static const char *task_words(const ctx_t *x, uint64_t id, char *buf,
                              size_t n)
{
    char raw[96];
    viz_task_label(x->m, id, raw, sizeof raw);
    return viz_escape(raw, buf, n);
}

/* ---- reading the model --------------------------------------------------- */

static bool worker_ok(const viz_model_t *m, uint64_t w)
{
    return w < VIZ_MAX_WORKERS && w < m->workers;
}

static size_t children_of(const viz_model_t *m, uint64_t parent)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_tasks; i++)
        n += m->tasks[i].parent == parent;
    return n;
}

static size_t empty_others(const viz_model_t *m, uint32_t but)
{
    size_t n = 0;
    for (uint32_t w = 0; w < m->workers; w++)
        n += w != but && m->worker[w].lifo == 0 &&
             viz_queue_len(&m->worker[w].ring) == 0;
    return n;
}

static bool next_timer(const viz_model_t *m, uint64_t *ms)
{
    const viz_driver_t *d = &m->driver;
    if (d->n_timers == 0)
        return false;
    *ms = d->timers[0].deadline_ms;
    for (size_t i = 1; i < d->n_timers; i++)
        if (d->timers[i].deadline_ms < *ms)
            *ms = d->timers[i].deadline_ms;
    return true;
}

static size_t queued_now(const viz_model_t *m)
{
    size_t n = viz_queue_len(&m->inject) + viz_queue_len(&m->ready) +
               viz_queue_len(&m->remote);
    for (uint32_t w = 0; w < m->workers; w++)
        n += viz_queue_len(&m->worker[w].ring) + (m->worker[w].lifo != 0);
    return n;
}

/* ---- the script ---------------------------------------------------------- */

/* 1. A spawn from inside a poll takes the LIFO slot and pushes the task
 * that was there to the back of the ring. */
static bool bump_when(const ctx_t *x)
{
    return x->ev->a == TRACE_Q_LIFO && worker_ok(x->m, x->ev->worker) &&
           x->b->worker[x->ev->worker].lifo != 0 &&
           x->b->worker[x->ev->worker].lifo != x->ev->task;
}

static void bump_say(const ctx_t *x, viz_tour_caption_t *c)
{
    char t[128], old[128];
    uint64_t w = fact(c, VIZ_FACT_WORKER, 0, x->ev->worker);
    fact(c, VIZ_FACT_QUEUE, 0, TRACE_Q_LIFO);
    say(c,
        "A task spawned by a running task goes into its worker's LIFO slot, "
        "the one place a worker looks first: %s takes w%" PRIu64 "'s slot, "
        "and %s, which held it, moves to the back of w%" PRIu64
        "'s ring. Every spawn of this poll does the same.",
        task_words(x, fact(c, VIZ_FACT_TASK, 0, x->ev->task), t, sizeof t), w,
        task_words(x,
                   fact(c, VIZ_FACT_BUMPED, w, x->b->worker[w].lifo), old,
                   sizeof old),
        w);
}

/* 2. The root's poll ends: it came from outside (no parent), and
 * everything it spawned is on one worker. */
static bool root_done_when(const ctx_t *x)
{
    const viz_task_t *t = viz_model_task(x->m, x->ev->task);
    return x->ev->a == POLL_READY && t != NULL && t->parent == 0 &&
           worker_ok(x->m, x->ev->worker) &&
           x->m->worker[x->ev->worker].lifo != 0;
}

static void root_done_say(const ctx_t *x, viz_tour_caption_t *c)
{
    char t[128], l[128];
    uint64_t w = x->ev->worker;
    const viz_worker_t *wk = &x->m->worker[w];
    say(c,
        "%s, the root, was spawned from outside the runtime; w%" PRIu64
        " polled it once and it spawned %" PRIu64 " tasks, all on that "
        "worker: ",
        task_words(x, fact(c, VIZ_FACT_TASK, 0, x->ev->task), t, sizeof t),
        fact(c, VIZ_FACT_WORKER, 0, w),
        fact(c, VIZ_FACT_CHILDREN, x->ev->task,
             children_of(x->m, x->ev->task)));
    say(c,
        "%" PRIu64 " wait in its ring and the newest, %s, in its LIFO slot. ",
        fact(c, VIZ_FACT_RING_AFTER, w, viz_queue_len(&wk->ring)),
        task_words(x, fact(c, VIZ_FACT_LIFO_AFTER, w, wk->lifo), l, sizeof l));
    uint64_t idle =
        fact(c, VIZ_FACT_EMPTY_OTHERS, w, empty_others(x->m, (uint32_t)w));
    say(c, "Workers with nothing at all: %" PRIu64 ". They will have to steal.",
        idle);
}

/* 3, 4. Steals: a worker with nothing takes half of a victim's ring. */
static bool steal_when(const ctx_t *x)
{
    const trace_event_t *ev = x->ev;
    if (ev->task != 0 || !worker_ok(x->m, ev->worker) ||
        !worker_ok(x->m, ev->a) || ev->a == ev->worker)
        return false;
    const viz_tour_worker_t *thief = &x->b->worker[ev->worker];
    size_t had = x->b->worker[ev->a].ring;
    /* "empty" and "half, rounded up": what the words claim */
    return thief->ring == 0 && thief->lifo == 0 && had > 1 &&
           ev->b == had - had / 2;
}

static void steal_say_facts(const ctx_t *x, viz_tour_caption_t *c, uint64_t *thief,
                            uint64_t *victim, uint64_t *had, uint64_t *took)
{
    *thief = fact(c, VIZ_FACT_WORKER, 0, x->ev->worker);
    fact(c, VIZ_FACT_HAD_BEFORE, *thief, 0); /* "empty" */
    *victim = fact(c, VIZ_FACT_VICTIM, 0, x->ev->a);
    *had = fact(c, VIZ_FACT_RING_BEFORE, *victim, x->b->worker[*victim].ring);
    *took = fact(c, VIZ_FACT_COUNT, 0, x->ev->b);
}

static void steal1_say(const ctx_t *x, viz_tour_caption_t *c)
{
    uint64_t thief, victim, had, took;
    steal_say_facts(x, c, &thief, &victim, &had, &took);
    say(c,
        "w%" PRIu64 "'s ring and LIFO slot are empty, so it goes looking "
        "for work: w%" PRIu64 " has %" PRIu64 " tasks in its ring. w%" PRIu64
        " takes %" PRIu64 " of them, half rounded up, from the front: the "
        "oldest. w%" PRIu64 " keeps the newest, still warm in its cache.",
        thief, victim, had, thief, took, victim);
}

static void steal2_say(const ctx_t *x, viz_tour_caption_t *c)
{
    uint64_t thief, victim, had, took;
    steal_say_facts(x, c, &thief, &victim, &had, &took);
    say(c,
        "Another empty worker: w%" PRIu64 " finds w%" PRIu64 " with %" PRIu64
        " tasks and takes %" PRIu64 ", again half rounded up. A thief can be "
        "robbed in its turn: work spreads to every worker with no central "
        "queue and no lock on the common path.",
        thief, victim, had, took);
}

/* 5. A yield: the task woke itself, and goes to the back of the ring, not
 * into the LIFO slot. */
static bool yield_when(const ctx_t *x)
{
    return x->ev->a == TRACE_Q_LOCAL && x->prev->kind == TRACE_SELF_WAKE &&
           x->prev->task == x->ev->task && worker_ok(x->m, x->ev->worker);
}

static void yield_say(const ctx_t *x, viz_tour_caption_t *c)
{
    char t[128];
    fact(c, VIZ_FACT_QUEUE, 0, TRACE_Q_LOCAL);
    say(c,
        "%s yielded: it woke itself and answered Pending. A task woken by "
        "another goes into the LIFO slot, but one that wakes itself goes to "
        "the back of w%" PRIu64 "'s ring, so that it cannot keep the worker "
        "from the tasks queued before it.",
        task_words(x, fact(c, VIZ_FACT_TASK, 0, x->ev->task), t, sizeof t),
        fact(c, VIZ_FACT_WORKER, 0, x->ev->worker));
}

/* 6. One task wakes another: the woken one takes the LIFO slot. */
static bool wake_lifo_when(const ctx_t *x)
{
    const trace_event_t *p = x->prev;
    if (!(x->ev->a == TRACE_Q_LIFO && p->kind == TRACE_WAKE &&
          p->task == x->ev->task && p->a == TRACE_BY_TASK &&
          p->b != p->task && p->b != 0 && worker_ok(x->m, x->ev->worker)))
        return false;
    /* "the worker that woke it": the waker is in its poll there */
    const viz_worker_t *w = &x->m->worker[x->ev->worker];
    return w->state == VIZ_WORKER_POLLING && w->task == p->b;
}

static void wake_lifo_say(const ctx_t *x, viz_tour_caption_t *c)
{
    char waker[128], woken[128];
    fact(c, VIZ_FACT_QUEUE, 0, TRACE_Q_LIFO);
    task_words(x, fact(c, VIZ_FACT_WAKER, 0, x->prev->b), waker,
               sizeof waker);
    task_words(x, fact(c, VIZ_FACT_TASK, 0, x->ev->task), woken, sizeof woken);
    say(c,
        "%s woke %s from inside its poll. The woken task goes into the LIFO "
        "slot of w%" PRIu64 ", the worker that woke it, and runs there next: "
        "what the waker just wrote for it is still in that worker's cache.",
        waker, woken, fact(c, VIZ_FACT_WORKER, 0, x->ev->worker));
}

/* 7. The first timer. */
static void timer_add_say(const ctx_t *x, viz_tour_caption_t *c)
{
    char t[128];
    say(c,
        "%s sleeps until %" PRIu64 " ms; the driver's clock says %" PRIu64
        " ms. The timer goes into the driver's wheel, on level %" PRIu64
        ", and the task waits: no thread sleeps for it. Whichever worker "
        "parks in the driver will fire it.",
        task_words(x, fact(c, VIZ_FACT_TASK, 0, x->ev->task), t, sizeof t),
        fact(c, VIZ_FACT_DEADLINE, 0, x->ev->a),
        fact(c, VIZ_FACT_CLOCK, 0, x->m->driver.now_ms),
        fact(c, VIZ_FACT_LEVEL, 0,
             (uint64_t)viz_timer_level(x->ev->a, x->m->driver.now_ms)));
}

/* 8. The self-wake warning. */
static bool warned_when(const ctx_t *x)
{
    return x->m->n_warnings > x->b->n_warnings &&
           x->m->warnings[x->m->n_warnings - 1].kind == VIZ_WARN_SELF_WAKES;
}

static void warned_say(const ctx_t *x, viz_tour_caption_t *c)
{
    char t[128];
    uint64_t id = x->m->warnings[x->m->n_warnings - 1].task;
    const viz_task_t *task = viz_model_task(x->m, id);
    say(c,
        "A warning: %s has been woken %" PRIu64 " times, %" PRIu64
        " of them by itself. A task that only yields keeps a worker busy "
        "with nothing to do; a task that waits for something should be "
        "woken by that something.",
        task_words(x, fact(c, VIZ_FACT_WARNED, 0, id), t, sizeof t),
        fact(c, VIZ_FACT_TASK_WAKES, id, task ? task->wakes : 0),
        fact(c, VIZ_FACT_TASK_SELF, id, task ? task->self_wakes : 0));
}

/* 9. A worker parks in the driver. */
static bool park_driver_when(const ctx_t *x)
{
    uint64_t ms;
    return x->ev->a != 0 && worker_ok(x->m, x->ev->worker) &&
           next_timer(x->m, &ms);
}

static void park_driver_say(const ctx_t *x, viz_tour_caption_t *c)
{
    uint64_t ms = 0;
    next_timer(x->m, &ms);
    say(c,
        "w%" PRIu64 " has no work and found none to steal, so it parks, and "
        "since nobody holds the driver it parks in the driver: it sleeps "
        "until the next timer, at %" PRIu64 " ms, or until I/O. Other idle "
        "workers sleep on a condvar instead.",
        fact(c, VIZ_FACT_WORKER, 0, x->ev->worker),
        fact(c, VIZ_FACT_NEXT_TIMER, 0, ms));
}

/* 10. A worker parks while another holds the driver. */
static bool park_when(const ctx_t *x)
{
    return x->ev->a == 0 && worker_ok(x->m, x->ev->worker) &&
           x->b->holder >= 0 && x->b->holder != (int64_t)x->ev->worker;
}

static void park_say(const ctx_t *x, viz_tour_caption_t *c)
{
    say(c,
        "w%" PRIu64 " parks too. The driver is taken (w%" PRIu64
        " holds it), so w%" PRIu64 " sleeps on its condvar until new work "
        "unparks it. At most one worker waits in the driver at a time.",
        fact(c, VIZ_FACT_WORKER, 0, x->ev->worker),
        fact(c, VIZ_FACT_HOLDER, 0, (uint64_t)x->b->holder),
        (uint64_t)x->ev->worker);
}

/* 11. Nothing runnable: the simulated clock jumps to the timer. */
static bool timer_wake_when(const ctx_t *x)
{
    if (x->ev->a != TRACE_BY_TIMER || x->b->queued != 0)
        return false;
    for (uint32_t w = 0; w < x->b->workers; w++)
        if (x->b->worker[w].state != VIZ_WORKER_PARKED &&
            x->b->worker[w].state != VIZ_WORKER_DRIVER)
            return false;
    return true;
}

static void timer_wake_say(const ctx_t *x, viz_tour_caption_t *c)
{
    char t[128];
    say(c,
        "Every worker is parked and no task is queued. The driver's clock "
        "moves to the next deadline, %" PRIu64 " ms (in a simulation time "
        "jumps; nothing waits), and the timer fires: it wakes %s.",
        fact(c, VIZ_FACT_CLOCK, 0, x->m->driver.now_ms),
        task_words(x, fact(c, VIZ_FACT_TASK, 0, x->ev->task), t, sizeof t));
}

/* 12. The driver's turn, and the holder leaves it to run the task. */
static bool turn_when(const ctx_t *x)
{
    return x->b->holder >= 0 && x->ev->b > 0;
}

static void turn_say(const ctx_t *x, viz_tour_caption_t *c)
{
    uint64_t w = fact(c, VIZ_FACT_HOLDER, 0, (uint64_t)x->b->holder);
    say(c,
        "That was the driver's turn (timers fired: %" PRIu64 ", I/O events: "
        "%" PRIu64 "), taken by w%" PRIu64 ", which holds the driver. A task "
        "is ready again, so the holder leaves the driver to poll it, and "
        "goes back to it when it runs out of work.",
        fact(c, VIZ_FACT_TURN_TIMERS, 0, x->ev->b),
        fact(c, VIZ_FACT_TURN_IO, 0, x->ev->a), w);
}

/* 13. The last completion. */
static bool all_done_when(const ctx_t *x)
{
    const viz_counters_t *k = &x->m->c;
    return k->spawned > 1 && k->completed == k->spawned;
}

static void all_done_say(const ctx_t *x, viz_tour_caption_t *c)
{
    const viz_counters_t *k = &x->m->c;
    say(c, "All %" PRIu64 " tasks are done. ",
        fact(c, VIZ_FACT_COMPLETED, 0, k->completed));
    say(c,
        "%" PRIu64 " steals moved %" PRIu64 " tasks between the %" PRIu64
        " workers, and %" PRIu64 " of the %" PRIu64 " wakes were "
        "self-wakes (yields). In the visualizer the left arrow goes back "
        "to any moment of it.",
        fact(c, VIZ_FACT_STEALS, 0, k->steals),
        fact(c, VIZ_FACT_STOLEN, 0, k->stolen),
        fact(c, VIZ_FACT_WORKERS, 0, x->m->workers),
        fact(c, VIZ_FACT_SELF_WAKES, 0, k->self_wakes),
        fact(c, VIZ_FACT_WAKES, 0, k->wakes));
}

typedef struct entry {
    const char *name;
    uint32_t kind;  /* the event's kind; 0: any */
    unsigned nth;   /* the nth event that satisfies when (1-based) */
    bool (*when)(const ctx_t *x); /* NULL: every event of the kind */
    void (*say)(const ctx_t *x, viz_tour_caption_t *c);
} entry_t;

static const entry_t script[] = {
    {"lifo-bump", TRACE_SCHEDULE, 1, bump_when, bump_say},
    {"root-done", TRACE_POLL_END, 1, root_done_when, root_done_say},
    {"first-steal", TRACE_STEAL, 1, steal_when, steal1_say},
    {"second-steal", TRACE_STEAL, 2, steal_when, steal2_say},
    {"yield", TRACE_SCHEDULE, 1, yield_when, yield_say},
    {"wake-lifo", TRACE_SCHEDULE, 1, wake_lifo_when, wake_lifo_say},
    {"first-timer", TRACE_TIMER_ADD, 1, NULL, timer_add_say},
    {"self-wake-warning", 0, 1, warned_when, warned_say},
    {"park-in-driver", TRACE_PARK, 1, park_driver_when, park_driver_say},
    {"park-condvar", TRACE_PARK, 1, park_when, park_say},
    {"timer-fires", TRACE_WAKE, 1, timer_wake_when, timer_wake_say},
    {"driver-turn", TRACE_DRIVER_TURN, 1, turn_when, turn_say},
    {"all-done", TRACE_COMPLETE, 1, all_done_when, all_done_say},
};
#define N_SCRIPT (sizeof script / sizeof script[0])

size_t viz_tour_entries(void)
{
    return N_SCRIPT;
}

const char *viz_tour_entry_name(size_t i)
{
    return i < N_SCRIPT ? script[i].name : NULL;
}

uint32_t viz_tour_entry_kind(size_t i)
{
    return i < N_SCRIPT ? script[i].kind : 0;
}

/* ---- facts --------------------------------------------------------------- */

char viz_fact_form(uint32_t kind)
{
    switch (kind) {
    case VIZ_FACT_WORKER:
    case VIZ_FACT_VICTIM:
    case VIZ_FACT_HOLDER:
        return 'w';
    case VIZ_FACT_TASK:
    case VIZ_FACT_WAKER:
    case VIZ_FACT_BUMPED:
    case VIZ_FACT_LIFO_AFTER:
    case VIZ_FACT_WARNED:
        return 't';
    case VIZ_FACT_LIFO_BEFORE:
    case VIZ_FACT_HAD_BEFORE:
    case VIZ_FACT_QUEUE_BEFORE:
    case VIZ_FACT_QUEUE:
        return 0;
    default:
        return '#';
    }
}

const char *viz_fact_name(uint32_t kind)
{
    static const char *const names[] = {
        [VIZ_FACT_WORKER] = "worker",
        [VIZ_FACT_VICTIM] = "victim",
        [VIZ_FACT_COUNT] = "count",
        [VIZ_FACT_TASK] = "task",
        [VIZ_FACT_WAKER] = "waker",
        [VIZ_FACT_BUMPED] = "bumped",
        [VIZ_FACT_RING_BEFORE] = "ring-before",
        [VIZ_FACT_RING_AFTER] = "ring-after",
        [VIZ_FACT_LIFO_BEFORE] = "lifo-before",
        [VIZ_FACT_HAD_BEFORE] = "had-before",
        [VIZ_FACT_LIFO_AFTER] = "lifo-after",
        [VIZ_FACT_QUEUE_BEFORE] = "queue-before",
        [VIZ_FACT_QUEUE] = "queue",
        [VIZ_FACT_CHILDREN] = "children",
        [VIZ_FACT_EMPTY_OTHERS] = "empty-others",
        [VIZ_FACT_DEADLINE] = "deadline",
        [VIZ_FACT_CLOCK] = "clock",
        [VIZ_FACT_LEVEL] = "level",
        [VIZ_FACT_NEXT_TIMER] = "next-timer",
        [VIZ_FACT_HOLDER] = "holder",
        [VIZ_FACT_TURN_TIMERS] = "turn-timers",
        [VIZ_FACT_TURN_IO] = "turn-io",
        [VIZ_FACT_TASK_WAKES] = "task-wakes",
        [VIZ_FACT_TASK_SELF] = "task-self-wakes",
        [VIZ_FACT_WARNED] = "warned",
        [VIZ_FACT_SPAWNED] = "spawned",
        [VIZ_FACT_COMPLETED] = "completed",
        [VIZ_FACT_STEALS] = "steals",
        [VIZ_FACT_STOLEN] = "stolen",
        [VIZ_FACT_WAKES] = "wakes",
        [VIZ_FACT_SELF_WAKES] = "self-wakes",
        [VIZ_FACT_WORKERS] = "workers",
    };
    if (kind >= sizeof names / sizeof names[0] || names[kind] == NULL)
        return "?";
    return names[kind];
}

/* ---- the matcher --------------------------------------------------------- */

int viz_tour_init(viz_tour_t *t, const char *exec, uint32_t workers,
                  const char *scenario, viz_name_fn name_of, void *ctx)
{
    memset(t, 0, sizeof *t);
    t->matches = calloc(N_SCRIPT, sizeof *t->matches);
    t->captions = calloc(N_SCRIPT, sizeof *t->captions);
    if (t->matches == NULL || t->captions == NULL ||
        viz_model_init(&t->model, exec, workers, scenario, name_of, ctx) != 0) {
        free(t->matches);
        free(t->captions);
        memset(t, 0, sizeof *t);
        return -ENOMEM;
    }
    return 0;
}

void viz_tour_destroy(viz_tour_t *t)
{
    if (t->matches == NULL)
        return;
    viz_model_destroy(&t->model);
    free(t->matches);
    free(t->captions);
    memset(t, 0, sizeof *t);
}

static void snapshot(const viz_model_t *m, const trace_event_t *ev,
                     viz_tour_before_t *b)
{
    b->c = m->c;
    b->workers = m->workers;
    for (uint32_t w = 0; w < m->workers && w < VIZ_MAX_WORKERS; w++) {
        b->worker[w].ring = viz_queue_len(&m->worker[w].ring);
        b->worker[w].lifo = m->worker[w].lifo;
        b->worker[w].state = m->worker[w].state;
    }
    /* a worker the event names for the first time had nothing */
    for (uint32_t w = m->workers; w < VIZ_MAX_WORKERS && w <= ev->worker;
         w++)
        b->worker[w] = (viz_tour_worker_t){0, 0, VIZ_WORKER_IDLE};
    b->holder = m->driver.holder;
    b->n_warnings = m->n_warnings;
    const viz_task_t *t = viz_model_task(m, ev->task);
    b->task_queue = t != NULL && t->state == VIZ_TASK_QUEUED ? t->queue : 0;
    b->task_state = t != NULL ? t->state : VIZ_TASK_NEW;
    b->inject = viz_queue_len(&m->inject);
    b->queued = queued_now(m);
}

void viz_tour_feed(viz_tour_t *t, const trace_event_t *ev)
{
    if (t->matches == NULL)
        return;
    snapshot(&t->model, ev, &t->before);
    viz_model_apply(&t->model, ev);
    t->fed++;
    ctx_t x = {ev, &t->prev, &t->before, &t->model};
    for (size_t i = 0; i < N_SCRIPT; i++) {
        const entry_t *e = &script[i];
        if (t->matches[i] >= e->nth || (e->kind != 0 && e->kind != ev->kind))
            continue;
        if (e->when != NULL && !e->when(&x))
            continue;
        if (++t->matches[i] < e->nth)
            continue;
        viz_tour_caption_t *c = &t->captions[t->n_captions++];
        memset(c, 0, sizeof *c);
        c->entry = i;
        c->seq = t->fed;
        c->kind = ev->kind;
        e->say(&x, c);
    }
    t->prev = *ev;
}

size_t viz_tour_in(const viz_tour_t *t, uint64_t first, uint64_t last,
                   size_t *at)
{
    size_t n = 0;
    *at = 0;
    for (size_t i = 0; i < t->n_captions; i++) {
        if (t->captions[i].seq < first || t->captions[i].seq > last)
            continue;
        if (n++ == 0)
            *at = i;
    }
    return n;
}

void viz_tour_print(const viz_tour_caption_t *c, FILE *out)
{
    fprintf(out, "tour (event %" PRIu64 "): %s\n", c->seq, c->text);
}

/* ---- narrating without a screen ------------------------------------------ */

/* words at 78 columns, the lines after the first indented by 2 */
static void print_wrapped(FILE *out, const char *head, const char *text)
{
    const int width = 78;
    int col = fprintf(out, "%s", head);
    const char *p = text;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len == 0)
            break;
        if (col > 2 && col + 1 + (int)len > width) {
            fputs("\n ", out);
            col = 1;
        }
        col += fprintf(out, " %.*s", (int)len, p);
        p += len;
    }
    fputc('\n', out);
}

static void narrate(trace_sink_t *self, const trace_event_t *ev)
{
    viz_tour_narrator_t *n = (viz_tour_narrator_t *)self;
    if (n->events++ == 0 || viz_event_starts_step(ev))
        n->steps++;
    viz_tour_feed(&n->tour, ev);
    for (; n->said < n->tour.n_captions; n->said++) {
        const viz_tour_caption_t *c = &n->tour.captions[n->said];
        char head[64];
        snprintf(head, sizeof head, "[step %" PRIu64 ", event %" PRIu64 "]",
                 n->steps, c->seq);
        print_wrapped(n->out, head, c->text);
    }
}

int viz_tour_narrator_init(viz_tour_narrator_t *n, uint32_t workers,
                           viz_name_fn name_of, void *ctx, FILE *out)
{
    memset(n, 0, sizeof *n);
    n->sink.write = narrate;
    n->out = out;
    return viz_tour_init(&n->tour, "ws", workers, "tour", name_of, ctx);
}

void viz_tour_narrator_destroy(viz_tour_narrator_t *n)
{
    viz_tour_destroy(&n->tour);
}

bool viz_tour_applies(const char *scenario, const char *exec)
{
    return scenario != NULL && exec != NULL && strcmp(scenario, "tour") == 0 &&
           strcmp(exec, "ws") == 0;
}
