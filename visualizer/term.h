/*
 * visualizer/term.h - can this terminal hold the visualizer's full screen?
 * Asked by the program before it starts a full-screen command (cli/main.c:
 * viz, replay), so that a terminal that cannot draw one is told so in one
 * line before anything runs; and by the UI loop itself (visualizer/ui.c).
 *
 *   0            stdin and stdout are a terminal that terminfo knows and
 *                that can move its cursor
 *   -ENOTTY      stdin or stdout is not a terminal (a file, a pipe)
 *   -ENOENT      TERM is unset, or names a type terminfo does not know
 *   -EOPNOTSUPP  a terminal that cannot draw a screen: TERM=dumb (or any
 *                type without cursor addressing, or a hardcopy one)
 *
 * Also NO_COLOR (https://no-color.org): set and not empty, the visualizer
 * draws without colour (bold and reverse only). Tests: tests/install.sh
 * (TERM=dumb, through script(1)), tests/viz.sh.
 */
#ifndef ASYNCLAB_VISUALIZER_TERM_H
#define ASYNCLAB_VISUALIZER_TERM_H

#include <stdbool.h>

int viz_term_check(void);

/* True when NO_COLOR asks for no colour (set, and not empty). */
bool viz_no_color(void);

#endif
