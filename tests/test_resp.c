/*
 * tests/test_resp.c - mini_redis/: the RESP2 parser (whole requests,
 * every split point, pipelining, every hostile input the server must
 * refuse), the reply encoders, the keyspace and its expiry heap, the
 * commands, and pub/sub's wake.
 *
 * One test: ./build/tests/test_resp resp_every_split_point
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/waker.h"
#include "mini_redis/commands.h"
#include "mini_redis/keyspace.h"
#include "mini_redis/pubsub.h"
#include "mini_redis/resp.h"

/* ---- helpers ------------------------------------------------------------- */

/* Every request in buf fed in chunks of `chunk` bytes (0: all at once),
 * written as "argc:arg|arg|...;" per request into out. Returns RESP_ERROR
 * at an error, else RESP_MORE (every byte consumed). */
static resp_status_t parse_all(resp_parser_t *p, const char *buf, size_t len,
                               size_t chunk, char *out, size_t outlen)
{
    size_t pos = 0, o = 0;
    out[0] = '\0';
    resp_status_t st = RESP_MORE;
    while (pos < len) {
        size_t n = chunk == 0 || len - pos < chunk ? len - pos : chunk;
        size_t off = 0;
        while (off < n) {
            size_t used;
            st = resp_feed(p, buf + pos + off, n - off, &used);
            off += used;
            if (st == RESP_ERROR)
                return st;
            if (st == RESP_COMMAND) {
                o += (size_t)snprintf(out + o, outlen - o, "%zu:", p->argc);
                for (size_t i = 0; i < p->argc; i++) {
                    assert_int_equal(p->argv[i].ptr[p->argv[i].len], '\0');
                    o += (size_t)snprintf(out + o, outlen - o, "%s%.*s",
                                          i ? "|" : "", (int)p->argv[i].len,
                                          p->argv[i].ptr);
                }
                o += (size_t)snprintf(out + o, outlen - o, ";");
            }
        }
        pos += n;
    }
    return st == RESP_COMMAND ? RESP_MORE : st; /* ended on a whole one */
}

static const char *error_of(const char *input, size_t len,
                            const resp_limits_t *limits, resp_parser_t *p)
{
    resp_parser_init(p, limits);
    char out[256];
    resp_status_t st = parse_all(p, input, len, 0, out, sizeof out);
    return st == RESP_ERROR ? p->error : NULL;
}

#define ERROR_OF(lit, limits, p) error_of(lit, sizeof lit - 1, limits, p)

/* ---- the parser ----------------------------------------------------------- */

