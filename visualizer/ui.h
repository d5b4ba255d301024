/*
 * visualizer/ui.h - PRIVATE to visualizer/: the UI's state, shared by the
 * loop (ui.c: keys, pacing, signals, moving through time) and the views
 * (views.c: drawing).
 *
 * Room for panels drawn by other files: a panel (the timeline) is a
 * viz_panel_hook_t set in ui->panel by ui.c's ui_init; the views give it
 * a rectangle of the screen between the executor's panel and the driver,
 * as many rows as it asks for (at most what is left after the 80x24
 * minimum of everything else). A caption (the tour's narration) is
 * ui->caption: a box drawn over the lower part of the screen, above the
 * key bar, while its text is set.
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
#define VIZ_INPUT    64 /* a prompt's text, with NUL */

typedef enum viz_panel {
    VIZ_PANEL_TASKS,
    VIZ_PANEL_LOG,
    VIZ_PANEL_WARNINGS,
    VIZ_PANEL_COUNT
} viz_panel_t;

/* The task table's columns, in order; the table sorts by any of them. */
typedef enum viz_column {
    VIZ_COL_ID,
    VIZ_COL_NAME,
    VIZ_COL_STATE,
    VIZ_COL_WHERE,
    VIZ_COL_POLLS,
    VIZ_COL_WAKES,
    VIZ_COL_SELF,
    VIZ_COL_BUSY,
    VIZ_COL_IDLE,
    VIZ_COL_WOKEN,
    VIZ_COL_COUNT
} viz_column_t;

/* What the task table and the log are narrowed to (key f). */
typedef enum viz_filter_kind {
    VIZ_FILTER_NONE,
    VIZ_FILTER_TASK,   /* tN: that task's events, that task's row */
    VIZ_FILTER_WORKER, /* wN: events on that worker (and steals from it);
                          tasks queued on it or running there */
    VIZ_FILTER_KIND,   /* an event kind, by name or its start ("poll") */
    VIZ_FILTER_NAME,   /* anything else: tasks of that name */
} viz_filter_kind_t;

typedef struct viz_filter {
    viz_filter_kind_t kind;
    uint64_t value; /* task id, worker, or kind */
    char text[VIZ_INPUT];
} viz_filter_t;

/* A question on the key bar, answered by Enter (Esc cancels). */
typedef enum viz_prompt {
    VIZ_PROMPT_NONE,
    VIZ_PROMPT_GOTO,   /* ':' event N, or a time ("12.5ms") */
    VIZ_PROMPT_SEARCH, /* '/' words in the event log */
    VIZ_PROMPT_FILTER, /* 'f' */
} viz_prompt_t;

/* A move to the next (or previous) event of some sort: what it looks for. */
typedef enum viz_seek {
    VIZ_SEEK_NONE,
    VIZ_SEEK_TASK,    /* an event of task `arg` */
    VIZ_SEEK_WORKER,  /* an event on worker `arg` */
    VIZ_SEEK_STEAL,   /* a steal */
    VIZ_SEEK_WARNING, /* a new warning */
    VIZ_SEEK_TEXT,    /* a log line holding ui->search */
    VIZ_SEEK_EVENT,   /* event number `arg` (1-based) */
    VIZ_SEEK_TIME,    /* the first event at `arg` ns or later */
    VIZ_SEEK_END,     /* the end of the run */
} viz_seek_t;

typedef struct viz_ui viz_ui_t;

/* A panel another file draws (the timeline): rows it wants at this width
 * (0: none now), and drawing into y, x, h rows, w columns; key gets first
 * say over a key the UI does not use itself (true: taken). */
typedef struct viz_panel_hook {
    int (*rows)(viz_ui_t *ui, int cols);
    void (*draw)(viz_ui_t *ui, int y, int x, int h, int w);
    bool (*key)(viz_ui_t *ui, int ch);
    void *ctx;
} viz_panel_hook_t;

/* A caption over the screen: a title and words (wrapped to the box). */
typedef struct viz_caption {
    const char *title; /* NULL: no caption */
    const char *text;
    const char *hint;  /* the last line, e.g. "Enter: continue" */
} viz_caption_t;

/* Everything the UI thread knows besides the session. UI thread only. */
struct viz_ui {
    viz_session_t *s;
    const viz_source_t *src; /* NULL: a replay */
    const viz_options_t *o;

    bool paused;
    int speed;         /* index into the delays of ui.c */
    int delay_ms;      /* that delay */
    viz_panel_t focus; /* tab cycles it */
    size_t task_sel;   /* selected row of the task table (as shown) */
    size_t task_top;   /* first row shown */
    uint64_t task_id;  /* the task of the selected row, 0: none */
    size_t log_back;   /* log lines scrolled back from the newest */
    size_t warn_sel;   /* selected warning, counted from the newest */
    uint32_t worker_sel; /* the selected lane (< and >) */
    uint32_t lane_top;   /* first lane shown */
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

    /* moving through time */
    viz_prompt_t prompt;
    char input[VIZ_INPUT];
    size_t input_len;
    char search[VIZ_INPUT]; /* the last search (n and N repeat it) */
    viz_seek_t seek;        /* a forward move still going (a live run
                               taking steps until it finds it) */
    uint64_t seek_arg;
    size_t seek_warnings;   /* warnings when the seek began */
    uint64_t hit_seq;       /* the event a move landed on, shown marked */

    /* the task table */
    viz_filter_t filter;
    viz_column_t sort;
    bool sort_desc;
    size_t *rows;  /* indexes into model.tasks, as shown */
    size_t n_rows, cap_rows;

    /* from other files */
    const viz_panel_hook_t *panel; /* NULL: none */
    viz_caption_t caption;
};

/* Draw the whole screen from ui and its session (views.c). */
void viz__draw(viz_ui_t *ui);

/* The task table's rows under the filter and sort, into ui->rows
 * (views.c; the keys use it to find the selected task). */
void viz__task_rows(viz_ui_t *ui);

/* Whether an event passes the filter (views.c; the log uses it). */
bool viz__filter_event(const viz_ui_t *ui, const trace_event_t *ev);

/* A column's short name ("polls"), for the sort's words. */
const char *viz__column_name(viz_column_t c);

/* Colour on screen: the terminal has it and NO_COLOR does not say no
 * (ui.c; visualizer/term.h). */
bool viz__use_color(void);

/* The delay of a speed index, and how many there are (ui.c). */
int viz__delay_of(int speed);

#endif
