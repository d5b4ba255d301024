/*
 * core/array.c - core/array.h's one function.
 *
 * The caller's pointer is read and written through memcpy, so that any
 * pointer type can be passed (a T ** is not a void **).
 *
 * Tests: tests/test_array.c.
 */
#include "core/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool array_grow(void *arrayp, size_t *cap, size_t len, size_t elem,
                size_t first, size_t max)
{
    if (len < *cap)
        return true;
    size_t n = *cap > 0 ? *cap * 2 : (first > 0 ? first : 1);
    if (max > 0 && n > max)
        n = max;
    if (n <= *cap || n > SIZE_MAX / elem)
        return false; /* at max, or the size would overflow */
    void *old;
    memcpy(&old, arrayp, sizeof old);
    void *grown = realloc(old, n * elem);
    if (grown == NULL)
        return false;
    memcpy(arrayp, &grown, sizeof grown);
    *cap = n;
    return true;
}
