/*
 * examples/hello_sleep.c - a program of your own on asynclab: a few tasks
 * that each sleep, on the executor you name, and a line as each finishes.
 *
 *     cc hello_sleep.c $(pkg-config --cflags --libs asynclab) -o hello_sleep
 *     ./hello_sleep            # the notify executor
 *     ./hello_sleep ws         # or spin, notify, ws
 *
 * (With asynclab installed under a prefix of your own, point pkg-config at
 * it: PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig.) The future is a struct whose
 * first member is a future_t; its poll is an async function written with
 * core/async.h's macros, and it awaits driver/time.h's sleep. The three
 * naps run at the same time: the whole run takes as long as the longest.
 *
 * Tests: tests/install.sh builds it against an installed asynclab.
 */
#include <stdio.h>
#include <time.h>

#include "bench/executors.h"
#include "core/async.h"
#include "core/executor.h"
#include "driver/time.h"

static struct timespec started;

static unsigned long long elapsed_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (unsigned long long)((now.tv_sec - started.tv_sec) * 1000 +
                                (now.tv_nsec - started.tv_nsec) / 1000000);
}

typedef struct nap {
    future_t base; /* first: a nap_t is a future */
    async_t async; /* where the async function is */
    sleep_t sleep;
    int id;
    unsigned ms;
} nap_t;

static poll_t nap_poll(future_t *f, context_t *cx)
{
    nap_t *self = (nap_t *)f;
    ASYNC_BEGIN(self);
    AWAIT(self, cx, &self->sleep.base);
    printf("nap %d: slept %u ms, done at %llu ms\n", self->id, self->ms,
           elapsed_ms());
    ASYNC_END(self);
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "notify";
    const executor_kind_t *kind = executor_kind_by_name(name);
    if (kind == NULL) {
        fprintf(stderr, "hello_sleep: no executor '%s' (%s)\n", name,
                executor_names(", "));
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    executor_config_t cfg = {.kind = kind};
    executor_t *ex = executor_create(&cfg);
    if (ex == NULL) {
        fprintf(stderr, "hello_sleep: cannot create the %s executor\n", name);
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &started);
    static const unsigned naps[] = {90, 30, 60};
    for (int i = 0; i < 3; i++) {
        nap_t n = {.base = {nap_poll, NULL}, .id = i + 1, .ms = naps[i]};
        sleep_init(&n.sleep, naps[i]); /* nothing happens until polled */
        if (executor_spawn(ex, &n.base, sizeof n, "nap", NULL) != 0) {
            fprintf(stderr, "hello_sleep: spawn failed\n");
            executor_destroy(ex);
            return 1;
        }
    }
    printf("3 naps spawned on %s\n", name);
    int rc = executor_run(ex);
    executor_stats_t st;
    executor_stats(ex, &st);
    printf("all done at %llu ms: %llu tasks, %llu polls\n", elapsed_ms(),
           (unsigned long long)st.completed, (unsigned long long)st.polls);
    executor_destroy(ex);
    return rc == 0 ? 0 : 1;
}
