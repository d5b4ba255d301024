/*
 * trace/file.c - trace files: the writer (a sink), the reader, and a
 * whole-file save. The format is docs/trace-format.md; in short:
 *
 *   offset 0    header, 128 bytes, little-endian (magic, version, run info,
 *               counts, offsets, checksum)
 *   offset 128  events, 40 bytes each, in time order
 *   names_off   name table: u32 count, then count x (u16 length, bytes)
 *   end         nothing may follow the name table
 *
 * The writer never blocks an emitting thread: events go into per-thread
 * rings (trace/rings.c) and a writer thread drains them into the file every
 * millisecond. The header is written twice: a provisional one at open
 * (names_off = 0, which a reader rejects as an unfinished recording) and
 * the real one at close, with the counts and the checksum.
 *
 * The checksum is FNV-1a 64 over the bytes after the header, continued
 * over the header with its checksum field as zeros. It is what tells a
 * corrupt file from a valid one; the reader checks sizes first so that a
 * short file says "truncated", not "corrupt".
 *
 * Tests: tests/test_trace.c; fuzz/fuzz_trace.c fuzzes the reader.
 */
#include "trace/file.h"
#include "trace/rings.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const unsigned char MAGIC[8] = {'A', 'L', 'T', 'R', 'A', 'C', 'E', 0};

/* Header field offsets (docs/trace-format.md has the same table). */
enum {
    H_MAGIC = 0,
    H_VERSION = 8,
    H_HEADER_SIZE = 12,
    H_EVENT_SIZE = 16,
    H_WORKERS = 20,
    H_SEED = 24,
    H_FLAGS = 32,
    H_CLOCK = 36,
    H_EXECUTOR = 40,
    H_SCENARIO = 56,
    H_EVENTS = 88,
    H_DROPPED = 96,
    H_NAMES_OFF = 104,
    H_NAMES_SIZE = 112,
    H_CHECKSUM = 120,
};

#define FLAG_SIM 1u
/* Events per thread the writer's rings hold: 10 MB, enough for a worker
 * emitting 10M events a second while the writer thread is descheduled
 * for 25 ms. Pages a thread never reaches are never touched. */
#define TRACE_WRITER_RING (1u << 18)
#define MAX_WORKERS       1024
#define FNV_OFFSET        0xcbf29ce484222325ull
#define FNV_PRIME         0x100000001b3ull

/* ---- little-endian encoding ---------------------------------------------- */

