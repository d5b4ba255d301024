/*
 * cli/viz_live.c - a scenario on a real executor, paced by the visualizer.
 *
 * A scenario's run() spawns its tasks and calls executor_run: it runs to
 * the end in one call. To walk it one decision at a time without changing
 * any scenario, the scenario is handed a proxy executor whose run is a
 * loop over the real executor's step, one step per token the UI grants:
 *
 *   UI thread                       scenario thread
 *   ─────────                       ───────────────
 *   grant(1) ──tokens++──────────>  proxy_run: wait for a token
 *                                     executor_step(real)   (emits events)
 *   steps_done() <──steps++───────    steps++ (release)
 *   drain        <──events────────   (trace/live.h: the run's blocks,
 *                                     read while they are written)
 *
 * Everything the executor does happens on the scenario thread (spin,
 * notify and the ws simulation are single-threaded executors; the UI never
 * touches them), and the UI learns of it only through the trace.
 * The proxy forwards spawn, block_on and stats to the real executor and
 * shares its task scheduler, so tasks never know the difference.
 *
 * Unpaced (ws with threads, which cannot step) the proxy's run is the real
 * run: the UI only watches, and a quit in the middle cannot stop it (the
 * caller exits the process instead).
 *
 * Tests: tests/viz.sh.
 */
#include "cli/viz_live.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

struct viz_live {
    executor_t proxy; /* first: what the scenario is given */

    /* Set at start, read-only after. */
    const scenario_t *sc;
    scenario_params_t params;
    executor_config_t cfg;
    bool paced;
    viz_trace_t *trace;
    pthread_t thread;

    /* Scenario thread only (until finished). */
    executor_t *real;
    scenario_result_t result;

    /* Under lock. */
    pthread_mutex_t lock;
    pthread_cond_t cond; /* tokens or quit changed; finished */
    long tokens;         /* decisions allowed; -1: no limit */
    bool quit;
    bool finished;
    int rc; /* the scenario's result, once finished */

    /* Scenario thread writes (release), UI reads (acquire). */
    atomic_uint_fast64_t steps;
};

/* ---- the proxy executor -------------------------------------------------- */

static viz_live_t *live_of(executor_t *ex)
{
    return (viz_live_t *)ex; /* proxy is the first member */
}

static int proxy_spawn(executor_t *ex, task_t *t)
{
    executor_t *real = live_of(ex)->real;
    return real->ops->spawn(real, t);
}

static int proxy_block_on(executor_t *ex, future_t *f)
{
    return executor_block_on(live_of(ex)->real, f);
}

/* Wait for a token; false when the UI wants the run to stop. */
static bool take_token(viz_live_t *l)
{
    pthread_mutex_lock(&l->lock);
    while (l->tokens == 0 && !l->quit)
        pthread_cond_wait(&l->cond, &l->lock);
    bool go = !l->quit;
    if (go && l->tokens > 0)
        l->tokens--;
    pthread_mutex_unlock(&l->lock);
    return go;
}

static void step_done(viz_live_t *l)
{
    /* release: pairs with live_steps's acquire, so the UI that sees the
     * count also sees the step's events in the trace (each published
     * with a release store of its own, trace/blocks.c). */
    atomic_fetch_add_explicit(&l->steps, 1, memory_order_release);
}

/* The scenario's executor_run: one real step per token. */
static int proxy_run(executor_t *ex)
{
    viz_live_t *l = live_of(ex);
    if (!l->paced)
        return executor_run(l->real);
    for (;;) {
        if (!take_token(l))
            return -ECANCELED;
        int r = executor_step(l->real);
        step_done(l);
        if (r != 1)
            return r; /* 0: nothing left to run; < 0: it failed */
    }
}

static int proxy_step(executor_t *ex)
{
    return executor_step(live_of(ex)->real);
}

static void proxy_stats(executor_t *ex, executor_stats_t *out)
{
    executor_stats(live_of(ex)->real, out);
}

static void proxy_destroy(executor_t *ex)
{
    (void)ex; /* the scenario thread destroys the real one */
}

static const executor_ops_t proxy_ops = {
    .spawn = proxy_spawn,
    .block_on = proxy_block_on,
    .run = proxy_run,
    .step = proxy_step,
    .stats = proxy_stats,
    .destroy = proxy_destroy,
};

/* ---- the scenario thread ------------------------------------------------- */

static void finish(viz_live_t *l, int rc)
{
    pthread_mutex_lock(&l->lock);
    l->finished = true;
    l->rc = rc;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
}

static void *scenario_main(void *arg)
{
    viz_live_t *l = arg;
    errno = 0;
    l->real = executor_create(&l->cfg);
    if (l->real == NULL) {
        finish(l, errno != 0 ? -errno : -ENOMEM);
        return NULL;
    }
    l->proxy.ops = &proxy_ops;
    l->proxy.kind = l->real->kind;
    l->proxy.scheduler = l->real->scheduler;
    int rc = l->sc->run(&l->proxy, &l->params, &l->result);
    executor_destroy(l->real);
    finish(l, rc);
    return NULL;
}

