/*
 * cli/options.c - the one option parser of every subcommand.
 *
 * Table-driven (see cli/cli.h): each option names where its value goes in
 * the caller's struct, so parsing is a loop over argv with no global state,
 * and --help prints the same tables the parser reads. Every bad argument
 * gets exactly one line saying which argument and why, then the usage:
 *
 *     asynclab: --tasks: expected a positive integer, got '-3'
 *
 * Numbers are strict: decimal digits only (a leading '-' is read so it can
 * be reported), no trailing junk, no silent wrap-around on overflow.
 *
 * Tests: tests/cli.sh.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_usage_error(const cli_command_t *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("asynclab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    cmd->usage(stderr);
    return CLI_EXIT_USAGE;
}

/* ---- numbers ------------------------------------------------------------- */

/* "a positive integer", "an integer from 1 to 1024", ... */
static void describe_range(const cli_opt_t *o, char *buf, size_t size)
{
    if (o->kind == CLI_U64)
        snprintf(buf, size, "a non-negative integer");
    else if (o->min == 1 && o->max == INT_MAX)
        snprintf(buf, size, "a positive integer");
    else if (o->min == 0 && o->max == INT_MAX)
        snprintf(buf, size, "a non-negative integer");
    else
        snprintf(buf, size, "an integer from %d to %d", o->min, o->max);
}

/* Decimal digits, optionally after one '-'; nothing else. */
static bool all_digits(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
    }
    return true;
}

typedef enum number_verdict {
    NUMBER_OK,
    NUMBER_MALFORMED, /* not decimal digits, or negative for CLI_U64 */
    NUMBER_TOO_SMALL,
    NUMBER_TOO_LARGE, /* above max, or beyond what the type holds */
} number_verdict_t;

/* Parse text into *out (an int or a uint64_t, by o's kind). */
static number_verdict_t parse_number(const cli_opt_t *o, const char *text,
                                     void *out)
{
    if (!all_digits(text) || (o->kind == CLI_U64 && text[0] == '-'))
        return NUMBER_MALFORMED;
    errno = 0;
    if (o->kind == CLI_U64) {
        unsigned long long v = strtoull(text, NULL, 10);
        if (errno == ERANGE)
            return NUMBER_TOO_LARGE;
        *(uint64_t *)out = (uint64_t)v;
        return NUMBER_OK;
    }
    long long v = strtoll(text, NULL, 10);
    if (v < o->min)
        return NUMBER_TOO_SMALL; /* also -ERANGE's LLONG_MIN */
    if (errno == ERANGE || v > o->max)
        return NUMBER_TOO_LARGE;
    *(int *)out = (int)v;
    return NUMBER_OK;
}

/* ---- one option ---------------------------------------------------------- */

static const cli_opt_t *find_option(const cli_opt_t *const *tables,
                                    const char *name, size_t len)
{
    for (; *tables != NULL; tables++) {
        for (const cli_opt_t *o = *tables; o->name != NULL; o++) {
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                return o;
        }
    }
    return NULL;
}

/*
 * Store the value of option o. value is the text after '=' (or NULL), next
 * the following argv element (or NULL); *used_next says whether it was
 * consumed. Returns false after printing the reason line.
 */
static bool set_option(const cli_opt_t *o, void *base, const char *value,
                       const char *next, bool *used_next)
{
    void *dest = (char *)base + o->offset;
    *used_next = false;
    if (o->kind == CLI_FLAG) {
        if (value != NULL) {
            fprintf(stderr, "asynclab: %s: takes no value, got '%s'\n", o->name,
                    value);
            return false;
        }
        *(bool *)dest = true;
        return true;
    }
    if (value == NULL) {
        value = next;
        *used_next = next != NULL;
    }
    char want[64];
    describe_range(o, want, sizeof want);
    if (value == NULL) {
        fprintf(stderr, "asynclab: %s: missing value (expected %s)\n", o->name,
                o->kind == CLI_STRING ? o->arg : want);
        return false;
    }
    if (o->kind == CLI_STRING) {
        *(const char **)dest = value;
        return true;
    }
    number_verdict_t v = parse_number(o, value, dest);
    if (v != NUMBER_OK) {
        fprintf(stderr, "asynclab: %s: expected %s, got '%s'%s\n", o->name,
                want, value, v == NUMBER_TOO_LARGE ? " (too large)" : "");
        return false;
    }
    return true;
}

/* ---- the loop ------------------------------------------------------------ */

static bool is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* One "--name[=value]" at argv[*i]; advances *i past a consumed value. */
static bool parse_option(const cli_opt_t *const *tables, void *base, int argc,
                         char **argv, int *i)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
    const cli_opt_t *o = find_option(tables, arg, len);
    if (o == NULL) {
        fprintf(stderr, "asynclab: %.*s: unknown option\n", (int)len, arg);
        return false;
    }
    const char *next = *i + 1 < argc ? argv[*i + 1] : NULL;
    bool used_next;
    if (!set_option(o, base, eq != NULL ? eq + 1 : NULL, next, &used_next))
        return false;
    if (used_next)
        (*i)++;
    return true;
}

bool cli_parse(const cli_command_t *cmd, const cli_opt_t *const *tables,
               void *base, int argc, char **argv, cli_positionals_t *pos,
               int *exit_status)
{
    bool options_done = false;
    pos->count = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && is_help(arg)) {
            cmd->usage(stdout);
            *exit_status = CLI_EXIT_OK;
            return false;
        }
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            if (!parse_option(tables, base, argc, argv, &i))
                goto usage;
        } else if (pos->count < pos->max) {
            pos->args[pos->count++] = arg;
        } else {
            fprintf(stderr, "asynclab: %s: unexpected argument\n", arg);
            goto usage;
        }
    }
    return true;
usage:
    cmd->usage(stderr);
    *exit_status = CLI_EXIT_USAGE;
    return false;
}

void cli_print_options(FILE *out, const cli_opt_t *const *tables)
{
    fputs("options:\n", out);
    for (; *tables != NULL; tables++) {
        for (const cli_opt_t *o = *tables; o->name != NULL; o++) {
            char left[40];
            snprintf(left, sizeof left, "%s%s%s", o->name,
                     o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
            fprintf(out, "  %-20s %s\n", left, o->help);
        }
    }
    fprintf(out, "  %-20s %s\n", "-h, --help", "this text");
}

/* ---- a fingerprint of names (quiz's choices, mine's object name) -------- */

uint64_t cli_fnv1a(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++)
        h = (h ^ (uint8_t)*s) * UINT64_C(1099511628211);
    return h;
}
