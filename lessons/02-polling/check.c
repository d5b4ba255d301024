/*
 * lessons/02-polling/check.c - the checker of lesson 2's exercise.
 * `asynclab check 2` compiles it with your exercise.c and runs it.
 *
 * The checker is the executor here: it polls your future by hand, with a
 * counting waker (core/waker.h) so it can see whether you asked to be
 * polled again, and never more than a fixed number of times.
 */
#include "lessons/check.h"

#include <string.h>

#include "exercise.h"

/* Poll until READY or `limit` polls; how many polls it took (limit + 1:
 * never READY). */
static int poll_until_ready(line_reader_t *r, context_t *cx, int limit)
{
    for (int i = 1; i <= limit; i++)
        if (future_poll(&r->base, cx) == POLL_READY)
            return i;
    return limit + 1;
}

static void polling_reads_a_whole_line_in_one_poll(void **state)
{
    (void)state;
    script_source_t src = {.script = "hello\nworld"};
    line_reader_t r;
    line_reader_init(&r, &src);
    waker_t w = waker_noop();
    context_t cx = {&w};
    poll_t p = future_poll(&r.base, &cx);
    EXPECT(p == POLL_READY,
           "polled on \"hello\\n\", line_reader_poll returned PENDING although "
           "the whole line was there: read bytes until '\\n', then READY");
    EXPECT(strcmp(r.line, "hello") == 0,
           "the line should be \"hello\" (no '\\n', NUL-terminated), it is "
           "\"%s\"",
           r.line);
    EXPECT(src.pos == 6,
           "the reader read past the '\\n' (source position %zu, not 6): "
           "\"world\" belongs to the next reader",
           src.pos);
    EXPECT(!r.eof, "eof is set, but the line ended with '\\n'");
}

static void polling_pending_then_ready(void **state)
{
    (void)state;
    script_source_t src = {.script = "he|llo\n"};
    line_reader_t r;
    line_reader_init(&r, &src);
    waker_t w = waker_noop();
    context_t cx = {&w};
    poll_t first = future_poll(&r.base, &cx);
    EXPECT(first == POLL_PENDING,
           "the source said WOULD_BLOCK after \"he\": the first poll must "
           "return PENDING (it returned READY)");
    poll_t second = future_poll(&r.base, &cx);
    EXPECT(second == POLL_READY, "the second poll had \"llo\\n\" to read and "
                                 "should be READY");
    EXPECT(strcmp(r.line, "hello") == 0,
           "the line should be \"hello\", it is \"%s\": keep what the first "
           "poll read in the struct (r->line, r->len), not in locals",
           r.line);
}

static void polling_pending_asks_to_be_polled_again(void **state)
{
    (void)state;
    script_source_t src = {.script = "a|b\n"};
    line_reader_t r;
    line_reader_init(&r, &src);
    counting_waker_t counts;
    waker_t w = counting_waker(&counts);
    context_t cx = {&w};
    poll_t p = future_poll(&r.base, &cx);
    int wakes = atomic_load(&counts.wakes);
    EXPECT(p == POLL_PENDING, "the first poll should be PENDING");
    EXPECT(wakes == 1,
           "the poll returned PENDING and woke its waker %d times: PENDING "
           "must arrange a wake, and with nobody else to do it, wake it "
           "yourself once (waker_wake_by_ref(cx->waker))",
           wakes);
    EXPECT(atomic_load(&counts.live) == 1,
           "a waker clone was made and never dropped (live = %d)",
           atomic_load(&counts.live));
    poll_t q = future_poll(&r.base, &cx);
    wakes = atomic_load(&counts.wakes);
    EXPECT(q == POLL_READY, "the second poll had \"b\\n\" to read and "
                            "should be READY");
    EXPECT(wakes == 1,
           "the READY poll woke its waker too (%d wakes in all, 1 expected): "
           "a finished future asks for nothing, and on a real executor that "
           "wake is a poll of a task that is already done",
           wakes);
}

static void polling_state_survives_many_pendings(void **state)
{
    (void)state;
    script_source_t src = {.script = "a|b||c|\n"};
    line_reader_t r;
    line_reader_init(&r, &src);
    counting_waker_t counts;
    waker_t w = counting_waker(&counts);
    context_t cx = {&w};
    int polls = poll_until_ready(&r, &cx, 10);
    int wakes = atomic_load(&counts.wakes);
    EXPECT(polls == 5,
           "\"a|b||c|\\n\" holds four would-blocks: 4 PENDING polls, then "
           "READY on the 5th; it took %d",
           polls);
    EXPECT(strcmp(r.line, "abc") == 0,
           "the line should be \"abc\", not "
           "\"%s\"",
           r.line);
    EXPECT(wakes == 4,
           "four PENDING polls and a READY woke the waker %d times: "
           "exactly one wake for each PENDING, none for READY (a second one is a wasted poll, a missing one "
           "a task that sleeps forever)",
           wakes);
}

static void polling_end_of_file_is_ready(void **state)
{
    (void)state;
    script_source_t src = {.script = "ab"};
    line_reader_t r;
    line_reader_init(&r, &src);
    waker_t w = waker_noop();
    context_t cx = {&w};
    int polls = poll_until_ready(&r, &cx, 3);
    EXPECT(polls == 1, "the source ended after \"ab\": SOURCE_EOF makes the "
                       "reader READY at once");
    EXPECT(r.eof && strcmp(r.line, "ab") == 0,
           "at end of file: eof set and the partial line \"ab\" expected, "
           "got eof=%d line \"%s\"",
           r.eof, r.line);
}

static void polling_long_line_is_cut(void **state)
{
    (void)state;
    char script[102];
    memset(script, 'x', 100);
    script[100] = '\n';
    script[101] = '\0';
    script_source_t src = {.script = script};
    line_reader_t r;
    line_reader_init(&r, &src);
    waker_t w = waker_noop();
    context_t cx = {&w};
    int polls = poll_until_ready(&r, &cx, 3);
    EXPECT(polls == 1 && r.len == LINE_MAX_LEN &&
               strlen(r.line) == LINE_MAX_LEN,
           "a 100-byte line must come out cut to LINE_MAX_LEN (63) bytes, "
           "NUL-terminated, with the rest dropped (len is %zu)",
           r.len);
    EXPECT(src.pos == 101, "the dropped bytes must still be read, up to and "
                           "including the '\\n'");
}

static void polling_two_readers_share_a_source(void **state)
{
    (void)state;
    script_source_t src = {.script = "one\n|two\n"};
    line_reader_t a, b;
    line_reader_init(&a, &src);
    line_reader_init(&b, &src);
    waker_t w = waker_noop();
    context_t cx = {&w};
    int pa = poll_until_ready(&a, &cx, 3);
    int pb = poll_until_ready(&b, &cx, 3);
    EXPECT(pa == 1 && strcmp(a.line, "one") == 0,
           "the first reader should read \"one\" in one poll");
    EXPECT(pb == 2 && strcmp(b.line, "two") == 0,
           "the second reader should meet one would-block, then read "
           "\"two\" (took %d polls, line \"%s\")",
           pb, b.line);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(polling_reads_a_whole_line_in_one_poll),
    cmocka_unit_test(polling_pending_then_ready),
    cmocka_unit_test(polling_pending_asks_to_be_polled_again),
    cmocka_unit_test(polling_state_survives_many_pendings),
    cmocka_unit_test(polling_end_of_file_is_ready),
    cmocka_unit_test(polling_long_line_is_cut),
    cmocka_unit_test(polling_two_readers_share_a_source),
};

CHECK_MAIN("lesson02", tests)
