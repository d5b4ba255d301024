/*
 * mini_redis/commands.c - the command table and every command.
 *
 * Each command: look its key's shard up and lock it (mr_ks_lock), do the
 * work, write the reply, unlock. The replies and error strings are
 * Redis 7.0's, so that redis-cli prints the same thing for both servers
 * (tests/mini_redis.sh compares them).
 */
#include "mini_redis/commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#define ERR_INT    "ERR value is not an integer or out of range"
#define ERR_SYNTAX "ERR syntax error"

int mr_db_init(mr_db_t *db)
{
    int err = mr_ks_init(&db->ks);
    if (err != 0)
        return err;
    err = mr_pubsub_init(&db->ps);
    if (err != 0)
        mr_ks_destroy(&db->ks);
    return err;
}

void mr_db_destroy(mr_db_t *db)
{
    mr_pubsub_destroy(&db->ps);
    mr_ks_destroy(&db->ks);
}

void mr_session_init(mr_session_t *s, mr_db_t *db)
{
    memset(s, 0, sizeof *s);
    s->db = db;
    s->out = MR_BUF_EMPTY;
}

void mr_session_free(mr_session_t *s)
{
    for (size_t i = 0; i < s->nsubs; i++) {
        mr_pubsub_unsubscribe(&s->db->ps, s->mailbox, s->subs[i],
                              s->sublens[i]);
        free(s->subs[i]);
    }
    free(s->subs);
    free(s->sublens);
    s->subs = NULL;
    s->sublens = NULL;
    s->nsubs = s->subcap = 0;
    if (s->mailbox != NULL) {
        mr_mailbox_forget_waker(s->mailbox);
        mr_mailbox_unref(s->mailbox);
        s->mailbox = NULL;
    }
    mr_buf_free(&s->out);
}

/* ---- helpers -------------------------------------------------------------- */

static bool arg_is(const resp_arg_t *a, const char *word)
{
    return a->len == strlen(word) && strcasecmp(a->ptr, word) == 0;
}

static bool arg_int(const resp_arg_t *a, int64_t *v)
{
    return resp_parse_int64(a->ptr, a->len, v);
}

/* now + ms as a deadline; false when it would overflow (Redis: "invalid
 * expire time"). A deadline is never 0 (0 means none). */
static bool deadline_of(uint64_t now, int64_t ms, uint64_t *at)
{
    if (ms > 0 && (uint64_t)ms > (uint64_t)INT64_MAX - now)
        return false;
    int64_t t = (int64_t)now + ms;
    *at = t <= 0 ? 1 : (uint64_t)t; /* in the past: due at once */
    return true;
}

/* ---- strings -------------------------------------------------------------- */

static void cmd_get(mr_session_t *s, const resp_arg_t *a, size_t n,
                    uint64_t now)
{
    (void)n;
    uint64_t h;
    mr_shard_t *sh = mr_ks_lock(&s->db->ks, a[1].ptr, a[1].len, &h);
    mr_entry_t *e = mr_shard_find(sh, h, a[1].ptr, a[1].len, now);
    if (e != NULL)
        resp_bulk(&s->out, e->val, e->vlen);
    else
        resp_nil(&s->out);
    mr_ks_unlock(sh);
}

static void cmd_mget(mr_session_t *s, const resp_arg_t *a, size_t n,
                     uint64_t now)
{
    resp_array(&s->out, n - 1);
    for (size_t i = 1; i < n; i++) {
        uint64_t h;
        mr_shard_t *sh = mr_ks_lock(&s->db->ks, a[i].ptr, a[i].len, &h);
        mr_entry_t *e = mr_shard_find(sh, h, a[i].ptr, a[i].len, now);
        if (e != NULL)
            resp_bulk(&s->out, e->val, e->vlen);
        else
            resp_nil(&s->out);
        mr_ks_unlock(sh);
    }
}

enum { SET_NX = 1, SET_XX = 2, SET_GET = 4, SET_KEEPTTL = 8, SET_EX = 16,
       SET_PX = 32 };

