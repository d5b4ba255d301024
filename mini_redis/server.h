/*
 * mini_redis/server.h - mini-redis: a Redis server (RESP2) as asynclab
 * tasks, on any executor with a driver (notify, ws, or your own).
 *
 *   accept task (one)             connection task (one per client)
 *   ┌───────────────────────┐     ┌───────────────────────────────────┐
 *   │ loop: select          │     │ loop:                             │
 *   │   stop fd readable -> │spawn│   mailbox -> out (if subscribed)  │
 *   │     stop everything   │────>│   parse every whole request in    │
 *   │   accept -> too many? │     │     the input, run each, reply    │
 *   │     error + close     │     │     into out (pipelining)         │
 *   │   else spawn a conn   │     │   write all of out (or wait)      │
 *   └───────────────────────┘     │   read more (or wait)             │
 *                                 └───────────────────────────────────┘
 *   expiry task (one): sleep on the driver's timer wheel until the
 *   earliest deadline of any key, or until told of an earlier one;
 *   delete what is due; again.
 *
 * Every reply to a batch of pipelined requests goes out in one write:
 * the task runs every whole request it has read before it writes, which
 * is what makes `redis-benchmark -P 16` cheap (one read, one write per 16
 * requests instead of per request).
 *
 * Limits (mr_config_t): request size, arguments and inline length
 * (resp_limits_t), and clients. A breach of a request limit is answered
 * with a RESP error, then the connection is closed cleanly: the replies
 * before it are written, our side is shut down, and what the client
 * still sends is read and dropped (briefly, bounded) so that the close
 * does not turn into a reset that could destroy the error in flight. A
 * client past max_clients gets "-ERR max number of clients reached" and
 * the same close. Nothing a client sends can stop the server or the
 * other clients.
 *
 * Stopping: the accept task watches stop_fd (the scenario's self-pipe,
 * written by SIGINT; see scenarios/scenario_echo.c for the trick). When
 * it is readable, the server stops accepting, shuts down every client's
 * socket (each task then reads the end of its stream and finishes) and
 * wakes the expiry task to end; executor_run returns when they are all
 * done.
 *
 * Tests: tests/mini_redis.sh (redis-cli beside redis-server, hostile
 * clients), tests/test_resp.c.
 */
#ifndef ASYNCLAB_MINI_REDIS_SERVER_H
#define ASYNCLAB_MINI_REDIS_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/future.h"
#include "core/list.h"
#include "mini_redis/commands.h"
#include "mini_redis/resp.h"

#define MR_DEFAULT_PORT        6379
#define MR_DEFAULT_MAX_CLIENTS 10000 /* Redis's maxclients */

typedef struct mr_config {
    const char *addr;   /* NULL: 127.0.0.1 */
    int port;           /* 0: any free one */
    size_t max_clients; /* at most this many connections at once */
    resp_limits_t limits;
} mr_config_t;

/* Defaults: 127.0.0.1:6379, 10000 clients, resp_default_limits. */
void mr_config_default(mr_config_t *cfg);

typedef struct mr_server {
    mr_db_t db;
    mr_config_t cfg;
    int port; /* bound, after mr_start */
    atomic_bool stopping;
    atomic_size_t clients; /* connected now */
    atomic_uint_fast64_t accepted, refused, commands, protocol_errors;
    pthread_mutex_t conns_lock;
    list_t conns; /* under conns_lock: every connection task's node */
} mr_server_t;

/* 0 or -errno. */
int mr_server_init(mr_server_t *s, const mr_config_t *cfg);

/* After every task of the server has finished (or been dropped). */
void mr_server_destroy(mr_server_t *s);

/*
 * A future that binds the listener and spawns the accept and expiry tasks
 * on the current executor (block_on it): READY with err 0 and the server
 * serving (s->port bound), or err < 0 (-EADDRINUSE: the port is taken).
 * stop_fd: readable means stop (-1: never).
 */
typedef struct mr_start {
    future_t base;
    mr_server_t *srv;
    int stop_fd;
    int err; /* output */
} mr_start_t;

void mr_start_init(mr_start_t *st, mr_server_t *srv, int stop_fd);

#endif
