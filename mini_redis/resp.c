/*
 * mini_redis/resp.c - the RESP2 request parser and the reply encoders.
 *
 * One byte at a time through the header states (a count or a length is a
 * few bytes), memcpy through an argument's data. The parser keeps no
 * pointer into the caller's buffer: everything it must remember is in its
 * state and its arena, which is what lets a read end anywhere.
 */
#include "mini_redis/resp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const resp_limits_t resp_default_limits = {
    .max_bulk = RESP_MAX_BULK,
    .max_args = RESP_MAX_ARGS,
    .max_inline = RESP_MAX_INLINE,
    .max_request = RESP_MAX_REQUEST,
};

enum {
    ST_START = 0, /* the first byte of a request */
    ST_COUNT,     /* after '*': the argument count's digits, up to CR */
    ST_COUNT_LF,  /* the LF after the count's CR */
    ST_DOLLAR,    /* the '$' of the next argument */
    ST_LENGTH,    /* after '$': the length's digits, up to CR */
    ST_LENGTH_LF, /* the LF after the length's CR */
    ST_DATA,      /* bulk_left more bytes of the argument */
    ST_DATA_CR,   /* the CR after the argument's bytes */
    ST_DATA_LF,   /* the LF after that */
    ST_INLINE,    /* an inline request, up to LF */
    ST_ERROR,     /* stuck: the stream cannot be trusted any more */
};

/* Arenas and argument tables bigger than this are freed between
 * requests: one large request must not pin its memory for the life of
 * an idle connection. */
#define KEEP_ARENA (64u << 10)
#define KEEP_ARGS  1024u

void resp_parser_init(resp_parser_t *p, const resp_limits_t *limits)
{
    memset(p, 0, sizeof *p);
    p->limits = limits != NULL ? *limits : resp_default_limits;
}

void resp_parser_free(resp_parser_t *p)
{
    free(p->arena);
    free(p->offs);
    free(p->argv);
    p->arena = NULL;
    p->offs = NULL;
    p->argv = NULL;
    p->arena_cap = p->arena_len = p->args_cap = p->nargs = p->argc = 0;
}

bool resp_parser_busy(const resp_parser_t *p)
{
    return p->state != ST_START || (p->nargs != 0 && !p->handed_out);
}

static resp_status_t fail(resp_parser_t *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static resp_status_t fail(resp_parser_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof p->error, fmt, ap);
    va_end(ap);
    p->state = ST_ERROR;
    return RESP_ERROR;
}

/* Room for n more arena bytes. */
static bool arena_reserve(resp_parser_t *p, size_t n)
{
    if (p->arena_cap - p->arena_len >= n)
        return true;
    size_t want = p->arena_len + n;
    size_t cap = p->arena_cap < 256 ? 256 : p->arena_cap;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    char *a = realloc(p->arena, cap);
    if (a == NULL)
        return false;
    p->arena = a;
    p->arena_cap = cap;
    return true;
}

/* Room for one more argument in the tables. */
static bool args_reserve(resp_parser_t *p)
{
    if (p->nargs < p->args_cap)
        return true;
    size_t cap = p->args_cap < 8 ? 8 : p->args_cap * 2;
    size_t *o = realloc(p->offs, cap * sizeof *o);
    if (o == NULL)
        return false;
    p->offs = o;
    resp_arg_t *v = realloc(p->argv, cap * sizeof *v);
    if (v == NULL)
        return false;
    p->argv = v;
    p->args_cap = cap;
    return true;
}

/* Forget the request handed out last time (its argv dies here). */
static void forget_request(resp_parser_t *p)
{
    p->handed_out = false;
    p->arena_len = 0;
    p->nargs = 0;
    p->argc = 0;
    if (p->arena_cap > KEEP_ARENA) {
        free(p->arena);
        p->arena = NULL;
        p->arena_cap = 0;
    }
    if (p->args_cap > KEEP_ARGS) {
        free(p->offs);
        free(p->argv);
        p->offs = NULL;
        p->argv = NULL;
        p->args_cap = 0;
    }
}

static void number_start(resp_parser_t *p)
{
    p->negative = false;
    p->digits = 0;
    p->number = 0;
}

