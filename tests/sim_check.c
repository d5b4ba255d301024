/*
 * tests/sim_check.c - `make check-sim`: the work-stealing runtime's
 * simulation over thousands of seeds and twelve workloads, with the
 * invariants checked after every run (issue 8; the sync primitives'
 * four: issue 12).
 *
 * The idea is loom's and shuttle's (the model checkers Tokio tests its
 * scheduler with), on the budget of a deterministic simulation
 * (workstealing/sim.c): instead of enumerating every interleaving, run
 * each workload under many seeds. A seed fixes one interleaving: which
 * worker takes the next step, whom a thief robs, when the world outside
 * the runtime acts. Any run replays exactly from its seed, and its trace
 * file opens in the visualizer.
 *
 *   for seed in FIRST .. FIRST+SEEDS-1:
 *     for workload in storm pingpong timers abort joindrop foreign shutdown
 *                     blockon mpsc mutex notify blocking:
 *       workers = 2..4, from the seed         one run
 *       ┌──────────────────────────────────────────────────────────────┐
 *       │ create    ws, sim = true, seed, virtual time                 │
 *       │ setup     the workload spawns its roots from outside (or     │
 *       │           block_on's root future does)                       │
 *       │ drive     executor_step, one scheduling decision at a time;  │
 *       │           between two steps, now and then, the outside acts  │
 *       │           (a foreign thread's stand-in: wakes, aborts, drops │
 *       │           join handles, spawns)                              │
 *       │ check     executor_run == 0, no lost waker, spawned ==       │
 *       │           completed, every queue empty, the probe table      │
 *       │ destroy   then: every future dropped exactly once, every     │
 *       │           allocation freed, late wakers woken harmlessly     │
 *       └──────────────────────────────────────────────────────────────┘
 *
 * Every future spawned here is a probe: its poll and drop go through
 * probe_poll and probe_drop, which keep a per-run table, one row per
 * future:
 *
 *   id  name     polls  in_poll  ready  drops  cancellable
 *    0  storm        4        0      1      1  no
 *    1  target       1        0      0      1  yes    <- aborted
 *
 * and flag, the moment it happens: a poll while the same future's poll
 * runs (two pollers at once, or a re-entrant poll), a poll after READY,
 * after drop or after destroy, a drop during the future's own poll, a
 * second drop. At the end of the run every row must read drops == 1,
 * ready <= 1, and ready == 1 unless an abort (or the shutdown workload)
 * may have taken it. Each probe also owns a small malloc'd ticket that
 * only its drop frees, so a future that is never dropped is a leak that
 * LeakSanitizer names (`make check-sim-asan`), and the run counts the
 * tickets and messages still live.
 *
 * Threads: the simulation runs on this one thread, and so does the
 * outside's stand-in, between steps. One real foreign thread wakes
 * wakers in the middle of a poll, while that poll waits for it (see
 * foreign_wake): the run stays deterministic, and the wake comes from a
 * thread that is no worker, as a wake of a RUNNING task must.
 *
 * Not a cmocka suite on purpose: `make test` runs every test_* binary
 * and must stay fast; tests/test_ws.c runs a small version of this
 * (1,000 seeds x 4 workloads) there.
 *
 * Replay one run:   ./build/tests/sim_check --workload abort --seed 12 \
 *                       --workers 3 --trace /tmp/abort.trace
 *                   ./build/asynclab replay /tmp/abort.trace
 * Docs: docs/check-sim.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif
#if defined(SIM_ASAN)
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

#include "core/async.h"
#include "core/executor.h"
#include "core/task.h"
#include "core/trace.h"
#include "driver/driver.h"
#include "driver/time.h"
#include "sync/join.h"
#include "sync/mpsc.h"
#include "sync/mutex.h"
#include "sync/notify.h"
#include "sync/oneshot.h"
#include "trace/file.h"
#include "workstealing/ws.h"

/* ---- limits ---------------------------------------------------------------
 */

#define MAX_PROBES  512     /* futures per run */
#define MAX_SLOTS   48      /* foreign: waiters the outside signals */
#define MAX_HELD    32      /* join handles the outside holds */
#define MAX_LATE    64      /* waker clones the outside keeps */
#define MAX_WORKERS 4       /* the sweep uses 2..4 */
#define STEP_LIMIT  1000000 /* a run that needs more steps is stuck */
#define HOUR_MS     3600000u
#define DETERMINISM 10  /* every 10th seed also runs twice more, traced */
#define WHAT_LEN    320 /* a violation, in words */
#define LEAK_EVERY  10  /* ASan: seeds between two leak checks */
#define MQ_PRODUCERS 12 /* mpsc: producers (senders) per run */
#define NT_FUTURES   192 /* notify: notified futures per run */
#define BL_RECORDS   160 /* blocking: blocking tasks per run */
#define BL_HELD      32  /* blocking: join handles the outside holds */

/* ---- a seeded PRNG for the workloads' own choices -------------------------
 *
 * SplitMix64 (Steele, Lea and Flood, 2014), as the runtime's own
 * (workstealing/sim.h, private to that folder). A separate stream: the
 * workload's choices and the runtime's interleaving come from the same
 * seed, but neither consumes the other's numbers.
 */

typedef struct rng {
    uint64_t state;
} rng_t;

