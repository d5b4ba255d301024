/*
 * tests/test_viz_tour.c - the narrated tour's captions (visualizer/tour.h)
 * on the seeded runs the project shows: `viz tour` (ws, 4 workers,
 * simulated, seed 1: the command line's default seed) and `make run`'s
 * plain-text tour (the same with seed 7).
 *
 * For every entry of the script: its event is in the run, of the kind the
 * entry names; every fact the caption records agrees with a model this
 * test builds itself, read just before and just after that event (and,
 * where the events say it directly, with the events: a steal's count, how
 * many SPAWNs name a parent); and the words say no number, worker or task
 * that is not one of those facts, and leave out none of them.
 *
 * One test: ./build/tests/test_viz_tour viz_tour_seed_7
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/recorder.h"
#include "bench/executors.h"
#include "core/future.h"
#include "core/trace.h"
#include "scenarios/scenario.h"
#include "visualizer/tour.h"

/* ---- a recorded run ------------------------------------------------------ */

/* The scenario on ws in simulation, as `viz` and `run --sim` make it. */
static recorder_t run_seeded(const char *scenario, int workers, uint64_t seed)
{
    recorder_t r = RECORDER_INIT;
    const scenario_t *sc = scenario_by_name(scenario);
    assert_non_null(sc);
    executor_config_t cfg = {.kind = executor_kind_by_name("ws"),
                             .workers = workers,
                             .sim = true,
                             .seed = seed,
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
    assert_true(r.n > 0);
    return r;
}

static const char *names(void *ctx, uint64_t id)
{
    (void)ctx;
    return trace_name_of(id);
}

/* ---- the facts, checked against a model of the test's own ---------------- */

static uint64_t ring_len(const viz_model_t *m, uint64_t w)
{
    assert_true(w < m->workers);
    return viz_queue_len(&m->worker[w].ring);
}

static uint64_t count_events(const recorder_t *r, size_t upto, uint32_t kind,
                             uint64_t *sum_b)
{
    uint64_t n = 0;
    for (size_t i = 0; i < upto; i++) {
        if (r->ev[i].kind != kind)
            continue;
        n++;
        if (sum_b != NULL)
            *sum_b += r->ev[i].b;
    }
    return n;
}

/* One fact, before: the model before the event; after: after it. */
static void check_fact(const viz_fact_t *f, const recorder_t *r, size_t i,
                       const viz_model_t *before, const viz_model_t *after)
{
    const trace_event_t *ev = &r->ev[i];
    uint64_t want = UINT64_MAX, sum = 0, min = UINT64_MAX;
    const viz_task_t *t;
    switch (f->kind) {
    case VIZ_FACT_WORKER:
        want = ev->worker;
        break;
    case VIZ_FACT_VICTIM:
        assert_int_equal(ev->kind, TRACE_STEAL);
        want = ev->a;
        break;
    case VIZ_FACT_COUNT:
        assert_int_equal(ev->kind, TRACE_STEAL);
        want = ev->b;
        break;
    case VIZ_FACT_TASK:
        want = ev->task;
        break;
    case VIZ_FACT_WAKER: /* the WAKE just before, of the same task */
        assert_true(i > 0);
        assert_int_equal(r->ev[i - 1].kind, TRACE_WAKE);
        assert_int_equal(r->ev[i - 1].task, ev->task);
        assert_int_equal(r->ev[i - 1].a, TRACE_BY_TASK);
        want = r->ev[i - 1].b;
        break;
    case VIZ_FACT_BUMPED:
    case VIZ_FACT_LIFO_BEFORE:
        want = before->worker[f->subject].lifo;
        break;
    case VIZ_FACT_LIFO_AFTER:
        want = after->worker[f->subject].lifo;
        break;
    case VIZ_FACT_HAD_BEFORE:
        want = f->subject < before->workers
                   ? ring_len(before, f->subject) +
                         (before->worker[f->subject].lifo != 0)
                   : 0;
        break;
    case VIZ_FACT_RING_BEFORE:
        want = f->subject < before->workers ? ring_len(before, f->subject) : 0;
        break;
    case VIZ_FACT_RING_AFTER:
        want = ring_len(after, f->subject);
        break;
    case VIZ_FACT_QUEUE_BEFORE:
        t = viz_model_task(before, f->subject);
        assert_non_null(t);
        assert_int_equal(t->state, VIZ_TASK_QUEUED);
        want = t->queue;
        break;
    case VIZ_FACT_QUEUE:
        assert_int_equal(ev->kind, TRACE_SCHEDULE);
        want = ev->a;
        break;
    case VIZ_FACT_CHILDREN: /* SPAWNs naming it as the parent */
        want = 0;
        for (size_t k = 0; k <= i; k++)
            want += r->ev[k].kind == TRACE_SPAWN && r->ev[k].a == f->subject;
        break;
    case VIZ_FACT_EMPTY_OTHERS:
        want = 0;
        for (uint32_t w = 0; w < after->workers; w++)
            want += w != f->subject && after->worker[w].lifo == 0 &&
                    ring_len(after, w) == 0;
        break;
    case VIZ_FACT_DEADLINE:
        assert_int_equal(ev->kind, TRACE_TIMER_ADD);
        want = ev->a;
        break;
    case VIZ_FACT_CLOCK:
        want = after->driver.now_ms;
        break;
    case VIZ_FACT_LEVEL:
        want = (uint64_t)viz_timer_level(ev->a, after->driver.now_ms);
        break;
    case VIZ_FACT_NEXT_TIMER:
        for (size_t k = 0; k < after->driver.n_timers; k++)
            if (after->driver.timers[k].deadline_ms < min)
                min = after->driver.timers[k].deadline_ms;
        want = min;
        break;
    case VIZ_FACT_HOLDER:
        assert_true(before->driver.holder >= 0);
        want = (uint64_t)before->driver.holder;
        break;
    case VIZ_FACT_TURN_TIMERS:
        assert_int_equal(ev->kind, TRACE_DRIVER_TURN);
        want = ev->b;
        break;
    case VIZ_FACT_TURN_IO:
        assert_int_equal(ev->kind, TRACE_DRIVER_TURN);
        want = ev->a;
        break;
    case VIZ_FACT_TASK_WAKES:
        t = viz_model_task(after, f->subject);
        assert_non_null(t);
        want = t->wakes;
        break;
    case VIZ_FACT_TASK_SELF:
        t = viz_model_task(after, f->subject);
        assert_non_null(t);
        want = t->self_wakes;
        break;
    case VIZ_FACT_WARNED: /* the event raised it */
        assert_int_equal(after->n_warnings, before->n_warnings + 1);
        assert_int_equal(after->warnings[after->n_warnings - 1].kind,
                         VIZ_WARN_SELF_WAKES);
        want = after->warnings[after->n_warnings - 1].task;
        break;
    case VIZ_FACT_SPAWNED:
        want = count_events(r, i + 1, TRACE_SPAWN, NULL);
        break;
    case VIZ_FACT_COMPLETED:
        want = count_events(r, i + 1, TRACE_COMPLETE, NULL);
        assert_int_equal(after->c.completed, want);
        break;
    case VIZ_FACT_STEALS:
        want = count_events(r, i + 1, TRACE_STEAL, NULL);
        break;
    case VIZ_FACT_STOLEN:
        count_events(r, i + 1, TRACE_STEAL, &sum);
        want = sum;
        assert_int_equal(after->c.stolen, want);
        break;
    case VIZ_FACT_WAKES:
        want = after->c.wakes;
        break;
    case VIZ_FACT_SELF_WAKES:
        want = after->c.self_wakes;
        break;
    case VIZ_FACT_WORKERS:
        want = after->workers;
        break;
    default:
        fail_msg("fact kind %u has no check", f->kind);
    }
    if (f->value != want)
        fail_msg("event %zu: fact %s of %" PRIu64 " is %" PRIu64
                 ", the model says %" PRIu64,
                 i + 1, viz_fact_name(f->kind), f->subject, f->value, want);
}

/* ---- the words say the facts and nothing else ------------------------------ */

static bool has_fact(const viz_tour_caption_t *c, char form, uint64_t value,
                     bool *used)
{
    bool found = false;
    for (size_t k = 0; k < c->n_facts; k++) {
        if (viz_fact_form(c->facts[k].kind) != form ||
            c->facts[k].value != value)
            continue;
        used[k] = true;
        found = true;
    }
    return found;
}

/* Every "wN", "tN" and number in the words (outside quoted names) is a
 * fact of that form with that value; every written fact is said. NULL,
 * or what is wrong (in why). */
static const char *word_problem(const viz_tour_caption_t *c, char *why, size_t n)
{
    bool used[VIZ_CAPTION_FACTS] = {false};
    const char *s = c->text;
    bool quoted = false;
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i] == '\'' && (quoted || i == 0 || s[i - 1] == ' ')) {
            quoted = !quoted; /* a name: t12 'child' */
            continue;
        }
        if (quoted || (i > 0 && isalnum((unsigned char)s[i - 1])))
            continue;
        char form = '#';
        size_t j = i;
        if ((s[i] == 'w' || s[i] == 't') && isdigit((unsigned char)s[i + 1])) {
            form = s[i];
            j++;
        } else if (!isdigit((unsigned char)s[i])) {
            continue;
        }
        char *end;
        uint64_t v = strtoull(s + j, &end, 10);
        if (isalpha((unsigned char)*end))
            continue; /* a word with digits in it: none in the script */
        if (!has_fact(c, form, v, used)) {
            int len = (int)(end - s - (ptrdiff_t)i);
            snprintf(why, n, "says '%.*s', which no fact backs",
                     len < 24 ? len : 24, s + i);
            return why;
        }
        i = (size_t)(end - s) - 1;
    }
    for (size_t k = 0; k < c->n_facts; k++)
        if (viz_fact_form(c->facts[k].kind) != 0 && !used[k]) {
            snprintf(why, n, "does not say its fact %s (%" PRIu64 ")",
                     viz_fact_name(c->facts[k].kind), c->facts[k].value);
            return why;
        }
    return NULL;
}

