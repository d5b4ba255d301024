/*
 * visualizer/tour.h - the narrated tour: captions that say what is
 * happening and why, each tied to one event of the run.
 *
 * The script is a table (tour.c). Each entry names the event it speaks
 * of by kind and ordinal among the events of that kind that satisfy its
 * predicate ("the first steal by a worker whose ring and LIFO slot were
 * empty"), read against the model just before and just after the event.
 * Its words are written from that model when the event comes, and every
 * number, worker and task they contain is recorded beside them as a fact
 * (what it is, of what, its value), so that a test can check each fact
 * against a model of its own and check that the words say nothing else
 * (tests/test_viz_tour.c does, on the seeded runs the project shows).
 * So a caption cannot drift from the run it describes: a caption whose
 * event does not come is not shown, and one that comes says what the
 * model says.
 *
 *   events ──> viz_tour_feed ──> captions (seq, words, facts), in order
 *
 * Pure: no terminal (the caption box and the pause are
 * visualizer/tour_view.c). Written for the tour scenario on ws (any seed,
 * any worker count, though the words were checked on 4 workers, seeds 1
 * and 7).
 */
#ifndef ASYNCLAB_VISUALIZER_TOUR_H
#define ASYNCLAB_VISUALIZER_TOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/trace.h"
#include "visualizer/model.h"

#define VIZ_CAPTION_TEXT  400
#define VIZ_CAPTION_FACTS 10

/* What a fact in a caption is. W: written "wN", T: "tN", else a number;
 * "-": not written (a claim in words, such as "from the inject queue"). */
typedef enum viz_fact_kind {
    VIZ_FACT_WORKER = 1,   /* W  the event's worker */
    VIZ_FACT_VICTIM,       /* W  a STEAL's victim (a) */
    VIZ_FACT_COUNT,        /*    a STEAL's count (b) */
    VIZ_FACT_TASK,         /* T  the event's task */
    VIZ_FACT_WAKER,        /* T  a WAKE's waking task (b) */
    VIZ_FACT_BUMPED,       /* T  the task in worker `subject`'s LIFO slot
                                 just before the event */
    VIZ_FACT_RING_BEFORE,  /*    worker `subject`'s ring length before */
    VIZ_FACT_RING_AFTER,   /*    ... and after the event */
    VIZ_FACT_LIFO_BEFORE,  /* -  worker `subject`'s LIFO task before (0) */
    VIZ_FACT_HAD_BEFORE,   /* -  worker `subject`'s tasks (ring and LIFO
                                 slot) before: 0 is said "empty" */
    VIZ_FACT_LIFO_AFTER,   /* T  worker `subject`'s LIFO task after */
    VIZ_FACT_QUEUE_BEFORE, /* -  task `subject`'s queue before
                                 (trace_queue_t; 0: in none) */
    VIZ_FACT_QUEUE,        /* -  a SCHEDULE's queue (a) */
    VIZ_FACT_CHILDREN,     /*    tasks whose parent is `subject`, after */
    VIZ_FACT_EMPTY_OTHERS, /*    workers other than the event's with an
                                 empty ring and LIFO slot, after */
    VIZ_FACT_DEADLINE,     /*    a TIMER_ADD's deadline, ms (a) */
    VIZ_FACT_CLOCK,        /*    the driver's clock after, ms */
    VIZ_FACT_LEVEL,        /*    the wheel level of the event's timer */
    VIZ_FACT_NEXT_TIMER,   /*    the earliest pending deadline after, ms */
    VIZ_FACT_HOLDER,       /* W  the driver's holder before the event */
    VIZ_FACT_TURN_TIMERS,  /*    a DRIVER_TURN's timers fired (b) */
    VIZ_FACT_TURN_IO,      /*    a DRIVER_TURN's I/O events (a) */
    VIZ_FACT_TASK_WAKES,   /*    task `subject`'s wakes, after */
    VIZ_FACT_TASK_SELF,    /*    task `subject`'s self-wakes, after */
    VIZ_FACT_WARNED,       /* T  the task of the warning the event raised */
    VIZ_FACT_SPAWNED,      /*    counters after the event */
    VIZ_FACT_COMPLETED,
    VIZ_FACT_STEALS,
    VIZ_FACT_STOLEN,
    VIZ_FACT_WAKES,
    VIZ_FACT_SELF_WAKES,
    VIZ_FACT_WORKERS,      /*    worker lanes */
} viz_fact_kind_t;

