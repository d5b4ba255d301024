/*
 * visualizer/panels.h - PRIVATE to visualizer/: the timeline panel and the
 * tour's captions on the screen (panels.c), hooked into the UI through
 * ui.h's viz_panel_hook_t and viz_caption_t.
 *
 *   timeline  key L shows it (or `viz --panel timeline`): the rows of
 *             visualizer/timeline.h in the rectangle the views give a
 *             panel, the current event's column marked ('^' under it,
 *             reverse video in the rows); z / Z zoom in and out, { and }
 *             pan (a step brings the cursor back into view), a switches
 *             the axis between events and time
 *   tour      with viz_options_t.narrate: the captions of
 *             visualizer/tour.h whose events are in the step the cursor
 *             shows, in the caption box; a running tour pauses at each
 *             such step (space goes on); c hides or shows the captions
 *
 * Both read the session's events, never the executor, so a step reached
 * going back shows what it showed going forward.
 */
#ifndef ASYNCLAB_VISUALIZER_PANELS_H
#define ASYNCLAB_VISUALIZER_PANELS_H

#include <stdbool.h>

#include "visualizer/ui.h"

/* For ui_init: the hook to put in ui->panel (after ui->s and ui->o are
 * set), or NULL when memory runs out (no panel, no captions). */
const viz_panel_hook_t *viz__panels_new(viz_ui_t *ui);

/* For ui_fini: free what viz__panels_new made. */
void viz__panels_free(viz_ui_t *ui);

/* For the loop, while running (not at full speed): true once for each
 * step that brings a caption, when the UI should pause there. */
bool viz__panels_pause(viz_ui_t *ui);

#endif
