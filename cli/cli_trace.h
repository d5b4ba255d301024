/*
 * cli/cli_trace.h - PRIVATE to cli/: what the trace-reading commands
 * (replay, trace) share.
 */
#ifndef ASYNCLAB_CLI_TRACE_H
#define ASYNCLAB_CLI_TRACE_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"

#include "core/trace.h"
#include "trace/file.h"

/*
 * Load path into f. On error print "asynclab: PATH: reason" (one line:
 * "truncated: ...", "corrupt: ...", "unsupported trace format version
 * ...", "empty file") and return false; the command then exits 1.
 * Defined in cli/cmd_replay.c.
 */
bool cli__load_trace(const char *path, trace_file_t *f);

/*
 * --trace-drop and --trace-buffer KIB (run and bench): the recording's
 * options, checked. False (after a usage error, *status set) when they
 * make no sense (no --trace). Defined in cli/cmd_trace.c.
 */
bool cli__trace_opts(const cli_command_t *cmd, const char *trace, bool drop,
                     int buffer_kib, trace_writer_opts_t *out, int *status);

/* One line on out: "LABEL PATH: N events, B bytes (X bytes/event); no
 * events lost" (or "lost N events: thread 1 (w0) ..."). Defined in
 * cli/cmd_trace.c. */
void cli__print_trace_report(FILE *out, const char *label, const char *path,
                             const trace_writer_report_t *rep);

/*
 * The visualizer could not open the screen (ui is viz_ui_*'s -ENOTTY or
 * -ENOENT): say why in one line ("viz needs a terminal ...", "TERM 'x'
 * names no terminal type terminfo knows ...") and return true; false for
 * any other ui result. cmd is "viz" or "replay". Defined in cli/cmd_viz.c.
 */
bool cli__no_screen(const char *cmd, int ui);

#endif
