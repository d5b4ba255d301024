/*
 * visualizer/escape.h - names made safe to print on a terminal.
 *
 * Task names, scenario and executor names come from trace files, which
 * anyone can craft, and from the code that spawned the tasks. Printed raw,
 * an escape sequence in a name drives the reader's terminal (moves the
 * cursor, retitles the window, rewrites what was printed before). Every
 * text output of a name goes through viz_escape first: the text exporter,
 * viz_describe's lines, the visualizer's screen, `trace info`, `replay`.
 *
 * Kept as they are: printable ASCII and well-formed UTF-8 from U+00A0 on.
 * Written as \xHH: the bytes below 0x20, DEL (0x7f), every byte of an
 * ill-formed UTF-8 sequence, and the C1 controls (U+0080 to U+009F, which
 * some terminals obey as escapes: U+009B is CSI); also the bidirectional
 * overrides and isolates (U+202A to U+202E, U+2066 to U+2069), as
 * \u{HHHH}, which reorder what is shown. \n, \r and \t are written so.
 *
 * Printable ASCII in, the same out: escaping twice changes nothing, so a
 * line whose names were escaped may pass through another sink that
 * escapes. (A backslash is kept: a name that reads "\x1b" and one holding
 * the byte look the same, which for a display is fine.)
 *
 * Tests: tests/test_viz_export.c (viz_escape_*), tests/trace.sh.
 */
#ifndef ASYNCLAB_VISUALIZER_ESCAPE_H
#define ASYNCLAB_VISUALIZER_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* s escaped into out (n > 0 bytes, always NUL-terminated; cut at a whole
 * character or escape when it does not fit). Returns out. */
char *viz_escape(const char *s, char *out, size_t n);

/* Whether viz_escape would leave s as it is. */
bool viz_is_printable(const char *s);

#endif
