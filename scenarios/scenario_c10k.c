/*
 * scenarios/scenario_c10k.c - `c10k`: N loopback TCP connections open at once
 * (--connections, default 10000), each doing M echo round trips of 64
 * bytes (--rounds, default 10); clients and server on the same executor.
 * Dan Kegel's "C10K problem" (1999), on one thread:
 *
 *     asynclab run c10k --executor notify --connections 10000 --rounds 10
 *
 *   c10k-start (block_on): bind 127.0.0.1:PORT (--port, default any),
 *       spawn the echo server (bench/echo.h) and the dialer
 *   dialer: spawn N clients, pacing them (see below)
 *   client: connect ─> wait until all are connected ─> M x (write_all 64 B,
 *       read_exact 64 B, compare) ─> close; the last one stops the server
 *   echo-conn (server side): read, write back, until the client closes
 *
 * The barrier ("wait until all are connected") makes the N connections
 * truly concurrent: without it the first clients would finish before the
 * last ones connect.
 *
 * Pacing. Two limits, each a count the dialer checks before spawning one
 * more client; whoever frees a unit says so with notify_one:
 *  - file descriptors: every connection costs two (client and server
 *    side). RLIMIT_NOFILE is raised to its hard limit; if that still does
 *    not fit N connections, at most `max_open` are open at any moment and
 *    the result says so (the barrier then waits for the first max_open);
 *  - the listen backlog: at most BACKLOG_WINDOW connections dialed but not
 *    accepted yet, far below the kernel's queue (somaxconn, 4096), so no
 *    SYN is ever dropped (a dropped SYN costs a one-second retransmit).
 *
 * Every counter is an atomic, so the scenario runs on any executor.
 *
 * Tests: tests/cli.sh.
 */
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/echo.h"
#include "scenarios/scenario.h"
#include "core/async.h"

#define BACKLOG_WINDOW 256
#define SPARE_FDS      4 /* beyond those open now: the listener, slack */

/* Shared by every task of one run. Counters: any thread, relaxed atomics
 * (counts; the notifies carry the wakes); the rest is set before spawning. */
typedef struct c10k {
    int connections, rounds, max_open, target; /* target: the barrier */
    uint16_t port;
    atomic_int dialed_done; /* clients past connect, failed or not */
    atomic_int open;        /* connections reserved by the dialer and not
                               yet closed on the server side */
    atomic_int established; /* client streams open now */
    atomic_int peak;        /* the most established at once */
    atomic_int accepted;
    atomic_int failed;      /* clients that could not connect */
    atomic_int finished;    /* clients done, failed or not */
    atomic_int ok;          /* clients that did every round trip */
    atomic_int err;         /* the first error, 0 if none */
    notify_t slot_free;     /* notify_one: the dialer may check again */
    notify_t all_connected; /* notify_waiters: the barrier opens */
    notify_t stop;          /* notify_waiters: the server ends */
    scenario_spawns_t spawns; /* the clients spawned; a refused spawn */
} c10k_t;

static void note_error(c10k_t *c, int err)
{
    int none = 0;
    if (err != 0)
        atomic_compare_exchange_strong_explicit(
            &c->err, &none, err, memory_order_relaxed, memory_order_relaxed);
}

/* ---- the server's hooks -------------------------------------------------- */

static void on_accept(void *arg, int result)
{
    c10k_t *c = arg;
    if (result == 0)
        atomic_fetch_add_explicit(&c->accepted, 1, memory_order_relaxed);
    else
        note_error(c, result);
    notify_one(&c->slot_free);
}

/* The server side closed: both fds of the connection are free. */
static void on_close(void *arg)
{
    c10k_t *c = arg;
    atomic_fetch_sub_explicit(&c->open, 1, memory_order_relaxed);
    notify_one(&c->slot_free);
}

/* ---- a client ------------------------------------------------------------ */

typedef struct c10k_client {
    future_t base;
    async_t async;
    c10k_t *c;
    tcp_connect_t connect;
    tcp_stream_t stream;
    notified_t all_connected;
    echo_rounds_t rounds;
} c10k_client_t;

/* Past connect (ok or not): count it; the last one opens the barrier. */
static void client_connected(c10k_client_t *self)
{
    c10k_t *c = self->c;
    notified_init(&self->all_connected, &c->all_connected);
    if (atomic_fetch_add_explicit(&c->dialed_done, 1, memory_order_relaxed) +
            1 ==
        c->target)
        notify_waiters(&c->all_connected);
}

static void client_finish(c10k_client_t *self, int err)
{
    c10k_t *c = self->c;
    note_error(c, err);
    if (err == 0)
        atomic_fetch_add_explicit(&c->ok, 1, memory_order_relaxed);
    if (self->stream.fd >= 0) {
        tcp_stream_close(&self->stream);
        atomic_fetch_sub_explicit(&c->established, 1, memory_order_relaxed);
    }
    if (atomic_fetch_add_explicit(&c->finished, 1, memory_order_relaxed) + 1 ==
        c->connections)
        notify_waiters(&c->stop);
}