static uint64_t rng_next(rng_t *g)
{
    uint64_t z = (g->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n >= 1 (Lemire's multiply-shift, 2019). */
static uint32_t rng_below(rng_t *g, uint32_t n)
{
    return (uint32_t)(((rng_next(g) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t rng_range(rng_t *g, uint32_t lo, uint32_t hi)
{
    return lo + rng_below(g, hi - lo + 1);
}

static bool rng_one_in(rng_t *g, uint32_t n)
{
    return rng_below(g, n) == 0;
}

static uint64_t mix(uint64_t x)
{
    rng_t g = {x};
    return rng_next(&g);
}

/* ---- the run and its probe table ------------------------------------------
 */

typedef struct run run_t;
typedef struct workload workload_t;

/* One row per future: written by the future's own poll and drop. */
typedef struct probe {
    const char *name;
    uint32_t polls;
    uint8_t in_poll; /* its poll is running right now */
    uint8_t ready;   /* times it returned READY */
    uint8_t drops;   /* times its drop ran */
    bool spawned;
    bool cancellable; /* an abort may drop it unfinished */
} probe_t;

/* A waiter of the foreign workload and what the outside knows of it. */
typedef struct slot {
    waker_t waker; /* the waiter's, kept here for the outside */
    uint32_t need, got;
} slot_t;

/* A join handle held by the outside (abort and joindrop workloads). */
enum { HELD_NEW, HELD_DECIDED, HELD_OPEN, HELD_DONE };

typedef struct held {
    join_t join;     /* polled by the outside with a no-op waker */
    oneshot_tx_t tx; /* abort's parked target waits for its drop */
    uint32_t id;
    uint8_t stage; /* HELD_* */
    bool may_abort;
} held_t;

/* A waker clone the outside keeps, to wake or drop later, maybe after
 * the runtime is gone. */
typedef struct late {
    waker_t waker;
    bool after_destroy;
} late_t;

/* What the sync workloads know of their primitives, in the checker's own
 * words: a model to compare every outcome with (sections below). */
typedef struct nt_model {
    uint32_t epoch; /* notify_waiters calls before this future's init */
    uint64_t qseq;  /* queue position; NT_UNQUEUED when not queued */
    uint8_t grant;  /* NM_ONE or NM_ALL once given, 0 before */
    bool live;      /* initialised, not READY, not dropped */
} nt_model_t;

typedef struct bl_rec {
    run_t *run;
    uint32_t ran;      /* times fn was called */
    bool may_cancel;   /* someone may have aborted it */
    bool by_racer;     /* spawned by the destroy racer thread */
    uint8_t depth;     /* blocking tasks above it that spawned it */
} bl_rec_t;

typedef struct bl_held {
    join_handle_t h; /* task NULL once let go */
    uint32_t rec;
} bl_held_t;

typedef struct sync_books {
    /* mpsc */
    uint32_t mq_producers;
    uint32_t mq_accepted[MQ_PRODUCERS]; /* sends that returned 0 */
    uint32_t mq_received[MQ_PRODUCERS]; /* next seq expected from each */
    uint32_t mq_live_senders;           /* tx handles not yet dropped */
    bool mq_rx_closed, mq_rx_gone, mq_eos;
    /* mutex */
    mutex_t mx;
    bool mx_ready;
    uint32_t mx_holders, mx_holder;
    uint64_t mx_acquired, mx_requested, mx_qseq;
    uint64_t mx_acquired_sure; /* by lockers nobody aborts */
    uint64_t mx_wait[MAX_PROBES]; /* per locker: queue position, or 0 */
    /* notify */
    notify_t nt;
    bool nt_ready;
    uint32_t nt_epoch, nnt, nt_notifiers_left, nt_waiters_left;
    bool nt_permit;
    uint64_t nt_qseq;
    nt_model_t ntm[NT_FUTURES];
    /* blocking */
    bl_rec_t bl[BL_RECORDS];
    uint32_t nbl;
    uint64_t bl_spawned; /* ws_spawn_blocking calls that returned 0 */
    bl_held_t bheld[BL_HELD];
    uint32_t nbheld;
    join_handle_t guard; /* cut runs: queued at destroy, its waker waits */
    uint32_t guard_woken;
} sync_books_t;

struct run {
    const workload_t *wl;
    uint64_t seed;
    int workers;
    bool verbose; /* print every violation, not just the first */
    executor_t *ex;
    rng_t rng;
    bool destroyed;
    uint64_t steps; /* executor_step calls that did something */
    uint64_t acts;  /* the outside's moves */
    uint32_t cap;   /* the workload's task budget, <= MAX_PROBES */

    uint32_t nprobes;
    probe_t probe[MAX_PROBES];
    long allocs; /* tickets and messages not yet freed */

    /* Workload state, indexed by probe id or by slot. */
    join_t *handle[MAX_PROBES];      /* abort: a target's join, if any */
    join_handle_t given[MAX_PROBES]; /* joindrop: a child's own handle */
    bool sent[MAX_PROBES];           /* timers: the racer's value left */
    slot_t slot[MAX_SLOTS];
    uint32_t nslots;
    held_t held[MAX_HELD];
    uint32_t nheld;
    late_t late[MAX_LATE];
    uint32_t nlate;
    bool cut;    /* this run is stopped by destroy midway (blocking) */
    bool traced; /* a trace sink is attached */

    /* The sync workloads' books (mpsc, mutex, notify, blocking). */
    sync_books_t sy;

    int violations;
    char first[WHAT_LEN]; /* the first violation */
};

struct workload {
    const char *name;
    const char *what;        /* one line, for --list */
    void (*setup)(run_t *r); /* spawn the roots, from outside */
    void (*check)(run_t *r); /* the workload's own end checks, or NULL */
    bool outside_spawns;     /* the outside spawns waiters too */
    bool shutdown;           /* destroy in the middle of the run */
    void (*before)(run_t *r); /* right before executor_destroy, or NULL */
    void (*after)(run_t *r);  /* after destroy and the let-go, or NULL */
};

/* Record a broken invariant. The first one is the run's verdict; the
 * rest are counted (and printed with --verbose, as a replay does). */
static void violation(run_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void violation(run_t *r, const char *fmt, ...)
{
    char msg[WHAT_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->violations++ == 0)
        memcpy(r->first, msg, sizeof msg);
    if (r->verbose)
        fprintf(stderr, "check-sim:   violation: %s\n", msg);
}

static void die(const char *what)
{
    fprintf(stderr, "check-sim: %s\n", what);
    exit(2);
}

static void *xmalloc(run_t *r, size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        die("out of memory");
    r->allocs++;
    return p;
}

static void xfree(run_t *r, void *p)
{
    if (p != NULL)
        r->allocs--;
    free(p);
}

/* ---- coverage: did the runs reach the states they are meant to? ----------
 *
 * Counters summed over the whole sweep (--coverage prints them), so that
 * "0 failed" can be read next to "and 20,000 aborts hit an idle task".
 */

enum {
    C_STORM_JOINED,
    C_STORM_DROPPED_AT_ONCE,
    C_STORM_LET_GO,
    C_STORM_OVERFLOW,
    C_PP_ROUNDS,
    C_PP_PONG_DROPS_REPLY,
    C_PP_SEND_REFUSED,
    C_PP_PONG_SAW_EPIPE,
    C_TIMER_SLEEPS,
    C_TIMER_HOURS,
    C_TIMER_TIMED_OUT,
    C_TIMER_RECEIVED,
    C_TIMER_TICKS,
    C_ABORT_IDLE,
    C_ABORT_QUEUED,
    C_ABORT_RUNNING,
    C_ABORT_DONE,
    C_ABORT_CANCELLED,
    C_ABORT_LOST_RACE,
    C_JOINDROP_IDLE,
    C_JOINDROP_QUEUED,
    C_JOINDROP_RUNNING,
    C_JOINDROP_DONE,
    C_OUT_WAKES,
    C_OUT_SPURIOUS,
    C_OUT_SPAWNS,
    C_OUT_LATE_AFTER_DESTROY,
    C_TASK_WAKES_TASK,
    C_THREAD_WAKES_RUNNING,
    C_THREAD_WAKES_OTHER,
    C_SHUTDOWN_DROPPED,
    C_BLOCKON_POLLS,
    C_MQ_MESSAGES,
    C_MQ_SEND_REFUSED,
    C_MQ_EOS,
    C_MQ_DRAINED_CLOSED,
    C_MQ_RX_GONE_EARLY,
    C_MQ_SEND_DROPPED,
    C_MX_ACQUIRED,
    C_MX_TRY_BUSY,
    C_MX_QUEUED,
    C_MX_DROP_WAITING,
    C_MX_DROP_HANDED,
    C_MX_DROP_HOLDING,
    C_NT_ONE,
    C_NT_WAITERS,
    C_NT_PERMIT,
    C_NT_UNPOLLED,
    C_NT_PASSED_ON,
    C_BL_RAN,
    C_BL_CANCELLED,
    C_BL_NESTED,
    C_BL_ASYNC,
    C_BL_RACES,
    C_BL_RACER_SPAWNS,
    C_COUNT
};

static const char *const cov_names[C_COUNT] = {
    [C_STORM_JOINED] = "storm: children joined and checked",
    [C_STORM_DROPPED_AT_ONCE] = "storm: handles dropped before the child ran",
    [C_STORM_LET_GO] = "storm: joins dropped unawaited",
    [C_STORM_OVERFLOW] = "storm: floods that overflowed a ring to inject",
    [C_PP_ROUNDS] = "pingpong: rounds",
    [C_PP_PONG_DROPS_REPLY] = "pingpong: pong stopped, ping saw -EPIPE",
    [C_PP_SEND_REFUSED] = "pingpong: send refused (pong closed)",
    [C_PP_PONG_SAW_EPIPE] = "pingpong: pong saw -EPIPE (ping done, or "
                            "its own close)",
    [C_TIMER_SLEEPS] = "timers: sleeps woken on time",
    [C_TIMER_HOURS] = "timers: of them, an hour or more",
    [C_TIMER_TIMED_OUT] = "timers: timeouts that fired",
    [C_TIMER_RECEIVED] = "timers: values that beat their timeout",
    [C_TIMER_TICKS] = "timers: interval ticks on the grid",
    [C_ABORT_IDLE] = "abort: of an idle task",
    [C_ABORT_QUEUED] = "abort: of a queued task",
    [C_ABORT_RUNNING] = "abort: of a running task (itself)",
    [C_ABORT_DONE] = "abort: of a finished task",
    [C_ABORT_CANCELLED] = "abort: joins that saw the task cancelled",
    [C_ABORT_LOST_RACE] = "abort: joins that saw an output (abort too "
                          "late, or none)",
    [C_JOINDROP_QUEUED] = "join dropped: task queued",
    [C_JOINDROP_IDLE] = "join dropped: task idle",
    [C_JOINDROP_RUNNING] = "join dropped: task running (by itself)",
    [C_JOINDROP_DONE] = "join dropped: task finished",
    [C_OUT_WAKES] = "outside: wakes with a signal",
    [C_OUT_SPURIOUS] = "outside: spurious wakes",
    [C_OUT_SPAWNS] = "outside: spawns between steps",
    [C_OUT_LATE_AFTER_DESTROY] = "outside: wakers let go after destroy",
    [C_TASK_WAKES_TASK] = "tasks waking other tasks' wakers",
    [C_THREAD_WAKES_RUNNING] = "foreign thread: wakes of a running task",
    [C_THREAD_WAKES_OTHER] = "foreign thread: wakes of another task, "
                             "mid-poll",
    [C_SHUTDOWN_DROPPED] = "shutdown: futures dropped unfinished",
    [C_BLOCKON_POLLS] = "blockon: polls of block_on's root future",
    [C_MQ_MESSAGES] = "mpsc: messages received in order",
    [C_MQ_SEND_REFUSED] = "mpsc: sends refused (receiver closed or gone)",
    [C_MQ_EOS] = "mpsc: end of stream, every sender gone",
    [C_MQ_DRAINED_CLOSED] = "mpsc: closed receivers drained to the end",
    [C_MQ_RX_GONE_EARLY] = "mpsc: receivers dropped early (or aborted)",
    [C_MQ_SEND_DROPPED] = "mpsc: producers cancelled inside a send",
    [C_MX_ACQUIRED] = "mutex: acquisitions",
    [C_MX_TRY_BUSY] = "mutex: try_lock found it held",
    [C_MX_QUEUED] = "mutex: lockers that queued",
    [C_MX_DROP_WAITING] = "mutex: lockers cancelled while queued",
    [C_MX_DROP_HANDED] = "mutex: lockers cancelled holding a handed lock "
                         "they never saw",
    [C_MX_DROP_HOLDING] = "mutex: lockers cancelled inside the section",
    [C_NT_ONE] = "notify: notify_one calls",
    [C_NT_WAITERS] = "notify: notify_waiters calls",
    [C_NT_PERMIT] = "notify: futures READY on a stored permit",
    [C_NT_UNPOLLED] = "notify: futures woken by a notify_waiters before "
                      "their first poll",
    [C_NT_PASSED_ON] = "notify: notify_one grants passed on by a drop",
    [C_BL_RAN] = "blocking: tasks run",
    [C_BL_CANCELLED] = "blocking: joins that saw the task cancelled",
    [C_BL_NESTED] = "blocking: tasks spawned by blocking tasks",
    [C_BL_ASYNC] = "blocking: async tasks spawned from the pool",
    [C_BL_RACES] = "blocking: destroys raced by a spawning thread",
    [C_BL_RACER_SPAWNS] = "blocking: racer spawns accepted before the pool shut",
};

static uint64_t coverage[C_COUNT];

static void cov(int c)
{
    coverage[c]++;
}

/* Count a join handle's task by its state: idle, queued, running, done.
 * `first` is the idle counter of a block of four in that order. */
static void cov_state(int first, const join_handle_t *h)
{
    uint64_t s = task_state(h->task);
    if (s & TASK_COMPLETE)
        cov(first + 3);
    else if (s & TASK_RUNNING)
        cov(first + 2);
    else if (s & TASK_NOTIFIED)
        cov(first + 1);
    else
        cov(first);
}

/* Let a join handle go, counting what its task was doing. */
static void drop_handle(join_handle_t *h)
{
    cov_state(C_JOINDROP_IDLE, h);
    join_handle_drop(h);
}

static void drop_join(join_t *j)
{
    if (j->handle.task != NULL)
        cov_state(C_JOINDROP_IDLE, &j->handle);
    join_drop(j);
}

static void abort_join(join_t *j)
{
    if (j->handle.task != NULL)
        cov_state(C_ABORT_IDLE, &j->handle);
    join_abort(j);
}

/* The virtual clock, as a future sees it during its poll. */
static uint64_t now_ms(void)
{
    return driver_now_ms(driver_current());
}

/* ---- probes: every future here is one --------------------------------------
 *
 *   struct storm {               the task allocation (core/task.h)
 *       pfut_t pf;   ──────────> header │ storm (pf first) │ trailer
 *       ...                               │
 *   }                                     └─ pf.base.poll = probe_poll
 *                                            pf.ops->poll  = storm_poll
 */

typedef struct probe_ops {
    poll_t (*poll)(void *self, context_t *cx);
    void (*release)(void *self); /* what the future owns; idempotent */
} probe_ops_t;

typedef struct pfut {
    future_t base; /* probe_poll, probe_drop */
    const probe_ops_t *ops;
    run_t *run;
    uint32_t id;
    uint64_t result; /* set at READY: expect_of(id), read through joins */
    void *ticket;    /* freed by the drop only */
} pfut_t;

static uint64_t expect_of(uint32_t id)
{
    return (uint64_t)id * 2654435761u + 7;
}

static probe_t *probe_of(pfut_t *pf)
{
    return &pf->run->probe[pf->id];
}

/* future_t.poll of every probe: the entry checks, the body, the books. */
static poll_t probe_poll(future_t *f, context_t *cx)
{
    pfut_t *pf = (pfut_t *)f;
    run_t *r = pf->run;
    probe_t *p = probe_of(pf);
    if (p->in_poll)
        violation(r, "task %u '%s' polled while its own poll was running",
                  pf->id, p->name);
    if (p->ready)
        violation(r, "task %u '%s' polled after it returned READY", pf->id,
                  p->name);
    if (p->drops)
        violation(r, "task %u '%s' polled after its drop", pf->id, p->name);
    if (r->destroyed)
        violation(r, "task %u '%s' polled after executor_destroy", pf->id,
                  p->name);
    p->in_poll = 1;
    p->polls++;
    poll_t res = pf->ops->poll(pf, cx);
    p->in_poll = 0;
    if (res == POLL_READY) {
        pf->result = expect_of(pf->id);
        p->ready++;
    }
    return res;
}

/* future_t.drop of every probe: exactly once, never inside its poll. */
static void probe_drop(future_t *f)
{
    pfut_t *pf = (pfut_t *)f;
    run_t *r = pf->run;
    probe_t *p = probe_of(pf);
    if (p->in_poll)
        violation(r, "task %u '%s' dropped during its own poll", pf->id,
                  p->name);
    if (p->drops)
        violation(r, "task %u '%s' dropped twice", pf->id, p->name);
    if (p->drops < UINT8_MAX)
        p->drops++;
    if (pf->ops->release != NULL)
        pf->ops->release(pf);
    xfree(r, pf->ticket);
    pf->ticket = NULL;
}

/*
 * Make the size-byte future at pf (a pfut_t first) a new probe and spawn
 * it: through spawn() from inside a task, through executor_spawn() from
 * the outside. The probe id, or -1 when the workload's budget is spent
 * (or the spawn failed: a violation, nothing here spawns during
 * shutdown).
 */
static int probe_spawn(run_t *r, pfut_t *pf, size_t size,
                       const probe_ops_t *ops, const char *name,
                       bool cancellable, join_handle_t *join)
{
    if (r->nprobes >= r->cap)
        return -1;
    uint32_t id = r->nprobes++;
    pf->base = (future_t){probe_poll, probe_drop};
    pf->ops = ops;
    pf->run = r;
    pf->id = id;
    pf->result = 0;
    pf->ticket = xmalloc(r, 16);
    r->probe[id] = (probe_t){.name = name, .cancellable = cancellable};
    int err = task_current() != NULL
                  ? spawn(&pf->base, size, name, join)
                  : executor_spawn(r->ex, &pf->base, size, name, join);
    if (err != 0) {
        xfree(r, pf->ticket);
        r->nprobes--;
        violation(r, "spawn of '%s' failed: %s", name, strerror(-err));
        return -1;
    }
    r->probe[id].spawned = true;
    return (int)id;
}

/*
 * A join future of task id completed: its output must match what the
 * task did (NULL exactly when it was dropped unfinished, which only an
 * abort may do), and dropping the join must drop that output. Ends with
 * *j dropped.
 */
static void check_join(run_t *r, join_t *j, uint32_t id, bool may_abort)
{
    pfut_t *out = JOIN_OUTPUT(j, pfut_t);
    probe_t *p = &r->probe[id];
    if (may_abort)
        cov(out == NULL ? C_ABORT_CANCELLED : C_ABORT_LOST_RACE);
    if (out == NULL) {
        if (!may_abort)
            violation(r,
                      "join of task %u '%s' gave no output, but nothing "
                      "aborted it",
                      id, p->name);
        if (p->ready)
            violation(r,
                      "join of task %u '%s' says it was cancelled, but "
                      "it returned READY",
                      id, p->name);
        if (p->drops != 1)
            violation(r,
                      "task %u '%s' was cancelled: its join completed "
                      "before its future was dropped",
                      id, p->name);
    } else {
        if (!p->ready)
            violation(r,
                      "join of task %u '%s' gave an output, but it never "
                      "returned READY",
                      id, p->name);
        else if (out->id != id || out->result != expect_of(id))
            violation(r, "join of task %u '%s' gave the wrong output", id,
                      p->name);
        if (p->drops != 0)
            violation(r,
                      "task %u '%s': its output was dropped while its "
                      "join handle still held it",
                      id, p->name);
    }
    join_drop(j);
    if (p->drops != 1)
        violation(r, "task %u '%s': its join was dropped, its output not", id,
                  p->name);
}

/* ---- a leaf task: sleep a little, yield a little, finish -------------------
 */

typedef struct leaf {
    pfut_t pf;
    async_t async;
    sleep_t nap; /* 0 ms: no sleep at all */
    uint64_t ms;
    uint32_t yields;
} leaf_t;

/* joindrop's JD_BY_CHILD: the child drops its own join handle, during
 * its own poll, when the parent left it one. */
static void leaf_drop_own_handle(leaf_t *l)
{
    run_t *r = l->pf.run;
    if (r->given[l->pf.id].task != NULL)
        drop_handle(&r->given[l->pf.id]);
}

static poll_t leaf_poll(void *self, context_t *cx)
{
    leaf_t *l = self;
    ASYNC_BEGIN(l);
    if (l->ms > 0)
        AWAIT(l, cx, &l->nap.base);
    while (l->yields > 0) {
        l->yields--;
        leaf_drop_own_handle(l);
        YIELD_NOW(l, cx);
    }
    leaf_drop_own_handle(l);
    ASYNC_END(l);
}

static void leaf_release(void *self)
{
    future_drop(&((leaf_t *)self)->nap.base);
}

static const probe_ops_t leaf_ops = {leaf_poll, leaf_release};

/* A leaf of random shape; sleeps only when may_sleep. */
static leaf_t leaf_make(run_t *r, bool may_sleep)
{
    leaf_t l = {.yields = rng_below(&r->rng, 4)};
    l.ms = may_sleep && rng_one_in(&r->rng, 3) ? rng_range(&r->rng, 1, 20) : 0;
    sleep_init(&l.nap, l.ms);
    return l;
}

static int leaf_spawn(run_t *r, bool may_sleep, bool cancellable,
                      join_handle_t *join)
{
    leaf_t l = leaf_make(r, may_sleep);
    return probe_spawn(r, &l.pf, sizeof l, &leaf_ops, "leaf", cancellable,
                       join);
}

/* ---- workload: storm -------------------------------------------------------
 *
 * Nested spawns: a few roots each spawn children that spawn children (to
 * depth 3), some detached, some joined and awaited, some whose handle is
 * dropped at once (the child is queued, not yet polled), some joined and
 * then let go before they finish; everyone yields now and then.
 */

#define STORM_KIDS  5
#define STORM_DEPTH 3
#define STORM_FLOOD 300 /* more than a ring holds (256) */

typedef struct storm {
    pfut_t pf;
    async_t async;
    uint32_t flood; /* leaves spawned in one go, first */
    uint32_t depth, kids, spawned, yields, awaited, njoin;
    join_t join[STORM_KIDS];
    uint32_t kid[STORM_KIDS];
    bool let_go[STORM_KIDS]; /* dropped unawaited: detached mid-run */
} storm_t;

static const probe_ops_t storm_ops;

static storm_t storm_make(run_t *r, uint32_t depth)
{
    storm_t s = {.depth = depth, .yields = rng_below(&r->rng, 3)};
    s.kids = depth < STORM_DEPTH ? rng_below(&r->rng, STORM_KIDS + 1) : 0;
    if (depth == 0 && s.kids < 2)
        s.kids = 2;
    return s;
}

static void storm_spawn_child(storm_t *s)
{
    run_t *r = s->pf.run;
    storm_t c = storm_make(r, s->depth + 1);
    join_handle_t h;
    uint32_t how = rng_below(&r->rng, 4);
    int id = probe_spawn(r, &c.pf, sizeof c, &storm_ops, "storm", false,
                         how == 0 ? NULL : &h);
    if (id < 0 || how == 0)
        return;
    if (how == 1) {
        cov(C_STORM_DROPPED_AT_ONCE);
        drop_handle(&h); /* before the child ever ran */
        return;
    }
    join_init(&s->join[s->njoin], h);
    s->kid[s->njoin] = (uint32_t)id;
    s->let_go[s->njoin] = how == 3 && rng_one_in(&r->rng, 2);
    s->njoin++;
}

/* Spawn s->flood leaves in one poll: the ring fills and sends half of
 * itself to the inject queue (workstealing/worker.c: push_local). */
static void storm_flood(storm_t *s)
{
    run_t *r = s->pf.run;
    for (uint32_t i = 0; i < s->flood; i++)
        leaf_spawn(r, false, false, NULL);
    ws_view_t v;
    if (s->flood > 0 && ws_view(r->ex, &v, NULL, 0) == 0 && v.inject_len > 0)
        cov(C_STORM_OVERFLOW);
}

static poll_t storm_poll(void *self, context_t *cx)
{
    storm_t *s = self;
    run_t *r = s->pf.run;
    ASYNC_BEGIN(s);
    storm_flood(s);
    while (s->spawned < s->kids) {
        s->spawned++;
        storm_spawn_child(s);
        if (rng_one_in(&r->rng, 3))
            YIELD_NOW(s, cx);
    }
    while (s->yields > 0) {
        s->yields--;
        YIELD_NOW(s, cx);
    }
    while (s->awaited < s->njoin) {
        if (s->let_go[s->awaited]) {
            cov(C_STORM_LET_GO);
            drop_join(&s->join[s->awaited++]);
            continue;
        }
        AWAIT(s, cx, &s->join[s->awaited].base);
        cov(C_STORM_JOINED);
        check_join(r, &s->join[s->awaited], s->kid[s->awaited], false);
        s->awaited++;
    }
    ASYNC_END(s);
}

static void storm_release(void *self)
{
    storm_t *s = self;
    for (uint32_t i = 0; i < s->njoin; i++)
        join_drop(&s->join[i]);
}

static const probe_ops_t storm_ops = {storm_poll, storm_release};

static void storm_roots(run_t *r, uint32_t roots)
{
    for (uint32_t i = 0; i < roots; i++) {
        storm_t s = storm_make(r, 0);
        probe_spawn(r, &s.pf, sizeof s, &storm_ops, "storm", false, NULL);
    }
}

static void storm_setup(run_t *r)
{
    r->cap = rng_range(&r->rng, 30, 90);
    if (rng_one_in(&r->rng, 8)) { /* now and then, a flood first */
        r->cap += STORM_FLOOD + 1;
        storm_t s = storm_make(r, 0);
        s.flood = STORM_FLOOD;
        probe_spawn(r, &s.pf, sizeof s, &storm_ops, "storm", false, NULL);
    }
    storm_roots(r, rng_range(&r->rng, 1, 3));
}

/* ---- workload: pingpong ----------------------------------------------------
 *
 * Pairs talking over sync/oneshot, one fresh channel per message, as
 * Tokio's ping_pong bench does. Each round ping sends pong a message
 * holding the reply channel and the next round's receiver:
 *
 *   ping ── out ──> { round, reply tx, next rx } ──> pong
 *   ping <── back ── round + 1 ─────────────────────── pong
 *
 * Some pongs stop at a chosen round, by dropping the reply (ping gets
 * -EPIPE) or by closing their receiver first (ping's send fails); some
 * pings simply run out of rounds and drop their sender (pong gets
 * -EPIPE). Either way both ends finish, and ping counts the rounds.
 */

typedef struct pp_msg {
    uint32_t round;
    oneshot_tx_t reply;
    oneshot_rx_t next;
} pp_msg_t;

typedef struct ping {
    pfut_t pf;
    async_t async;
    oneshot_tx_t out;  /* this round's way to pong */
    oneshot_rx_t back; /* pong's answer */
    uint32_t round, rounds, stop_at;
} ping_t;

typedef struct pong {
    pfut_t pf;
    async_t async;
    oneshot_rx_t in;
    uint32_t round, stop_at; /* stop_at: UINT32_MAX never */
    bool closes;             /* stop by closing `in` before the round */
} pong_t;

static void pp_msg_free(run_t *r, pp_msg_t *m)
{
    oneshot_tx_drop(&m->reply);
    oneshot_rx_drop(&m->next);
    xfree(r, m);
}

/* Send this round's message. False when pong has gone (closed). */
static bool ping_send(ping_t *p)
{
    run_t *r = p->pf.run;
    pp_msg_t *m = xmalloc(r, sizeof *m);
    oneshot_tx_t next;
    if (oneshot_channel(&m->reply, &p->back) != 0 ||
        oneshot_channel(&next, &m->next) != 0)
        die("out of memory");
    m->round = p->round;
    if (oneshot_send(&p->out, (uint64_t)(uintptr_t)m) != 0) {
        cov(C_PP_SEND_REFUSED);
        pp_msg_free(r, m); /* not delivered: still ours */
        oneshot_rx_drop(&p->back);
        oneshot_tx_drop(&next);
        return false;
    }
    p->out = next;
    return true;
}

static poll_t ping_poll(void *self, context_t *cx)
{
    ping_t *p = self;
    run_t *r = p->pf.run;
    ASYNC_BEGIN(p);
    while (p->round < p->rounds && ping_send(p)) {
        AWAIT(p, cx, &p->back.base);
        if (p->back.result != 0) {
            cov(C_PP_PONG_DROPS_REPLY);
            break; /* pong stopped: it dropped our reply */
        }
        cov(C_PP_ROUNDS);
        if (p->back.value != p->round + 1)
            violation(r, "ping %u: round %u answered %" PRIu64, p->pf.id,
                      p->round, p->back.value);
        p->round++;
        if (rng_one_in(&r->rng, 4))
            YIELD_NOW(p, cx);
    }
    oneshot_tx_drop(&p->out);
    uint32_t want = p->rounds < p->stop_at ? p->rounds : p->stop_at;
    if (p->round != want)
        violation(r, "ping %u: %u rounds done, %u expected", p->pf.id, p->round,
                  want);
    ASYNC_END(p);
}

static void ping_release(void *self)
{
    ping_t *p = self;
    oneshot_tx_drop(&p->out);
    oneshot_rx_drop(&p->back);
}

/* Pong got a message: answer it, or at stop_at let ping go. False:
 * pong is done. */
static bool pong_answer(pong_t *q)
{
    run_t *r = q->pf.run;
    pp_msg_t *m = (pp_msg_t *)(uintptr_t)q->in.value;
    if (m->round != q->round)
        violation(r, "pong %u: got round %u, expected %u", q->pf.id, m->round,
                  q->round);
    q->in = m->next; /* moved: never polled, so it may be */
    m->next = (oneshot_rx_t){0};
    bool stop = q->round == q->stop_at;
    if (stop)
        oneshot_rx_drop(&q->in);
    else if (oneshot_send(&m->reply, (uint64_t)m->round + 1) != 0)
        violation(r, "pong %u: ping stopped listening in round %u", q->pf.id,
                  q->round);
    pp_msg_free(r, m);
    q->round++;
    return !stop;
}

static poll_t pong_poll(void *self, context_t *cx)
{
    pong_t *q = self;
    ASYNC_BEGIN(q);
    for (;;) {
        if (q->closes && q->round == q->stop_at)
            oneshot_rx_close(&q->in);
        AWAIT(q, cx, &q->in.base);
        if (q->in.result != 0) {
            cov(C_PP_PONG_SAW_EPIPE);
            break; /* ping is done: it dropped its sender */
        }
        if (!pong_answer(q))
            break;
    }
    ASYNC_END(q);
}

/* Also at shutdown: a message sent but not yet received is ours. */
static void pong_release(void *self)
{
    pong_t *q = self;
    uint64_t v;
    if (oneshot_try_recv(&q->in, &v) == 0)
        pp_msg_free(q->pf.run, (pp_msg_t *)(uintptr_t)v);
    oneshot_rx_drop(&q->in);
}

static const probe_ops_t ping_ops = {ping_poll, ping_release};
static const probe_ops_t pong_ops = {pong_poll, pong_release};

static void pingpong_pair(run_t *r)
{
    ping_t p = {.rounds = rng_range(&r->rng, 1, 16)};
    pong_t q = {.closes = rng_one_in(&r->rng, 2)};
    p.stop_at = q.stop_at =
        rng_one_in(&r->rng, 3) ? rng_below(&r->rng, p.rounds + 1) : UINT32_MAX;
    if (oneshot_channel(&p.out, &q.in) != 0)
        die("out of memory");
    bool pong_first = rng_one_in(&r->rng, 2);
    if (pong_first)
        probe_spawn(r, &q.pf, sizeof q, &pong_ops, "pong", false, NULL);
    probe_spawn(r, &p.pf, sizeof p, &ping_ops, "ping", false, NULL);
    if (!pong_first)
        probe_spawn(r, &q.pf, sizeof q, &pong_ops, "pong", false, NULL);
}

static void pingpong_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    for (uint32_t i = rng_range(&r->rng, 2, 6); i > 0; i--)
        pingpong_pair(r);
}

/* ---- workload: timers ------------------------------------------------------
 *
 * driver/time.h on the virtual clock. Every wake is checked against the
 * clock: virtual time moves only when every worker is idle, and then
 * straight to the next deadline, so a task woken by a timer must be
 * polled at exactly its deadline: earlier is a timer fired early, later
 * means time jumped while a task was runnable (lost work, for a while).
 *
 *   napper   sleep 0 ms .. 30 h (every wheel level), maybe sleep again
 *            after sleep_reset, maybe spawn another napper
 *   racer    timeout(T) over a oneshot whose sender sleeps S first:
 *            the winner must be the one the clock says
 *   ticker   interval(P): ticks on the grid start + k * P
 *   quitter  timeout(short) over a 10 h sleep, then drops the sleep (the
 *            wheel cancels its timer)
 */

typedef struct napper {
    pfut_t pf;
    async_t async;
    sleep_t nap;
    uint64_t ms, again, start;
    bool chain;
} napper_t;

typedef struct racer {
    pfut_t pf;
    async_t async;
    oneshot_rx_t rx;
    timeout_t to;
    uint64_t tmo, start;
} racer_t;

typedef struct sender {
    pfut_t pf;
    async_t async;
    sleep_t nap;
    oneshot_tx_t tx;
    uint32_t racer;
} sender_t;

typedef struct ticker {
    pfut_t pf;
    async_t async;
    interval_t iv;
    uint64_t start;
    uint32_t ticks;
} ticker_t;

typedef struct quitter {
    pfut_t pf;
    async_t async;
    sleep_t longnap;
    timeout_t to;
    uint64_t tmo, start;
} quitter_t;

/* A duration for any level of the wheel: 0 ms .. 30 h. */
static uint64_t pick_ms(rng_t *g)
{
    switch (rng_below(g, 8)) {
    case 0:
        return 0;
    case 1:
        return 1;
    case 2:
    case 3:
        return rng_range(g, 2, 63);
    case 4:
    case 5:
        return rng_range(g, 64, 4095);
    case 6:
        return rng_range(g, 4096, 300000);
    default:
        return (uint64_t)rng_range(g, 1, 30) * HOUR_MS;
    }
}

static void check_due(pfut_t *pf, const char *what, uint64_t deadline)
{
    uint64_t now = now_ms();
    if (now != deadline)
        violation(pf->run,
                  "task %u '%s': %s due at %" PRIu64 " ms, polled at %" PRIu64
                  " ms (%s)",
                  pf->id, probe_of(pf)->name, what, deadline, now,
                  now < deadline ? "early" : "time jumped past a ready task");
}

static const probe_ops_t napper_ops;

static void napper_spawn(run_t *r, bool chain)
{
    napper_t n = {.ms = pick_ms(&r->rng), .chain = chain};
    n.again = rng_one_in(&r->rng, 3) ? pick_ms(&r->rng) : 0;
    sleep_init(&n.nap, n.ms);
    probe_spawn(r, &n.pf, sizeof n, &napper_ops, "napper", false, NULL);
}

static poll_t napper_poll(void *self, context_t *cx)
{
    napper_t *n = self;
    ASYNC_BEGIN(n);
    n->start = now_ms();
    AWAIT(n, cx, &n->nap.base);
    check_due(&n->pf, "sleep", n->start + n->ms);
    cov(C_TIMER_SLEEPS);
    if (n->ms >= HOUR_MS)
        cov(C_TIMER_HOURS);
    if (n->again > 0) {
        n->start = now_ms();
        sleep_reset(&n->nap, n->start + n->again);
        AWAIT(n, cx, &n->nap.base);
        check_due(&n->pf, "sleep after reset", n->start + n->again);
    }
    if (n->chain)
        napper_spawn(n->pf.run, false);
    ASYNC_END(n);
}

static void napper_release(void *self)
{
    future_drop(&((napper_t *)self)->nap.base);
}

static const probe_ops_t napper_ops = {napper_poll, napper_release};

static poll_t racer_poll(void *self, context_t *cx)
{
    racer_t *t = self;
    run_t *r = t->pf.run;
    ASYNC_BEGIN(t);
    t->start = now_ms();
    timeout_init(&t->to, &t->rx.base, t->tmo); /* here: t no longer moves */
    AWAIT(t, cx, &t->to.base);
    cov(t->to.timed_out ? C_TIMER_TIMED_OUT : C_TIMER_RECEIVED);
    if (t->to.timed_out) {
        if (r->sent[t->pf.id])
            violation(r, "racer %u timed out, but its value had been sent",
                      t->pf.id);
        check_due(&t->pf, "timeout", t->start + t->tmo);
    } else if (t->rx.result != 0 || t->rx.value != expect_of(t->pf.id)) {
        violation(r, "racer %u: received %d / %" PRIu64, t->pf.id, t->rx.result,
                  t->rx.value);
    } else if (now_ms() > t->start + t->tmo) {
        violation(r, "racer %u received after its timeout was due", t->pf.id);
    }
    oneshot_rx_drop(&t->rx);
    ASYNC_END(t);
}

static void racer_release(void *self)
{
    racer_t *t = self;
    future_drop(&t->to.base);
    oneshot_rx_drop(&t->rx);
}

static poll_t sender_poll(void *self, context_t *cx)
{
    sender_t *s = self;
    ASYNC_BEGIN(s);
    AWAIT(s, cx, &s->nap.base);
    s->pf.run->sent[s->racer] = true;
    oneshot_send(&s->tx, expect_of(s->racer)); /* -EPIPE: it timed out */
    ASYNC_END(s);
}

static void sender_release(void *self)
{
    sender_t *s = self;
    future_drop(&s->nap.base);
    oneshot_tx_drop(&s->tx);
}

static poll_t ticker_poll(void *self, context_t *cx)
{
    ticker_t *t = self;
    ASYNC_BEGIN(t);
    t->start = now_ms();
    while (t->iv.ticks < t->ticks) {
        AWAIT(t, cx, &t->iv.base);
        if (t->iv.tick_ms != t->start + (t->iv.ticks - 1) * t->iv.period)
            violation(t->pf.run,
                      "ticker %u: tick %" PRIu64 " at %" PRIu64
                      " ms, off the grid",
                      t->pf.id, t->iv.ticks, t->iv.tick_ms);
        check_due(&t->pf, "tick", t->iv.tick_ms);
        cov(C_TIMER_TICKS);
    }
    ASYNC_END(t);
}

static void ticker_release(void *self)
{
    future_drop(&((ticker_t *)self)->iv.base);
}

static poll_t quitter_poll(void *self, context_t *cx)
{
    quitter_t *q = self;
    ASYNC_BEGIN(q);
    q->start = now_ms();
    timeout_init(&q->to, &q->longnap.base, q->tmo);
    AWAIT(q, cx, &q->to.base);
    if (!q->to.timed_out)
        violation(q->pf.run,
                  "quitter %u: a 10 h sleep beat a %" PRIu64 " ms timeout",
                  q->pf.id, q->tmo);
    check_due(&q->pf, "timeout", q->start + q->tmo);
    cov(C_TIMER_TIMED_OUT);
    future_drop(&q->longnap.base); /* cancel the long timer, now */
    ASYNC_END(q);
}

static void quitter_release(void *self)
{
    quitter_t *q = self;
    future_drop(&q->to.base);
    future_drop(&q->longnap.base);
}

static const probe_ops_t racer_ops = {racer_poll, racer_release};
static const probe_ops_t sender_ops = {sender_poll, sender_release};
static const probe_ops_t ticker_ops = {ticker_poll, ticker_release};
static const probe_ops_t quitter_ops = {quitter_poll, quitter_release};

static void race_spawn(run_t *r)
{
    racer_t t = {.tmo = pick_ms(&r->rng)};
    sender_t s = {.racer = r->nprobes};
    if (oneshot_channel(&s.tx, &t.rx) != 0)
        die("out of memory");
    sleep_init(&s.nap, rng_one_in(&r->rng, 4) ? t.tmo : pick_ms(&r->rng));
    if (probe_spawn(r, &t.pf, sizeof t, &racer_ops, "racer", false, NULL) < 0) {
        oneshot_rx_drop(&t.rx);
        oneshot_tx_drop(&s.tx);
        return;
    }
    if (probe_spawn(r, &s.pf, sizeof s, &sender_ops, "sender", false, NULL) < 0)
        oneshot_tx_drop(&s.tx);
}

static void ticker_spawn(run_t *r)
{
    ticker_t t = {.ticks = rng_range(&r->rng, 2, 6)};
    interval_init(&t.iv, rng_range(&r->rng, 1, 500));
    probe_spawn(r, &t.pf, sizeof t, &ticker_ops, "ticker", false, NULL);
}

static void quitter_spawn(run_t *r)
{
    quitter_t q = {.tmo = rng_range(&r->rng, 0, 5000)};
    sleep_init(&q.longnap, 10 * HOUR_MS);
    probe_spawn(r, &q.pf, sizeof q, &quitter_ops, "quitter", false, NULL);
}

static void timers_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    for (uint32_t i = rng_range(&r->rng, 8, 24); i > 0; i--) {
        uint32_t kind = rng_below(&r->rng, 6);
        if (kind <= 1)
            napper_spawn(r, kind == 1);
        else if (kind <= 3)
            race_spawn(r);
        else if (kind == 4)
            ticker_spawn(r);
        else
            quitter_spawn(r);
    }
}

/* ---- workload: abort -------------------------------------------------------
 *
 * join_handle_abort / join_abort against targets caught in every state:
 *
 *   parked    waits on a oneshot nobody sends on (idle: abort schedules
 *             it once more, to drop it; unaborted, the sender's drop ends it)
 *   sleeper   waits on a timer (idle, then woken by the driver)
 *   yielder   yields a few times (queued or notified when aborted)
 *   self      aborts itself from inside its poll (running), then returns
 *             READY (its output stands) or yields (it must never run again)
 *   quick     READY at its first poll (often complete before the abort)
 *   nested    spawns a leaf and awaits its join; aborting it detaches
 *             the leaf, which must still finish
 *
 * Aborters are tasks that spawn targets, yield, abort most of them (some
 * twice, some another aborter's), then await each join: NULL output
 * exactly when the target never returned READY. The outside stand-in
 * holds more targets and aborts them between steps.
 */

enum { T_PARKED, T_SLEEPER, T_YIELDER, T_SELF, T_QUICK, T_NESTED, T_KINDS };

#define ABORT_TARGETS 3

typedef struct target {
    pfut_t pf;
    async_t async;
    uint32_t kind, yields;
    oneshot_rx_t rx; /* T_PARKED */
    sleep_t nap;     /* T_SLEEPER */
    join_t child;    /* T_NESTED */
    uint32_t child_id;
    bool self_ready;   /* T_SELF: READY right after aborting itself */
    bool aborted_self; /* T_SELF: it did */
} target_t;

typedef struct aborter {
    pfut_t pf;
    async_t async;
    uint32_t n, i, yields;
    join_t join[ABORT_TARGETS];
    uint32_t tid[ABORT_TARGETS];
    oneshot_tx_t tx[ABORT_TARGETS];
} aborter_t;

/* T_SELF: abort ourselves through whoever's join handle we have. */
static void target_abort_self(target_t *t)
{
    join_t *j = t->pf.run->handle[t->pf.id];
    if (j == NULL)
        return; /* nobody joins us any more: no handle to abort with */
    abort_join(j);
    t->aborted_self = true;
}

static void target_spawn_child(target_t *t)
{
    run_t *r = t->pf.run;
    join_handle_t h;
    int id = leaf_spawn(r, true, false, &h);
    if (id < 0)
        return;
    join_init(&t->child, h);
    t->child_id = (uint32_t)id;
}

static poll_t target_poll(void *self, context_t *cx)
{
    target_t *t = self;
    run_t *r = t->pf.run;
    ASYNC_BEGIN(t);
    if (t->kind == T_PARKED)
        AWAIT(t, cx, &t->rx.base);
    if (t->kind == T_SLEEPER)
        AWAIT(t, cx, &t->nap.base);
    while (t->yields > 0) {
        t->yields--;
        YIELD_NOW(t, cx);
    }
    if (t->kind == T_SELF) {
        target_abort_self(t);
        if (!t->self_ready)
            YIELD_NOW(t, cx);
        if (t->aborted_self && !t->self_ready)
            violation(r, "task %u ran on after aborting itself", t->pf.id);
    }
    if (t->kind == T_NESTED) {
        target_spawn_child(t);
        if (t->child.handle.task != NULL)
            AWAIT(t, cx, &t->child.base);
        if (t->child.handle.task != NULL)
            check_join(r, &t->child, t->child_id, false);
    }
    ASYNC_END(t);
}

static void target_release(void *self)
{
    target_t *t = self;
    oneshot_rx_drop(&t->rx);
    future_drop(&t->nap.base);
    join_drop(&t->child); /* detaches the child, which runs on */
}

static const probe_ops_t target_ops = {target_poll, target_release};

/* A target of a random kind; *tx gets the parked one's sender. */
static int target_spawn(run_t *r, oneshot_tx_t *tx, join_handle_t *h)
{
    target_t t = {.kind = rng_below(&r->rng, T_KINDS)};
    t.yields = t.kind == T_YIELDER ? rng_range(&r->rng, 1, 5) : 0;
    t.self_ready = rng_one_in(&r->rng, 2);
    sleep_init(&t.nap, rng_range(&r->rng, 0, 40));
    *tx = (oneshot_tx_t){NULL};
    if (t.kind == T_PARKED && oneshot_channel(tx, &t.rx) != 0)
        die("out of memory");
    int id = probe_spawn(r, &t.pf, sizeof t, &target_ops, "target", true, h);
    if (id < 0) {
        oneshot_tx_drop(tx);
        oneshot_rx_drop(&t.rx);
    }
    return id;
}

/* Abort target i (most of the time; now and then twice, or another
 * aborter's target too), then let a parked one go either way. */
static void aborter_decide(aborter_t *a, uint32_t i)
{
    run_t *r = a->pf.run;
    if (!rng_one_in(&r->rng, 4)) {
        abort_join(&a->join[i]);
        if (rng_one_in(&r->rng, 3))
            abort_join(&a->join[i]); /* twice: the second does nothing */
    }
    if (rng_one_in(&r->rng, 4)) {
        uint32_t other = rng_below(&r->rng, r->nprobes);
        if (r->handle[other] != NULL)
            abort_join(r->handle[other]);
    }
    oneshot_tx_drop(&a->tx[i]);
}

static void aborter_spawn_targets(aborter_t *a)
{
    run_t *r = a->pf.run;
    for (uint32_t k = 0; k < a->n; k++) {
        join_handle_t h;
        int id = target_spawn(r, &a->tx[a->i], &h);
        if (id < 0)
            break;
        join_init(&a->join[a->i], h);
        a->tid[a->i] = (uint32_t)id;
        r->handle[id] = &a->join[a->i]; /* fixed: we have been polled */
        a->i++;
    }
    a->n = a->i;
}

static poll_t aborter_poll(void *self, context_t *cx)
{
    aborter_t *a = self;
    run_t *r = a->pf.run;
    ASYNC_BEGIN(a);
    aborter_spawn_targets(a);
    while (a->yields > 0) {
        a->yields--;
        YIELD_NOW(a, cx);
    }
    for (a->i = 0; a->i < a->n; a->i++) {
        aborter_decide(a, a->i);
        if (rng_one_in(&r->rng, 2))
            YIELD_NOW(a, cx);
    }
    for (a->i = 0; a->i < a->n; a->i++) {
        AWAIT(a, cx, &a->join[a->i].base);
        r->handle[a->tid[a->i]] = NULL;
        check_join(r, &a->join[a->i], a->tid[a->i], true);
    }
    ASYNC_END(a);
}

static void aborter_release(void *self)
{
    aborter_t *a = self;
    run_t *r = a->pf.run;
    for (uint32_t k = 0; k < ABORT_TARGETS; k++) {
        if (a->join[k].handle.task != NULL)
            r->handle[a->tid[k]] = NULL;
        join_drop(&a->join[k]);
        oneshot_tx_drop(&a->tx[k]);
    }
}

static const probe_ops_t aborter_ops = {aborter_poll, aborter_release};

static void aborter_spawn(run_t *r)
{
    aborter_t a = {.n = rng_range(&r->rng, 1, ABORT_TARGETS),
                   .yields = rng_below(&r->rng, 4)};
    probe_spawn(r, &a.pf, sizeof a, &aborter_ops, "aborter", false, NULL);
}

/* A target whose join handle the outside holds and may abort. */
static void held_target_spawn(run_t *r)
{
    if (r->nheld == MAX_HELD)
        return;
    held_t *hd = &r->held[r->nheld];
    join_handle_t h;
    int id = target_spawn(r, &hd->tx, &h);
    if (id < 0)
        return;
    join_init(&hd->join, h);
    hd->id = (uint32_t)id;
    hd->stage = HELD_NEW;
    hd->may_abort = true;
    r->handle[id] = &hd->join;
    r->nheld++;
}

static void abort_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    for (uint32_t i = rng_range(&r->rng, 2, 5); i > 0; i--)
        aborter_spawn(r);
    for (uint32_t i = rng_range(&r->rng, 1, 6); i > 0; i--)
        held_target_spawn(r);
}

/* ---- workload: joindrop ----------------------------------------------------
 *
 * Join handles let go at every moment of a child's life:
 *
 *   JD_AT_ONCE       dropped right after spawn: the child is queued
 *   JD_AFTER_JOIN    awaited, output checked, then dropped
 *   JD_AFTER_DONE    the child finished (the parent saw it in the table),
 *                    never polled: the drop must free the output, now
 *   JD_BY_CHILD      handed to the child, which drops it in its own poll
 *   JD_PENDING_DROP  joined, then dropped while the child still runs
 *   JD_OUTSIDE       handed to the outside, dropped between two steps
 *   JD_DETACHED      spawned with no handle at all
 */

enum {
    JD_AT_ONCE,
    JD_AFTER_JOIN,
    JD_AFTER_DONE,
    JD_BY_CHILD,
    JD_PENDING_DROP,
    JD_OUTSIDE,
    JD_DETACHED,
    JD_MODES
};

#define JD_KIDS 4

typedef struct jparent {
    pfut_t pf;
    async_t async;
    uint32_t n, i;
    uint8_t mode[JD_KIDS];
    uint32_t kid[JD_KIDS];
    join_t join[JD_KIDS];
    join_handle_t raw[JD_KIDS]; /* JD_AFTER_DONE */
} jparent_t;

/* Give the outside a join handle to drop (or abort) between steps. */
static void hand_out(run_t *r, join_handle_t h, uint32_t id, bool may_abort)
{
    if (r->nheld == MAX_HELD) {
        join_handle_drop(&h);
        return;
    }
    held_t *hd = &r->held[r->nheld++];
    join_init(&hd->join, h);
    hd->tx = (oneshot_tx_t){NULL};
    hd->id = id;
    hd->stage = may_abort ? HELD_NEW : HELD_DECIDED;
    hd->may_abort = may_abort;
}

static void jparent_spawn_one(jparent_t *p, uint32_t i)
{
    run_t *r = p->pf.run;
    uint8_t mode = p->mode[i];
    join_handle_t h;
    int id = leaf_spawn(r, mode != JD_AFTER_DONE, false,
                        mode == JD_DETACHED     ? NULL
                        : mode == JD_AFTER_DONE ? &p->raw[i]
                                                : &h);
    if (id < 0) {
        p->mode[i] = JD_DETACHED; /* nothing to wait for */
        return;
    }
    p->kid[i] = (uint32_t)id;
    if (mode == JD_AT_ONCE)
        drop_handle(&h);
    else if (mode == JD_AFTER_JOIN || mode == JD_PENDING_DROP)
        join_init(&p->join[i], h);
    else if (mode == JD_BY_CHILD)
        r->given[id] = h;
    else if (mode == JD_OUTSIDE)
        hand_out(r, h, (uint32_t)id, false);
}

/* The child finished and nobody polled its handle: the output waits in
 * the task until this drop. */
static void jparent_drop_after_done(jparent_t *p, uint32_t i)
{
    run_t *r = p->pf.run;
    probe_t *c = &r->probe[p->kid[i]];
    if (c->drops != 0)
        violation(r, "task %u: output dropped before its join handle was",
                  p->kid[i]);
    drop_handle(&p->raw[i]);
    if (c->drops != 1)
        violation(r,
                  "task %u: dropping the handle of a finished task did "
                  "not drop its output",
                  p->kid[i]);
}

static poll_t jparent_poll(void *self, context_t *cx)
{
    jparent_t *p = self;
    run_t *r = p->pf.run;
    ASYNC_BEGIN(p);
    for (p->i = 0; p->i < p->n; p->i++)
        jparent_spawn_one(p, p->i);
    for (p->i = 0; p->i < p->n; p->i++) {
        if (p->mode[p->i] == JD_AFTER_JOIN) {
            AWAIT(p, cx, &p->join[p->i].base);
            check_join(r, &p->join[p->i], p->kid[p->i], false);
        } else if (p->mode[p->i] == JD_AFTER_DONE) {
            while (!r->probe[p->kid[p->i]].ready)
                YIELD_NOW(p, cx);
            jparent_drop_after_done(p, p->i);
        } else if (p->mode[p->i] == JD_PENDING_DROP) {
            if (rng_one_in(&r->rng, 2))
                YIELD_NOW(p, cx);
            drop_join(&p->join[p->i]);
        }
    }
    ASYNC_END(p);
}

static void jparent_release(void *self)
{
    jparent_t *p = self;
    for (uint32_t k = 0; k < JD_KIDS; k++) {
        join_drop(&p->join[k]);
        if (p->raw[k].task != NULL)
            join_handle_drop(&p->raw[k]);
    }
}

static const probe_ops_t jparent_ops = {jparent_poll, jparent_release};

static void jparent_spawn(run_t *r)
{
    jparent_t p = {.n = rng_range(&r->rng, 1, JD_KIDS)};
    for (uint32_t i = 0; i < p.n; i++)
        p.mode[i] = (uint8_t)rng_below(&r->rng, JD_MODES);
    probe_spawn(r, &p.pf, sizeof p, &jparent_ops, "jparent", false, NULL);
}

static void joindrop_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    for (uint32_t i = rng_range(&r->rng, 3, 8); i > 0; i--)
        jparent_spawn(r);
    /* Children of the outside itself: their handles start out held. */
    for (uint32_t i = rng_range(&r->rng, 0, 4); i > 0; i--) {
        join_handle_t h;
        int id = leaf_spawn(r, true, false, &h);
        if (id >= 0)
            hand_out(r, h, (uint32_t)id, false);
    }
}

/* ---- workload: foreign -----------------------------------------------------
 *
 * Wakes from outside the runtime. Each waiter needs a few signals from
 * the outside and keeps its waker in a slot the outside reads:
 *
 *   waiter poll:  got >= need ? READY : keep waker in slot[i], PENDING
 *                 (and now and then: poke another slot's waker, yield)
 *   outside:      got++ and wake (by value, by reference, or through a
 *                 clone it keeps), or a spurious wake, or drop a waker
 *                 it no longer needs, or spawn one more waiter
 *
 * Some clones are kept past the end of the run and woken after destroy:
 * that must be harmless (every task is complete) and leak nothing.
 */

typedef struct waiter {
    pfut_t pf;
    uint32_t slot;
} waiter_t;

/*
 * A real foreign thread. The stand-in acts between steps, when no task
 * runs; a wake that lands while its task's poll runs must come from
 * another thread (on the poller's own thread it is a self-wake, which
 * core/task.c takes by another path). So a poll may hand this thread a
 * waker to wake and wait until it has: the run stays deterministic (the
 * poll waits), and the wake comes from outside every worker, through
 * the wake-while-RUNNING and inject paths. The mutex hands the waker
 * over and back; started lazily, stopped at exit.
 */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    const waker_t *waker; /* under lock: to wake; NULL when done */
    bool started, quit;   /* under lock */
} foreign = {.lock = PTHREAD_MUTEX_INITIALIZER,
             .cond = PTHREAD_COND_INITIALIZER};

static void *foreign_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&foreign.lock);
    while (!foreign.quit) {
        if (foreign.waker == NULL) {
            pthread_cond_wait(&foreign.cond, &foreign.lock);
            continue;
        }
        waker_wake_by_ref(foreign.waker);
        foreign.waker = NULL;
        pthread_cond_broadcast(&foreign.cond);
    }
    pthread_mutex_unlock(&foreign.lock);
    return NULL;
}

static void foreign_stop(void)
{
    pthread_mutex_lock(&foreign.lock);
    foreign.quit = true;
    pthread_cond_broadcast(&foreign.cond);
    pthread_mutex_unlock(&foreign.lock);
    pthread_join(foreign.thread, NULL);
}

/* Wake w on the foreign thread; back when it is done. */
static void foreign_wake(const waker_t *w)
{
    pthread_mutex_lock(&foreign.lock);
    if (!foreign.started) {
        if (pthread_create(&foreign.thread, NULL, foreign_main, NULL) != 0)
            die("cannot start the foreign thread");
        foreign.started = true;
        atexit(foreign_stop);
    }
    foreign.waker = w;
    pthread_cond_broadcast(&foreign.cond);
    while (foreign.waker != NULL)
        pthread_cond_wait(&foreign.cond, &foreign.lock);
    pthread_mutex_unlock(&foreign.lock);
}

/* Now and then, mid-poll, the foreign thread wakes us (we are RUNNING:
 * the wake only sets NOTIFIED, and the poll's end re-queues us) or
 * another waiter (idle, or queued: to the inject queue, or nothing). */
static void waiter_foreign_wakes(waiter_t *w, context_t *cx)
{
    run_t *r = w->pf.run;
    if (rng_one_in(&r->rng, 8)) {
        cov(C_THREAD_WAKES_RUNNING);
        foreign_wake(cx->waker);
    }
    if (rng_one_in(&r->rng, 8)) {
        slot_t *o = &r->slot[rng_below(&r->rng, r->nslots)];
        if (waker_is_set(&o->waker)) {
            cov(C_THREAD_WAKES_OTHER);
            foreign_wake(&o->waker);
        }
    }
}

static poll_t waiter_poll(void *self, context_t *cx)
{
    waiter_t *w = self;
    run_t *r = w->pf.run;
    slot_t *s = &r->slot[w->slot];
    if (s->got >= s->need)
        return POLL_READY;
    waiter_foreign_wakes(w, cx);
    if (rng_one_in(&r->rng, 4)) {
        slot_t *o = &r->slot[rng_below(&r->rng, r->nslots)];
        if (waker_is_set(&o->waker)) {
            cov(C_TASK_WAKES_TASK);
            waker_wake_by_ref(&o->waker); /* a task wakes a task */
        }
    }
    if (rng_one_in(&r->rng, 5)) {
        waker_wake_by_ref(cx->waker); /* a yield, by hand */
        return POLL_PENDING;
    }
    waker_register(&s->waker, cx);
    return POLL_PENDING;
}

static const probe_ops_t waiter_ops = {waiter_poll, NULL};

static void waiter_spawn(run_t *r, uint32_t max_need)
{
    if (r->nslots == MAX_SLOTS)
        return;
    waiter_t w = {.slot = r->nslots};
    r->slot[r->nslots] = (slot_t){.need = rng_range(&r->rng, 0, max_need)};
    if (probe_spawn(r, &w.pf, sizeof w, &waiter_ops, "waiter", false, NULL) >=
        0)
        r->nslots++;
}

static void foreign_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    for (uint32_t i = rng_range(&r->rng, 4, 20); i > 0; i--)
        waiter_spawn(r, 4);
}

