/*
 * cli/quiz_redis.c - lesson 18's questions: mini-redis (lessons/18-mini-redis).
 *
 *   replies     a pipelined write: how many replies mini-redis writes back
 *   bytes-left  a request cut short: how many more bytes until it is whole
 *   shard       which of the 64 shards a key's hash picks
 *   expiry      SETs with PX at virtual times: what DBSIZE says at T
 *
 * The first three have no run to trace: they run mini-redis's own code on
 * the question's bytes, in this process (resp_feed of mini_redis/resp.c,
 * mr_execute of commands.c, mr_ks_lock of keyspace.c), and the proof is
 * what that code did, step by step, printed under "The steps that decide
 * it". The expiry question is a run: a client task and an expiry task on
 * the notify executor in virtual time, on the real keyspace; its proof is
 * the trace's events (the expiry task's timers firing at the deadlines,
 * the client's wakes of it, the client's poll at T).
 *
 *   replies:  | SET k1 v1 | GET k1 | INCR n | *1 $2147483648 | PING |
 *             resp_feed:  COMMAND   COMMAND  COMMAND  ERROR -> closed
 *             replies:    +OK       $2 v1    :1       -ERR         (4)
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cli/quiz.h"
#include "driver/driver.h"
#include "driver/time.h"
#include "mini_redis/commands.h"
#include "mini_redis/keyspace.h"
#include "mini_redis/resp.h"
#include "sync/notify.h"

#define MAX_ARGS 6
#define MAX_REQS 6
#define BUF_MAX  1024

/* ---- requests, as redis-cli sends them ---------------------------------- */

typedef struct req {
    int argc;
    char argv[MAX_ARGS][24];
} req_t;

static void req_set(req_t *r, const char *a0, const char *a1, const char *a2)
{
    const char *a[3] = {a0, a1, a2};
    r->argc = 0;
    for (int i = 0; i < 3 && a[i] != NULL; i++)
        snprintf(r->argv[r->argc++], sizeof r->argv[0], "%s", a[i]);
}

/* Append r at out + len as a RESP array of bulk strings, written by
 * mini_redis/resp.c's own encoders; the new length (nothing is appended
 * if it would not fit in BUF_MAX). */
static size_t encode(const req_t *r, char *out, size_t len)
{
    mr_buf_t b = MR_BUF_EMPTY;
    resp_array(&b, (size_t)r->argc);
    for (int i = 0; i < r->argc; i++)
        resp_bulk(&b, r->argv[i], strlen(r->argv[i]));
    size_t n = b.oom || b.len > BUF_MAX - len ? 0 : b.len;
    if (n > 0)
        memcpy(out + len, b.data, n);
    mr_buf_free(&b);
    return len + n;
}

/* Bytes as the lesson prints them: \r and \n spelled out. */
static void print_bytes(FILE *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r')
            fputs("\\r", out);
        else if (p[i] == '\n')
            fputs("\\n", out);
        else
            fputc(p[i], out);
    }
}

static void print_words(FILE *out, const req_t *r)
{
    for (int i = 0; i < r->argc; i++)
        fprintf(out, strchr(r->argv[i], ' ') ? "%s\"%s\"" : "%s%s",
                i ? " " : "", r->argv[i]);
}

/* One of a few everyday requests, on keys k1..k3 and the counter n. */
static void pick_request(quiz_t *q, req_t *r)
{
    char key[16], val[16]; /* room for any int */
    snprintf(key, sizeof key, "k%d", quiz_rng_range(&q->rng, 1, 3));
    snprintf(val, sizeof val, "v%d", quiz_rng_range(&q->rng, 1, 99));
    switch (quiz_rng_range(&q->rng, 0, 5)) {
    case 0:
        req_set(r, "PING", NULL, NULL);
        break;
    case 1:
        req_set(r, "GET", key, NULL);
        break;
    case 2:
    case 3:
        req_set(r, "SET", key, val);
        break;
    case 4:
        req_set(r, "INCR", "n", NULL);
        break;
    default:
        req_set(r, "DEL", key, NULL);
        break;
    }
}

