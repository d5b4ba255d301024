/*
 * visualizer/model.h - what the visualizer knows: a pure function of the
 * trace event stream.
 *
 * The model never looks at an executor. It is fed events (core/trace.h),
 * one at a time, and rebuilds from them the queues, the workers' states,
 * each task's life and the counters, so the same code serves a live run, a
 * step-by-step run and a replayed trace file, and is tested by feeding it
 * events (tests/test_viz_model.c) with no terminal at all.
 *
 *   events ──> viz_model_apply ──> queues   ready / remote / inject,
 *                                           per worker: ring + LIFO slot
 *                                  workers  polling tN / searching / parked
 *                                  tasks    state, polls, wakes, busy, idle
 *                                  driver   who holds it, timers, fds
 *                                  counters, log in words, warnings
 *
 * What the executors do not say, the model derives (core/trace.h lists the
 * conventions): the queue a task sits in is the one its last SCHEDULE
 * named, a POLL_START takes it out of there, a STEAL moves the victim's
 * `count` oldest ring entries to the thief, a timer's wheel level follows
 * from its deadline and the time it was set.
 *
 * Stepping back is replaying from the start: apply is cheap, so a replay
 * rebuilds (viz_model_reset, then apply up to the step before).
 *
 * Tests: tests/test_viz_model.c.
 */
#ifndef ASYNCLAB_VISUALIZER_MODEL_H
#define ASYNCLAB_VISUALIZER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/trace.h"

#define VIZ_MAX_WORKERS   64
#define VIZ_RING_CAP      256         /* a ws worker's ring, as Tokio's */
#define VIZ_LOG_LINES     1024        /* the event log keeps the newest lines */
#define VIZ_LINE          112         /* one line of log or warning, with NUL */
#define VIZ_SLOW_POLL_NS  10000000ull /* a poll this long blocks a worker */
#define VIZ_SELF_WAKE_MIN 4 /* wakes before the self-wake rule applies */
#define VIZ_WHEEL_LEVELS  6

typedef enum viz_exec {
    VIZ_EXEC_SPIN,
    VIZ_EXEC_NOTIFY,
    VIZ_EXEC_WS,
} viz_exec_t;

typedef enum viz_task_state {
    VIZ_TASK_NEW,     /* spawned, not yet queued */
    VIZ_TASK_QUEUED,  /* in a queue (see queue, worker) */
    VIZ_TASK_RUNNING, /* being polled (see worker) */
    VIZ_TASK_WAITING, /* returned PENDING, not woken yet */
    VIZ_TASK_DONE,    /* completed or cancelled */
    VIZ_TASK_FREED,   /* dropped: the allocation is gone */
} viz_task_state_t;

/* An ordered list of task ids with O(1) push at the back and pop at the
 * front, and removal from the middle by search (queues here are short). */
typedef struct viz_queue {
    uint64_t *ids;
    size_t head, len, cap; /* ids[head .. head + len) */
} viz_queue_t;

typedef struct viz_task {
    uint64_t id;
    uint64_t parent; /* 0: spawned from outside */
    uint64_t name;   /* name id (core/trace.h), 0: unnamed */
    viz_task_state_t state;
    uint32_t queue;  /* trace_queue_t while QUEUED, else 0 */
    uint32_t worker; /* QUEUED in LOCAL/LIFO, or RUNNING: which */
    uint64_t polls, pending_polls, wakes, self_wakes;
    uint64_t busy_ns, idle_ns, queued_ns; /* time spent in each state */
    uint64_t born_ns, since_ns;           /* spawn; last state change */
    uint64_t poll_start_ns;
    uint64_t max_poll_ns;
    uint32_t woken_by;    /* trace_waker_t of the last wake, 0: none */
    uint64_t woken_by_id; /* its b: the task or worker */
    bool cancelled, lost;
    bool warned_self, warned_slow, warned_lost, warned_desched;
} viz_task_t;

typedef enum viz_worker_state {
    VIZ_WORKER_IDLE,      /* between decisions */
    VIZ_WORKER_POLLING,   /* polling `task` */
    VIZ_WORKER_SEARCHING, /* looking for work to steal */
    VIZ_WORKER_PARKED,    /* asleep on the condvar */
    VIZ_WORKER_DRIVER,    /* parked in the driver (holds it) */
    VIZ_WORKER_BLOCKING,  /* inside a blocking section */
} viz_worker_state_t;

