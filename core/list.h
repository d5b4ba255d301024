/*
 * core/list.h - an intrusive doubly linked list: the node lives inside
 * the thing listed (a timer, a waiter, an I/O registration, a task), so
 * adding and removing never allocate, and removing from the middle is
 * O(1), which is what a cancelled timer or an aborted waiter needs.
 *
 *     list.head ──> [node] <──> [node] <──> [node] <── list.tail
 *                      │  the struct around each node is found with
 *                      └─ LIST_ENTRY(node, type, member) (container_of)
 *
 * One list per module used to be written out by hand four times; this is
 * the one. Whoever owns the list guards it (a lock, or one thread): the
 * list itself takes none.
 *
 * Tests: tests/test_list.c.
 */
#ifndef ASYNCLAB_CORE_LIST_H
#define ASYNCLAB_CORE_LIST_H

#include <stddef.h>

typedef struct list_node {
    struct list_node *prev, *next;
} list_node_t;

typedef struct list {
    list_node_t *head, *tail;
    size_t len;
} list_t;

#define LIST_EMPTY ((list_t){NULL, NULL, 0})

/* The struct of type `type` whose member `member` is the node n. */
#define LIST_ENTRY(n, type, member)                                            \
    ((type *)(void *)((char *)(n)-offsetof(type, member)))

static inline void list_push_back(list_t *l, list_node_t *n)
{
    n->next = NULL;
    n->prev = l->tail;
    if (l->tail != NULL)
        l->tail->next = n;
    else
        l->head = n;
    l->tail = n;
    l->len++;
}

static inline void list_push_front(list_t *l, list_node_t *n)
{
    n->prev = NULL;
    n->next = l->head;
    if (l->head != NULL)
        l->head->prev = n;
    else
        l->tail = n;
    l->head = n;
    l->len++;
}

/* n must be in l. Its links are cleared. */
static inline void list_remove(list_t *l, list_node_t *n)
{
    if (n->prev != NULL)
        n->prev->next = n->next;
    else
        l->head = n->next;
    if (n->next != NULL)
        n->next->prev = n->prev;
    else
        l->tail = n->prev;
    n->prev = n->next = NULL;
    l->len--;
}

/* The oldest (head), taken out; NULL when empty. */
static inline list_node_t *list_pop_front(list_t *l)
{
    list_node_t *n = l->head;
    if (n != NULL)
        list_remove(l, n);
    return n;
}

/* Move all of src to the end of dst in O(1); src is left empty. */
static inline void list_splice_back(list_t *dst, list_t *src)
{
    if (src->head == NULL)
        return;
    if (dst->tail != NULL) {
        dst->tail->next = src->head;
        src->head->prev = dst->tail;
    } else {
        dst->head = src->head;
    }
    dst->tail = src->tail;
    dst->len += src->len;
    *src = LIST_EMPTY;
}

#endif
