/*
 * bench/echo.h - a TCP echo server as two kinds of task: an accept loop
 * that spawns one echo task per connection; and its client's side, a
 * future doing N round trips. The `echo` and `c10k` scenarios run them;
 * any executor with a driver can.
 *
 *   echo_server_t (one task)                echo_conn_t (a task per client)
 *   ┌──────────────────────────────┐        ┌───────────────────────────┐
 *   │ loop:                        │ spawn  │ loop:                     │
 *   │   stop notified? -> close,   │ ─────> │   stop notified? -> close │
 *   │                     READY    │        │   read up to 4 KiB        │
 *   │   accept -> echo_conn_t      │        │   0 (peer closed) -> close│
 *   └──────────────────────────────┘        │   write all of it back    │
 *                                           └───────────────────────────┘
 *
 * Each loop is a select written by hand: the stop signal (a notified_t of
 * sync/notify.h, woken by notify_waiters) is polled first, then the
 * socket, so either one can wake the task and the stop always wins.
 *
 * Hooks let a scenario count without owning the loop: on_accept after
 * each accepted connection (or failed accept), on_close after each echo
 * task closes its stream. They run on whatever thread polls the task.
 *
 * Tests: tests/cli.sh (the echo and c10k scenarios).
 */
#ifndef ASYNCLAB_BENCH_ECHO_H
#define ASYNCLAB_BENCH_ECHO_H

#include "core/async.h"
#include "driver/net.h"
#include "sync/notify.h"

/* 4 KiB, as the server of docs/benchmarks.md's tcp_echo
 * (bench/workload_tcp.c). */
#define ECHO_BUFFER 4096

typedef struct echo_hooks {
    void (*on_accept_fn)(void *arg, int result); /* 0 or -errno */
    void (*on_close_fn)(void *arg);
    void *arg;
} echo_hooks_t;

typedef struct echo_conn {
    future_t base;
    async_t async;
    tcp_stream_t stream; /* ours: closed when the task ends or drops */
    notified_t stop;     /* READY: close now */
    tcp_read_t read;
    tcp_write_all_t write;
    echo_hooks_t hooks;
    char buf[ECHO_BUFFER];
} echo_conn_t;

typedef struct echo_server {
    future_t base;
    tcp_listener_t listener; /* ours: closed when the task ends or drops */
    notified_t stop;         /* READY: stop accepting and end */
    notify_t *stop_notify;   /* handed on to every echo_conn_t */
    echo_hooks_t hooks;
    uint64_t accepted; /* output: connections accepted */
} echo_server_t;

/*
 * An echo server task on a bound listener (which it now owns). stop: the
 * server and its connections end at notify_waiters(stop); it must outlive
 * them. hooks may be NULL. Spawn the result by value.
 */
void echo_server_init(echo_server_t *s, tcp_listener_t listener, notify_t *stop,
                      const echo_hooks_t *hooks);

/* ---- the client side -------------------------------------------------- */

#define ECHO_MESSAGE 64

/*
 * `rounds` round trips on a borrowed stream: write ECHO_MESSAGE bytes,
 * read exactly as many back, compare. A leaf future (copy it until its
 * first poll). result: 0, or the first -errno (-EPROTO: the echo differed,
 * -EPIPE: the server closed first).
 */
typedef struct echo_rounds {
    future_t base;
    async_t async;
    tcp_stream_t *stream;
    int rounds, round;
    tcp_write_all_t write;
    tcp_read_exact_t read;
    char out[ECHO_MESSAGE], in[ECHO_MESSAGE];
    int result; /* output */
} echo_rounds_t;

void echo_rounds_init(echo_rounds_t *r, tcp_stream_t *stream, int rounds);

#endif
