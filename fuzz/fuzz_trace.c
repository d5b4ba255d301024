/*
 * fuzz/fuzz_trace.c - libFuzzer harness for the trace file reader
 * (trace/file.c), and for everything that reads what the reader
 * accepts: the visualizer's model, a session stepping forward and back,
 * both exports.
 *
 *   make fuzz                              every harness (tools/fuzz.sh)
 *   build/fuzz/fuzz_trace fuzz/corpus/trace    this one by hand
 *
 * Each input is read twice: as it is (most mutations stop at the
 * checksums, which is the point of checksums), and with every block's
 * CRC-32C and the header's recomputed, so that the block walk, the event
 * decoder, the thread and name tables and the merge behind them are
 * explored too. Seeds (fuzz/corpus/trace/) are small real recordings
 * (asynclab run ... --trace).
 *
 * A failure is a crash, a leak, undefined behaviour, or an error message
 * that is empty or longer than one line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "trace/codec.h"
#include "trace/file.h"
#include "visualizer/export.h"
#include "visualizer/viz.h"

/* Replay f through a session: forward to the end, a few steps back. */
static void exercise_session(trace_file_t *f)
{
    viz_session_t s;
    if (viz_session_init(&s, f->info.executor, f->info.workers,
                         f->info.scenario, viz_file_name, f) != 0)
        return;
    for (size_t i = 0; i < f->n_events; i++)
        viz_session_append(&s, &f->events[i]);
    viz_session_rewind(&s);
    while (viz_session_forward(&s))
        ;
    for (int i = 0; i < 3 && viz_session_back(&s); i++)
        ;
    viz_session_destroy(&s);
}

/* Both exports, into a memory stream that is thrown away. */
static void exercise_exports(const trace_file_t *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out == NULL)
        return;
    viz_export_perfetto(f, out, NULL);
    viz_export_text(f, out, NULL);
    fclose(out);
    free(buf);
}

/* Parse data; on success run everything over the result. */
static void read_one(const uint8_t *data, size_t size)
{
    trace_file_t f;
    char err[256];
    err[0] = 0;
    if (trace_file_parse(data, size, &f, err, sizeof err) != 0) {
        if (err[0] == 0 || strchr(err, '\n') != NULL)
            abort(); /* every rejection is one line of words */
        return;
    }
    /* Keep the work per input small: the model is linear in events. */
    if (f.n_events <= 4096) {
        exercise_session(&f);
        exercise_exports(&f);
    }
    trace_file_free(&f);
}

#define HEADER      128
#define CHECKSUM_AT 120
#define TAIL_OFF_AT 104
#define BLOCK_HDR   40

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* docs/trace-format.md, version 2: each block's CRC-32C (its header's
 * first 36 bytes, then its payload), as far as the blocks can be walked;
 * then the header's (the header with its checksum as zeros, then the
 * tail). */
static void fix_checksum(uint8_t *b, size_t size)
{
    uint64_t tail = get_u64(b + TAIL_OFF_AT);
    if (tail < HEADER || tail > size)
        tail = size;
    size_t off = HEADER;
    while (off + BLOCK_HDR <= tail) {
        uint8_t *h = b + off;
        uint32_t payload = (uint32_t)(h[4] | h[5] << 8 | h[6] << 16 |
                                      (uint32_t)h[7] << 24);
        if (payload > tail - off - BLOCK_HDR)
            break;
        uint32_t crc = trace_crc32c(0, h, 36);
        put_u32(h + 36, trace_crc32c(crc, h + BLOCK_HDR, payload));
        off += BLOCK_HDR + payload;
    }
    memset(b + CHECKSUM_AT, 0, 4);
    uint32_t crc = trace_crc32c(0, b, HEADER);
    put_u32(b + CHECKSUM_AT, trace_crc32c(crc, b + tail, size - tail));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_one(data, size);
    if (size < HEADER)
        return 0;
    uint8_t *copy = malloc(size);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    fix_checksum(copy, size);
    read_one(copy, size);
    free(copy);
    return 0;
}
