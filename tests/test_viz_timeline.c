/*
 * tests/test_viz_timeline.c - the timeline's rows (visualizer/timeline.h),
 * a pure function of the events, and their characters in a view.
 *
 *   - a hand-made run: each state (poll, search, parked, in the driver,
 *     blocking) on its row from the event that began it to the one that
 *     ended it; a steal, a wake and an unpark as marks between rows, with
 *     their heads at the receiving row; driver turns and timers on the
 *     driver row;
 *   - fanout on ws, 4 workers, simulated, seed 7 (what `viz fanout
 *     --executor ws --workers 4 --sim --seed 7` shows): every poll of the
 *     trace is a span on its worker's row from its POLL_START to its
 *     POLL_END, and drawn there, at its column, at every zoom;
 *   - the time axis, on events with real times;
 *   - the view: everything fits from the start; otherwise the cursor
 *     three quarters across, pan, and never past either end.
 *
 * One test: ./build/tests/test_viz_timeline viz_timeline_fanout_polls_on_their_rows
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

#include "tests/recorder.h"
#include "bench/executors.h"
#include "core/future.h"
#include "core/trace.h"
#include "scenarios/scenario.h"
#include "visualizer/timeline.h"

/* {time_ns, task, a, b, worker, kind} */
#define EV(t, task, a, b, w, k)                                                \
    {(t), (task), (a), (b), (w), TRACE_##k}
#define NOW TRACE_NO_WORKER

static viz_timeline_t *timeline_of(const trace_event_t *ev, size_t n,
                                   uint32_t workers)
{
    viz_timeline_t *tl = malloc(sizeof *tl);
    assert_non_null(tl);
    viz_timeline_init(tl, workers);
    for (size_t i = 0; i < n; i++)
        viz_timeline_feed(tl, &ev[i]);
    return tl;
}

static void timeline_free(viz_timeline_t *tl)
{
    viz_timeline_destroy(tl);
    free(tl);
}

/* Row r of the whole run at one event per column. */
static const char *row_text(const viz_timeline_t *tl, uint32_t row,
                            char *buf)
{
    viz_tl_view_t v = {VIZ_TL_EVENTS, 0, VIZ_TL_SCALE_ONE,
                       (int)viz_timeline_extent(tl, VIZ_TL_EVENTS)};
    viz_timeline_row(tl, row, &v, buf);
    return buf;
}

static const char *gap_text(const viz_timeline_t *tl, uint32_t gap, char *buf)
{
    viz_tl_view_t v = {VIZ_TL_EVENTS, 0, VIZ_TL_SCALE_ONE,
                       (int)viz_timeline_extent(tl, VIZ_TL_EVENTS)};
    viz_timeline_gap(tl, gap, &v, buf);
    return buf;
}

/* ---- a hand-made run --------------------------------------------------------- */

static const trace_event_t HAND[] = {
    /* 0 */ EV(0, 1, TRACE_Q_LOCAL, 0, 0, SCHEDULE),
    /* 1 */ EV(0, 2, TRACE_Q_LOCAL, 0, 0, SCHEDULE),
    /* 2 */ EV(0, 3, TRACE_Q_LOCAL, 0, 0, SCHEDULE),
    /* 3 */ EV(0, 12, 0, 0, 0, POLL_START),
    /* 4 */ EV(0, 0, 0, 0, 0, SPAWN),
    /* 5 */ EV(0, 0, 0, 0, 0, SPAWN),
    /* 6 */ EV(0, 12, POLL_READY, 0, 0, POLL_END),
    /* 7 */ EV(0, 0, 0, 0, 2, SEARCH),
    /* 8 */ EV(0, 0, 0, 2, 2, STEAL),          /* w2 takes 2 from w0 */
    /* 9 */ EV(0, 1, 0, 0, 2, POLL_START),
    /* 10 */ EV(0, 3, TRACE_BY_TASK, 1, 2, WAKE), /* t1 on w2 wakes t3 */
    /* 11 */ EV(0, 3, TRACE_Q_LOCAL, 0, 0, SCHEDULE), /* ... onto w0 */
    /* 12 */ EV(0, 1, POLL_PENDING, 0, 2, POLL_END),
    /* 13 */ EV(0, 0, 1, 0, 1, PARK),          /* w1 in the driver */
    /* 14 */ EV(0, 0, 0, 0, 3, PARK),          /* w3 on its condvar */
    /* 15 */ EV(0, 5, 0, 0, NOW, BLOCKING_START),
    /* 16 */ EV(0, 6, 0, 0, NOW, BLOCKING_START),
    /* 17 */ EV(0, 5, 0, 0, NOW, BLOCKING_END),
    /* 18 */ EV(0, 6, 0, 0, NOW, BLOCKING_END),
    /* 19 */ EV(10000000, 7, 10, 0, NOW, TIMER_FIRE),
    /* 20 */ EV(10000000, 0, 0, 1, 1, DRIVER_TURN),
    /* 21 */ EV(10000000, 0, 1, 0, 3, UNPARK), /* w1 unparks w3 */
    /* 22 */ EV(10000000, 0, 1, 0, 1, UNPARK),
    /* 23 */ EV(10000000, 2, 0, 0, 3, POLL_START),
};
#define N_HAND (sizeof HAND / sizeof HAND[0])

static void viz_timeline_spans_follow_the_events(void **state)
{
    (void)state;
    viz_timeline_t *tl = timeline_of(HAND, N_HAND, 4);
    assert_int_equal(viz_timeline_rows(tl), 6); /* w0..w3, driver, blocking */
    char name[16];
    assert_string_equal(viz_timeline_row_name(tl, 4, name, sizeof name),
                        "driver");
    assert_string_equal(viz_timeline_row_name(tl, 5, name, sizeof name),
                        "blocking");

    size_t n;
    const viz_tl_span_t *s = viz_timeline_spans(tl, 0, &n);
    assert_int_equal(n, 1); /* w0: the poll of t12, events 3..6, Ready */
    assert_int_equal(s[0].what, VIZ_TL_POLL);
    assert_int_equal(s[0].task, 12);
    assert_int_equal(s[0].from, 3);
    assert_int_equal(s[0].to, 6);
    assert_true(s[0].ready);
    assert_false(s[0].open);

    s = viz_timeline_spans(tl, 2, &n); /* w2: search 7..8, poll t1 9..12 */
    assert_int_equal(n, 2);
    assert_int_equal(s[0].what, VIZ_TL_SEARCH);
    assert_int_equal(s[0].from, 7);
    assert_int_equal(s[0].to, 8);
    assert_int_equal(s[1].what, VIZ_TL_POLL);
    assert_int_equal(s[1].task, 1);
    assert_int_equal(s[1].from, 9);
    assert_int_equal(s[1].to, 12);
    assert_false(s[1].ready);

    s = viz_timeline_spans(tl, 1, &n); /* w1: in the driver 13..22 */
    assert_int_equal(n, 1);
    assert_int_equal(s[0].what, VIZ_TL_DRIVER);
    assert_int_equal(s[0].from, 13);
    assert_int_equal(s[0].to, 22);

    s = viz_timeline_spans(tl, 3, &n); /* w3: parked 14..21, poll t2 open */
    assert_int_equal(n, 2);
    assert_int_equal(s[0].what, VIZ_TL_PARKED);
    assert_int_equal(s[0].to, 21);
    assert_int_equal(s[1].what, VIZ_TL_POLL);
    assert_true(s[1].open);

    s = viz_timeline_spans(tl, 4, &n); /* the driver: held by w1 13..22 */
    assert_int_equal(n, 1);
    assert_int_equal(s[0].what, VIZ_TL_HELD);
    assert_int_equal(s[0].task, 1);
    assert_int_equal(s[0].from, 13);
    assert_int_equal(s[0].to, 22);

    s = viz_timeline_spans(tl, 5, &n); /* blocking: 1 job, 2, 1 */
    assert_int_equal(n, 3);
    assert_int_equal(s[0].task, 1);
    assert_int_equal(s[1].task, 2);
    assert_int_equal(s[2].task, 1);
    assert_int_equal(s[2].to, 18);

    /* marks: the steal w0 -> w2, the wake w2 -> w0, the unpark w1 -> w3 */
    size_t steals = 0, wakes = 0, unparks = 0;
    for (size_t i = 0; i < tl->n_marks; i++) {
        const viz_tl_mark_t *m = &tl->marks[i];
        if (m->kind == VIZ_TL_STEAL) {
            steals++;
            assert_int_equal(m->from, 0);
            assert_int_equal(m->to, 2);
            assert_int_equal(m->count, 2);
            assert_int_equal(m->at, 8);
        } else if (m->kind == VIZ_TL_WAKE) {
            wakes++;
            assert_int_equal(m->from, 2);
            assert_int_equal(m->to, 0);
            assert_int_equal(m->task, 3);
        } else if (m->kind == VIZ_TL_UNPARK) {
            unparks++;
            assert_int_equal(m->from, 1);
            assert_int_equal(m->to, 3);
        }
    }
    assert_int_equal(steals, 1);
    assert_int_equal(wakes, 1);
    assert_int_equal(unparks, 1);
    timeline_free(tl);
}

static void viz_timeline_draws_rows_and_marks(void **state)
{
    (void)state;
    viz_timeline_t *tl = timeline_of(HAND, N_HAND, 4);
    char buf[64];
    /*                                         0         1         2
     *                                         012345678901234567890123 */
    assert_string_equal(row_text(tl, 0, buf), "   t12=                 ");
    assert_string_equal(row_text(tl, 1, buf), "             DDDDDDDDDD ");
    assert_string_equal(row_text(tl, 2, buf), "       ~~t1==           ");
    assert_string_equal(row_text(tl, 3, buf), "              ........ 2");
    assert_string_equal(row_text(tl, 4, buf), "             w1----T*-- ");
    assert_string_equal(row_text(tl, 5, buf), "               B2BB     ");
    /* gaps: the steal from w0 down to w2 (head V at w2), the wake from w2
     * up to w0 (head ^ at w0), the unpark from w1 down to w3 */
    assert_string_equal(gap_text(tl, 0, buf), "        | ^             ");
    assert_string_equal(gap_text(tl, 1, buf), "        V :          :  ");
    assert_string_equal(gap_text(tl, 2, buf), "                     v  ");
    assert_string_equal(gap_text(tl, 3, buf), "                        ");
    timeline_free(tl);
}

/* Zoomed in (4 columns an event) every label fits; zoomed out, a column
 * holds several events and a poll wins over what else is there. */
static void viz_timeline_zoom(void **state)
{
    (void)state;
    viz_timeline_t *tl = timeline_of(HAND, N_HAND, 4);
    char buf[128];
    viz_tl_view_t in = {VIZ_TL_EVENTS, 0, 4, 96};
    viz_timeline_row(tl, 2, &in, buf);
    assert_int_equal(viz_timeline_col(&in, 9), 36);
    assert_memory_equal(buf + 28, "~~~~~~~~t1==============", 24);
    viz_tl_view_t out = {VIZ_TL_EVENTS, 0, 4 * VIZ_TL_SCALE_ONE, 6};
    viz_timeline_row(tl, 2, &out, buf);
    assert_string_equal(buf, " ~==  "); /* events 4-7: search; 8-11: poll */
    viz_timeline_row(tl, 0, &out, buf);
    assert_string_equal(buf, "12    "); /* "t12" needs 3 columns */
    timeline_free(tl);
}

/* ---- fanout, 4 workers, simulated, seed 7 ---------------------------------- */

static recorder_t fanout_seed_7(void)
{
    recorder_t r = RECORDER_INIT;
    const scenario_t *sc = scenario_by_name("fanout");
    assert_non_null(sc);
    executor_config_t cfg = {.kind = executor_kind_by_name("ws"),
                             .workers = 4,
                             .sim = true,
                             .seed = 7,
                             .virtual_time = true,
                             .trace = &r.sink};
    executor_t *ex = executor_create(&cfg);
    assert_non_null(ex);
    scenario_params_t p;
    scenario_params_init(&p);
    scenario_result_t out;
    memset(&out, 0, sizeof out);
    assert_int_equal(sc->run(ex, &p, &out), 0);
    executor_destroy(ex);
    return r;
}

/* The POLL_END of the poll that starts at event i. */
static size_t poll_end(const recorder_t *r, size_t i)
{
    for (size_t j = i + 1; j < r->n; j++)
        if (r->ev[j].kind == TRACE_POLL_END &&
            r->ev[j].worker == r->ev[i].worker)
            return j;
    fail_msg("the poll at event %zu never ends", i);
    return 0;
}

static void viz_timeline_fanout_polls_on_their_rows(void **state)
{
    (void)state;
    recorder_t r = fanout_seed_7();
    viz_timeline_t *tl = timeline_of(r.ev, r.n, 4);
    assert_int_equal(viz_timeline_rows(tl), 6);
    size_t polls = 0, steals = 0, labelled = 0;
    size_t next[4] = {0}; /* the next span of each worker row */
    char *row = malloc(4097);
    assert_non_null(row);
    const int cols = 200;
    for (size_t i = 0; i < r.n; i++) {
        const trace_event_t *ev = &r.ev[i];
        steals += ev->kind == TRACE_STEAL;
        if (ev->kind != TRACE_POLL_START)
            continue;
        polls++;
        assert_true(ev->worker < 4);
        /* the span: on its worker's row, from this event to its end */
        size_t n;
        const viz_tl_span_t *s = viz_timeline_spans(tl, ev->worker, &n);
        while (next[ev->worker] < n &&
               s[next[ev->worker]].what != VIZ_TL_POLL)
            next[ev->worker]++;
        assert_true(next[ev->worker] < n);
        const viz_tl_span_t *p = &s[next[ev->worker]++];
        assert_int_equal(p->task, ev->task);
        assert_int_equal(p->from, i);
        assert_int_equal(p->to, poll_end(&r, i));

        /* drawn: at one event per column, in the window holding it */
        viz_tl_view_t v = {VIZ_TL_EVENTS, i - i % (size_t)cols,
                           VIZ_TL_SCALE_ONE, cols};
        int c = viz_timeline_col(&v, i);
        assert_int_equal(c, (int)(i % (size_t)cols));
        viz_timeline_row(tl, ev->worker, &v, row);
        char label[32];
        int len = snprintf(label, sizeof label, "t%" PRIu64, ev->task);
        size_t width = p->to - p->from + 1;
        if (c + len <= cols && width >= (size_t)len) {
            assert_memory_equal(row + c, label, (size_t)len);
            labelled++;
        } else if (c + len - 1 <= cols && width >= (size_t)len - 1) {
            assert_memory_equal(row + c, label + 1, (size_t)len - 1);
        } else {
            assert_true(row[c] == '=' || row[c] == label[1]);
        }
        /* and on no other worker's row at that column */
        for (uint32_t w = 0; w < 4; w++) {
            if (w == ev->worker)
                continue;
            viz_timeline_row(tl, w, &v, row);
            assert_true(row[c] != '=' && !(row[c] >= '0' && row[c] <= '9') &&
                        row[c] != 't');
        }
        /* zoomed in, 4 columns an event: the whole label, always */
        viz_tl_view_t in = {VIZ_TL_EVENTS, i, 4, 64};
        viz_timeline_row(tl, ev->worker, &in, row);
        assert_memory_equal(row, label, (size_t)len);
    }
    /* The whole run fitted into 200 columns: each poll's column shows a
     * poll ('=' or part of a label) on its row. */
    int level = viz_timeline_fit_level(r.n, cols);
    viz_tl_view_t all = viz_timeline_view(tl, VIZ_TL_EVENTS, level, cols, 0, 0);
    assert_int_equal(all.start, 0);
    char rows[4][4097];
    for (uint32_t w = 0; w < 4; w++)
        viz_timeline_row(tl, w, &all, rows[w]);
    for (size_t i = 0; i < r.n; i++) {
        if (r.ev[i].kind != TRACE_POLL_START)
            continue;
        int c = viz_timeline_col(&all, i);
        assert_true(c >= 0);
        char ch = rows[r.ev[i].worker][c];
        assert_true(ch == '=' || ch == 't' || (ch >= '0' && ch <= '9'));
    }
    /* every steal is a mark from its victim's row to its thief's */
    size_t marks = 0;
    for (size_t i = 0; i < tl->n_marks; i++)
        if (tl->marks[i].kind == VIZ_TL_STEAL) {
            const trace_event_t *ev = &r.ev[tl->marks[i].at];
            assert_int_equal(ev->kind, TRACE_STEAL);
            assert_int_equal(tl->marks[i].from, ev->a);
            assert_int_equal(tl->marks[i].to, ev->worker);
            marks++;
        }
    assert_int_equal(marks, steals);
    printf("# fanout seed 7: %zu events, %zu polls (%zu labelled at one "
           "event a column), %zu steals; fitted at scale %" PRIu64 "/16\n",
           r.n, polls, labelled, steals, all.scale);
    assert_true(polls > 1000);
    assert_true(steals > 0);
    free(row);
    timeline_free(tl);
    free(r.ev);
}

/* Fed again from nothing, the same rows (a step back in a live run). */
static void viz_timeline_reset_rebuilds_the_same(void **state)
{
    (void)state;
    viz_timeline_t *tl = timeline_of(HAND, N_HAND, 4);
    char a[6][64], b[64];
    for (uint32_t r = 0; r < 6; r++)
        row_text(tl, r, a[r]);
    viz_timeline_reset(tl);
    assert_int_equal(tl->fed, 0);
    assert_int_equal(viz_timeline_rows(tl), 6);
    for (size_t i = 0; i < N_HAND; i++)
        viz_timeline_feed(tl, &HAND[i]);
    for (uint32_t r = 0; r < 6; r++)
        assert_string_equal(row_text(tl, r, b), a[r]);
    timeline_free(tl);
}

/* ---- the time axis ------------------------------------------------------------ */

static void viz_timeline_time_axis(void **state)
{
    (void)state;
    /* polls of 3 us at 10 us, 40 us and 70 us after the first event, on
     * two workers; then a park */
    static const trace_event_t T[] = {
        EV(1000000, 1, 0, 0, 0, POLL_START),  EV(1003000, 1, 1, 0, 0, POLL_END),
        EV(1010000, 2, 0, 0, 1, POLL_START),  EV(1013000, 2, 0, 0, 1, POLL_END),
        EV(1040000, 3, 0, 0, 0, POLL_START),  EV(1043000, 3, 0, 0, 0, POLL_END),
        EV(1070000, 0, 0, 0, 1, PARK),        EV(1080000, 0, 0, 0, 1, UNPARK),
    };
    viz_timeline_t *tl = timeline_of(T, sizeof T / sizeof T[0], 2);
    assert_int_equal(viz_timeline_extent(tl, VIZ_TL_TIME), 80001);
    /* 1 us a column: 1000 ns is 16000/16 */
    viz_tl_view_t v = {VIZ_TL_TIME, 0, 1000 * VIZ_TL_SCALE_ONE, 90};
    char buf[128];
    viz_timeline_row(tl, 0, &v, buf);
    assert_memory_equal(buf, "t1==", 4);
    assert_memory_equal(buf + 40, "t3==", 4);
    assert_int_equal(buf[4], ' ');
    viz_timeline_row(tl, 1, &v, buf);
    assert_memory_equal(buf + 10, "t2==", 4);
    assert_memory_equal(buf + 70, "...........", 11);
    assert_int_equal(viz_timeline_pos(tl, VIZ_TL_TIME, 4, &T[4]), 40000);
    assert_int_equal(viz_timeline_col(&v, 40000), 40);
    timeline_free(tl);
}

/* ---- the view ------------------------------------------------------------------ */

static void viz_timeline_view_follows_the_cursor(void **state)
{
    (void)state;
    viz_timeline_t *tl = timeline_of(HAND, N_HAND, 4); /* 24 events */
    /* 24 fit in 24 columns at one a column, and in 6 at four a column */
    assert_int_equal(viz_timeline_scale(viz_timeline_fit_level(24, 24)),
                     VIZ_TL_SCALE_ONE);
    assert_int_equal(viz_timeline_scale(viz_timeline_fit_level(24, 6)),
                     4 * VIZ_TL_SCALE_ONE);
    assert_int_equal(viz_timeline_scale(viz_timeline_fit_level(6, 24)), 4);
    int one = viz_timeline_fit_level(24, 24);
    viz_tl_view_t v = viz_timeline_view(tl, VIZ_TL_EVENTS, one, 40, 23, -5);
    assert_int_equal(v.start, 0); /* it all fits: no pan */
    /* 8 columns: the cursor at 3/4, i.e. 6 columns in */
    v = viz_timeline_view(tl, VIZ_TL_EVENTS, one, 8, 12, 0);
    assert_int_equal(v.start, 6);
    assert_int_equal(viz_timeline_col(&v, 12), 6);
    v = viz_timeline_view(tl, VIZ_TL_EVENTS, one, 8, 12, -3);
    assert_int_equal(v.start, 3);
    v = viz_timeline_view(tl, VIZ_TL_EVENTS, one, 8, 12, -100);
    assert_int_equal(v.start, 0);
    v = viz_timeline_view(tl, VIZ_TL_EVENTS, one, 8, 23, 0);
    assert_int_equal(v.start, 16); /* the end is the right edge */
    assert_int_equal(viz_timeline_col(&v, 23), 7);
    v = viz_timeline_view(tl, VIZ_TL_EVENTS, one, 8, 2, 0);
    assert_int_equal(v.start, 0);
    assert_int_equal(viz_timeline_col(&v, 9), -1);
    timeline_free(tl);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(viz_timeline_spans_follow_the_events),
        cmocka_unit_test(viz_timeline_draws_rows_and_marks),
        cmocka_unit_test(viz_timeline_zoom),
        cmocka_unit_test(viz_timeline_fanout_polls_on_their_rows),
        cmocka_unit_test(viz_timeline_reset_rebuilds_the_same),
        cmocka_unit_test(viz_timeline_time_axis),
        cmocka_unit_test(viz_timeline_view_follows_the_cursor),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("viz_timeline", tests, NULL, NULL);
}
