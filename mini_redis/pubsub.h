/*
 * mini_redis/pubsub.h - PUBLISH and SUBSCRIBE: a broadcast built on
 * wakers.
 *
 * Each subscribed connection has a mailbox: the messages published to it
 * and not yet written, and the waker of its task. PUBLISH appends the
 * message (already in RESP, ready to write) to the mailbox of every
 * subscriber of the channel and wakes each one; it never waits for any of
 * them, so a slow subscriber cannot slow a publisher down. A subscriber
 * whose mailbox passes MR_MAILBOX_LIMIT bytes is cut off (Redis's
 * "client-output-buffer-limit pubsub", the same idea): its connection
 * closes the next time its task runs.
 *
 *   PUBLISH news hi                         subscriber tasks
 *   ┌────────────────────┐   append + wake   ┌──────────────────────────┐
 *   │ channels: "news" ──┼──┬──────────────> │ mailbox A: bytes, waker  │
 *   │   subscribers A, B │  └──────────────> │ mailbox B: bytes, waker  │
 *   └────────────────────┘                   └──────────────────────────┘
 *                                             each task: take the bytes,
 *                                             write them to its socket
 *
 * Locks: the registry's mutex guards the channel table and every
 * subscriber list; each mailbox's mutex its bytes and waker. Order:
 * registry, then mailbox. Wakes run after the mailbox is unlocked.
 *
 * A mailbox is shared by its connection and the channels that list it:
 * reference counted, freed by the last of them.
 *
 * Tests: tests/test_resp.c (pubsub_*), tests/mini_redis.sh.
 */
#ifndef ASYNCLAB_MINI_REDIS_PUBSUB_H
#define ASYNCLAB_MINI_REDIS_PUBSUB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/waker.h"
#include "mini_redis/resp.h"

#define MR_MAILBOX_LIMIT (8u << 20) /* 8 MiB of unsent messages */

typedef struct mr_mailbox {
    pthread_mutex_t lock;
    mr_buf_t pending; /* under lock: messages not yet taken */
    waker_t waker;    /* under lock: the connection's task, while it waits */
    bool cut_off;     /* under lock: passed the limit; close */
    atomic_int refs;
} mr_mailbox_t;

typedef struct mr_channel mr_channel_t;

typedef struct mr_pubsub {
    pthread_mutex_t lock;
    mr_channel_t **buckets; /* under lock */
    size_t mask, count;     /* under lock: channels with a subscriber */
} mr_pubsub_t;

int mr_pubsub_init(mr_pubsub_t *ps);
/* Precondition: every subscription has been removed. */
void mr_pubsub_destroy(mr_pubsub_t *ps);

/* A mailbox with one reference (the caller's). NULL: no memory. */
mr_mailbox_t *mr_mailbox_new(void);
void mr_mailbox_unref(mr_mailbox_t *m);

/*
 * Move the mailbox's bytes to the end of out. With none, keep cx's waker
 * (the task is woken by the next publish) and return false. *cut_off:
 * the mailbox passed its limit. The connection's task only.
 */
bool mr_mailbox_take(mr_mailbox_t *m, mr_buf_t *out, const context_t *cx,
                     bool *cut_off);

/* Forget the kept waker (the connection is closing). */
void mr_mailbox_forget_waker(mr_mailbox_t *m);

/* 1: subscribed now, 0: was already, -ENOMEM. */
int mr_pubsub_subscribe(mr_pubsub_t *ps, mr_mailbox_t *m, const char *ch,
                        size_t len);
/* 1: was subscribed, 0: was not. */
int mr_pubsub_unsubscribe(mr_pubsub_t *ps, mr_mailbox_t *m, const char *ch,
                          size_t len);

/* Deliver msg to every subscriber of ch; returns how many there were. */
size_t mr_pubsub_publish(mr_pubsub_t *ps, const char *ch, size_t chlen,
                         const char *msg, size_t msglen);

/* Channels with at least one subscriber. */
size_t mr_pubsub_channels(mr_pubsub_t *ps);

#endif
