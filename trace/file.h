/*
 * trace/file.h - trace files: the writer (per-thread blocks, trace/blocks.h,
 * written whole by a thread of its own) and the reader (a whole file
 * checked, decoded, and its threads merged by time into one stream).
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
#include "trace/blocks.h"

/* ---- trace files: see docs/trace-format.md ------------------------------- */

#define TRACE_FILE_VERSION      2
#define TRACE_FILE_HEADER_SIZE  128
#define TRACE_FILE_BLOCK_HEADER 40

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

/* A file being written: events reach it through per-thread blocks
 * (trace/blocks.h) that a writer thread writes whole, one write() each. */
typedef struct trace_writer trace_writer_t;

/* How to record: lossless (the default), or bounded buffers that drop. */
typedef struct trace_writer_opts {
    bool drop;           /* --trace-drop: drop (counted) when a thread's
                            buffer is full, rather than take more memory */
    size_t buffer_bytes; /* drop mode: bytes per thread (0: 256 KiB) */
    size_t block_bytes;  /* 0: 64 KiB blocks; tests make them small */
} trace_writer_opts_t;

/*
 * Create path and write a provisional header. On success returns the
 * writer; on failure NULL with *err = -errno. opts NULL: lossless.
 */
trace_writer_t *trace_writer_open(const char *path, const trace_info_t *info,
                                  int *err);
trace_writer_t *trace_writer_open_opts(const char *path,
                                       const trace_info_t *info,
                                       const trace_writer_opts_t *opts,
                                       int *err);

/* The sink to put in executor_config_t.trace. */
trace_sink_t *trace_writer_sink(trace_writer_t *w);

/* What a finished recording holds (for the commands' summaries). */
typedef struct trace_writer_report {
    uint64_t events;  /* in the file */
    uint64_t dropped; /* lost, every thread together */
    uint64_t bytes;   /* the file's size */
    uint64_t blocks;
    size_t n_threads;
    trace_thread_stats_t *threads; /* per thread: events, lost (malloc'd) */
} trace_writer_report_t;

/*
 * Stop the writer thread, write the last blocks, the thread and name
 * tables and the final header; free w. No thread may emit into the sink
 * any more. 0, or -errno (the file is then incomplete and a reader
 * rejects it). rep (may be NULL) gets what was written; free it with
 * trace_writer_report_free.
 */
int trace_writer_close(trace_writer_t *w);
int trace_writer_close_report(trace_writer_t *w, trace_writer_report_t *rep);
void trace_writer_report_free(trace_writer_report_t *rep);

/*
 * "lost 12 events: thread 1 (w0) 10, thread 2 (w1) 2" or "no events
 * lost": one line for any summary, of n threads' stats and a total.
 */
void trace_describe_losses(char *buf, size_t n, uint64_t dropped,
                           const trace_thread_stats_t *threads,
                           size_t n_threads);

/* A trace file read into memory. */
typedef struct trace_file {
    trace_info_t info;
    trace_event_t *events; /* every thread's, merged by time */
    size_t n_events;
    uint64_t dropped; /* events the recording lost, all threads */
    trace_thread_stats_t *threads; /* per recording thread: events, lost */
    size_t n_threads;
    uint64_t blocks;
    char **names; /* names[i] is the name with id i + 1 */
    size_t n_names;
} trace_file_t;

/*
 * Decode a whole trace file from memory. 0, or -EINVAL / -ENOMEM with a
 * one-line reason in err ("truncated: ...", "corrupt: ...", "unsupported
 * trace format version 1 ...", "empty file"). Never reads outside buf.
 */
int trace_file_parse(const void *buf, size_t len, trace_file_t *out, char *err,
                     size_t errlen);

/* Read and decode path; as trace_file_parse, plus -errno for I/O. */
int trace_file_load(const char *path, trace_file_t *out, char *err,
                    size_t errlen);

/*
 * Write a complete trace file from memory: the events given, in their
 * order, as the stream of one thread (thread 0, which is also said to have
 * lost `dropped` events), and the names of names[0 .. n_names) as ids
 * 1 .. n_names. 0 or -errno (-EINVAL: an event of no known kind).
 */
int trace_file_save(const char *path, const trace_info_t *info,
                    const trace_event_t *events, size_t n_events,
                    uint64_t dropped, const char *const *names, size_t n_names);

/* The name with this id in f, or NULL. */
const char *trace_file_name(const trace_file_t *f, uint64_t id);

void trace_file_free(trace_file_t *f);

#endif
