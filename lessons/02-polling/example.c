/*
 * lessons/02-polling/example.c - be the executor: poll a future by hand.
 *
 *     asynclab lesson 2 --run
 *
 * A widget (scenarios/widget.c, from Tokio's "Runtime Model" docs) answers
 * PENDING a set number of times, then READY. We poll it in a loop, with a
 * counting waker so we can see what it does with the waker it is given,
 * and print the state machine's every step.
 */
#include <stdio.h>

#include "scenarios/widget.h"
#include "core/future.h"
#include "core/waker.h"

static const char *name(poll_t p)
{
    return p == POLL_READY ? "READY" : "PENDING";
}

int main(void)
{
    widget_t w;
    widget_init(&w, 3, 42); /* PENDING three times, then READY: 42 */

    counting_waker_t counts;
    waker_t waker = counting_waker(&counts);
    context_t cx = {.waker = &waker};

    printf("A widget that is not ready 3 times, then worth 42.\n\n");
    for (int poll = 1;; poll++) {
        int before = w.pendings;
        poll_t r = future_poll(&w.base, &cx);
        printf("poll %d: pendings %d -> %d, answer %-7s, waker woken %d "
               "time(s) so far\n",
               poll, before, w.pendings, name(r), atomic_load(&counts.wakes));
        if (r == POLL_READY)
            break;
    }
    printf("\nThe output, read from the struct: %d\n", w.value);

    /* The same thing one level up: a task that awaits its widget. */
    widget_task_t t;
    widget_task_init_hand(&t, 2, 7, NULL);
    printf("\nA widget task (hand-written state machine, scenarios/widget.c):\n");
    for (int poll = 1;; poll++) {
        widget_task_state_t before = t.state;
        poll_t r = future_poll(&t.base, &cx);
        printf("poll %d: state %d -> %d, answer %s\n", poll, (int)before,
               (int)t.state, name(r));
        if (r == POLL_READY)
            break;
    }
    printf("output %d. States: 0 START, 1 WAITING, 2 DONE.\n", t.output);
    printf("\nNothing blocked, no thread waited: the future's whole life "
           "is in its struct.\n");
    return 0;
}
