/*
 * mini_redis/resp.h - RESP2, the protocol redis-cli speaks: a streaming
 * request parser and the reply encoders.
 *
 * A request is an array of bulk strings (or, typed by hand into nc, one
 * "inline" line of words):
 *
 *     *2\r\n $3\r\n GET\r\n $3\r\n key\r\n        GET key
 *     ^ count  ^ length, then that many bytes, then CRLF
 *
 * TCP delivers bytes, not requests: one read may end in the middle of a
 * length, and the next may hold the end of that request and three more
 * (pipelining). So the parser is a state machine, like a future: it
 * takes whatever bytes arrived, remembers exactly where it stopped, and
 * goes on from there with the next read. It never looks back at bytes it
 * has consumed and never needs the whole request in one buffer.
 *
 *   START ──'*'──> COUNT ──CRLF──> DOLLAR ──'$'──> LENGTH ──CRLF──> DATA
 *     │                              ^                               │
 *     │ other byte                   └──── CR LF ── more args ───────┘
 *     v                                                last arg: COMMAND
 *   INLINE ──LF──> COMMAND (the line split into words)
 *
 *     resp_parser_t p;
 *     resp_parser_init(&p, NULL);                 // default limits
 *     size_t used;
 *     switch (resp_feed(&p, buf, n, &used)) {     // as bytes arrive
 *     case RESP_COMMAND: run(p.argv, p.argc); ... // buf + used: the rest
 *     case RESP_MORE:    ...                      // all n bytes kept
 *     case RESP_ERROR:   reply p.error, close     // the stream is lost
 *     }
 *
 * Arguments are copied into an arena the parser owns, so they stay valid
 * after the read buffer is reused, until the next resp_feed. Each is
 * followed by a NUL byte (not counted in its length).
 *
 * Hostile input is bounded by resp_limits_t: a 2 GB length is refused on
 * sight (nothing is allocated for a length, only for bytes that arrive),
 * as are too many arguments, a too long inline line and a request whose
 * arguments together pass max_request. Each breach is RESP_ERROR with a
 * one-line message in the words Redis uses where it has one ("Protocol
 * error: invalid bulk length"); the caller answers it and closes.
 *
 * Threads: none; a parser belongs to one connection.
 *
 * Tests: tests/test_resp.c; fuzz/fuzz_resp.c.
 */
#ifndef ASYNCLAB_MINI_REDIS_RESP_H
#define ASYNCLAB_MINI_REDIS_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct resp_limits {
    size_t max_bulk;    /* bytes of one argument */
    size_t max_args;    /* arguments of one request */
    size_t max_inline;  /* bytes of one inline line */
    size_t max_request; /* bytes of one request's arguments together */
} resp_limits_t;

#define RESP_MAX_BULK    (16u << 20) /* 16 MiB */
#define RESP_MAX_ARGS    65536u
#define RESP_MAX_INLINE  (64u << 10) /* 64 KiB, as Redis */
#define RESP_MAX_REQUEST (32u << 20) /* 32 MiB */

extern const resp_limits_t resp_default_limits;

typedef enum resp_status {
    RESP_MORE = 0, /* every byte given was consumed; feed more */
    RESP_COMMAND,  /* a request is complete: argc, argv */
    RESP_ERROR,    /* a protocol error: error says which; stop reading */
} resp_status_t;

typedef struct resp_arg {
    const char *ptr; /* NUL-terminated (the NUL is not in len) */
    size_t len;
} resp_arg_t;

typedef struct resp_parser {
    resp_limits_t limits;
    uint8_t state;   /* where the next byte goes (resp.c) */
    bool negative;   /* the number being read had a '-' */
    uint8_t digits;  /* digits of it so far */
    uint64_t number; /* its value so far */
    size_t want;     /* arguments the request announced */
    size_t bulk_left; /* bytes of the current argument still to come */

    /* The arena: the arguments' bytes, each followed by a NUL. */
    char *arena;
    size_t arena_len, arena_cap;
    size_t *offs;     /* where argument i starts in the arena */
    size_t args_cap;  /* room in offs and argv */
    size_t nargs;     /* arguments complete (or begun) so far */
    bool handed_out;  /* the last feed returned a request: the next one
                         starts by forgetting it */

    /* After RESP_COMMAND: the request, valid until the next resp_feed.
     * (While parsing, argv[i].len is already the i-th length.) */
    size_t argc;
    resp_arg_t *argv;

    /* After RESP_ERROR: why, without the leading '-' ("ERR Protocol
     * error: invalid bulk length"). */
    char error[96];

    uint64_t commands; /* requests completed, for the curious */
} resp_parser_t;

/* limits NULL: resp_default_limits. Allocates nothing yet. */
void resp_parser_init(resp_parser_t *p, const resp_limits_t *limits);

/* Free the arena. The parser may be initialised again afterwards. */
void resp_parser_free(resp_parser_t *p);

/*
 * Consume bytes from buf[0..len): *used says how many. RESP_COMMAND stops
 * right after the request's last byte (the rest is for the next call);
 * RESP_MORE has used all len bytes; RESP_ERROR leaves the parser stuck
 * (every later call is RESP_ERROR again). len 0 is fine.
 */
resp_status_t resp_feed(resp_parser_t *p, const char *buf, size_t len,
                        size_t *used);

/* True when the parser holds part of a request (bytes since the last one). */
bool resp_parser_busy(const resp_parser_t *p);

/* ---- replies -------------------------------------------------------------- */

/*
 * A growable output buffer. Appends never fail loudly: out of memory sets
 * oom, later appends do nothing, and the owner closes the connection.
 */
typedef struct mr_buf {
    char *data;
    size_t len, cap;
    bool oom;
} mr_buf_t;

#define MR_BUF_EMPTY ((mr_buf_t){NULL, 0, 0, false})

void mr_buf_free(mr_buf_t *b);
/* Room for extra more bytes; false (and oom) when there is none. */
bool mr_buf_reserve(mr_buf_t *b, size_t extra);
void mr_buf_append(mr_buf_t *b, const void *p, size_t n);

void resp_simple(mr_buf_t *b, const char *s);         /* +s\r\n */
void resp_error(mr_buf_t *b, const char *msg);        /* -msg\r\n */
void resp_errorf(mr_buf_t *b, const char *fmt, ...)   /* -...\r\n */
    __attribute__((format(printf, 2, 3)));
void resp_integer(mr_buf_t *b, int64_t v);            /* :v\r\n */
void resp_bulk(mr_buf_t *b, const void *p, size_t n); /* $n\r\n...\r\n */
void resp_nil(mr_buf_t *b);                           /* $-1\r\n */
void resp_array(mr_buf_t *b, size_t n);               /* *n\r\n */

/*
 * Redis's integer syntax (string2ll): an optional '-', then digits with
 * no leading zero (except "0" itself), no '+', no spaces, within int64.
 * True and *out set, or false.
 */
bool resp_parse_int64(const char *s, size_t len, int64_t *out);

#endif
