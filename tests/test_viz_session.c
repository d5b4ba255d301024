/*
 * tests/test_viz_session.c - the visualizer's session: recording events,
 * following a live run, stepping forward and back by scheduling decisions,
 * and that a step back shows exactly the state the forward step showed.
 *
 * Run one test: ./build/tests/test_viz_session viz_session_back_rebuilds
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/future.h"
#include "visualizer/viz.h"

/* Setup (2 events), then three decisions: poll t1, steal, poll t2. */
static const trace_event_t RUN[] = {
    {1, 1, TRACE_Q_LOCAL, 0, 0, TRACE_SCHEDULE},
    {2, 2, TRACE_Q_LOCAL, 0, 0, TRACE_SCHEDULE},
    {3, 1, 0, 0, 0, TRACE_POLL_START}, /* step 1 */
    {4, 1, POLL_READY, 0, 0, TRACE_POLL_END},
    {5, 1, 0, 0, 0, TRACE_COMPLETE},
    {6, 0, 0, 1, 1, TRACE_STEAL},      /* step 2 */
    {7, 2, 0, 0, 1, TRACE_POLL_START}, /* step 3 */
    {8, 2, POLL_PENDING, 0, 1, TRACE_POLL_END},
};
#define N_RUN (sizeof RUN / sizeof RUN[0])

static viz_session_t *session(void)
{
    viz_session_t *s = malloc(sizeof *s);
    assert_non_null(s);
    assert_int_equal(viz_session_init(s, "ws", 2, "t", NULL, NULL), 0);
    return s;
}

static void session_free(viz_session_t *s)
{
    viz_session_destroy(s);
    free(s);
}

static void viz_session_follows_a_live_run(void **state)
{
    (void)state;
    viz_session_t *s = session();
    for (size_t i = 0; i < N_RUN; i++)
        s->sink.write(&s->sink, &RUN[i]);
    assert_true(viz_session_at_end(s));
    assert_int_equal(s->cursor, N_RUN);
    assert_int_equal(s->model.c.polls, 2);
    assert_int_equal(viz_session_step_number(s), 4); /* setup + 3 */
    assert_int_equal(viz_queue_len(&s->model.worker[1].ring), 0);
    session_free(s);
}

static void viz_session_steps_by_decision(void **state)
{
    (void)state;
    viz_session_t *s = session();
    for (size_t i = 0; i < N_RUN; i++)
        s->sink.write(&s->sink, &RUN[i]);
    /* back to the start: one boundary at a time */
    assert_true(viz_session_back(s)); /* before step 3 */
    assert_int_equal(s->cursor, 6);
    assert_int_equal(s->mark, 5); /* step 2 (the steal) is highlighted */
    assert_int_equal(viz_queue_len(&s->model.worker[1].ring), 1);
    assert_true(viz_session_back(s)); /* before step 2 */
    assert_int_equal(s->cursor, 5);
    assert_int_equal(viz_queue_len(&s->model.worker[0].ring), 1);
    assert_int_equal(s->model.c.steals, 0);
    assert_true(viz_session_back(s)); /* before step 1 */
    assert_int_equal(s->cursor, 2);
    assert_int_equal(s->model.c.polls, 0);
    assert_int_equal(viz_session_step_number(s), 1); /* the setup */
    assert_true(viz_session_back(s)); /* the start */
    assert_int_equal(s->cursor, 0);
    assert_int_equal(viz_session_step_number(s), 0);
    assert_false(viz_session_back(s));

    /* forward again: setup, then a whole poll (start, end, complete) */
    assert_true(viz_session_forward(s));
    assert_int_equal(s->cursor, 2);
    assert_true(viz_session_forward(s));
    assert_int_equal(s->cursor, 5);
    assert_int_equal(s->mark, 2);
    assert_int_equal(viz_model_task(&s->model, 1)->state, VIZ_TASK_DONE);
    assert_true(viz_session_forward(s));
    assert_true(viz_session_forward(s));
    assert_false(viz_session_forward(s));
    assert_int_equal(s->model.c.polls, 2);
    session_free(s);
}

