/*
 * cli/cmd_bench.c - `asynclab bench WORKLOAD[,WORKLOAD...]|all`: time the
 * workloads of docs/benchmarks.md on one executor, one line each:
 *
 *   bench NAME peer=asynclab-EXECUTOR workers=N median_us=X min_us=Y
 *         iters=K cpu_us=C                               (one line)
 *
 * One runtime per process, shared by every workload requested. Each
 * workload is set up once (not timed), run twice to warm up, then K timed
 * iterations; median_us is sorted[K/2] and min_us sorted[0] of their wall
 * times, cpu_us the process's user + system CPU time over the K timed
 * iterations (getrusage around the timed loop, every thread) divided by K.
 * "all" is the seven workloads, then the variants (yield_many_driver). A
 * workload the executor cannot run (-ENOTSUP) prints "skipped: REASON" and
 * is not an error; any other failure is (exit status 1).
 *
 * Tests: tests/bench.sh, tests/cli.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bench/executors.h"
#include "bench/workload.h"
#include "bench/scaling.h"
#include "cli/cli.h"
#include "cli/cli_trace.h"
#include "core/trace.h"
#include "trace/file.h"

#define WARMUPS 2
#define MAX_WORKLOADS 16

typedef struct bench_args {
    const char *executor;
    int workers;
    int iters;
    bool sim;
    uint64_t seed;
    bool baseline;
    bool scaling;
    bool memory;
    int tasks;
    const char *trace; /* record every event to this file: tracing's cost */
    bool trace_drop;   /* --trace-drop: bounded buffers that drop */
    int trace_buffer;  /* --trace-buffer KIB */
} bench_args_t;

