/*
 * bench/workload_tcp.c - the tcp_echo workload of docs/benchmarks.md.
 *
 *   setup (once)                     each iteration
 *   ┌──────────────────────┐         ┌──────────────────────────────────┐
 *   │ echo server task     │ <────── │ 50 client tasks, each:           │
 *   │  accept loop on      │  TCP    │  connect, TCP_NODELAY,           │
 *   │  127.0.0.1:0         │ loopback│  1,000 x (write_all 64 B,        │
 *   │  a task per conn:    │         │           read_exact 64 B),      │
 *   │  read 4 KiB, write   │         │  close, count down               │
 *   │  back what it read   │         └──────────────────────────────────┘
 *   └──────────────────────┘
 *
 * The server is bench/echo.h's, the one the echo and c10k scenarios run;
 * the server and the clients share the executor, as in the shapes Tokio
 * and Go measure. Teardown notifies the server's stop signal and waits.
 *
 * Tests: tests/test_workload.c (workload_tcp_echo).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench/echo.h"
#include "bench/workload.h"
#include "core/async.h"
#include "driver/net.h"
#include "sync/join.h"
#include "sync/notify.h"
#include "sync/oneshot.h"

#define CLIENTS 50
#define ROUND_TRIPS 1000

/* ---- setup and teardown: futures, because binding needs the driver ---------- */

/* What lives across iterations: the server task and how to stop it. */
typedef struct server_state {
    join_handle_t server;
    notify_t stop;
    uint16_t port;
} server_state_t;

typedef struct start_server {
    future_t base;
    server_state_t *st;
    int err;
} start_server_t;

/* Bind 127.0.0.1:0 and spawn bench/echo.h's server on it. */
static poll_t start_server_poll(future_t *f, context_t *cx)
{
    (void)cx;
    start_server_t *self = (start_server_t *)f;
    tcp_listener_t listener;
    self->err = tcp_listener_bind(&listener, NULL, NULL, 0);
    if (self->err != 0)
        return POLL_READY;
    self->st->port = (uint16_t)tcp_listener_port(&listener);
    echo_server_t server;
    echo_server_init(&server, listener, &self->st->stop, NULL);
    self->err =
        spawn(&server.base, sizeof server, "echo-server", &self->st->server);
    if (self->err != 0)
        future_drop(&server.base); /* refused: still ours (closes it) */
    return POLL_READY;
}

static int tcp_echo_setup(executor_t *ex, void **state)
{
    server_state_t *st = calloc(1, sizeof *st);
    if (st == NULL || notify_init(&st->stop) != 0) {
        free(st);
        return -ENOMEM;
    }
    start_server_t start = {.base = {start_server_poll, NULL}, .st = st};
    int err = executor_block_on(ex, &start.base);
    if (err == 0)
        err = start.err;
    if (err != 0) {
        notify_destroy(&st->stop);
        free(st);
        return err;
    }
    *state = st;
    return 0;
}

/* Tell the server (and its connections) to stop, and wait for it. */
static void tcp_echo_teardown(executor_t *ex, void *state)
{
    server_state_t *st = state;
    if (st == NULL)
        return;
    notify_waiters(&st->stop);
    join_t join;
    join_init(&join, st->server);
    executor_block_on(ex, &join.base);
    join_drop(&join);
    executor_run(ex); /* connections that were still open close now */
    notify_destroy(&st->stop);
    free(st);
}

/* ---- the clients -------------------------------------------------------------- */

typedef struct client_shared {
    atomic_int left;     /* clients still running */
    atomic_int err;      /* the first client error, 0 if none */
    oneshot_tx_t done;   /* sent by the last client */
    uint16_t port;
} client_shared_t;

typedef struct echo_client {
    future_t base;
    async_t async;
    client_shared_t *shared;
    tcp_connect_t connect;
    tcp_stream_t stream;
    echo_rounds_t rounds;
} echo_client_t;

static void client_finish(echo_client_t *self, int err)
{
    client_shared_t *sh = self->shared;
    int none = 0;
    if (err != 0)
        atomic_compare_exchange_strong_explicit(
            &sh->err, &none, err, memory_order_relaxed, memory_order_relaxed);
    tcp_stream_close(&self->stream);
    /* acq_rel: the last client sees every error stored before it. */
    if (atomic_fetch_sub_explicit(&sh->left, 1, memory_order_acq_rel) == 1) {
        oneshot_tx_t tx = sh->done; /* sh dies once the waiter wakes */
        oneshot_send(&tx, 0);
    }
}

/* Connect, TCP_NODELAY, 1,000 round trips (bench/echo.h), close. */
static poll_t echo_client_poll(future_t *f, context_t *cx)
{
    echo_client_t *self = (echo_client_t *)f;
    ASYNC_BEGIN(self);
    tcp_connect_init(&self->connect, NULL, self->shared->port);
    AWAIT(self, cx, &self->connect.base);
    if (self->connect.result != 0) {
        client_finish(self, self->connect.result);
        return POLL_READY;
    }
    self->stream = self->connect.stream;
    tcp_stream_set_nodelay(&self->stream, true);
    echo_rounds_init(&self->rounds, &self->stream, ROUND_TRIPS);
    AWAIT(self, cx, &self->rounds.base);
    client_finish(self, self->rounds.result);
    ASYNC_END(self);
}

static void echo_client_drop(future_t *f)
{
    echo_client_t *self = (echo_client_t *)f;
    future_drop(&self->connect.base);
    tcp_stream_close(&self->stream);
}

typedef struct clients_root {
    future_t base;
    async_t async;
    int clients;
    client_shared_t shared;
    oneshot_rx_t done;
} clients_root_t;

static poll_t clients_root_poll(future_t *f, context_t *cx)
{
    clients_root_t *self = (clients_root_t *)f;
    ASYNC_BEGIN(self);
    echo_client_t c = {.base = {echo_client_poll, echo_client_drop},
                       .shared = &self->shared,
                       .stream = TCP_STREAM_CLOSED};
    for (int i = 0; i < self->clients; i++) {
        if (spawn(&c.base, sizeof c, "echo-client", NULL) != 0)
            client_finish(&c, -ENOMEM);
    }
    AWAIT(self, cx, &self->done.base);
    ASYNC_END(self);
}

static int tcp_echo_iteration(executor_t *ex, void *state, int clients)
{
    server_state_t *st = state;
    clients_root_t root = {.base = {clients_root_poll, NULL},
                           .clients = clients};
    atomic_init(&root.shared.left, clients);
    atomic_init(&root.shared.err, 0);
    root.shared.port = st->port;
    if (oneshot_channel(&root.shared.done, &root.done) != 0)
        return -ENOMEM;
    int err = executor_block_on(ex, &root.base);
    oneshot_rx_drop(&root.done);
    return err != 0 ? err : atomic_load(&root.shared.err);
}

const workload_t workload_tcp_echo = {
    "tcp_echo",
    "50 clients each connect and do 1,000 64-byte echo round trips",
    CLIENTS,
    tcp_echo_setup, tcp_echo_iteration, tcp_echo_teardown, NULL, "client", 1,
    WORKLOAD_TCP_NO_SIM};