typedef struct viz_worker {
    viz_worker_state_t state;
    uint64_t task;    /* POLLING: the task */
    uint64_t lifo;    /* the LIFO slot's task, 0: empty */
    viz_queue_t ring; /* the local ring, oldest first */
    uint64_t polls, steals, stolen, parks;
    uint64_t busy_ns;
    uint64_t last_task;   /* the task it polled last, 0: none yet */
    uint64_t last_seq;    /* seq of that poll's end */
    bool last_ready;      /* and what the poll answered */
    uint64_t steal_seq;   /* seq of its last steal, 0: none */
    uint32_t steal_from;  /* that steal's victim */
    uint64_t steal_count; /* and how many it took */
    uint64_t steal_first, steal_last; /* the first and last task it moved
                                         (ring order), 0: none */
    uint64_t robbed_seq;   /* seq of the last steal from its ring, 0: none */
    uint32_t robbed_by;    /* that steal's thief */
    uint64_t robbed_count; /* and how many it took */
    uint64_t bumped;       /* the task a newcomer last pushed out of its
                              LIFO slot to the back of its ring, 0: none */
    uint64_t bumped_seq;   /* the seq of that SCHEDULE */
} viz_worker_t;

typedef struct viz_counters {
    uint64_t events, spawned, completed, cancelled, freed;
    uint64_t polls, pending_polls; /* pending polls: the spin executor's
                                      wasted polls */
    uint64_t wakes, self_wakes, steals, stolen, parks, unparks;
    uint64_t driver_turns, io_events, timers_fired, blocking;
    uint64_t lost_wakers, slow_polls, max_queue;
    uint64_t descheduled_polls; /* over 10 ms, but mostly waiting for a
                                   CPU: not counted in slow_polls */
} viz_counters_t;

typedef struct viz_timer {
    uint64_t task;
    uint64_t deadline_ms;
} viz_timer_t;

typedef struct viz_driver {
    int64_t holder;      /* worker parked in the driver, -1: none */
    uint64_t now_ms;     /* the driver's clock, as last reported */
    viz_timer_t *timers; /* pending timers, from TIMER_ADD */
    size_t n_timers, cap_timers;
    uint64_t *fds; /* registered fds, from IO_REGISTER */
    size_t n_fds, cap_fds;
    uint64_t last_io, last_fired; /* the last turn's */
} viz_driver_t;

typedef struct viz_line {
    uint64_t seq;     /* the event's number, 1-based */
    uint64_t time_ns; /* relative to the first event */
    uint32_t kind;    /* trace_kind_t */
    char text[VIZ_LINE];
} viz_line_t;

typedef enum viz_warning_kind {
    VIZ_WARN_LOST_WAKER = 1,
    VIZ_WARN_SELF_WAKES, /* more than half of a task's wakes are its own */
    VIZ_WARN_SLOW_POLL,  /* one poll held its worker > 10 ms */
    VIZ_WARN_DROPPED,    /* the trace lost events: the model may be off */
    VIZ_WARN_DESCHEDULED, /* a poll over 10 ms, but the thread mostly
                             waited for a CPU: the machine was busy */
} viz_warning_kind_t;

/*
 * A poll's verdict from its wall time and its POLL_END b (the CPU and
 * waiting times measured by core/poll_watch.h; 0: not measured):
 *
 *   FINE         not over VIZ_SLOW_POLL_NS
 *   BLOCKING     over it, and mostly asleep (a blocking call), or not
 *                measured (an old trace, a simulation): wall time decides
 *   BUSY         over it, and mostly on a CPU (a long computation)
 *   DESCHEDULED  over it only because the thread waited for a CPU: wall
 *                minus waiting is not over the threshold
 *   UNSURE       over it with little CPU, and the waiting time unknown
 *                (no /proc/thread-self/schedstat): asleep or descheduled
 *
 * *cpu_ns and *wait_ns get the measured figures, capped at wall_ns.
 */
typedef enum viz_poll_verdict {
    VIZ_POLL_FINE,
    VIZ_POLL_BLOCKING,
    VIZ_POLL_BUSY,
    VIZ_POLL_DESCHEDULED,
    VIZ_POLL_UNSURE,
} viz_poll_verdict_t;

viz_poll_verdict_t viz_judge_poll(uint64_t wall_ns, uint64_t b,
                                  uint64_t *cpu_ns, uint64_t *wait_ns);

/* A (kind, task name) already warned about. */
typedef struct viz_warned {
    viz_warning_kind_t kind;
    uint64_t name;
} viz_warned_t;

#define VIZ_WARNED_NAMES 64

typedef struct viz_warning {
    viz_warning_kind_t kind;
    uint64_t seq, task;
    char text[VIZ_LINE];
} viz_warning_t;

/* Names of task name ids: trace_name_of in a live run, the file's table in
 * a replay. */
typedef const char *(*viz_name_fn)(void *ctx, uint64_t name_id);

