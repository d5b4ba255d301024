/*
 * tests/test_scenario.c - the scenarios of scenarios/scenario*.c with extreme
 * parameters (issue 12, defect 6): no arithmetic on the options wraps.
 *
 * A scenario runs to its end in one call, and with --rounds 300000000 the
 * end is hours away; so each scenario here gets a proxy executor whose run
 * takes a few steps of a real spin executor and stops (-ECANCELED, as the
 * visualizer's quit does). What the scenario computed from its options is
 * then in its result: the summary line, and which tasks already finished.
 *
 * One test: ./build/tests/test_scenario scenario_imbalance_heavy_rounds_wide
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench/executors.h"
#include "core/trace.h"
#include "scenarios/scenario.h"

/* ---- a spin executor that stops after a few steps ------------------------ */

typedef struct bounded {
    executor_t proxy; /* first: what the scenario is given */
    executor_t *real;
    int steps_left;
    long pause_ns; /* real time between two steps, as a person stepping */
} bounded_t;

static executor_t *real_of(executor_t *ex)
{
    return ((bounded_t *)ex)->real;
}

static int bounded_spawn(executor_t *ex, task_t *t)
{
    executor_t *real = real_of(ex);
    return real->ops->spawn(real, t);
}

static int bounded_block_on(executor_t *ex, future_t *f)
{
    return executor_block_on(real_of(ex), f);
}

static int bounded_run(executor_t *ex)
{
    bounded_t *b = (bounded_t *)ex;
    for (; b->steps_left > 0; b->steps_left--) {
        int r = executor_step(b->real);
        if (r != 1)
            return r;
        struct timespec pause = {0, b->pause_ns};
        if (b->pause_ns > 0)
            nanosleep(&pause, NULL);
    }
    return -ECANCELED;
}

static int bounded_step(executor_t *ex)
{
    return executor_step(real_of(ex));
}

static void bounded_stats(executor_t *ex, executor_stats_t *out)
{
    executor_stats(real_of(ex), out);
}

static void bounded_destroy(executor_t *ex)
{
    (void)ex; /* the test destroys the real one */
}

static const executor_ops_t bounded_ops = {
    .spawn = bounded_spawn,
    .block_on = bounded_block_on,
    .run = bounded_run,
    .step = bounded_step,
    .stats = bounded_stats,
    .destroy = bounded_destroy,
};

/* Run sc with p for at most `steps` decisions; returns its result code. */
static int run_bounded(const char *name, const scenario_params_t *p, int steps,
                       scenario_result_t *out)
{
    const scenario_t *sc = scenario_by_name(name);
    assert_non_null(sc);
    executor_config_t cfg = {.kind = executor_kind_by_name("spin")};
    bounded_t b = {.real = executor_create(&cfg), .steps_left = steps};
    assert_non_null(b.real);
    b.proxy.ops = &bounded_ops;
    b.proxy.kind = b.real->kind;
    b.proxy.scheduler = b.real->scheduler;
    memset(out, 0, sizeof *out);
    int rc = sc->run(&b.proxy, p, out);
    executor_destroy(b.real); /* drops whatever is still pending */
    return rc;
}

/*
 * One simulated run (virtual time) of a scenario, as `asynclab run --sim`
 * does it (executor_run) or as the visualizer steps it (one decision at a
 * time, with real time passing in between: pause_ns). The result code,
 * the result and the trace's hash.
 */
typedef struct sim_outcome {
    int rc;
    scenario_result_t result;
    uint64_t hash, events;
} sim_outcome_t;

static sim_outcome_t run_sim(const char *name, const char *executor,
                             const scenario_params_t *p, bool stepped,
                             long pause_ns)
{
    const scenario_t *sc = scenario_by_name(name);
    assert_non_null(sc);
    trace_hash_sink_t hash;
    trace_hash_sink_init(&hash);
    executor_config_t cfg = {.kind = executor_kind_by_name(executor),
                             .sim = true,
                             .seed = 1,
                             .virtual_time = true,
                             .trace = &hash.sink};
    bounded_t b = {.real = executor_create(&cfg),
                   .steps_left = 1000000,
                   .pause_ns = pause_ns};
    assert_non_null(b.real);
    b.proxy.ops = &bounded_ops;
    b.proxy.kind = b.real->kind;
    b.proxy.scheduler = b.real->scheduler;
    sim_outcome_t o;
    memset(&o, 0, sizeof o);
    o.rc = sc->run(stepped ? &b.proxy : b.real, p, &o.result);
    executor_destroy(b.real);
    o.hash = hash.hash;
    o.events = hash.events;
    return o;
}

/*
 * naive-sleep reads the executor's clock, not the machine's: stepped with
 * 3 ms of real time between decisions, its 1 ms sleeps still never end on
 * notify (a lost wakeup, as in the straight run), and the two traces are
 * the same event for event. It used to read CLOCK_MONOTONIC, and a
 * stepped run finished every task.
 */