static void check_words(const viz_tour_caption_t *c)
{
    char why[160];
    if (word_problem(c, why, sizeof why) != NULL)
        fail_msg("caption at event %" PRIu64 " %s: %s", c->seq, why, c->text);
}

/* ---- the seeded runs --------------------------------------------------------- */

static void check_tour(uint64_t seed)
{
    recorder_t r = run_seeded("tour", 4, seed);
    viz_tour_t *tour = malloc(sizeof *tour);
    assert_non_null(tour);
    assert_int_equal(viz_tour_init(tour, "ws", 4, "tour", names, NULL), 0);
    for (size_t i = 0; i < r.n; i++)
        viz_tour_feed(tour, &r.ev[i]);

    /* every entry of the script found its event, at least 8 of them */
    printf("# seed %" PRIu64 ": %zu events, %zu captions\n", seed, r.n,
           tour->n_captions);
    assert_true(viz_tour_entries() >= 8);
    assert_int_equal(tour->n_captions, viz_tour_entries());
    bool seen[64] = {false};
    assert_true(viz_tour_entries() <= 64);

    viz_model_t *before = malloc(sizeof *before), *after = malloc(sizeof *after);
    assert_non_null(before);
    assert_non_null(after);
    uint64_t last_seq = 0;
    for (size_t k = 0; k < tour->n_captions; k++) {
        const viz_tour_caption_t *c = &tour->captions[k];
        printf("#   %-18s event %3" PRIu64 ": %s\n",
               viz_tour_entry_name(c->entry), c->seq, c->text);
        assert_false(seen[c->entry]);
        seen[c->entry] = true;
        /* in the order of the run, at an event of the entry's kind */
        assert_true(c->seq >= 1 && c->seq <= r.n);
        assert_true(c->seq >= last_seq);
        last_seq = c->seq;
        size_t i = c->seq - 1;
        assert_int_equal(c->kind, r.ev[i].kind);
        if (viz_tour_entry_kind(c->entry) != 0)
            assert_int_equal(r.ev[i].kind, viz_tour_entry_kind(c->entry));
        assert_true(strlen(c->text) > 40);
        assert_true(c->n_facts > 0 && c->n_facts <= VIZ_CAPTION_FACTS);

        /* the facts: against the test's own model around the event */
        assert_int_equal(viz_model_init(before, "ws", 4, "tour", names, NULL),
                         0);
        assert_int_equal(viz_model_init(after, "ws", 4, "tour", names, NULL),
                         0);
        for (size_t e = 0; e < i; e++) {
            viz_model_apply(before, &r.ev[e]);
            viz_model_apply(after, &r.ev[e]);
        }
        viz_model_apply(after, &r.ev[i]);
        for (size_t f = 0; f < c->n_facts; f++)
            check_fact(&c->facts[f], &r, i, before, after);
        viz_model_destroy(before);
        viz_model_destroy(after);

        /* the words: those facts, and nothing else */
        check_words(c);
    }
    free(before);
    free(after);
    viz_tour_destroy(tour);
    free(tour);
    free(r.ev);
}

