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
 * checksum, which is the point of a checksum), and with the checksum
 * recomputed, so that the header, event and name-table decoders behind it
 * are explored too. Seeds (fuzz/corpus/trace/) are small real recordings
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

/* docs/trace-format.md: FNV-1a over the body, then the header with the
 * checksum field as zeros. */
static void fix_checksum(uint8_t *b, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ull;
    memset(b + CHECKSUM_AT, 0, 8);
    for (size_t i = HEADER; i < size; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    for (size_t i = 0; i < HEADER; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    for (int i = 0; i < 8; i++)
        b[CHECKSUM_AT + i] = (uint8_t)(h >> (8 * i));
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