/* ---- replies: a pipelined write ------------------------------------------- */

/* Requests written by hand that the parser refuses. */
static const char *const hostile[] = {
    "*1\r\n$2147483648\r\n",      /* a 2 GB length */
    "*2\r\n$3\r\nGET\r\n$-3\r\n", /* a negative one */
    "*1\r\n$04\r\nPING\r\n",      /* a leading zero */
};

/* Feed buf[0..len) to a parser, as the connection task does with one
 * read, running each request; the steps to q->why. Returns the replies. */
static int feed_and_run(quiz_t *q, const char *buf, size_t len)
{
    mr_db_t *db = malloc(sizeof *db);
    if (db == NULL || mr_db_init(db) != 0) {
        free(db);
        return -ENOMEM;
    }
    mr_session_t s;
    mr_session_init(&s, db);
    resp_parser_t p;
    resp_parser_init(&p, NULL);
    int replies = 0;
    size_t at = 0;
    while (at < len) {
        size_t used = 0;
        resp_status_t st = resp_feed(&p, buf + at, len - at, &used);
        fprintf(q->why, "  resp_feed at byte %3zu: ", at);
        if (st == RESP_COMMAND) {
            size_t before = s.out.len;
            mr_execute(&s, p.argv, p.argc, 0);
            replies++;
            fprintf(q->why, "RESP_COMMAND, %zu bytes, %s -> ", used,
                    p.argv[0].ptr);
            print_bytes(q->why, s.out.data + before, s.out.len - before);
            fputc('\n', q->why);
        } else if (st == RESP_MORE) {
            fprintf(q->why,
                    "RESP_MORE, all %zu bytes kept: not whole yet,\n"
                    "                         no reply until the next "
                    "read brings the rest\n",
                    used);
        } else {
            replies++;
            fprintf(q->why,
                    "RESP_ERROR, reply:\n"
                    "                         -%s\\r\\n\n"
                    "                         and the connection closes: "
                    "nothing after is parsed\n",
                    p.error);
            break;
        }
        at += used;
    }
    resp_parser_free(&p);
    mr_session_free(&s);
    mr_db_destroy(db);
    free(db);
    return replies;
}

static int replies(quiz_t *q)
{
    int n = quiz_rng_range(&q->rng, 2, 5);
    int variant = quiz_rng_range(&q->rng, 0, 2); /* whole, cut, hostile */
    int bad = variant == 2 ? quiz_rng_range(&q->rng, 0, n - 1) : -1;
    const char *h = hostile[quiz_rng_range(&q->rng, 0, 2)];
    char buf[BUF_MAX];
    size_t len = 0, start[MAX_REQS + 1];
    req_t r[MAX_REQS];
    for (int i = 0; i < n; i++) {
        start[i] = len;
        pick_request(q, &r[i]);
        if (i == bad)
            len += (size_t)snprintf(buf + len, BUF_MAX - len, "%s", h);
        else
            len = encode(&r[i], buf, len);
    }
    start[n] = len;
    size_t got = len;
    if (variant == 1) /* the read ends inside the last request */
        got = (size_t)quiz_rng_range(&q->rng, (int)start[n - 1] + 1,
                                     (int)len - 1);

    fprintf(q->setup,
            "A client pipelines %d requests in one write, and mini-redis's "
            "connection task\nreads them with one recv (a fresh connection, "
            "an empty database):\n\n",
            n);
    for (int i = 0; i < n; i++) {
        fprintf(q->setup, "  bytes %3zu-%3zu  ", start[i], start[i + 1] - 1);
        if (i == bad)
            fputs("(written by hand)  ", q->setup);
        else {
            print_words(q->setup, &r[i]);
            fputs("  ", q->setup);
        }
        print_bytes(q->setup, buf + start[i], start[i + 1] - start[i]);
        fputc('\n', q->setup);
    }
    if (got < len)
        fprintf(q->setup,
                "\nThe recv returns the first %zu bytes only: the rest of "
                "the last request is\nstill on its way.\n",
                got);
    else
        fprintf(q->setup, "\nThe recv returns all %zu bytes.\n", len);
    fprintf(q->ask, "how many replies does mini-redis write back before it "
                    "reads again?\n");
    q->form = QUIZ_NUMBER;

    fprintf(q->why,
            "the connection task runs every whole request already read, "
            "each with one\nreply; a request cut short waits for the next "
            "read; a protocol error is\nanswered after the replies before it, "
            "and ends the connection.\n\nThe steps that decide it "
            "(mini_redis/resp.c's resp_feed and commands.c's\n"
            "mr_execute, run on these bytes in this process):\n");
    int n_replies = feed_and_run(q, buf, got);
    if (n_replies < 0)
        return n_replies;
    quiz_answer(q, "%d", n_replies);
    return 0;
}