static void viz_tour_seed_1(void **state)
{
    (void)state;
    check_tour(1);
}

static void viz_tour_seed_7(void **state)
{
    (void)state;
    check_tour(7);
}

/* The check of the words is itself checked: a number no fact backs, and a
 * fact the words leave out, are both caught. */
static void viz_tour_word_check_bites(void **state)
{
    (void)state;
    viz_tour_caption_t c;
    memset(&c, 0, sizeof c);
    c.facts[0] = (viz_fact_t){VIZ_FACT_WORKER, 0, 3};
    c.facts[1] = (viz_fact_t){VIZ_FACT_COUNT, 0, 9};
    c.facts[2] = (viz_fact_t){VIZ_FACT_TASK, 0, 12};
    c.n_facts = 3;
    snprintf(c.text, sizeof c.text,
             "w3 takes 9 tasks; t12 'child 42' runs; w3's ring");
    char why[160];
    assert_null(word_problem(&c, why, sizeof why)); /* 42 is in a name */
    snprintf(c.text, sizeof c.text, "w3 takes 9 tasks of 17; t12 runs");
    assert_non_null(word_problem(&c, why, sizeof why));
    assert_string_equal(why, "says '17', which no fact backs");
    snprintf(c.text, sizeof c.text, "w3 takes 9 tasks");
    assert_non_null(word_problem(&c, why, sizeof why));
    assert_string_equal(why, "does not say its fact task (12)");
    snprintf(c.text, sizeof c.text, "w4 takes 9 tasks; t12 runs");
    assert_non_null(word_problem(&c, why, sizeof why));
    assert_string_equal(why, "says 'w4', which no fact backs");
}