static void cmd_set(mr_session_t *s, const resp_arg_t *a, size_t n,
                    uint64_t now)
{
    int flags = 0;
    const resp_arg_t *when = NULL;
    for (size_t i = 3; i < n; i++) {
        bool has_next = i + 1 < n;
        if (arg_is(&a[i], "NX") && !(flags & SET_XX)) {
            flags |= SET_NX;
        } else if (arg_is(&a[i], "XX") && !(flags & SET_NX)) {
            flags |= SET_XX;
        } else if (arg_is(&a[i], "GET")) {
            flags |= SET_GET;
        } else if (arg_is(&a[i], "KEEPTTL") && !(flags & (SET_EX | SET_PX))) {
            flags |= SET_KEEPTTL;
        } else if (arg_is(&a[i], "EX") && has_next &&
                   !(flags & (SET_KEEPTTL | SET_EX | SET_PX))) {
            flags |= SET_EX;
            when = &a[++i];
        } else if (arg_is(&a[i], "PX") && has_next &&
                   !(flags & (SET_KEEPTTL | SET_EX | SET_PX))) {
            flags |= SET_PX;
            when = &a[++i];
        } else {
            resp_error(&s->out, ERR_SYNTAX);
            return;
        }
    }
    uint64_t at = 0;
    if (when != NULL) {
        int64_t t;
        if (!arg_int(when, &t)) {
            resp_error(&s->out, ERR_INT);
            return;
        }
        if (t <= 0 || ((flags & SET_EX) && t > INT64_MAX / 1000) ||
            !deadline_of(now, (flags & SET_EX) ? t * 1000 : t, &at)) {
            resp_error(&s->out, "ERR invalid expire time in 'set' command");
            return;
        }
    }

    uint64_t h;
    mr_keyspace_t *ks = &s->db->ks;
    bool tell = false;
    mr_shard_t *sh = mr_ks_lock(ks, a[1].ptr, a[1].len, &h);
    mr_entry_t *e = mr_shard_find(sh, h, a[1].ptr, a[1].len, now);
    if (flags & SET_GET) {
        if (e != NULL)
            resp_bulk(&s->out, e->val, e->vlen);
        else
            resp_nil(&s->out);
    }
    if ((e != NULL && (flags & SET_NX)) || (e == NULL && (flags & SET_XX))) {
        if (!(flags & SET_GET))
            resp_nil(&s->out);
        mr_ks_unlock(sh);
        return;
    }
    bool fresh = e == NULL;
    if (fresh)
        e = mr_shard_insert(sh, h, a[1].ptr, a[1].len);
    if (e == NULL || !mr_entry_set_value(e, a[2].ptr, a[2].len)) {
        if (e != NULL && fresh)
            mr_shard_delete(sh, e);
        mr_ks_unlock(sh);
        if (!(flags & SET_GET))
            resp_error(&s->out, "ERR out of memory");
        return;
    }
    if (at != 0)
        tell = mr_shard_set_expire(ks, sh, e, at);
    else if (!(flags & SET_KEEPTTL))
        mr_shard_set_expire(ks, sh, e, 0);
    mr_ks_unlock(sh);
    if (tell)
        mr_ks_expiry_changed(ks);
    if (!(flags & SET_GET))
        resp_simple(&s->out, "OK");
}

static void cmd_del_or_exists(mr_session_t *s, const resp_arg_t *a, size_t n,
                              uint64_t now, bool del)
{
    int64_t count = 0;
    for (size_t i = 1; i < n; i++) {
        uint64_t h;
        mr_shard_t *sh = mr_ks_lock(&s->db->ks, a[i].ptr, a[i].len, &h);
        mr_entry_t *e = mr_shard_find(sh, h, a[i].ptr, a[i].len, now);
        if (e != NULL) {
            count++;
            if (del)
                mr_shard_delete(sh, e);
        }
        mr_ks_unlock(sh);
    }
    resp_integer(&s->out, count);
}

static void cmd_del(mr_session_t *s, const resp_arg_t *a, size_t n,
                    uint64_t now)
{
    cmd_del_or_exists(s, a, n, now, true);
}