/* ---- bytes-left: a request cut short -------------------------------------- */

static int bytes_left(quiz_t *q)
{
    static const char *const keys[] = {"greeting", "user:1042", "k",
                                       "session:ab12", "cart"};
    static const char *const vals[] = {"hello", "42", "x", "on the way"};
    char key[24], val[24], ms[16];
    snprintf(key, sizeof key, "%s", keys[quiz_rng_range(&q->rng, 0, 4)]);
    snprintf(val, sizeof val, "%s", vals[quiz_rng_range(&q->rng, 0, 3)]);
    snprintf(ms, sizeof ms, "%d", 100 * quiz_rng_range(&q->rng, 1, 120));
    req_t r;
    switch (quiz_rng_range(&q->rng, 0, 2)) {
    case 0:
        req_set(&r, "SET", key, val);
        snprintf(r.argv[3], sizeof r.argv[0], "PX");
        snprintf(r.argv[4], sizeof r.argv[0], "%s", ms);
        r.argc = 5;
        break;
    case 1:
        req_set(&r, "SET", key, val);
        break;
    default:
        req_set(&r, "GET", key, NULL);
        break;
    }
    char buf[BUF_MAX];
    size_t len = encode(&r, buf, 0);
    size_t cut = (size_t)quiz_rng_range(&q->rng, 1, (int)len - 1);

    fputs("redis-cli sends\n\n  ", q->setup);
    print_words(q->setup, &r);
    fprintf(q->setup,
            "\n\nas one RESP request (an array of bulk strings). The "
            "connection task's recv\nhas brought its first %zu bytes:\n\n  ",
            cut);
    print_bytes(q->setup, buf, cut);
    fputc('\n', q->setup);
    fprintf(q->ask, "how many more bytes must arrive before resp_feed "
                    "returns the request\n(RESP_COMMAND)?\n");
    q->form = QUIZ_NUMBER;

    resp_parser_t p;
    resp_parser_init(&p, NULL);
    size_t used = 0;
    resp_status_t st = resp_feed(&p, buf, cut, &used);
    fprintf(q->why, "the whole request is %zu bytes:\n  ", len);
    print_bytes(q->why, buf, len);
    fprintf(q->why,
            "\nand %zu of them are here. Every '$n' is followed by n bytes "
            "and a CRLF.\n\nThe steps that decide it (mini_redis/resp.c's "
            "resp_feed, run on these bytes in\nthis process):\n"
            "  resp_feed(the first %zu bytes): %s, used %zu: the parser "
            "keeps its place\n  (%zu arguments announced, %zu begun)\n",
            cut, cut, st == RESP_MORE ? "RESP_MORE" : "not MORE", used, p.want,
            p.nargs);
    size_t more = 0;
    for (size_t at = cut; at < len && st == RESP_MORE; at++) {
        more++;
        st = resp_feed(&p, buf + at, 1, &used);
        if (st != RESP_MORE || at == cut) {
            fprintf(q->why, "  then byte %zu ('", at);
            print_bytes(q->why, buf + at, 1);
            fprintf(q->why, "'), one at a time: %s\n",
                    st == RESP_COMMAND ? "RESP_COMMAND"
                    : st == RESP_MORE  ? "RESP_MORE"
                                       : "RESP_ERROR");
        }
    }
    bool whole = st == RESP_COMMAND;
    if (whole)
        fprintf(q->why,
                "  %zu bytes after the first %zu: the request, "
                "argc %zu, argv[0] %s\n",
                more, cut, p.argc, p.argv[0].ptr);
    resp_parser_free(&p);
    if (!whole)
        return -EPROTO; /* the parser disagrees with the encoding: a bug */
    quiz_answer(q, "%zu", more);
    return 0;
}