static void put_u16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint16_t get_u16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t fnv_bytes(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

static void event_encode(unsigned char *p, const trace_event_t *ev)
{
    put_u64(p, ev->time_ns);
    put_u64(p + 8, ev->task);
    put_u64(p + 16, ev->a);
    put_u64(p + 24, ev->b);
    put_u32(p + 32, ev->worker);
    put_u32(p + 36, ev->kind);
}

static void event_decode(const unsigned char *p, trace_event_t *ev)
{
    ev->time_ns = get_u64(p);
    ev->task = get_u64(p + 8);
    ev->a = get_u64(p + 16);
    ev->b = get_u64(p + 24);
    ev->worker = get_u32(p + 32);
    ev->kind = get_u32(p + 36);
}

/* Copy src into a fixed field of n bytes, always NUL-terminated. */
static void field_set(char *dst, size_t n, const char *src)
{
    memset(dst, 0, n);
    if (src != NULL)
        strncpy(dst, src, n - 1);
}

void trace_info_set(trace_info_t *info, const char *executor,
                    const char *scenario, uint32_t workers, bool sim,
                    uint64_t seed, uint32_t clock)
{
    field_set(info->executor, sizeof info->executor, executor);
    field_set(info->scenario, sizeof info->scenario, scenario);
    info->workers = workers;
    info->sim = sim;
    info->seed = seed;
    info->clock = clock;
}

/* The header's totals, known at close. */
typedef struct header_counts {
    uint64_t events, dropped, names_off, names_size, checksum;
} header_counts_t;

static void header_encode(unsigned char *h, const trace_info_t *info,
                          const header_counts_t *c)
{
    memset(h, 0, TRACE_FILE_HEADER_SIZE);
    memcpy(h + H_MAGIC, MAGIC, sizeof MAGIC);
    put_u32(h + H_VERSION, TRACE_FILE_VERSION);
    put_u32(h + H_HEADER_SIZE, TRACE_FILE_HEADER_SIZE);
    put_u32(h + H_EVENT_SIZE, TRACE_FILE_EVENT_SIZE);
    put_u32(h + H_WORKERS, info->workers);
    put_u64(h + H_SEED, info->seed);
    put_u32(h + H_FLAGS, info->sim ? FLAG_SIM : 0);
    put_u32(h + H_CLOCK, info->clock);
    memcpy(h + H_EXECUTOR, info->executor, sizeof info->executor);
    memcpy(h + H_SCENARIO, info->scenario, sizeof info->scenario);
    h[H_EXECUTOR + sizeof info->executor - 1] = 0;
    h[H_SCENARIO + sizeof info->scenario - 1] = 0;
    put_u64(h + H_EVENTS, c->events);
    put_u64(h + H_DROPPED, c->dropped);
    put_u64(h + H_NAMES_OFF, c->names_off);
    put_u64(h + H_NAMES_SIZE, c->names_size);
    put_u64(h + H_CHECKSUM, c->checksum);
}

/* ---- the encoder: bytes to a FILE, counted and hashed -------------------- */

typedef struct encoder {
    FILE *f;
    uint64_t hash;  /* FNV-1a of every body byte written */
    uint64_t bytes; /* body bytes written (after the header) */
    uint64_t events;
    int err; /* first error, -errno */
} encoder_t;

static void enc_bytes(encoder_t *e, const void *p, size_t n)
{
    if (e->err != 0)
        return;
    /* unlocked: one thread at a time writes a file (the writer thread,
     * then close after joining it); stdio's lock per call is the cost of
     * a small event otherwise. */
    if (fwrite_unlocked(p, 1, n, e->f) != n) {
        e->err = -(errno != 0 ? errno : EIO);
        return;
    }
    e->hash = fnv_bytes(e->hash, p, n);
    e->bytes += n;
}

static void enc_event(encoder_t *e, const trace_event_t *ev)
{
    unsigned char buf[TRACE_FILE_EVENT_SIZE];
    event_encode(buf, ev);
    enc_bytes(e, buf, sizeof buf);
    e->events++;
}

/* The name table of names[0 .. n): returns its size in bytes. */
static uint64_t enc_names(encoder_t *e, const char *const *names, size_t n)
{
    uint64_t start = e->bytes;
    unsigned char buf[4];
    put_u32(buf, (uint32_t)n);
    enc_bytes(e, buf, 4);
    for (size_t i = 0; i < n; i++) {
        size_t len = names[i] != NULL ? strlen(names[i]) : 0;
        if (len > UINT16_MAX)
            len = UINT16_MAX;
        put_u16(buf, (uint16_t)len);
        enc_bytes(e, buf, 2);
        enc_bytes(e, names[i], len);
    }
    return e->bytes - start;
}

/* Rewrite the header with the final counts and checksum; close the file.
 * 0 or the first error met. */
static int enc_finish(encoder_t *e, const trace_info_t *info, uint64_t dropped,
                      uint64_t names_size)
{
    unsigned char h[TRACE_FILE_HEADER_SIZE];
    header_counts_t c = {
        .events = e->events,
        .dropped = dropped,
        .names_off = TRACE_FILE_HEADER_SIZE + e->bytes - names_size,
        .names_size = names_size,
    };
    header_encode(h, info, &c);
    c.checksum = fnv_bytes(e->hash, h, sizeof h);
    header_encode(h, info, &c);
    if (e->err == 0 && (fseek(e->f, 0, SEEK_SET) != 0 ||
                        fwrite(h, 1, sizeof h, e->f) != sizeof h))
        e->err = -(errno != 0 ? errno : EIO);
    if (fclose(e->f) != 0 && e->err == 0)
        e->err = -(errno != 0 ? errno : EIO);
    return e->err;
}

/* Open path and write a provisional header (names_off 0: unfinished). */
static int enc_open(encoder_t *e, const char *path, const trace_info_t *info)
{
    memset(e, 0, sizeof *e);
    e->hash = FNV_OFFSET;
    e->f = fopen(path, "wb");
    if (e->f == NULL)
        return -errno;
    unsigned char h[TRACE_FILE_HEADER_SIZE];
    header_counts_t c = {0};
    header_encode(h, info, &c);
    /* flushed now, so that a run that dies leaves a file a reader calls
     * unfinished rather than empty */
    if (fwrite(h, 1, sizeof h, e->f) != sizeof h || fflush(e->f) != 0) {
        int err = -(errno != 0 ? errno : EIO);
        fclose(e->f);
        return err;
    }
    return 0;
}

/* ---- the writer: rings drained by a thread into the encoder -------------- */

struct trace_writer {
    trace_rings_t rings;  /* the emitting threads' side */
    trace_sink_t to_file; /* drain target: encodes into enc */
    encoder_t enc;        /* writer thread only, then close */
    trace_info_t info;    /* read-only after open */
    pthread_t thread;
    atomic_bool stop; /* close -> writer thread */
};

static void writer_to_file(trace_sink_t *self, const trace_event_t *ev)
{
    trace_writer_t *w =
        (trace_writer_t *)((char *)self - offsetof(trace_writer_t, to_file));
    enc_event(&w->enc, ev);
}

static void *writer_main(void *arg)
{
    trace_writer_t *w = arg;
    const struct timespec ms = {0, 1000000};
    /* acquire: pairs with trace_writer_close's release store. */
    /* A drain a millisecond, not a chase after each event: reading slots
     * the producer is still writing would bounce their cache lines
     * between the two cores on every event. */
    while (!atomic_load_explicit(&w->stop, memory_order_acquire)) {
        trace_rings_drain(&w->rings, &w->to_file);
        nanosleep(&ms, NULL);
    }
    return NULL;
}

trace_writer_t *trace_writer_open(const char *path, const trace_info_t *info,
                                  int *err)
{
    trace_writer_t *w = calloc(1, sizeof *w);
    int rc = -ENOMEM;
    if (w == NULL)
        goto fail;
    w->info = *info;
    w->to_file.write = writer_to_file;
    atomic_init(&w->stop, false);
    trace_rings_init(&w->rings, TRACE_WRITER_RING);
    rc = enc_open(&w->enc, path, info);
    if (rc != 0)
        goto fail;
    rc = -pthread_create(&w->thread, NULL, writer_main, w);
    if (rc != 0) {
        fclose(w->enc.f);
        goto fail;
    }
    return w;
fail:
    free(w);
    if (err != NULL)
        *err = rc;
    return NULL;
}

trace_sink_t *trace_writer_sink(trace_writer_t *w)
{
    return &w->rings.sink;
}

/* A snapshot of the process's name table (pointers to static strings). */
static const char **names_snapshot(size_t *n)
{
    uint64_t count = trace_name_count();
    const char **names = calloc(count + 1, sizeof *names);
    if (names == NULL) {
        *n = 0;
        return NULL;
    }
    for (uint64_t i = 0; i < count; i++)
        names[i] = trace_name_of(i + 1);
    *n = (size_t)count;
    return names;
}

int trace_writer_close(trace_writer_t *w)
{
    /* release: pairs with writer_main's acquire load; nothing to publish
     * but the request itself, join does the rest. */
    atomic_store_explicit(&w->stop, true, memory_order_release);
    pthread_join(w->thread, NULL);
    trace_rings_drain_until(&w->rings, &w->to_file, UINT64_MAX);

    size_t n_names;
    const char **names = names_snapshot(&n_names);
    uint64_t names_size = enc_names(&w->enc, names, n_names);
    free(names);
    int rc = enc_finish(&w->enc, &w->info, trace_rings_dropped(&w->rings),
                        names_size);
    trace_rings_destroy(&w->rings);
    free(w);
    return rc;
}

int trace_file_save(const char *path, const trace_info_t *info,
                    const trace_event_t *events, size_t n_events,
                    uint64_t dropped, const char *const *names, size_t n_names)
{
    encoder_t e;
    int rc = enc_open(&e, path, info);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n_events; i++)
        enc_event(&e, &events[i]);
    uint64_t names_size = enc_names(&e, names, n_names);
    return enc_finish(&e, info, dropped, names_size);
}