static void slots_check(run_t *r)
{
    for (uint32_t i = 0; i < r->nslots; i++)
        if (waker_is_set(&r->slot[i].waker))
            violation(r, "the outside still holds slot %u's waker", i);
}

/* ---- workload: shutdown ----------------------------------------------------
 *
 * A bit of everything, stopped by executor_destroy after a random number
 * of steps: every future still pending (asleep for hours, parked on a
 * channel, waiting for an outside signal that never comes, queued,
 * half-joined) must be dropped exactly once, and everything freed, also
 * what the outside still holds when it lets go after destroy.
 */

static void shutdown_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    storm_roots(r, 1);
    for (uint32_t i = rng_range(&r->rng, 1, 3); i > 0; i--)
        napper_spawn(r, false);
    race_spawn(r);
    pingpong_pair(r);
    aborter_spawn(r);
    held_target_spawn(r);
    jparent_spawn(r);
    for (uint32_t i = rng_range(&r->rng, 1, 4); i > 0; i--)
        waiter_spawn(r, 6);
}

/* ---- the blocking pool's join handles, wherever they are held -------------
 */

/* A blocking task's join completed: what it says must match what fn
 * did (the record counts the calls). NULL output means cancelled: only
 * an abort, or destroy, may do that, and then fn never ran. */