typedef struct viz_model {
    /* what the run is: set by init, never changed by events */
    viz_exec_t exec;
    uint32_t workers;      /* lanes shown; grows if events name more */
    uint32_t workers_init; /* as given to init */
    char scenario[32];
    viz_name_fn name_of;
    void *name_ctx;

    uint64_t seq;        /* events applied */
    uint64_t t0, now_ns; /* first event's time; last event's - t0 */

    viz_task_t *tasks; /* in order of first appearance */
    size_t n_tasks, cap_tasks;
    uint32_t *index;  /* open addressing: id -> tasks index + 1 */
    size_t index_cap; /* a power of two, at least 2 * n_tasks */

    viz_queue_t ready;  /* spin deque / notify ready queue */
    viz_queue_t remote; /* notify: woken from other threads */
    viz_queue_t inject; /* ws: the shared inject queue */
    viz_worker_t worker[VIZ_MAX_WORKERS];
    viz_driver_t driver;
    viz_counters_t c;

    viz_line_t *log;    /* ring of VIZ_LOG_LINES */
    uint64_t log_total; /* lines ever written; newest at total - 1 */

    viz_warning_t *warnings;
    size_t n_warnings, cap_warnings;
    viz_warned_t warned[VIZ_WARNED_NAMES]; /* self-wake and slow-poll
                                              warnings: once per name */
    size_t n_warned;

    uint64_t last_wake_seq, last_wake_task; /* a WAKE(by itself) that the
                                               next SELF_WAKE repeats */
    uint64_t rate_t[2], rate_polls[2];      /* for polls per second */
    uint64_t dropped;                       /* events the source says it lost */
    uint64_t late;                          /* events a live source handed on
                                               after later ones */
    char dropped_why[160]; /* "lost 12 events: thread 1 (w0) 12", or "" */
} viz_model_t;

/* exec_name: "spin", "notify" or "ws" (anything else is shown as ws).
 * 0, or -ENOMEM. */
int viz_model_init(viz_model_t *m, const char *exec_name, uint32_t workers,
                   const char *scenario, viz_name_fn name_of, void *name_ctx);

/* Back to the state before the first event (for stepping back). */
void viz_model_reset(viz_model_t *m);

void viz_model_destroy(viz_model_t *m);

/* Apply one event. Never fails: what makes no sense (an unknown task, a
 * worker out of range) is shown as well as can be and otherwise ignored. */
void viz_model_apply(viz_model_t *m, const trace_event_t *ev);

/* The source lost `dropped` events so far (a full ring): a warning. */
void viz_model_set_dropped(viz_model_t *m, uint64_t dropped);

/* A live source's count of events that came in after later ones had been
 * shown (trace/live.h): the first one raises a warning, since the order
 * around them may be wrong. */
void viz_model_set_late(viz_model_t *m, uint64_t late);

/* Where the losses were, in words ("lost 12 events: thread 1 (w0) 12",
 * from trace_describe_losses), for the warning: call before
 * viz_model_set_dropped. A trace file knows this; a live ring does not. */
void viz_model_set_dropped_why(viz_model_t *m, const char *why);

/* The task with this id, or NULL. */
const viz_task_t *viz_model_task(const viz_model_t *m, uint64_t id);

/* "t12 'leaf'" (or "t12" unnamed) into buf; returns buf. */
const char *viz_task_label(const viz_model_t *m, uint64_t id, char *buf,
                           size_t n);

/* The name of a task, or NULL. */
const char *viz_task_name(const viz_model_t *m, const viz_task_t *t);

/* The event in words, as the log shows it ("w1 stole 4 tasks from w0"),
 * read against the model before the event is applied. Returns buf. */
const char *viz_describe(const viz_model_t *m, const trace_event_t *ev,
                         char *buf, size_t n);

/* Log line i, 0 = newest; NULL past the oldest kept. */
const viz_line_t *viz_model_log(const viz_model_t *m, size_t i);

/* Polls per second of trace time over the last ~second; -1: unknown (the
 * clock has not moved, as in a simulation between timers). */
double viz_model_poll_rate(const viz_model_t *m);

/* The wheel level a timer is on now (0..5), from deadline and now. */
int viz_timer_level(uint64_t deadline_ms, uint64_t now_ms);

/* Short words for states, for the views and the text export. */
const char *viz_task_state_name(viz_task_state_t s);
const char *viz_worker_state_name(viz_worker_state_t s);

/* Queue helpers (the views read queues through these). */
size_t viz_queue_len(const viz_queue_t *q);
uint64_t viz_queue_at(const viz_queue_t *q, size_t i);

/* True for events that begin a scheduling decision (a poll, a steal, a
 * park, a search, a driver turn). A step in a replay runs up to the next
 * such event, so it shows a poll together with what it caused. */
bool viz_event_starts_step(const trace_event_t *ev);

#endif
