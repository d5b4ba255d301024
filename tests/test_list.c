/*
 * tests/test_list.c - core/list.h: order, removal from anywhere, splice,
 * and finding the struct around a node.
 *
 * One test: ./build/tests/test_list list_removes_from_the_middle
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/list.h"

typedef struct item {
    int value;
    list_node_t node;
} item_t;

static int value_of(list_node_t *n)
{
    return LIST_ENTRY(n, item_t, node)->value;
}

/* The values from head to tail, checked against the back links too. */
static void expect(const list_t *l, const int *want, size_t n)
{
    assert_int_equal(l->len, n);
    size_t i = 0;
    list_node_t *prev = NULL;
    for (list_node_t *x = l->head; x != NULL; x = x->next, i++) {
        assert_true(i < n);
        assert_int_equal(value_of(x), want[i]);
        assert_ptr_equal(x->prev, prev);
        prev = x;
    }
    assert_int_equal(i, n);
    assert_ptr_equal(l->tail, prev);
}

static void list_keeps_order_at_both_ends(void **state)
{
    (void)state;
    item_t it[4] = {{1, {0}}, {2, {0}}, {3, {0}}, {4, {0}}};
    list_t l = LIST_EMPTY;
    list_push_back(&l, &it[1].node);
    list_push_back(&l, &it[2].node);
    list_push_front(&l, &it[0].node);
    list_push_back(&l, &it[3].node);
    expect(&l, (int[]){1, 2, 3, 4}, 4);
    assert_int_equal(value_of(list_pop_front(&l)), 1);
    expect(&l, (int[]){2, 3, 4}, 3);
}

static void list_removes_from_the_middle(void **state)
{
    (void)state;
    item_t it[3] = {{1, {0}}, {2, {0}}, {3, {0}}};
    list_t l = LIST_EMPTY;
    for (int i = 0; i < 3; i++)
        list_push_back(&l, &it[i].node);
    list_remove(&l, &it[1].node);
    assert_null(it[1].node.prev);
    assert_null(it[1].node.next);
    expect(&l, (int[]){1, 3}, 2);
    list_remove(&l, &it[2].node); /* the tail */
    expect(&l, (int[]){1}, 1);
    list_remove(&l, &it[0].node); /* the last one */
    expect(&l, NULL, 0);
    assert_null(l.head);
    assert_null(list_pop_front(&l));
}

static void list_splices_in_constant_time(void **state)
{
    (void)state;
    item_t it[4] = {{1, {0}}, {2, {0}}, {3, {0}}, {4, {0}}};
    list_t a = LIST_EMPTY, b = LIST_EMPTY;
    list_push_back(&a, &it[0].node);
    list_push_back(&a, &it[1].node);
    list_push_back(&b, &it[2].node);
    list_push_back(&b, &it[3].node);
    list_splice_back(&a, &b);
    expect(&a, (int[]){1, 2, 3, 4}, 4);
    expect(&b, NULL, 0);
    list_splice_back(&b, &a); /* into an empty list */
    expect(&b, (int[]){1, 2, 3, 4}, 4);
    list_splice_back(&b, &a); /* from an empty one: nothing */
    expect(&b, (int[]){1, 2, 3, 4}, 4);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_keeps_order_at_both_ends),
        cmocka_unit_test(list_removes_from_the_middle),
        cmocka_unit_test(list_splices_in_constant_time),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("list", tests, NULL, NULL);
}