static void cmd_exists(mr_session_t *s, const resp_arg_t *a, size_t n,
                       uint64_t now)
{
    cmd_del_or_exists(s, a, n, now, false);
}

/* INCR, DECR, INCRBY, DECRBY: add by to the key's integer (0 when absent);
 * the key keeps its deadline. */
static void incr_by(mr_session_t *s, const resp_arg_t *key, int64_t by,
                    uint64_t now)
{
    uint64_t h;
    mr_shard_t *sh = mr_ks_lock(&s->db->ks, key->ptr, key->len, &h);
    mr_entry_t *e = mr_shard_find(sh, h, key->ptr, key->len, now);
    int64_t v = 0;
    if (e != NULL && !resp_parse_int64(e->val, e->vlen, &v)) {
        mr_ks_unlock(sh);
        resp_error(&s->out, ERR_INT);
        return;
    }
    if ((by < 0 && v < INT64_MIN - by) || (by > 0 && v > INT64_MAX - by)) {
        mr_ks_unlock(sh);
        resp_error(&s->out, "ERR increment or decrement would overflow");
        return;
    }
    v += by;
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)v);
    bool fresh = e == NULL;
    if (fresh)
        e = mr_shard_insert(sh, h, key->ptr, key->len);
    if (e == NULL || !mr_entry_set_value(e, digits, (size_t)len)) {
        if (e != NULL && fresh)
            mr_shard_delete(sh, e);
        mr_ks_unlock(sh);
        resp_error(&s->out, "ERR out of memory");
        return;
    }
    mr_ks_unlock(sh);
    resp_integer(&s->out, v);
}

static void cmd_incr(mr_session_t *s, const resp_arg_t *a, size_t n,
                     uint64_t now)
{
    (void)n;
    incr_by(s, &a[1], 1, now);
}

static void cmd_decr(mr_session_t *s, const resp_arg_t *a, size_t n,
                     uint64_t now)
{
    (void)n;
    incr_by(s, &a[1], -1, now);
}

static void cmd_incrby(mr_session_t *s, const resp_arg_t *a, size_t n,
                       uint64_t now)
{
    (void)n;
    int64_t by;
    if (!arg_int(&a[2], &by))
        resp_error(&s->out, ERR_INT);
    else
        incr_by(s, &a[1], by, now);
}

static void cmd_decrby(mr_session_t *s, const resp_arg_t *a, size_t n,
                       uint64_t now)
{
    (void)n;
    int64_t by;
    if (!arg_int(&a[2], &by))
        resp_error(&s->out, ERR_INT);
    else if (by == INT64_MIN)
        resp_error(&s->out, "ERR decrement would overflow");
    else
        incr_by(s, &a[1], -by, now);
}

/* ---- expiry --------------------------------------------------------------- */

enum { EXP_NX = 1, EXP_XX = 2, EXP_GT = 4, EXP_LT = 8 };