/* ---- shard: bits 32..37 of the hash --------------------------------------- */

static void print_bits(FILE *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--)
        fputc((v >> i) & 1 ? '1' : '0', out);
}

static int shard(quiz_t *q)
{
    static const char *const prefix[] = {"user:", "session:", "cart:", "k"};
    char key[32];
    snprintf(key, sizeof key, "%s%d", prefix[quiz_rng_range(&q->rng, 0, 3)],
             quiz_rng_range(&q->rng, 1, 9999));
    size_t klen = strlen(key);
    uint64_t h = mr_hash(key, klen);
    mr_keyspace_t *ks = malloc(sizeof *ks);
    if (ks == NULL || mr_ks_init(ks) != 0) {
        free(ks);
        return -ENOMEM;
    }
    uint64_t h2;
    mr_shard_t *s = mr_ks_lock(ks, key, klen, &h2);
    unsigned index = (unsigned)(s - ks->shards);
    mr_ks_unlock(s);
    mr_ks_destroy(ks);
    free(ks);

    fprintf(q->setup,
            "mini-redis's keyspace is %d shards, each a hash table with its "
            "own mutex,\npicked by bits 32..37 of the key's 64-bit hash "
            "(mini_redis/keyspace.h):\n\n  mr_hash(\"%s\") = 0x%016" PRIx64
            "\n",
            MR_SHARDS, key, h);
    fprintf(q->ask, "which shard (0 to %d) holds the key \"%s\"?\n",
            MR_SHARDS - 1, key);
    q->form = QUIZ_NUMBER;
    unsigned high = (unsigned)(h >> 32);
    fprintf(q->why,
            "a shift of 32 keeps the high half, and %d shards are its low "
            "6 bits.\n\nThe steps that decide it (mini_redis/keyspace.c, "
            "run in this process):\n"
            "  hash >> 32         = 0x%08x\n"
            "  its low 6 bits     = 0b",
            MR_SHARDS, high);
    print_bits(q->why, high % MR_SHARDS, 6);
    fprintf(q->why, " = %u\n  mr_ks_lock(ks, \"%s\") locked shards[%u]\n",
            high % MR_SHARDS, key, index);
    if (index != high % MR_SHARDS || h2 != h)
        return -EPROTO;
    quiz_answer(q, "%u", index);
    return 0;
}

/* ---- expiry: a run on the virtual clock ------------------------------------ */

enum { EXP_MAX_KEYS = 5, EXP_MAX_STEPS = 8 };
enum { DO_SET_PX, DO_SET, DO_PEXPIRE, DO_PERSIST, DO_DBSIZE };

typedef struct exp_step {
    uint64_t at; /* ms on the driver's clock */
    int what, key;
    int ms;
} exp_step_t;

typedef struct exp_world {
    mr_db_t db;
    mr_session_t session;
    atomic_bool stop;
    exp_step_t steps[EXP_MAX_STEPS];
    int n_steps;
    long dbsize; /* the DBSIZE reply, -1 until it came */
} exp_world_t;

/* The expiry task: mini_redis/server.c's loop, without its batch limit
 * (a handful of keys) and with the world's stop flag. */
typedef struct exp_task {
    future_t base;
    exp_world_t *w;
    bool waiting, sleep_live, changed_live;
    sleep_t sleep;
    notified_t changed;
} exp_task_t;

