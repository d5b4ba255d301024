/*
 * mini_redis/keyspace.h - the keys and their values, shared by every
 * connection task, on any worker thread.
 *
 * Which lock. A command touches one key (or a few, one at a time) for a
 * few hundred nanoseconds and never waits for anything while it holds it.
 * A lock held across no await is the right tool for that (the Tokio
 * tutorial's advice too): a plain pthread mutex, never an async mutex
 * (sync/mutex.h is for holding a lock ACROSS an await, and costs a
 * future and a queue), and never a dedicated task with a channel (every
 * GET would become two messages and a wake). To keep two workers from
 * queueing on one mutex, the table is split into 64 shards, each with
 * its own lock, picked by the key's hash:
 *
 *   hash(key) ──> shard (bits 32..37) ──> bucket (low bits)
 *   ┌─────────┬─────────┬─────┬──────────┐
 *   │ shard 0 │ shard 1 │ ... │ shard 63 │   each: a mutex, a chained
 *   └─────────┴─────────┴─────┴──────────┘   hash table, an expiry heap
 *
 * Expiry. A key with a deadline sits in its shard's min-heap, earliest
 * first. Two ways it goes: lazily, when a command finds it past its
 * deadline (mr_shard_find deletes it and says "absent"); and actively,
 * when one expiry task (mini_redis/server.c) wakes on the driver's timer
 * wheel at the earliest deadline of all and calls mr_ks_expire_due. A new
 * deadline earlier than the one the task sleeps until must wake it:
 * mr_shard_set_expire says so, and the caller, after unlocking, calls
 * mr_ks_expiry_changed.
 *
 * Times are milliseconds on the driver's clock (driver_now_ms).
 *
 * Threads: any. Every mr_shard_* call is made with that shard locked
 * (mr_ks_lock ... mr_ks_unlock), and nothing else is held across it.
 *
 * Tests: tests/test_resp.c (keyspace_*), tests/mini_redis.sh.
 */
#ifndef ASYNCLAB_MINI_REDIS_KEYSPACE_H
#define ASYNCLAB_MINI_REDIS_KEYSPACE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sync/notify.h"

#define MR_SHARDS    64
#define MR_NEVER     UINT64_MAX /* no deadline pending */
#define MR_NOT_HEAPED SIZE_MAX

typedef struct mr_entry {
    struct mr_entry *next; /* in its bucket */
    uint64_t hash;
    uint64_t expire_at; /* 0: no deadline */
    size_t heap_at;     /* its index in the shard's heap, or MR_NOT_HEAPED */
    char *val;          /* the value's bytes (malloc'd; NULL when empty) */
    size_t vlen, vcap;
    size_t klen;
    char key[]; /* klen bytes and a NUL */
} mr_entry_t;

typedef struct mr_shard {
    pthread_mutex_t lock;
    mr_entry_t **buckets; /* mask + 1 of them, or NULL while empty */
    size_t mask;
    size_t count;       /* keys, expired-but-not-yet-seen ones included */
    mr_entry_t **heap;  /* keys with a deadline, earliest at heap[0] */
    size_t heap_len, heap_cap;
    char pad[64]; /* two shards' locks never share a cache line */
} mr_shard_t;

typedef struct mr_keyspace {
    mr_shard_t shards[MR_SHARDS];
    /* The deadline the expiry task sleeps until (MR_NEVER while it scans
     * or has nothing to wait for): a new deadline before it must wake the
     * task through `changed`. */
    _Atomic uint64_t planned;
    notify_t changed;
} mr_keyspace_t;

/* 0 or -errno. */
int mr_ks_init(mr_keyspace_t *ks);
/* Frees every key. Nothing may use ks afterwards. */
void mr_ks_destroy(mr_keyspace_t *ks);

uint64_t mr_hash(const char *key, size_t klen);

/* Lock the shard that holds key (its hash in *hash) and return it. */
mr_shard_t *mr_ks_lock(mr_keyspace_t *ks, const char *key, size_t klen,
                       uint64_t *hash);
void mr_ks_unlock(mr_shard_t *s);

/* The live entry for key, or NULL. One found past its deadline (<= now) is
 * deleted here and reported absent. */
mr_entry_t *mr_shard_find(mr_shard_t *s, uint64_t hash, const char *key,
                          size_t klen, uint64_t now);

/* A new entry with an empty value (key must be absent). NULL: no memory. */
mr_entry_t *mr_shard_insert(mr_shard_t *s, uint64_t hash, const char *key,
                            size_t klen);

/* Replace e's value. false: no memory (the old value is kept). */
bool mr_entry_set_value(mr_entry_t *e, const char *val, size_t vlen);

void mr_shard_delete(mr_shard_t *s, mr_entry_t *e);

/*
 * Give e a deadline (0: none). Returns true when the expiry task must be
 * told (the deadline is earlier than the one it waits for): call
 * mr_ks_expiry_changed after unlocking.
 */
bool mr_shard_set_expire(mr_keyspace_t *ks, mr_shard_t *s, mr_entry_t *e,
                         uint64_t at);

/* Wake the expiry task to plan again. Any thread, no shard locked. */
void mr_ks_expiry_changed(mr_keyspace_t *ks);

/*
 * Delete up to max keys whose deadline is <= now, shard by shard; each
 * shard locked in turn. Returns how many went; *next is the earliest
 * deadline left (MR_NEVER: none). Returns max when there may be more.
 */
size_t mr_ks_expire_due(mr_keyspace_t *ks, uint64_t now, size_t max,
                        uint64_t *next);

/* Keys in all shards (DBSIZE). */
size_t mr_ks_count(mr_keyspace_t *ks);

/* Delete every key (FLUSHALL). */
void mr_ks_flush(mr_keyspace_t *ks);

#endif
