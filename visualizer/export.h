/*
 * visualizer/export.h - a recorded trace as something other tools read:
 * Chrome/Perfetto trace JSON (open it in ui.perfetto.dev), or the event
 * log in words.
 *
 * Both read the events through the model (visualizer/model.h), so they
 * speak exactly as the visualizer does.
 *
 * Tests: tests/test_viz_export.c, tests/trace.sh (the JSON parses).
 */
#ifndef ASYNCLAB_VISUALIZER_EXPORT_H
#define ASYNCLAB_VISUALIZER_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "core/trace.h"
#include "trace/file.h"

/* What an export wrote, for tests and for the command's summary line. */
typedef struct viz_export_counts {
    size_t slices;      /* "X" of polls: one per poll */
    size_t wake_slices; /* "X" given to a wake from outside any poll, so
                           its arrow has a slice to start from */
    size_t instants;    /* "i": wakes, steals, parks, timers, lost wakers */
    size_t flows;       /* "s"+"f" pairs: who woke whom, to the next poll */
    size_t counters;    /* "C": a queue's length changed */
    size_t lines;       /* text export: event lines */
} viz_export_counts_t;

/*
 * Chrome trace JSON ("Trace Event Format") of f to out: one track per
 * worker (named w0, w1 ...) plus one for the driver and other threads;
 * each poll a complete slice; wakes, steals and parks instants; each wake
 * a flow arrow to the woken task's next poll; queue lengths as counters.
 * 0, or -EIO when out reports an error. counts may be NULL.
 */
int viz_export_perfetto(const trace_file_t *f, FILE *out,
                        viz_export_counts_t *counts);

/* The run's header and one line per event in words. 0 or -EIO. */
int viz_export_text(const trace_file_t *f, FILE *out,
                    viz_export_counts_t *counts);

/* A trace_file_t's names for the model (viz_name_fn). */
const char *viz_file_name(void *trace_file, uint64_t id);

#endif
