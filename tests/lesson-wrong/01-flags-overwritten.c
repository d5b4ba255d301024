/*
 * tests/lesson-wrong/01-flags-overwritten.c - a plausible wrong
 * answer to lesson 1's exercise (see tests/lesson_wrong.sh).
 *
 * The mistake: set O_NONBLOCK as the only status flag. The fd no longer
 * blocks, and every other flag it had (O_APPEND here) is silently gone.
 *
 * expect: dropped the fd's O_APPEND flag
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
    if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
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
