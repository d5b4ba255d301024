/*
 * tests/test_viz_export.c - the exports of a known run: the Perfetto JSON
 * is valid JSON (checked by a small parser here) with the expected slices,
 * instants and flows; the text export speaks one line per event.
 *
 * Run one test: ./build/tests/test_viz_export viz_export_perfetto_counts
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/future.h"
#include "trace/file.h"
#include "visualizer/escape.h"
#include "visualizer/export.h"

/* ---- a known run
 * -------------------------------------------------------------
 *
 * ws, 2 workers, virtual clock. t1 "root" spawns t2 and t3 on w0; w1 steals
 * t2, which wakes t1; a timer (from the driver, no worker) wakes t3.
 * Expected: 4 polls (4 slices) + 1 bare-wake slice, 2 flows, 4 instants
 * (two wakes, one self-wake, one steal): a self-wake draws no arrow.
 */

#define W TRACE_NO_WORKER
static const trace_event_t RUN[] = {
    {0, 1, 0, 1, W, TRACE_SPAWN},
    {0, 1, TRACE_Q_INJECT, 0, W, TRACE_SCHEDULE},
    {0, 1, 0, 0, 0, TRACE_POLL_START},
    {0, 2, 1, 2, 0, TRACE_SPAWN},
    {0, 2, TRACE_Q_LOCAL, 0, 0, TRACE_SCHEDULE},
    {0, 3, 1, 2, 0, TRACE_SPAWN},
    {0, 3, TRACE_Q_LOCAL, 0, 0, TRACE_SCHEDULE},
    {0, 1, POLL_PENDING, 0, 0, TRACE_POLL_END},
    {0, 0, 0, 1, 1, TRACE_STEAL},
    {0, 2, 0, 0, 1, TRACE_POLL_START},
    {0, 1, TRACE_BY_TASK, 2, 1, TRACE_WAKE},
    {0, 1, TRACE_Q_LOCAL, 0, 1, TRACE_SCHEDULE},
    {0, 2, POLL_READY, 0, 1, TRACE_POLL_END},
    {0, 2, 0, 0, 1, TRACE_COMPLETE},
    {5000000, 3, TRACE_BY_TIMER, 0, W, TRACE_WAKE},
    {5000000, 3, 0, 0, 0, TRACE_POLL_START},
    {5000000, 3, 0, 0, 0, TRACE_SELF_WAKE},
    {5000000, 3, POLL_READY, 0, 0, TRACE_POLL_END},
    {5000000, 1, 0, 0, 1, TRACE_POLL_START},
    {5000000, 1, POLL_READY, 0, 1, TRACE_POLL_END},
};
#undef W

static char NAME_ROOT[] = "root", NAME_LEAF[] = "le\"af"; /* a quote */
static char *NAMES[] = {NAME_ROOT, NAME_LEAF};

static trace_file_t known_run(void)
{
    trace_file_t f = {0};
    trace_info_set(&f.info, "ws", "fanout", 2, true, 7, TRACE_CLOCK_VIRTUAL);
    f.events = (trace_event_t *)RUN;
    f.n_events = sizeof RUN / sizeof RUN[0];
    f.names = NAMES;
    f.n_names = 2;
    return f;
}

/* ---- a small JSON checker (RFC 8259 grammar, no semantics) --------------- */

typedef struct json {
    const char *p;
} json_t;

static bool json_value(json_t *j);

static void json_ws(json_t *j)
{
    while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')
        j->p++;
}

static bool json_string_ok(json_t *j)
{
    if (*j->p++ != '"')
        return false;
    while (*j->p != '"') {
        if (*j->p == 0 || (unsigned char)*j->p < 0x20)
            return false;
        if (*j->p++ == '\\') {
            if (*j->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)j->p[i]))
                        return false;
                j->p += 5;
            } else if (strchr("\"\\/bfnrt", *j->p) != NULL && *j->p) {
                j->p++;
            } else {
                return false;
            }
        }
    }
    j->p++;
    return true;
}

static bool json_number(json_t *j)
{
    char *end;
    strtod(j->p, &end);
    if (end == j->p)
        return false;
    j->p = end;
    return true;
}

static bool json_list(json_t *j, char close, bool object)
{
    j->p++;
    json_ws(j);
    if (*j->p == close) {
        j->p++;
        return true;
    }
    for (;;) {
        json_ws(j);
        if (object) {
            if (!json_string_ok(j))
                return false;
            json_ws(j);
            if (*j->p++ != ':')
                return false;
        }
        if (!json_value(j))
            return false;
        json_ws(j);
        if (*j->p == close) {
            j->p++;
            return true;
        }
        if (*j->p++ != ',')
            return false;
    }
}