static void bl_check_output(run_t *r, join_handle_t *h, uint32_t i)
{
    bl_rec_t *b = &r->sy.bl[i];
    void *out = ws_blocking_output(h);
    if (out == NULL) {
        cov(C_BL_CANCELLED);
        if (!b->may_cancel && !r->destroyed && !r->cut)
            violation(r,
                      "blocking task %u: its join says cancelled, but "
                      "nothing aborted it",
                      i);
        if (b->ran != 0)
            violation(r,
                      "blocking task %u: its join says cancelled, but fn "
                      "ran %u times",
                      i, b->ran);
    } else {
        if (out != b)
            violation(r, "blocking task %u: its join gave the wrong output",
                      i);
        if (b->ran != 1)
            violation(r,
                      "blocking task %u: its join gave an output, but fn "
                      "ran %u times",
                      i, b->ran);
    }
}

static bool bheld_live(run_t *r, uint32_t i)
{
    return r->sy.bheld[i].h.task != NULL;
}

/* The outside's move on a blocking task's join handle: look whether it
 * finished (polled with a no-op waker), or abort it, or let it go. */
static void bheld_act(run_t *r, bl_held_t *bh)
{
    waker_t noop = waker_noop();
    context_t cx = {.waker = &noop};
    if (join_handle_poll(&bh->h, &cx) == POLL_READY) {
        bl_check_output(r, &bh->h, bh->rec);
        join_handle_drop(&bh->h);
    } else if (rng_one_in(&r->rng, 4)) {
        r->sy.bl[bh->rec].may_cancel = true;
        join_handle_abort(&bh->h);
    } else if (rng_one_in(&r->rng, 4)) {
        join_handle_drop(&bh->h); /* unfinished: detach it */
    }
}

/* After destroy every blocking task has run or been cancelled: each
 * handle still held must be READY at once. */
static void bheld_let_go(run_t *r)
{
    waker_t noop = waker_noop();
    context_t cx = {.waker = &noop};
    for (uint32_t i = 0; i < r->sy.nbheld; i++) {
        bl_held_t *bh = &r->sy.bheld[i];
        if (bh->h.task == NULL)
            continue;
        if (join_handle_poll(&bh->h, &cx) != POLL_READY)
            violation(r,
                      "blocking task %u: its join handle never completed, "
                      "even after executor_destroy",
                      bh->rec);
        else
            bl_check_output(r, &bh->h, bh->rec);
        join_handle_drop(&bh->h);
    }
}

/* ---- the outside: a foreign thread's stand-in, between steps --------------
 */

static bool slot_active(const slot_t *s)
{
    return s->got < s->need || waker_is_set(&s->waker);
}

/* True while the outside still has something to do before the run can
 * end: signals owed, wakers or join handles to let go. */
static bool outside_pending(run_t *r)
{
    for (uint32_t i = 0; i < r->nslots; i++)
        if (slot_active(&r->slot[i]))
            return true;
    for (uint32_t i = 0; i < r->nheld; i++)
        if (r->held[i].stage != HELD_DONE)
            return true;
    for (uint32_t i = 0; i < r->nlate; i++)
        if (!r->late[i].after_destroy && waker_is_set(&r->late[i].waker))
            return true;
    for (uint32_t i = 0; i < r->sy.nbheld; i++)
        if (bheld_live(r, i))
            return true;
    return false;
}

/* Keep a clone of w; wake or drop it later, maybe after destroy. */
static void late_keep(run_t *r, const waker_t *w)
{
    if (r->nlate == MAX_LATE)
        return;
    r->late[r->nlate].waker = waker_clone(w);
    r->late[r->nlate].after_destroy = rng_one_in(&r->rng, 2);
    r->nlate++;
}

/* Signal a slot, or wake it for nothing, or let its waker go. */
static void slot_act(run_t *r, slot_t *s)
{
    uint32_t how = rng_below(&r->rng, 6);
    if (s->got >= s->need) {
        if (how == 0)
            waker_wake_by_ref(&s->waker);
        waker_drop(&s->waker); /* its task has its signals */
        return;
    }
    if (how == 5) {
        if (waker_is_set(&s->waker)) {
            cov(C_OUT_SPURIOUS);
            waker_wake_by_ref(&s->waker); /* spurious: nothing changed */
        }
        return;
    }
    s->got++;
    if (!waker_is_set(&s->waker))
        return; /* not waiting yet: its first poll will see got */
    cov(C_OUT_WAKES);
    if (how == 4)
        late_keep(r, &s->waker);
    if (how <= 1)
        waker_wake_by_ref(&s->waker);
    else
        waker_wake(&s->waker);
}

static void late_act(run_t *r, late_t *l)
{
    if (rng_one_in(&r->rng, 2))
        waker_wake(&l->waker);
    else
        waker_drop(&l->waker);
}

/* The outside polls its join with a no-op waker: it has no task. */
static bool held_poll(held_t *hd)
{
    waker_t noop = waker_noop();
    context_t cx = {.waker = &noop};
    return future_poll(&hd->join.base, &cx) == POLL_READY;
}

/* One move on a held join handle: abort (or not), let a parked target
 * go, then look whether it finished, or drop the handle unfinished. */
static void held_act(run_t *r, held_t *hd)
{
    if (hd->stage == HELD_NEW) {
        if (!rng_one_in(&r->rng, 3))
            abort_join(&hd->join);
        hd->stage = HELD_DECIDED;
    } else if (hd->stage == HELD_DECIDED) {
        oneshot_tx_drop(&hd->tx);
        hd->stage = HELD_OPEN;
    } else if (held_poll(hd)) {
        r->handle[hd->id] = NULL;
        check_join(r, &hd->join, hd->id, hd->may_abort);
        hd->stage = HELD_DONE;
    } else if (rng_one_in(&r->rng, 3)) {
        r->handle[hd->id] = NULL;
        drop_join(&hd->join); /* not finished: detach it */
        hd->stage = HELD_DONE;
    }
}

static bool slot_live(run_t *r, uint32_t i)
{
    return slot_active(&r->slot[i]);
}

static bool held_live(run_t *r, uint32_t i)
{
    return r->held[i].stage != HELD_DONE;
}

static bool late_live(run_t *r, uint32_t i)
{
    return !r->late[i].after_destroy && waker_is_set(&r->late[i].waker);
}

/* A random one of n things that live() says has something to do, as
 * its index + 1; 0 when none has. */
static uint32_t pick_live(run_t *r, uint32_t n,
                          bool (*live)(run_t *r, uint32_t i))
{
    uint32_t start = n > 0 ? rng_below(&r->rng, n) : 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (start + k) % n;
        if (live(r, i))
            return i + 1;
    }
    return 0;
}

/* One action of the outside: of a kind chosen at random if that kind
 * has something to do, else of any kind that has. */
static void outside_act(run_t *r)
{
    uint32_t kind = rng_below(&r->rng, 8), i;
    if (kind == 0 && r->wl->outside_spawns && r->nslots < MAX_SLOTS &&
        r->nprobes < r->cap) {
        cov(C_OUT_SPAWNS);
        waiter_spawn(r, 4); /* a spawn from outside: the inject queue */
    } else if (kind == 1 && (i = pick_live(r, r->nlate, late_live)) != 0) {
        late_act(r, &r->late[i - 1]);
    } else if (kind <= 4 && (i = pick_live(r, r->nslots, slot_live)) != 0) {
        slot_act(r, &r->slot[i - 1]);
    } else if ((i = pick_live(r, r->nheld, held_live)) != 0) {
        held_act(r, &r->held[i - 1]);
    } else if ((i = pick_live(r, r->sy.nbheld, bheld_live)) != 0) {
        bheld_act(r, &r->sy.bheld[i - 1]);
    } else if ((i = pick_live(r, r->nslots, slot_live)) != 0) {
        slot_act(r, &r->slot[i - 1]);
    } else if ((i = pick_live(r, r->nlate, late_live)) != 0) {
        late_act(r, &r->late[i - 1]);
    }
}

