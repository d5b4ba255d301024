/*
 * scenarios/scenario_echo.c - `echo`: a TCP echo server on 127.0.0.1:PORT
 * (--port, default 7878) that any client can talk to, until SIGINT or
 * SIGTERM stops it:
 *
 *     asynclab run echo --executor notify &
 *     nc 127.0.0.1 7878          # type lines, get them back
 *     kill -INT %1               # the server stops and prints its stats
 *
 * A task per connection (bench/echo.h). While every client is idle the
 * notify executor sleeps in epoll_wait: CPU/wall near 0.
 *
 * Stopping cleanly with the self-pipe trick (D. J. Bernstein, ~1990;
 * scenarios/stop_signals.h): the signal handler may only do
 * async-signal-safe things, so it writes one byte to a pipe. A task waits for that pipe to become readable through
 * the driver's reactor, like any socket, and then tells the server and
 * every connection to stop (notify_waiters). No thread, no flag polling:
 * the signal becomes an ordinary wake.
 *
 *   SIGINT ──> handler: write(pipe) ──> epoll: readable ──> signal task
 *                                                     notify_waiters(stop)
 *                                       server + every echo_conn: close
 *
 * Tests: tests/cli.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/echo.h"
#include "scenarios/scenario.h"
#include "scenarios/stop_signals.h"
#include "driver/reactor.h"

#define ECHO_PORT 7878

/* ---- the signal task: the pipe's readiness turned into a stop ----------- */

typedef struct signal_task {
    future_t base;
    int fd;             /* the stop pipe's read end (scenarios/stop_signals.h) */
    reactor_reg_t *reg; /* fd's registration, made at first poll */
    notify_t *stop;
    int err; /* output: 0, or why the pipe could not be watched */
} signal_task_t;

static poll_t signal_task_poll(future_t *f, context_t *cx)
{
    signal_task_t *self = (signal_task_t *)f;
    if (self->reg == NULL) {
        driver_t *d = driver_current();
        self->err = d == NULL ? -ENOTSUP
                              : reactor_register(driver_reactor(d),
                                                 self->fd, &self->reg);
        if (self->err != 0)
            return POLL_READY; /* no clean stop; the default action kills */
    }
    reactor_event_t ev;
    if (reactor_poll_ready(self->reg, REACTOR_READ, cx, &ev) == POLL_PENDING)
        return POLL_PENDING;
    notify_waiters(self->stop);
    return POLL_READY;
}

static void signal_task_drop(future_t *f)
{
    signal_task_t *self = (signal_task_t *)f;
    if (self->reg != NULL)
        reactor_deregister(self->reg);
    self->reg = NULL;
}

/* ---- setup: bind (needs the driver, so inside a poll), spawn ------------ */

typedef struct echo_start {
    future_t base;
    int port;
    int stop_fd; /* the stop pipe's read end */
    notify_t *stop;
    const echo_hooks_t *hooks;
    int err; /* output */
} echo_start_t;

static poll_t echo_start_poll(future_t *f, context_t *cx)
{
    (void)cx;
    echo_start_t *self = (echo_start_t *)f;
    tcp_listener_t listener;
    self->err = tcp_listener_bind(&listener, NULL, NULL, (uint16_t)self->port);
    if (self->err != 0)
        return POLL_READY;
    printf("echo server on 127.0.0.1:%d (SIGINT or SIGTERM stops it)\n",
           tcp_listener_port(&listener));
    fflush(stdout);

    echo_server_t server;
    echo_server_init(&server, listener, self->stop, self->hooks);
    signal_task_t sig = {.base = {signal_task_poll, signal_task_drop},
                         .fd = self->stop_fd,
                         .stop = self->stop};
    /* A refused spawn leaves the future ours: drop it (the server's drop
     * closes the listener). */
    self->err = spawn(&server.base, sizeof server, "echo-server", NULL);
    if (self->err != 0) {
        future_drop(&server.base);
        return POLL_READY;
    }
    self->err = spawn(&sig.base, sizeof sig, "echo-signal", NULL);
    if (self->err != 0)
        future_drop(&sig.base);
    return POLL_READY;
}

/* ---- the scenario ------------------------------------------------------ */

/* on_accept: count the connections served (relaxed: read after run). */
static void count_accept(void *arg, int result)
{
    if (result == 0)
        atomic_fetch_add_explicit((atomic_uint_fast64_t *)arg, 1,
                                  memory_order_relaxed);
}

static int echo_run(executor_t *ex, const scenario_params_t *p,
                    scenario_result_t *out)
{
    int port = scenario_param(p->port, ECHO_PORT);
    /* Static: tasks left pending on error still point at it when the
     * caller destroys the executor. */
    static notify_t stop;
    static atomic_uint_fast64_t served;
    atomic_init(&served, 0);
    echo_hooks_t hooks = {.on_accept_fn = count_accept, .arg = &served};
    snprintf(out->what, sizeof out->what,
             "an echo server on 127.0.0.1:%d, a task per connection", port);
    if (port < 0 || port > 65535)
        return -EINVAL;
    int err = notify_init(&stop);
    if (err != 0)
        return err;
    stop_signals_t sigs;
    err = stop_signals_catch(&sigs);
    if (err != 0)
        return err;

    echo_start_t start = {.base = {echo_start_poll, NULL},
                          .port = port,
                          .stop_fd = sigs.read_fd,
                          .stop = &stop,
                          .hooks = &hooks};
    err = executor_block_on(ex, &start.base);
    if (err == 0)
        err = start.err;
    if (err == 0)
        err = executor_run(ex); /* until a signal stops every task */
    stop_signals_release(&sigs);
    /* Every connection accepted was served to its end (or to the stop). */
    out->tasks_expected = out->tasks_done =
        atomic_load_explicit(&served, memory_order_relaxed);
    snprintf(out->what, sizeof out->what,
             "an echo server on 127.0.0.1:%d served %llu connections", port,
             (unsigned long long)out->tasks_done);
    return err;
}

const scenario_t scenario_echo = {
    .name = "echo",
    .summary = "a TCP echo server, a task per connection, until SIGINT",
    .defaults = "--port 7878",
    .run = echo_run,
    .no_sim = "serves real TCP clients, whom virtual time cannot pace",
};
