/*
 * cli/quiz_sync.c - lesson 12's questions: the async mutex and notify
 * (lessons/12-mutex-notify).
 *
 *   next-holder  which waiting task gets the lock when the holder unlocks
 *   wakes        how many tasks one notify_one / notify_waiters call wakes
 *   lost         does a notification reach its waiter, or is it lost
 *
 * Each runs the quiz's own tasks on the notify executor, simulated (a
 * virtual clock), with the library's own mutex_t and notify_t
 * (sync/mutex.h, sync/notify.h). A task "yields k times" first: k polls
 * that return PENDING after waking itself, which the round-robin ready
 * queue turns into k turns at the back. The answers are read from the
 * trace: the wake a holder's unlocking poll makes (TRACE_WAKE by that
 * task), the wakes in the notifier's poll, the waiter's timer firing.
 *
 *   next-holder: t1 locks at once and holds the lock for H yields; t2 ..
 *   tN each yield y_i times, then ask (H > every y_i: all are in line
 *   before the first unlock); each holder keeps it for a few yields.
 *
 *       t1 [lock]~~~~~~~~~~~~~~~~[unlock -> oldest waiter]
 *       t3      .. [ask: queued] ..............[holds]~~[unlock -> next]
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/quiz.h"
#include "core/async.h"
#include "core/executor.h"
#include "driver/time.h"
#include "sync/mutex.h"
#include "sync/notify.h"

#define MAX_LOCKERS  5
#define MAX_WAITERS  4
#define WAIT_TIMEOUT 1000 /* ms a waiter waits for its notification */

/* ---- the lockers (next-holder) ---------------------------------------------- */

static mutex_t quiz_mutex;

typedef struct locker {
    future_t base;
    async_t async;
    int before, hold, i; /* yields before asking; yields holding it */
    bool waiting;        /* lock is pending */
    mutex_lock_t lock;
} locker_t;

static poll_t locker_poll(future_t *f, context_t *cx)
{
    locker_t *l = (locker_t *)f;
    ASYNC_BEGIN(l);
    for (l->i = 0; l->i < l->before; l->i++)
        YIELD_NOW(l, cx);
    mutex_lock_init(&l->lock, &quiz_mutex);
    l->waiting = true;
    AWAIT(l, cx, &l->lock.base);
    l->waiting = false;
    for (l->i = 0; l->i < l->hold; l->i++)
        YIELD_NOW(l, cx);
    mutex_unlock(&quiz_mutex);
    ASYNC_END(l);
}

static void locker_drop(future_t *f)
{
    locker_t *l = (locker_t *)f;
    if (l->waiting)
        future_drop(&l->lock.base);
}

typedef struct lockers {
    int n;
    locker_t l[MAX_LOCKERS];
} lockers_t;

static int start_lockers(executor_t *ex, void *ctx)
{
    lockers_t *w = ctx;
    for (int i = 0; i < w->n; i++) {
        int err =
            executor_spawn(ex, &w->l[i].base, sizeof w->l[i], "locker", NULL);
        if (err != 0)
            return err;
    }
    return 0;
}

/* The poll of task t in which it asks (its before + 1'th poll). */
static size_t nth_poll(const quiz_run_t *r, uint64_t t, int nth)
{
    size_t k = 0;
    for (int i = 0; i < nth; i++) {
        k = quiz_next(r, k, TRACE_POLL_START, t);
        if (k == 0)
            return 0;
    }
    return k;
}

/* The first wake of another task made during the poll that starts at
 * event `start` of task t: its event number, or 0. */
static size_t wake_in_poll(const quiz_run_t *r, size_t start, uint64_t t)
{
    size_t end = quiz_next(r, start, TRACE_POLL_END, t);
    for (size_t k = start + 1; k < end; k++) {
        const trace_event_t *ev = quiz_ev(r, k);
        if (ev->kind == TRACE_WAKE && ev->a == TRACE_BY_TASK && ev->task != t)
            return k;
    }
    return 0;
}

static size_t wakes_in_poll(const quiz_run_t *r, size_t start, uint64_t t,
                            quiz_t *q)
{
    size_t end = quiz_next(r, start, TRACE_POLL_END, t), n = 0;
    for (size_t k = start + 1; k < end; k++) {
        const trace_event_t *ev = quiz_ev(r, k);
        if (ev->kind == TRACE_WAKE && ev->a == TRACE_BY_TASK && ev->task != t) {
            n++;
            quiz_prove(q, k);
        }
    }
    return n;
}