static bool json_value(json_t *j)
{
    json_ws(j);
    switch (*j->p) {
    case '{':
        return json_list(j, '}', true);
    case '[':
        return json_list(j, ']', false);
    case '"':
        return json_string_ok(j);
    case 't':
        return strncmp(j->p, "true", 4) == 0 && (j->p += 4);
    case 'f':
        return strncmp(j->p, "false", 5) == 0 && (j->p += 5);
    case 'n':
        return strncmp(j->p, "null", 4) == 0 && (j->p += 4);
    default:
        return json_number(j);
    }
}

static bool json_valid(const char *text)
{
    json_t j = {text};
    if (!json_value(&j))
        return false;
    json_ws(&j);
    return *j.p == 0;
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* ---- tests --------------------------------------------------------------- */

static void viz_export_json_checker_works(void **state)
{
    (void)state;
    assert_true(json_valid("{\"a\":[1,2.5e3,\"x\\u0041\",true,null]}"));
    assert_false(json_valid("{\"a\":[1,2,]}"));
    assert_false(json_valid("{\"a\":1"));
    assert_false(json_valid("{\"a\":\"x\"}}"));
}

static void viz_export_perfetto_counts(void **state)
{
    (void)state;
    trace_file_t f = known_run();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    viz_export_counts_t c;
    assert_int_equal(viz_export_perfetto(&f, out, &c), 0);
    fclose(out);

    assert_true(json_valid(buf));
    assert_int_equal(c.slices, 4);      /* 4 polls */
    assert_int_equal(c.wake_slices, 1); /* the timer's wake, off any poll */
    assert_int_equal(c.flows, 2);
    assert_int_equal(c.instants, 4);
    assert_int_equal(occurrences(buf, "\"ph\":\"X\""), 5);
    assert_int_equal(occurrences(buf, "\"ph\":\"s\""), 2);
    assert_int_equal(occurrences(buf, "\"ph\":\"f\""), 2);
    assert_int_equal(occurrences(buf, "\"cat\":\"poll\""), 4);
    assert_int_equal(occurrences(buf, "\"ph\":\"C\""), c.counters);
    assert_true(c.counters > 0);
    /* tracks: w0, w1 and the driver's, named */
    assert_non_null(strstr(buf, "\"args\":{\"name\":\"w0\"}"));
    assert_non_null(strstr(buf, "\"args\":{\"name\":\"w1\"}"));
    assert_non_null(strstr(buf, "driver and other threads"));
    assert_non_null(strstr(buf, "w1 stole 1 task from w0"));
    assert_non_null(strstr(buf, "t2 'le\\\"af'")); /* escaped */
    assert_non_null(strstr(buf, "\"time_base\":\"virtual: "));
    free(buf);
}

static void viz_export_text_speaks_words(void **state)
{
    (void)state;
    trace_file_t f = known_run();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    viz_export_counts_t c;
    assert_int_equal(viz_export_text(&f, out, &c), 0);
    fclose(out);
    assert_int_equal(c.lines, f.n_events);
    assert_int_equal(occurrences(buf, "\n"), f.n_events + 2);
    assert_non_null(strstr(buf, "# asynclab trace: scenario fanout, "
                                "executor ws, 2 workers, simulated, seed 7"));
    assert_non_null(strstr(buf, "w1 stole 1 task from w0"));
    assert_non_null(strstr(buf, "timer woke t3 'le\"af'"));
    assert_non_null(strstr(buf, "t2 'le\"af' woke t1 'root'"));
    free(buf);
}

static void viz_export_empty_trace_is_valid_json(void **state)
{
    (void)state;
    trace_file_t f = {0};
    trace_info_set(&f.info, "spin", "x", 1, false, 0, TRACE_CLOCK_MONOTONIC);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(viz_export_perfetto(&f, out, NULL), 0);
    fclose(out);
    assert_true(json_valid(buf));
    free(buf);
}

/* ---- names from a crafted trace (issue 12, defect 9) --------------------- */

/* Every byte a terminal could obey: controls (but the line ends), DEL,
 * and anything not ASCII (the crafted names hold only invalid UTF-8 and
 * C1 controls, so no byte >= 0x80 may survive). */
static void assert_terminal_safe(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != 0; p++)
        if ((*p < 0x20 && *p != '\n') || *p >= 0x7f)
            fail_msg("byte 0x%02x at offset %td of:\n%s", *p,
                     (const char *)p - text, text);
}

static void viz_export_text_escapes_crafted_names(void **state)
{
    (void)state;
    static char title[] = "\x1b]0;pwned\x07";        /* retitles the window */
    static char wipe[] = "\x1b[2J\xff\xc2\x9b" "31m"; /* clear, bad, CSI */
    static char *names[] = {title, wipe};
    trace_file_t f = known_run();
    trace_info_set(&f.info, "ws", "fan\x1b[31mout", 2, true, 7,
                   TRACE_CLOCK_VIRTUAL);
    f.names = names;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(viz_export_text(&f, out, NULL), 0);
    fclose(out);
    assert_terminal_safe(buf);
    assert_non_null(strstr(buf, "scenario fan\\x1b[31mout,"));
    assert_non_null(strstr(buf, "t1 '\\x1b]0;pwned\\x07'"));
    assert_non_null(strstr(buf, "'\\x1b[2J\\xff\\u{009b}31m'"));
    assert_int_equal(occurrences(buf, "\n"), f.n_events + 2); /* no line
                                                                 split */
    free(buf);
}

