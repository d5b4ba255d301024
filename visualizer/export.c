/*
 * visualizer/export.c - Perfetto/Chrome JSON and plain text from a trace.
 *
 * The JSON is Chrome's "Trace Event Format" (Google, 2016), which
 * ui.perfetto.dev and chrome://tracing both open:
 *
 *   {"displayTimeUnit":"ns","traceEvents":[
 *     {"ph":"M", name:"thread_name", tid:0, args:{name:"w0"}}   track names
 *     {"ph":"X", tid:1, ts, dur, name:"t12 leaf"}               one poll
 *     {"ph":"i", tid:1, ts, name:"steal 4 from w0"}             instants
 *     {"ph":"s", id:7, tid:0, ts} ... {"ph":"f", id:7, bp:"e"}  a wake's
 *                                                               arrow to
 *                                                               the poll
 *     {"ph":"C", name:"w0 ring", args:{tasks:5}}                counters
 *   ]}
 *
 * Tracks (tid): worker w is tid w; the driver and threads outside the
 * executor share tid = workers. ts is in microseconds. A simulation's
 * virtual clock stands still between timers, so there every event also
 * advances the time by 1 us (logical time): slices get a width and the
 * order stays visible.
 *
 * A flow starts at the wake and ends at the start of the woken task's
 * next poll; it is written when that poll starts (so every "s" has its
 * "f"). A flow must start inside a slice: a wake that comes from outside
 * any poll (the driver firing a timer) gets a tiny slice of its own. A
 * task waking itself (a yield) is an instant only: no arrow to itself.
 *
 * Tests: tests/test_viz_export.c; tests/trace.sh checks the JSON parses.
 */
#include "core/array.h"
#include "trace/file.h"
#include "visualizer/export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "visualizer/escape.h"
#include "visualizer/model.h"

const char *viz_file_name(void *trace_file, uint64_t id)
{
    return trace_file_name(trace_file, id);
}

/* ---- the exporter's state ------------------------------------------------ */

typedef struct pending_flow {
    uint64_t task;
    double ts;
    uint32_t tid;
} pending_flow_t;

typedef struct exporter {
    FILE *out;
    const trace_file_t *f;
    viz_model_t m;   /* the run so far */
    uint32_t tracks; /* worker tracks; the "other" track is this */
    bool logical;    /* virtual clock: +1 us per event */
    uint64_t t0;
    double *poll_start;    /* per track: ts of the open poll, or -1 */
    uint64_t *poll_task;   /* per track: its task */
    pending_flow_t *flows; /* wakes waiting for their task's poll */
    size_t n_flows, cap_flows;
    uint64_t next_flow_id;
    size_t *last_len; /* per counter: the length last written */
    bool first;       /* no comma before the first event */
    viz_export_counts_t counts;
} exporter_t;

/* Counters: one per worker ring, then inject, ready, remote. */
#define COUNTERS(x) ((x)->tracks + 3)

/* The length of the well-formed UTF-8 sequence at s (2 to 4 bytes, no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c >= 0xc2 && c <= 0xdf   ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

/* A JSON string: UTF-8 as it is (JSON text is UTF-8), the quote, the
 * backslash and the controls escaped, and each byte of an ill-formed
 * sequence written as U+FFFD, so that the file is always valid JSON. */
static void json_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    while (*s != 0) {
        unsigned c = *s;
        size_t n;
        if (c == '"' || c == '\\') {
            fprintf(out, "\\%c", c);
            s++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
            s++;
        } else if (c < 0x80) {
            fputc((int)c, out);
            s++;
        } else if ((n = utf8_len(s)) != 0) {
            fwrite(s, 1, n, out);
            s += n;
        } else {
            fputs("\\ufffd", out);
            s++;
        }
    }
    fputc('"', out);
}

/* Begin one trace event object: the comma and the common fields. */
static void ev_begin(exporter_t *x, const char *ph, uint32_t tid, double ts)
{
    fprintf(x->out, "%s\n{\"ph\":\"%s\",\"pid\":1,\"tid\":%u,\"ts\":%.3f",
            x->first ? "" : ",", ph, tid, ts);
    x->first = false;
}

static uint32_t track_of(const exporter_t *x, uint32_t worker)
{
    return worker < x->tracks ? worker : x->tracks;
}

static double ts_of(const exporter_t *x, const trace_event_t *ev, uint64_t seq)
{
    double us = ev->time_ns >= x->t0 ? (double)(ev->time_ns - x->t0) / 1e3 : 0;
    return x->logical ? us + (double)seq : us;
}