viz_live_t *viz_live_start(const scenario_t *sc, const scenario_params_t *p,
                           executor_config_t cfg, viz_trace_t *t,
                           int *err)
{
    viz_live_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    l->sc = sc;
    l->params = *p;
    l->cfg = cfg;
    l->cfg.trace = &t->blocks.sink;
    l->paced = t->paced;
    l->trace = t;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->cond, NULL);
    atomic_init(&l->steps, 0);
    int rc = pthread_create(&l->thread, NULL, scenario_main, l);
    if (rc != 0) {
        pthread_cond_destroy(&l->cond);
        pthread_mutex_destroy(&l->lock);
        free(l);
        *err = -rc;
        return NULL;
    }
    return l;
}

/* ---- the trace ----------------------------------------------------------- */

int viz_trace_init(viz_trace_t *t, bool paced)
{
    memset(t, 0, sizeof *t);
    trace_blocks_opts_t o = {.live = true};
    int rc = trace_blocks_init(&t->blocks, &o);
    if (rc != 0)
        return rc;
    trace_live_init(&t->live, &t->blocks);
    t->paced = paced;
    return 0;
}

void viz_trace_destroy(viz_trace_t *t)
{
    trace_live_destroy(&t->live);
    trace_blocks_destroy(&t->blocks);
}

/*
 * Paced, the run is between decisions whenever the UI looks (or in the
 * middle of one, whose events are then all on the one scenario thread, in
 * order): everything published can go. On threads, events go once they
 * are TRACE_LIVE_MARGIN_NS old, so that the merge is not overtaken by an
 * event stamped but not yet published. At the end (every producer gone)
 * the blocks are finished and the rest goes.
 */
static size_t live_drain(void *ctx, trace_sink_t *out, bool last)
{
    viz_live_t *l = ctx;
    viz_trace_t *t = l->trace;
    if (last && !t->finished) {
        trace_blocks_finish(&t->blocks);
        t->finished = true;
    }
    uint64_t until =
        last || t->paced ? UINT64_MAX : trace_live_until_now();
    return trace_live_drain(&t->live, out, until);
}

static void live_losses(void *ctx, uint64_t *dropped, uint64_t *late)
{
    viz_live_t *l = ctx;
    *dropped = trace_blocks_dropped(&l->trace->blocks);
    *late = l->trace->live.late;
}

/* ---- the source the UI drives -------------------------------------------- */

static void live_grant(void *ctx, long n)
{
    viz_live_t *l = ctx;
    pthread_mutex_lock(&l->lock);
    if (n < 0)
        l->tokens = -1;
    else if (n == 0)
        l->tokens = 0;
    else if (l->tokens >= 0)
        l->tokens += n;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
}

static uint64_t live_steps(void *ctx)
{
    viz_live_t *l = ctx;
    /* acquire: pairs with step_done's release (see there). */
    return atomic_load_explicit(&l->steps, memory_order_acquire);
}

static void describe_end(viz_live_t *l, char *status, size_t n)
{
    /* The scenario counts the tasks it checks (a root that spawns them
     * may not be one of them); the counters beside this line count every
     * task the trace saw. Two different counts in one screen read as a
     * contradiction, so the end is said in the scenario's own words. */
    if (l->rc == 0 && l->result.tasks_done == l->result.tasks_expected)
        snprintf(status, n, "finished: %s, as planned", l->result.what);
    else if (l->rc == 0)
        snprintf(status, n, "finished: %s; %llu of the %llu it checks done",
                 l->result.what, (unsigned long long)l->result.tasks_done,
                 (unsigned long long)l->result.tasks_expected);
    else if (l->rc == -ECANCELED)
        snprintf(status, n, "stopped");
    else {
        char why[192];
        cli_describe_failure(&l->result, l->rc, why, sizeof why);
        snprintf(status, n, "failed: %s", why);
    }
}

static bool live_finished(void *ctx, char *status, size_t n)
{
    viz_live_t *l = ctx;
    pthread_mutex_lock(&l->lock);
    bool done = l->finished;
    if (done && status != NULL)
        describe_end(l, status, n);
    pthread_mutex_unlock(&l->lock);
    return done;
}

viz_source_t viz_live_source(viz_live_t *l)
{
    viz_source_t src = {
        .grant = live_grant,
        .steps_done = live_steps,
        .finished = live_finished,
        .ctx = l,
        .drain = live_drain,
        .losses = live_losses,
        .can_step = l->paced,
    };
    return src;
}

bool viz_live_stop(viz_live_t *l, int wait_ms, char *status, size_t n, int *rc)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += wait_ms / 1000;
    deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&l->lock);
    l->quit = true;
    l->tokens = 0;
    pthread_cond_broadcast(&l->cond);
    while (!l->finished &&
           pthread_cond_timedwait(&l->cond, &l->lock, &deadline) == 0)
        ;
    bool done = l->finished;
    if (done) {
        describe_end(l, status, n);
        *rc = l->rc;
    }
    pthread_mutex_unlock(&l->lock);
    if (!done)
        return false;
    pthread_join(l->thread, NULL);
    pthread_cond_destroy(&l->cond);
    pthread_mutex_destroy(&l->lock);
    free(l);
    return true;
}
