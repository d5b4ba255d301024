/*
 * trace/file.c - trace files, version 2: the writer (a sink), the reader,
 * and a whole-file save. The format is docs/trace-format.md; in short:
 *
 *   offset 0    header, 128 bytes, little-endian (magic, version, run info,
 *               counts, the tail's offset, a CRC-32C)
 *   offset 128  blocks: a 40-byte header (thread, block number, base time,
 *               worker, events, CRC-32C) and that thread's events encoded
 *               by trace/codec.h, a byte or three each
 *   tail_off    the thread table (events and losses per thread), then the
 *               name table; nothing may follow
 *
 * The writer never blocks an emitting thread: each thread fills blocks of
 * its own (trace/blocks.c) and the writer thread, woken when a block is
 * full (or every WRITER_TICK_MS, to find out it is not), writes each one
 * whole with one write(). The header is written twice: a provisional one
 * at open (tail_off = 0, which a reader rejects as an unfinished
 * recording) and the real one at close.
 *
 * The reader checks sizes before checksums (a short file says
 * "truncated", not "corrupt"), every block's CRC, every block's place in
 * its thread, and every event's encoding, then merges the threads by time
 * (ties: the lower thread first), each thread's events in their order.
 *
 * Tests: tests/test_trace.c; fuzz/fuzz_trace.c fuzzes the reader.
 */
#include "trace/file.h"
#include "trace/blocks.h"
#include "trace/codec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char MAGIC[8] = {'A', 'L', 'T', 'R', 'A', 'C', 'E', 0};

/* Header field offsets (docs/trace-format.md has the same table). */
enum {
    H_MAGIC = 0,
    H_VERSION = 8,
    H_HEADER_SIZE = 12,
    H_BLOCK_HEADER = 16,
    H_WORKERS = 20,
    H_SEED = 24,
    H_FLAGS = 32,
    H_CLOCK = 36,
    H_EXECUTOR = 40,
    H_SCENARIO = 56,
    H_EVENTS = 88,
    H_DROPPED = 96,
    H_TAIL_OFF = 104,
    H_TAIL_SIZE = 112,
    H_CHECKSUM = 120,
    H_BLOCKS = 124,
};

#define FLAG_SIM       1u
#define MAX_WORKERS    1024
#define THREAD_ENTRY   24
#define WRITER_TICK_MS 100

/* ---- the header ---------------------------------------------------------- */

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
    uint64_t events, dropped, tail_off, tail_size;
    uint32_t checksum, blocks;
} header_counts_t;

static void header_encode(unsigned char *h, const trace_info_t *info,
                          const header_counts_t *c)
{
    memset(h, 0, TRACE_FILE_HEADER_SIZE);
    memcpy(h + H_MAGIC, MAGIC, sizeof MAGIC);
    codec_put_u32(h + H_VERSION, TRACE_FILE_VERSION);
    codec_put_u32(h + H_HEADER_SIZE, TRACE_FILE_HEADER_SIZE);
    codec_put_u32(h + H_BLOCK_HEADER, TRACE_FILE_BLOCK_HEADER);
    codec_put_u32(h + H_WORKERS, info->workers);
    codec_put_u64(h + H_SEED, info->seed);
    codec_put_u32(h + H_FLAGS, info->sim ? FLAG_SIM : 0);
    codec_put_u32(h + H_CLOCK, info->clock);
    memcpy(h + H_EXECUTOR, info->executor, sizeof info->executor);
    memcpy(h + H_SCENARIO, info->scenario, sizeof info->scenario);
    h[H_EXECUTOR + sizeof info->executor - 1] = 0;
    h[H_SCENARIO + sizeof info->scenario - 1] = 0;
    codec_put_u64(h + H_EVENTS, c->events);
    codec_put_u64(h + H_DROPPED, c->dropped);
    codec_put_u64(h + H_TAIL_OFF, c->tail_off);
    codec_put_u64(h + H_TAIL_SIZE, c->tail_size);
    codec_put_u32(h + H_CHECKSUM, c->checksum);
    codec_put_u32(h + H_BLOCKS, c->blocks);
}