/* ---- metadata ----------------------------------------------------------- */

static void write_meta(exporter_t *x)
{
    const trace_info_t *i = &x->f->info;
    char process[128];
    snprintf(process, sizeof process, "asynclab %s on %s (%u worker%s%s)",
             i->scenario, i->executor, i->workers, i->workers == 1 ? "" : "s",
             i->sim ? ", simulated" : "");
    fprintf(x->out,
            "%s\n{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\","
            "\"args\":{\"name\":",
            x->first ? "" : ",");
    x->first = false;
    json_string(x->out, process);
    fputs("}}", x->out);
    /* The losses, where Perfetto shows a process's labels: "no events
     * lost", or how many and from which recording thread. */
    char losses[512];
    trace_describe_losses(losses, sizeof losses, x->f->dropped, x->f->threads,
                          x->f->n_threads);
    fputs(",\n{\"ph\":\"M\",\"pid\":1,\"name\":\"process_labels\","
          "\"args\":{\"labels\":",
          x->out);
    json_string(x->out, losses);
    fprintf(x->out, ",\"dropped\":%" PRIu64 ",\"time_base\":", x->f->dropped);
    /* What ts means: a simulation's clock is virtual, and its events
     * are spread 1 us apart on top of it so that they can be told apart. */
    json_string(x->out,
                x->logical ? "virtual: the simulation's clock, and 1 us more "
                             "per event to keep events apart"
                           : "CLOCK_MONOTONIC, from the first event");
    fputs("}}", x->out);
    for (uint32_t t = 0; t <= x->tracks; t++) {
        char name[32];
        if (t == x->tracks)
            snprintf(name, sizeof name, "driver and other threads");
        else if (x->m.exec == VIZ_EXEC_WS)
            snprintf(name, sizeof name, "w%u", t);
        else
            snprintf(name, sizeof name, "%s executor", i->executor);
        fprintf(
            x->out,
            ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"name\":\"thread_name\","
            "\"args\":{\"name\":\"%s\"}}",
            t, name);
        fprintf(x->out,
                ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":%u,"
                "\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%u}}",
                t, t);
    }
}

/* ---- polls and flows ---------------------------------------------------- */

static void flow_add(exporter_t *x, uint64_t task, double ts, uint32_t tid)
{
    for (size_t i = 0; i < x->n_flows; i++) {
        if (x->flows[i].task == task) { /* woken again before its poll */
            x->flows[i] = (pending_flow_t){task, ts, tid};
            return;
        }
    }
    if (!ARRAY_GROW(x->flows, x->n_flows, x->cap_flows, 64, 0))
        return;
    x->flows[x->n_flows++] = (pending_flow_t){task, ts, tid};
}

/* The woken task's poll starts: write its flow, start and finish. */
static void flow_finish(exporter_t *x, uint64_t task, double ts, uint32_t tid)
{
    for (size_t i = 0; i < x->n_flows; i++) {
        pending_flow_t fl = x->flows[i];
        if (fl.task != task)
            continue;
        x->flows[i] = x->flows[--x->n_flows];
        uint64_t id = ++x->next_flow_id;
        ev_begin(x, "s", fl.tid, fl.ts);
        fprintf(x->out,
                ",\"id\":%" PRIu64 ",\"name\":\"wake\",\"cat\":\"wake\"}", id);
        ev_begin(x, "f", tid, ts);
        fprintf(x->out,
                ",\"id\":%" PRIu64
                ",\"bp\":\"e\",\"name\":\"wake\",\"cat\":\"wake\"}",
                id);
        x->counts.flows++;
        return;
    }
}

static void poll_start(exporter_t *x, const trace_event_t *ev, double ts)
{
    uint32_t tid = track_of(x, ev->worker);
    x->poll_start[tid] = ts;
    x->poll_task[tid] = ev->task;
    flow_finish(x, ev->task, ts, tid);
}

static void poll_end(exporter_t *x, const trace_event_t *ev, double ts)
{
    uint32_t tid = track_of(x, ev->worker);
    double start = x->poll_start[tid];
    if (start < 0 || x->poll_task[tid] != ev->task)
        return; /* its start is not in the trace */
    x->poll_start[tid] = -1;
    double dur = ts - start;
    char label[80];
    ev_begin(x, "X", tid, start);
    fprintf(x->out, ",\"dur\":%.3f,\"cat\":\"poll\",\"name\":", dur);
    json_string(x->out, viz_task_label(&x->m, ev->task, label, sizeof label));
    fprintf(x->out, ",\"args\":{\"task\":%" PRIu64 ",\"result\":\"%s\"}}",
            ev->task, ev->a ? "Ready" : "Pending");
    x->counts.slices++;
}