/* ---- the reader ---------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* A fixed string field: must hold a NUL; copied into dst. */
static bool field_get(char *dst, size_t n, const unsigned char *src)
{
    if (memchr(src, 0, n) == NULL)
        return false;
    memcpy(dst, src, n);
    return true;
}

/* Magic, version and size checks: everything a short or foreign file
 * fails. On success *c holds the header's counts. */
static int check_frame(const unsigned char *b, size_t len, header_counts_t *c,
                       char *err, size_t errlen)
{
    if (len == 0)
        return fail(err, errlen, "empty file");
    if (len < sizeof MAGIC || memcmp(b, MAGIC, sizeof MAGIC) != 0)
        return fail(err, errlen, "not an asynclab trace file (bad magic)");
    if (len < H_VERSION + 4)
        return fail(err, errlen, "truncated: %zu bytes, no header", len);
    uint32_t version = get_u32(b + H_VERSION);
    if (version != TRACE_FILE_VERSION)
        return fail(err, errlen,
                    "unsupported trace format version %u (this build reads "
                    "version %d)",
                    version, TRACE_FILE_VERSION);
    if (len < TRACE_FILE_HEADER_SIZE)
        return fail(err, errlen,
                    "truncated: the header needs %d bytes, the file has %zu",
                    TRACE_FILE_HEADER_SIZE, len);
    if (get_u32(b + H_HEADER_SIZE) != TRACE_FILE_HEADER_SIZE ||
        get_u32(b + H_EVENT_SIZE) != TRACE_FILE_EVENT_SIZE)
        return fail(err, errlen, "corrupt: bad header or event size");
    c->events = get_u64(b + H_EVENTS);
    c->dropped = get_u64(b + H_DROPPED);
    c->names_off = get_u64(b + H_NAMES_OFF);
    c->names_size = get_u64(b + H_NAMES_SIZE);
    c->checksum = get_u64(b + H_CHECKSUM);
    if (c->names_off == 0)
        return fail(err, errlen,
                    "truncated: the recording never finished (no name table)");
    if (c->events >
            (UINT64_MAX - TRACE_FILE_HEADER_SIZE) / TRACE_FILE_EVENT_SIZE ||
        c->names_off !=
            TRACE_FILE_HEADER_SIZE + c->events * TRACE_FILE_EVENT_SIZE ||
        c->names_size > UINT64_MAX - c->names_off)
        return fail(err, errlen, "corrupt: event count and offsets disagree");
    uint64_t end = c->names_off + c->names_size;
    if (len < end)
        return fail(err, errlen,
                    "truncated: expected %llu bytes, the file has %zu",
                    (unsigned long long)end, len);
    if (len > end)
        return fail(err, errlen, "corrupt: %llu bytes after the name table",
                    (unsigned long long)(len - end));
    return 0;
}

