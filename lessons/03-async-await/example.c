/*
 * lessons/03-async-await/example.c - async/await in C, watched poll by poll.
 *
 *     asynclab lesson 3 --run
 *
 * A `trip` future awaits two child futures (`leg`s), each of which awaits
 * a widget and yields once: a tree of five futures in one struct, one
 * task. After every poll we print each future's resume point - the
 * `async` field the macros keep, which is a line number of this file.
 */
#include <stdio.h>

#include "scenarios/widget.h"
#include "core/async.h"

typedef struct leg {
    future_t base;
    async_t async; /* resume point: 0, a line below, or ASYNC_DONE */
    const char *name;
    widget_t widget; /* a child, inline */
} leg_t;

static poll_t leg_poll(future_t *f, context_t *cx)
{
    leg_t *self = (leg_t *)f;
    ASYNC_BEGIN(self);
    printf("    %s: started, awaiting its widget\n", self->name);
    AWAIT(self, cx, &self->widget.base);
    printf("    %s: widget ready (%d), yielding once\n", self->name,
           self->widget.value);
    YIELD_NOW(self, cx);
    printf("    %s: done\n", self->name);
    ASYNC_END(self);
}

typedef struct trip {
    future_t base;
    async_t async;
    leg_t out, back; /* two children, inline: no allocation */
} trip_t;

static poll_t trip_poll(future_t *f, context_t *cx)
{
    trip_t *self = (trip_t *)f;
    ASYNC_BEGIN(self);
    AWAIT(self, cx, &self->out.base);
    AWAIT(self, cx, &self->back.base);
    ASYNC_END(self);
}

static void leg_init(leg_t *l, const char *name, int pendings, int value)
{
    *l = (leg_t){.base = {leg_poll, NULL}, .name = name};
    widget_init(&l->widget, pendings, value);
}

int main(void)
{
    trip_t trip = {.base = {trip_poll, NULL}};
    leg_init(&trip.out, "out ", 1, 10);
    leg_init(&trip.back, "back", 2, 20);

    waker_t w = waker_noop();
    context_t cx = {.waker = &w};
    printf("resume points are line numbers of example.c (-1: done)\n\n");
    for (int poll = 1;; poll++) {
        printf("poll %d of the trip:\n", poll);
        poll_t r = future_poll(&trip.base, &cx);
        printf("  -> %-7s  trip at line %d, out at %d, back at %d\n",
               r == POLL_READY ? "READY" : "PENDING", trip.async,
               trip.out.async, trip.back.async);
        if (r == POLL_READY)
            break;
    }
    printf("\nOne struct of %zu bytes held the whole tree between polls.\n",
           sizeof trip);
    return 0;
}
