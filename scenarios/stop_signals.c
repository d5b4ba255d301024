/*
 * scenarios/stop_signals.c - the self-pipe of scenarios/stop_signals.h.
 *
 * The pipe is made once per process and never closed: a handler already
 * running on another thread when the server stops could otherwise write
 * into a closed descriptor, or one the number was given to again. What a
 * past stop left in it is drained when the next server catches, and when
 * this one lets go.
 *
 * Tests: tests/cli.sh (echo), tests/mini_redis.sh.
 */
#include "scenarios/stop_signals.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* Set once (pthread_once), read by the handler: atomics, which a signal
 * handler may load. -1 until made. */
static atomic_int pipe_read = -1, pipe_write = -1;
static int pipe_err;
static pthread_once_t pipe_once = PTHREAD_ONCE_INIT;

static void make_pipe(void)
{
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        pipe_err = errno;
        return;
    }
    atomic_store(&pipe_read, fds[0]);
    atomic_store(&pipe_write, fds[1]);
}

static void drain(int fd)
{
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0)
        ;
}

void stop_signals_raise(void)
{
    int fd = atomic_load_explicit(&pipe_write, memory_order_relaxed);
    if (fd < 0)
        return;
    char byte = 1;
    ssize_t ignored = write(fd, &byte, 1); /* async-signal-safe */
    (void)ignored;
}

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_signals_raise();
}

int stop_signals_catch(stop_signals_t *s)
{
    pthread_once(&pipe_once, make_pipe);
    int fd = atomic_load(&pipe_read);
    if (fd < 0)
        return -(pipe_err != 0 ? pipe_err : EMFILE);
    drain(fd); /* a past stop's byte must not stop this server */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &s->old[0]);
    sigaction(SIGTERM, &sa, &s->old[1]);
    s->read_fd = fd;
    return 0;
}

void stop_signals_release(stop_signals_t *s)
{
    sigaction(SIGINT, &s->old[0], NULL);
    sigaction(SIGTERM, &s->old[1], NULL);
    drain(s->read_fd);
    s->read_fd = -1;
}
