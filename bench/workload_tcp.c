/*
 * bench/workload_tcp.c - the tcp_echo workload of shared/BENCHMARKS.md.
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
 * The server and the clients run on the same executor, as in the shapes
 * Tokio and Go measure. Teardown aborts the server task and waits for it,
 * which closes the listener.
 *
 * Tests: tests/test_workload.c (workload_tcp_echo).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench/workload.h"
#include "core/async.h"
#include "driver/net.h"
#include "sync/join.h"
#include "sync/oneshot.h"

#define CLIENTS 50
#define ROUND_TRIPS 1000
#define MESSAGE 64
#define SERVER_BUFFER 4096

/* ---- the server ---------------------------------------------------------------- */

typedef struct echo_conn {
    future_t base;
    async_t async;
    tcp_stream_t stream;
    tcp_read_t read;
    tcp_write_all_t write;
    char buf[SERVER_BUFFER];
} echo_conn_t;

static poll_t echo_conn_poll(future_t *f, context_t *cx)
{
    echo_conn_t *self = (echo_conn_t *)f;
    ASYNC_BEGIN(self);
    for (;;) {
        tcp_read_init(&self->read, &self->stream, self->buf, sizeof self->buf);
        AWAIT(self, cx, &self->read.base);
        if (self->read.result <= 0)
            break; /* the client closed, or an error: done either way */
        tcp_write_all_init(&self->write, &self->stream, self->buf,
                           (size_t)self->read.result);
        AWAIT(self, cx, &self->write.base);
        if (self->write.result < 0)
            break;
    }
    tcp_stream_close(&self->stream);
    ASYNC_END(self);
}

static void echo_conn_drop(future_t *f)
{
    tcp_stream_close(&((echo_conn_t *)f)->stream); /* no-op once closed */
}

typedef struct echo_server {
    future_t base;
    async_t async;
    tcp_listener_t listener;
    tcp_accept_t accept;
} echo_server_t;

static poll_t echo_server_poll(future_t *f, context_t *cx)
{
    echo_server_t *self = (echo_server_t *)f;
    ASYNC_BEGIN(self);
    for (;;) {
        tcp_accept_init(&self->accept, &self->listener);
        AWAIT(self, cx, &self->accept.base);
        if (self->accept.result != 0)
            continue; /* a failed accept (EMFILE...) ends no one else */
        echo_conn_t conn = {.base = {echo_conn_poll, echo_conn_drop},
                            .stream = self->accept.stream};
        if (spawn(&conn.base, sizeof conn, "echo-conn", NULL) != 0)
            tcp_stream_close(&conn.stream);
    }
    ASYNC_END(self);
}

static void echo_server_drop(future_t *f)
{
    tcp_listener_close(&((echo_server_t *)f)->listener);
}

/* ---- setup and teardown: futures, because binding needs the driver ---------- */

typedef struct server_state {
    join_handle_t server;
    uint16_t port;
} server_state_t;

typedef struct start_server {
    future_t base;
    server_state_t *st;
    int err;
} start_server_t;

static poll_t start_server_poll(future_t *f, context_t *cx)
{
    (void)cx;
    start_server_t *self = (start_server_t *)f;
    echo_server_t server = {.base = {echo_server_poll, echo_server_drop}};
    self->err = tcp_listener_bind(&server.listener, NULL, NULL, 0);
    if (self->err != 0)
        return POLL_READY;
    self->st->port = (uint16_t)tcp_listener_port(&server.listener);
    self->err = spawn(&server.base, sizeof server, "echo-server",
                      &self->st->server);
    if (self->err != 0)
        tcp_listener_close(&server.listener);
    return POLL_READY;
}

static int tcp_echo_setup(executor_t *ex, void **state)
{
    server_state_t *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -ENOMEM;
    start_server_t start = {.base = {start_server_poll, NULL}, .st = st};
    int err = executor_block_on(ex, &start.base);
    if (err == 0)
        err = start.err;
    if (err != 0) {
        free(st);
        return err;
    }
    *state = st;
    return 0;
}

static void tcp_echo_teardown(executor_t *ex, void *state)
{
    server_state_t *st = state;
    if (st == NULL)
        return;
    join_t join;
    join_init(&join, st->server);
    join_abort(&join);
    executor_block_on(ex, &join.base); /* the server's drop closes it */
    join_drop(&join);
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
    int round;
    tcp_connect_t connect;
    tcp_stream_t stream;
    tcp_write_all_t write;
    tcp_read_exact_t read;
    char out[MESSAGE], in[MESSAGE];
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

/* One round trip's outcome: 0, or the -errno that ends the client. */
static int round_trip_error(const echo_client_t *self)
{
    if (self->write.result < 0)
        return (int)self->write.result;
    if (self->read.result < 0)
        return (int)self->read.result;
    return memcmp(self->in, self->out, MESSAGE) == 0 ? 0 : -EPROTO;
}

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
    for (self->round = 0; self->round < ROUND_TRIPS; self->round++) {
        memset(self->out, 'a' + self->round % 26, MESSAGE);
        tcp_write_all_init(&self->write, &self->stream, self->out, MESSAGE);
        AWAIT(self, cx, &self->write.base);
        tcp_read_exact_init(&self->read, &self->stream, self->in, MESSAGE);
        if (self->write.result >= 0)
            AWAIT(self, cx, &self->read.base);
        if (round_trip_error(self) != 0)
            break;
    }
    client_finish(self, round_trip_error(self));
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
    tcp_echo_setup, tcp_echo_iteration, tcp_echo_teardown, NULL, "client", 1};