static void note_established(c10k_t *c)
{
    int now =
        atomic_fetch_add_explicit(&c->established, 1, memory_order_relaxed) + 1;
    int peak = atomic_load_explicit(&c->peak, memory_order_relaxed);
    while (now > peak && !atomic_compare_exchange_weak_explicit(
                             &c->peak, &peak, now, memory_order_relaxed,
                             memory_order_relaxed))
        ;
}

/* The connect failed: no server side will ever free this slot. */
static void connect_failed(c10k_client_t *self, int err)
{
    c10k_t *c = self->c;
    atomic_fetch_add_explicit(&c->failed, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&c->open, 1, memory_order_relaxed);
    notify_one(&c->slot_free);
    client_connected(self);
    client_finish(self, err);
}

static poll_t c10k_client_poll(future_t *f, context_t *cx)
{
    c10k_client_t *self = (c10k_client_t *)f;
    ASYNC_BEGIN(self);
    tcp_connect_init(&self->connect, NULL, self->c->port);
    AWAIT(self, cx, &self->connect.base);
    if (self->connect.result != 0) {
        connect_failed(self, self->connect.result);
        return POLL_READY;
    }
    self->stream = self->connect.stream;
    tcp_stream_set_nodelay(&self->stream, true);
    note_established(self->c);
    client_connected(self);
    if (atomic_load_explicit(&self->c->dialed_done, memory_order_relaxed) <
        self->c->target)
        AWAIT(self, cx, &self->all_connected.base);

    echo_rounds_init(&self->rounds, &self->stream, self->c->rounds);
    AWAIT(self, cx, &self->rounds.base);
    client_finish(self, self->rounds.result);
    ASYNC_END(self);
}

static void c10k_client_drop(future_t *f)
{
    c10k_client_t *self = (c10k_client_t *)f;
    future_drop(&self->connect.base);
    future_drop(&self->all_connected.base);
    tcp_stream_close(&self->stream);
}

/* ---- the dialer ---------------------------------------------------------- */

/* n clients that will never be spawned: count them past connect and
 * finished, as failed ones would be, so the barrier opens and the server
 * stops. The error is already noted. */
static void give_up(c10k_t *c, int n)
{
    if (n <= 0)
        return;
    atomic_fetch_add_explicit(&c->failed, n, memory_order_relaxed);
    int dialed =
        atomic_fetch_add_explicit(&c->dialed_done, n, memory_order_relaxed);
    if (dialed < c->target && dialed + n >= c->target)
        notify_waiters(&c->all_connected);
    int finished =
        atomic_fetch_add_explicit(&c->finished, n, memory_order_relaxed);
    if (finished < c->connections && finished + n >= c->connections)
        notify_waiters(&c->stop);
}

typedef struct c10k_dialer {
    future_t base;
    c10k_t *c;
    int dialed;
    bool waiting;
    notified_t slot; /* while waiting: a unit was freed */
} c10k_dialer_t;

/* Room for one more client: an fd pair, and space in the backlog. */
static bool can_dial(const c10k_dialer_t *self)
{
    c10k_t *c = self->c;
    int open = atomic_load_explicit(&c->open, memory_order_relaxed);
    int settled = atomic_load_explicit(&c->accepted, memory_order_relaxed) +
                  atomic_load_explicit(&c->failed, memory_order_relaxed);
    return open < c->max_open && self->dialed - settled < BACKLOG_WINDOW;
}

static poll_t c10k_dialer_poll(future_t *f, context_t *cx)
{
    c10k_dialer_t *self = (c10k_dialer_t *)f;
    c10k_t *c = self->c;
    for (;;) {
        if (self->waiting) {
            if (future_poll(&self->slot.base, cx) == POLL_PENDING)
                return POLL_PENDING;
            self->waiting = false;
        }
        for (; self->dialed < c->connections && can_dial(self);
             self->dialed++) {
            c10k_client_t client = {
                .base = {c10k_client_poll, c10k_client_drop},
                .c = c,
                .stream = TCP_STREAM_CLOSED,
            };
            atomic_fetch_add_explicit(&c->open, 1, memory_order_relaxed);
            int err = spawn(&client.base, sizeof client, "c10k-client", NULL);
            if (err == 0) {
                atomic_fetch_add_explicit(&c->spawns.spawned, 1,
                                          memory_order_relaxed);
            } else {
                scenario_spawns_fail(&c->spawns, err);
                /* Refused: the client is still ours. Count it failed, drop
                 * it, and give up on the rest (retrying each of them
                 * would only be refused again). */
                connect_failed(&client, err);
                future_drop(&client.base);
                self->dialed++;
                give_up(c, c->connections - self->dialed);
                self->dialed = c->connections;
                return POLL_READY;
            }
        }
        if (self->dialed == c->connections)
            return POLL_READY;
        /* A unit freed between can_dial and here left a permit: the
         * first poll of `slot` then returns at once. */
        notified_init(&self->slot, &c->slot_free);
        self->waiting = true;
    }
}

static void c10k_dialer_drop(future_t *f)
{
    c10k_dialer_t *self = (c10k_dialer_t *)f;
    if (self->waiting)
        future_drop(&self->slot.base);
}

