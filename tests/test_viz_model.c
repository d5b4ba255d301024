/*
 * tests/test_viz_model.c - the visualizer's model, fed known event
 * sequences: queues, worker states, task states, counters, warnings and the
 * log in words. No terminal, no executor.
 *
 * Run one test: ./build/tests/test_viz_model viz_model_steal_moves_oldest
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/future.h"
#include "core/poll_watch.h"
#include "visualizer/model.h"

/* ---- helpers ------------------------------------------------------------- */

static const char *const NAMES[] = {NULL, "root", "leaf", "sleeper"};

static const char *test_name(void *ctx, uint64_t id)
{
    (void)ctx;
    return id < 4 ? NAMES[id] : NULL;
}

static uint64_t now_ns;

static void feed(viz_model_t *m, uint32_t kind, uint32_t worker, uint64_t task,
                 uint64_t a, uint64_t b)
{
    trace_event_t ev = {.time_ns = now_ns,
                        .task = task,
                        .a = a,
                        .b = b,
                        .worker = worker,
                        .kind = kind};
    viz_model_apply(m, &ev);
}

static viz_model_t *model(const char *exec, uint32_t workers)
{
    viz_model_t *m = malloc(sizeof *m);
    assert_non_null(m);
    assert_int_equal(viz_model_init(m, exec, workers, "test", test_name, NULL),
                     0);
    now_ns = 1000;
    return m;
}

static void model_free(viz_model_t *m)
{
    viz_model_destroy(m);
    free(m);
}

static void spawn(viz_model_t *m, uint64_t task, uint64_t name)
{
    feed(m, TRACE_SPAWN, 0, task, 0, name);
}