/* After destroy, the outside lets go of everything it still holds.
 * Waking a task of a destroyed runtime must do nothing (it is complete);
 * the last reference frees it. */
static void outside_let_go(run_t *r)
{
    for (uint32_t i = 0; i < r->nlate; i++) {
        if (!waker_is_set(&r->late[i].waker))
            continue;
        cov(C_OUT_LATE_AFTER_DESTROY);
        if (rng_one_in(&r->rng, 2))
            waker_wake_by_ref(&r->late[i].waker);
        waker_drop(&r->late[i].waker);
    }
    for (uint32_t i = 0; i < r->nslots; i++)
        waker_drop(&r->slot[i].waker);
    for (uint32_t i = 0; i < r->nheld; i++) {
        join_drop(&r->held[i].join);
        oneshot_tx_drop(&r->held[i].tx);
    }
    for (uint32_t i = 0; i < r->nprobes; i++)
        if (r->given[i].task != NULL)
            join_handle_drop(&r->given[i]);
    bheld_let_go(r);
}

/* ---- workload: blockon -----------------------------------------------------
 *
 * executor_block_on in simulation. Its root future runs on the calling
 * thread, which is no worker, and plays the outside from there: it
 * spawns a storm (and joins it), waiters, and targets whose handles the
 * outside holds; then, until everything is done, a few outside moves and
 * a nap on the virtual clock. Meanwhile block_on steps the workers, and
 * the root waker (a timer, the join) brings the root back.
 */

typedef struct root {
    future_t base; /* not a probe: block_on does not spawn it */
    async_t async;
    run_t *run;
    sleep_t nap;
    join_t join; /* the storm's root */
    uint32_t storm;
    bool joined, ready;
} root_t;

static void root_spawn(root_t *t)
{
    run_t *r = t->run;
    storm_t s = storm_make(r, 0);
    join_handle_t h;
    int id = probe_spawn(r, &s.pf, sizeof s, &storm_ops, "storm", false, &h);
    if (id >= 0) {
        join_init(&t->join, h);
        t->storm = (uint32_t)id;
    }
    t->joined = id < 0;
    for (uint32_t i = rng_range(&r->rng, 2, 8); i > 0; i--)
        waiter_spawn(r, 3);
    for (uint32_t i = rng_range(&r->rng, 0, 3); i > 0; i--)
        held_target_spawn(r);
}

/* The root's turn as the outside: a few moves, and a look at the join. */
static void root_act(root_t *t, context_t *cx)
{
    run_t *r = t->run;
    for (uint32_t k = rng_range(&r->rng, 1, 4); k > 0 && outside_pending(r);
         k--) {
        r->acts++;
        outside_act(r);
    }
    if (!t->joined && future_poll(&t->join.base, cx) == POLL_READY) {
        check_join(r, &t->join, t->storm, false);
        t->joined = true;
    }
}

static poll_t root_poll(future_t *f, context_t *cx)
{
    root_t *t = (root_t *)f;
    run_t *r = t->run;
    cov(C_BLOCKON_POLLS);
    if (t->ready)
        violation(r, "block_on polled its root future after READY");
    ASYNC_BEGIN(t);
    root_spawn(t);
    for (;;) {
        root_act(t, cx);
        if (t->joined && !outside_pending(r))
            break;
        sleep_init(&t->nap, rng_below(&r->rng, 20));
        AWAIT(t, cx, &t->nap.base);
    }
    t->ready = true;
    ASYNC_END(t);
}

static void blockon_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    root_t t = {.base = {root_poll, NULL}, .run = r};
    sleep_init(&t.nap, 0);
    int rc = executor_block_on(r->ex, &t.base);
    if (rc != 0)
        violation(r, "executor_block_on returned %d (%s)", rc, strerror(-rc));
    else if (!t.ready)
        violation(r, "executor_block_on returned before its root was READY");
    join_drop(&t.join);
    future_drop(&t.nap.base);
}

/* ---- a killer: abort another task at some point, then join it -------------
 *
 * The sync workloads' cancellations. A killer owns a target's join
 * handle, yields a few times (the target runs, waits, holds a lock...),
 * aborts it (three times in four), then awaits the join: NULL output
 * exactly when the target was dropped unfinished.
 */

typedef struct killer {
    pfut_t pf;
    async_t async;
    join_t join;
    uint32_t target, yields;
    bool abort;
} killer_t;

static poll_t killer_poll(void *self, context_t *cx)
{
    killer_t *k = self;
    ASYNC_BEGIN(k);
    while (k->yields > 0) {
        k->yields--;
        YIELD_NOW(k, cx);
    }
    if (k->abort)
        abort_join(&k->join);
    AWAIT(k, cx, &k->join.base);
    check_join(k->pf.run, &k->join, k->target, true);
    ASYNC_END(k);
}

static void killer_release(void *self)
{
    join_drop(&((killer_t *)self)->join);
}

static const probe_ops_t killer_ops = {killer_poll, killer_release};

/* Give target's handle h to a new killer (or drop it: budget spent). */
static void killer_spawn(run_t *r, join_handle_t h, uint32_t target)
{
    killer_t k = {.target = target,
                  .yields = rng_below(&r->rng, 12),
                  .abort = !rng_one_in(&r->rng, 4)};
    join_init(&k.join, h);
    if (probe_spawn(r, &k.pf, sizeof k, &killer_ops, "killer", false, NULL) <
        0)
        join_drop(&k.join);
}

/* Spawn a probe that a killer may abort (one in `odds`), else detached. */
static int spawn_maybe_killed(run_t *r, pfut_t *pf, size_t size,
                              const probe_ops_t *ops, const char *name,
                              uint32_t odds)
{
    bool killed = rng_one_in(&r->rng, odds);
    join_handle_t h;
    int id = probe_spawn(r, pf, size, ops, name, killed, killed ? &h : NULL);
    if (id >= 0 && killed)
        killer_spawn(r, h, (uint32_t)id);
    return id;
}

/* ---- workload: mpsc --------------------------------------------------------
 *
 * sync/mpsc: producers send numbered messages { producer, seq } to one
 * receiver, through a bounded channel (capacity 1..4: senders wait, slots
 * are handed on) or an unbounded one. Producers send 0..12 messages, by
 * the send future or try_send first, then drop their sender; some clone
 * theirs for a child producer first; some are aborted by a killer, in a
 * send or between two. The receiver drains to the end, or closes after k
 * messages and drains, or drops its end after k messages, or is aborted.
 *
 * The checker keeps its own books: sends that returned 0 per producer,
 * the next seq it expects from each, the senders still live.
 *
 *   every message    seq == the next expected from its producer: none
 *                    lost in the middle, none twice, per-producer order
 *   end of stream    only when every sender is gone (or the receiver
 *                    closed), and then every accepted message was seen
 *   refused send     -EPIPE only after the receiver closed or went; a
 *                    send begun after the close never succeeds
 */

enum { RX_DRAIN, RX_CLOSE, RX_DROP };

typedef struct mq_msg {
    uint32_t producer, seq;
} mq_msg_t;

typedef struct producer {
    pfut_t pf;
    async_t async;
    mpsc_tx_t tx; /* ours: dropped at the end, or by release */
    mpsc_send_t send;
    mq_msg_t msg;
    uint32_t index, n, child_n;
    int result;
    bool closed_before; /* the receiver had closed when this send began */
    bool sending;       /* send future initialised, not READY */
} producer_t;

typedef struct receiver {
    pfut_t pf;
    async_t async;
    mpsc_rx_t rx;
    mpsc_recv_t recv;
    mq_msg_t got;
    uint32_t mode, stop_at, count;
    int result;
    bool receiving;
} receiver_t;

static const probe_ops_t producer_ops;

/* The sender is gone: the receiver may see the end once all are. */
static void producer_close(producer_t *p)
{
    if (p->tx.chan == NULL)
        return;
    mpsc_tx_drop(&p->tx);
    p->pf.run->sy.mq_live_senders--;
}

/* Spawn producer with tx moved in (dropped here if the spawn fails). */
static void producer_spawn(run_t *r, mpsc_tx_t tx, uint32_t n,
                           uint32_t child_n)
{
    sync_books_t *sy = &r->sy;
    producer_t p = {.tx = tx, .index = sy->mq_producers, .n = n,
                    .child_n = child_n};
    if (sy->mq_producers == MQ_PRODUCERS ||
        spawn_maybe_killed(r, &p.pf, sizeof p, &producer_ops, "producer", 3) <
            0) {
        mpsc_tx_drop(&p.tx);
        sy->mq_live_senders--;
        return;
    }
    sy->mq_producers++;
}

/* One message: try_send first (now and then), else the send future's
 * first poll. The AWAIT that follows polls it again if PENDING. */
static void producer_begin(producer_t *p)
{
    run_t *r = p->pf.run;
    p->msg = (mq_msg_t){p->index, r->sy.mq_accepted[p->index]};
    p->closed_before = r->sy.mq_rx_closed;
    p->result = -EAGAIN;
    if (rng_one_in(&r->rng, 3))
        p->result = mpsc_try_send(&p->tx, &p->msg);
    if (p->result == -EAGAIN) {
        mpsc_send_init(&p->send, &p->tx, &p->msg);
        p->sending = true;
    }
}

/* The send's outcome, in the books. False: stop sending. */
static bool producer_sent(producer_t *p)
{
    run_t *r = p->pf.run;
    sync_books_t *sy = &r->sy;
    if (p->result == -EPIPE) {
        cov(C_MQ_SEND_REFUSED);
        if (!sy->mq_rx_closed)
            violation(r,
                      "producer %u: send refused (-EPIPE), but the "
                      "receiver is open",
                      p->index);
        return false;
    }
    if (p->result != 0) {
        violation(r, "producer %u: send returned %d", p->index, p->result);
        return false;
    }
    if (p->closed_before)
        violation(r,
                  "producer %u: message %u accepted, but the receiver had "
                  "closed before the send began",
                  p->index, p->msg.seq);
    sy->mq_accepted[p->index]++;
    return true;
}

static poll_t producer_poll(void *self, context_t *cx)
{
    producer_t *p = self;
    run_t *r = p->pf.run;
    ASYNC_BEGIN(p);
    if (p->child_n > 0) { /* a second sender, for a child producer */
        mpsc_tx_t c;
        mpsc_tx_clone(&p->tx, &c);
        r->sy.mq_live_senders++;
        producer_spawn(r, c, p->child_n, 0);
    }
    while (r->sy.mq_accepted[p->index] < p->n) {
        producer_begin(p);
        if (p->sending) {
            AWAIT(p, cx, &p->send.base);
            p->sending = false;
            p->result = p->send.result;
        }
        if (!producer_sent(p))
            break;
        if (rng_one_in(&r->rng, 3))
            YIELD_NOW(p, cx);
    }
    producer_close(p);
    ASYNC_END(p);
}

/* Also on abort: a pending send first (it may hold a slot to hand on),
 * then the sender. */
static void producer_release(void *self)
{
    producer_t *p = self;
    if (p->sending) {
        cov(C_MQ_SEND_DROPPED);
        future_drop(&p->send.base);
        p->sending = false;
    }
    producer_close(p);
}

static const probe_ops_t producer_ops = {producer_poll, producer_release};

/* A message arrived: it must be the next one of its producer. */
static void receiver_take(receiver_t *q)
{
    run_t *r = q->pf.run;
    sync_books_t *sy = &r->sy;
    uint32_t p = q->got.producer;
    if (p >= sy->mq_producers) {
        violation(r, "receiver: a message from producer %u, who does not "
                     "exist", p);
        return;
    }
    if (q->got.seq != sy->mq_received[p])
        violation(r,
                  "receiver: producer %u's message %u arrived when %u was "
                  "next (lost, duplicated or reordered)",
                  p, q->got.seq, sy->mq_received[p]);
    if (q->got.seq >= sy->mq_accepted[p])
        violation(r,
                  "receiver: producer %u's message %u arrived, but only "
                  "%u sends succeeded",
                  p, q->got.seq, sy->mq_accepted[p]);
    sy->mq_received[p] = q->got.seq + 1;
    cov(C_MQ_MESSAGES);
}

/* End of stream: every sender gone (or we closed), everything seen. */
static void receiver_end(receiver_t *q)
{
    run_t *r = q->pf.run;
    sync_books_t *sy = &r->sy;
    sy->mq_eos = true;
    cov(sy->mq_rx_closed ? C_MQ_DRAINED_CLOSED : C_MQ_EOS);
    if (!sy->mq_rx_closed && sy->mq_live_senders != 0)
        violation(r, "receiver: end of stream while %u senders are live",
                  sy->mq_live_senders);
    for (uint32_t p = 0; p < sy->mq_producers; p++)
        if (sy->mq_received[p] != sy->mq_accepted[p])
            violation(r,
                      "receiver: end of stream, but producer %u's messages "
                      "%u..%u never arrived",
                      p, sy->mq_received[p], sy->mq_accepted[p] - 1);
}

/* Drop our end now (mode RX_DROP, or an abort): sends fail from now. */
static void receiver_gone(receiver_t *q)
{
    if (q->rx.chan == NULL)
        return;
    q->pf.run->sy.mq_rx_closed = q->pf.run->sy.mq_rx_gone = true;
    if (!q->pf.run->sy.mq_eos)
        cov(C_MQ_RX_GONE_EARLY);
    mpsc_rx_drop(&q->rx);
}

static poll_t receiver_poll(void *self, context_t *cx)
{
    receiver_t *q = self;
    run_t *r = q->pf.run;
    ASYNC_BEGIN(q);
    for (;;) {
        if (q->mode == RX_CLOSE && q->count == q->stop_at &&
            !r->sy.mq_rx_closed) {
            r->sy.mq_rx_closed = true;
            mpsc_rx_close(&q->rx);
        }
        if (q->mode == RX_DROP && q->count == q->stop_at)
            break;
        q->result = -EAGAIN;
        if (rng_one_in(&r->rng, 3))
            q->result = mpsc_try_recv(&q->rx, &q->got);
        if (q->result == -EAGAIN) {
            mpsc_recv_init(&q->recv, &q->rx, &q->got);
            q->receiving = true;
            AWAIT(q, cx, &q->recv.base);
            q->receiving = false;
            q->result = q->recv.result;
        }
        if (q->result != 0) {
            if (q->result != -EPIPE)
                violation(r, "receiver: recv returned %d", q->result);
            receiver_end(q);
            break;
        }
        receiver_take(q);
        q->count++;
        if (rng_one_in(&r->rng, 4))
            YIELD_NOW(q, cx);
    }
    receiver_gone(q);
    ASYNC_END(q);
}

static void receiver_release(void *self)
{
    receiver_t *q = self;
    if (q->receiving) {
        future_drop(&q->recv.base);
        q->receiving = false;
    }
    receiver_gone(q);
}

static const probe_ops_t receiver_ops = {receiver_poll, receiver_release};

static void mpsc_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    sync_books_t *sy = &r->sy;
    size_t cap = rng_one_in(&r->rng, 3) ? MPSC_UNBOUNDED
                                        : rng_range(&r->rng, 1, 4);
    mpsc_tx_t tx;
    receiver_t q = {.mode = rng_below(&r->rng, 4)}; /* 2, 3: drain */
    if (q.mode > RX_DROP)
        q.mode = RX_DRAIN;
    q.stop_at = rng_below(&r->rng, 20);
    if (mpsc_channel(sizeof(mq_msg_t), cap, &tx, &q.rx) != 0)
        die("out of memory");
    bool rx_first = rng_one_in(&r->rng, 2);
    if (rx_first &&
        spawn_maybe_killed(r, &q.pf, sizeof q, &receiver_ops, "receiver",
                           6) < 0)
        mpsc_rx_drop(&q.rx);
    uint32_t n = rng_range(&r->rng, 2, 6);
    sy->mq_live_senders = n;
    for (uint32_t i = 0; i < n; i++) {
        mpsc_tx_t mine = tx;
        if (i + 1 < n)
            mpsc_tx_clone(&tx, &mine); /* the last one takes tx itself */
        uint32_t child = rng_one_in(&r->rng, 4) ? rng_range(&r->rng, 1, 8)
                                                 : 0;
        producer_spawn(r, mine, rng_below(&r->rng, 13), child);
    }
    if (!rx_first &&
        spawn_maybe_killed(r, &q.pf, sizeof q, &receiver_ops, "receiver",
                           6) < 0)
        mpsc_rx_drop(&q.rx);
}

static void mpsc_check(run_t *r)
{
    sync_books_t *sy = &r->sy;
    if (sy->mq_live_senders != 0)
        violation(r, "mpsc: %u senders never dropped", sy->mq_live_senders);
    if (!sy->mq_eos && !sy->mq_rx_gone)
        violation(r, "mpsc: the receiver neither saw the end nor left");
}

/* ---- workload: mutex -------------------------------------------------------
 *
 * sync/mutex: lockers each want the lock 1..4 times. Each acquisition
 * is a try_lock (now and then) or the lock future; inside the section
 * the locker yields or sleeps on the virtual clock, maybe several times,
 * then unlocks. Some lockers are aborted by a killer: while queued, after
 * the lock was handed to them but before they saw it, or inside the
 * section (their release unlocks, as a guard's drop would).
 *
 *   mutual exclusion  a count of holders, raised on entry and lowered
 *                     before unlock, is 1 at every point inside
 *   fairness (FIFO)   a queued waiter that gets the lock was queued
 *                     before every other waiter still queued (the
 *                     position is read after each PENDING poll)
 *   no waiter lost    every locker not aborted finishes with all its
 *                     acquisitions; acquired == requested in total; the
 *                     mutex is unlocked with nobody queued at the end
 */

#define MX_NONE UINT32_MAX

typedef struct locker {
    pfut_t pf;
    async_t async;
    mutex_lock_t lock;
    sleep_t nap;
    uint32_t want, got, stays;
    bool tried;   /* try_lock first, this time */
    bool locking; /* lock future initialised, not READY */
    bool holding; /* inside the section */
} locker_t;

