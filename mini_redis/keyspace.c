/*
 * mini_redis/keyspace.c - 64 locked shards of chained hash tables, each
 * with a binary min-heap of the deadlines of its keys.
 */
#include "mini_redis/keyspace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a, then a finalizer (from MurmurHash3's fmix64) so that the high
 * bits, which pick the shard, depend on every byte. */
uint64_t mr_hash(const char *key, size_t klen)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < klen; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3u;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h;
}

static mr_shard_t *shard_of(mr_keyspace_t *ks, uint64_t hash)
{
    return &ks->shards[(hash >> 32) % MR_SHARDS];
}

int mr_ks_init(mr_keyspace_t *ks)
{
    memset(ks, 0, sizeof *ks);
    for (int i = 0; i < MR_SHARDS; i++) {
        int err = pthread_mutex_init(&ks->shards[i].lock, NULL);
        if (err != 0) {
            while (i-- > 0)
                pthread_mutex_destroy(&ks->shards[i].lock);
            return -err;
        }
    }
    atomic_init(&ks->planned, MR_NEVER);
    int err = notify_init(&ks->changed);
    if (err != 0) {
        for (int i = 0; i < MR_SHARDS; i++)
            pthread_mutex_destroy(&ks->shards[i].lock);
        return err;
    }
    return 0;
}

static void free_entry(mr_entry_t *e)
{
    free(e->val);
    free(e);
}

static void shard_clear(mr_shard_t *s)
{
    if (s->buckets != NULL) {
        for (size_t b = 0; b <= s->mask; b++) {
            mr_entry_t *e = s->buckets[b];
            while (e != NULL) {
                mr_entry_t *next = e->next;
                free_entry(e);
                e = next;
            }
        }
    }
    free(s->buckets);
    free(s->heap);
    s->buckets = NULL;
    s->heap = NULL;
    s->mask = s->count = s->heap_len = s->heap_cap = 0;
}

void mr_ks_destroy(mr_keyspace_t *ks)
{
    for (int i = 0; i < MR_SHARDS; i++) {
        shard_clear(&ks->shards[i]);
        pthread_mutex_destroy(&ks->shards[i].lock);
    }
    notify_destroy(&ks->changed);
}

mr_shard_t *mr_ks_lock(mr_keyspace_t *ks, const char *key, size_t klen,
                       uint64_t *hash)
{
    *hash = mr_hash(key, klen);
    mr_shard_t *s = shard_of(ks, *hash);
    pthread_mutex_lock(&s->lock);
    return s;
}

void mr_ks_unlock(mr_shard_t *s)
{
    pthread_mutex_unlock(&s->lock);
}

/* ---- the heap of deadlines ---------------------------------------------- */

static void heap_put(mr_shard_t *s, size_t i, mr_entry_t *e)
{
    s->heap[i] = e;
    e->heap_at = i;
}

static void heap_up(mr_shard_t *s, size_t i)
{
    mr_entry_t *e = s->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (s->heap[parent]->expire_at <= e->expire_at)
            break;
        heap_put(s, i, s->heap[parent]);
        i = parent;
    }
    heap_put(s, i, e);
}

static void heap_down(mr_shard_t *s, size_t i)
{
    mr_entry_t *e = s->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->heap_len)
            break;
        if (c + 1 < s->heap_len &&
            s->heap[c + 1]->expire_at < s->heap[c]->expire_at)
            c++;
        if (e->expire_at <= s->heap[c]->expire_at)
            break;
        heap_put(s, i, s->heap[c]);
        i = c;
    }
    heap_put(s, i, e);
}

static void heap_remove(mr_shard_t *s, mr_entry_t *e)
{
    size_t i = e->heap_at;
    if (i == MR_NOT_HEAPED)
        return;
    e->heap_at = MR_NOT_HEAPED;
    mr_entry_t *last = s->heap[--s->heap_len];
    if (i == s->heap_len)
        return;
    heap_put(s, i, last);
    heap_up(s, i);
    heap_down(s, last->heap_at);
}

static bool heap_add(mr_shard_t *s, mr_entry_t *e)
{
    if (s->heap_len == s->heap_cap) {
        size_t cap = s->heap_cap < 16 ? 16 : s->heap_cap * 2;
        mr_entry_t **h = realloc(s->heap, cap * sizeof *h);
        if (h == NULL)
            return false;
        s->heap = h;
        s->heap_cap = cap;
    }
    heap_put(s, s->heap_len++, e);
    heap_up(s, e->heap_at);
    return true;
}

/* ---- the table ------------------------------------------------------------ */

static void unlink_entry(mr_shard_t *s, mr_entry_t *e)
{
    mr_entry_t **p = &s->buckets[e->hash & s->mask];
    while (*p != e)
        p = &(*p)->next;
    *p = e->next;
    s->count--;
}

void mr_shard_delete(mr_shard_t *s, mr_entry_t *e)
{
    heap_remove(s, e);
    unlink_entry(s, e);
    free_entry(e);
}