static void exp_task_drop(future_t *f)
{
    exp_task_t *e = (exp_task_t *)f;
    if (e->changed_live)
        future_drop(&e->changed.base);
    if (e->sleep_live)
        future_drop(&e->sleep.base);
    e->changed_live = e->sleep_live = false;
}

static poll_t exp_task_poll(future_t *f, context_t *cx)
{
    exp_task_t *e = (exp_task_t *)f;
    mr_keyspace_t *ks = &e->w->db.ks;
    for (;;) {
        if (atomic_load(&e->w->stop)) {
            exp_task_drop(f);
            return POLL_READY;
        }
        if (!e->waiting) {
            atomic_store(&ks->planned, MR_NEVER);
            uint64_t next;
            mr_ks_expire_due(ks, driver_now_ms(driver_current()), SIZE_MAX,
                             &next);
            atomic_store(&ks->planned, next);
            uint64_t until = next >= DRIVER_NEVER ? DRIVER_NEVER : next;
            if (e->sleep_live)
                sleep_reset(&e->sleep, until);
            else
                sleep_until_init(&e->sleep, until);
            e->sleep_live = true;
            notified_init(&e->changed, &ks->changed);
            e->changed_live = e->waiting = true;
        }
        if (future_poll(&e->changed.base, cx) == POLL_READY) {
            e->changed_live = e->waiting = false;
            continue;
        }
        if (future_poll(&e->sleep.base, cx) == POLL_READY) {
            future_drop(&e->changed.base);
            e->changed_live = e->waiting = false;
            continue;
        }
        return POLL_PENDING;
    }
}

/* The client: each step at its time, through mr_execute. */
typedef struct exp_client {
    future_t base;
    exp_world_t *w;
    int i;
    bool napping;
    sleep_t nap;
} exp_client_t;

static void step_request(const exp_step_t *s, req_t *r)
{
    char key[16], ms[16];
    snprintf(key, sizeof key, "k%d", s->key + 1);
    snprintf(ms, sizeof ms, "%d", s->ms);
    switch (s->what) {
    case DO_SET_PX:
        req_set(r, "SET", key, "v");
        snprintf(r->argv[3], sizeof r->argv[0], "PX");
        snprintf(r->argv[4], sizeof r->argv[0], "%s", ms);
        r->argc = 5;
        break;
    case DO_SET:
        req_set(r, "SET", key, "v");
        break;
    case DO_PEXPIRE:
        req_set(r, "PEXPIRE", key, ms);
        break;
    case DO_PERSIST:
        req_set(r, "PERSIST", key, NULL);
        break;
    default:
        req_set(r, "DBSIZE", NULL, NULL);
        break;
    }
}

static void run_step(exp_world_t *w, const exp_step_t *s, uint64_t now)
{
    req_t r;
    step_request(s, &r);
    resp_arg_t argv[MAX_ARGS];
    for (int i = 0; i < r.argc; i++)
        argv[i] = (resp_arg_t){r.argv[i], strlen(r.argv[i])};
    size_t before = w->session.out.len;
    mr_execute(&w->session, argv, (size_t)r.argc, now);
    if (s->what == DO_DBSIZE && w->session.out.len > before)
        w->dbsize = strtol(w->session.out.data + before + 1, NULL, 10);
}