static bool checksum_ok(const unsigned char *b, size_t len, uint64_t want)
{
    unsigned char h[TRACE_FILE_HEADER_SIZE];
    memcpy(h, b, sizeof h);
    memset(h + H_CHECKSUM, 0, 8);
    uint64_t x = fnv_bytes(FNV_OFFSET, b + sizeof h, len - sizeof h);
    return fnv_bytes(x, h, sizeof h) == want;
}

static int decode_info(const unsigned char *b, trace_info_t *info, char *err,
                       size_t errlen)
{
    if (!field_get(info->executor, sizeof info->executor, b + H_EXECUTOR) ||
        !field_get(info->scenario, sizeof info->scenario, b + H_SCENARIO))
        return fail(err, errlen, "corrupt: unterminated name in the header");
    info->workers = get_u32(b + H_WORKERS);
    info->seed = get_u64(b + H_SEED);
    info->sim = (get_u32(b + H_FLAGS) & FLAG_SIM) != 0;
    info->clock = get_u32(b + H_CLOCK);
    if (info->workers > MAX_WORKERS)
        return fail(err, errlen, "corrupt: %u workers", info->workers);
    if (info->clock != TRACE_CLOCK_MONOTONIC &&
        info->clock != TRACE_CLOCK_VIRTUAL)
        return fail(err, errlen, "corrupt: unknown clock %u", info->clock);
    return 0;
}

