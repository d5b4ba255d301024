/*
 * tests/test_array.c - core/array.h: growing by doubling, limits, and an
 * unchanged array on failure.
 *
 * One test: ./build/tests/test_array array_grows_by_doubling
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "core/array.h"

static void array_grows_by_doubling(void **state)
{
    (void)state;
    int *a = NULL;
    size_t len = 0, cap = 0;
    size_t caps[8], n_caps = 0;
    for (int i = 0; i < 1000; i++) {
        size_t before = cap;
        assert_true(ARRAY_GROW(a, len, cap, 4, 0));
        if (cap != before && n_caps < 8)
            caps[n_caps++] = cap;
        a[len++] = i;
    }
    for (int i = 0; i < 1000; i++)
        assert_int_equal(a[i], i); /* kept across every realloc */
    assert_int_equal(caps[0], 4);
    assert_int_equal(caps[1], 8);
    assert_int_equal(caps[2], 16);
    assert_int_equal(cap, 1024);
    free(a);
}

static void array_room_left_changes_nothing(void **state)
{
    (void)state;
    long *a = NULL;
    size_t cap = 0;
    assert_true(ARRAY_GROW(a, 0, cap, 8, 0));
    long *same = a;
    assert_true(ARRAY_GROW(a, 7, cap, 8, 0)); /* room for the 8th */
    assert_ptr_equal(a, same);
    assert_int_equal(cap, 8);
    free(a);
}

static void array_stops_at_max(void **state)
{
    (void)state;
    char *a = NULL;
    size_t len = 0, cap = 0;
    while (ARRAY_GROW(a, len, cap, 2, 10))
        a[len++] = 'x';
    assert_int_equal(len, 10); /* 2, 4, 8, then 10, then no more */
    assert_int_equal(cap, 10);
    free(a);
}

static void array_refuses_an_overflowing_size(void **state)
{
    (void)state;
    struct big { char bytes[1 << 20]; } *a = NULL;
    size_t cap = SIZE_MAX / 2 + 1; /* doubling would wrap */
    assert_false(array_grow(&a, &cap, cap, sizeof *a, 1, 0));
    assert_null(a); /* unchanged */
    assert_int_equal(cap, SIZE_MAX / 2 + 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(array_grows_by_doubling),
        cmocka_unit_test(array_room_left_changes_nothing),
        cmocka_unit_test(array_stops_at_max),
        cmocka_unit_test(array_refuses_an_overflowing_size),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("array", tests, NULL, NULL);
}
