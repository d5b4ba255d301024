/*
 * mini_redis/pubsub.c - channels (a chained hash table of name ->
 * subscriber list) and mailboxes.
 */
#include "mini_redis/pubsub.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mini_redis/keyspace.h" /* mr_hash */

struct mr_channel {
    mr_channel_t *next; /* in its bucket */
    uint64_t hash;
    mr_mailbox_t **subs; /* each holds a reference */
    size_t n, cap;
    size_t len;
    char name[];
};

/* Wakes taken under the registry lock, run in batches after it. */
#define WAKE_BATCH 32

int mr_pubsub_init(mr_pubsub_t *ps)
{
    memset(ps, 0, sizeof *ps);
    return -pthread_mutex_init(&ps->lock, NULL);
}

void mr_pubsub_destroy(mr_pubsub_t *ps)
{
    if (ps->buckets != NULL) {
        for (size_t b = 0; b <= ps->mask; b++) {
            mr_channel_t *c = ps->buckets[b];
            while (c != NULL) {
                mr_channel_t *next = c->next;
                for (size_t i = 0; i < c->n; i++)
                    mr_mailbox_unref(c->subs[i]);
                free(c->subs);
                free(c);
                c = next;
            }
        }
    }
    free(ps->buckets);
    pthread_mutex_destroy(&ps->lock);
}

mr_mailbox_t *mr_mailbox_new(void)
{
    mr_mailbox_t *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        return NULL;
    }
    m->pending = MR_BUF_EMPTY;
    m->waker = WAKER_EMPTY;
    atomic_init(&m->refs, 1);
    return m;
}