static void expire_generic(mr_session_t *s, const resp_arg_t *a, size_t n,
                           uint64_t now, bool seconds)
{
    const char *name = seconds ? "expire" : "pexpire";
    int64_t t;
    if (!arg_int(&a[2], &t)) {
        resp_error(&s->out, ERR_INT);
        return;
    }
    int flags = 0;
    for (size_t i = 3; i < n; i++) {
        if (arg_is(&a[i], "NX"))
            flags |= EXP_NX;
        else if (arg_is(&a[i], "XX"))
            flags |= EXP_XX;
        else if (arg_is(&a[i], "GT"))
            flags |= EXP_GT;
        else if (arg_is(&a[i], "LT"))
            flags |= EXP_LT;
        else {
            resp_errorf(&s->out, "ERR Unsupported option %s", a[i].ptr);
            return;
        }
    }
    if ((flags & EXP_NX) && (flags & (EXP_XX | EXP_GT | EXP_LT))) {
        resp_error(&s->out, "ERR NX and XX, GT or LT options at the same "
                            "time are not compatible");
        return;
    }
    if ((flags & EXP_GT) && (flags & EXP_LT)) {
        resp_error(&s->out, "ERR GT and LT options at the same time are not "
                            "compatible");
        return;
    }
    uint64_t at;
    int64_t ms = 0;
    bool valid = !seconds || (t <= INT64_MAX / 1000 && t >= INT64_MIN / 1000);
    if (valid) {
        ms = seconds ? t * 1000 : t;
        valid = deadline_of(now, ms, &at);
    }
    if (!valid) {
        resp_errorf(&s->out, "ERR invalid expire time in '%s' command", name);
        return;
    }
    uint64_t h;
    mr_keyspace_t *ks = &s->db->ks;
    mr_shard_t *sh = mr_ks_lock(ks, a[1].ptr, a[1].len, &h);
    mr_entry_t *e = mr_shard_find(sh, h, a[1].ptr, a[1].len, now);
    int64_t reply = 0;
    bool tell = false;
    if (e != NULL) {
        /* No deadline counts as an infinite one (Redis's GT/LT). */
        uint64_t cur = e->expire_at == 0 ? UINT64_MAX : e->expire_at;
        bool ok = !((flags & EXP_NX) && e->expire_at != 0) &&
                  !((flags & EXP_XX) && e->expire_at == 0) &&
                  !((flags & EXP_GT) && at <= cur) &&
                  !((flags & EXP_LT) && at >= cur);
        if (ok) {
            reply = 1;
            if (ms <= 0)
                mr_shard_delete(sh, e); /* already past: gone at once */
            else
                tell = mr_shard_set_expire(ks, sh, e, at);
        }
    }
    mr_ks_unlock(sh);
    if (tell)
        mr_ks_expiry_changed(ks);
    resp_integer(&s->out, reply);
}

static void cmd_expire(mr_session_t *s, const resp_arg_t *a, size_t n,
                       uint64_t now)
{
    expire_generic(s, a, n, now, true);
}

static void cmd_pexpire(mr_session_t *s, const resp_arg_t *a, size_t n,
                        uint64_t now)
{
    expire_generic(s, a, n, now, false);
}

static void ttl_generic(mr_session_t *s, const resp_arg_t *a, uint64_t now,
                        bool seconds)
{
    uint64_t h;
    mr_shard_t *sh = mr_ks_lock(&s->db->ks, a[1].ptr, a[1].len, &h);
    mr_entry_t *e = mr_shard_find(sh, h, a[1].ptr, a[1].len, now);
    int64_t reply = -2;
    if (e != NULL && e->expire_at == 0)
        reply = -1;
    else if (e != NULL) {
        int64_t ms = (int64_t)(e->expire_at - now); /* > 0: find saw it live */
        reply = seconds ? (ms + 500) / 1000 : ms;
    }
    mr_ks_unlock(sh);
    resp_integer(&s->out, reply);
}

static void cmd_ttl(mr_session_t *s, const resp_arg_t *a, size_t n,
                    uint64_t now)
{
    (void)n;
    ttl_generic(s, a, now, true);
}

static void cmd_pttl(mr_session_t *s, const resp_arg_t *a, size_t n,
                     uint64_t now)
{
    (void)n;
    ttl_generic(s, a, now, false);
}

static void cmd_persist(mr_session_t *s, const resp_arg_t *a, size_t n,
                        uint64_t now)
{
    (void)n;
    uint64_t h;
    mr_keyspace_t *ks = &s->db->ks;
    mr_shard_t *sh = mr_ks_lock(ks, a[1].ptr, a[1].len, &h);
    mr_entry_t *e = mr_shard_find(sh, h, a[1].ptr, a[1].len, now);
    int64_t reply = 0;
    if (e != NULL && e->expire_at != 0) {
        mr_shard_set_expire(ks, sh, e, 0);
        reply = 1;
    }
    mr_ks_unlock(sh);
    resp_integer(&s->out, reply);
}

/* ---- pub/sub -------------------------------------------------------------- */

static void cmd_publish(mr_session_t *s, const resp_arg_t *a, size_t n,
                        uint64_t now)
{
    (void)n;
    (void)now;
    size_t got = mr_pubsub_publish(&s->db->ps, a[1].ptr, a[1].len, a[2].ptr,
                                   a[2].len);
    resp_integer(&s->out, (int64_t)got);
}