/* ---- instants and counters ---------------------------------------------- */

static void instant(exporter_t *x, const trace_event_t *ev, double ts,
                    const char *cat, const char *text)
{
    ev_begin(x, "i", track_of(x, ev->worker), ts);
    fprintf(x->out, ",\"s\":\"t\",\"cat\":\"%s\",\"name\":", cat);
    json_string(x->out, text);
    fputc('}', x->out);
    x->counts.instants++;
}

static void wake(exporter_t *x, const trace_event_t *ev, double ts,
                 const char *text)
{
    uint32_t tid = track_of(x, ev->worker);
    instant(x, ev, ts, "wake", text);
    bool self = ev->kind == TRACE_SELF_WAKE ||
                (ev->a == TRACE_BY_TASK && ev->b == ev->task);
    if (self)
        return; /* an arrow from a task to itself says nothing */
    if (x->poll_start[tid] < 0) {
        /* no poll to start the arrow from: a slice of its own */
        ev_begin(x, "X", tid, ts);
        fputs(",\"dur\":0.001,\"cat\":\"wake\",\"name\":", x->out);
        json_string(x->out, text);
        fputc('}', x->out);
        x->counts.wake_slices++;
    }
    flow_add(x, ev->task, ts, tid);
}

static size_t counter_len(const exporter_t *x, uint32_t i, char *name, size_t n)
{
    if (i < x->tracks) {
        snprintf(name, n, "w%u ring", i);
        return viz_queue_len(&x->m.worker[i].ring);
    }
    static const char *const names[] = {"inject queue", "ready queue",
                                        "remote queue"};
    const viz_queue_t *q[] = {&x->m.inject, &x->m.ready, &x->m.remote};
    snprintf(name, n, "%s", names[i - x->tracks]);
    return viz_queue_len(q[i - x->tracks]);
}

static void counters(exporter_t *x, double ts)
{
    for (uint32_t i = 0; i < COUNTERS(x); i++) {
        char name[32];
        size_t len = counter_len(x, i, name, sizeof name);
        if (len == x->last_len[i])
            continue;
        x->last_len[i] = len;
        fprintf(x->out,
                ",\n{\"ph\":\"C\",\"pid\":1,\"ts\":%.3f,\"name\":\"%s\","
                "\"args\":{\"tasks\":%zu}}",
                ts, name, len);
        x->counts.counters++;
    }
}

/* ---- one event ---------------------------------------------------------- */

static void export_event(exporter_t *x, const trace_event_t *ev, uint64_t seq)
{
    double ts = ts_of(x, ev, seq);
    char text[VIZ_LINE];
    viz_describe(&x->m, ev, text, sizeof text);
    switch (ev->kind) {
    case TRACE_POLL_START:
        poll_start(x, ev, ts);
        break;
    case TRACE_POLL_END:
        poll_end(x, ev, ts);
        break;
    case TRACE_WAKE:
    case TRACE_SELF_WAKE:
        wake(x, ev, ts, text);
        break;
    case TRACE_STEAL:
        instant(x, ev, ts, "steal", text);
        break;
    case TRACE_PARK:
    case TRACE_UNPARK:
        instant(x, ev, ts, "park", text);
        break;
    case TRACE_TIMER_FIRE:
    case TRACE_IO_READY:
    case TRACE_BLOCKING_START:
    case TRACE_BLOCKING_END:
        instant(x, ev, ts, "driver", text);
        break;
    case TRACE_LOST_WAKER:
        instant(x, ev, ts, "warning", text);
        break;
    }
    size_t warned = x->m.n_warnings;
    viz_model_apply(&x->m, ev);
    /* The model's other warnings (a slow poll, a run of self-wakes, lost
     * events), where the event that raised them happened. */
    if (ev->kind != TRACE_LOST_WAKER)
        for (size_t w = warned; w < x->m.n_warnings; w++)
            instant(x, ev, ts, "warning", x->m.warnings[w].text);
    counters(x, ts);
}

