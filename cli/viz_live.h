/*
 * cli/viz_live.h - PRIVATE to cli/: a scenario running on a real executor
 * in a thread of its own, paced by the visualizer one decision at a time
 * (the viz_source_t of visualizer/viz.h).
 *
 * Used by cli/cmd_viz.c. Tests: tests/viz.sh.
 */
#ifndef ASYNCLAB_CLI_VIZ_LIVE_H
#define ASYNCLAB_CLI_VIZ_LIVE_H

#include <stdbool.h>

#include "scenarios/scenario.h"
#include "core/executor.h"
#include "core/trace.h"
#include "trace/blocks.h"
#include "trace/live.h"
#include "visualizer/viz.h"

typedef struct viz_live viz_live_t;

/*
 * Where a live run's events go: the lossless per-thread blocks a trace
 * file gets (trace/blocks.h), read while they are written (trace/live.h).
 * It outlives the run, so that its losses can be told after.
 */
typedef struct viz_trace {
    trace_blocks_t blocks;
    trace_live_t live;
    bool paced;    /* one decision at a time: every event is in before
                      the UI looks, so no watermark is needed */
    bool finished; /* the run ended: the blocks are finished */
} viz_trace_t;

/* 0 or -errno. paced as for viz_live_start. */
int viz_trace_init(viz_trace_t *t, bool paced);
void viz_trace_destroy(viz_trace_t *t);

/*
 * Start sc on a new executor made from cfg (whose trace is set to t),
 * in a thread of its own. paced: the scenario's executor_run goes one
 * decision per grant; otherwise it runs freely (ws threads mode, which
 * cannot step). Nothing runs until the first grant when paced. Returns
 * NULL with *err = -errno.
 */
viz_live_t *viz_live_start(const scenario_t *sc, const scenario_params_t *p,
                           executor_config_t cfg, viz_trace_t *t,
                           int *err);

/* The source for viz_ui_live (its drain and losses read l's trace). */
viz_source_t viz_live_source(viz_live_t *l);

/*
 * Ask the run to stop and wait up to wait_ms for its thread. True when it
 * ended: status gets how ("finished: ...", "stopped", "failed: ..."), *rc
 * the scenario's result, and l is freed. False when it is still running (a
 * free run cannot be interrupted): the caller must exit the process.
 */
bool viz_live_stop(viz_live_t *l, int wait_ms, char *status, size_t n, int *rc);

#endif