/* CRC-32C of the header (its checksum field as zeros), then the tail. */
static uint32_t header_crc(const unsigned char *h, const unsigned char *tail,
                           size_t tail_size)
{
    unsigned char copy[TRACE_FILE_HEADER_SIZE];
    memcpy(copy, h, sizeof copy);
    memset(copy + H_CHECKSUM, 0, 4);
    uint32_t crc = trace_crc32c(0, copy, sizeof copy);
    return trace_crc32c(crc, tail, tail_size);
}

/* ---- output: a file descriptor, counted ---------------------------------- */

typedef struct out {
    int fd;
    uint64_t off; /* bytes written */
    uint64_t events;
    uint32_t blocks;
    int err; /* first error, -errno */
} out_t;

/* One write() in the normal case; more only if the kernel takes less. */
static void out_write(out_t *o, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (o->err == 0 && n > 0) {
        ssize_t k = write(o->fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            o->err = -(k < 0 ? errno : EIO);
            return;
        }
        b += k;
        n -= (size_t)k;
        o->off += (uint64_t)k;
    }
}

/* Create path and write a provisional header (tail_off 0: unfinished). */
static int out_open(out_t *o, const char *path, const trace_info_t *info)
{
    memset(o, 0, sizeof *o);
    o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (o->fd < 0)
        return -errno;
    unsigned char h[TRACE_FILE_HEADER_SIZE];
    header_counts_t c = {0};
    header_encode(h, info, &c);
    out_write(o, h, sizeof h);
    if (o->err != 0) {
        close(o->fd);
        return o->err;
    }
    return 0;
}

/* The tail: the thread table, then the name table. malloc'd; *size. */
static unsigned char *tail_encode(const trace_thread_stats_t *th, size_t n_th,
                                  const char *const *names, size_t n_names,
                                  size_t *size)
{
    size_t len = 4 + THREAD_ENTRY * n_th + 4;
    for (size_t i = 0; i < n_names; i++) {
        size_t l = names[i] != NULL ? strlen(names[i]) : 0;
        len += 2 + (l > UINT16_MAX ? UINT16_MAX : l);
    }
    unsigned char *t = malloc(len), *p = t;
    if (t == NULL)
        return NULL;
    codec_put_u32(p, (uint32_t)n_th);
    p += 4;
    for (size_t i = 0; i < n_th; i++) {
        codec_put_u32(p, th[i].first_worker);
        codec_put_u32(p + 4, th[i].blocks);
        codec_put_u64(p + 8, th[i].events);
        codec_put_u64(p + 16, th[i].lost);
        p += THREAD_ENTRY;
    }
    codec_put_u32(p, (uint32_t)n_names);
    p += 4;
    for (size_t i = 0; i < n_names; i++) {
        size_t l = names[i] != NULL ? strlen(names[i]) : 0;
        if (l > UINT16_MAX)
            l = UINT16_MAX;
        p[0] = (unsigned char)l;
        p[1] = (unsigned char)(l >> 8);
        memcpy(p + 2, names[i] != NULL ? names[i] : "", l);
        p += 2 + l;
    }
    *size = len;
    return t;
}

/* Append the tail, rewrite the header with the totals; close. 0 or the
 * first error met. */
