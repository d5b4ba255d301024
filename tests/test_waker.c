/*
 * tests/test_waker.c - the waker vtable and its ownership rules
 * (core/waker.h): clone adds an owner, wake consumes one, wake_by_ref
 * does not, drop releases one; register clones only when it must.
 *
 * One test: ./build/tests/test_waker waker_wake_consumes
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/waker.h"

static void waker_counting_starts_with_one_live(void **state)
{
    (void)state;
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    assert_true(waker_is_set(&w));
    assert_int_equal(c.live, 1);
    assert_int_equal(c.wakes + c.clones + c.drops, 0);
    waker_drop(&w);
    assert_false(waker_is_set(&w));
    assert_int_equal(c.live, 0);
    assert_int_equal(c.drops, 1);
}

static void waker_clone_adds_an_owner(void **state)
{
    (void)state;
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    waker_t w2 = waker_clone(&w);
    assert_int_equal(c.clones, 1);
    assert_int_equal(c.live, 2);
    assert_true(waker_will_wake(&w, &w2));
    waker_drop(&w2);
    waker_drop(&w);
    assert_int_equal(c.live, 0);
}

static void waker_wake_consumes(void **state)
{
    (void)state;
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    waker_wake(&w);
    assert_false(waker_is_set(&w));
    assert_int_equal(c.wakes, 1);
    assert_int_equal(c.drops, 1);
    assert_int_equal(c.live, 0);
}

static void waker_wake_by_ref_keeps_it(void **state)
{
    (void)state;
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    waker_wake_by_ref(&w);
    waker_wake_by_ref(&w);
    assert_true(waker_is_set(&w));
    assert_int_equal(c.wakes, 2);
    assert_int_equal(c.live, 1);
    waker_drop(&w);
}

static void waker_drop_of_empty_slot_is_harmless(void **state)
{
    (void)state;
    waker_t w = WAKER_EMPTY;
    waker_drop(&w);
    assert_false(waker_is_set(&w));
}

static void waker_register_clones_once_for_same_waker(void **state)
{
    (void)state;
    counting_waker_t c;
    waker_t w = counting_waker(&c);
    context_t cx = {.waker = &w};
    waker_t slot = WAKER_EMPTY;
    waker_register(&slot, &cx);
    waker_register(&slot, &cx);
    waker_register(&slot, &cx);
    assert_int_equal(c.clones, 1);
    assert_int_equal(c.live, 2);
    waker_drop(&slot);
    waker_drop(&w);
    assert_int_equal(c.live, 0);
}

static void waker_register_replaces_a_different_waker(void **state)
{
    (void)state;
    counting_waker_t a, b;
    waker_t wa = counting_waker(&a), wb = counting_waker(&b);
    waker_t slot = WAKER_EMPTY;
    waker_register(&slot, &(context_t){.waker = &wa});
    waker_register(&slot, &(context_t){.waker = &wb});
    assert_int_equal(a.live, 1); /* the slot's clone of a was dropped */
    assert_int_equal(b.live, 2);
    waker_t taken = waker_take(&slot);
    assert_false(waker_is_set(&slot));
    waker_wake(&taken);
    assert_int_equal(b.wakes, 1);
    waker_drop(&wa);
    waker_drop(&wb);
    assert_int_equal(a.live + b.live, 0);
}

static void waker_noop_does_nothing(void **state)
{
    (void)state;
    waker_t w = waker_noop();
    waker_t w2 = waker_clone(&w);
    waker_wake_by_ref(&w2);
    waker_wake(&w2);
    waker_drop(&w);
    assert_false(waker_is_set(&w));
    assert_false(waker_is_set(&w2));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(waker_counting_starts_with_one_live),
        cmocka_unit_test(waker_clone_adds_an_owner),
        cmocka_unit_test(waker_wake_consumes),
        cmocka_unit_test(waker_wake_by_ref_keeps_it),
        cmocka_unit_test(waker_drop_of_empty_slot_is_harmless),
        cmocka_unit_test(waker_register_clones_once_for_same_waker),
        cmocka_unit_test(waker_register_replaces_a_different_waker),
        cmocka_unit_test(waker_noop_does_nothing),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("waker", tests, NULL, NULL);
}
