/*
 * tests/test_crunch.c - the `crunch` scenario (scenarios/scenario_crunch.c):
 * the CPU-bound fanout of lesson 16's speed-up. What it must do, never how
 * fast: the same sum on every executor, and the right one (the units
 * summed one after another here); every piece finished; and in a seeded
 * ws simulation with two workers, pieces polled on BOTH workers (the
 * second worker stole some), while the parent spawned them all from one.
 *
 * One test: ./build/tests/test_crunch crunch_sim_uses_both_workers
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/measure.h"
#include "scenarios/scenario.h"
#include "tests/recorder.h"

/* In scenarios/scenario_crunch.c: the sum of units [from, to). */
uint64_t scenario_crunch_units(uint64_t from, uint64_t to);

enum { PIECES = 6, STEPS = 5, STEP = 4096 };

/* The "sum %016llx" at the end of the scenario's summary. */
static uint64_t sum_of(const scenario_measure_t *m)
{
    const char *s = strstr(m->result.what, "sum ");
    assert_non_null(s);
    return strtoull(s + 4, NULL, 16);
}

static void measure(const char *executor, int workers, bool sim,
                    trace_sink_t *trace, scenario_measure_t *m)
{
    const scenario_t *sc = scenario_by_name("crunch");
    assert_non_null(sc);
    scenario_setup_t setup = {.workers = workers, .sim = sim, .seed = 1,
                              .trace = trace};
    scenario_params_init(&setup.params);
    setup.params.tasks = PIECES;
    setup.params.rounds = STEPS;
    assert_int_equal(scenario_measure(sc, executor, &setup, m), 0);
    assert_int_equal(m->err, 0);
    assert_int_equal(m->result.tasks_expected, PIECES);
    assert_int_equal(m->result.tasks_done, PIECES);
}

static void crunch_same_right_sum_everywhere(void **state)
{
    (void)state;
    uint64_t want = scenario_crunch_units(0, (uint64_t)PIECES * STEPS * STEP);
    static const struct {
        const char *executor;
        int workers;
        bool sim;
    } runs[] = {{"spin", 1, false},
                {"notify", 1, false},
                {"ws", 2, false},
                {"ws", 2, true}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        scenario_measure_t m;
        measure(runs[i].executor, runs[i].workers, runs[i].sim, NULL, &m);
        if (sum_of(&m) != want)
            fail_msg("%s%s: sum %016" PRIx64 ", not %016" PRIx64,
                     runs[i].executor, runs[i].sim ? " --sim" : "",
                     sum_of(&m), want);
        /* one poll per step, and the parent's one: a yield between two
         * steps (spin polls every task every pass and counts no wakes) */
        assert_int_equal(m.stats.polls, PIECES * STEPS + 1);
        if (strcmp(runs[i].executor, "spin") != 0)
            assert_int_equal(m.stats.self_wakes, PIECES * (STEPS - 1));
    }
}

static void crunch_sim_uses_both_workers(void **state)
{
    (void)state;
    recorder_t r = RECORDER_INIT;
    scenario_measure_t m;
    measure("ws", 2, true, &r.sink, &m);
    /* The parent is the first task spawned (from outside); every other
     * task spawned is a piece, spawned by it on its worker. */
    uint64_t parent = 0, parent_worker = UINT32_MAX;
    uint64_t piece_polls[2] = {0, 0};
    for (size_t i = 0; i < r.n; i++) {
        const trace_event_t *ev = &r.ev[i];
        if (ev->kind == TRACE_SPAWN && parent == 0)
            parent = ev->task;
        if (ev->kind != TRACE_POLL_START)
            continue;
        assert_true(ev->worker < 2);
        if (ev->task == parent)
            parent_worker = ev->worker;
        else
            piece_polls[ev->worker]++;
    }
    free(r.ev);
    assert_true(parent_worker < 2);
    assert_int_equal(piece_polls[0] + piece_polls[1], PIECES * STEPS);
    if (piece_polls[0] == 0 || piece_polls[1] == 0)
        fail_msg("pieces polled %" PRIu64 " times on w0 and %" PRIu64
                 " on w1: one worker did all the work",
                 piece_polls[0], piece_polls[1]);
    assert_true(m.stats.steals > 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crunch_same_right_sum_everywhere),
        cmocka_unit_test(crunch_sim_uses_both_workers),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