static void scenario_naive_sleep_stepped_ends_as_run(void **state)
{
    (void)state;
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = 5;
    p.ms = 1;
    /* ws's step answers -EDEADLK too when only lost tasks are left (it
     * used to answer 0, and a stepped ws run ended "finished"). */
    const char *executors[] = {"notify", "spin", "ws"};
    for (int i = 0; i < 3; i++) {
        sim_outcome_t straight =
            run_sim("naive-sleep", executors[i], &p, false, 0);
        sim_outcome_t stepped =
            run_sim("naive-sleep", executors[i], &p, true, 3000000);
        printf("# %s: run %d, %llu of 5 done, hash %016llx; stepped %d, "
               "%llu done, hash %016llx\n",
               executors[i], straight.rc,
               (unsigned long long)straight.result.tasks_done,
               (unsigned long long)straight.hash, stepped.rc,
               (unsigned long long)stepped.result.tasks_done,
               (unsigned long long)stepped.hash);
        bool spin = i == 1; /* polls everything: the sleep ends on time */
        assert_int_equal(straight.rc, spin ? 0 : -EDEADLK);
        assert_int_equal(straight.result.tasks_done, spin ? 5 : 0);
        assert_int_equal(stepped.rc, straight.rc);
        assert_int_equal(stepped.result.tasks_done,
                         straight.result.tasks_done);
        assert_int_equal(stepped.events, straight.events);
        assert_true(stepped.hash == straight.hash);
    }
}

/* ---- the tests ----------------------------------------------------------- */

/*
 * imbalance: every eighth child yields 8 x --rounds times. With --rounds
 * 300,000,000 that is 2,400,000,000, more than an int holds: it used to
 * wrap negative, so the heavy child finished at its first poll instead of
 * yielding, and the summary said "yields -1894967296 times".
 */
static void scenario_imbalance_heavy_rounds_wide(void **state)
{
    (void)state;
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = 1; /* child 0 only: a heavy one */
    p.rounds = 300000000;
    scenario_result_t r;
    /* step 1 polls the root (it spawns the child), the rest the child */
    assert_int_equal(run_bounded("imbalance", &p, 10, &r), -ECANCELED);
    assert_non_null(strstr(r.what, "yields 2400000000 times"));
    assert_int_equal(r.tasks_expected, 1);
    assert_int_equal(r.tasks_spawned, 1);
    assert_int_equal(r.tasks_done, 0); /* still yielding, as it should */
}

/* timers: the last sleeper waits --ms x --tasks ms; the summary said
 * "2147483647 to -2 ms" (and UBSan stopped at the product). */
static void scenario_timers_longest_sleep_wide(void **state)
{
    (void)state;
    scenario_params_t p;
    scenario_params_init(&p);
    p.tasks = 2;
    p.ms = INT_MAX;
    p.rounds = 1;
    scenario_result_t r;
    assert_int_equal(run_bounded("timers", &p, 10, &r), -ECANCELED);
    assert_non_null(strstr(r.what, "2147483647 to 4294967294 ms"));
    assert_int_equal(r.tasks_spawned, 2);
    assert_int_equal(r.tasks_done, 0);
}

/* A minus sign before a digit: a negative number (a name may hold a
 * hyphen). */
static bool has_negative(const char *s)
{
    for (const char *p = strchr(s, '-'); p != NULL; p = strchr(p + 1, '-'))
        if (p[1] >= '0' && p[1] <= '9')
            return true;
    return false;
}

/* Every scenario (but the network ones, which bind ports: those that
 * refuse --sim for their real sockets) with each option at its
 * command-line maximum that keeps the spawn count small: its summary
 * holds no negative number, its counts no wrapped one. */
static void scenario_extreme_options_never_negative(void **state)
{
    (void)state;
    for (const scenario_t *const *s = scenario_table; *s != NULL; s++) {
        if (scenario_no_sim(*s) != NULL)
            continue;
        scenario_params_t p;
        scenario_params_init(&p);
        p.tasks = 3;
        /* blocking's --ms is a real nanosleep inside a poll */
        p.ms = strcmp((*s)->name, "blocking") == 0 ? 0 : INT_MAX;
        p.rounds = INT_MAX;
        scenario_result_t r;
        int rc = run_bounded((*s)->name, &p, 20, &r);
        if (rc != -ECANCELED && rc != 0)
            fail_msg("%s: result %d", (*s)->name, rc);
        if (has_negative(r.what))
            fail_msg("%s: a negative number in '%s'", (*s)->name, r.what);
        if (r.tasks_expected > 4 * (uint64_t)p.tasks + 8)
            fail_msg("%s: expects %llu tasks of --tasks 3", (*s)->name,
                     (unsigned long long)r.tasks_expected);
        if (r.tasks_spawned > r.tasks_expected || r.spawn_err != 0)
            fail_msg("%s: spawned %llu of %llu (error %d)", (*s)->name,
                     (unsigned long long)r.tasks_spawned,
                     (unsigned long long)r.tasks_expected, r.spawn_err);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_imbalance_heavy_rounds_wide),
        cmocka_unit_test(scenario_naive_sleep_stepped_ends_as_run),
        cmocka_unit_test(scenario_timers_longest_sleep_wide),
        cmocka_unit_test(scenario_extreme_options_never_negative),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