static poll_t exp_client_poll(future_t *f, context_t *cx)
{
    exp_client_t *c = (exp_client_t *)f;
    exp_world_t *w = c->w;
    while (c->i < w->n_steps) {
        const exp_step_t *s = &w->steps[c->i];
        if (!c->napping) {
            sleep_until_init(&c->nap, s->at);
            c->napping = true;
        }
        if (future_poll(&c->nap.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        future_drop(&c->nap.base);
        c->napping = false;
        run_step(w, s, driver_now_ms(driver_current()));
        c->i++;
    }
    atomic_store(&w->stop, true);
    mr_ks_expiry_changed(&w->db.ks); /* the expiry task ends */
    return POLL_READY;
}

static void exp_client_drop(future_t *f)
{
    exp_client_t *c = (exp_client_t *)f;
    if (c->napping)
        future_drop(&c->nap.base);
    c->napping = false;
}

static int start_expiry(executor_t *ex, void *ctx)
{
    exp_world_t *w = ctx;
    exp_task_t t = {.base = {exp_task_poll, exp_task_drop}, .w = w};
    exp_client_t c = {.base = {exp_client_poll, exp_client_drop}, .w = w};
    int err = executor_spawn(ex, &t.base, sizeof t, "redis-expiry", NULL);
    if (err == 0)
        err = executor_spawn(ex, &c.base, sizeof c, "client", NULL);
    return err;
}

static int by_time(const void *a, const void *b)
{
    const exp_step_t *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* The seed's script: each key SET with PX (or without) at a multiple of
 * 50 ms, one PEXPIRE or PERSIST 10 ms past a multiple of 50, and DBSIZE
 * at 25 past one: no step falls on a deadline, so no tie decides. */
static void make_script(quiz_t *q, exp_world_t *w, int keys)
{
    w->n_steps = 0;
    for (int k = 0; k < keys; k++) {
        exp_step_t *s = &w->steps[w->n_steps++];
        s->at = 50u * (unsigned)quiz_rng_range(&q->rng, 0, 6);
        s->key = k;
        s->ms = 50 * quiz_rng_range(&q->rng, 2, 12);
        s->what = quiz_rng_range(&q->rng, 0, 5) == 0 ? DO_SET : DO_SET_PX;
    }
    exp_step_t *x = &w->steps[w->n_steps++];
    x->at = 50u * (unsigned)quiz_rng_range(&q->rng, 2, 8) + 10;
    x->key = quiz_rng_range(&q->rng, 0, keys - 1);
    x->what = quiz_rng_range(&q->rng, 0, 2) == 0 ? DO_PERSIST : DO_PEXPIRE;
    x->ms = 50 * quiz_rng_range(&q->rng, 1, 8);
    exp_step_t *d = &w->steps[w->n_steps++];
    d->at = 50u * (unsigned)quiz_rng_range(&q->rng, 4, 14) + 25;
    d->what = DO_DBSIZE;
    qsort(w->steps, (size_t)w->n_steps, sizeof w->steps[0], by_time);
}

/* What Redis's rules say, without the run: each key's fate at the
 * DBSIZE (dl: its deadline, 0 none, UINT64_MAX gone or never set), and
 * how many keys are left. */
static int expected_left(const exp_world_t *w, uint64_t dl[EXP_MAX_KEYS],
                         int keys, uint64_t at)
{
    bool live[EXP_MAX_KEYS] = {false};
    for (int k = 0; k < keys; k++)
        dl[k] = 0;
    for (int i = 0; i < w->n_steps && w->steps[i].at < at; i++) {
        const exp_step_t *s = &w->steps[i];
        if (s->what == DO_DBSIZE)
            continue;
        int k = s->key;
        if (live[k] && dl[k] != 0 && dl[k] <= s->at)
            live[k] = false; /* gone before this step */
        if (s->what == DO_SET_PX || s->what == DO_SET) {
            live[k] = true;
            dl[k] = s->what == DO_SET ? 0 : s->at + (uint64_t)s->ms;
        } else if (live[k]) {
            dl[k] = s->what == DO_PERSIST ? 0 : s->at + (uint64_t)s->ms;
        }
    }
    int left = 0;
    for (int k = 0; k < keys; k++) {
        if (live[k] && (dl[k] == 0 || dl[k] > at))
            left++;
        else
            dl[k] = UINT64_MAX;
    }
    return left;
}

static int expiry(quiz_t *q)
{
    int keys = quiz_rng_range(&q->rng, 3, EXP_MAX_KEYS);
    exp_world_t *w = calloc(1, sizeof *w);
    if (w == NULL)
        return -ENOMEM;
    int err = mr_db_init(&w->db);
    if (err != 0) {
        free(w);
        return err;
    }
    mr_session_init(&w->session, &w->db);
    atomic_init(&w->stop, false);
    w->dbsize = -1;
    make_script(q, w, keys);
    uint64_t at = w->steps[w->n_steps - 1].at; /* DBSIZE's */
    err = quiz_run_own(&q->run, "redis-expiry", "notify", q->seed, start_expiry,
                       w);
    long got = w->dbsize;
    mr_session_free(&w->session);
    mr_db_destroy(&w->db);
    uint64_t dl[EXP_MAX_KEYS];
    int want = expected_left(w, dl, keys, at);
    if (err == 0 && (q->run.rc != 0 || got != want))
        err = -EPROTO; /* the run and the rules disagree: a bug */

    fprintf(q->setup,
            "mini-redis's keyspace, and an expiry task like "
            "mini_redis/server.c's (t1: it\nsleeps on the timer wheel until "
            "the earliest deadline, or until a writer sets\nan earlier one), "
            "on the notify executor with a virtual clock. A client (t2)\n"
            "sends, each at its time (ms):\n\n");
    for (int i = 0; i < w->n_steps; i++) {
        req_t r;
        step_request(&w->steps[i], &r);
        fprintf(q->setup, "  %5" PRIu64 "  ", w->steps[i].at);
        print_words(q->setup, &r);
        fputc('\n', q->setup);
    }
    fprintf(q->ask, "what does DBSIZE answer at %" PRIu64 " ms?\n", at);
    q->form = QUIZ_NUMBER;
    quiz_answer(q, "%ld", got);

    fputs("a key goes at its deadline (SET's time + PX); PEXPIRE sets a "
          "new one from\nits own time; PERSIST and a SET without PX clear "
          "it; none of them brings back\na key already gone. At ",
          q->why);
    fprintf(q->why, "%" PRIu64 " ms:\n", at);
    for (int k = 0; k < keys; k++) {
        fprintf(q->why, "  k%d ", k + 1);
        if (dl[k] == UINT64_MAX)
            fputs("gone (or never set)\n", q->why);
        else if (dl[k] == 0)
            fputs("left (no deadline)\n", q->why);
        else
            fprintf(q->why, "left (deadline %" PRIu64 ")\n", dl[k]);
    }
    fprintf(q->why,
            "%d left. The expiry task (t1) slept until each earliest "
            "deadline and deleted\nwhat was due when its timer woke it; "
            "the client woke it when it set an earlier\none. DBSIZE counts "
            "what is still in the shards.\n",
            want);

    /* t1's plans (its sleeps) and its wakes: by its timer (a deadline
     * came) or by the client (an earlier one was set), until the DBSIZE
     * poll: the client's wake by the timer due at `at`. */
    size_t ask = 0;
    for (size_t k = 1; k <= q->run.n && ask == 0; k++) {
        const trace_event_t *ev = quiz_ev(&q->run, k);
        if (ev->kind == TRACE_WAKE && ev->a == TRACE_BY_TIMER &&
            ev->task == 2 && ev->time_ns / 1000000u == at)
            ask = k;
        else if (ev->kind == TRACE_WAKE && ev->task == 1)
            quiz_prove(q, k);
        else if (ev->kind == TRACE_TIMER_ADD && ev->task == 1)
            quiz_prove(q, k);
    }
    size_t poll = quiz_next(&q->run, ask, TRACE_POLL_START, 2);
    if (ask == 0 || poll == 0)
        err = err != 0 ? err : -EPROTO;
    quiz_prove(q, ask);
    quiz_prove(q, poll);
    q->reveal = poll;
    free(w);
    return err;
}

const quiz_kind_t quiz_kinds_redis[] = {
    {18, "replies", "a pipelined write: how many replies come back", replies},
    {18, "bytes-left", "a request cut short: bytes until resp_feed has it",
     bytes_left},
    {18, "shard", "which of the 64 shards a key's hash picks", shard},
    {18, "expiry", "SETs with PX on a virtual clock: what DBSIZE says", expiry},
    {0, NULL, NULL, NULL},
};