static void resp_parses_a_request(void **state)
{
    (void)state;
    resp_parser_t p;
    resp_parser_init(&p, NULL);
    const char req[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    size_t used;
    assert_int_equal(resp_feed(&p, req, sizeof req - 1, &used), RESP_COMMAND);
    assert_int_equal(used, sizeof req - 1);
    assert_int_equal(p.argc, 3);
    assert_memory_equal(p.argv[0].ptr, "SET", 3);
    assert_memory_equal(p.argv[2].ptr, "value", 5);
    assert_int_equal(p.argv[2].len, 5);
    assert_false(resp_parser_busy(&p));
    resp_parser_free(&p);
}

/* Requests of every kind, cut at each byte: the same requests come out. */
static void resp_every_split_point(void **state)
{
    (void)state;
    static const char input[] =
        "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
        "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$6\r\na\r\nb\0c\r\n" /* CRLF, NUL inside */
        "*-1\r\n*0\r\n"                                  /* skipped */
        "PING\r\n"
        "ECHO \"a b\" 'c\\'d' \"\\x41\\n\"\n"
        "\r\n"                                           /* skipped */
        "*1\r\n$4\r\nPING\r\n";
    const size_t len = sizeof input - 1;
    resp_parser_t p;
    char want[512], got[512];
    resp_parser_init(&p, NULL);
    assert_int_equal(parse_all(&p, input, len, 0, want, sizeof want), RESP_MORE);
    resp_parser_free(&p);
    assert_string_equal(want, "2:GET|k;3:SET||a\r\nb;1:PING;4:ECHO|a b|c'd|A\n;"
                              "1:PING;");
    /* (%.*s stops at the value's NUL: "a\r\nb\0c" prints as "a\r\nb";
     * resp_keeps_binary_values checks all six bytes.) */
    for (size_t cut = 1; cut < len; cut++) {
        resp_parser_init(&p, NULL);
        char part1[512], part2[512];
        assert_int_not_equal(parse_all(&p, input, cut, 0, part1, sizeof part1),
                             RESP_ERROR);
        assert_int_equal(parse_all(&p, input + cut, len - cut, 0, part2,
                                   sizeof part2),
                         RESP_MORE);
        size_t l1 = strlen(part1), l2 = strlen(part2);
        assert_true(l1 + l2 < sizeof got);
        memcpy(got, part1, l1);
        memcpy(got + l1, part2, l2 + 1);
        assert_string_equal(got, want);
        resp_parser_free(&p);
    }
    for (size_t chunk = 1; chunk <= 7; chunk++) {
        resp_parser_init(&p, NULL);
        assert_int_equal(parse_all(&p, input, len, chunk, got, sizeof got),
                         RESP_MORE);
        assert_string_equal(got, want);
        resp_parser_free(&p);
    }
}

static void resp_keeps_binary_values(void **state)
{
    (void)state;
    static const char req[] = "*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\0c\r\n";
    resp_parser_t p;
    resp_parser_init(&p, NULL);
    size_t used;
    for (size_t i = 0; i < sizeof req - 2; i++) { /* one byte at a time */
        assert_int_equal(resp_feed(&p, req + i, 1, &used), RESP_MORE);
        assert_int_equal(used, 1);
    }
    assert_int_equal(resp_feed(&p, req + sizeof req - 2, 1, &used),
                     RESP_COMMAND);
    assert_int_equal(p.argv[1].len, 6);
    assert_memory_equal(p.argv[1].ptr, "a\r\nb\0c", 6);
    resp_parser_free(&p);
}

/* Pipelining: RESP_COMMAND stops right after each request. */
static void resp_pipelined_requests_one_at_a_time(void **state)
{
    (void)state;
    char buf[10000 * 14 + 1];
    size_t len = 0;
    for (int i = 0; i < 10000; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len,
                                "*1\r\n$4\r\nPING\r\n");
    resp_parser_t p;
    resp_parser_init(&p, NULL);
    size_t pos = 0, n = 0, used;
    while (pos < len) {
        resp_status_t st = resp_feed(&p, buf + pos, len - pos, &used);
        pos += used;
        if (st == RESP_COMMAND) {
            n++;
            assert_int_equal(used, 14);
        } else {
            assert_int_equal(st, RESP_MORE);
        }
    }
    assert_int_equal(n, 10000);
    assert_int_equal(p.commands, 10000);
    resp_parser_free(&p);
}

static void resp_refuses_hostile_lengths(void **state)
{
    (void)state;
    resp_parser_t p;
    const char *bulk = "ERR Protocol error: invalid bulk length";
    const char *multi = "ERR Protocol error: invalid multibulk length";
    assert_string_equal(ERROR_OF("*1\r\n$2147483648\r\n", NULL, &p), bulk);
    assert_null(p.arena); /* nothing allocated for a length */
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$-1\r\n", NULL, &p), bulk);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$-5\r\n", NULL, &p), bulk);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$-0\r\n", NULL, &p), bulk);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$01\r\n", NULL, &p), bulk);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$\r\n", NULL, &p), bulk);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$+1\r\n", NULL, &p), bulk);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$1x\r\n", NULL, &p), bulk);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$1\rx", NULL, &p), bulk);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$99999999999999999999\r\n", NULL, &p),
                        bulk);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*-0\r\n", NULL, &p), multi);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*abc\r\n", NULL, &p), multi);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*\r\n", NULL, &p), multi);
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*3000000000\r\n", NULL, &p), multi);
    assert_null(p.offs); /* nothing allocated for a count either */
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*2\r\n:4\r\n", NULL, &p),
                        "ERR Protocol error: expected '$', got ':'");
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$1\r\nab", NULL, &p),
                        "ERR Protocol error: expected CRLF after a bulk "
                        "string");
    resp_parser_free(&p);
}