static int next_holder(quiz_t *q)
{
    static lockers_t w; /* copied into the tasks at spawn */
    memset(&w, 0, sizeof w);
    w.n = quiz_rng_range(&q->rng, 3, MAX_LOCKERS);
    int most = 0;
    for (int i = 1; i < w.n; i++) {
        w.l[i].before = quiz_rng_range(&q->rng, 0, 3);
        w.l[i].hold = quiz_rng_range(&q->rng, 0, 2);
        most = w.l[i].before > most ? w.l[i].before : most;
    }
    w.l[0].hold = most + 1;
    for (int i = 0; i < w.n; i++)
        w.l[i].base = (future_t){locker_poll, locker_drop};
    if (mutex_init(&quiz_mutex) != 0)
        return -ENOMEM;
    int err =
        quiz_run_own(&q->run, "mutex", "notify", q->seed, start_lockers, &w);
    mutex_destroy(&quiz_mutex);
    if (err != 0)
        return err;

    fprintf(q->setup,
            "On the notify executor, %d tasks share one async mutex "
            "(sync/mutex.h). t1 locks\nit at its first poll and holds it "
            "for %d yields. Each other task yields some\ntimes, asks for "
            "the lock, holds it for some yields, and unlocks:\n",
            w.n, w.l[0].hold);
    for (int i = 1; i < w.n; i++)
        fprintf(q->setup,
                "  t%d yields %d time%s, asks, holds it for %d "
                "yield%s\n",
                i + 1, w.l[i].before, w.l[i].before == 1 ? "" : "s",
                w.l[i].hold, w.l[i].hold == 1 ? "" : "s");

    /* The handoffs: each holder's unlocking poll wakes the next holder. */
    uint64_t holder = 1;
    size_t hand[MAX_LOCKERS], unlock_at[MAX_LOCKERS];
    uint64_t from[MAX_LOCKERS];
    size_t n = 0;
    while (n + 1 < (size_t)w.n) {
        int idx = (int)holder - 1;
        int unlock_poll = w.l[idx].before + 1 + w.l[idx].hold + (idx ? 1 : 0);
        size_t start = nth_poll(&q->run, holder, unlock_poll);
        size_t wake = start != 0 ? wake_in_poll(&q->run, start, holder) : 0;
        if (wake == 0)
            return -ENODATA;
        from[n] = holder;
        unlock_at[n] = start;
        hand[n++] = wake;
        holder = quiz_ev(&q->run, wake)->task;
    }
    size_t pick = (size_t)quiz_rng_range(&q->rng, 0, (int)n - 1);
    quiz_show(q, unlock_at[pick] - 1,
              QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES | QUIZ_SHOW_WAITING);
    fprintf(q->ask,
            "t%" PRIu64 " unlocks in its next poll. Which task gets the "
            "lock?\n",
            from[pick]);
    q->form = QUIZ_TASK;
    char id[24];
    uint64_t next = quiz_ev(&q->run, hand[pick])->task;
    quiz_answer(q, "%s", quiz_tid(next, id, sizeof id));
    /* The asking polls of those still in line, in the order they asked. */
    for (int i = 1; i < w.n; i++) {
        size_t ask = nth_poll(&q->run, (uint64_t)i + 1, w.l[i].before + 1);
        size_t end = quiz_next(&q->run, ask, TRACE_POLL_END, (uint64_t)i + 1);
        if (end != 0 && end < unlock_at[pick])
            quiz_prove(q, end);
    }
    for (size_t k = 0; k <= pick; k++)
        quiz_prove(q, hand[k]);
    quiz_prove(q, unlock_at[pick]);
    q->reveal = hand[pick];
    fprintf(q->why,
            "the mutex keeps a line, oldest first, and unlock hands the lock "
            "to the head of\nit (and wakes it) instead of freeing it. A task "
            "asks when its yields are done:\nthe one that yielded fewer "
            "times asked earlier, and of two with as many, the one\nspawned "
            "first (the ready queue is round-robin). The '-> Pending' lines "
            "below are\nthe asks that had to wait, in order; the wakes are "
            "the handoffs.\n");
    return 0;
}

/* ---- the waiters and the notifier (wakes, lost) --------------------------------- */

static notify_t quiz_notify;

typedef struct waiter {
    future_t base;
    async_t async;
    int before, i; /* yields before waiting */
    bool early;    /* the notified future is made before the yields */
    bool made;     /* wait is initialised */
    notified_t wait;
    timeout_t limit;
} waiter_t;

