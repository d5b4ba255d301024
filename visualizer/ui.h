/*
 * visualizer/ui.h - PRIVATE to visualizer/: the UI's state, shared by the
 * loop (ui.c: keys, pacing, signals) and the views (views.c: drawing).
 */
#ifndef ASYNCLAB_VISUALIZER_UI_H
#define ASYNCLAB_VISUALIZER_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "visualizer/viz.h"

#define VIZ_MIN_COLS 80
#define VIZ_MIN_ROWS 24
#define VIZ_NOTES    8 /* lines of the workload's stderr kept */

typedef enum viz_panel {
    VIZ_PANEL_TASKS,
    VIZ_PANEL_LOG,
    VIZ_PANEL_WARNINGS,
    VIZ_PANEL_COUNT
} viz_panel_t;

/* Everything the UI thread knows besides the session. UI thread only. */
typedef struct viz_ui {
    viz_session_t *s;
    const viz_source_t *src; /* NULL: a replay */
    const viz_options_t *o;

    bool paused;
    int speed;         /* index into the delays of ui.c */
    int delay_ms;      /* that delay */
    viz_panel_t focus; /* tab cycles it */
    size_t task_sel;   /* selected row of the task table */
    size_t task_top;   /* first row shown */
    size_t log_back;   /* log lines scrolled back from the newest */
    size_t warn_top;
    bool show_help, show_detail;
    bool finished;                   /* the live workload has ended */
    char ended[128];                 /* how it ended ("finished: ...") */
    char status[128];                /* a passing message ("at the start") */
    unsigned long pending_steps;     /* steps asked for (s, a tick) and not
                                        taken yet: ui.c's step_pump */
    uint64_t awaited;                /* the live decision count a grant
                                        waits for (steps_done) */
    char notes[VIZ_NOTES][VIZ_LINE]; /* the workload's stderr, newest */
    size_t n_notes;                  /* lines ever noted */
} viz_ui_t;

/* Draw the whole screen from ui and its session (views.c). */
void viz__draw(viz_ui_t *ui);

/* Colour on screen: the terminal has it and NO_COLOR does not say no
 * (ui.c; visualizer/term.h). */
bool viz__use_color(void);

/* The delay of a speed index, and how many there are (ui.c). */
int viz__delay_of(int speed);

#endif