static void resp_enforces_its_limits(void **state)
{
    (void)state;
    resp_limits_t lim = {.max_bulk = 8, .max_args = 3, .max_inline = 16,
                         .max_request = 20};
    resp_parser_t p;
    assert_string_equal(ERROR_OF("*4\r\n", &lim, &p),
                        "ERR Protocol error: invalid multibulk length");
    resp_parser_free(&p);
    assert_null(ERROR_OF("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", &lim, &p));
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("*1\r\n$9\r\n", &lim, &p),
                        "ERR Protocol error: invalid bulk length");
    resp_parser_free(&p);
    assert_null(ERROR_OF("*1\r\n$8\r\n12345678\r\n", &lim, &p));
    resp_parser_free(&p);
    assert_string_equal(
        ERROR_OF("*3\r\n$8\r\n12345678\r\n$8\r\n12345678\r\n$2\r\n", &lim, &p),
        "ERR Protocol error: request longer than 20 bytes");
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("AAAAAAAAAAAAAAAAA", &lim, &p),
                        "ERR Protocol error: too big inline request");
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("a b c d\r\n", &lim, &p),
                        "ERR Protocol error: too many arguments");
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("ECHO \"abc\r\n", NULL, &p),
                        "ERR Protocol error: unbalanced quotes in request");
    resp_parser_free(&p);
    assert_string_equal(ERROR_OF("ECHO \"abc\"d\r\n", NULL, &p),
                        "ERR Protocol error: unbalanced quotes in request");
    resp_parser_free(&p);
}

/* After an error the parser stays stuck: the stream cannot be trusted. */
static void resp_error_is_final(void **state)
{
    (void)state;
    resp_parser_t p;
    assert_non_null(ERROR_OF("*1\r\n$-3\r\n", NULL, &p));
    size_t used = 99;
    assert_int_equal(resp_feed(&p, "PING\r\n", 6, &used), RESP_ERROR);
    assert_int_equal(used, 0);
    resp_parser_free(&p);
}

/* A big request's arena is let go before the next one. */
static void resp_frees_a_big_arena_after_use(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *req = malloc(n + 64);
    assert_non_null(req);
    int h = snprintf(req, 64, "*1\r\n$%zu\r\n", n);
    memset(req + h, 'x', n);
    memcpy(req + h + n, "\r\n", 2);
    resp_parser_t p;
    resp_parser_init(&p, NULL);
    size_t used;
    assert_int_equal(resp_feed(&p, req, (size_t)h + n + 2, &used), RESP_COMMAND);
    assert_true(p.arena_cap >= n);
    assert_int_equal(resp_feed(&p, "PI", 2, &used), RESP_MORE);
    assert_true(p.arena_cap <= 64 << 10);
    resp_parser_free(&p);
    free(req);
}

static void resp_parse_int64_is_redis_strict(void **state)
{
    (void)state;
    int64_t v;
    assert_true(resp_parse_int64("0", 1, &v) && v == 0);
    assert_true(resp_parse_int64("-12", 3, &v) && v == -12);
    assert_true(resp_parse_int64("9223372036854775807", 19, &v) &&
                v == INT64_MAX);
    assert_true(resp_parse_int64("-9223372036854775808", 20, &v) &&
                v == INT64_MIN);
    assert_false(resp_parse_int64("9223372036854775808", 19, &v));
    assert_false(resp_parse_int64("01", 2, &v));
    assert_false(resp_parse_int64("-0", 2, &v));
    assert_false(resp_parse_int64("+1", 2, &v));
    assert_false(resp_parse_int64(" 1", 2, &v));
    assert_false(resp_parse_int64("", 0, &v));
    assert_false(resp_parse_int64("-", 1, &v));
    assert_false(resp_parse_int64("1a", 2, &v));
}