/* Inside the section, first thing. */
static void locker_enter(locker_t *l)
{
    run_t *r = l->pf.run;
    sync_books_t *sy = &r->sy;
    if (++sy->mx_holders != 1)
        violation(r, "mutex: locker %u got the lock while locker %u held it",
                  l->pf.id, sy->mx_holder);
    sy->mx_holder = l->pf.id;
    sy->mx_acquired++;
    l->holding = true;
    cov(C_MX_ACQUIRED);
}

/* Still alone inside, after an await in the section. */
static void locker_still_alone(locker_t *l)
{
    run_t *r = l->pf.run;
    if (r->sy.mx_holders != 1 || r->sy.mx_holder != l->pf.id)
        violation(r,
                  "mutex: locker %u, inside its section, finds %u holders "
                  "(last in: %u)",
                  l->pf.id, r->sy.mx_holders, r->sy.mx_holder);
}

static void locker_leave(locker_t *l)
{
    sync_books_t *sy = &l->pf.run->sy;
    sy->mx_holders--;
    sy->mx_holder = MX_NONE;
    l->holding = false;
    mutex_unlock(&sy->mx);
}

/* The lock future's poll, watched: after a PENDING, its queue position
 * (the node is inside the future; queued is set when it links); after
 * READY, no waiter queued before it may still be waiting. */
static poll_t locker_poll_lock(locker_t *l, context_t *cx)
{
    run_t *r = l->pf.run;
    sync_books_t *sy = &r->sy;
    uint64_t *mine = &sy->mx_wait[l->pf.id];
    if (future_poll(&l->lock.base, cx) == POLL_PENDING) {
        if (*mine == 0 && l->lock.waiter.queued) {
            *mine = ++sy->mx_qseq;
            cov(C_MX_QUEUED);
        }
        return POLL_PENDING;
    }
    l->locking = false;
    for (uint32_t i = 0; *mine != 0 && i < r->nprobes; i++)
        if (sy->mx_wait[i] != 0 && sy->mx_wait[i] < *mine)
            violation(r,
                      "mutex: locker %u got the lock before locker %u, "
                      "queued earlier (FIFO broken)",
                      l->pf.id, i);
    *mine = 0;
    return POLL_READY;
}

static poll_t locker_poll(void *self, context_t *cx)
{
    locker_t *l = self;
    run_t *r = l->pf.run;
    ASYNC_BEGIN(l);
    while (l->got < l->want) {
        l->tried = rng_one_in(&r->rng, 3);
        if (!l->tried || mutex_try_lock(&r->sy.mx) != 0) {
            if (l->tried)
                cov(C_MX_TRY_BUSY);
            mutex_lock_init(&l->lock, &r->sy.mx);
            l->locking = true;
            AWAIT_POLL(l, locker_poll_lock(l, cx));
        }
        locker_enter(l);
        for (l->stays = rng_below(&r->rng, 3); l->stays > 0; l->stays--) {
            if (rng_one_in(&r->rng, 2)) {
                YIELD_NOW(l, cx);
            } else {
                sleep_init(&l->nap, rng_below(&r->rng, 4));
                AWAIT(l, cx, &l->nap.base);
            }
            locker_still_alone(l);
        }
        l->got++;
        if (!l->pf.run->probe[l->pf.id].cancellable)
            r->sy.mx_acquired_sure++;
        locker_leave(l);
        if (rng_one_in(&r->rng, 3))
            YIELD_NOW(l, cx);
    }
    ASYNC_END(l);
}

/* Also on abort: leave the queue (a handed lock goes on), or leave the
 * section (unlock), as a guard's drop would. */
static void locker_release(void *self)
{
    locker_t *l = self;
    sync_books_t *sy = &l->pf.run->sy;
    future_drop(&l->nap.base);
    if (l->locking) {
        cov(l->lock.waiter.grant != 0 ? C_MX_DROP_HANDED : C_MX_DROP_WAITING);
        future_drop(&l->lock.base);
        l->locking = false;
        sy->mx_wait[l->pf.id] = 0;
    }
    if (l->holding) {
        cov(C_MX_DROP_HOLDING);
        locker_leave(l);
    }
}

static const probe_ops_t locker_ops = {locker_poll, locker_release};

static void mutex_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    sync_books_t *sy = &r->sy;
    if (mutex_init(&sy->mx) != 0)
        die("cannot make a mutex");
    sy->mx_ready = true;
    sy->mx_holder = MX_NONE;
    for (uint32_t i = rng_range(&r->rng, 3, 14); i > 0; i--) {
        locker_t l = {.want = rng_range(&r->rng, 1, 4)};
        sleep_init(&l.nap, 0);
        int id = spawn_maybe_killed(r, &l.pf, sizeof l, &locker_ops, "locker",
                                    4);
        if (id >= 0 && !r->probe[id].cancellable)
            sy->mx_requested += l.want;
    }
}

static void mutex_check(run_t *r)
{
    sync_books_t *sy = &r->sy;
    if (sy->mx_acquired_sure != sy->mx_requested)
        violation(r,
                  "mutex: %" PRIu64 " acquisitions requested by lockers "
                  "nobody aborts, %" PRIu64 " made",
                  sy->mx_requested, sy->mx_acquired_sure);
    if (sy->mx_holders != 0 || sy->mx.locked ||
        !sync__waitq_is_empty(&sy->mx.waiters))
        violation(r,
                  "mutex: at the end %u holders, locked %d, waiters %s",
                  sy->mx_holders, sy->mx.locked,
                  sync__waitq_is_empty(&sy->mx.waiters) ? "none" : "left");
}

/* After destroy every lock future is gone: the mutex must be free. */
static void mutex_after(run_t *r)
{
    sync_books_t *sy = &r->sy;
    if (!sy->mx_ready)
        return;
    if (sy->mx.locked || !sync__waitq_is_empty(&sy->mx.waiters))
        violation(r, "mutex: still locked (or waited on) after destroy");
    else
        mutex_destroy(&sy->mx);
    sy->mx_ready = false;
}

/* ---- workload: notify ------------------------------------------------------
 *
 * sync/notify against a model of its contract (sync/notify.h), kept by
 * the checker and stepped at every call, in the same order (one thread):
 *
 *   notify_one      the oldest queued future not yet given one is given
 *                   it; nobody queued: the permit is set (one, however
 *                   many calls)
 *   notify_waiters  every future initialised before the call and not yet
 *                   READY is given one, polled or not; no permit
 *   a poll          READY iff given one, or initialised before a
 *                   notify_waiters, or (not queued) the permit is there,
 *                   which it takes; else it queues, at the tail
 *   a drop          a future given a notify_one it never saw passes it on
 *
 * Every poll of every notified future is compared with the model: READY
 * where the model says PENDING is a wake from nothing (a notification
 * used twice, or woken twice); PENDING where it says READY is a lost
 * notification (a permit not stored, a notify_waiters that missed one).
 * The budget cannot explain a PENDING: a waiter completes at most 6
 * futures per poll, the budget is 128. Waiters await 1..6 notifications;
 * notifiers call notify_one and notify_waiters at random; some waiters
 * are aborted by a killer (queued, given one, or not yet polled). A
 * finisher, once the notifiers are done, notifies until every waiter is
 * done, so a run ends; a future given one and never woken hangs it.
 */

enum { NM_ONE = 1, NM_ALL = 2 };
#define NT_UNQUEUED UINT64_MAX

static void nm_give_one(run_t *r)
{
    sync_books_t *sy = &r->sy;
    nt_model_t *best = NULL;
    for (uint32_t i = 0; i < sy->nnt; i++) {
        nt_model_t *m = &sy->ntm[i];
        if (m->live && m->grant == 0 && m->qseq != NT_UNQUEUED &&
            (best == NULL || m->qseq < best->qseq))
            best = m;
    }
    if (best == NULL) {
        sy->nt_permit = true;
        return;
    }
    best->grant = NM_ONE;
    best->qseq = NT_UNQUEUED;
}

static void nt_one(run_t *r)
{
    cov(C_NT_ONE);
    nm_give_one(r);
    notify_one(&r->sy.nt);
}

static void nt_waiters(run_t *r)
{
    sync_books_t *sy = &r->sy;
    cov(C_NT_WAITERS);
    sy->nt_epoch++;
    for (uint32_t i = 0; i < sy->nnt; i++) {
        nt_model_t *m = &sy->ntm[i];
        if (m->live && m->grant == 0 && m->qseq != NT_UNQUEUED) {
            m->grant = NM_ALL;
            m->qseq = NT_UNQUEUED;
        }
    }
    notify_waiters(&sy->nt);
}

/* What the model says this poll must return; steps the model. */
static bool nm_poll(run_t *r, nt_model_t *m)
{
    sync_books_t *sy = &r->sy;
    if (m->grant != 0)
        return true;
    if (m->qseq != NT_UNQUEUED)
        return false;
    if (m->epoch != sy->nt_epoch) {
        cov(C_NT_UNPOLLED);
        return true;
    }
    if (sy->nt_permit) {
        cov(C_NT_PERMIT);
        sy->nt_permit = false;
        return true;
    }
    m->qseq = sy->nt_qseq++;
    return false;
}

typedef struct nwaiter {
    pfut_t pf;
    async_t async;
    notified_t wait;
    uint32_t k; /* the model's row for wait */
    uint32_t waits, done;
    bool waiting; /* wait initialised, not READY */
    bool finished;
} nwaiter_t;

static poll_t nwaiter_poll_wait(nwaiter_t *w, context_t *cx)
{
    run_t *r = w->pf.run;
    nt_model_t *m = &r->sy.ntm[w->k];
    bool want = nm_poll(r, m);
    poll_t got = future_poll(&w->wait.base, cx);
    if (want && got == POLL_PENDING)
        violation(r,
                  "notify: waiter %u's future %u is PENDING, but it was "
                  "%s (a lost notification)",
                  w->pf.id, w->k,
                  m->grant == NM_ONE   ? "given a notify_one"
                  : m->grant == NM_ALL ? "included in a notify_waiters"
                  : m->epoch != r->sy.nt_epoch
                      ? "initialised before a notify_waiters"
                      : "offered the stored permit");
    if (!want && got == POLL_READY)
        violation(r,
                  "notify: waiter %u's future %u is READY with no "
                  "notification for it (woken twice, or from nothing)",
                  w->pf.id, w->k);
    if (got == POLL_READY) {
        m->live = false;
        w->waiting = false;
    }
    return got;
}

static void nwaiter_finish(nwaiter_t *w)
{
    if (!w->finished) {
        w->finished = true;
        w->pf.run->sy.nt_waiters_left--;
    }
}

static poll_t nwaiter_poll(void *self, context_t *cx)
{
    nwaiter_t *w = self;
    run_t *r = w->pf.run;
    sync_books_t *sy = &r->sy;
    ASYNC_BEGIN(w);
    while (w->done < w->waits && sy->nnt < NT_FUTURES) {
        notified_init(&w->wait, &sy->nt);
        w->k = sy->nnt++;
        sy->ntm[w->k] = (nt_model_t){.epoch = sy->nt_epoch,
                                     .qseq = NT_UNQUEUED,
                                     .live = true};
        w->waiting = true;
        if (rng_one_in(&r->rng, 3))
            YIELD_NOW(w, cx); /* initialised, not polled yet */
        AWAIT_POLL(w, nwaiter_poll_wait(w, cx));
        w->done++;
        if (rng_one_in(&r->rng, 3))
            YIELD_NOW(w, cx);
    }
    nwaiter_finish(w);
    ASYNC_END(w);
}

static void nwaiter_release(void *self)
{
    nwaiter_t *w = self;
    run_t *r = w->pf.run;
    if (w->waiting) {
        nt_model_t *m = &r->sy.ntm[w->k];
        m->live = false;
        if (m->grant == NM_ONE) {
            cov(C_NT_PASSED_ON);
            nm_give_one(r); /* as the future's drop does */
        }
        m->qseq = NT_UNQUEUED;
        future_drop(&w->wait.base);
        w->waiting = false;
    }
    nwaiter_finish(w);
}

static const probe_ops_t nwaiter_ops = {nwaiter_poll, nwaiter_release};

typedef struct notifier {
    pfut_t pf;
    async_t async;
    uint32_t ops;
    bool finisher; /* waits for the notifiers, then ends the run */
    uint32_t rounds;
} notifier_t;

/* One random move of a notifier: one, waiters, or nothing. */
static void notifier_move(run_t *r)
{
    uint32_t how = rng_below(&r->rng, 4);
    if (how <= 1)
        nt_one(r);
    else if (how == 2)
        nt_waiters(r);
}

static poll_t notifier_poll(void *self, context_t *cx)
{
    notifier_t *n = self;
    run_t *r = n->pf.run;
    sync_books_t *sy = &r->sy;
    ASYNC_BEGIN(n);
    if (n->finisher) {
        while (sy->nt_notifiers_left > 0)
            YIELD_NOW(n, cx);
        while (sy->nt_waiters_left > 0 && n->rounds < 400) {
            n->rounds++;
            if (rng_one_in(&r->rng, 2))
                nt_waiters(r);
            else
                nt_one(r);
            YIELD_NOW(n, cx);
        }
        if (sy->nt_waiters_left > 0)
            violation(r,
                      "notify: %u waiters still waiting after 400 rounds of "
                      "notifications",
                      sy->nt_waiters_left);
    } else {
        while (n->ops > 0) {
            n->ops--;
            notifier_move(r);
            if (rng_one_in(&r->rng, 2))
                YIELD_NOW(n, cx);
        }
        sy->nt_notifiers_left--;
    }
    ASYNC_END(n);
}

static const probe_ops_t notifier_ops = {notifier_poll, NULL};

static void notify_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    sync_books_t *sy = &r->sy;
    if (notify_init(&sy->nt) != 0)
        die("cannot make a notify");
    sy->nt_ready = true;
    if (rng_one_in(&r->rng, 3))
        nt_one(r); /* a permit before anyone waits */
    uint32_t waiters = rng_range(&r->rng, 2, 14);
    uint32_t notifiers = rng_range(&r->rng, 1, 4);
    sy->nt_notifiers_left = notifiers;
    while (waiters + notifiers > 0) { /* in a random order */
        if (rng_below(&r->rng, waiters + notifiers) < waiters) {
            waiters--;
            nwaiter_t w = {.waits = rng_range(&r->rng, 1, 6)};
            sy->nt_waiters_left++;
            if (spawn_maybe_killed(r, &w.pf, sizeof w, &nwaiter_ops,
                                   "nwaiter", 4) < 0)
                sy->nt_waiters_left--;
        } else {
            notifiers--;
            notifier_t n = {.ops = rng_range(&r->rng, 1, 10)};
            if (probe_spawn(r, &n.pf, sizeof n, &notifier_ops, "notifier",
                            false, NULL) < 0)
                sy->nt_notifiers_left--;
        }
    }
    notifier_t f = {.finisher = true};
    probe_spawn(r, &f.pf, sizeof f, &notifier_ops, "finisher", false, NULL);
}

static void notify_check(run_t *r)
{
    sync_books_t *sy = &r->sy;
    for (uint32_t i = 0; i < sy->nnt; i++)
        if (sy->ntm[i].live)
            violation(r, "notify: future %u neither READY nor dropped", i);
    if (sy->nt.permit != sy->nt_permit)
        violation(r, "notify: at the end the permit is %s, the model says %s",
                  sy->nt.permit ? "stored" : "not stored",
                  sy->nt_permit ? "stored" : "not stored");
}

static void notify_after(run_t *r)
{
    sync_books_t *sy = &r->sy;
    if (!sy->nt_ready)
        return;
    if (!sync__waitq_is_empty(&sy->nt.waiters))
        violation(r, "notify: waiters still queued after destroy");
    else
        notify_destroy(&sy->nt);
    sy->nt_ready = false;
}

/* ---- workload: blocking ----------------------------------------------------
 *
 * The blocking pool (workstealing/blocking.c) in simulation: no threads;
 * a queued blocking task runs on the simulation's thread when the PRNG
 * picks the pool, as one more choice beside the workers. Blocking tasks
 * are spawned from outside (ws_spawn_blocking_on), from async tasks and
 * from blocking tasks themselves (ws_spawn_blocking), to depth 2; their
 * handles are awaited by async tasks, aborted then awaited, dropped at
 * once, detached, or held by the outside, which polls, aborts or drops
 * them between steps. A blocking fn may also spawn an async task (from
 * the pool: the inject queue).
 *
 * Each blocking task has a record (its fn's arg) counting fn's calls:
 *
 *   at most once     fn never runs twice, nor after executor_destroy
 *   joins are right  output == fn's return value exactly when fn ran;
 *                    NULL (cancelled) only after an abort or destroy
 *   all complete     a run to the end: every task not aborted ran, the
 *                    pool's spawned == completed == our count, no thread
 *   destroy          one run in three is cut short by executor_destroy
 *                    after a random number of steps: every handle still
 *                    held must then be READY, fn never called
 *
 * The pool's future has no drop function (its fn and arg are plain
 * values), so "dropped exactly once" is the task's memory, freed once:
 * ASan and LeakSanitizer (`make check-sim-asan`) see that.
 *
 * Racing destroy. In a cut run a guard blocking task is queued last
 * thing before executor_destroy, with a join waker of ours. In an
 * untraced run a real thread (the racer) then spawns blocking tasks in
 * a loop, through ws_spawn_blocking_on, until the pool refuses with
 * -ESHUTDOWN. Destroy cancels the guard, which wakes our waker, which
 * waits for the racer to have seen the refusal: so the racer's spawns
 * overlap the pool's shutdown, and it never touches a freed runtime. A
 * task lost between "listed" and "queued" trips the pool's shutdown
 * assertion (SIGABRT: issue 12, item 2). That part is not a function of
 * the seed (two threads race), so it is off in traced runs, whose event
 * hashes must match.
 */

static void *bl_fn(void *arg);

/* A record and a blocking task for it: the record's index, or -1. */
static int bl_spawn(run_t *r, uint8_t depth, join_handle_t *h)
{
    sync_books_t *sy = &r->sy;
    if (sy->nbl == BL_RECORDS)
        return -1;
    uint32_t i = sy->nbl++;
    sy->bl[i] = (bl_rec_t){.run = r, .depth = depth};
    int err = executor_current() == r->ex
                  ? ws_spawn_blocking(bl_fn, &sy->bl[i], "blocking", h)
                  : ws_spawn_blocking_on(r->ex, bl_fn, &sy->bl[i],
                                         "blocking", h);
    if (err != 0) {
        sy->nbl--;
        violation(r, "ws_spawn_blocking failed: %s", strerror(-err));
        return -1;
    }
    sy->bl_spawned++;
    if (depth > 0)
        cov(C_BL_NESTED);
    return (int)i;
}