static poll_t waiter_poll(future_t *f, context_t *cx)
{
    waiter_t *w = (waiter_t *)f;
    ASYNC_BEGIN(w);
    if (w->early) {
        notified_init(&w->wait, &quiz_notify);
        w->made = true;
    }
    for (w->i = 0; w->i < w->before; w->i++)
        YIELD_NOW(w, cx);
    if (!w->early) {
        notified_init(&w->wait, &quiz_notify);
        w->made = true;
    }
    timeout_init(&w->limit, &w->wait.base, WAIT_TIMEOUT);
    AWAIT(w, cx, &w->limit.base);
    ASYNC_END(w);
}

static void waiter_drop(future_t *f)
{
    waiter_t *w = (waiter_t *)f;
    if (w->made) {
        future_drop(&w->limit.base);
        future_drop(&w->wait.base);
    }
}

typedef struct notifier {
    future_t base;
    async_t async;
    int before, i;
    bool all; /* notify_waiters, not notify_one */
} notifier_t;

static poll_t notifier_poll(future_t *f, context_t *cx)
{
    notifier_t *s = (notifier_t *)f;
    ASYNC_BEGIN(s);
    for (s->i = 0; s->i < s->before; s->i++)
        YIELD_NOW(s, cx);
    if (s->all)
        notify_waiters(&quiz_notify);
    else
        notify_one(&quiz_notify);
    ASYNC_END(s);
}

typedef struct notify_world {
    notifier_t s;
    int n;
    waiter_t w[MAX_WAITERS];
} notify_world_t;

static int start_notify(executor_t *ex, void *ctx)
{
    notify_world_t *nw = ctx;
    int err = executor_spawn(ex, &nw->s.base, sizeof nw->s, "notifier", NULL);
    for (int i = 0; err == 0 && i < nw->n; i++)
        err =
            executor_spawn(ex, &nw->w[i].base, sizeof nw->w[i], "waiter", NULL);
    return err;
}

/* Pick and run a notify world: n waiters (t2 ..), the notifier t1. */
static int run_notify(quiz_t *q, notify_world_t *nw, int n, bool earlies)
{
    memset(nw, 0, sizeof *nw);
    nw->s = (notifier_t){.base = {notifier_poll, NULL}};
    nw->s.before = quiz_rng_range(&q->rng, 0, 3);
    nw->s.all = quiz_rng_range(&q->rng, 0, 1) == 1;
    nw->n = n;
    for (int i = 0; i < n; i++) {
        nw->w[i].base = (future_t){waiter_poll, waiter_drop};
        nw->w[i].before = quiz_rng_range(&q->rng, 0, 3);
        nw->w[i].early = earlies && quiz_rng_range(&q->rng, 0, 1) == 1;
    }
    if (notify_init(&quiz_notify) != 0)
        return -ENOMEM;
    int err =
        quiz_run_own(&q->run, "notify", "notify", q->seed, start_notify, nw);
    notify_destroy(&quiz_notify);
    if (err != 0)
        return err;
    fprintf(q->setup,
            "On the notify executor, one notify_t (sync/notify.h): t1 yields "
            "%d time%s,\nthen calls %s once and is done.\n",
            nw->s.before, nw->s.before == 1 ? "" : "s",
            nw->s.all ? "notify_waiters" : "notify_one");
    if (n == 1) {
        fprintf(q->setup,
                "t2 yields %d time%s, then awaits a notified future with a "
                "%d ms timeout;\nit makes that future %s.\n",
                nw->w[0].before, nw->w[0].before == 1 ? "" : "s", WAIT_TIMEOUT,
                nw->w[0].early ? "at its FIRST poll, before the yields"
                               : "right there, after the yields");
    } else {
        fprintf(q->setup,
                "Each waiter yields some times, then makes a notified future "
                "and awaits it\nwith a %d ms timeout:",
                WAIT_TIMEOUT);
        for (int i = 0; i < n; i++)
            fprintf(q->setup, "%s t%d yields %d", i ? "," : "", i + 2,
                    nw->w[i].before);
        fprintf(q->setup, ".\n");
    }
    fprintf(q->setup, "All are spawned before the run starts, t1 first.\n");
    return 0;
}