static void resp_encodes_replies(void **state)
{
    (void)state;
    mr_buf_t b = MR_BUF_EMPTY;
    resp_simple(&b, "OK");
    resp_integer(&b, -42);
    resp_integer(&b, INT64_MIN);
    resp_bulk(&b, "hi", 2);
    resp_nil(&b);
    resp_array(&b, 3);
    resp_error(&b, "ERR bad\r\nline");
    const char want[] = "+OK\r\n:-42\r\n:-9223372036854775808\r\n$2\r\nhi\r\n"
                        "$-1\r\n*3\r\n-ERR bad  line\r\n";
    assert_int_equal(b.len, sizeof want - 1);
    assert_memory_equal(b.data, want, b.len);
    mr_buf_free(&b);
}

/* ---- the keyspace ---------------------------------------------------------- */

static void keyspace_set_find_delete(void **state)
{
    (void)state;
    mr_keyspace_t *ks = malloc(sizeof *ks);
    assert_int_equal(mr_ks_init(ks), 0);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "key:%d", i);
        uint64_t h;
        mr_shard_t *s = mr_ks_lock(ks, key, (size_t)n, &h);
        assert_null(mr_shard_find(s, h, key, (size_t)n, 0));
        mr_entry_t *e = mr_shard_insert(s, h, key, (size_t)n);
        assert_non_null(e);
        assert_true(mr_entry_set_value(e, key, (size_t)n));
        mr_ks_unlock(s);
    }
    assert_int_equal(mr_ks_count(ks), 5000);
    for (int i = 0; i < 5000; i += 2) {
        int n = snprintf(key, sizeof key, "key:%d", i);
        uint64_t h;
        mr_shard_t *s = mr_ks_lock(ks, key, (size_t)n, &h);
        mr_entry_t *e = mr_shard_find(s, h, key, (size_t)n, 0);
        assert_non_null(e);
        assert_memory_equal(e->val, key, (size_t)n);
        mr_shard_delete(s, e);
        mr_ks_unlock(s);
    }
    assert_int_equal(mr_ks_count(ks), 2500);
    mr_ks_flush(ks);
    assert_int_equal(mr_ks_count(ks), 0);
    mr_ks_destroy(ks);
    free(ks);
}

/* Deadlines: lazily at a find, actively in deadline order, and a new
 * deadline before the planned one asks for the expiry task. */
static void keyspace_expiry_heap(void **state)
{
    (void)state;
    mr_keyspace_t *ks = malloc(sizeof *ks);
    assert_int_equal(mr_ks_init(ks), 0);
    atomic_store(&ks->planned, 500);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        uint64_t h;
        mr_shard_t *s = mr_ks_lock(ks, key, (size_t)n, &h);
        mr_entry_t *e = mr_shard_insert(s, h, key, (size_t)n);
        /* deadlines 1000, 999, ... 1 in a scrambled order */
        uint64_t at = (uint64_t)((i * 7919) % 1000) + 1;
        assert_int_equal(mr_shard_set_expire(ks, s, e, at), at < 500);
        mr_ks_unlock(s);
    }
    uint64_t next;
    assert_int_equal(mr_ks_expire_due(ks, 100, 10000, &next), 100);
    assert_int_equal(next, 101);
    assert_int_equal(mr_ks_expire_due(ks, 300, 50, &next), 50); /* max */
    assert_int_equal(mr_ks_expire_due(ks, 300, 10000, &next), 150);
    assert_int_equal(next, 301);
    assert_int_equal(mr_ks_count(ks), 700);
    /* lazily: a find at 400 deletes k with deadline <= 400 */
    int found = 0;
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        uint64_t h;
        mr_shard_t *s = mr_ks_lock(ks, key, (size_t)n, &h);
        found += mr_shard_find(s, h, key, (size_t)n, 400) != NULL;
        mr_ks_unlock(s);
    }
    assert_int_equal(found, 600);
    assert_int_equal(mr_ks_count(ks), 600);
    assert_int_equal(mr_ks_expire_due(ks, 2000, 10000, &next), 600);
    assert_int_equal(next, MR_NEVER);
    mr_ks_destroy(ks);
    free(ks);
}