typedef struct viz_fact {
    uint32_t kind; /* viz_fact_kind_t */
    uint64_t subject;
    uint64_t value;
} viz_fact_t;

/* How a fact is written in the words: 'w', 't', '#' (a number) or 0 (not
 * written). */
char viz_fact_form(uint32_t kind);
const char *viz_fact_name(uint32_t kind);

typedef struct viz_tour_caption {
    size_t entry;       /* index in the script */
    uint64_t seq;       /* the event's number, 1-based */
    uint32_t kind;      /* its kind */
    char text[VIZ_CAPTION_TEXT];
    viz_fact_t facts[VIZ_CAPTION_FACTS];
    size_t n_facts;
} viz_tour_caption_t;

/* The script: how many entries, and entry i's name ("first-steal") and
 * the kind of event it is tied to. */
size_t viz_tour_entries(void);
const char *viz_tour_entry_name(size_t i);
uint32_t viz_tour_entry_kind(size_t i);

typedef struct viz_tour_worker {
    size_t ring;
    uint64_t lifo;
    viz_worker_state_t state;
} viz_tour_worker_t;

/* What a caption may need of the model before its event. */
typedef struct viz_tour_before {
    viz_counters_t c;
    uint32_t workers;
    viz_tour_worker_t worker[VIZ_MAX_WORKERS];
    int64_t holder;
    size_t n_warnings;
    uint32_t task_queue; /* the event's task: its queue, 0: none */
    viz_task_state_t task_state;
    size_t inject, queued; /* the inject queue; tasks queued anywhere */
} viz_tour_before_t;

typedef struct viz_tour {
    viz_model_t model;   /* its own: the caption words are read here */
    uint64_t fed;
    trace_event_t prev;  /* the event before the one being fed */
    unsigned *matches;   /* per entry: events that met its predicate */
    viz_tour_caption_t *captions; /* in the order their events came */
    size_t n_captions;
    viz_tour_before_t before;
} viz_tour_t;

/* As viz_model_init (the tour's model reads names through name_of).
 * 0 or -ENOMEM. */
int viz_tour_init(viz_tour_t *t, const char *exec, uint32_t workers,
                  const char *scenario, viz_name_fn name_of, void *ctx);
void viz_tour_destroy(viz_tour_t *t);

/* Feed the next event of the run. */
void viz_tour_feed(viz_tour_t *t, const trace_event_t *ev);

/* The captions whose events are among seq first .. last (1-based, both
 * included: the step the cursor shows): how many, the first of them at
 * t->captions[*at] (they are in order, so the rest follow it). */
size_t viz_tour_in(const viz_tour_t *t, uint64_t first, uint64_t last,
                   size_t *at);

/* Every caption found, in order, as "tour (event N): words" lines, for a
 * run without a screen (`asynclab run tour --narrate`). */
void viz_tour_print(const viz_tour_caption_t *c, FILE *out);

/*
 * A sink that narrates a run as it goes, for a run without a screen
 * (`asynclab run tour --sim --narrate`): each caption, when its event
 * comes, written to out as "[step S, event N] words", wrapped at 78
 * columns. Events must come from one thread (a simulation).
 */
typedef struct viz_tour_narrator {
    trace_sink_t sink; /* first: hand this to the run */
    viz_tour_t tour;
    FILE *out;
    size_t said;            /* captions written */
    uint64_t steps, events; /* as the visualizer counts steps */
} viz_tour_narrator_t;

int viz_tour_narrator_init(viz_tour_narrator_t *n, uint32_t workers,
                           viz_name_fn name_of, void *ctx, FILE *out);
void viz_tour_narrator_destroy(viz_tour_narrator_t *n);

/* Whether the run is one the script speaks of: the tour on ws. */
bool viz_tour_applies(const char *scenario, const char *exec);

#endif