static void viz_session_records_while_browsing(void **state)
{
    (void)state;
    viz_session_t *s = session();
    for (size_t i = 0; i < 6; i++)
        s->sink.write(&s->sink, &RUN[i]);
    assert_true(viz_session_back(s));
    size_t at = s->cursor;
    /* new events arrive while the user looks at the past */
    for (size_t i = 6; i < N_RUN; i++)
        s->sink.write(&s->sink, &RUN[i]);
    assert_int_equal(s->cursor, at);
    assert_int_equal(s->n_events, N_RUN);
    viz_session_to_end(s);
    assert_int_equal(s->cursor, N_RUN);
    assert_int_equal(s->model.c.polls, 2);
    session_free(s);
}

static void viz_session_back_rebuilds_the_same_state(void **state)
{
    (void)state;
    viz_session_t *s = session();
    for (size_t i = 0; i < N_RUN; i++)
        s->sink.write(&s->sink, &RUN[i]);
    viz_session_back(s);
    viz_session_back(s);
    viz_session_forward(s); /* after step 2 */
    viz_counters_t c = s->model.c;
    uint64_t log0 = s->model.log_total;

    viz_session_t *fresh = session();
    for (size_t i = 0; i < 6; i++)
        fresh->sink.write(&fresh->sink, &RUN[i]);
    assert_memory_equal(&c, &fresh->model.c, sizeof c);
    assert_int_equal(log0, fresh->model.log_total);
    assert_string_equal(viz_model_log(&s->model, 0)->text,
                        viz_model_log(&fresh->model, 0)->text);
    session_free(fresh);
    session_free(s);
}

/* A jump lands where stepping lands: same cursor, step number, last step
 * (mark) and counters, whether it goes forward or back. */
static void viz_session_goto_is_stepping(void **state)
{
    (void)state;
    viz_session_t *s = session();
    for (size_t i = 0; i < N_RUN; i++)
        s->sink.write(&s->sink, &RUN[i]);
    viz_session_rewind(s);
    size_t cursor[8], mark[8];
    uint64_t steps[8], polls[8];
    int n = 0;
    while (viz_session_forward(s)) {
        cursor[n] = s->cursor;
        mark[n] = s->mark;
        steps[n] = viz_session_step_number(s);
        polls[n] = s->model.c.polls;
        n++;
    }
    assert_int_equal(n, 4);
    /* event 4 (POLL_END of t1) is in step 2, which ends before the steal */
    assert_int_equal(viz_session_step_end(s, 3), 5);
    assert_int_equal(viz_session_step_start(s, 5), 2);
    for (int k = n - 1; k >= 0; k--) { /* back, by jumps */
        viz_session_goto(s, cursor[k]);
        assert_int_equal(s->cursor, cursor[k]);
        assert_int_equal(s->mark, mark[k]);
        assert_int_equal(viz_session_step_number(s), steps[k]);
        assert_int_equal(s->model.c.polls, polls[k]);
    }
    for (int k = 0; k < n; k++) { /* forward, by jumps */
        viz_session_goto(s, cursor[k]);
        assert_int_equal(s->mark, mark[k]);
        assert_int_equal(viz_session_step_number(s), steps[k]);
    }
    /* a position inside a step is taken to that step's end */
    viz_session_goto(s, 0);
    assert_int_equal(s->cursor, 0);
    viz_session_goto(s, 3);
    assert_int_equal(s->cursor, 5);
    assert_int_equal(s->mark, 2);
    session_free(s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(viz_session_follows_a_live_run),
        cmocka_unit_test(viz_session_steps_by_decision),
        cmocka_unit_test(viz_session_records_while_browsing),
        cmocka_unit_test(viz_session_back_rebuilds_the_same_state),
        cmocka_unit_test(viz_session_goto_is_stepping),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("viz_session", tests, NULL, NULL);
}