static int exporter_init(exporter_t *x, const trace_file_t *f, FILE *out)
{
    memset(x, 0, sizeof *x);
    x->out = out;
    x->f = f;
    x->first = true;
    x->logical = f->info.clock == TRACE_CLOCK_VIRTUAL;
    x->t0 = f->n_events > 0 ? f->events[0].time_ns : 0;
    if (viz_model_init(&x->m, f->info.executor, f->info.workers,
                       f->info.scenario, viz_file_name, (void *)f) != 0)
        return -ENOMEM;
    x->tracks = x->m.workers;
    for (size_t i = 0; i < f->n_events; i++) /* lanes named by events */
        if (f->events[i].worker < VIZ_MAX_WORKERS &&
            f->events[i].worker >= x->tracks)
            x->tracks = f->events[i].worker + 1;
    x->poll_start = malloc((x->tracks + 1) * sizeof *x->poll_start);
    x->poll_task = calloc(x->tracks + 1, sizeof *x->poll_task);
    x->last_len = calloc(COUNTERS(x), sizeof *x->last_len);
    if (x->poll_start == NULL || x->poll_task == NULL || x->last_len == NULL)
        return -ENOMEM;
    for (uint32_t t = 0; t <= x->tracks; t++)
        x->poll_start[t] = -1;
    return 0;
}

static void exporter_destroy(exporter_t *x)
{
    viz_model_destroy(&x->m);
    free(x->poll_start);
    free(x->poll_task);
    free(x->last_len);
    free(x->flows);
}

int viz_export_perfetto(const trace_file_t *f, FILE *out,
                        viz_export_counts_t *counts)
{
    exporter_t x;
    int rc = exporter_init(&x, f, out);
    if (rc == 0) {
        fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
        write_meta(&x);
        for (size_t i = 0; i < f->n_events; i++)
            export_event(&x, &f->events[i], i);
        fputs("\n]}\n", out);
        if (ferror(out))
            rc = -EIO;
    }
    if (counts != NULL)
        *counts = x.counts;
    exporter_destroy(&x);
    return rc;
}

/* ---- text ---------------------------------------------------------------- */

int viz_export_text(const trace_file_t *f, FILE *out,
                    viz_export_counts_t *counts)
{
    viz_model_t m;
    if (viz_model_init(&m, f->info.executor, f->info.workers, f->info.scenario,
                       viz_file_name, (void *)f) != 0)
        return -ENOMEM;
    const trace_info_t *i = &f->info;
    /* Every name escaped (visualizer/escape.h): a crafted trace must not
     * drive the reader's terminal. viz_describe's lines already are. */
    char scenario[4 * sizeof i->scenario], executor[4 * sizeof i->executor];
    viz_escape(i->scenario, scenario, sizeof scenario);
    viz_escape(i->executor, executor, sizeof executor);
    char losses[512];
    trace_describe_losses(losses, sizeof losses, f->dropped, f->threads,
                          f->n_threads);
    viz_model_set_dropped_why(&m, losses);
    viz_model_set_dropped(&m, f->dropped);
    fprintf(out,
            "# asynclab trace: scenario %s, executor %s, %u worker%s, %s, "
            "seed %" PRIu64 ", %s clock\n"
            "# %zu events, %" PRIu64 " dropped (%s)\n",
            scenario, executor, i->workers, i->workers == 1 ? "" : "s",
            i->sim                           ? "simulated"
            : strcmp(i->executor, "ws") == 0 ? "threads"
                                             : "one thread",
            i->seed, i->clock == TRACE_CLOCK_VIRTUAL ? "virtual" : "monotonic",
            f->n_events, f->dropped, losses);
    uint64_t t0 = f->n_events > 0 ? f->events[0].time_ns : 0;
    for (size_t k = 0; k < f->n_events; k++) {
        const trace_event_t *ev = &f->events[k];
        char text[VIZ_LINE];
        viz_describe(&m, ev, text, sizeof text);
        double ms = ev->time_ns >= t0 ? (double)(ev->time_ns - t0) / 1e6 : 0;
        fprintf(out, "%8zu %12.3f ms  %s\n", k + 1, ms, text);
        viz_model_apply(&m, ev);
    }
    for (size_t w = 0; w < m.n_warnings; w++) {
        char text[4 * VIZ_LINE];
        fprintf(out, "# warning: %s\n",
                viz_escape(m.warnings[w].text, text, sizeof text));
    }
    viz_model_destroy(&m);
    if (counts != NULL) {
        memset(counts, 0, sizeof *counts);
        counts->lines = f->n_events;
    }
    return ferror(out) ? -EIO : 0;
}
