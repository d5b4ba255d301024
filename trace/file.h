/*
 * trace/file.h - trace files: the writer (rings drained by a thread into
 * a file) and the reader (a whole file decoded into memory, checked).
 *
 * The format, byte for byte, is docs/trace-format.md; the code is
 * trace/file.c.
 *
 * Tests: tests/test_trace.c, tests/trace.sh, fuzz/fuzz_trace.c.
 */
#ifndef ASYNCLAB_TRACE_FILE_H
#define ASYNCLAB_TRACE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/trace.h"

/* ---- trace files: see docs/trace-format.md ------------------------------- */

#define TRACE_FILE_VERSION     1
#define TRACE_FILE_HEADER_SIZE 128
#define TRACE_FILE_EVENT_SIZE  40

enum { TRACE_CLOCK_MONOTONIC = 0, TRACE_CLOCK_VIRTUAL = 1 };

/* What a trace file says about the run it recorded. */
typedef struct trace_info {
    char executor[16]; /* "spin", "notify", "ws" (NUL-terminated) */
    char scenario[32]; /* "fanout" ... (NUL-terminated) */
    uint32_t workers;
    uint32_t clock; /* TRACE_CLOCK_* */
    uint64_t seed;
    bool sim; /* ws simulation mode */
} trace_info_t;

/* Fill info's strings safely (truncating) and its numbers. */
void trace_info_set(trace_info_t *info, const char *executor,
                    const char *scenario, uint32_t workers, bool sim,
                    uint64_t seed, uint32_t clock);

/* A file being written: events reach it through per-thread rings and a
 * writer thread that drains them every millisecond. */
typedef struct trace_writer trace_writer_t;

/*
 * Create path and write a provisional header. On success returns the
 * writer; on failure NULL with *err = -errno.
 */
trace_writer_t *trace_writer_open(const char *path, const trace_info_t *info,
                                  int *err);

/* The sink to put in executor_config_t.trace. */
trace_sink_t *trace_writer_sink(trace_writer_t *w);

/*
 * Stop the writer thread, write the last events, the name table and the
 * final header; free w. No thread may emit into the sink any more.
 * 0, or -errno (the file is then incomplete and a reader rejects it).
 */
int trace_writer_close(trace_writer_t *w);

/* A trace file read into memory. */
typedef struct trace_file {
    trace_info_t info;
    trace_event_t *events;
    size_t n_events;
    uint64_t dropped; /* events the recording lost (full rings) */
    char **names;     /* names[i] is the name with id i + 1 */
    size_t n_names;
} trace_file_t;

/*
 * Decode a whole trace file from memory. 0, or -EINVAL / -ENOMEM with a
 * one-line reason in err ("truncated: ...", "corrupt: ...", "unsupported
 * trace format version 2 ...", "empty file"). Never reads outside buf.
 */
int trace_file_parse(const void *buf, size_t len, trace_file_t *out, char *err,
                     size_t errlen);

/* Read and decode path; as trace_file_parse, plus -errno for I/O. */
int trace_file_load(const char *path, trace_file_t *out, char *err,
                    size_t errlen);

/*
 * Write a complete trace file from memory: the events given, and the
 * names of names[0 .. n_names) as ids 1 .. n_names. 0 or -errno.
 */
int trace_file_save(const char *path, const trace_info_t *info,
                    const trace_event_t *events, size_t n_events,
                    uint64_t dropped, const char *const *names, size_t n_names);

/* The name with this id in f, or NULL. */
const char *trace_file_name(const trace_file_t *f, uint64_t id);

void trace_file_free(trace_file_t *f);

#endif