static int wakes(quiz_t *q)
{
    static notify_world_t nw;
    int n = quiz_rng_range(&q->rng, 2, MAX_WAITERS);
    int err = run_notify(q, &nw, n, false);
    if (err != 0)
        return err;
    size_t call = nth_poll(&q->run, 1, nw.s.before + 1);
    if (call == 0)
        return -ENODATA;
    quiz_show(q, call - 1,
              QUIZ_SHOW_RECENT | QUIZ_SHOW_QUEUES | QUIZ_SHOW_WAITING);
    fprintf(q->ask,
            "t1 calls %s in its next poll. How many tasks does that "
            "call wake?\n",
            nw.s.all ? "notify_waiters" : "notify_one");
    q->form = QUIZ_NUMBER;
    quiz_prove(q, call);
    size_t woke = wakes_in_poll(&q->run, call, 1, q);
    quiz_answer(q, "%zu", woke);
    /* Who was waiting: the polls that parked before the call. */
    size_t waiting = 0;
    for (int i = 0; i < n; i++) {
        uint64_t t = (uint64_t)i + 2;
        size_t wait = nth_poll(&q->run, t, nw.w[i].before + 1);
        size_t end = quiz_next(&q->run, wait, TRACE_POLL_END, t);
        if (end != 0 && end < call) {
            quiz_prove(q, end);
            waiting++;
        }
    }
    q->reveal = call;
    if (nw.s.all)
        fprintf(q->why,
                "notify_waiters wakes every waiter in line at the "
                "time of the call (%zu were: the\n'-> Pending' lines "
                "of their waiting polls below), and keeps no permit "
                "for the\nothers: they time out.\n",
                waiting);
    else
        fprintf(q->why, "%s\n",
                waiting > 0 ? "notify_one wakes ONE waiter, the oldest, "
                              "however many wait (no thundering\nherd); the "
                              "others time out."
                            : "nobody was waiting yet, so notify_one kept "
                              "the permit and woke no one. The\nfirst "
                              "waiter to poll takes it and is READY at once; "
                              "the rest time out.");
    return 0;
}

static int lost(quiz_t *q)
{
    static notify_world_t nw;
    int err = run_notify(q, &nw, 1, true);
    if (err != 0)
        return err;
    size_t call = nth_poll(&q->run, 1, nw.s.before + 1);
    size_t wait = nth_poll(&q->run, 2, nw.w[0].before + 1);
    if (call == 0 || wait == 0)
        return -ENODATA;
    size_t fire = 0; /* the timer's wake of t2: it timed out */
    for (size_t k = wait; k != 0 && k <= q->run.n && fire == 0; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_WAKE && ev->a == TRACE_BY_TIMER && ev->task == 2)
            fire = k;
    }
    size_t done = quiz_next(&q->run, 0, TRACE_COMPLETE, 2);
    quiz_show(q, 0, QUIZ_SHOW_QUEUES);
    fprintf(q->ask,
            "is t1's notification lost: does t2 wait out its %d ms "
            "timeout?\n",
            WAIT_TIMEOUT);
    q->form = QUIZ_YESNO;
    quiz_answer(q, "%s", fire != 0 ? "yes" : "no");
    quiz_prove(q, call);
    quiz_prove(q, wait);
    quiz_prove(q, quiz_next(&q->run, wait, TRACE_POLL_END, 2));
    quiz_prove(q, fire);
    quiz_prove(q, done);
    q->reveal = fire != 0 ? fire : done;
    bool before = call < wait;
    if (!nw.s.all)
        fprintf(q->why, "notify_one is never lost: %s\n",
                before ? "nobody waited yet, so it kept the permit,\nand "
                         "t2's wait took it at its first poll."
                       : "t2 was in line, so it was woken.");
    else if (!before)
        fprintf(q->why, "t2 was already in line when notify_waiters came: it "
                        "was woken.\n");
    else if (nw.w[0].early)
        fprintf(q->why,
                "notify_waiters came before t2's waiting poll, but t2's "
                "notified future was\nmade before that call: notify_waiters "
                "counts every future made before it,\npolled or not (the "
                "epoch), so the wait completed at once.\n");
    else
        fprintf(q->why,
                "notify_waiters came before t2's notified future was even "
                "made, and it keeps\nno permit: nobody was there to get it. "
                "t2 waits until its timer fires: the\nlost notification. "
                "Made first (before the yields), it would have counted.\n");
    return 0;
}

const quiz_kind_t quiz_kinds_sync[] = {
    {12, "next-holder",
     "which waiting task gets the async mutex when its "
     "holder unlocks",
     next_holder},
    {12, "wakes", "how many tasks one notify_one or notify_waiters call wakes",
     wakes},
    {12, "lost", "is a notification lost (the waiter times out) or not", lost},
    {0, NULL, NULL, NULL},
};
