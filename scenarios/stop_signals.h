/*
 * scenarios/stop_signals.h - how a server scenario stops on SIGINT or
 * SIGTERM: the self-pipe trick.
 *
 *   SIGINT ──> handler: write(pipe) ──> epoll: read end readable ──> a task
 *                                        of the server stops everything
 *
 * A signal handler may only do what is async-signal-safe, and write(2) is;
 * the read end is an fd like a socket's, so the server waits for it
 * through the reactor with the rest of its I/O, and no thread blocks in
 * sigwait. One catcher at a time per process (the handler finds the pipe
 * in a static: it has no other way to). Used by the echo and mini-redis
 * scenarios.
 *
 * Tests: tests/cli.sh (echo), tests/mini_redis.sh.
 */
#ifndef ASYNCLAB_SCENARIOS_STOP_SIGNALS_H
#define ASYNCLAB_SCENARIOS_STOP_SIGNALS_H

#include <signal.h>

typedef struct stop_signals {
    int read_fd;              /* watch this: readable once a stop came */
    struct sigaction old[2];  /* SIGINT's and SIGTERM's, put back after */
} stop_signals_t;

/* Make the pipe and catch both signals. 0, or -errno. */
int stop_signals_catch(stop_signals_t *s);

/* What the handler does: ask for the stop. Any thread, async-signal-safe
 * (a scenario that must stop at once calls it too). */
void stop_signals_raise(void);

/* Put the old actions back. The pipe stays (made once per process,
 * never closed: see stop_signals.c), emptied. */
void stop_signals_release(stop_signals_t *s);

#endif