/* ---- setup: bind (needs the driver, so inside a poll), spawn ------------- */

typedef struct c10k_start {
    future_t base;
    c10k_t *c;
    int port;
    int err; /* output */
} c10k_start_t;

static poll_t c10k_start_poll(future_t *f, context_t *cx)
{
    (void)cx;
    c10k_start_t *self = (c10k_start_t *)f;
    c10k_t *c = self->c;
    tcp_listener_t listener;
    self->err = tcp_listener_bind(&listener, NULL, NULL, (uint16_t)self->port);
    if (self->err != 0)
        return POLL_READY;
    c->port = (uint16_t)tcp_listener_port(&listener);

    echo_hooks_t hooks = {on_accept, on_close, c};
    echo_server_t server;
    echo_server_init(&server, listener, &c->stop, &hooks);
    c10k_dialer_t dialer = {.base = {c10k_dialer_poll, c10k_dialer_drop},
                            .c = c};
    /* A refused spawn leaves the future ours: drop it (the server's drop
     * closes the listener). */
    self->err = spawn(&server.base, sizeof server, "echo-server", NULL);
    if (self->err != 0) {
        future_drop(&server.base);
        return POLL_READY;
    }
    self->err = spawn(&dialer.base, sizeof dialer, "c10k-dialer", NULL);
    if (self->err != 0)
        future_drop(&dialer.base);
    return POLL_READY;
}

/* ---- file descriptors ---------------------------------------------------- */

static int fds_open_now(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return 16; /* a guess: stdio, epoll, eventfd and a few more */
    int n = -1;    /* the directory's own fd is listed too */
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n - 2; /* "." and ".." */
}

/* Raise the soft limit to the hard one; how many connections fit (0 or
 * more), or -errno when the limit cannot be read. */
static int connections_that_fit(rlim_t *limit)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -errno;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl); /* failing leaves the old limit */
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    *limit = rl.rlim_cur;
    if (rl.rlim_cur > (rlim_t)1 << 30)
        return 1 << 29;
    int fit = ((int)rl.rlim_cur - fds_open_now() - SPARE_FDS) / 2;
    return fit > 0 ? fit : 0; /* a count: never mistaken for an -errno */
}

/* ---- the scenario -------------------------------------------------------- */

static long peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024; /* ru_maxrss is in KiB on Linux */
}

static void describe(const c10k_t *c, rlim_t limit, scenario_result_t *out)
{
    snprintf(out->what, sizeof out->what,
             "%d connections x %d round trips of %d B, %d open at "
             "once, peak RSS %ld MB",
             c->connections, c->rounds, ECHO_MESSAGE, atomic_load(&c->peak),
             peak_rss_mb());
    if (c->max_open >= c->connections)
        return;
    char note[80]; /* at most 67 bytes: two numbers of at most 20 digits */
    snprintf(note, sizeof note, " (RLIMIT_NOFILE %llu fits only %d at once)",
             (unsigned long long)limit, c->max_open);
    size_t len = strlen(out->what), add = strlen(note);
    if (len + add < sizeof out->what) /* whole, or not at all */
        memcpy(out->what + len, note, add + 1);
}

static int c10k_run(executor_t *ex, const scenario_params_t *p,
                    scenario_result_t *out)
{
    /* Static: tasks left pending on error still point at it when the
     * caller destroys the executor. */
    static c10k_t c;
    memset(&c, 0, sizeof c);
    scenario_spawns_init(&c.spawns);
    c.connections = scenario_param(p->connections, 10000);
    c.rounds = scenario_param(p->rounds, 10);
    int port = scenario_param(p->port, 0);
    rlim_t limit = 0;
    c.max_open = connections_that_fit(&limit);
    out->tasks_expected = (uint64_t)c.connections;
    describe(&c, limit, out);
    if (c.connections < 1 || c.rounds < 0 || port < 0 || port > 65535)
        return -EINVAL;
    if (c.max_open < 1)
        return c.max_open < 0 ? c.max_open : -EMFILE;
    c.target = c.connections < c.max_open ? c.connections : c.max_open;
    if (notify_init(&c.slot_free) != 0 || notify_init(&c.all_connected) != 0 ||
        notify_init(&c.stop) != 0)
        return -ENOMEM;

    c10k_start_t start = {
        .base = {c10k_start_poll, NULL}, .c = &c, .port = port};
    int err = executor_block_on(ex, &start.base);
    if (err == 0)
        err = start.err;
    if (err == 0)
        err = executor_run(ex);
    if (err == 0)
        err = atomic_load(&c.err);
    out->tasks_done = (uint64_t)atomic_load(&c.ok);
    describe(&c, limit, out);
    return scenario_spawns_finish(&c.spawns, out, err);
}

const scenario_t scenario_c10k = {
    .name = "c10k",
    .summary = "N loopback connections at once, M echo round trips each",
    .defaults = "--connections 10000 --rounds 10",
    .run = c10k_run,
    .no_sim = "talks over real loopback sockets, which virtual time cannot "
              "pace",
};