static int out_finish(out_t *o, const trace_info_t *info, uint64_t dropped,
                      const trace_thread_stats_t *th, size_t n_th,
                      const char *const *names, size_t n_names)
{
    size_t tail_size = 0;
    unsigned char *tail = tail_encode(th, n_th, names, n_names, &tail_size);
    if (tail == NULL && o->err == 0)
        o->err = -ENOMEM;
    header_counts_t c = {
        .events = o->events,
        .dropped = dropped,
        .tail_off = o->off,
        .tail_size = tail_size,
        .blocks = o->blocks,
    };
    if (o->err == 0)
        out_write(o, tail, tail_size);
    unsigned char h[TRACE_FILE_HEADER_SIZE];
    header_encode(h, info, &c);
    c.checksum = header_crc(h, tail, tail_size);
    header_encode(h, info, &c);
    free(tail);
    if (o->err == 0 && pwrite(o->fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        o->err = -(errno != 0 ? errno : EIO);
    if (close(o->fd) != 0 && o->err == 0)
        o->err = -errno;
    return o->err;
}

/* ---- the writer: per-thread blocks written by a thread ------------------- */

struct trace_writer {
    trace_blocks_t blocks; /* the emitting threads' side */
    out_t out;             /* writer thread only, then close */
    trace_info_t info;     /* read-only after open */
    pthread_t thread;
};

static void *writer_main(void *arg)
{
    trace_writer_t *w = arg;
    for (;;) {
        bool stopped = false;
        trace_block_t *blk =
            trace_blocks_next(&w->blocks, WRITER_TICK_MS, &stopped);
        if (blk == NULL) {
            if (stopped)
                return NULL;
            continue; /* the tick: nothing was full */
        }
        trace_block_view_t v = trace_block_view(blk);
        out_write(&w->out, v.mem, v.len);
        w->out.events += v.events;
        w->out.blocks++;
        trace_blocks_release(&w->blocks, blk);
    }
}

trace_writer_t *trace_writer_open(const char *path, const trace_info_t *info,
                                  int *err)
{
    return trace_writer_open_opts(path, info, NULL, err);
}

trace_writer_t *trace_writer_open_opts(const char *path,
                                       const trace_info_t *info,
                                       const trace_writer_opts_t *opts,
                                       int *err)
{
    trace_writer_t *w = calloc(1, sizeof *w);
    int rc = -ENOMEM;
    if (w == NULL)
        goto fail;
    w->info = *info;
    trace_blocks_opts_t bo = {0};
    if (opts != NULL) {
        bo.drop = opts->drop;
        bo.buffer_bytes = opts->buffer_bytes;
        bo.block_bytes = opts->block_bytes;
    }
    rc = trace_blocks_init(&w->blocks, &bo);
    if (rc != 0)
        goto fail;
    rc = out_open(&w->out, path, info);
    if (rc != 0) {
        trace_blocks_destroy(&w->blocks);
        goto fail;
    }
    rc = -pthread_create(&w->thread, NULL, writer_main, w);
    if (rc != 0) {
        close(w->out.fd);
        trace_blocks_destroy(&w->blocks);
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
    return &w->blocks.sink;
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
    return trace_writer_close_report(w, NULL);
}

int trace_writer_close_report(trace_writer_t *w, trace_writer_report_t *rep)
{
    trace_blocks_finish(&w->blocks);
    pthread_join(w->thread, NULL);

    size_t n_th = trace_blocks_stats(&w->blocks, NULL, 0);
    trace_thread_stats_t *th = calloc(n_th + 1, sizeof *th);
    if (th == NULL && w->out.err == 0)
        w->out.err = -ENOMEM;
    if (th != NULL)
        trace_blocks_stats(&w->blocks, th, n_th);
    else
        n_th = 0;
    uint64_t dropped = trace_blocks_dropped(&w->blocks);
    size_t n_names;
    const char **names = names_snapshot(&n_names);
    int rc = out_finish(&w->out, &w->info, dropped, th, n_th, names, n_names);
    free(names);
    if (rep != NULL) {
        rep->events = w->out.events;
        rep->dropped = dropped;
        rep->bytes = w->out.off;
        rep->blocks = w->out.blocks;
        rep->n_threads = n_th;
        rep->threads = th;
    } else {
        free(th);
    }
    trace_blocks_destroy(&w->blocks);
    free(w);
    return rc;
}

void trace_writer_report_free(trace_writer_report_t *rep)
{
    free(rep->threads);
    rep->threads = NULL;
    rep->n_threads = 0;
}

/* Append to buf (n bytes, *at used), truncating: vsnprintf into a piece
 * that always fits, then what room is left. */
__attribute__((format(printf, 4, 5))) static void append(char *buf, size_t n,
                                                        size_t *at,
                                                        const char *fmt, ...)
{
    char piece[96];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    if (k < 0 || *at + 1 >= n)
        return;
    size_t len = strlen(piece);
    if (len > n - 1 - *at)
        len = n - 1 - *at;
    memcpy(buf + *at, piece, len);
    *at += len;
    buf[*at] = 0;
}

void trace_describe_losses(char *buf, size_t n, uint64_t dropped,
                           const trace_thread_stats_t *threads,
                           size_t n_threads)
{
    if (n == 0)
        return;
    size_t at = 0;
    buf[0] = 0;
    if (dropped == 0) {
        append(buf, n, &at, "no events lost");
        return;
    }
    append(buf, n, &at, "lost %" PRIu64 " events:", dropped);
    uint64_t attributed = 0;
    const char *sep = " ";
    for (size_t i = 0; i < n_threads; i++) {
        if (threads[i].lost == 0)
            continue;
        attributed += threads[i].lost;
        if (threads[i].first_worker == TRACE_NO_WORKER)
            append(buf, n, &at, "%sthread %" PRIu32 " (no worker) %" PRIu64,
                   sep, threads[i].thread, threads[i].lost);
        else
            append(buf, n, &at, "%sthread %" PRIu32 " (w%" PRIu32 ") %" PRIu64,
                   sep, threads[i].thread, threads[i].first_worker,
                   threads[i].lost);
        sep = ", ";
    }
    if (dropped > attributed)
        append(buf, n, &at, "%sthreads with no buffer %" PRIu64, sep,
               dropped - attributed);
}

/* ---- a whole file from memory -------------------------------------------- */

int trace_file_save(const char *path, const trace_info_t *info,
                    const trace_event_t *events, size_t n_events,
                    uint64_t dropped, const char *const *names, size_t n_names)
{
    for (size_t i = 0; i < n_events; i++)
        if (events[i].kind == 0 || events[i].kind >= TRACE_KIND_COUNT)
            return -EINVAL;
    unsigned char *blk = malloc(TRACE_BLOCK_SIZE);
    if (blk == NULL)
        return -ENOMEM;
    out_t o;
    int rc = out_open(&o, path, info);
    if (rc != 0) {
        free(blk);
        return rc;
    }
    trace_thread_stats_t th = {0, TRACE_NO_WORKER, 0, 0, dropped};
    codec_block_t h = {0};
    codec_state_t st;
    unsigned char *p = NULL, *end = NULL;
    for (size_t i = 0; i <= n_events; i++) {
        bool last = i == n_events;
        if (p != NULL && (last || (size_t)(end - p) < TRACE_EVENT_MAX)) {
            h.payload = (uint32_t)(p - (blk + TRACE_BLOCK_HEADER));
            codec_block_seal(blk, &h);
            out_write(&o, blk, TRACE_BLOCK_HEADER + h.payload);
            o.events += h.events;
            o.blocks++;
            th.blocks++;
            p = NULL;
        }
        if (last)
            break;
        const trace_event_t *ev = &events[i];
        if (p == NULL) {
            h = (codec_block_t){.thread = 0,
                                .seq = th.blocks,
                                .worker = ev->worker,
                                .base_time = ev->time_ns};
            codec_reset(&st, ev->time_ns, ev->worker);
            p = blk + TRACE_BLOCK_HEADER;
            end = blk + TRACE_BLOCK_SIZE;
        }
        if (i == 0)
            th.first_worker = ev->worker;
        p = codec_put_event(p, &st, ev);
        h.events++;
        th.events++;
    }
    free(blk);
    bool any = n_events > 0 || dropped > 0;
    return out_finish(&o, info, dropped, &th, any ? 1 : 0, names, n_names);
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
    if (len < TRACE_FILE_HEADER_SIZE)
        return fail(err, errlen,
                    "truncated: the header needs %d bytes, the file has %zu",
                    TRACE_FILE_HEADER_SIZE, len);
    uint32_t version = codec_get_u32(b + H_VERSION);
    if (version == 1)
        return fail(err, errlen,
                    "unsupported trace format version 1 (this build reads "
                    "version %d: record the run again)",
                    TRACE_FILE_VERSION);
    if (version != TRACE_FILE_VERSION)
        return fail(err, errlen,
                    "unsupported trace format version %" PRIu32
                    " (this build reads version %d)",
                    version, TRACE_FILE_VERSION);
    if (codec_get_u32(b + H_HEADER_SIZE) != TRACE_FILE_HEADER_SIZE ||
        codec_get_u32(b + H_BLOCK_HEADER) != TRACE_FILE_BLOCK_HEADER)
        return fail(err, errlen, "corrupt: bad header or block header size");
    c->events = codec_get_u64(b + H_EVENTS);
    c->dropped = codec_get_u64(b + H_DROPPED);
    c->tail_off = codec_get_u64(b + H_TAIL_OFF);
    c->tail_size = codec_get_u64(b + H_TAIL_SIZE);
    c->checksum = codec_get_u32(b + H_CHECKSUM);
    c->blocks = codec_get_u32(b + H_BLOCKS);
    if (c->tail_off == 0)
        return fail(err, errlen,
                    "truncated: the recording never finished (no name table)");
    if (c->tail_off < TRACE_FILE_HEADER_SIZE ||
        c->tail_size > UINT64_MAX - c->tail_off)
        return fail(err, errlen, "corrupt: offsets disagree");
    uint64_t end = c->tail_off + c->tail_size;
    if (len < end)
        return fail(err, errlen,
                    "truncated: expected %" PRIu64 " bytes, the file has %zu",
                    end, len);
    if (len > end)
        return fail(err, errlen, "corrupt: %" PRIu64 " bytes after the name table",
                    (uint64_t)(len - end));
    return 0;
}

static int decode_info(const unsigned char *b, trace_info_t *info, char *err,
                       size_t errlen)
{
    if (!field_get(info->executor, sizeof info->executor, b + H_EXECUTOR) ||
        !field_get(info->scenario, sizeof info->scenario, b + H_SCENARIO))
        return fail(err, errlen, "corrupt: unterminated name in the header");
    info->workers = codec_get_u32(b + H_WORKERS);
    info->seed = codec_get_u64(b + H_SEED);
    info->sim = (codec_get_u32(b + H_FLAGS) & FLAG_SIM) != 0;
    info->clock = codec_get_u32(b + H_CLOCK);
    if (info->workers > MAX_WORKERS)
        return fail(err, errlen, "corrupt: %u workers", info->workers);
    if (info->clock != TRACE_CLOCK_MONOTONIC &&
        info->clock != TRACE_CLOCK_VIRTUAL)
        return fail(err, errlen, "corrupt: unknown clock %u", info->clock);
    return 0;
}

/* The thread table at p (size bytes at least); *used gets its size. */
static int decode_threads(const unsigned char *p, uint64_t size,
                          const header_counts_t *c, trace_file_t *out,
                          uint64_t *used, char *err, size_t errlen)
{
    if (size < 4)
        return fail(err, errlen, "corrupt: thread table too short");
    uint32_t n = codec_get_u32(p);
    if (n > (size - 4) / THREAD_ENTRY)
        return fail(err, errlen, "corrupt: thread table count %" PRIu32, n);
    out->threads = calloc(n + 1, sizeof *out->threads);
    if (out->threads == NULL)
        return -ENOMEM;
    out->n_threads = n;
    uint64_t events = 0, lost = 0, blocks = 0;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *e = p + 4 + (size_t)i * THREAD_ENTRY;
        trace_thread_stats_t *t = &out->threads[i];
        t->thread = i;
        t->first_worker = codec_get_u32(e);
        t->blocks = codec_get_u32(e + 4);
        t->events = codec_get_u64(e + 8);
        t->lost = codec_get_u64(e + 16);
        if (t->events > UINT64_MAX - events || t->lost > UINT64_MAX - lost)
            return fail(err, errlen, "corrupt: thread %" PRIu32 " counts", i);
        events += t->events;
        lost += t->lost;
        blocks += t->blocks;
    }
    if (events != c->events || blocks != c->blocks || lost > c->dropped)
        return fail(err, errlen, "corrupt: the thread table and the header "
                                 "disagree");
    *used = 4 + (uint64_t)n * THREAD_ENTRY;
    return 0;
}

/* A thread's events in the merge: [pos, end) of the decoded array. */
typedef struct run {
    size_t pos, end;
    uint32_t thread;
} run_t;

static bool run_before(const trace_event_t *ev, const run_t *a, const run_t *b)
{
    uint64_t ta = ev[a->pos].time_ns, tb = ev[b->pos].time_ns;
    return ta < tb || (ta == tb && a->thread < b->thread);
}

static void heap_down(run_t *h, size_t n, size_t i, const trace_event_t *ev)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && run_before(ev, &h[l], &h[m]))
            m = l;
        if (r < n && run_before(ev, &h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        run_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Merge the threads' runs of in (thread i at [start[i], start[i+1]))
 * into out by time, ties by thread. */
static int merge_runs(const trace_event_t *in, trace_event_t *out,
                      const size_t *start, size_t n_threads)
{
    run_t *h = calloc(n_threads + 1, sizeof *h);
    if (h == NULL)
        return -ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < n_threads; i++)
        if (start[i] < start[i + 1])
            h[n++] = (run_t){start[i], start[i + 1], (uint32_t)i};
    for (size_t i = n; i-- > 0;)
        heap_down(h, n, i, in);
    size_t k = 0;
    while (n > 0) {
        out[k++] = in[h[0].pos++];
        if (h[0].pos == h[0].end)
            h[0] = h[--n];
        heap_down(h, n, 0, in);
    }
    free(h);
    return 0;
}

/* Every block between the header and the tail: checked, decoded into
 * each thread's run, then merged. */
static int decode_blocks(const unsigned char *b, const header_counts_t *c,
                         trace_file_t *out, char *err, size_t errlen)
{
    uint64_t region = c->tail_off - TRACE_FILE_HEADER_SIZE;
    if (c->events > region / 2)
        return fail(err, errlen, "corrupt: %" PRIu64 " events cannot fit in "
                                 "%" PRIu64 " bytes",
                    c->events, region);
    size_t n_th = out->n_threads;
    size_t n = (size_t)c->events;
    trace_event_t *raw = calloc(n + 1, sizeof *raw);
    size_t *start = calloc(n_th + 1, sizeof *start);
    size_t *fill = calloc(n_th + 1, sizeof *fill);
    uint32_t *seq = calloc(n_th + 1, sizeof *seq);
    int rc = 0;
    if (raw == NULL || start == NULL || fill == NULL || seq == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n_th; i++) {
        start[i + 1] = start[i] + (size_t)out->threads[i].events;
        fill[i] = start[i];
    }
    uint64_t off = TRACE_FILE_HEADER_SIZE;
    uint32_t nb = 0;
    while (off < c->tail_off) {
        const unsigned char *h = b + off;
        uint64_t left = c->tail_off - off;
        if (left < TRACE_BLOCK_HEADER || memcmp(h, "BLK", 4) != 0) {
            rc = fail(err, errlen, "corrupt: block %" PRIu32 " at byte %" PRIu64
                                   " has no block header",
                      nb, off);
            goto out;
        }
        codec_block_t bh = {
            .payload = codec_get_u32(h + BH_PAYLOAD),
            .thread = codec_get_u32(h + BH_THREAD),
            .seq = codec_get_u32(h + BH_SEQ),
            .base_time = codec_get_u64(h + BH_BASE_TIME),
            .worker = codec_get_u32(h + BH_WORKER),
            .events = codec_get_u32(h + BH_EVENTS),
        };
        if (bh.payload > left - TRACE_BLOCK_HEADER) {
            rc = fail(err, errlen, "corrupt: block %" PRIu32 " runs past the "
                                   "blocks",
                      nb);
            goto out;
        }
        uint32_t crc = trace_crc32c(0, h, BH_CRC);
        crc = trace_crc32c(crc, h + TRACE_BLOCK_HEADER, bh.payload);
        if (crc != codec_get_u32(h + BH_CRC)) {
            rc = fail(err, errlen, "corrupt: block %" PRIu32 " checksum "
                                   "mismatch",
                      nb);
            goto out;
        }
        if (codec_get_u32(h + BH_RESERVED) != 0 || bh.thread >= n_th ||
            bh.seq != seq[bh.thread] ||
            bh.events > start[bh.thread + 1] - fill[bh.thread]) {
            rc = fail(err, errlen, "corrupt: block %" PRIu32 " out of place "
                                   "(thread %" PRIu32 ", number %" PRIu32 ")",
                      nb, bh.thread, bh.seq);
            goto out;
        }
        seq[bh.thread]++;
        codec_state_t st;
        codec_reset(&st, bh.base_time, bh.worker);
        const unsigned char *p = h + TRACE_BLOCK_HEADER;
        const unsigned char *end = p + bh.payload;
        for (uint32_t j = 0; j < bh.events; j++) {
            const char *why = "";
            trace_event_t *ev = &raw[fill[bh.thread]++];
            if (codec_get_event(&p, end, &st, ev, &why) != 0) {
                rc = fail(err, errlen, "corrupt: block %" PRIu32 " event %" PRIu32
                                       ": %s",
                          nb, j, why);
                goto out;
            }
        }
        if (p != end) {
            rc = fail(err, errlen, "corrupt: block %" PRIu32 " has bytes after "
                                   "its events",
                      nb);
            goto out;
        }
        off += TRACE_BLOCK_HEADER + bh.payload;
        nb++;
    }
    for (size_t i = 0; i < n_th; i++)
        if (fill[i] != start[i + 1] || seq[i] != out->threads[i].blocks) {
            rc = fail(err, errlen, "corrupt: thread %zu has blocks missing", i);
            goto out;
        }
    if (nb != c->blocks) {
        rc = fail(err, errlen, "corrupt: %" PRIu32 " blocks, the header says "
                               "%" PRIu32,
                  nb, c->blocks);
        goto out;
    }
    if (n_th <= 1) {
        out->events = raw;
        raw = NULL;
    } else {
        out->events = calloc(n + 1, sizeof *out->events);
        if (out->events == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        rc = merge_runs(raw, out->events, start, n_th);
        if (rc != 0)
            goto out;
    }
    out->n_events = n;
    out->blocks = nb;
out:
    free(raw);
    free(start);
    free(fill);
    free(seq);
    return rc;
}

static int decode_names(const unsigned char *p, uint64_t size,
                        trace_file_t *out, char *err, size_t errlen)
{
    if (size < 4)
        return fail(err, errlen, "corrupt: name table too short");
    uint32_t count = codec_get_u32(p);
    if (count > (size - 4) / 2)
        return fail(err, errlen, "corrupt: name table count %u", count);
    out->names = calloc(count + 1, sizeof *out->names);
    if (out->names == NULL)
        return -ENOMEM;
    uint64_t at = 4;
    for (uint32_t i = 0; i < count; i++) {
        if (size - at < 2)
            return fail(err, errlen, "corrupt: name %u cut short", i + 1);
        uint16_t len = (uint16_t)(p[at] | (p[at + 1] << 8));
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
    if (header_crc(b, b + c.tail_off, (size_t)c.tail_size) != c.checksum)
        return fail(err, errlen, "corrupt: checksum mismatch");
    rc = decode_info(b, &out->info, err, errlen);
    uint64_t used = 0;
    if (rc == 0)
        rc = decode_threads(b + c.tail_off, c.tail_size, &c, out, &used, err,
                            errlen);
    if (rc == 0)
        rc = decode_names(b + c.tail_off + used, c.tail_size - used, out, err,
                          errlen);
    if (rc == 0)
        rc = decode_blocks(b, &c, out, err, errlen);
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
    free(f->threads);
    memset(f, 0, sizeof *f);
}
