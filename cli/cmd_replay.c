/*
 * cli/cmd_replay.c - `asynclab replay FILE [--slow MS]`: step forward and
 * back through a recorded run (a trace file from `asynclab run ...
 * --trace FILE`) in the terminal visualizer.
 *
 * A replay starts paused before the first event; s or the right arrow
 * moves one scheduling decision forward, the left arrow one back, space
 * plays it at --slow's pace (default 200 ms per decision).
 *
 * A file that is not a whole, valid trace gets one line saying what is
 * wrong with it ("truncated: ...", "corrupt: ...") and exit status 1. A
 * trace that lost events (recorded with --trace-drop) says how many, and
 * from which thread, in the warnings and the counters line.
 *
 * `--print-screen N [--size COLSxROWS] [--back K]` needs no terminal: the
 * screen after N steps from the start, as text on stdout (cli/viz_print.h).
 *
 * Tests: tests/trace.sh, tests/viz.sh.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_trace.h"
#include "cli/viz_print.h"
#include "core/trace.h"
#include "trace/file.h"
#include "visualizer/export.h"
#include "visualizer/model.h"
#include "visualizer/viz.h"

#define REPLAY_SLOW_MS 200

typedef struct replay_args {
    int slow; /* -1: not given */
    cli_print_args_t print;
} replay_args_t;

static const cli_opt_t replay_opts[] = {
    {"--slow", CLI_INT, 0, 60000, offsetof(replay_args_t, slow), "MS",
     "start playing at MS milliseconds per decision (default: paused)"},
    CLI_PRINT_OPTS(replay_args_t, print),
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const replay_tables[] = {replay_opts, NULL};

static void replay_usage(FILE *out)
{
    fputs("usage: asynclab replay FILE [--slow MS]\n"
          "       asynclab replay FILE --print-screen N [--size COLSxROWS]\n"
          "\n"
          "Step through a recorded run in the terminal visualizer: s or "
          "right one\n"
          "decision forward, left one back, space play/pause, g G start and "
          "end,\n"
          ": go to event N or a time, / search (n N), x X steals, ] [ "
          "warnings,\n"
          "f filter, o sort, ? every key, q quit. Record one with\n"
          "  asynclab run fanout --executor ws --sim --seed 7 --trace t.bin\n"
          "--print-screen N needs no terminal: the screen after N steps from "
          "the start,\n"
          "as plain text on stdout.\n"
          "\n",
          out);
    cli_print_options(out, replay_tables);
}

static int replay_main(int argc, char **argv);

const cli_command_t cli_cmd_replay = {
    .name = "replay",
    .summary = "step forward and back through a recorded trace file",
    .usage = replay_usage,
    .main = replay_main,
};

bool cli__load_trace(const char *path, trace_file_t *f)
{
    char err[200];
    if (trace_file_load(path, f, err, sizeof err) == 0)
        return true;
    fprintf(stderr, "asynclab: %s: %s\n", path, err);
    return false;
}

static int replay_main(int argc, char **argv)
{
    replay_args_t a = {.slow = -1, .print = CLI_PRINT_ARGS_INIT};
    cli_positionals_t pos = {.max = 1};
    int status;
    if (!cli_parse(&cli_cmd_replay, replay_tables, &a, argc, argv, &pos,
                   &status))
        return status;
    if (pos.count == 0)
        return cli_usage_error(&cli_cmd_replay, "replay: missing FILE");
    viz_print_t print;
    if (cli__print_args(&cli_cmd_replay, &a.print, &print) != 0)
        return CLI_EXIT_USAGE;
    trace_file_t f;
    if (!cli__load_trace(pos.args[0], &f))
        return CLI_EXIT_FAILED;

    viz_session_t s;
    char title[160]; /* drawn through viz_escape, like every name shown */
    snprintf(title, sizeof title, "replay of %s: %s on %s (%u workers%s)",
             pos.args[0], f.info.scenario, f.info.executor, f.info.workers,
             f.info.sim ? ", sim" : "");
    int rc = viz_session_init(&s, f.info.executor, f.info.workers,
                              f.info.scenario, viz_file_name, &f);
    if (rc == 0) {
        for (size_t i = 0; i < f.n_events; i++)
            viz_session_append(&s, &f.events[i]);
        viz_session_rewind(&s);
        char losses[160];
        trace_describe_losses(losses, sizeof losses, f.dropped, f.threads,
                              f.n_threads);
        viz_model_set_dropped_why(&s.model, losses);
        viz_model_set_dropped(&s.model, f.dropped);
        viz_options_t o = {.title = title,
                           .step = a.slow < 0,
                           .slow_ms = a.slow >= 0 ? a.slow : REPLAY_SLOW_MS,
                           .stderr_fd = -1,
                           .sim = f.info.sim &&
                                  strcmp(f.info.executor, "ws") == 0};
        if (cli_print_asked(&a.print)) {
            o.step = true;
            rc = viz_ui_print_screen(&s, NULL, &o, &print, stdout);
            trace_file_free(&f);
            viz_session_destroy(&s);
            return cli__print_status("replay", rc);
        }
        rc = viz_ui_replay(&s, &o);
        viz_session_destroy(&s);
    }
    trace_file_free(&f);
    if (cli__no_screen("replay", rc))
        return CLI_EXIT_FAILED;
    return rc == -EINTR ? 130 : rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}