static ssize_t find_sub(const mr_session_t *s, const char *ch, size_t len)
{
    for (size_t i = 0; i < s->nsubs; i++)
        if (s->sublens[i] == len && memcmp(s->subs[i], ch, len) == 0)
            return (ssize_t)i;
    return -1;
}

/* ["subscribe" | "unsubscribe", channel (NULL: nil), count] */
static void sub_reply(mr_session_t *s, const char *kind, const char *ch,
                      size_t len)
{
    resp_array(&s->out, 3);
    resp_bulk(&s->out, kind, strlen(kind));
    if (ch != NULL)
        resp_bulk(&s->out, ch, len);
    else
        resp_nil(&s->out);
    resp_integer(&s->out, (int64_t)s->nsubs);
}

static void cmd_subscribe(mr_session_t *s, const resp_arg_t *a, size_t n,
                          uint64_t now)
{
    (void)now;
    if (s->mailbox == NULL && (s->mailbox = mr_mailbox_new()) == NULL) {
        resp_error(&s->out, "ERR out of memory");
        return;
    }
    for (size_t i = 1; i < n; i++) {
        if (find_sub(s, a[i].ptr, a[i].len) < 0) {
            if (s->nsubs == s->subcap) {
                size_t cap = s->subcap < 4 ? 4 : s->subcap * 2;
                char **v = realloc(s->subs, cap * sizeof *v);
                if (v != NULL)
                    s->subs = v;
                size_t *l = realloc(s->sublens, cap * sizeof *l);
                if (l != NULL)
                    s->sublens = l;
                if (v == NULL || l == NULL) {
                    resp_error(&s->out, "ERR out of memory");
                    return;
                }
                s->subcap = cap;
            }
            char *copy = malloc(a[i].len + 1);
            if (copy == NULL ||
                mr_pubsub_subscribe(&s->db->ps, s->mailbox, a[i].ptr,
                                    a[i].len) < 0) {
                free(copy);
                resp_error(&s->out, "ERR out of memory");
                return;
            }
            memcpy(copy, a[i].ptr, a[i].len + 1);
            s->subs[s->nsubs] = copy;
            s->sublens[s->nsubs] = a[i].len;
            s->nsubs++;
        }
        sub_reply(s, "subscribe", a[i].ptr, a[i].len);
    }
}

static void drop_sub(mr_session_t *s, size_t i)
{
    mr_pubsub_unsubscribe(&s->db->ps, s->mailbox, s->subs[i], s->sublens[i]);
    free(s->subs[i]);
    /* Keep the order: UNSUBSCRIBE with no channel answers in it. */
    memmove(&s->subs[i], &s->subs[i + 1], (s->nsubs - i - 1) * sizeof *s->subs);
    memmove(&s->sublens[i], &s->sublens[i + 1],
            (s->nsubs - i - 1) * sizeof *s->sublens);
    s->nsubs--;
}

static void cmd_unsubscribe(mr_session_t *s, const resp_arg_t *a, size_t n,
                            uint64_t now)
{
    (void)now;
    if (n == 1) {
        if (s->nsubs == 0)
            sub_reply(s, "unsubscribe", NULL, 0);
        while (s->nsubs > 0) {
            /* The reply names the channel after it is gone: copy it. */
            char *ch = s->subs[0];
            size_t len = s->sublens[0];
            s->subs[0] = NULL;
            mr_pubsub_unsubscribe(&s->db->ps, s->mailbox, ch, len);
            memmove(&s->subs[0], &s->subs[1], (s->nsubs - 1) * sizeof *s->subs);
            memmove(&s->sublens[0], &s->sublens[1],
                    (s->nsubs - 1) * sizeof *s->sublens);
            s->nsubs--;
            sub_reply(s, "unsubscribe", ch, len);
            free(ch);
        }
        return;
    }
    for (size_t i = 1; i < n; i++) {
        ssize_t at = find_sub(s, a[i].ptr, a[i].len);
        if (at >= 0)
            drop_sub(s, (size_t)at);
        sub_reply(s, "unsubscribe", a[i].ptr, a[i].len);
    }
}

