/*
 * scenarios/stop_signals.c - the self-pipe of scenarios/stop_signals.h.
 *
 * Tests: tests/cli.sh (echo), tests/mini_redis.sh.
 */
#include "scenarios/stop_signals.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Written by the handler, read through the reactor; -1 when unset. */
static int stop_pipe[2] = {-1, -1};

void stop_signals_raise(void)
{
    char byte = 1;
    ssize_t ignored = write(stop_pipe[1], &byte, 1); /* async-signal-safe */
    (void)ignored;
}

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_signals_raise();
}

int stop_signals_catch(stop_signals_t *s)
{
    if (pipe2(stop_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
        return -errno;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &s->old[0]);
    sigaction(SIGTERM, &sa, &s->old[1]);
    s->read_fd = stop_pipe[0];
    return 0;
}

void stop_signals_release(stop_signals_t *s)
{
    sigaction(SIGINT, &s->old[0], NULL);
    sigaction(SIGTERM, &s->old[1], NULL);
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    stop_pipe[0] = stop_pipe[1] = -1;
    s->read_fd = -1;
}
