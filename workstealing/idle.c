/*
 * workstealing/idle.c - searching and parked counts; see idle.h for the
 * rules and the handshake they rely on.
 *
 * Every access to state is seq_cst and, where a decision depends on it
 * together with a queue, a read-modify-write: the handshake of idle.h
 * needs all of them in one total order.
 *
 * Tests: tests/test_ws.c.
 */
#include "workstealing/idle.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#define SEARCH_ONE 1u
#define UNPARK_ONE (1u << 16)

static uint32_t searching_of(uint32_t s)
{
    return s & 0xffffu;
}

static uint32_t unparked_of(uint32_t s)
{
    return s >> 16;
}

int ws_idle_init(ws_idle_t *idle, uint32_t workers)
{
    assert(workers >= 1 && workers < 0xffffu);
    idle->sleepers = calloc(workers, sizeof *idle->sleepers);
    idle->parked = calloc(workers, sizeof *idle->parked);
    if (idle->sleepers == NULL || idle->parked == NULL) {
        free(idle->sleepers);
        free(idle->parked);
        return -ENOMEM;
    }
    atomic_init(&idle->state, workers * UNPARK_ONE);
    idle->workers = workers;
    idle->nsleepers = 0;
    pthread_mutex_init(&idle->lock, NULL);
    return 0;
}

void ws_idle_destroy(ws_idle_t *idle)
{
    pthread_mutex_destroy(&idle->lock);
    free(idle->sleepers);
    free(idle->parked);
}

/*
 * The notify side of the handshake. fetch_add of 0 rather than a load:
 * as a read-modify-write it is ordered with the parkers' fetch_sub in
 * state's single modification order (seq_cst), and it makes the caller's
 * earlier push (a release store) visible to a parker that reads state
 * after it.
 */
static bool should_notify(ws_idle_t *idle)
{
    uint32_t s =
        atomic_fetch_add_explicit(&idle->state, 0, memory_order_seq_cst);
    return searching_of(s) == 0 && unparked_of(s) < idle->workers;
}

int ws_idle_worker_to_notify(ws_idle_t *idle)
{
    if (!should_notify(idle))
        return -1;
    pthread_mutex_lock(&idle->lock);
    int index = -1;
    /* Again under the lock: another notifier may have woken the last
     * sleeper, or a worker may have started searching, meanwhile. */
    if (should_notify(idle) && idle->nsleepers > 0) {
        /* seq_cst: the woken worker counts as searching from now on, so
         * the next notifier (in state's order) sees a searcher. */
        atomic_fetch_add_explicit(&idle->state, UNPARK_ONE | SEARCH_ONE,
                                  memory_order_seq_cst);
        index = (int)idle->sleepers[--idle->nsleepers];
        idle->parked[index] = false;
    }
    pthread_mutex_unlock(&idle->lock);
    return index;
}

bool ws_idle_transition_to_searching(ws_idle_t *idle)
{
    uint32_t s = atomic_load_explicit(&idle->state, memory_order_seq_cst);
    if (2 * searching_of(s) >= idle->workers)
        return false;
    /* Not a CAS: two workers may both pass the check and overshoot by
     * one. Harmless (the bound is a heuristic), and cheaper. */
    atomic_fetch_add_explicit(&idle->state, SEARCH_ONE, memory_order_seq_cst);
    return true;
}

bool ws_idle_transition_from_searching(ws_idle_t *idle)
{
    /* seq_cst: the handshake's parker side (see should_notify). */
    uint32_t prev = atomic_fetch_sub_explicit(&idle->state, SEARCH_ONE,
                                              memory_order_seq_cst);
    assert(searching_of(prev) > 0);
    return searching_of(prev) == 1;
}

bool ws_idle_transition_to_parked(ws_idle_t *idle, uint32_t index,
                                  bool is_searching)
{
    pthread_mutex_lock(&idle->lock);
    uint32_t dec = UNPARK_ONE | (is_searching ? SEARCH_ONE : 0);
    /* seq_cst: the handshake's parker side (see should_notify). */
    uint32_t prev =
        atomic_fetch_sub_explicit(&idle->state, dec, memory_order_seq_cst);
    assert(unparked_of(prev) > 0);
    assert(!idle->parked[index]);
    idle->sleepers[idle->nsleepers++] = index;
    idle->parked[index] = true;
    pthread_mutex_unlock(&idle->lock);
    return is_searching && searching_of(prev) == 1;
}

bool ws_idle_unpark_worker_by_id(ws_idle_t *idle, uint32_t index)
{
    pthread_mutex_lock(&idle->lock);
    bool found = idle->parked[index];
    if (found) {
        for (uint32_t i = 0; i < idle->nsleepers; i++) {
            if (idle->sleepers[i] == index) {
                idle->sleepers[i] = idle->sleepers[--idle->nsleepers];
                break;
            }
        }
        idle->parked[index] = false;
        atomic_fetch_add_explicit(&idle->state, UNPARK_ONE,
                                  memory_order_seq_cst);
    }
    pthread_mutex_unlock(&idle->lock);
    return found;
}

bool ws_idle_is_parked(ws_idle_t *idle, uint32_t index)
{
    pthread_mutex_lock(&idle->lock);
    bool parked = idle->parked[index];
    pthread_mutex_unlock(&idle->lock);
    return parked;
}

uint32_t ws_idle_num_searching(ws_idle_t *idle)
{
    return searching_of(
        atomic_load_explicit(&idle->state, memory_order_seq_cst));
}

uint32_t ws_idle_num_unparked(ws_idle_t *idle)
{
    return unparked_of(
        atomic_load_explicit(&idle->state, memory_order_seq_cst));
}
