/*
 * tests/lesson-wrong/02-line-in-a-local.c - a plausible wrong answer to
 * lesson 2's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: the line is collected in a buffer on the poll's stack and
 * copied into the struct at the end. Every PENDING throws away what the
 * poll had read, because locals die when poll returns.
 *
 * expect: keep what the first poll read in the struct
 */
#include "exercise.h"

#include <string.h>

poll_t line_reader_poll(future_t *f, context_t *cx)
{
    line_reader_t *r = (line_reader_t *)f;
    char line[LINE_MAX_LEN + 1];
    size_t len = 0;
    for (;;) {
        int b = script_source_next(r->src);
        if (b == SOURCE_WOULD_BLOCK) {
            waker_wake_by_ref(cx->waker);
            return POLL_PENDING;
        }
        if (b == SOURCE_EOF || b == '\n') {
            r->eof = b == SOURCE_EOF;
            memcpy(r->line, line, len);
            r->line[len] = '\0';
            r->len = len;
            return POLL_READY;
        }
        if (len < LINE_MAX_LEN)
            line[len++] = (char)b;
    }
}