/* ---- commands --------------------------------------------------------------- */

typedef struct fixture {
    mr_db_t db;
    mr_session_t s;
} fixture_t;

/* Run one inline command line; return the reply bytes (static). */
static const char *run(fixture_t *f, const char *line, uint64_t now)
{
    static char out[4096];
    resp_parser_t p;
    resp_parser_init(&p, NULL);
    char req[512];
    int n = snprintf(req, sizeof req, "%s\r\n", line);
    size_t used;
    assert_int_equal(resp_feed(&p, req, (size_t)n, &used), RESP_COMMAND);
    f->s.out.len = 0;
    mr_execute(&f->s, p.argv, p.argc, now);
    assert_true(f->s.out.len < sizeof out);
    memcpy(out, f->s.out.data, f->s.out.len);
    out[f->s.out.len] = '\0';
    resp_parser_free(&p);
    return out;
}

static int fixture_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (f == NULL || mr_db_init(&f->db) != 0)
        return -1;
    mr_session_init(&f->s, &f->db);
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    fixture_t *f = *state;
    mr_session_free(&f->s);
    mr_db_destroy(&f->db);
    free(f);
    return 0;
}

static void commands_strings_and_errors(void **state)
{
    fixture_t *f = *state;
    assert_string_equal(run(f, "PING", 0), "+PONG\r\n");
    assert_string_equal(run(f, "set k v", 0), "+OK\r\n");
    assert_string_equal(run(f, "GET k", 0), "$1\r\nv\r\n");
    assert_string_equal(run(f, "GET nope", 0), "$-1\r\n");
    assert_string_equal(run(f, "SET k w NX", 0), "$-1\r\n");
    assert_string_equal(run(f, "SET k w XX GET", 0), "$1\r\nv\r\n");
    assert_string_equal(run(f, "SET k w NX XX", 0), "-ERR syntax error\r\n");
    assert_string_equal(run(f, "SET k w EX 0", 0),
                        "-ERR invalid expire time in 'set' command\r\n");
    assert_string_equal(run(f, "SET k w EX x", 0),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(run(f, "GET", 0),
                        "-ERR wrong number of arguments for 'get' command\r\n");
    assert_string_equal(run(f, "nosuch a b", 0),
                        "-ERR unknown command 'nosuch', with args beginning "
                        "with: 'a' 'b' \r\n");
    assert_string_equal(run(f, "INCR k", 0),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(run(f, "INCR n", 0), ":1\r\n");
    assert_string_equal(run(f, "INCRBY n 41", 0), ":42\r\n");
    assert_string_equal(run(f, "SET n 9223372036854775807", 0), "+OK\r\n");
    assert_string_equal(run(f, "INCR n", 0),
                        "-ERR increment or decrement would overflow\r\n");
    assert_string_equal(run(f, "EXISTS k n k x", 0), ":3\r\n");
    assert_string_equal(run(f, "DEL k n x", 0), ":2\r\n");
    assert_string_equal(run(f, "DBSIZE", 0), ":0\r\n");
}

static void commands_ttl_on_the_clock_given(void **state)
{
    fixture_t *f = *state;
    assert_string_equal(run(f, "SET k v PX 1500", 1000), "+OK\r\n");
    assert_string_equal(run(f, "TTL k", 1000), ":2\r\n"); /* 1.5 s rounds up */
    assert_string_equal(run(f, "PTTL k", 1400), ":1100\r\n");
    assert_string_equal(run(f, "GET k", 2499), "$1\r\nv\r\n");
    assert_string_equal(run(f, "GET k", 2500), "$-1\r\n"); /* at the deadline */
    assert_string_equal(run(f, "TTL k", 2500), ":-2\r\n");
    assert_string_equal(run(f, "SET k v", 3000), "+OK\r\n");
    assert_string_equal(run(f, "TTL k", 3000), ":-1\r\n");
    assert_string_equal(run(f, "EXPIRE k 10 XX", 3000), ":0\r\n");
    assert_string_equal(run(f, "EXPIRE k 10 LT", 3000), ":1\r\n");
    assert_string_equal(run(f, "EXPIRE k 20 GT", 3000), ":1\r\n");
    assert_string_equal(run(f, "EXPIRE k 5 GT", 3000), ":0\r\n");
    assert_string_equal(run(f, "TTL k", 3000), ":20\r\n");
    assert_string_equal(run(f, "PERSIST k", 3000), ":1\r\n");
    assert_string_equal(run(f, "EXPIRE k 0", 3000), ":1\r\n");
    assert_string_equal(run(f, "EXISTS k", 3000), ":0\r\n");
}

/* ---- pub/sub ---------------------------------------------------------------- */

static void pubsub_publish_wakes_the_subscriber(void **state)
{
    fixture_t *f = *state;
    counting_waker_t counts = {0};
    waker_t w = counting_waker(&counts);
    context_t cx = {&w};
    assert_string_equal(run(f, "SUBSCRIBE news", 0),
                        "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
    assert_string_equal(run(f, "GET x", 0),
                        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / "
                        "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
                        "this context\r\n");
    assert_string_equal(run(f, "PING", 0),
                        "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    mr_buf_t out = MR_BUF_EMPTY;
    bool cut;
    /* Nothing yet: the waker is kept. */
    assert_false(mr_mailbox_take(f->s.mailbox, &out, &cx, &cut));
    assert_int_equal(atomic_load(&counts.live), 2);
    /* Another connection publishes. */
    mr_session_t pub;
    mr_session_init(&pub, &f->db);
    resp_arg_t args[3] = {{"PUBLISH", 7}, {"news", 4}, {"hi", 2}};
    mr_execute(&pub, args, 3, 0);
    assert_int_equal(pub.out.len, 4);
    assert_memory_equal(pub.out.data, ":1\r\n", 4);
    assert_int_equal(atomic_load(&counts.wakes), 1);
    assert_true(mr_mailbox_take(f->s.mailbox, &out, &cx, &cut));
    assert_false(cut);
    const char want[] = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n";
    assert_int_equal(out.len, sizeof want - 1);
    assert_memory_equal(out.data, want, out.len);
    assert_string_equal(run(f, "UNSUBSCRIBE", 0),
                        "*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:0\r\n");
    pub.out.len = 0;
    mr_execute(&pub, args, 3, 0);
    assert_memory_equal(pub.out.data, ":0\r\n", 4);
    mr_session_free(&pub);
    mr_buf_free(&out);
    mr_mailbox_forget_waker(f->s.mailbox);
    waker_drop(&w);
    assert_int_equal(atomic_load(&counts.live), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resp_parses_a_request),
        cmocka_unit_test(resp_every_split_point),
        cmocka_unit_test(resp_keeps_binary_values),
        cmocka_unit_test(resp_pipelined_requests_one_at_a_time),
        cmocka_unit_test(resp_refuses_hostile_lengths),
        cmocka_unit_test(resp_enforces_its_limits),
        cmocka_unit_test(resp_error_is_final),
        cmocka_unit_test(resp_frees_a_big_arena_after_use),
        cmocka_unit_test(resp_parse_int64_is_redis_strict),
        cmocka_unit_test(resp_encodes_replies),
        cmocka_unit_test(keyspace_set_find_delete),
        cmocka_unit_test(keyspace_expiry_heap),
        cmocka_unit_test_setup_teardown(commands_strings_and_errors,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(commands_ttl_on_the_clock_given,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(pubsub_publish_wakes_the_subscriber,
                                        fixture_setup, fixture_teardown),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("resp", tests, NULL, NULL);
}