/* ---- the rest ------------------------------------------------------------- */

static void cmd_ping(mr_session_t *s, const resp_arg_t *a, size_t n,
                     uint64_t now)
{
    (void)now;
    if (n > 2) {
        resp_error(&s->out, "ERR wrong number of arguments for 'ping' command");
    } else if (mr_session_subscribed(s)) {
        resp_array(&s->out, 2);
        resp_bulk(&s->out, "pong", 4);
        resp_bulk(&s->out, n == 2 ? a[1].ptr : "", n == 2 ? a[1].len : 0);
    } else if (n == 2) {
        resp_bulk(&s->out, a[1].ptr, a[1].len);
    } else {
        resp_simple(&s->out, "PONG");
    }
}

static void cmd_echo(mr_session_t *s, const resp_arg_t *a, size_t n,
                     uint64_t now)
{
    (void)n;
    (void)now;
    resp_bulk(&s->out, a[1].ptr, a[1].len);
}

static void cmd_quit(mr_session_t *s, const resp_arg_t *a, size_t n,
                     uint64_t now)
{
    (void)a;
    (void)n;
    (void)now;
    resp_simple(&s->out, "OK");
    s->quit = true;
}

static void cmd_dbsize(mr_session_t *s, const resp_arg_t *a, size_t n,
                       uint64_t now)
{
    (void)a;
    (void)n;
    (void)now;
    resp_integer(&s->out, (int64_t)mr_ks_count(&s->db->ks));
}

static void cmd_flushall(mr_session_t *s, const resp_arg_t *a, size_t n,
                         uint64_t now)
{
    (void)now;
    if (n > 2 || (n == 2 && !arg_is(&a[1], "ASYNC") && !arg_is(&a[1], "SYNC"))) {
        resp_error(&s->out, ERR_SYNTAX);
        return;
    }
    mr_ks_flush(&s->db->ks);
    resp_simple(&s->out, "OK");
}

static void cmd_select(mr_session_t *s, const resp_arg_t *a, size_t n,
                       uint64_t now)
{
    (void)n;
    (void)now;
    int64_t db;
    if (!arg_int(&a[1], &db))
        resp_error(&s->out, ERR_INT);
    else if (db != 0)
        resp_error(&s->out, "ERR DB index is out of range");
    else
        resp_simple(&s->out, "OK");
}

/* What redis-benchmark asks at its start, answered as a server without
 * persistence would; any other parameter: none (an empty list). */
static void cmd_config(mr_session_t *s, const resp_arg_t *a, size_t n,
                       uint64_t now)
{
    (void)now;
    if (!arg_is(&a[1], "GET")) {
        resp_errorf(&s->out, "ERR unknown subcommand '%.128s'. Try CONFIG HELP.",
                    a[1].ptr);
        return;
    }
    if (n < 3) {
        resp_error(&s->out,
                   "ERR wrong number of arguments for 'config|get' command");
        return;
    }
    size_t pairs = 0;
    for (size_t i = 2; i < n; i++)
        pairs += arg_is(&a[i], "save") || arg_is(&a[i], "appendonly");
    resp_array(&s->out, 2 * pairs);
    for (size_t i = 2; i < n; i++) {
        if (arg_is(&a[i], "save")) {
            resp_bulk(&s->out, "save", 4);
            resp_bulk(&s->out, "", 0);
        } else if (arg_is(&a[i], "appendonly")) {
            resp_bulk(&s->out, "appendonly", 10);
            resp_bulk(&s->out, "no", 2);
        }
    }
}

static void cmd_command(mr_session_t *s, const resp_arg_t *a, size_t n,
                        uint64_t now)
{
    (void)a;
    (void)n;
    (void)now;
    resp_array(&s->out, 0);
}

/* ---- the table ------------------------------------------------------------ */

typedef void (*cmd_fn)(mr_session_t *s, const resp_arg_t *a, size_t n,
                       uint64_t now);