void mr_mailbox_unref(mr_mailbox_t *m)
{
    if (atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    waker_drop(&m->waker);
    mr_buf_free(&m->pending);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

bool mr_mailbox_take(mr_mailbox_t *m, mr_buf_t *out, const context_t *cx,
                     bool *cut_off)
{
    bool got = false;
    waker_t old = WAKER_EMPTY;
    pthread_mutex_lock(&m->lock);
    *cut_off = m->cut_off;
    if (m->pending.len > 0) {
        if (out->len == 0) { /* the common case: swap, no copy */
            mr_buf_t t = *out;
            *out = m->pending;
            m->pending = t;
            m->pending.len = 0;
        } else {
            mr_buf_append(out, m->pending.data, m->pending.len);
            m->pending.len = 0;
        }
        got = true;
    } else if (!waker_is_set(&m->waker) ||
               !waker_will_wake(&m->waker, cx->waker)) {
        old = waker_take(&m->waker);
        m->waker = waker_clone(cx->waker);
    }
    pthread_mutex_unlock(&m->lock);
    waker_drop(&old); /* never under a lock: it may free a task */
    return got;
}

void mr_mailbox_forget_waker(mr_mailbox_t *m)
{
    pthread_mutex_lock(&m->lock);
    waker_t w = waker_take(&m->waker);
    pthread_mutex_unlock(&m->lock);
    waker_drop(&w);
}

/* ---- the channel table (under ps->lock) ---------------------------------- */

static mr_channel_t *find(mr_pubsub_t *ps, uint64_t h, const char *ch,
                          size_t len, mr_channel_t ***link)
{
    if (ps->buckets == NULL)
        return NULL;
    mr_channel_t **p = &ps->buckets[h & ps->mask];
    for (; *p != NULL; p = &(*p)->next) {
        mr_channel_t *c = *p;
        if (c->hash == h && c->len == len && memcmp(c->name, ch, len) == 0) {
            if (link != NULL)
                *link = p;
            return c;
        }
    }
    return NULL;
}

static bool grow(mr_pubsub_t *ps)
{
    size_t n = ps->buckets == NULL ? 16 : (ps->mask + 1) * 2;
    mr_channel_t **b = calloc(n, sizeof *b);
    if (b == NULL)
        return false;
    if (ps->buckets != NULL) {
        for (size_t i = 0; i <= ps->mask; i++) {
            mr_channel_t *c = ps->buckets[i];
            while (c != NULL) {
                mr_channel_t *next = c->next;
                c->next = b[c->hash & (n - 1)];
                b[c->hash & (n - 1)] = c;
                c = next;
            }
        }
        free(ps->buckets);
    }
    ps->buckets = b;
    ps->mask = n - 1;
    return true;
}

int mr_pubsub_subscribe(mr_pubsub_t *ps, mr_mailbox_t *m, const char *ch,
                        size_t len)
{
    uint64_t h = mr_hash(ch, len);
    int rc = -ENOMEM;
    pthread_mutex_lock(&ps->lock);
    mr_channel_t *c = find(ps, h, ch, len, NULL);
    if (c == NULL) {
        if ((ps->buckets == NULL || ps->count > ps->mask) && !grow(ps) &&
            ps->buckets == NULL)
            goto out;
        c = calloc(1, sizeof *c + len + 1);
        if (c == NULL)
            goto out;
        c->hash = h;
        c->len = len;
        memcpy(c->name, ch, len);
        c->next = ps->buckets[h & ps->mask];
        ps->buckets[h & ps->mask] = c;
        ps->count++;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (c->subs[i] == m) {
            rc = 0;
            goto out;
        }
    }
    if (c->n == c->cap) {
        size_t cap = c->cap < 4 ? 4 : c->cap * 2;
        mr_mailbox_t **s = realloc(c->subs, cap * sizeof *s);
        if (s == NULL)
            goto out; /* a channel left empty is removed by unsubscribe */
        c->subs = s;
        c->cap = cap;
    }
    atomic_fetch_add(&m->refs, 1);
    c->subs[c->n++] = m;
    rc = 1;
out:
    if (rc < 0 && c != NULL && c->n == 0) {
        mr_channel_t **link;
        if (find(ps, h, ch, len, &link) == c) {
            *link = c->next;
            ps->count--;
            free(c->subs);
            free(c);
        }
    }
    pthread_mutex_unlock(&ps->lock);
    return rc;
}

int mr_pubsub_unsubscribe(mr_pubsub_t *ps, mr_mailbox_t *m, const char *ch,
                          size_t len)
{
    uint64_t h = mr_hash(ch, len);
    int rc = 0;
    mr_channel_t **link;
    pthread_mutex_lock(&ps->lock);
    mr_channel_t *c = find(ps, h, ch, len, &link);
    if (c != NULL) {
        for (size_t i = 0; i < c->n; i++) {
            if (c->subs[i] == m) {
                c->subs[i] = c->subs[--c->n]; /* order is not kept */
                rc = 1;
                break;
            }
        }
        if (c->n == 0) {
            *link = c->next;
            ps->count--;
            free(c->subs);
            free(c);
        }
    }
    pthread_mutex_unlock(&ps->lock);
    if (rc == 1)
        mr_mailbox_unref(m); /* the channel's reference; never the last */
    return rc;
}

/* "*3\r\n$7\r\nmessage\r\n$<n>\r\n<ch>\r\n$<n>\r\n<msg>\r\n" into m. */
static waker_t deliver(mr_mailbox_t *m, const char *ch, size_t chlen,
                       const char *msg, size_t msglen)
{
    waker_t w = WAKER_EMPTY;
    pthread_mutex_lock(&m->lock);
    if (!m->cut_off) {
        mr_buf_t *b = &m->pending;
        resp_array(b, 3);
        resp_bulk(b, "message", 7);
        resp_bulk(b, ch, chlen);
        resp_bulk(b, msg, msglen);
        if (b->len > MR_MAILBOX_LIMIT || b->oom) {
            m->cut_off = true; /* its connection closes; drop the backlog */
            mr_buf_free(b);
        }
        w = waker_take(&m->waker);
    }
    pthread_mutex_unlock(&m->lock);
    return w;
}

size_t mr_pubsub_publish(mr_pubsub_t *ps, const char *ch, size_t chlen,
                         const char *msg, size_t msglen)
{
    uint64_t h = mr_hash(ch, chlen);
    size_t receivers = 0;
    waker_t wake[WAKE_BATCH];
    size_t nwake = 0;
    pthread_mutex_lock(&ps->lock);
    mr_channel_t *c = find(ps, h, ch, chlen, NULL);
    if (c != NULL) {
        receivers = c->n;
        for (size_t i = 0; i < c->n; i++) {
            waker_t w = deliver(c->subs[i], ch, chlen, msg, msglen);
            if (!waker_is_set(&w))
                continue;
            if (nwake == WAKE_BATCH) {
                /* Waking schedules a task; it never calls back into the
                 * registry, and a task cannot be freed by it while its
                 * mailbox is listed here (the task's future is alive),
                 * so waking under the registry lock is safe; batching
                 * only keeps the common case outside it. */
                for (size_t k = 0; k < nwake; k++)
                    waker_wake(&wake[k]);
                nwake = 0;
            }
            wake[nwake++] = w;
        }
    }
    pthread_mutex_unlock(&ps->lock);
    for (size_t k = 0; k < nwake; k++)
        waker_wake(&wake[k]);
    return receivers;
}

size_t mr_pubsub_channels(mr_pubsub_t *ps)
{
    pthread_mutex_lock(&ps->lock);
    size_t n = ps->count;
    pthread_mutex_unlock(&ps->lock);
    return n;
}
