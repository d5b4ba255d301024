/*
 * mini_redis/commands.h - what each command does, given its arguments:
 * a plain function that reads and writes the keyspace under its shard's
 * lock and appends the reply to the connection's output buffer. No
 * command ever waits: that is what lets the locks be plain mutexes and
 * the connection task the only future (mini_redis/server.h).
 *
 * Supported, with Redis 7.0's replies and error strings:
 *   PING [msg]  ECHO msg  GET key  MGET key...  SET key value [EX s | PX ms
 *   | KEEPTTL] [NX | XX] [GET]  DEL key...  EXISTS key...  INCR DECR key
 *   INCRBY DECRBY key n  EXPIRE PEXPIRE key t [NX|XX|GT|LT]  TTL PTTL key
 *   PERSIST key  PUBLISH channel msg  SUBSCRIBE channel...  UNSUBSCRIBE
 *   [channel...]  DBSIZE  FLUSHALL FLUSHDB  SELECT 0  QUIT
 *   CONFIG GET param (answers what redis-benchmark asks)  COMMAND (an
 *   empty list, which redis-cli accepts)
 *
 * Tests: tests/test_resp.c (commands_*), tests/mini_redis.sh (beside
 * redis-server).
 */
#ifndef ASYNCLAB_MINI_REDIS_COMMANDS_H
#define ASYNCLAB_MINI_REDIS_COMMANDS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mini_redis/keyspace.h"
#include "mini_redis/pubsub.h"
#include "mini_redis/resp.h"

/* What every connection shares: the data. */
typedef struct mr_db {
    mr_keyspace_t ks;
    mr_pubsub_t ps;
} mr_db_t;

int mr_db_init(mr_db_t *db);
void mr_db_destroy(mr_db_t *db);

/* One connection's side of it. */
typedef struct mr_session {
    mr_db_t *db;
    mr_buf_t out;          /* replies not yet written */
    mr_mailbox_t *mailbox; /* made by the first SUBSCRIBE */
    char **subs;           /* the channels subscribed to (NUL-ended) */
    size_t *sublens;
    size_t nsubs, subcap;
    bool quit;             /* QUIT: close once the replies are written */
    uint64_t commands;
} mr_session_t;

void mr_session_init(mr_session_t *s, mr_db_t *db);
/* Unsubscribe from everything, free the buffers. */
void mr_session_free(mr_session_t *s);

/* In subscribed mode (a subscription held): only (UN)SUBSCRIBE, PING and
 * QUIT are served, and published messages arrive in the mailbox. */
static inline bool mr_session_subscribed(const mr_session_t *s)
{
    return s->nsubs > 0;
}

/* Run one command; its reply goes to s->out. now: driver_now_ms. */
void mr_execute(mr_session_t *s, const resp_arg_t *argv, size_t argc,
                uint64_t now);

#endif
