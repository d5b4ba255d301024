/*
 * core/array.h - a growable array, the one every module uses: a pointer,
 * a length and a capacity of the caller's, and one call that makes room
 * for the next element by doubling the capacity.
 *
 *     if (!ARRAY_GROW(m->tasks, m->n_tasks, m->cap_tasks, 64, 0))
 *         return NULL;                        // out of memory: unchanged
 *     m->tasks[m->n_tasks++] = task;
 *
 * Doubling keeps appends O(1) on average (each element is copied at most
 * about once more in all the growing), which is why realloc by a fixed
 * step would not do.
 *
 * Tests: tests/test_array.c.
 */
#ifndef ASYNCLAB_CORE_ARRAY_H
#define ASYNCLAB_CORE_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Make room for one more element: when len == *cap, reallocate the array
 * at *arrayp (a pointer to the caller's pointer) to twice *cap elements
 * of elem bytes (first, when *cap is 0). max: the most elements it may
 * ever hold (0: no limit but memory). True when there is room; false
 * when out of memory or at max, with the array and *cap unchanged.
 */
bool array_grow(void *arrayp, size_t *cap, size_t len, size_t elem,
                size_t first, size_t max);

#define ARRAY_GROW(array, len, cap, first, max)                                \
    array_grow(&(array), &(cap), (len), sizeof *(array), (first), (max))

#endif
