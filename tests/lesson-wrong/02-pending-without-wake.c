/*
 * tests/lesson-wrong/02-pending-without-wake.c - a plausible wrong answer
 * to lesson 2's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: PENDING is returned and nothing is arranged to poll the
 * future again. It "works" under a checker that polls anyway; an executor
 * that waits for wakes would never poll it again.
 *
 * expect: PENDING must arrange a wake
 */
#include "exercise.h"

poll_t line_reader_poll(future_t *f, context_t *cx)
{
    line_reader_t *r = (line_reader_t *)f;
    (void)cx; /* "the executor will poll us again anyway" */
    for (;;) {
        int b = script_source_next(r->src);
        if (b == SOURCE_WOULD_BLOCK)
            return POLL_PENDING;
        if (b == SOURCE_EOF || b == '\n') {
            r->eof = b == SOURCE_EOF;
            r->line[r->len] = '\0';
            return POLL_READY;
        }
        if (r->len < LINE_MAX_LEN)
            r->line[r->len++] = (char)b;
    }
}