typedef struct command {
    const char *name; /* lower case, as Redis names it in errors */
    int arity;        /* n: exactly n words; -n: at least n */
    bool in_subscribed; /* allowed while subscribed */
    cmd_fn fn;
} command_t;

static const command_t commands[] = {
    {"get", 2, false, cmd_get},
    {"set", -3, false, cmd_set},
    {"incr", 2, false, cmd_incr},
    {"ping", -1, true, cmd_ping},
    {"del", -2, false, cmd_del},
    {"exists", -2, false, cmd_exists},
    {"mget", -2, false, cmd_mget},
    {"decr", 2, false, cmd_decr},
    {"incrby", 3, false, cmd_incrby},
    {"decrby", 3, false, cmd_decrby},
    {"expire", -3, false, cmd_expire},
    {"pexpire", -3, false, cmd_pexpire},
    {"ttl", 2, false, cmd_ttl},
    {"pttl", 2, false, cmd_pttl},
    {"persist", 2, false, cmd_persist},
    {"echo", 2, false, cmd_echo},
    {"publish", 3, false, cmd_publish},
    {"subscribe", -2, true, cmd_subscribe},
    {"unsubscribe", -1, true, cmd_unsubscribe},
    {"quit", -1, true, cmd_quit},
    {"dbsize", 1, false, cmd_dbsize},
    {"flushall", -1, false, cmd_flushall},
    {"flushdb", -1, false, cmd_flushall},
    {"select", 2, false, cmd_select},
    {"config", -2, false, cmd_config},
    {"command", -1, false, cmd_command},
};

static const command_t *lookup(const resp_arg_t *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const command_t *c = &commands[i];
        if (strlen(c->name) == name->len && strcasecmp(c->name, name->ptr) == 0)
            return c;
    }
    return NULL;
}

/* Redis's words: the name, then the arguments, quoted, while they fit in
 * 128 bytes (the last one cut to fit). */
static void unknown_command(mr_session_t *s, const resp_arg_t *a, size_t n)
{
    char args[160];
    size_t used = 0;
    for (size_t i = 1; i < n && used < 128; i++) {
        size_t take = a[i].len < 128 - used ? a[i].len : 128 - used;
        args[used++] = '\'';
        memcpy(args + used, a[i].ptr, take);
        used += take;
        args[used++] = '\'';
        args[used++] = ' ';
    }
    args[used] = '\0';
    char name[129];
    size_t nl = a[0].len < 128 ? a[0].len : 128;
    memcpy(name, a[0].ptr, nl);
    name[nl] = '\0';
    mr_buf_t *b = &s->out;
    mr_buf_append(b, "-", 1);
    char head[] = "ERR unknown command '";
    mr_buf_append(b, head, sizeof head - 1);
    /* the name and arguments may hold CR or LF: resp_error's rule */
    for (size_t i = 0; i < nl; i++)
        mr_buf_append(b, name[i] == '\r' || name[i] == '\n' ? " " : &name[i],
                      1);
    char mid[] = "', with args beginning with: ";
    mr_buf_append(b, mid, sizeof mid - 1);
    for (size_t i = 0; i < used; i++)
        mr_buf_append(b, args[i] == '\r' || args[i] == '\n' ? " " : &args[i],
                      1);
    mr_buf_append(b, "\r\n", 2);
}

void mr_execute(mr_session_t *s, const resp_arg_t *argv, size_t argc,
                uint64_t now)
{
    s->commands++;
    const command_t *c = lookup(&argv[0]);
    if (c == NULL) {
        unknown_command(s, argv, argc);
        return;
    }
    if ((c->arity > 0 && argc != (size_t)c->arity) ||
        (c->arity < 0 && argc < (size_t)-c->arity)) {
        resp_errorf(&s->out, "ERR wrong number of arguments for '%s' command",
                    c->name);
        return;
    }
    if (mr_session_subscribed(s) && !c->in_subscribed) {
        resp_errorf(&s->out,
                    "ERR Can't execute '%s': only (P|S)SUBSCRIBE / "
                    "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
                    "this context",
                    c->name);
        return;
    }
    c->fn(s, argv, argc, now);
}