/*
 * One byte of a count or length line. 1: the CR came, 0: go on, -1: not
 * a number by Redis's rules (string2ll): optional '-', at most 19 digits,
 * no leading zero, no '+'.
 */
static int number_byte(resp_parser_t *p, char c)
{
    if (c == '\r')
        return p->digits == 0 ? -1 : 1;
    if (c == '-' && p->digits == 0 && !p->negative) {
        p->negative = true;
        return 0;
    }
    if (c < '0' || c > '9')
        return -1;
    if (p->digits >= 1 && p->number == 0)
        return -1; /* a leading zero ("01", "-0") */
    if (p->digits == 19)
        return -1; /* beyond int64 */
    p->number = p->number * 10 + (uint64_t)(c - '0');
    p->digits++;
    if (p->negative && p->number == 0)
        return -1; /* "-0" */
    return 0;
}

/* The request is complete: point argv into the arena. */
static resp_status_t hand_out(resp_parser_t *p)
{
    for (size_t i = 0; i < p->nargs; i++)
        p->argv[i].ptr = p->arena + p->offs[i];
    p->argc = p->nargs;
    p->handed_out = true;
    p->state = ST_START;
    p->commands++;
    return RESP_COMMAND;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/*
 * Split the inline line in arena[0..arena_len) into words, in place (a
 * word never grows when its quotes and escapes are decoded, and its NUL
 * takes the place of the separator after it). Quoting as redis-cli's:
 * "..." with \n \r \t \b \a \\ \" \xHH, '...' with \'; a closing quote
 * must be followed by a space or the end. 1: words in argv (maybe none),
 * 0: unbalanced quotes, -1: out of memory or too many words.
 */
static int split_inline(resp_parser_t *p)
{
    char *s = p->arena;
    size_t n = p->arena_len, r = 0, w = 0;
    p->nargs = 0;
    for (;;) {
        while (r < n && is_space(s[r]))
            r++;
        if (r == n)
            return 1;
        if (p->nargs >= p->limits.max_args || !args_reserve(p))
            return -1;
        size_t start = w;
        char quote = 0; /* 0, '"' or '\'' */
        for (;;) {
            if (r == n) {
                if (quote != 0)
                    return 0;
                break;
            }
            char c = s[r];
            if (quote == '"') {
                if (c == '\\' && r + 3 < n && s[r + 1] == 'x' &&
                    hexval(s[r + 2]) >= 0 && hexval(s[r + 3]) >= 0) {
                    s[w++] = (char)(hexval(s[r + 2]) * 16 + hexval(s[r + 3]));
                    r += 4;
                } else if (c == '\\' && r + 1 < n) {
                    char e = s[r + 1];
                    s[w++] = e == 'n'   ? '\n'
                             : e == 'r' ? '\r'
                             : e == 't' ? '\t'
                             : e == 'b' ? '\b'
                             : e == 'a' ? '\a'
                                        : e;
                    r += 2;
                } else if (c == '"') {
                    r++;
                    if (r < n && !is_space(s[r]))
                        return 0;
                    quote = 0;
                    break;
                } else {
                    s[w++] = c;
                    r++;
                }
            } else if (quote == '\'') {
                if (c == '\\' && r + 1 < n && s[r + 1] == '\'') {
                    s[w++] = '\'';
                    r += 2;
                } else if (c == '\'') {
                    r++;
                    if (r < n && !is_space(s[r]))
                        return 0;
                    quote = 0;
                    break;
                } else {
                    s[w++] = c;
                    r++;
                }
            } else if (is_space(c)) {
                break;
            } else if (c == '"' || c == '\'') {
                quote = c;
                r++;
            } else {
                s[w++] = c;
                r++;
            }
        }
        p->offs[p->nargs] = start;
        p->argv[p->nargs].len = w - start;
        p->nargs++;
        /* The NUL: w < r here (a separator or a quote was read past), or
         * w == r == n, for which the caller reserved one byte. */
        s[w++] = '\0';
        if (r < n)
            r++; /* the separator */
    }
}

resp_status_t resp_feed(resp_parser_t *p, const char *buf, size_t len,
                        size_t *used)
{
    size_t i = 0;
    resp_status_t st = RESP_MORE;
    if (p->state == ST_ERROR) {
        *used = 0;
        return RESP_ERROR;
    }
    if (p->handed_out)
        forget_request(p);
    while (i < len) {
        char c = buf[i];
        int r;
        switch (p->state) {
        case ST_START:
            if (c == '*') {
                number_start(p);
                p->state = ST_COUNT;
                i++;
            } else {
                p->state = ST_INLINE; /* this byte is the line's first */
            }
            break;

        case ST_COUNT:
            r = number_byte(p, c);
            i++;
            if (r < 0) {
                st = fail(p, "ERR Protocol error: invalid multibulk length");
                goto out;
            }
            if (r > 0)
                p->state = ST_COUNT_LF;
            break;

        case ST_COUNT_LF:
            i++;
            if (c != '\n') {
                st = fail(p, "ERR Protocol error: invalid multibulk length");
                goto out;
            }
            if (p->negative || p->number == 0) {
                p->state = ST_START; /* an empty request: ignored, as Redis */
                break;
            }
            if (p->number > p->limits.max_args) {
                st = fail(p, "ERR Protocol error: invalid multibulk length");
                goto out;
            }
            p->want = (size_t)p->number;
            p->nargs = 0;
            p->arena_len = 0;
            p->state = ST_DOLLAR;
            break;

        case ST_DOLLAR:
            i++;
            if (c != '$') {
                if (c >= 0x20 && c < 0x7f)
                    st = fail(p, "ERR Protocol error: expected '$', got '%c'",
                              c);
                else
                    st = fail(p,
                              "ERR Protocol error: expected '$', got '\\x%02x'",
                              (unsigned)(unsigned char)c);
                goto out;
            }
            number_start(p);
            p->state = ST_LENGTH;
            break;

        case ST_LENGTH:
            r = number_byte(p, c);
            i++;
            if (r < 0) {
                st = fail(p, "ERR Protocol error: invalid bulk length");
                goto out;
            }
            if (r > 0)
                p->state = ST_LENGTH_LF;
            break;

        case ST_LENGTH_LF:
            i++;
            if (c != '\n' || p->negative || p->number > p->limits.max_bulk) {
                st = fail(p, "ERR Protocol error: invalid bulk length");
                goto out;
            }
            /* arena_len <= max_request: every argument before passed here */
            if (p->number + 1 > p->limits.max_request - p->arena_len) {
                st = fail(p, "ERR Protocol error: request longer than %zu "
                             "bytes",
                          p->limits.max_request);
                goto out;
            }
            if (!args_reserve(p)) {
                st = fail(p, "ERR out of memory");
                goto out;
            }
            p->offs[p->nargs] = p->arena_len;
            p->argv[p->nargs].len = (size_t)p->number;
            p->bulk_left = (size_t)p->number;
            p->state = ST_DATA;
            if (p->bulk_left == 0)
                goto data_done;
            break;

        case ST_DATA: {
            size_t take = len - i < p->bulk_left ? len - i : p->bulk_left;
            /* +1: the NUL after the last byte */
            if (!arena_reserve(p, take + (take == p->bulk_left ? 1 : 0))) {
                st = fail(p, "ERR out of memory");
                goto out;
            }
            memcpy(p->arena + p->arena_len, buf + i, take);
            p->arena_len += take;
            p->bulk_left -= take;
            i += take;
            if (p->bulk_left != 0)
                break;
        data_done:
            if (!arena_reserve(p, 1)) {
                st = fail(p, "ERR out of memory");
                goto out;
            }
            p->arena[p->arena_len++] = '\0';
            p->nargs++;
            p->state = ST_DATA_CR;
            break;
        }

        case ST_DATA_CR:
        case ST_DATA_LF:
            i++;
            if (c != (p->state == ST_DATA_CR ? '\r' : '\n')) {
                st = fail(p, "ERR Protocol error: expected CRLF after a "
                             "bulk string");
                goto out;
            }
            if (p->state == ST_DATA_CR) {
                p->state = ST_DATA_LF;
            } else if (p->nargs == p->want) {
                st = hand_out(p);
                goto out;
            } else {
                p->state = ST_DOLLAR;
            }
            break;

        case ST_INLINE: {
            const char *nl = memchr(buf + i, '\n', len - i);
            size_t take = (nl != NULL ? (size_t)(nl - (buf + i)) : len - i);
            if (take > p->limits.max_inline - p->arena_len) {
                st = fail(p, "ERR Protocol error: too big inline request");
                goto out;
            }
            if (!arena_reserve(p, take + 1)) {
                st = fail(p, "ERR out of memory");
                goto out;
            }
            memcpy(p->arena + p->arena_len, buf + i, take);
            p->arena_len += take;
            i += take;
            if (nl == NULL)
                break;
            i++; /* the LF */
            r = split_inline(p);
            if (r == 0) {
                st = fail(p, "ERR Protocol error: unbalanced quotes in "
                             "request");
                goto out;
            }
            if (r < 0) {
                st = fail(p, "ERR Protocol error: too many arguments");
                goto out;
            }
            if (p->nargs == 0) {
                p->arena_len = 0; /* an empty line: ignored */
                p->state = ST_START;
                break;
            }
            st = hand_out(p);
            goto out;
        }

        default:
            st = fail(p, "ERR Protocol error: parser state lost");
            goto out;
        }
    }
out:
    *used = i;
    return st;
}

/* ---- replies -------------------------------------------------------------- */

void mr_buf_free(mr_buf_t *b)
{
    free(b->data);
    *b = MR_BUF_EMPTY;
}

bool mr_buf_reserve(mr_buf_t *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->cap - b->len >= extra)
        return true;
    size_t want = b->len + extra;
    if (want < b->len) {
        b->oom = true;
        return false;
    }
    size_t cap = b->cap < 512 ? 512 : b->cap;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    char *d = realloc(b->data, cap);
    if (d == NULL) {
        b->oom = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void mr_buf_append(mr_buf_t *b, const void *p, size_t n)
{
    if (n == 0 || !mr_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* Decimal digits of v at out (room for 20); returns how many. */
static size_t u64_digits(uint64_t v, char *out)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* type, then the number, then CRLF: ":42\r\n", "$5\r\n", "*3\r\n". */
static void typed_number(mr_buf_t *b, char type, int64_t v)
{
    if (!mr_buf_reserve(b, 24))
        return;
    char *o = b->data + b->len;
    size_t n = 0;
    o[n++] = type;
    uint64_t mag = (uint64_t)v;
    if (v < 0) {
        o[n++] = '-';
        mag = 0 - mag;
    }
    n += u64_digits(mag, o + n);
    o[n++] = '\r';
    o[n++] = '\n';
    b->len += n;
}

void resp_simple(mr_buf_t *b, const char *s)
{
    size_t n = strlen(s);
    if (!mr_buf_reserve(b, n + 3))
        return;
    char *o = b->data + b->len;
    o[0] = '+';
    memcpy(o + 1, s, n);
    o[n + 1] = '\r';
    o[n + 2] = '\n';
    b->len += n + 3;
}

void resp_error(mr_buf_t *b, const char *msg)
{
    mr_buf_append(b, "-", 1);
    /* A reply line must not hold a CR or LF of its own. */
    for (const char *c = msg; *c != '\0'; c++)
        mr_buf_append(b, *c == '\r' || *c == '\n' ? " " : c, 1);
    mr_buf_append(b, "\r\n", 2);
}

void resp_errorf(mr_buf_t *b, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    resp_error(b, msg);
}

void resp_integer(mr_buf_t *b, int64_t v)
{
    typed_number(b, ':', v);
}

void resp_bulk(mr_buf_t *b, const void *p, size_t n)
{
    if (!mr_buf_reserve(b, n + 26))
        return;
    typed_number(b, '$', (int64_t)n);
    if (n > 0) /* an empty value may have no buffer at all */
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len++] = '\r';
    b->data[b->len++] = '\n';
}

void resp_nil(mr_buf_t *b)
{
    mr_buf_append(b, "$-1\r\n", 5);
}

void resp_array(mr_buf_t *b, size_t n)
{
    typed_number(b, '*', (int64_t)n);
}

bool resp_parse_int64(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-') {
        neg = true;
        i = 1;
        if (len == 1)
            return false;
    }
    if (s[i] == '0')
        return len == 1 ? (*out = 0, true) : false;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}
