/*
 * cli/viz_print.h - PRIVATE to cli/: the options of a printed screen,
 * which viz (cli/cmd_viz.c) and replay (cli/cmd_replay.c) share:
 *
 *   --print-screen N [--size COLSxROWS] [--back K] [--frames]
 *
 * No terminal is needed: the run starts paused (as --step), takes N steps
 * (each what the key s does), then K back (the left arrow), and the
 * screen the visualizer would draw at COLSxROWS (default 100x30) is
 * written to stdout as plain text (visualizer/viz.h: viz_ui_print_screen).
 * --frames prints every screen on the way (after 0, 1, ... N steps, then
 * each step back), so a test compares step k reached forward and back.
 *
 * Tests: tests/viz.sh, tests/watch.sh.
 */
#ifndef ASYNCLAB_CLI_VIZ_PRINT_H
#define ASYNCLAB_CLI_VIZ_PRINT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "visualizer/viz.h"

#define CLI_PRINT_COLS 100
#define CLI_PRINT_ROWS 30

typedef struct cli_print_args {
    int steps;        /* --print-screen N; -1: not asked for */
    const char *size; /* --size COLSxROWS; NULL: the default */
    int back;         /* --back K; -1: not given */
    bool frames;      /* --frames: every screen on the way */
} cli_print_args_t;

#define CLI_PRINT_ARGS_INIT {-1, NULL, -1, false}

/* The three options' lines of an option table, for the struct `type`
 * whose member `m` is a cli_print_args_t. */
#define CLI_PRINT_OPTS(type, m)                                                \
    {"--print-screen", CLI_INT, 0, INT_MAX, offsetof(type, m.steps), "N",      \
     "no terminal needed: take N steps paused (as --step), print the "       \
     "screen as text, exit"},                                                  \
    {"--size", CLI_STRING, 0, 0, offsetof(type, m.size), "COLSxROWS",          \
     "with --print-screen: the screen's size (default 100x30)"},               \
    {"--back", CLI_INT, 0, INT_MAX, offsetof(type, m.back), "K",               \
     "with --print-screen: then K steps back, as the left arrow"},            \
    {"--frames", CLI_FLAG, 0, 0, offsetof(type, m.frames), NULL,              \
     "with --print-screen: the screen after every step, forward then back, " \
     "each after a line of a form feed, 'forward' or 'back', the step"}

/* True when --print-screen was given. */
static inline bool cli_print_asked(const cli_print_args_t *a)
{
    return a->steps >= 0;
}

/*
 * Check the three options together and fill p. 0, or the exit status 2
 * after a one-line reason and cmd's usage (--size not COLSxROWS, or
 * --size/--back/--frames without --print-screen).
 */
int cli__print_args(const cli_command_t *cmd, const cli_print_args_t *a,
                    viz_print_t *p);

/*
 * Point stdout (fd 1) at stderr for the rest of the process, so that
 * nothing but the screen reaches the real stdout (a scenario's printf
 * goes to stderr), and return a stream on the real one; NULL after saying
 * why. Called before the workload starts.
 */
FILE *cli__print_stream(const char *cmd);

/* The exit status for viz_ui_print_screen's result rc, after one line on
 * stderr when it failed. */
int cli__print_status(const char *cmd, int rc);

#endif