/* What a blocking task's spawner does with its handle. */
enum { BH_DETACHED, BH_DROP_AT_ONCE, BH_OUTSIDE, BH_OUTSIDE_ABORTED, BH_MODES };

static void bl_spawn_handed(run_t *r, uint8_t depth)
{
    sync_books_t *sy = &r->sy;
    uint32_t mode = rng_below(&r->rng, BH_MODES);
    if (mode >= BH_OUTSIDE && sy->nbheld == BL_HELD)
        mode = BH_DETACHED;
    join_handle_t h;
    int i = bl_spawn(r, depth, mode == BH_DETACHED ? NULL : &h);
    if (i < 0 || mode == BH_DETACHED)
        return;
    if (mode == BH_DROP_AT_ONCE) {
        join_handle_drop(&h);
        return;
    }
    if (mode == BH_OUTSIDE_ABORTED) {
        sy->bl[i].may_cancel = true;
        join_handle_abort(&h); /* queued: it must never run */
    }
    sy->bheld[sy->nbheld++] = (bl_held_t){h, (uint32_t)i};
}

static void *bl_fn(void *arg)
{
    bl_rec_t *b = arg;
    run_t *r = b->run;
    uint32_t i = (uint32_t)(b - r->sy.bl);
    if (b->ran++ != 0)
        violation(r, "blocking task %u: fn called %u times", i, b->ran);
    if (r->destroyed)
        violation(r, "blocking task %u: fn called after executor_destroy",
                  i);
    cov(C_BL_RAN);
    for (uint32_t k = b->depth < 2 ? rng_below(&r->rng, 3) : 0; k > 0; k--)
        bl_spawn_handed(r, (uint8_t)(b->depth + 1));
    if (rng_one_in(&r->rng, 4)) {
        cov(C_BL_ASYNC);
        leaf_spawn(r, true, false, NULL);
    }
    return b;
}

enum { BP_AWAIT, BP_ABORT_AWAIT, BP_HANDED, BP_MODES };

#define BP_KIDS 4

typedef struct bparent {
    pfut_t pf;
    async_t async;
    uint32_t n, i;
    uint8_t mode[BP_KIDS];
    int rec[BP_KIDS];
    join_t join[BP_KIDS];
} bparent_t;

static void bparent_spawn_one(bparent_t *p, uint32_t i)
{
    run_t *r = p->pf.run;
    p->rec[i] = -1;
    if (p->mode[i] == BP_HANDED) {
        bl_spawn_handed(r, 0);
        return;
    }
    join_handle_t h;
    p->rec[i] = bl_spawn(r, 0, &h);
    if (p->rec[i] >= 0)
        join_init(&p->join[i], h);
}

static poll_t bparent_poll(void *self, context_t *cx)
{
    bparent_t *p = self;
    run_t *r = p->pf.run;
    ASYNC_BEGIN(p);
    for (p->i = 0; p->i < p->n; p->i++)
        bparent_spawn_one(p, p->i);
    if (rng_one_in(&r->rng, 2))
        YIELD_NOW(p, cx);
    for (p->i = 0; p->i < p->n; p->i++) {
        if (p->rec[p->i] < 0)
            continue;
        if (p->mode[p->i] == BP_ABORT_AWAIT) {
            if (rng_one_in(&r->rng, 2))
                YIELD_NOW(p, cx);
            r->sy.bl[p->rec[p->i]].may_cancel = true;
            join_abort(&p->join[p->i]);
        }
        AWAIT(p, cx, &p->join[p->i].base);
        bl_check_output(r, &p->join[p->i].handle, (uint32_t)p->rec[p->i]);
        join_drop(&p->join[p->i]);
    }
    ASYNC_END(p);
}

static void bparent_release(void *self)
{
    bparent_t *p = self;
    for (uint32_t k = 0; k < BP_KIDS; k++)
        join_drop(&p->join[k]);
}

static const probe_ops_t bparent_ops = {bparent_poll, bparent_release};

static void blocking_setup(run_t *r)
{
    r->cap = MAX_PROBES;
    r->cut = rng_one_in(&r->rng, 3);
    for (uint32_t i = rng_range(&r->rng, 1, 5); i > 0; i--) {
        bparent_t p = {.n = rng_range(&r->rng, 1, BP_KIDS)};
        for (uint32_t k = 0; k < p.n; k++)
            p.mode[k] = (uint8_t)rng_below(&r->rng, BP_MODES);
        probe_spawn(r, &p.pf, sizeof p, &bparent_ops, "bparent", false, NULL);
    }
    for (uint32_t i = rng_range(&r->rng, 0, 4); i > 0; i--)
        bl_spawn_handed(r, 0); /* from outside the runtime */
}

static void blocking_check(run_t *r)
{
    sync_books_t *sy = &r->sy;
    for (uint32_t i = 0; i < sy->nbl; i++)
        if (sy->bl[i].ran == 0 && !sy->bl[i].may_cancel)
            violation(r, "blocking task %u never ran, and nothing aborted it",
                      i);
    ws_blocking_stats_t st;
    if (ws_blocking_stats(r->ex, &st) != 0)
        violation(r, "ws_blocking_stats failed");
    else if (st.spawned != sy->bl_spawned || st.completed != st.spawned ||
             st.threads != 0)
        violation(r,
                  "blocking pool: spawned %" PRIu64 " (we counted %" PRIu64
                  "), completed %" PRIu64 ", %u threads",
                  st.spawned, sy->bl_spawned, st.completed, st.threads);
}

/* The racer thread and its hand-over with the guard's waker. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool running, tried, done; /* under lock */
    uint64_t spawns;           /* under lock */
} racer = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *racer_fn(void *arg)
{
    return arg; /* never runs: nobody steps once destroy has begun */
}

static void *racer_main(void *arg)
{
    executor_t *ex = arg;
    for (;;) {
        int err = ws_spawn_blocking_on(ex, racer_fn, NULL, "racer", NULL);
        pthread_mutex_lock(&racer.lock);
        racer.spawns += err == 0;
        racer.tried = true;
        racer.done = err != 0; /* -ESHUTDOWN: the pool is closed */
        pthread_cond_broadcast(&racer.cond);
        pthread_mutex_unlock(&racer.lock);
        if (err != 0)
            return NULL;
    }
}

/* The guard's join waker, woken when destroy cancels the guard: from
 * here on the pool refuses, so wait for the racer to have seen it. */
static void guard_wake(const void *data)
{
    run_t *r = (run_t *)data;
    r->sy.guard_woken++;
    pthread_mutex_lock(&racer.lock);
    while (racer.running && !racer.done)
        pthread_cond_wait(&racer.cond, &racer.lock);
    pthread_mutex_unlock(&racer.lock);
}

static const waker_vtable_t guard_vtable;

static waker_t guard_clone(const void *data)
{
    return (waker_t){&guard_vtable, data};
}

static void guard_drop(const void *data)
{
    (void)data;
}

static const waker_vtable_t guard_vtable = {guard_clone, guard_wake,
                                            guard_wake, guard_drop};

/* A cut run, right before executor_destroy: the guard, and the racer. */
static void blocking_before(run_t *r)
{
    sync_books_t *sy = &r->sy;
    if (!r->cut)
        return;
    int err = ws_spawn_blocking_on(r->ex, racer_fn, r, "guard", &sy->guard);
    if (err != 0) {
        violation(r, "the guard's spawn failed: %s", strerror(-err));
        return;
    }
    waker_t w = {&guard_vtable, r};
    context_t cx = {.waker = &w};
    if (join_handle_poll(&sy->guard, &cx) == POLL_READY)
        violation(r, "the guard finished before executor_destroy");
    if (r->traced)
        return; /* the racer's spawns differ from run to run */
    cov(C_BL_RACES);
    racer.running = true;
    racer.tried = racer.done = false;
    racer.spawns = 0;
    if (pthread_create(&racer.thread, NULL, racer_main, r->ex) != 0)
        die("cannot start the racer thread");
    pthread_mutex_lock(&racer.lock);
    while (!racer.tried)
        pthread_cond_wait(&racer.cond, &racer.lock);
    pthread_mutex_unlock(&racer.lock);
}

/* After destroy: the racer stopped, the guard was cancelled, once. */
static void blocking_after(run_t *r)
{
    sync_books_t *sy = &r->sy;
    if (racer.running) {
        pthread_join(racer.thread, NULL);
        racer.running = false;
        coverage[C_BL_RACER_SPAWNS] += racer.spawns;
    }
    if (sy->guard.task == NULL)
        return;
    waker_t noop = waker_noop();
    context_t cx = {.waker = &noop};
    if (sy->guard_woken != 1)
        violation(r, "the guard's join waker was woken %u times by destroy",
                  sy->guard_woken);
    if (join_handle_poll(&sy->guard, &cx) != POLL_READY ||
        ws_blocking_output(&sy->guard) != NULL)
        violation(r, "the guard, queued at destroy, was not cancelled");
    join_handle_drop(&sy->guard);
}

/* ---- the workloads, in the order they run ---------------------------------
 */

static const workload_t workloads[] = {
    {"storm", "nested spawns, joined, detached, handles dropped early",
     storm_setup, NULL, false, false, NULL, NULL},
    {"pingpong", "pairs over sync/oneshot, a fresh channel per message",
     pingpong_setup, NULL, false, false, NULL, NULL},
    {"timers", "sleeps on every wheel level, timeouts racing sends, intervals",
     timers_setup, NULL, false, false, NULL, NULL},
    {"abort", "aborts of parked, sleeping, queued, running and done tasks",
     abort_setup, NULL, false, false, NULL, NULL},
    {"joindrop", "join handles dropped before, during and after the task",
     joindrop_setup, NULL, false, false, NULL, NULL},
    {"foreign", "wakes and spawns from outside, between steps; late wakers",
     foreign_setup, slots_check, true, false, NULL, NULL},
    {"shutdown", "destroy after a random number of steps; all freed",
     shutdown_setup, NULL, true, true, NULL, NULL},
    {"blockon", "block_on's root spawns, joins, and acts from its thread",
     blockon_setup, slots_check, true, false, NULL, NULL},
    {"mpsc", "producers, some aborted, into one receiver that may leave",
     mpsc_setup, mpsc_check, false, false, NULL, NULL},
    {"mutex", "lockers that yield and sleep inside; aborts queued or inside",
     mutex_setup, mutex_check, false, false, NULL, mutex_after},
    {"notify", "notify_one / notify_waiters against a model; aborted waiters",
     notify_setup, notify_check, false, false, NULL, notify_after},
    {"blocking", "the blocking pool: nested, joined, aborted; destroy races",
     blocking_setup, blocking_check, false, false, blocking_before,
     blocking_after},
};

#define NWORKLOADS (sizeof workloads / sizeof workloads[0])

static const workload_t *workload_by_name(const char *name)
{
    for (size_t i = 0; i < NWORKLOADS; i++)
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    return NULL;
}

/* ---- one run: create, setup, drive, check, destroy, check -----------------
 */

static void check_leaks(run_t *r);
static bool leaks_found(void);
static void mark_run(const workload_t *wl, uint64_t seed, int workers);

/*
 * Step until nothing can happen any more (or, for shutdown, until the
 * chosen step), letting the outside act between steps now and then, and
 * always when the runtime alone can do nothing more. Then executor_run:
 * 0 when no task is left, -EDEADLK (and lost wakers counted) otherwise.
 */
static int drive(run_t *r, uint64_t stop_after)
{
    for (;;) {
        bool pending = outside_pending(r);
        if (r->acts > STEP_LIMIT) {
            violation(r, "the outside acted %d times: a livelock", STEP_LIMIT);
            return -ETIMEDOUT;
        }
        if (pending && rng_one_in(&r->rng, 4)) {
            r->acts++;
            outside_act(r);
            continue;
        }
        if (r->steps >= stop_after)
            return 0;
        int s = executor_step(r->ex);
        if (s < 0)
            return s;
        if (s == 0 && !pending)
            break;
        if (s == 0) {
            r->acts++;
            outside_act(r); /* only the outside can move things now */
        } else if (++r->steps > STEP_LIMIT) {
            violation(r, "no end after %d steps: a livelock", STEP_LIMIT);
            return -ETIMEDOUT;
        }
    }
    return executor_run(r->ex);
}

/* The run ended on its own: nothing lost, nothing left anywhere. */
static void check_end(run_t *r, int rc)
{
    if (rc != 0 && rc != -ETIMEDOUT) /* a livelock is reported already */
        violation(r,
                  "executor_run returned %d (%s): tasks left that "
                  "nothing will wake",
                  rc, strerror(-rc));
    executor_stats_t st;
    executor_stats(r->ex, &st);
    if (st.lost_wakers != 0)
        violation(r, "%" PRIu64 " tasks pending with no live waker",
                  st.lost_wakers);
    if (st.spawned != st.completed)
        violation(r, "spawned %" PRIu64 " tasks, completed %" PRIu64,
                  st.spawned, st.completed);
    ws_view_t v;
    ws_worker_view_t wv[MAX_WORKERS];
    ws_view(r->ex, &v, wv, MAX_WORKERS);
    if (v.inject_len != 0 || v.live_tasks != 0)
        violation(r, "at the end: %zu tasks in the inject queue, %zu live",
                  v.inject_len, v.live_tasks);
    for (int i = 0; i < r->workers && i < MAX_WORKERS; i++)
        if (wv[i].ring_len != 0 || wv[i].lifo)
            violation(r, "at the end: worker %d holds %u tasks%s", i,
                      wv[i].ring_len, wv[i].lifo ? " and its LIFO slot" : "");
    if (outside_pending(r))
        violation(r, "the run ended with the outside still owed work");
}

/* Every future: dropped exactly once; finished unless it could be
 * cancelled (end == true: the run was not cut short by destroy). */
static void check_probes(run_t *r, bool end)
{
    for (uint32_t i = 0; i < r->nprobes; i++) {
        probe_t *p = &r->probe[i];
        if (!p->spawned)
            continue;
        if (p->in_poll)
            violation(r, "task %u '%s' still inside its poll", i, p->name);
        if (p->drops != 1)
            violation(r, "task %u '%s' dropped %u times%s", i, p->name,
                      p->drops, end ? " by the end of the run" : "");
        if (p->ready > 1)
            violation(r, "task %u '%s' returned READY %u times", i, p->name,
                      p->ready);
        if (end && !p->ready && !p->cancellable)
            violation(r, "task %u '%s' never finished (%u polls)", i, p->name,
                      p->polls);
    }
}

/* What a run did, for the summary and the determinism check. */
typedef struct outcome {
    bool ok;
    char what[WHAT_LEN];
    int violations;
    uint64_t steps, tasks, polls, steals;
    uint64_t digest; /* the probe table and counters, folded */
} outcome_t;

static uint64_t fold(uint64_t h, uint64_t v)
{
    return (h ^ v) * 0x100000001b3ull;
}

static uint64_t digest_of(const run_t *r, const executor_stats_t *st)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = fold(h, r->steps);
    h = fold(h, st->polls);
    h = fold(h, st->steals);
    h = fold(h, st->parks);
    for (uint32_t i = 0; i < r->nprobes; i++)
        h = fold(h, (uint64_t)r->probe[i].polls << 16 | r->probe[i].ready);
    return h;
}

static void run_init(run_t *r, const workload_t *wl, uint64_t seed, int workers,
                     bool verbose)
{
    memset(r, 0, sizeof *r);
    r->wl = wl;
    r->seed = seed;
    r->workers = workers;
    r->verbose = verbose;
    r->cap = MAX_PROBES;
    /* The workload's own stream: another function of the same seed. */
    r->rng.state = mix(seed ^ mix((uint64_t)(wl - workloads) + 1));
}

/* How to run: into a trace sink or not, and what to say. */
typedef struct how {
    trace_sink_t *trace; /* NULL: tracing off */
    bool verbose;        /* print every violation */
    bool leak_check;     /* under ASan: a leak check after the run */
} how_t;

/* Create the runtime, let the workload spawn, drive it. The run's end
 * checks, unless it is cut short on purpose (shutdown). */
static void run_body(run_t *r, trace_sink_t *trace, executor_stats_t *st)
{
    executor_config_t cfg = {.kind = &ws_executor_kind,
                             .workers = r->workers,
                             .sim = true,
                             .seed = r->seed,
                             .virtual_time = true,
                             .trace = trace};
    if ((r->ex = executor_create(&cfg)) == NULL)
        die("cannot create the ws runtime");
    r->traced = trace != NULL;
    r->wl->setup(r);
    bool cut = r->wl->shutdown || r->cut;
    uint64_t stop = cut ? rng_below(&r->rng, 700) : UINT64_MAX;
    int rc = drive(r, stop);
    if (!cut) {
        check_end(r, rc);
        check_probes(r, true);
        if (r->wl->check != NULL)
            r->wl->check(r);
    }
    executor_stats(r->ex, st);
}

/* Destroy, let the outside go, and check that everything was dropped
 * once and freed. */
static void run_teardown(run_t *r)
{
    if (r->wl->before != NULL)
        r->wl->before(r);
    executor_destroy(r->ex);
    r->destroyed = true;
    outside_let_go(r); /* may drop outputs its join handles still held */
    if (r->wl->after != NULL)
        r->wl->after(r);
    check_probes(r, false);
    for (uint32_t i = 0; r->wl->shutdown && i < r->nprobes; i++)
        if (!r->probe[i].ready)
            cov(C_SHUTDOWN_DROPPED);
    if (r->allocs != 0)
        violation(r, "%ld tickets or messages never freed", r->allocs);
}

/* Run wl once under seed with workers. */
static outcome_t run_one(const workload_t *wl, uint64_t seed, int workers,
                         const how_t *how)
{
    run_t *r = malloc(sizeof *r);
    if (r == NULL)
        die("out of memory");
    run_init(r, wl, seed, workers, how->verbose);
    mark_run(wl, seed, workers);
    executor_stats_t st;
    run_body(r, how->trace, &st);
    run_teardown(r);
    if (how->leak_check)
        check_leaks(r);
    mark_run(NULL, 0, 0);

    outcome_t o = {.ok = r->violations == 0,
                   .violations = r->violations,
                   .steps = r->steps,
                   .tasks = r->nprobes,
                   .polls = st.polls,
                   .steals = st.steals,
                   .digest = digest_of(r, &st)};
    memcpy(o.what, r->first, sizeof o.what);
    free(r);
    return o;
}

