/*
 * lessons/solutions/01-blocking-io/exercise.c - the reference solution.
 * See lessons/01-blocking-io/exercise.h for the contracts.
 */
#include "exercise.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int nb_set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return -errno;
    if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    return 0;
}

ssize_t nb_read(int fd, void *buf, size_t cap)
{
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n >= 0)
            return n;
        if (errno == EWOULDBLOCK) /* the same number as EAGAIN on Linux */
            return -EAGAIN;
        if (errno != EINTR)
            return -errno;
    }
}

/* Drain one connection; its new state, or a negative errno. */
static int drain(int fd, size_t *total, bool *done)
{
    char buf[4096];
    for (;;) {
        ssize_t n = nb_read(fd, buf, sizeof buf);
        if (n == -EAGAIN)
            return 0;
        if (n < 0)
            return (int)n;
        if (n == 0) {
            *done = true;
            return 0;
        }
        *total += (size_t)n;
    }
}

int nb_serve_pass(const int fds[], int n, size_t total[], bool done[])
{
    int open = 0;
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        int err = drain(fds[i], &total[i], &done[i]);
        if (err < 0)
            return err;
        open += !done[i];
    }
    return open;
}
