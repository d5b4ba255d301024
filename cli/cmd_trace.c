/*
 * cli/cmd_trace.c - `asynclab trace export FILE --perfetto OUT.json
 * [--text OUT]` and `asynclab trace info FILE`: a recorded run as Chrome /
 * Perfetto JSON (open it in ui.perfetto.dev), as the event log in words,
 * or summarised (the header and a count of each event kind).
 *
 * OUT may be "-" for standard output. A bad trace file gets one line and
 * exit status 1, as everywhere (cli/cli_trace.h).
 *
 * Tests: tests/trace.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_trace.h"
#include "core/trace.h"
#include "trace/file.h"
#include "visualizer/escape.h"
#include "visualizer/export.h"

typedef struct trace_args {
    const char *perfetto;
    const char *text;
} trace_args_t;

static const cli_opt_t trace_opts[] = {
    {"--perfetto", CLI_STRING, 0, 0, offsetof(trace_args_t, perfetto),
     "OUT.json", "export: Chrome/Perfetto trace JSON to OUT.json"},
    {"--text", CLI_STRING, 0, 0, offsetof(trace_args_t, text), "OUT",
     "export: the event log in words to OUT"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const trace_tables[] = {trace_opts, NULL};

static void trace_usage(FILE *out)
{
    fputs("usage: asynclab trace export FILE [--perfetto OUT.json] "
          "[--text OUT]\n"
          "       asynclab trace info FILE\n"
          "\n"
          "export  write a recorded run (from `asynclab run ... --trace "
          "FILE`) as\n"
          "        Chrome/Perfetto JSON (open it in ui.perfetto.dev: a track "
          "per worker,\n"
          "        each poll a slice, wakes as arrows) and/or as the event "
          "log in words.\n"
          "info    the run the file recorded, how many events of each "
          "kind, and how\n"
          "        many each recording thread wrote and lost (a trace "
          "recorded with\n"
          "        --trace-drop may have lost some; by default none are).\n"
          "OUT may be - for standard output (for one of the two only). A "
          "file that is not\n"
          "a whole, valid trace"
          " (format version 2, docs/trace-format.md) gets one line "
          "saying why,\nstatus 1.\n"
          "\n",
          out);
    cli_print_options(out, trace_tables);
}

static int trace_main(int argc, char **argv);

bool cli__trace_opts(const cli_command_t *cmd, const char *trace, bool drop,
                     int buffer_kib, trace_writer_opts_t *out, int *status)
{
    *out = (trace_writer_opts_t){.drop = drop,
                                 .buffer_bytes = (size_t)buffer_kib * 1024};
    if (trace == NULL && (drop || buffer_kib != 0)) {
        *status = cli_usage_error(cmd, "%s needs --trace FILE",
                                  drop ? "--trace-drop" : "--trace-buffer");
        return false;
    }
    if (buffer_kib != 0 && !drop) {
        *status = cli_usage_error(cmd, "--trace-buffer is for --trace-drop "
                                       "(without it nothing is dropped)");
        return false;
    }
    return true;
}

void cli__print_trace_report(FILE *out, const char *label, const char *path,
                             const trace_writer_report_t *rep)
{
    char losses[512];
    trace_describe_losses(losses, sizeof losses, rep->dropped, rep->threads,
                          rep->n_threads);
    fprintf(out, "%s %s: %" PRIu64 " events, %" PRIu64 " bytes (%.2f "
                 "bytes/event); %s\n",
            label, path, rep->events, rep->bytes,
            rep->events > 0 ? (double)rep->bytes / (double)rep->events : 0.0,
            losses);
}

const cli_command_t cli_cmd_trace = {
    .name = "trace",
    .summary = "export a trace file to Perfetto JSON or text; summarise it",
    .usage = trace_usage,
    .main = trace_main,
};

/* Write f to path ("-": stdout) with one exporter; 0 or -errno. */
static int export_to(const trace_file_t *f, const char *path, bool json,
                     viz_export_counts_t *c)
{
    bool std = strcmp(path, "-") == 0;
    FILE *out = std ? stdout : fopen(path, "w");
    if (out == NULL)
        return -errno;
    int rc = json ? viz_export_perfetto(f, out, c) : viz_export_text(f, out, c);
    if (std)
        fflush(out);
    else if (fclose(out) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

static int do_export(const trace_file_t *f, const trace_args_t *a)
{
    viz_export_counts_t c;
    if (a->perfetto != NULL) {
        int rc = export_to(f, a->perfetto, true, &c);
        if (rc != 0) {
            fprintf(stderr, "asynclab: %s: %s\n", a->perfetto, strerror(-rc));
            return CLI_EXIT_FAILED;
        }
        if (strcmp(a->perfetto, "-") != 0)
            printf("%s: %zu poll slices, %zu flows, %zu instants, %zu "
                   "counter samples\n",
                   a->perfetto, c.slices, c.flows, c.instants, c.counters);
    }
    if (a->text != NULL) {
        int rc = export_to(f, a->text, false, &c);
        if (rc != 0) {
            fprintf(stderr, "asynclab: %s: %s\n", a->text, strerror(-rc));
            return CLI_EXIT_FAILED;
        }
        if (strcmp(a->text, "-") != 0)
            printf("%s: %zu events in words\n", a->text, c.lines);
    }
    return CLI_EXIT_OK;
}

static void do_info(const trace_file_t *f)
{
    const trace_info_t *i = &f->info;
    /* Names from a file anyone can write: escaped (visualizer/escape.h). */
    char scenario[4 * sizeof i->scenario], executor[4 * sizeof i->executor];
    viz_escape(i->scenario, scenario, sizeof scenario);
    viz_escape(i->executor, executor, sizeof executor);
    printf("scenario   %s\nexecutor   %s\nworkers    %u\nmode       %s\n"
           "seed       %" PRIu64 "\nclock      %s\nevents     %zu\n"
           "dropped    %" PRIu64 "\nnames      %zu\n",
           scenario, executor, i->workers,
           i->sim ? "simulation" : "threads", i->seed,
           i->clock == TRACE_CLOCK_VIRTUAL ? "virtual" : "monotonic",
           f->n_events, f->dropped, f->n_names);
    char losses[512];
    trace_describe_losses(losses, sizeof losses, f->dropped, f->threads,
                          f->n_threads);
    printf("losses     %s\nblocks     %" PRIu64 "\nthreads    %zu\n",
           losses, f->blocks, f->n_threads);
    for (size_t t = 0; t < f->n_threads; t++) {
        const trace_thread_stats_t *th = &f->threads[t];
        char who[16];
        if (th->first_worker == TRACE_NO_WORKER)
            snprintf(who, sizeof who, "-");
        else
            snprintf(who, sizeof who, "w%" PRIu32, th->first_worker);
        printf("  thread %-3" PRIu32 " first worker %-5s events %-10" PRIu64
               " lost %" PRIu64 "\n",
               th->thread, who, th->events, th->lost);
    }
    size_t count[TRACE_KIND_COUNT] = {0};
    for (size_t k = 0; k < f->n_events; k++)
        count[f->events[k].kind]++; /* kinds were checked by the reader */
    for (int k = 1; k < TRACE_KIND_COUNT; k++)
        if (count[k] != 0)
            printf("  %-15s %zu\n", trace_kind_name((trace_kind_t)k), count[k]);
}

static int trace_main(int argc, char **argv)
{
    trace_args_t a = {NULL, NULL};
    cli_positionals_t pos = {.max = 2};
    int status;
    if (!cli_parse(&cli_cmd_trace, trace_tables, &a, argc, argv, &pos, &status))
        return status;
    if (pos.count == 0)
        return cli_usage_error(&cli_cmd_trace, "trace: missing export or info");
    bool export = strcmp(pos.args[0], "export") == 0;
    if (!export && strcmp(pos.args[0], "info") != 0)
        return cli_usage_error(&cli_cmd_trace,
                               "%s: unknown trace command (export or info)",
                               pos.args[0]);
    if (pos.count < 2)
        return cli_usage_error(&cli_cmd_trace, "trace %s: missing FILE",
                               pos.args[0]);
    if (export && a.perfetto == NULL && a.text == NULL)
        return cli_usage_error(&cli_cmd_trace,
                               "trace export: give --perfetto OUT.json and/or "
                               "--text OUT");
    if (export && a.perfetto != NULL && a.text != NULL &&
        strcmp(a.perfetto, "-") == 0 && strcmp(a.text, "-") == 0)
        return cli_usage_error(&cli_cmd_trace,
                               "trace export: --perfetto - and --text - would "
                               "both write to standard output; send one to a "
                               "file");
    trace_file_t f;
    if (!cli__load_trace(pos.args[1], &f))
        return CLI_EXIT_FAILED;
    int rc = CLI_EXIT_OK;
    if (export)
        rc = do_export(&f, &a);
    else
        do_info(&f);
    trace_file_free(&f);
    return rc;
}