static const cli_opt_t bench_opts[] = {
    {"--executor", CLI_STRING, 0, 0, offsetof(bench_args_t, executor), "NAME",
     "spin, notify or ws (default: ws)"},
    {"--workers", CLI_INT, 1, 1024, offsetof(bench_args_t, workers), "N",
     "worker threads of the ws executor (default 2)"},
    {"--iters", CLI_INT, 1, 1000000, offsetof(bench_args_t, iters), "K",
     "timed iterations per workload (default 20)"},
    {"--sim", CLI_FLAG, 0, 0, offsetof(bench_args_t, sim), NULL,
     "virtual time (ws: all workers on one thread, interleaved by --seed)"},
    {"--seed", CLI_U64, 0, 0, offsetof(bench_args_t, seed), "S",
     "the simulation's interleaving (default 1)"},
    {"--baseline", CLI_FLAG, 0, 0, offsetof(bench_args_t, baseline), NULL,
     "also time the same work with no scheduler, and print the overhead"},
    {"--scaling", CLI_FLAG, 0, 0, offsetof(bench_args_t, scaling), NULL,
     "ns per task from 1,000 to --tasks tasks on 1, 2, 4 workers "
     "(no WORKLOAD)"},
    {"--memory", CLI_FLAG, 0, 0, offsetof(bench_args_t, memory), NULL,
     "bytes per task, and the memory of --tasks pending tasks "
     "(no WORKLOAD)"},
    {"--trace", CLI_STRING, 0, 0, offsetof(bench_args_t, trace), "FILE",
     "record every event to FILE while timing (the cost of watching); "
     "then one line: trace FILE events=N bytes=B bytes_per_event=X "
     "dropped=D"},
    {"--trace-drop", CLI_FLAG, 0, 0, offsetof(bench_args_t, trace_drop), NULL,
     "bounded trace buffers per thread that drop events (counted) rather "
     "than take more memory"},
    {"--trace-buffer", CLI_INT, 1, 1048576,
     offsetof(bench_args_t, trace_buffer), "KIB",
     "--trace-drop's buffer per thread, in KiB (default 256)"},
    {"--tasks", CLI_INT, 1000, 10000000, offsetof(bench_args_t, tasks), "N",
     "--scaling: the largest size; --memory: how many (default 1000000)"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const bench_tables[] = {bench_opts, NULL};

static void bench_usage(FILE *out)
{
    fputs("usage: asynclab bench WORKLOAD[,WORKLOAD...]|all [options]\n"
          "\n"
          "Time the benchmark workloads (docs/benchmarks.md) on one "
          "executor:\n"
          "2 warm-up iterations, then K timed ones; one line per workload:\n"
          "  bench NAME peer=asynclab-EXECUTOR workers=N median_us=X "
          "min_us=Y iters=K cpu_us=C\n"
          "median_us and min_us: the median and the fastest wall time of "
          "one\n"
          "iteration; cpu_us: user + system CPU time of the whole process "
          "per\n"
          "iteration (getrusage over the K timed ones, divided by K). A "
          "runtime\n"
          "that wins wall time by spinning shows it in cpu_us.\n"
          "With --baseline, before it the same work done by direct calls "
          "on one\n"
          "thread (peer=baseline), and after it the scheduler's own cost:\n"
          "  overhead NAME per_UNIT_ns=X ratio=R\n"
          "`all` runs the seven workloads, then the variant "
          "yield_many_driver\n"
          "(yield_many while one task waits on an idle eventfd, so that "
          "busy\n"
          "workers turn the I/O driver as Tokio 1.24's do).\n"
          "Beside Tokio and Go: make bench-peers (tools/bench-peers.sh), "
          "every\n"
          "runtime with glibc's malloc defaults, or with the same\n"
          "GLIBC_TUNABLES for all: ARGS=\"--malloc-tunables T\"; "
          "ASYNCLAB_TASK_CACHE=0\n"
          "turns asynclab's task cache off (ARGS=\"--task-cache both\": "
          "both ways).\n"
          "\n",
          out);
    cli_print_options(out, bench_tables);
    fputs("\nworkloads:\n", out);
    for (const workload_t *const *w = workload_table; *w != NULL; w++)
        fprintf(out, "  %-24s %s\n", (*w)->name, (*w)->shape);
    fputs("variants:\n", out);
    for (const workload_t *const *w = workload_variants; *w != NULL; w++)
        fprintf(out, "  %-24s %s\n", (*w)->name, (*w)->shape);
}

static int bench_main(int argc, char **argv);

const cli_command_t cli_cmd_bench = {
    .name = "bench",
    .summary = "time the benchmark workloads on one executor",
    .usage = bench_usage,
    .main = bench_main,
};

/* ---- choosing the workloads ---------------------------------------------- */

/* Split "a,b,c" (or "all") into list; false after a usage error. */
static bool parse_workloads(const char *arg, const workload_t **list,
                            int *n, int *status)
{
    *n = 0;
    if (strcmp(arg, "all") == 0) {
        for (const workload_t *const *w = workload_table; *w != NULL; w++)
            list[(*n)++] = *w;
        for (const workload_t *const *w = workload_variants; *w != NULL; w++)
            list[(*n)++] = *w;
        return true;
    }
    char copy[512];
    if (strlen(arg) >= sizeof copy) {
        *status = cli_usage_error(&cli_cmd_bench, "workload list too long");
        return false;
    }
    strcpy(copy, arg);
    for (char *save, *name = strtok_r(copy, ",", &save); name != NULL;
         name = strtok_r(NULL, ",", &save)) {
        const workload_t *w = workload_by_name(name);
        if (w == NULL || *n == MAX_WORKLOADS) {
            *status = cli_usage_error(&cli_cmd_bench,
                                      "%s: unknown workload", name);
            return false;
        }
        list[(*n)++] = w;
    }
    if (*n == 0) {
        *status = cli_usage_error(&cli_cmd_bench, "missing WORKLOAD");
        return false;
    }
    return true;
}

/* ---- timing ------------------------------------------------------------------ */

static uint64_t now_us(void)
{
    return bench_now_ns() / 1000u;
}

/* Sort times[] and report sorted[n/2] and sorted[0]. */
static void median_min(uint64_t *times, int n, uint64_t *median,
                       uint64_t *min)
{
    bench_sort(times, (size_t)n);
    *median = times[n / 2];
    *min = times[0];
}

/*
 * The baseline, timed like a workload: warm-ups, then iters runs into
 * times[]; *cpu the process CPU time (us) of the timed runs, all of them.
 */
static int time_baseline(const workload_t *w, int iters, uint64_t *times,
                         uint64_t *cpu)
{
    int err = 0;
    uint64_t cpu_start = 0;
    for (int i = 0; err == 0 && i < WARMUPS + iters; i++) {
        if (i == WARMUPS)
            cpu_start = bench_cpu_us();
        uint64_t start = now_us();
        err = w->baseline(w->size);
        if (i >= WARMUPS)
            times[i - WARMUPS] = now_us() - start;
    }
    *cpu = bench_cpu_us() - cpu_start;
    return err;
}

/*
 * Set up w, warm up, time iters iterations into times[], tear down. *cpu
 * gets the process's CPU time (us, every thread) over the timed
 * iterations together: getrusage before the first and after the last, so
 * setup, warm-ups and teardown are not in it. Returns 0 or the first
 * -errno.
 */
static int time_workload(executor_t *ex, const workload_t *w, int iters,
                         uint64_t *times, uint64_t *cpu)
{
    void *state = NULL;
    uint64_t cpu_start = 0;
    int err = w->setup != NULL ? w->setup(ex, &state) : 0;
    for (int i = 0; err == 0 && i < WARMUPS + iters; i++) {
        if (i == WARMUPS)
            cpu_start = bench_cpu_us();
        uint64_t start = now_us();
        err = w->iteration(ex, state, w->size);
        if (i >= WARMUPS)
            times[i - WARMUPS] = now_us() - start;
    }
    *cpu = bench_cpu_us() - cpu_start;
    if (w->teardown != NULL)
        w->teardown(ex, state);
    return err;
}

/* Time w's baseline and print its line; *median 0 when it has none. */
static int bench_baseline(const workload_t *w, int iters, uint64_t *times,
                          uint64_t *median)
{
    uint64_t min, cpu;
    *median = 0;
    if (w->baseline == NULL)
        return 0;
    int err = time_baseline(w, iters, times, &cpu);
    if (err != 0)
        return err;
    median_min(times, iters, median, &min);
    printf("bench %s peer=baseline workers=1 median_us=%" PRIu64
           " min_us=%" PRIu64 " iters=%d cpu_us=%" PRIu64 "\n",
           w->name, *median, min, iters, cpu / (uint64_t)iters);
    return 0;
}

/* The scheduler's own cost per unit of work, beside the baseline. */
static void print_overhead(const workload_t *w, uint64_t base_us,
                           uint64_t rt_us)
{
    double units = (double)w->size * w->units;
    printf("overhead %s per_%s_ns=%.1f ratio=%.2f\n", w->name, w->unit,
           ((double)rt_us - (double)base_us) * 1000.0 / units,
           (double)rt_us / (double)base_us);
}

static int bench_one(executor_t *ex, const workload_t *w,
                     const bench_args_t *args, int workers)
{
    uint64_t *times = calloc((size_t)args->iters, sizeof *times);
    if (times == NULL)
        return -ENOMEM;
    uint64_t base_us = 0, median, min, cpu = 0;
    int err = args->baseline ? bench_baseline(w, args->iters, times, &base_us)
                             : 0;
    if (err == 0)
        err = time_workload(ex, w, args->iters, times, &cpu);
    if (err == 0) {
        median_min(times, args->iters, &median, &min);
        printf("bench %s peer=asynclab-%s workers=%d median_us=%" PRIu64
               " min_us=%" PRIu64 " iters=%d cpu_us=%" PRIu64 "\n",
               w->name, args->executor, workers, median, min, args->iters,
               cpu / (uint64_t)args->iters);
        if (base_us > 0)
            print_overhead(w, base_us, median);
    } else if (err == -ENOTSUP) {
        printf("bench %s peer=asynclab-%s skipped: %s\n", w->name,
               args->executor, cli_strerror(err));
        err = 0;
    } else {
        fprintf(stderr, "asynclab: bench %s on %s failed: %s\n", w->name,
                args->executor, cli_strerror(err));
    }
    fflush(stdout);
    free(times);
    return err;
}

/* The file sink for --trace; NULL after saying why it cannot be made. */
static trace_writer_t *open_trace(const bench_args_t *args, int workers,
                                  const trace_writer_opts_t *opts)
{
    trace_info_t info;
    trace_info_set(&info, args->executor, "bench", (uint32_t)workers,
                   args->sim, args->seed,
                   args->sim ? TRACE_CLOCK_VIRTUAL : TRACE_CLOCK_MONOTONIC);
    int err = 0;
    trace_writer_t *w = trace_writer_open_opts(args->trace, &info, opts, &err);
    if (w == NULL)
        fprintf(stderr, "asynclab: %s: %s\n", args->trace, strerror(-err));
    return w;
}

/* --scaling and --memory: reports of their own, no WORKLOAD. */
static int bench_report(const bench_args_t *args, const cli_positionals_t *pos)
{
    if (pos->count != 0)
        return cli_usage_error(&cli_cmd_bench,
                               "%s: --scaling and --memory take no WORKLOAD",
                               pos->args[0]);
    if (executor_kind_by_name(args->executor) == NULL)
        return cli_usage_error(&cli_cmd_bench,
                               "--executor: unknown executor '%s' (known: %s)",
                               args->executor, executor_names(", "));
    int err = 0;
    if (args->scaling)
        err = bench_scaling(args->executor, args->tasks);
    if (err == 0 && args->memory)
        err = bench_memory(args->executor, args->workers, args->tasks);
    if (err != 0) {
        fprintf(stderr, "asynclab: bench: %s\n", cli_strerror(err));
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}

static int bench_main(int argc, char **argv)
{
    bench_args_t args = {.executor = "ws", .workers = 2, .iters = 20,
                         .seed = 1, .tasks = 1000000};
    cli_positionals_t pos = {.max = 1};
    int status;
    if (!cli_parse(&cli_cmd_bench, bench_tables, &args, argc, argv, &pos,
                   &status))
        return status;
    if (args.scaling || args.memory)
        return bench_report(&args, &pos);
    if (pos.count == 0)
        return cli_usage_error(&cli_cmd_bench, "missing WORKLOAD");
    const workload_t *list[MAX_WORKLOADS];
    int n;
    if (!parse_workloads(pos.args[0], list, &n, &status))
        return status;
    for (int i = 0; args.sim && i < n; i++)
        if (list[i]->no_sim != NULL)
            return cli_usage_error(&cli_cmd_bench,
                                   "--sim: %s %s (name the other workloads)",
                                   list[i]->name, list[i]->no_sim);
    const executor_kind_t *kind = executor_kind_by_name(args.executor);
    if (kind == NULL)
        return cli_usage_error(&cli_cmd_bench,
                               "--executor: unknown executor '%s' (known: %s)",
                               args.executor, executor_names(", "));

    bool threaded = strcmp(args.executor, "ws") == 0;
    int workers = threaded ? args.workers : 1;
    trace_writer_opts_t topts;
    if (!cli__trace_opts(&cli_cmd_bench, args.trace, args.trace_drop,
                         args.trace_buffer, &topts, &status))
        return status;
    trace_writer_t *trace = NULL;
    if (args.trace != NULL &&
        (trace = open_trace(&args, workers, &topts)) == NULL)
        return CLI_EXIT_FAILED;
    executor_config_t cfg = {.kind = kind, .workers = args.workers,
                             .sim = args.sim, .seed = args.seed,
                             .virtual_time = args.sim,
                             .trace = trace ? trace_writer_sink(trace) : NULL};
    executor_t *ex = executor_create(&cfg);
    int failed = 0;
    if (ex == NULL) {
        fprintf(stderr, "asynclab: cannot create the %s executor\n",
                args.executor);
        failed = 1;
    }
    for (int i = 0; ex != NULL && i < n; i++)
        failed += bench_one(ex, list[i], &args, workers) != 0;
    executor_destroy(ex);
    if (trace != NULL) {
        trace_writer_report_t rep = {0};
        if (trace_writer_close_report(trace, &rep) != 0) {
            fprintf(stderr, "asynclab: %s: could not finish the trace\n",
                    args.trace);
            failed++;
        } else {
            char losses[512];
            trace_describe_losses(losses, sizeof losses, rep.dropped,
                                  rep.threads, rep.n_threads);
            printf("trace %s events=%" PRIu64 " bytes=%" PRIu64
                   " bytes_per_event=%.2f dropped=%" PRIu64 " (%s)\n",
                   args.trace, rep.events, rep.bytes,
                   rep.events > 0 ? (double)rep.bytes / (double)rep.events
                                  : 0.0,
                   rep.dropped, losses);
        }
        trace_writer_report_free(&rep);
    }
    return failed == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}