/* ---- a run that dies still says how to replay it --------------------------
 *
 * An assert in core/, a crash, or a sanitizer report ends the process in
 * the middle of a run. The run's coordinates are kept here, and a signal
 * handler (or the sanitizers' death callback) prints the replay command
 * with write(2) only, which is safe in a handler. No trace file: the
 * process is dying; replay the run under gdb, or with --trace.
 */

static struct {
    const char *argv0;
    const char *workload; /* NULL: not inside a run */
    uint64_t seed;
    int workers;
} dying;

static void say(const char *s)
{
    ssize_t n = write(STDERR_FILENO, s, strlen(s));
    (void)n;
}

static void say_u64(uint64_t v)
{
    char buf[24];
    int i = (int)sizeof buf;
    buf[--i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    say(&buf[i]);
}

static void say_replay(void)
{
    if (dying.workload == NULL)
        return;
    say("check-sim: CRASH ");
    say(dying.workload);
    say(" seed ");
    say_u64(dying.seed);
    say(" workers ");
    say_u64((uint64_t)dying.workers);
    say(": the run died (the reason is above)\ncheck-sim:   replay: ");
    say(dying.argv0);
    say(" --workload ");
    say(dying.workload);
    say(" --seed ");
    say_u64(dying.seed);
    say(" --workers ");
    say_u64((uint64_t)dying.workers);
    say("\n");
}

static void on_fatal(int sig)
{
    say_replay();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Which run is under way (wl NULL: none). */
static void mark_run(const workload_t *wl, uint64_t seed, int workers)
{
    dying.seed = seed;
    dying.workers = workers;
    dying.workload = wl != NULL ? wl->name : NULL;
}

static void catch_crashes(const char *argv0)
{
    static const int fatal[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    dying.argv0 = argv0;
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        signal(fatal[i], on_fatal);
#if defined(SIM_ASAN)
    __sanitizer_set_death_callback(say_replay);
#endif
}

/*
 * Under ASan: has anything leaked since the last look? LeakSanitizer
 * prints each leak with its allocation's stack. A look costs 10 ms or
 * more (a run, a fraction of one), so the sweep looks every LEAK_EVERY
 * seeds, and only when it finds a leak runs those seeds again, one look
 * per run, to pin it on its run. Without ASan: never.
 */
static bool leaks_found(void)
{
#if defined(SIM_ASAN)
    return __lsan_do_recoverable_leak_check() != 0;
#else
    return false;
#endif
}

static void check_leaks(run_t *r)
{
    if (leaks_found())
        violation(r, "LeakSanitizer found memory never freed (report above)");
}

/* ---- determinism and failure traces ---------------------------------------
 */

/* The same seed twice more, with a trace hash attached: the same probe
 * table, counters and event stream each time, and tracing changes
 * nothing. */
static void check_determinism(const workload_t *wl, uint64_t seed, int workers,
                              outcome_t *first)
{
    trace_hash_sink_t h1, h2;
    trace_hash_sink_init(&h1);
    trace_hash_sink_init(&h2);
    outcome_t a = run_one(wl, seed, workers, &(how_t){.trace = &h1.sink});
    outcome_t b = run_one(wl, seed, workers, &(how_t){.trace = &h2.sink});
    if (!first->ok)
        return;
    if (a.digest != first->digest || b.digest != first->digest ||
        h1.hash != h2.hash || h1.events != h2.events) {
        first->ok = false;
        snprintf(first->what, sizeof first->what,
                 "the same seed ran differently: digests %016" PRIx64
                 " %016" PRIx64 " %016" PRIx64 ", trace hashes %016" PRIx64
                 " %016" PRIx64,
                 first->digest, a.digest, b.digest, h1.hash, h2.hash);
    }
}

static int mkdir_p(const char *dir)
{
    char buf[512];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return -ENAMETOOLONG;
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

/*
 * A sink that keeps every event in memory, in the order written. Not
 * trace_writer_open's per-thread rings: those are merged by timestamp,
 * and in simulation every event of a moment carries the same virtual
 * time, so the foreign thread's wakes would be merged out of place. Its
 * writes are ordered with the simulation's by the hand-over (the poll
 * that asked waits), so one array in program order is exact.
 */
typedef struct recorder {
    trace_sink_t sink;
    trace_event_t *ev;
    size_t n, cap;
} recorder_t;

static void recorder_write(trace_sink_t *self, const trace_event_t *ev)
{
    recorder_t *rec = (recorder_t *)self;
    if (rec->n == rec->cap) {
        rec->cap = rec->cap != 0 ? 2 * rec->cap : 4096;
        rec->ev = realloc(rec->ev, rec->cap * sizeof *rec->ev);
        if (rec->ev == NULL)
            die("out of memory");
    }
    rec->ev[rec->n++] = *ev;
}

/* Save rec as a trace file, with every task name known so far. */
static int recorder_save(const recorder_t *rec, const char *path,
                         const trace_info_t *info)
{
    size_t n = (size_t)trace_name_count();
    const char **names = malloc((n > 0 ? n : 1) * sizeof *names);
    if (names == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        names[i] = trace_name_of(i + 1);
    int err = trace_file_save(path, info, rec->ev, rec->n, 0, names, n);
    free(names);
    return err;
}

/* Run it once more into a trace file (the run is the same: the seed
 * fixes it). 0, or -errno with nothing written. */
static int write_trace(const workload_t *wl, uint64_t seed, int workers,
                       const char *path, bool verbose)
{
    trace_info_t info;
    char scenario[32];
    snprintf(scenario, sizeof scenario, "check-sim %s", wl->name);
    trace_info_set(&info, "ws", scenario, (uint32_t)workers, true, seed,
                   TRACE_CLOCK_VIRTUAL);
    recorder_t rec = {.sink = {recorder_write}};
    run_one(wl, seed, workers,
            &(how_t){.trace = &rec.sink, .verbose = verbose});
    int err = recorder_save(&rec, path, &info);
    free(rec.ev);
    return err;
}

/* ---- the command line ------------------------------------------------------
 */

typedef struct options {
    uint64_t seeds, first;
    int workers;            /* 0: 2..4 from the seed */
    const workload_t *only; /* NULL: all */
    const char *trace;      /* one run: write its trace here */
    const char *trace_dir;  /* the sweep: failing runs' traces */
    int max_reports;
    bool single; /* --seed given */
    bool verbose;
    bool coverage; /* print the coverage counters */
} options_t;

static void usage(FILE *out, const char *argv0)
{
    fprintf(
        out,
        "usage: %s [--seeds N] [--first S] [--workload NAME] [--workers W]\n"
        "       %s --workload NAME --seed S [--workers W] [--trace FILE]\n"
        "       %s --list\n"
        "\n"
        "Run the work-stealing runtime's simulation over N seeds (default "
        "1000)\n"
        "and every workload, checking the invariants after each run "
        "(docs/check-sim.md).\n"
        "A failing run prints the command that replays it and writes its "
        "trace to\n"
        "--trace-dir (default build/sim-failures) for `asynclab replay "
        "FILE`.\n"
        "\n"
        "  --seeds N        seeds FIRST .. FIRST+N-1 (default 1000)\n"
        "  --first S        the first seed (default 0)\n"
        "  --seed S         exactly one seed (replay); prints every "
        "violation\n"
        "  --workload NAME  one workload only (see --list)\n"
        "  --workers W      1..64 workers (default: 2..4, from the "
        "seed)\n"
        "  --trace FILE     with --seed: write the run's trace to FILE\n"
        "  --trace-dir DIR  where failing runs' traces go\n"
        "  --max-reports N  print at most N failures in full (default "
        "10)\n"
        "  --verbose        print every violation of every failing run\n"
        "  --coverage       print how often each interesting state was "
        "reached\n",
        argv0, argv0, argv0);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

static void bad_usage(const char *argv0, const char *fmt, const char *arg)
{
    fprintf(stderr, "check-sim: ");
    fprintf(stderr, fmt, arg != NULL ? arg : "(missing)");
    fprintf(stderr, "\n");
    usage(stderr, argv0);
    exit(2);
}

static void list_workloads(void)
{
    for (size_t i = 0; i < NWORKLOADS; i++)
        printf("%-10s %s\n", workloads[i].name, workloads[i].what);
}

/* One option with its value; false when name is not a valued option. */
static bool parse_valued(options_t *o, const char *argv0, const char *name,
                         const char *val)
{
    uint64_t v;
    if (strcmp(name, "--seeds") == 0) {
        if (!parse_u64(val, 100000000, &v) || v == 0)
            bad_usage(argv0, "--seeds: '%s' is not a count from 1", val);
        o->seeds = v;
    } else if (strcmp(name, "--first") == 0 || strcmp(name, "--seed") == 0) {
        if (!parse_u64(val, UINT64_MAX, &v))
            bad_usage(argv0, "--seed/--first: '%s' is not a number", val);
        o->first = v;
        if (strcmp(name, "--seed") == 0) {
            o->single = true;
            o->seeds = 1;
        }
    } else if (strcmp(name, "--workers") == 0) {
        if (!parse_u64(val, 64, &v) || v == 0)
            bad_usage(argv0, "--workers: '%s' is not 1 .. 64", val);
        o->workers = (int)v;
    } else if (strcmp(name, "--workload") == 0) {
        if (val == NULL || (o->only = workload_by_name(val)) == NULL)
            bad_usage(argv0, "--workload: unknown workload '%s' (--list)", val);
    } else if (strcmp(name, "--max-reports") == 0) {
        if (!parse_u64(val, 1000000, &v))
            bad_usage(argv0, "--max-reports: '%s' is not a number", val);
        o->max_reports = (int)v;
    } else if (strcmp(name, "--trace") == 0) {
        if (val == NULL)
            bad_usage(argv0, "--trace: missing a path%s", "");
        o->trace = val;
    } else if (strcmp(name, "--trace-dir") == 0) {
        if (val == NULL)
            bad_usage(argv0, "--trace-dir: missing a path%s", "");
        o->trace_dir = val;
    } else {
        return false;
    }
    return true;
}

static void parse_args(options_t *o, int argc, char **argv)
{
    *o = (options_t){
        .seeds = 1000, .trace_dir = "build/sim-failures", .max_reports = 10};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, argv[0]);
            exit(0);
        } else if (strcmp(argv[i], "--list") == 0) {
            list_workloads();
            exit(0);
        } else if (strcmp(argv[i], "--verbose") == 0) {
            o->verbose = true;
        } else if (strcmp(argv[i], "--coverage") == 0) {
            o->coverage = true;
        } else if (!parse_valued(o, argv[0], argv[i],
                                 i + 1 < argc ? argv[i + 1] : NULL)) {
            bad_usage(argv[0], "unknown option '%s'", argv[i]);
        } else {
            i++;
        }
    }
    if (o->trace != NULL && !(o->single && o->only != NULL))
        bad_usage(argv[0], "--trace %s: needs --workload and --seed (one run)",
                  o->trace);
}

/* ---- the sweep -------------------------------------------------------------
 */

typedef struct totals {
    uint64_t runs, failed, steps, tasks, polls, steals;
    bool leaked; /* ASan: a leak was found; no more checks (see below) */
    /* ASan: the runs of the current leak window that failed already
     * (a leak found later is not a second failure of theirs). */
    bool window_failed[LEAK_EVERY][NWORKLOADS];
} totals_t;

/* 2..4 workers, from the seed and the workload (so one seed does not
 * give every workload the same count). */
static int workers_for(const options_t *o, uint64_t seed, size_t wl)
{
    if (o->workers > 0)
        return o->workers;
    return 2 + (int)(mix(seed * 31 + wl) % 3);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A failed run, one line each: what broke, how to replay it, its trace. */
static void report(const options_t *o, const char *argv0, const workload_t *wl,
                   uint64_t seed, int workers, const outcome_t *out)
{
    printf("check-sim: FAIL %s seed %" PRIu64 " workers %d: %s", wl->name, seed,
           workers, out->what);
    if (out->violations > 1)
        printf(" (and %d more)", out->violations - 1);
    printf("\ncheck-sim:   replay: %s --workload %s --seed %" PRIu64
           " --workers %d\n",
           argv0, wl->name, seed, workers);
    char path[600];
    int err = mkdir_p(o->trace_dir);
    snprintf(path, sizeof path, "%s/%s-seed%" PRIu64 "-w%d.trace", o->trace_dir,
             wl->name, seed, workers);
    if (err == 0)
        err = write_trace(wl, seed, workers, path, o->verbose);
    if (err != 0)
        printf("check-sim:   trace: cannot write %s: %s\n", path,
               strerror(-err));
    else
        printf("check-sim:   trace: %s (asynclab replay %s)\n", path, path);
    fflush(stdout);
}

static void sweep_one(const options_t *o, const char *argv0, size_t w,
                      uint64_t seed, totals_t *t)
{
    const workload_t *wl = &workloads[w];
    int workers = workers_for(o, seed, w);
    outcome_t out = run_one(wl, seed, workers, &(how_t){.verbose = o->verbose});
    if (seed % DETERMINISM == 0)
        check_determinism(wl, seed, workers, &out);
    t->runs++;
    t->steps += out.steps;
    t->tasks += out.tasks;
    t->polls += out.polls;
    t->steals += out.steals;
    if (out.ok)
        return;
    t->window_failed[(seed - o->first) % LEAK_EVERY][w] = true;
    if (t->failed++ < (uint64_t)o->max_reports)
        report(o, argv0, wl, seed, workers, &out);
}

/* One run in a fresh copy of this program, in its replay mode (which
 * checks for leaks right after its run). True when it passed. */
static bool run_fresh(const workload_t *wl, uint64_t seed, int workers)
{
    char seed_s[24], workers_s[16];
    snprintf(seed_s, sizeof seed_s, "%" PRIu64, seed);
    snprintf(workers_s, sizeof workers_s, "%d", workers);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY); /* stderr says it all */
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        execl("/proc/self/exe", "sim_check", "--workload", wl->name, "--seed",
              seed_s, "--workers", workers_s, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * ASan: a leak check over the window of seeds from .. to. On a leak, run
 * each run of the window again in a fresh process to find the ones that
 * leak. What leaked stays leaked, and LeakSanitizer reports it again at
 * every later check (and at exit), so after the first leak this process
 * checks no more.
 */
static void sweep_leaks(const options_t *o, const char *argv0, uint64_t from,
                        uint64_t to, totals_t *t)
{
    if (!t->leaked && leaks_found()) {
        t->leaked = true;
        printf("check-sim: a leak in seeds %" PRIu64 "..%" PRIu64
               ": each run again, in a fresh process\n",
               from, to);
        for (uint64_t seed = from; seed <= to; seed++) {
            for (size_t w = 0; w < NWORKLOADS; w++) {
                bool *failed =
                    &t->window_failed[(seed - o->first) % LEAK_EVERY][w];
                if (*failed || (o->only != NULL && o->only != &workloads[w]))
                    continue;
                int workers = workers_for(o, seed, w);
                if (run_fresh(&workloads[w], seed, workers))
                    continue;
                *failed = true;
                outcome_t out = {.violations = 1};
                snprintf(out.what, sizeof out.what,
                         "memory never freed (LeakSanitizer, above)");
                if (t->failed++ < (uint64_t)o->max_reports)
                    report(o, argv0, &workloads[w], seed, workers, &out);
            }
        }
        printf("check-sim: no more leak checks in this process\n");
    }
    memset(t->window_failed, 0, sizeof t->window_failed);
}

static int sweep(const options_t *o, const char *argv0)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    totals_t t = {0};
    uint64_t tenth = o->seeds >= 2000 ? o->seeds / 10 : 0;
    for (uint64_t k = 0; k < o->seeds; k++) {
        for (size_t w = 0; w < NWORKLOADS; w++)
            if (o->only == NULL || o->only == &workloads[w])
                sweep_one(o, argv0, w, o->first + k, &t);
        if ((k + 1) % LEAK_EVERY == 0 || k + 1 == o->seeds)
            sweep_leaks(o, argv0, o->first + k - k % LEAK_EVERY, o->first + k,
                        &t);
        if (tenth != 0 && (k + 1) % tenth == 0 && k + 1 < o->seeds)
            printf("check-sim: %" PRIu64 "/%" PRIu64 " seeds, %" PRIu64
                   " failed, %.1f s\n",
                   k + 1, o->seeds, t.failed, seconds_since(&t0));
    }
    size_t nwl = o->only != NULL ? 1 : NWORKLOADS;
    for (int c = 0; o->coverage && c < C_COUNT; c++)
        printf("check-sim: %10" PRIu64 "  %s\n", coverage[c], cov_names[c]);
    printf("check-sim: seeds %" PRIu64 "..%" PRIu64 " (%" PRIu64
           "), workloads %zu, workers %s, runs %" PRIu64
           " (interleavings explored), steps %" PRIu64 ", tasks %" PRIu64
           ", polls %" PRIu64 ", steals %" PRIu64 ", failures %" PRIu64
           ", %.1f s\n",
           o->first, o->first + o->seeds - 1, o->seeds, nwl,
           o->workers > 0 ? "fixed" : "2-4", t.runs, t.steps, t.tasks, t.polls,
           t.steals, t.failed, seconds_since(&t0));
    printf("check-sim: %" PRIu64 " passed, %" PRIu64 " failed\n",
           t.runs - t.failed, t.failed);
    return t.failed == 0 ? 0 : 1;
}

/* --workload W --seed S: that run alone, every violation printed. */
static int replay(const options_t *o)
{
    const workload_t *wl = o->only;
    int workers = workers_for(o, o->first, (size_t)(wl - workloads));
    outcome_t out = run_one(wl, o->first, workers,
                            &(how_t){.verbose = true, .leak_check = true});
    check_determinism(wl, o->first, workers, &out);
    printf("check-sim: %s seed %" PRIu64 " workers %d: %s; steps %" PRIu64
           ", tasks %" PRIu64 ", polls %" PRIu64 ", steals %" PRIu64 "\n",
           wl->name, o->first, workers, out.ok ? "ok" : out.what, out.steps,
           out.tasks, out.polls, out.steals);
    if (o->trace != NULL) {
        int err = write_trace(wl, o->first, workers, o->trace, false);
        if (err != 0)
            printf("check-sim: cannot write %s: %s\n", o->trace,
                   strerror(-err));
        else
            printf("check-sim: trace %s (asynclab replay %s)\n", o->trace,
                   o->trace);
    }
    printf("check-sim: %d passed, %d failed\n", out.ok, !out.ok);
    return out.ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    options_t o;
    parse_args(&o, argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_crashes(argv[0]);
    if (o.single && o.only != NULL)
        return replay(&o);
    return sweep(&o, argv[0]);
}
