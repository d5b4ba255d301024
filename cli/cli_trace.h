/*
 * cli/cli_trace.h - PRIVATE to cli/: what the trace-reading commands
 * (replay, trace) share.
 */
#ifndef ASYNCLAB_CLI_TRACE_H
#define ASYNCLAB_CLI_TRACE_H

#include <stdbool.h>

#include "core/trace.h"

/*
 * Load path into f. On error print "asynclab: PATH: reason" (one line:
 * "truncated: ...", "corrupt: ...", "unsupported trace format version
 * ...", "empty file") and return false; the command then exits 2.
 * Defined in cli/cmd_replay.c.
 */
bool cli__load_trace(const char *path, trace_file_t *f);

#endif
