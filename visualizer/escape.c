/*
 * visualizer/escape.c - see visualizer/escape.h.
 *
 * Tests: tests/test_viz_export.c.
 */
#include "visualizer/escape.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at s (2 to 4), with its code
 * point in *cp; 0 when the bytes there are not one (overlong forms,
 * surrogates and values past U+10FFFF are not). */
static size_t utf8_sequence(const unsigned char *s, uint32_t *cp)
{
    size_t len;
    uint32_t min;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2, min = 0x80, *cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3, min = 0x800, *cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4, min = 0x10000, *cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        *cp = *cp << 6 | (s[i] & 0x3fu);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
        return 0;
    return len;
}

/* Code points shown as \u{...}: C1 controls, bidi overrides, isolates. */
static bool hidden_code_point(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* What byte c at the start of the rest becomes: its escape in esc, or
 * (returns the length of the bytes to keep) 0 when it is escaped. */
static size_t next_piece(const unsigned char *s, char esc[16], size_t *used)
{
    unsigned char c = s[0];
    if (c >= 0x20 && c < 0x7f) {
        *used = 1;
        return 1;
    }
    uint32_t cp;
    size_t len = c >= 0x80 ? utf8_sequence(s, &cp) : 0;
    if (len > 0 && !hidden_code_point(cp)) {
        *used = len;
        return len;
    }
    if (len > 0) {
        snprintf(esc, 16, "\\u{%04x}", (unsigned)cp);
        *used = len;
    } else if (c == '\n' || c == '\r' || c == '\t') {
        snprintf(esc, 16, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
        *used = 1;
    } else {
        snprintf(esc, 16, "\\x%02x", c);
        *used = 1;
    }
    return 0;
}

char *viz_escape(const char *s, char *out, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t at = 0;
    while (*p != 0) {
        char esc[16];
        size_t used;
        size_t keep = next_piece(p, esc, &used);
        const char *piece = keep > 0 ? (const char *)p : esc;
        size_t len = keep > 0 ? keep : strlen(esc);
        if (at + len >= n)
            break; /* whole pieces only: never half a character */
        memcpy(out + at, piece, len);
        at += len;
        p += used;
    }
    out[at] = '\0';
    return out;
}

bool viz_is_printable(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != 0) {
        char esc[16];
        size_t used;
        if (next_piece(p, esc, &used) == 0)
            return false;
        p += used;
    }
    return true;
}
