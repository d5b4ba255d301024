/*
 * cli/cli_trace.h - PRIVATE to cli/: what the trace-reading commands
 * (replay, trace) share.
 */
#ifndef ASYNCLAB_CLI_TRACE_H
#define ASYNCLAB_CLI_TRACE_H

#include <stdbool.h>

#include "core/trace.h"
#include "trace/file.h"

/*
 * Load path into f. On error print "asynclab: PATH: reason" (one line:
 * "truncated: ...", "corrupt: ...", "unsupported trace format version
 * ...", "empty file") and return false; the command then exits 2.
 * Defined in cli/cmd_replay.c.
 */
bool cli__load_trace(const char *path, trace_file_t *f);

/*
 * The visualizer could not open the screen (ui is viz_ui_*'s -ENOTTY or
 * -ENOENT): say why in one line ("viz needs a terminal ...", "TERM 'x'
 * names no terminal type terminfo knows ...") and return true; false for
 * any other ui result. cmd is "viz" or "replay". Defined in cli/cmd_viz.c.
 */
bool cli__no_screen(const char *cmd, int ui);

#endif