mr_entry_t *mr_shard_find(mr_shard_t *s, uint64_t hash, const char *key,
                          size_t klen, uint64_t now)
{
    if (s->buckets == NULL)
        return NULL;
    for (mr_entry_t *e = s->buckets[hash & s->mask]; e != NULL; e = e->next) {
        if (e->hash == hash && e->klen == klen &&
            memcmp(e->key, key, klen) == 0) {
            if (e->expire_at != 0 && e->expire_at <= now) {
                mr_shard_delete(s, e); /* lazily expired */
                return NULL;
            }
            return e;
        }
    }
    return NULL;
}

/* Double the buckets (or make the first 16). false: no memory, which
 * only makes the chains longer. */
static bool grow(mr_shard_t *s)
{
    size_t n = s->buckets == NULL ? 16 : (s->mask + 1) * 2;
    mr_entry_t **b = calloc(n, sizeof *b);
    if (b == NULL)
        return false;
    if (s->buckets != NULL) {
        for (size_t i = 0; i <= s->mask; i++) {
            mr_entry_t *e = s->buckets[i];
            while (e != NULL) {
                mr_entry_t *next = e->next;
                e->next = b[e->hash & (n - 1)];
                b[e->hash & (n - 1)] = e;
                e = next;
            }
        }
        free(s->buckets);
    }
    s->buckets = b;
    s->mask = n - 1;
    return true;
}

mr_entry_t *mr_shard_insert(mr_shard_t *s, uint64_t hash, const char *key,
                            size_t klen)
{
    if ((s->buckets == NULL || s->count > s->mask) && !grow(s) &&
        s->buckets == NULL)
        return NULL;
    mr_entry_t *e = malloc(sizeof *e + klen + 1);
    if (e == NULL)
        return NULL;
    *e = (mr_entry_t){.hash = hash, .heap_at = MR_NOT_HEAPED, .klen = klen};
    memcpy(e->key, key, klen);
    e->key[klen] = '\0';
    e->next = s->buckets[hash & s->mask];
    s->buckets[hash & s->mask] = e;
    s->count++;
    return e;
}

bool mr_entry_set_value(mr_entry_t *e, const char *val, size_t vlen)
{
    if (vlen > e->vcap || (e->vcap > 4096 && vlen < e->vcap / 4)) {
        size_t cap = vlen < 16 ? 16 : vlen;
        char *v = realloc(e->val, cap);
        if (v == NULL)
            return false;
        e->val = v;
        e->vcap = cap;
    }
    if (vlen > 0)
        memcpy(e->val, val, vlen);
    e->vlen = vlen;
    return true;
}

bool mr_shard_set_expire(mr_keyspace_t *ks, mr_shard_t *s, mr_entry_t *e,
                         uint64_t at)
{
    if (at == 0) {
        heap_remove(s, e);
        e->expire_at = 0;
        return false;
    }
    uint64_t old = e->expire_at;
    e->expire_at = at;
    if (e->heap_at == MR_NOT_HEAPED) {
        if (!heap_add(s, e)) {
            e->expire_at = old; /* no memory: no deadline (lazy still works
                                   for the old one, if any) */
            return false;
        }
    } else if (at < old) {
        heap_up(s, e->heap_at);
    } else {
        heap_down(s, e->heap_at);
    }
    return at < atomic_load(&ks->planned);
}

void mr_ks_expiry_changed(mr_keyspace_t *ks)
{
    notify_one(&ks->changed);
}

size_t mr_ks_expire_due(mr_keyspace_t *ks, uint64_t now, size_t max,
                        uint64_t *next)
{
    size_t gone = 0;
    uint64_t earliest = MR_NEVER;
    for (int i = 0; i < MR_SHARDS; i++) {
        mr_shard_t *s = &ks->shards[i];
        pthread_mutex_lock(&s->lock);
        while (s->heap_len > 0 && s->heap[0]->expire_at <= now && gone < max) {
            mr_shard_delete(s, s->heap[0]);
            gone++;
        }
        if (s->heap_len > 0 && s->heap[0]->expire_at < earliest)
            earliest = s->heap[0]->expire_at;
        pthread_mutex_unlock(&s->lock);
    }
    *next = earliest;
    return gone;
}

size_t mr_ks_count(mr_keyspace_t *ks)
{
    size_t n = 0;
    for (int i = 0; i < MR_SHARDS; i++) {
        pthread_mutex_lock(&ks->shards[i].lock);
        n += ks->shards[i].count;
        pthread_mutex_unlock(&ks->shards[i].lock);
    }
    return n;
}

void mr_ks_flush(mr_keyspace_t *ks)
{
    for (int i = 0; i < MR_SHARDS; i++) {
        pthread_mutex_lock(&ks->shards[i].lock);
        shard_clear(&ks->shards[i]);
        pthread_mutex_unlock(&ks->shards[i].lock);
    }
}
