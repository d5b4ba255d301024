/*
 * tests/test_workload.c - every benchmark workload (bench/workload.c)
 * runs to the end on every executor in bench/executors.c, twice in a row
 * on the same runtime, as `asynclab bench` runs them. Correctness only:
 * timings belong to `asynclab bench`, never to a test.
 *
 * One test: ./build/tests/test_workload workload_yield_many
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "bench/executors.h"
#include "bench/workload.h"

/* Run w twice on a fresh runtime of every kind; expect 0 both times. */
static void run_everywhere(const char *name)
{
    const workload_t *w = workload_by_name(name);
    assert_non_null(w);
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        executor_config_t cfg = {.kind = e->kind, .workers = 2};
        executor_t *ex = executor_create(&cfg);
        assert_non_null(ex);
        void *state = NULL;
        assert_int_equal(w->setup != NULL ? w->setup(ex, &state) : 0, 0);
        for (int i = 0; i < 2; i++) {
            int err = w->iteration(ex, state, w->size);
            if (err == -ENOTSUP)
                break; /* this kind cannot run it: allowed, reported */
            if (err != 0)
                fail_msg("%s on %s: error %d", name, e->name, err);
        }
        if (w->teardown != NULL)
            w->teardown(ex, state);
        /* Let stragglers (echo connections seeing their client's close)
         * finish: then every task spawned has completed. */
        assert_int_equal(executor_run(ex), 0);
        executor_stats_t st;
        executor_stats(ex, &st);
        assert_int_equal(st.spawned, st.completed);
        executor_destroy(ex);
    }
}

#define WORKLOAD_TEST(name)                                                    \
    static void workload_##name(void **state)                                  \
    {                                                                          \
        (void)state;                                                           \
        run_everywhere(#name);                                                 \
    }

WORKLOAD_TEST(spawn_many_local)
WORKLOAD_TEST(spawn_many_remote_idle)
WORKLOAD_TEST(yield_many)
WORKLOAD_TEST(ping_pong)
WORKLOAD_TEST(chained_spawn)
WORKLOAD_TEST(timers)
WORKLOAD_TEST(tcp_echo)
WORKLOAD_TEST(yield_many_driver)

static void workload_baselines_do_the_work(void **state)
{
    (void)state;
    int with_baseline = 0;
    for (const workload_t *const *w = workload_table; *w != NULL; w++) {
        if ((*w)->baseline == NULL)
            continue;
        with_baseline++;
        if ((*w)->baseline((*w)->size) != 0)
            fail_msg("baseline of %s failed", (*w)->name);
    }
    assert_int_equal(with_baseline, 5); /* all but timers and tcp_echo */
}

static void workload_table_names_are_unique(void **state)
{
    (void)state;
    int n = 0;
    for (const workload_t *const *a = workload_table; *a != NULL; a++, n++)
        assert_ptr_equal(workload_by_name((*a)->name), *a);
    assert_int_equal(n, 7);
    assert_null(workload_by_name("no_such_workload"));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(workload_spawn_many_local),
        cmocka_unit_test(workload_spawn_many_remote_idle),
        cmocka_unit_test(workload_yield_many),
        cmocka_unit_test(workload_ping_pong),
        cmocka_unit_test(workload_chained_spawn),
        cmocka_unit_test(workload_timers),
        cmocka_unit_test(workload_tcp_echo),
        cmocka_unit_test(workload_yield_many_driver),
        cmocka_unit_test(workload_baselines_do_the_work),
        cmocka_unit_test(workload_table_names_are_unique),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("workload", tests, NULL, NULL);
}