static void assert_queue(const viz_queue_t *q, const uint64_t *ids, size_t n)
{
    assert_int_equal(viz_queue_len(q), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(viz_queue_at(q, i), ids[i]);
}

static bool has_warning(const viz_model_t *m, viz_warning_kind_t kind,
                        uint64_t task)
{
    for (size_t i = 0; i < m->n_warnings; i++)
        if (m->warnings[i].kind == kind && m->warnings[i].task == task)
            return true;
    return false;
}

/* ---- spin and notify ----------------------------------------------------- */

static void viz_model_spin_deque_and_wasted_polls(void **state)
{
    (void)state;
    viz_model_t *m = model("spin", 1);
    for (uint64_t t = 1; t <= 3; t++) {
        spawn(m, t, 2);
        feed(m, TRACE_SCHEDULE, 0, t, TRACE_Q_READY, 0);
    }
    assert_queue(&m->ready, (uint64_t[]){1, 2, 3}, 3);

    feed(m, TRACE_POLL_START, 0, 1, 0, 0);
    assert_queue(&m->ready, (uint64_t[]){2, 3}, 2);
    assert_int_equal(m->worker[0].state, VIZ_WORKER_POLLING);
    assert_int_equal(m->worker[0].task, 1);
    assert_int_equal(viz_model_task(m, 1)->state, VIZ_TASK_RUNNING);
    feed(m, TRACE_POLL_END, 0, 1, POLL_PENDING, 0);
    feed(m, TRACE_SCHEDULE, 0, 1, TRACE_Q_READY, 0);
    assert_queue(&m->ready, (uint64_t[]){2, 3, 1}, 3);
    assert_int_equal(viz_model_task(m, 1)->state, VIZ_TASK_QUEUED);

    feed(m, TRACE_POLL_START, 0, 2, 0, 0);
    feed(m, TRACE_POLL_END, 0, 2, POLL_READY, 0);
    feed(m, TRACE_COMPLETE, 0, 2, 0, 0);
    assert_int_equal(viz_model_task(m, 2)->state, VIZ_TASK_DONE);
    assert_int_equal(m->worker[0].state, VIZ_WORKER_IDLE);

    assert_int_equal(m->c.spawned, 3);
    assert_int_equal(m->c.polls, 2);
    assert_int_equal(m->c.pending_polls, 1); /* the wasted poll */
    assert_int_equal(m->c.completed, 1);
    assert_int_equal(m->c.max_queue, 3);
    assert_int_equal(viz_model_task(m, 1)->pending_polls, 1);
    model_free(m);
}

static void viz_model_notify_ready_and_waiting(void **state)
{
    (void)state;
    viz_model_t *m = model("notify", 1);
    spawn(m, 1, 3);
    feed(m, TRACE_SCHEDULE, 0, 1, TRACE_Q_READY, 0);
    feed(m, TRACE_POLL_START, 0, 1, 0, 0);
    feed(m, TRACE_POLL_END, 0, 1, POLL_PENDING, 0);
    const viz_task_t *t = viz_model_task(m, 1);
    assert_int_equal(t->state, VIZ_TASK_WAITING);
    assert_int_equal(viz_queue_len(&m->ready), 0);

    feed(m, TRACE_WAKE, 0, 1, TRACE_BY_TIMER, 0);
    assert_int_equal(t->woken_by, TRACE_BY_TIMER);
    assert_int_equal(t->wakes, 1);
    feed(m, TRACE_SCHEDULE, 0, 1, TRACE_Q_REMOTE, 0);
    assert_int_equal(t->state, VIZ_TASK_QUEUED);
    assert_queue(&m->remote, (uint64_t[]){1}, 1);
    feed(m, TRACE_POLL_START, 0, 1, 0, 0);
    assert_int_equal(viz_queue_len(&m->remote), 0);
    assert_int_equal(t->polls, 2);
    model_free(m);
}

/* ---- work stealing ------------------------------------------------------- */

static void viz_model_ws_ring_lifo_and_inject(void **state)
{
    (void)state;
    viz_model_t *m = model("ws", 2);
    feed(m, TRACE_SCHEDULE, 0, 1, TRACE_Q_LOCAL, 0);
    feed(m, TRACE_SCHEDULE, 0, 2, TRACE_Q_LIFO, 0);
    assert_int_equal(m->worker[0].lifo, 2);
    /* a new LIFO task pushes the old one to the back of the ring */
    feed(m, TRACE_SCHEDULE, 0, 3, TRACE_Q_LIFO, 0);
    assert_int_equal(m->worker[0].lifo, 3);
    assert_queue(&m->worker[0].ring, (uint64_t[]){1, 2}, 2);
    feed(m, TRACE_SCHEDULE, TRACE_NO_WORKER, 4, TRACE_Q_INJECT, 0);
    assert_queue(&m->inject, (uint64_t[]){4}, 1);

    feed(m, TRACE_POLL_START, 0, 3, 0, 0);
    assert_int_equal(m->worker[0].lifo, 0);
    feed(m, TRACE_POLL_END, 0, 3, POLL_READY, 0);
    feed(m, TRACE_POLL_START, 1, 4, 0, 0);
    assert_int_equal(viz_queue_len(&m->inject), 0);
    assert_int_equal(m->worker[1].state, VIZ_WORKER_POLLING);
    assert_int_equal(m->worker[1].task, 4);
    assert_int_equal(viz_model_task(m, 4)->worker, 1);
    model_free(m);
}

static void viz_model_steal_moves_oldest_from_victim(void **state)
{
    (void)state;
    viz_model_t *m = model("ws", 2);
    for (uint64_t t = 1; t <= 8; t++)
        feed(m, TRACE_SCHEDULE, 0, t, TRACE_Q_LOCAL, 0);
    feed(m, TRACE_SEARCH, 1, 0, 0, 0);
    assert_int_equal(m->worker[1].state, VIZ_WORKER_SEARCHING);
    feed(m, TRACE_STEAL, 1, 0, 0, 4);
    assert_queue(&m->worker[0].ring, (uint64_t[]){5, 6, 7, 8}, 4);
    assert_queue(&m->worker[1].ring, (uint64_t[]){1, 2, 3, 4}, 4);
    assert_int_equal(viz_model_task(m, 2)->worker, 1);
    assert_int_equal(m->c.steals, 1);
    assert_int_equal(m->c.stolen, 4);
    assert_int_equal(m->worker[1].steal_seq, m->seq);
    assert_int_equal(m->worker[1].steal_from, 0);
    assert_string_equal(viz_model_log(m, 0)->text, "w1 stole 4 tasks from w0");
    /* the stolen task leaves the thief's ring when polled there */
    feed(m, TRACE_POLL_START, 1, 1, 0, 0);
    assert_queue(&m->worker[1].ring, (uint64_t[]){2, 3, 4}, 3);
    /* a steal of more than the ring holds moves what is there */
    feed(m, TRACE_STEAL, 0, 0, 1000, 3); /* no such victim: nothing moves */
    assert_int_equal(viz_queue_len(&m->worker[0].ring), 4);
    feed(m, TRACE_STEAL, 0, 0, 1, 10);
    assert_queue(&m->worker[0].ring, (uint64_t[]){5, 6, 7, 8, 2, 3, 4}, 7);
    model_free(m);
}

static void viz_model_park_and_driver_holder(void **state)
{
    (void)state;
    viz_model_t *m = model("ws", 2);
    feed(m, TRACE_PARK, 0, 0, 1, 0);
    feed(m, TRACE_PARK, 1, 0, 0, 0);
    assert_int_equal(m->worker[0].state, VIZ_WORKER_DRIVER);
    assert_int_equal(m->worker[1].state, VIZ_WORKER_PARKED);
    assert_int_equal(m->driver.holder, 0);
    feed(m, TRACE_UNPARK, 0, 0, 1, 0);
    assert_int_equal(m->worker[0].state, VIZ_WORKER_IDLE);
    assert_int_equal(m->driver.holder, -1);
    assert_int_equal(m->c.parks, 2);
    assert_int_equal(m->c.unparks, 1);
    /* a worker beyond the lanes given adds lanes; one beyond the limit is
     * ignored */
    feed(m, TRACE_PARK, 5, 0, 0, 0);
    assert_int_equal(m->workers, 6);
    feed(m, TRACE_PARK, 5000, 0, 0, 0);
    assert_int_equal(m->workers, 6);
    model_free(m);
}

static void viz_model_timers_and_wheel_levels(void **state)
{
    (void)state;
    viz_model_t *m = model("notify", 1);
    feed(m, TRACE_TIMER_ADD, 0, 1, 100, 0);
    feed(m, TRACE_TIMER_ADD, 0, 2, 5000, 0);
    feed(m, TRACE_TIMER_ADD, 0, 3, 30, 0);
    assert_int_equal(m->driver.n_timers, 3);
    assert_int_equal(viz_timer_level(30, 0), 0);
    assert_int_equal(viz_timer_level(100, 0), 1);
    assert_int_equal(viz_timer_level(5000, 0), 2);
    assert_int_equal(viz_timer_level(64, 63), 1);
    assert_int_equal(viz_timer_level(10, 20), 0);
    feed(m, TRACE_TIMER_FIRE, TRACE_NO_WORKER, 0, 30, 0); /* task unknown */
    assert_int_equal(m->driver.n_timers, 2);
    assert_int_equal(m->driver.now_ms, 30);
    feed(m, TRACE_TIMER_CANCEL, 0, 2, 5000, 0);
    assert_int_equal(m->driver.n_timers, 1);
    assert_int_equal(m->driver.timers[0].task, 1);
    feed(m, TRACE_IO_REGISTER, 0, 1, 7, 0);
    feed(m, TRACE_IO_REGISTER, 0, 1, 7, 0);
    assert_int_equal(m->driver.n_fds, 1);
    feed(m, TRACE_DRIVER_TURN, TRACE_NO_WORKER, 0, 2, 1);
    assert_int_equal(m->c.driver_turns, 1);
    assert_int_equal(m->driver.last_io, 2);
    feed(m, TRACE_IO_DEREGISTER, 0, 0, 7, 0);
    assert_int_equal(m->driver.n_fds, 0);
    model_free(m);
}

/* ---- warnings ------------------------------------------------------------ */

static void viz_model_warns_lost_waker_once(void **state)
{
    (void)state;
    viz_model_t *m = model("notify", 1);
    spawn(m, 1, 3);
    feed(m, TRACE_LOST_WAKER, 0, 1, 0, 0);
    feed(m, TRACE_LOST_WAKER, 0, 1, 0, 0);
    assert_int_equal(m->n_warnings, 1);
    assert_true(has_warning(m, VIZ_WARN_LOST_WAKER, 1));
    assert_non_null(strstr(m->warnings[0].text, "t1 'sleeper'"));
    assert_true(viz_model_task(m, 1)->lost);
    assert_int_equal(m->c.lost_wakers, 2);
    model_free(m);
}

static void viz_model_warns_when_self_wakes_dominate(void **state)
{
    (void)state;
    viz_model_t *m = model("notify", 1);
    spawn(m, 1, 2);
    spawn(m, 2, 2);
    /* task 1: 2 self of 4 wakes, exactly half: no warning */
    feed(m, TRACE_SELF_WAKE, 0, 1, 0, 0);
    feed(m, TRACE_WAKE, 0, 1, TRACE_BY_TASK, 1); /* self, said as WAKE */
    feed(m, TRACE_WAKE, 0, 1, TRACE_BY_TIMER, 0);
    feed(m, TRACE_WAKE, 0, 1, TRACE_BY_TASK, 2);
    assert_false(has_warning(m, VIZ_WARN_SELF_WAKES, 1));
    assert_int_equal(viz_model_task(m, 1)->self_wakes, 2);
    /* task 2: a WAKE by itself followed by the SELF_WAKE repeating it
     * counts once */
    for (int i = 0; i < 4; i++) {
        feed(m, TRACE_WAKE, 0, 2, TRACE_BY_TASK, 2);
        feed(m, TRACE_SELF_WAKE, 0, 2, 0, 0);
    }
    assert_int_equal(viz_model_task(m, 2)->wakes, 4);
    assert_int_equal(viz_model_task(m, 2)->self_wakes, 4);
    assert_true(has_warning(m, VIZ_WARN_SELF_WAKES, 2));
    assert_int_equal(m->n_warnings, 1);
    assert_int_equal(m->c.wakes, 8);
    assert_int_equal(m->c.self_wakes, 6);
    /* another 'leaf' doing the same: the warning is not repeated; an
     * unnamed task gets its own */
    spawn(m, 3, 2);
    spawn(m, 4, 0);
    for (int i = 0; i < 4; i++) {
        feed(m, TRACE_SELF_WAKE, 0, 3, 0, 0);
        feed(m, TRACE_SELF_WAKE, 0, 4, 0, 0);
    }
    assert_true(viz_model_task(m, 3)->warned_self);
    assert_false(has_warning(m, VIZ_WARN_SELF_WAKES, 3));
    assert_true(has_warning(m, VIZ_WARN_SELF_WAKES, 4));
    assert_int_equal(m->n_warnings, 2);
    model_free(m);
}

static void viz_model_warns_about_a_poll_over_10ms(void **state)
{
    (void)state;
    viz_model_t *m = model("ws", 2);
    spawn(m, 1, 1);
    spawn(m, 2, 1);
    feed(m, TRACE_POLL_START, 0, 1, 0, 0);
    now_ns += 9000000; /* 9 ms: fine */
    feed(m, TRACE_POLL_END, 0, 1, POLL_PENDING, 0);
    assert_false(has_warning(m, VIZ_WARN_SLOW_POLL, 1));
    /* b is no duration: the model measures between the two events */
    feed(m, TRACE_POLL_START, 1, 2, 0, 0);
    now_ns += 25000000;
    feed(m, TRACE_POLL_END, 1, 2, POLL_PENDING, 0);
    assert_true(has_warning(m, VIZ_WARN_SLOW_POLL, 2));
    assert_non_null(strstr(m->warnings[0].text, "held w1 for 25 ms"));
    assert_int_equal(m->c.slow_polls, 1);
    assert_int_equal(viz_model_task(m, 2)->busy_ns, 25000000);
    model_free(m);
}

/*
 * Where a slow poll's time went, as core/poll_watch.h measures it and puts
 * it in POLL_END's b: injected here, so every verdict is seen on any
 * machine. One 25 ms poll in a fresh model each (warnings are once per
 * task name); the one warning's kind and text.
 */
static char verdict[VIZ_LINE];

static viz_warning_kind_t slow_poll(uint64_t b)
{
    viz_model_t *m = model("notify", 1);
    spawn(m, 1, 3);
    feed(m, TRACE_POLL_START, 0, 1, 0, 0);
    now_ns += 25000000;
    feed(m, TRACE_POLL_END, 0, 1, POLL_PENDING, b);
    assert_int_equal(m->n_warnings, 1);
    viz_warning_kind_t kind = m->warnings[0].kind;
    snprintf(verdict, sizeof verdict, "%s", m->warnings[0].text);
    const viz_task_t *t = viz_model_task(m, 1);
    /* Descheduled polls are not slow polls: counted apart, not marked. */
    bool desched = kind == VIZ_WARN_DESCHEDULED;
    assert_int_equal(m->c.slow_polls, !desched);
    assert_int_equal(m->c.descheduled_polls, desched);
    assert_int_equal(t->warned_slow, !desched);
    assert_int_equal(t->warned_desched, desched);
    model_free(m);
    return kind;
}

static void viz_model_tells_blocking_from_descheduled(void **state)
{
    (void)state;
    /* Asleep in a call (nanosleep): 0.1 ms CPU, no waiting. */
    assert_int_equal(slow_poll(poll_watch_pack(100000, 0, true)),
                     VIZ_WARN_SLOW_POLL);
    assert_string_equal(verdict, "t1 'sleeper' held the executor for 25 ms "
                                 "in one poll (blocking call?)");
    /* 3 ms of CPU, 20 ms waiting for one: only 5 ms its own. */
    assert_int_equal(slow_poll(poll_watch_pack(3000000, 20000000, true)),
                     VIZ_WARN_DESCHEDULED);
    assert_string_equal(verdict,
                        "t1 'sleeper': a poll took 25 ms, 20 of them waiting "
                        "for a CPU: descheduled (the machine is busy)");
    assert_null(strstr(verdict, "blocking call?"));
    /* On a CPU the whole time: a long computation. */
    assert_int_equal(slow_poll(poll_watch_pack(24000000, 500000, true)),
                     VIZ_WARN_SLOW_POLL);
    assert_string_equal(verdict, "t1 'sleeper' held the executor for 25 ms "
                                 "in one poll (blocking call? 24 ms on a "
                                 "CPU)");
    /* Little CPU, the waiting time unknown: either. */
    assert_int_equal(slow_poll(poll_watch_pack(1000000, 0, false)),
                     VIZ_WARN_SLOW_POLL);
    assert_string_equal(verdict, "t1 'sleeper' held the executor for 25 ms "
                                 "in one poll, 1 ms on a CPU (blocking call, "
                                 "or descheduled?)");
    /* Not measured (a simulation, an older trace): wall time alone. */
    assert_int_equal(slow_poll(0), VIZ_WARN_SLOW_POLL);
    assert_string_equal(verdict, "t1 'sleeper' held the executor for 25 ms "
                                 "in one poll (blocking call?)");
    /* Waited 14 of 25 ms, but still held it 11 ms of its own. */
    assert_int_equal(slow_poll(poll_watch_pack(200000, 14000000, true)),
                     VIZ_WARN_SLOW_POLL);
    assert_string_equal(verdict, "t1 'sleeper' held the executor for 25 ms "
                                 "in one poll (blocking call?)");
}

static void viz_model_judges_any_b(void **state)
{
    (void)state;
    uint64_t cpu, wait;
    /* At or under the threshold nothing is judged, whatever b says. */
    assert_int_equal(viz_judge_poll(VIZ_SLOW_POLL_NS, UINT64_MAX, &cpu, &wait),
                     VIZ_POLL_FINE);
    /* Figures over the wall time (the mark is before the poll) are cut to
     * it: all waiting means descheduled, never an underflow. */
    assert_int_equal(viz_judge_poll(20000000,
                                    poll_watch_pack(0, 900000000000u, true),
                                    &cpu, &wait),
                     VIZ_POLL_DESCHEDULED);
    assert_int_equal(wait, 20000000);
    assert_int_equal(viz_judge_poll(20000000, 0xfffffffefffffffeull, &cpu,
                                    &wait),
                     VIZ_POLL_DESCHEDULED);
    assert_int_equal(cpu, 20000000);
    /* All ones: CPU the whole time, waiting unknown. */
    assert_int_equal(viz_judge_poll(20000000, UINT64_MAX, &cpu, &wait),
                     VIZ_POLL_BUSY);
    /* A CPU time of 0 still makes b nonzero: measured. */
    assert_int_not_equal(poll_watch_pack(0, 0, true), 0);
    assert_int_equal(poll_watch_cpu_us(poll_watch_pack(0, 0, true)), 1);
    assert_int_equal(poll_watch_wait_us(poll_watch_pack(0, 0, false)),
                     POLL_WATCH_UNKNOWN);
    assert_int_equal(poll_watch_cpu_us(poll_watch_pack(UINT64_MAX, 0, true)),
                     POLL_WATCH_US_MAX);
}

static void viz_model_log_says_where_a_slow_poll_went(void **state)
{
    (void)state;
    viz_model_t *m = model("ws", 2);
    spawn(m, 1, 3);
    feed(m, TRACE_POLL_START, 1, 1, 0, 0);
    now_ns += 25000000;
    feed(m, TRACE_POLL_END, 1, 1, POLL_PENDING,
         poll_watch_pack(41000, 1200000, true));
    assert_string_equal(viz_model_log(m, 0)->text,
                        "w1 t1 'sleeper' -> Pending after 25.0 ms (41 us on "
                        "a CPU, 1.2 ms waiting for one)");
    feed(m, TRACE_POLL_START, 1, 1, 0, 0);
    now_ns += 2000000;
    feed(m, TRACE_POLL_END, 1, 1, POLL_READY,
         poll_watch_pack(1900000, 0, false));
    assert_string_equal(viz_model_log(m, 0)->text,
                        "w1 t1 'sleeper' -> Ready after 2.0 ms (1.9 ms on a "
                        "CPU)");
    model_free(m);
}

/* ---- time, the log, replay, garbage -------------------------------------- */

static void viz_model_counts_busy_and_idle_time(void **state)
{
    (void)state;
    viz_model_t *m = model("notify", 1);
    spawn(m, 1, 1);
    feed(m, TRACE_SCHEDULE, 0, 1, TRACE_Q_READY, 0);
    now_ns += 100; /* queued 100 */
    feed(m, TRACE_POLL_START, 0, 1, 0, 0);
    now_ns += 300; /* busy 300 */
    feed(m, TRACE_POLL_END, 0, 1, POLL_PENDING, 0);
    now_ns += 600; /* idle 600 */
    feed(m, TRACE_SCHEDULE, 0, 1, TRACE_Q_READY, 0);
    const viz_task_t *t = viz_model_task(m, 1);
    assert_int_equal(t->queued_ns, 100);
    assert_int_equal(t->busy_ns, 300);
    assert_int_equal(t->idle_ns, 600);
    assert_int_equal(m->now_ns, 1000);
    model_free(m);
}

static void viz_model_log_speaks_words(void **state)
{
    (void)state;
    viz_model_t *m = model("ws", 2);
    spawn(m, 1, 1);
    feed(m, TRACE_SPAWN, 0, 2, 1, 3);
    assert_string_equal(viz_model_log(m, 0)->text,
                        "t1 'root' spawned t2 'sleeper'");
    feed(m, TRACE_WAKE, 0, 2, TRACE_BY_TIMER, 0);
    assert_string_equal(viz_model_log(m, 0)->text, "timer woke t2 'sleeper'");
    feed(m, TRACE_WAKE, 0, 2, TRACE_BY_TASK, 1);
    assert_string_equal(viz_model_log(m, 0)->text,
                        "t1 'root' woke t2 'sleeper'");
    feed(m, TRACE_SCHEDULE, 1, 2, TRACE_Q_LIFO, 0);
    assert_string_equal(viz_model_log(m, 0)->text,
                        "t2 'sleeper' into w1's LIFO slot");
    feed(m, TRACE_POLL_END, 1, 2, POLL_READY, 1500);
    assert_string_equal(viz_model_log(m, 0)->text, "w1 t2 'sleeper' -> Ready");
    feed(m, TRACE_PARK, 1, 0, 1, 0);
    assert_string_equal(viz_model_log(m, 0)->text,
                        "w1 parked in the driver (holds it)");
    assert_string_equal(viz_model_log(m, 6)->text, "t1 'root' spawned");
    assert_null(viz_model_log(m, 7));
    model_free(m);
}

/* Words that stayed wrong or stale (issue 17): each failed before. */
static void viz_model_words_stay_true(void **state)
{
    (void)state;
    viz_model_t *m = model("ws", 2);
    /* a newcomer in the LIFO slot pushes the old one out: said, and kept */
    feed(m, TRACE_SCHEDULE, 0, 1, TRACE_Q_LIFO, 0);
    feed(m, TRACE_SCHEDULE, 0, 2, TRACE_Q_LIFO, 0);
    assert_string_equal(viz_model_log(m, 0)->text,
                        "t2 into w0's LIFO slot, bumping t1 to the back of "
                        "w0's ring");
    assert_int_equal(m->worker[0].bumped, 1);
    assert_int_equal(m->worker[0].bumped_seq, m->seq);
    /* the same task again is no bump */
    feed(m, TRACE_SCHEDULE, 0, 2, TRACE_Q_LIFO, 0);
    assert_string_equal(viz_model_log(m, 0)->text, "t2 into w0's LIFO slot");
    /* a steal knows which tasks it moved, and the victim knows it lost them */
    for (uint64_t t = 3; t <= 6; t++)
        feed(m, TRACE_SCHEDULE, 0, t, TRACE_Q_LOCAL, 0);
    feed(m, TRACE_STEAL, 1, 0, 0, 2); /* ring: 1 3 4 5 6 */
    assert_int_equal(m->worker[1].steal_first, 1);
    assert_int_equal(m->worker[1].steal_last, 3);
    assert_int_equal(m->worker[0].robbed_seq, m->seq);
    assert_int_equal(m->worker[0].robbed_by, 1);
    assert_int_equal(m->worker[0].robbed_count, 2);
    /* readiness for writing alone: no empty "( write)" */
    feed(m, TRACE_IO_READY, TRACE_NO_WORKER, 0, 7, 2);
    assert_string_equal(viz_model_log(m, 0)->text, "fd 7 ready (write)");
    feed(m, TRACE_IO_READY, TRACE_NO_WORKER, 0, 7, 3);
    assert_string_equal(viz_model_log(m, 0)->text, "fd 7 ready (read write)");
    feed(m, TRACE_IO_READY, TRACE_NO_WORKER, 0, 7, 1);
    assert_string_equal(viz_model_log(m, 0)->text, "fd 7 ready (read)");
    model_free(m);

    m = model("notify", 1);
    /* spawned from another thread into the remote queue: not "woken" */
    spawn(m, 1, 2);
    feed(m, TRACE_SCHEDULE, 0, 1, TRACE_Q_REMOTE, 0);
    assert_string_equal(viz_model_log(m, 0)->text,
                        "t1 'leaf' into the remote queue (spawned from "
                        "another thread)");
    feed(m, TRACE_POLL_START, 0, 1, 0, 0);
    feed(m, TRACE_POLL_END, 0, 1, POLL_PENDING, 0);
    feed(m, TRACE_WAKE, 0, 1, TRACE_BY_THREAD, 0);
    feed(m, TRACE_SCHEDULE, 0, 1, TRACE_Q_REMOTE, 0);
    assert_string_equal(viz_model_log(m, 0)->text,
                        "t1 'leaf' into the remote queue (woken from another "
                        "thread)");
    /* the self-wake warning says what was true when it was raised, so it
     * does not go stale while the task keeps yielding */
    spawn(m, 2, 2);
    for (int i = 0; i < 4; i++)
        feed(m, TRACE_SELF_WAKE, 0, 2, 0, 0);
    assert_int_equal(m->n_warnings, 1);
    uint64_t at = m->seq;
    for (int i = 0; i < 8; i++)
        feed(m, TRACE_SELF_WAKE, 0, 2, 0, 0);
    assert_int_equal(m->warnings[0].seq, at);
    assert_string_equal(m->warnings[0].text,
                        "t2 'leaf': 4 of its first 4 wakes were its own (busy "
                        "yielding instead of waiting?)");
    model_free(m);
}

/* A small deterministic PRNG (xorshift64*), for the garbage test. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static void feed_random(viz_model_t *m, uint64_t seed, int n, bool wild)
{
    uint64_t s = seed;
    for (int i = 0; i < n; i++) {
        uint64_t r = rnd(&s);
        trace_event_t ev = {
            .time_ns = (uint64_t)i * 1000,
            .kind = 1 + (uint32_t)(r % (TRACE_KIND_COUNT - 1)),
            .task = 1 + (r >> 8) % 20,
            .worker = (uint32_t)((r >> 16) % 4),
            .a = (r >> 24) % 6,
            .b = (r >> 32) % 6,
        };
        if (wild) {
            ev.task = rnd(&s);
            ev.worker = (uint32_t)rnd(&s);
            ev.a = rnd(&s);
            ev.b = rnd(&s);
            ev.time_ns = rnd(&s);
        }
        viz_model_apply(m, &ev);
    }
}

static void viz_model_reset_replays_identically(void **state)
{
    (void)state;
    viz_model_t *m = model("ws", 4);
    feed_random(m, 42, 3000, false);
    viz_counters_t c = m->c;
    size_t tasks = m->n_tasks, warnings = m->n_warnings;
    uint64_t ring0 = viz_queue_len(&m->worker[0].ring);
    char last[VIZ_LINE];
    strcpy(last, viz_model_log(m, 0)->text);

    viz_model_reset(m);
    assert_int_equal(m->seq, 0);
    assert_int_equal(m->n_tasks, 0);
    feed_random(m, 42, 3000, false);
    assert_memory_equal(&c, &m->c, sizeof c);
    assert_int_equal(m->n_tasks, tasks);
    assert_int_equal(m->n_warnings, warnings);
    assert_int_equal(viz_queue_len(&m->worker[0].ring), ring0);
    assert_string_equal(viz_model_log(m, 0)->text, last);
    model_free(m);
}

static void viz_model_tolerates_garbage(void **state)
{
    (void)state;
    viz_model_t *m = model("ws", 4);
    feed_random(m, 7, 20000, true);
    assert_int_equal(m->c.events, 20000);
    assert_true(m->workers <= VIZ_MAX_WORKERS);
    viz_model_set_dropped(m, 12);
    assert_true(has_warning(m, VIZ_WARN_DROPPED, 0));
    model_free(m);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(viz_model_spin_deque_and_wasted_polls),
        cmocka_unit_test(viz_model_notify_ready_and_waiting),
        cmocka_unit_test(viz_model_ws_ring_lifo_and_inject),
        cmocka_unit_test(viz_model_steal_moves_oldest_from_victim),
        cmocka_unit_test(viz_model_park_and_driver_holder),
        cmocka_unit_test(viz_model_timers_and_wheel_levels),
        cmocka_unit_test(viz_model_warns_lost_waker_once),
        cmocka_unit_test(viz_model_warns_when_self_wakes_dominate),
        cmocka_unit_test(viz_model_warns_about_a_poll_over_10ms),
        cmocka_unit_test(viz_model_tells_blocking_from_descheduled),
        cmocka_unit_test(viz_model_judges_any_b),
        cmocka_unit_test(viz_model_log_says_where_a_slow_poll_went),
        cmocka_unit_test(viz_model_counts_busy_and_idle_time),
        cmocka_unit_test(viz_model_log_speaks_words),
        cmocka_unit_test(viz_model_words_stay_true),
        cmocka_unit_test(viz_model_reset_replays_identically),
        cmocka_unit_test(viz_model_tolerates_garbage),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests_name("viz_model", tests, NULL, NULL);
}
