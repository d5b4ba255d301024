/*
 * fuzz/fuzz_resp.c - libFuzzer harness for mini-redis's request path: the
 * RESP2 parser (mini_redis/resp.c) and every command it hands out
 * (mini_redis/commands.c), as a connection's task runs them.
 *
 *   make fuzz                                 every harness (tools/fuzz.sh)
 *   build/fuzz/fuzz_resp fuzz/corpus/resp     this one by hand
 *
 * The input's first byte picks a chunk size; the rest is the byte stream
 * of one connection. It is parsed twice: whole, and in chunks of that
 * size (a read that can end anywhere). Both must hand out the same
 * requests and end the same way (more, or the same error): a
 * difference is a crash (abort). Each request of the whole pass is run
 * against a keyspace shared by all inputs (flushed after each), with a
 * second session that publishes to the first. Limits are small so that
 * the fuzzer reaches them.
 *
 * A failure is a crash, a leak, undefined behaviour, an error message
 * that is empty or longer than one line, or the two passes disagreeing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mini_redis/commands.h"
#include "mini_redis/resp.h"

static const resp_limits_t limits = {
    .max_bulk = 4096,
    .max_args = 64,
    .max_inline = 1024,
    .max_request = 16384,
};

static mr_db_t *db;

/* FNV-1a over each request's arguments, with their lengths. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3u;
    }
    return h;
}

typedef struct pass {
    uint64_t hash;     /* of every request handed out, in order */
    size_t requests;
    resp_status_t end; /* RESP_MORE or RESP_ERROR */
    char error[96];
} pass_t;

static void parse(const uint8_t *data, size_t size, size_t chunk, pass_t *out,
                  mr_session_t *run_on)
{
    resp_parser_t p;
    resp_parser_init(&p, &limits);
    *out = (pass_t){.hash = 0xcbf29ce484222325u, .end = RESP_MORE};
    size_t pos = 0;
    uint64_t now = 1000;
    while (pos < size && out->end == RESP_MORE) {
        size_t n = size - pos < chunk ? size - pos : chunk;
        size_t off = 0;
        while (off < n) {
            size_t used;
            resp_status_t st = resp_feed(&p, (const char *)data + pos + off,
                                         n - off, &used);
            if (used > n - off)
                abort();
            off += used;
            if (st == RESP_ERROR) {
                out->end = RESP_ERROR;
                snprintf(out->error, sizeof out->error, "%s", p.error);
                break;
            }
            if (st != RESP_COMMAND)
                continue;
            if (p.argc == 0)
                abort(); /* an empty request is skipped, never handed out */
            out->requests++;
            out->hash = mix(out->hash, &p.argc, sizeof p.argc);
            for (size_t i = 0; i < p.argc; i++) {
                if (p.argv[i].ptr[p.argv[i].len] != '\0')
                    abort();
                out->hash = mix(out->hash, &p.argv[i].len, sizeof(size_t));
                out->hash = mix(out->hash, p.argv[i].ptr, p.argv[i].len);
            }
            if (run_on != NULL) {
                run_on->out.len = 0;
                mr_execute(run_on, p.argv, p.argc, now);
                now += 7; /* time moves: deadlines pass */
                if (run_on->out.len == 0 && !run_on->out.oom)
                    abort(); /* every request gets a reply */
            }
        }
        pos += n;
    }
    if (out->end == RESP_ERROR &&
        (out->error[0] == '\0' || strchr(out->error, '\n') != NULL))
        abort();
    resp_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (db == NULL) {
        db = malloc(sizeof *db);
        if (db == NULL || mr_db_init(db) != 0)
            abort();
    }
    if (size == 0)
        return 0;
    size_t chunk = (size_t)(data[0] % 16) + 1;
    data++;
    size--;

    mr_session_t s, other;
    mr_session_init(&s, db);
    mr_session_init(&other, db);
    pass_t whole, split;
    parse(data, size, size == 0 ? 1 : size, &whole, &s);
    parse(data, size, chunk, &split, NULL);
    if (whole.hash != split.hash || whole.requests != split.requests ||
        whole.end != split.end || strcmp(whole.error, split.error) != 0)
        abort();

    /* What a subscriber of this input would receive. */
    if (mr_session_subscribed(&s)) {
        resp_arg_t pub[3] = {{"PUBLISH", 7},
                             {s.subs[0], s.sublens[0]},
                             {"fuzz", 4}};
        mr_execute(&other, pub, 3, 0);
    }
    mr_session_free(&other);
    mr_session_free(&s);
    mr_ks_flush(&db->ks);
    return 0;
}