static int decode_events(const unsigned char *p, trace_file_t *out, uint64_t n,
                         char *err, size_t errlen)
{
    out->events = calloc(n > 0 ? n : 1, sizeof *out->events);
    if (out->events == NULL)
        return -ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        trace_event_t *ev = &out->events[i];
        event_decode(p + i * TRACE_FILE_EVENT_SIZE, ev);
        if (ev->kind == 0 || ev->kind >= TRACE_KIND_COUNT)
            return fail(err, errlen, "corrupt: event %llu has unknown kind %u",
                        (unsigned long long)i, ev->kind);
    }
    out->n_events = (size_t)n;
    return 0;
}

static int decode_names(const unsigned char *p, uint64_t size,
                        trace_file_t *out, char *err, size_t errlen)
{
    if (size < 4)
        return fail(err, errlen, "corrupt: name table too short");
    uint32_t count = get_u32(p);
    if (count > (size - 4) / 2)
        return fail(err, errlen, "corrupt: name table count %u", count);
    out->names = calloc(count + 1, sizeof *out->names);
    if (out->names == NULL)
        return -ENOMEM;
    uint64_t at = 4;
    for (uint32_t i = 0; i < count; i++) {
        if (size - at < 2)
            return fail(err, errlen, "corrupt: name %u cut short", i + 1);
        uint16_t len = get_u16(p + at);
        at += 2;
        if (size - at < len || memchr(p + at, 0, len) != NULL)
            return fail(err, errlen, "corrupt: name %u cut short", i + 1);
        out->names[i] = strndup((const char *)p + at, len);
        if (out->names[i] == NULL)
            return -ENOMEM;
        out->n_names = i + 1;
        at += len;
    }
    if (at != size)
        return fail(err, errlen, "corrupt: name table has extra bytes");
    return 0;
}

int trace_file_parse(const void *buf, size_t len, trace_file_t *out, char *err,
                     size_t errlen)
{
    const unsigned char *b = buf;
    header_counts_t c = {0};
    memset(out, 0, sizeof *out);
    int rc = check_frame(b, len, &c, err, errlen);
    if (rc != 0)
        return rc;
    if (!checksum_ok(b, len, c.checksum))
        return fail(err, errlen, "corrupt: checksum mismatch");
    rc = decode_info(b, &out->info, err, errlen);
    if (rc == 0)
        rc = decode_events(b + TRACE_FILE_HEADER_SIZE, out, c.events, err,
                           errlen);
    if (rc == 0)
        rc = decode_names(b + c.names_off, c.names_size, out, err, errlen);
    if (rc != 0) {
        if (rc == -ENOMEM)
            fail(err, errlen, "out of memory");
        trace_file_free(out);
        return rc;
    }
    out->dropped = c.dropped;
    return 0;
}

/* Read all of path into a malloc'd buffer. */
static int read_all(const char *path, unsigned char **buf, size_t *len,
                    char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        fail(err, errlen, "%s", strerror(e));
        return -e;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = fail(err, errlen, "not a regular file");
        goto out;
    }
    *len = (size_t)st.st_size;
    *buf = malloc(*len > 0 ? *len : 1);
    if (*buf == NULL) {
        fail(err, errlen, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    if (fread(*buf, 1, *len, f) != *len) {
        free(*buf);
        fail(err, errlen, "read error");
        rc = -EIO;
    }
out:
    fclose(f);
    return rc;
}

int trace_file_load(const char *path, trace_file_t *out, char *err,
                    size_t errlen)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    int rc = read_all(path, &buf, &len, err, errlen);
    if (rc != 0)
        return rc;
    rc = trace_file_parse(buf, len, out, err, errlen);
    free(buf);
    return rc;
}

const char *trace_file_name(const trace_file_t *f, uint64_t id)
{
    if (id == 0 || id > f->n_names)
        return NULL;
    return f->names[id - 1];
}

void trace_file_free(trace_file_t *f)
{
    for (size_t i = 0; i < f->n_names; i++)
        free(f->names[i]);
    free(f->names);
    free(f->events);
    memset(f, 0, sizeof *f);
}