/* ---- UTF-8 and warnings in the Perfetto export (issue 17) --------------- */

/* A name in UTF-8 stays UTF-8 (JSON text is UTF-8), an ill-formed byte
 * becomes U+FFFD, and the model's warnings become instants. */
static void viz_export_perfetto_keeps_utf8_and_warnings(void **state)
{
    (void)state;
    static char pig[] = "p\xc3\xafg"; /* "pig" with a diaeresis */
    static char *names[] = {pig};
    static const trace_event_t run[] = {
        {0, 1, 0, 1, TRACE_NO_WORKER, TRACE_SPAWN},
        {0, 1, TRACE_Q_READY, 0, 0, TRACE_SCHEDULE},
        {1000, 1, 0, 0, 0, TRACE_POLL_START},
        {40001000, 1, POLL_READY, 0, 0, TRACE_POLL_END}, /* 40 ms */
        {40002000, 1, 0, 0, 0, TRACE_COMPLETE},
    };
    trace_file_t f = {0};
    trace_info_set(&f.info, "notify", "bad\xff" "name", 1, false, 1,
                   TRACE_CLOCK_MONOTONIC);
    f.events = (trace_event_t *)run;
    f.n_events = sizeof run / sizeof run[0];
    f.names = names;
    f.n_names = 1;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    viz_export_counts_t c;
    assert_int_equal(viz_export_perfetto(&f, out, &c), 0);
    fclose(out);
    assert_true(json_valid(buf));
    assert_non_null(strstr(buf, "t1 'p\xc3\xafg'"));
    assert_null(strstr(buf, "\\u00c3"));
    assert_non_null(strstr(buf, "asynclab bad\\ufffdname on notify"));
    assert_non_null(strstr(buf, "\"time_base\":\"CLOCK_MONOTONIC"));
    assert_int_equal(occurrences(buf, "\"cat\":\"warning\""), 1);
    assert_non_null(strstr(buf, "40 ms"));
    free(buf);
}

static void viz_escape_keeps_text_and_escapes_the_rest(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain name-1_x", "plain name-1_x"},
        {"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80", /* UTF-8: kept */
         "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80"},
        {"\x1b[2J", "\\x1b[2J"},
        {"a\nb\tc\rd", "a\\nb\\tc\\rd"},
        {"\x01\x7f", "\\x01\\x7f"},
        {"\xc2\x9b" "1m", "\\u{009b}1m"},          /* C1 CSI */
        {"ab\xe2\x80\xae" "cd", "ab\\u{202e}cd"},  /* right-to-left override */
        {"\xe2\x81\xa6x", "\\u{2066}x"},            /* an isolate */
        {"\xc0\xaf", "\\xc0\\xaf"},                 /* overlong '/' */
        {"\xed\xa0\x80", "\\xed\\xa0\\x80"},        /* a surrogate */
        {"\xe2\x86", "\\xe2\\x86"},                 /* cut short */
        {"\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80"}, /* past U+10FFFF */
        {"\xff", "\\xff"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64], again[64];
        viz_escape(cases[i].in, out, sizeof out);
        if (strcmp(out, cases[i].out) != 0)
            fail_msg("case %zu: got '%s', expected '%s'", i, out,
                     cases[i].out);
        assert_int_equal(viz_is_printable(cases[i].in),
                         strcmp(cases[i].in, cases[i].out) == 0);
        /* escaped once, escaping again changes nothing */
        assert_true(viz_is_printable(out));
        assert_string_equal(viz_escape(out, again, sizeof again), out);
    }
}

static void viz_escape_cuts_whole_pieces(void **state)
{
    (void)state;
    char out[6];
    assert_string_equal(viz_escape("ab\x1b", out, sizeof out), "ab");
    char eight[8];
    assert_string_equal(viz_escape("abc\x1b", eight, sizeof eight),
                        "abc\\x1b");
    char two[4];
    assert_string_equal(viz_escape("\xc3\xa9\xc3\xa9", two, sizeof two),
                        "\xc3\xa9"); /* never half a character */
    char one[1];
    assert_string_equal(viz_escape("x", one, sizeof one), "");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(viz_export_json_checker_works),
        cmocka_unit_test(viz_export_perfetto_counts),
        cmocka_unit_test(viz_export_text_speaks_words),
        cmocka_unit_test(viz_export_empty_trace_is_valid_json),
        cmocka_unit_test(viz_export_perfetto_keeps_utf8_and_warnings),
        cmocka_unit_test(viz_export_text_escapes_crafted_names),
        cmocka_unit_test(viz_escape_keeps_text_and_escapes_the_rest),
        cmocka_unit_test(viz_escape_cuts_whole_pieces),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("viz_export", tests, NULL, NULL);
}
