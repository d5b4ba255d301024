/*
 * fuzz/fuzz_cli.c - libFuzzer harness for the command line: the program's
 * dispatch (cli/main.c) and the one option parser (cli_parse, cli/options.c)
 * with every subcommand's real option tables.
 *
 * An input is an argv: its bytes split at NUL into at most MAX_ARGS words,
 * "asynclab" put in front. Each input goes through two doors:
 *
 *   1. the whole program:  asynclab_main(argc, argv)   (cli/main.c built
 *      with -Dmain=asynclab_main)  ─> the subcommand's main ─> cli_parse
 *                                                              │
 *      cli_parse is wrapped (-Wl,--wrap=cli_parse): the real parser runs,   │
 *      then the harness longjmps back here, before the command does any     │
 *      work (a real `run` would spend seconds; `check` would compile).  <───┘
 *
 *   2. cli_parse directly, with a table that has every kind of option and
 *      the edges of every range (INT_MIN .. INT_MAX, a negative minimum,
 *      a one-value range), filling a struct guarded by canaries.
 *
 * What it checks: no crash, no sanitizer report, no exit() (the parser
 * must return its verdict, never end the process: libFuzzer reports an
 * exit as "fuzz target exited"), the exit status is 0, 1 or 2, a parsed
 * number is inside its option's range, positionals never exceed max.
 *
 * Every command's main must call cli_parse before doing anything: one that
 * did not would run for real here (and be slow, and show up in the fuzzer's
 * exec/s). The parser's messages go to stdout/stderr; `make fuzz` runs
 * with -close_fd_mask=3 to keep them out of the log.
 *
 *   make fuzz                       every fuzz/fuzz_*.c for FUZZ_SECONDS
 *   build/fuzz/fuzz_cli CRASHFILE   replay one input
 */
#include <assert.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define MAX_ARGS 24

int asynclab_main(int argc, char **argv);
bool __real_cli_parse(const cli_command_t *cmd, const cli_opt_t *const *tables,
                      void *base, int argc, char **argv, cli_positionals_t *pos,
                      int *exit_status);

/* ---- door 1: the program, stopped right after its parse ------------------ */

static jmp_buf after_parse; /* where __wrap_cli_parse returns to */
static bool in_program;     /* door 1 is open: the wrap may longjmp */
static int parse_status;    /* what the parse decided, for the checks */

/*
 * The parser every command calls. Runs the real one, checks what it says
 * about positionals and status, then abandons the command (it has done
 * nothing yet but fill locals: see the file comment).
 */
bool __wrap_cli_parse(const cli_command_t *cmd, const cli_opt_t *const *tables,
                      void *base, int argc, char **argv, cli_positionals_t *pos,
                      int *exit_status)
{
    bool go_on =
        __real_cli_parse(cmd, tables, base, argc, argv, pos, exit_status);
    assert(pos->count >= 0 && pos->count <= pos->max);
    assert(pos->max <= (int)(sizeof pos->args / sizeof pos->args[0]));
    if (!go_on)
        assert(*exit_status == CLI_EXIT_OK || *exit_status == CLI_EXIT_USAGE);
    if (!in_program)
        return go_on;
    parse_status = go_on ? -1 : *exit_status;
    longjmp(after_parse, 1);
}

static void through_the_program(int argc, char **argv)
{
    in_program = true;
    if (setjmp(after_parse) == 0) {
        int status = asynclab_main(argc, argv);
        /* Returned without parsing: no command, an unknown one, help. */
        assert(status == CLI_EXIT_OK || status == CLI_EXIT_USAGE);
    }
    in_program = false;
}

/* ---- door 2: every kind of option, every edge of a range ----------------- */

typedef struct all_kinds {
    cli_scenario_args_t scenario; /* first: cli_scenario_opts fill it */
    bool flag;
    int full, negative, one, positive;
    uint64_t u64;
    const char *text;
} all_kinds_t;

/* The struct the parser fills, between two words it must never touch. */
typedef struct guarded {
    uint64_t canary_front;
    all_kinds_t v;
    uint64_t canary_back;
} guarded_t;

#define CANARY 0x5afe5afe5afe5afeull
#define AT(f)  offsetof(all_kinds_t, f)

static const cli_opt_t edge_opts[] = {
    {"--flag", CLI_FLAG, 0, 0, AT(flag), NULL, "a flag"},
    {"--full", CLI_INT, INT_MIN, INT_MAX, AT(full), "N", "any int"},
    {"--negative", CLI_INT, -100, -1, AT(negative), "N", "-100 to -1"},
    {"--one", CLI_INT, 7, 7, AT(one), "N", "only 7"},
    {"--positive", CLI_INT, 1, INT_MAX, AT(positive), "N", "a positive int"},
    {"--u64", CLI_U64, 0, 0, AT(u64), "N", "a u64"},
    {"--text", CLI_STRING, 0, 0, AT(text), "S", "a string"},
    {"-", CLI_FLAG, 0, 0, AT(flag), NULL, "a bare dash"},
    {"", CLI_FLAG, 0, 0, AT(flag), NULL, "an empty name"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
static const cli_opt_t *const edge_tables[] = {edge_opts, cli_scenario_opts,
                                               NULL};

static void edge_usage(FILE *out)
{
    cli_print_options(out, edge_tables);
}

static const cli_command_t edge_cmd = {"edges", "every kind of option",
                                       edge_usage, NULL};

static void through_the_parser(int argc, char **argv, int max_pos)
{
    guarded_t g = {.canary_front = CANARY,
                   .v = {.negative = -1, .one = 7, .positive = 1},
                   .canary_back = CANARY};
    cli_scenario_args_init(&g.v.scenario);
    cli_positionals_t pos = {.max = max_pos};
    int status = -1;
    if (cli_parse(&edge_cmd, edge_tables, &g.v, argc, argv, &pos, &status)) {
        const cli_scenario_args_t *s = &g.v.scenario;
        assert(g.v.negative >= -100 && g.v.negative <= -1);
        assert(g.v.one == 7 && g.v.positive >= 1);
        assert(s->params.port == SCENARIO_UNSET ||
               (s->params.port >= 0 && s->params.port <= 65535));
        assert(s->params.tasks == SCENARIO_UNSET || s->params.tasks >= 1);
        assert(s->workers >= 0 && s->workers <= 1024);
    } else {
        assert(status == CLI_EXIT_OK || status == CLI_EXIT_USAGE);
    }
    assert(g.canary_front == CANARY && g.canary_back == CANARY);
    assert(pos.count >= 0 && pos.count <= max_pos);
}

/* ---- libFuzzer's entry --------------------------------------------------- */

/* Split data at NUL into argv[1..]; argv[0] = "asynclab". Returns argc;
 * the words are copies in *store (free it). */
static int split_args(const uint8_t *data, size_t size, char **argv,
                      char **store)
{
    *store = malloc(size + 1);
    if (*store == NULL)
        abort();
    memcpy(*store, data, size);
    (*store)[size] = '\0';
    int argc = 0;
    argv[argc++] = "asynclab";
    for (size_t i = 0; i < size && argc < MAX_ARGS; argc++) {
        argv[argc] = *store + i;
        i += strlen(*store + i) + 1;
    }
    argv[argc] = NULL;
    return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[MAX_ARGS + 1];
    char *store;
    int argc = split_args(data, size, argv, &store);
    through_the_program(argc, argv);
    /* argv[0] stands for the command's own name, as commands get it; the
     * first byte picks how many positionals are allowed (0 to 4). */
    through_the_parser(argc, argv, size > 0 ? data[0] % 5 : 1);
    free(store);
    return 0;
}