/* Another seed, another worker count: the entries that find their event
 * still say what the model says (the script is not tied to one run). */
static void viz_tour_other_runs_stay_true(void **state)
{
    (void)state;
    const struct {
        int workers;
        uint64_t seed;
    } runs[] = {{4, 3}, {2, 11}, {6, 5}};
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        recorder_t r = run_seeded("tour", runs[k].workers, runs[k].seed);
        viz_tour_t *tour = malloc(sizeof *tour);
        assert_non_null(tour);
        assert_int_equal(viz_tour_init(tour, "ws", (uint32_t)runs[k].workers,
                                       "tour", names, NULL),
                         0);
        for (size_t i = 0; i < r.n; i++)
            viz_tour_feed(tour, &r.ev[i]);
        printf("# %d workers, seed %" PRIu64 ": %zu of %zu captions\n",
               runs[k].workers, runs[k].seed, tour->n_captions,
               viz_tour_entries());
        assert_true(tour->n_captions >= 8);
        viz_model_t *before = malloc(sizeof *before);
        viz_model_t *after = malloc(sizeof *after);
        assert_non_null(before);
        assert_non_null(after);
        for (size_t c = 0; c < tour->n_captions; c++) {
            const viz_tour_caption_t *cap = &tour->captions[c];
            size_t i = cap->seq - 1;
            assert_int_equal(viz_model_init(before, "ws",
                                            (uint32_t)runs[k].workers, "tour",
                                            names, NULL),
                             0);
            assert_int_equal(viz_model_init(after, "ws",
                                            (uint32_t)runs[k].workers, "tour",
                                            names, NULL),
                             0);
            for (size_t e = 0; e < i; e++) {
                viz_model_apply(before, &r.ev[e]);
                viz_model_apply(after, &r.ev[e]);
            }
            viz_model_apply(after, &r.ev[i]);
            for (size_t f = 0; f < cap->n_facts; f++)
                check_fact(&cap->facts[f], &r, i, before, after);
            viz_model_destroy(before);
            viz_model_destroy(after);
            check_words(cap);
        }
        free(before);
        free(after);
        viz_tour_destroy(tour);
        free(tour);
        free(r.ev);
    }
}

/* The step the cursor shows holds its captions, and only those. */
static void viz_tour_in_a_step(void **state)
{
    (void)state;
    recorder_t r = run_seeded("tour", 4, 1);
    viz_tour_t *tour = malloc(sizeof *tour);
    assert_non_null(tour);
    assert_int_equal(viz_tour_init(tour, "ws", 4, "tour", names, NULL), 0);
    for (size_t i = 0; i < r.n; i++)
        viz_tour_feed(tour, &r.ev[i]);
    size_t at = 99;
    assert_int_equal(viz_tour_in(tour, 1, r.n, &at), tour->n_captions);
    assert_int_equal(at, 0);
    for (size_t k = 0; k < tour->n_captions; k++) {
        uint64_t seq = tour->captions[k].seq;
        size_t n = viz_tour_in(tour, seq, seq, &at);
        assert_true(n >= 1);
        assert_true(at <= k && k < at + n);
        assert_int_equal(tour->captions[at].seq, seq);
    }
    /* the events before the first caption hold none */
    uint64_t first = tour->captions[0].seq;
    if (first > 1)
        assert_int_equal(viz_tour_in(tour, 1, first - 1, &at), 0);
    viz_tour_destroy(tour);
    free(tour);
    free(r.ev);
}

static void viz_tour_applies_to_ws_tour(void **state)
{
    (void)state;
    assert_true(viz_tour_applies("tour", "ws"));
    assert_false(viz_tour_applies("tour", "notify"));
    assert_false(viz_tour_applies("fanout", "ws"));
    assert_false(viz_tour_applies(NULL, "ws"));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(viz_tour_seed_1),
        cmocka_unit_test(viz_tour_seed_7),
        cmocka_unit_test(viz_tour_word_check_bites),
        cmocka_unit_test(viz_tour_other_runs_stay_true),
        cmocka_unit_test(viz_tour_in_a_step),
        cmocka_unit_test(viz_tour_applies_to_ws_tour),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("viz_tour", tests, NULL, NULL);
}
