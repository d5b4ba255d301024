/*
 * lessons/01-blocking-io/exercise.c - YOUR exercise for lesson 1.
 *
 * Make one thread serve many connections without ever blocking in read().
 * The contracts, and the trap of each, are in exercise.h: read them
 * first, they are the whole specification. Then:
 *
 *     asynclab check 1
 *
 * The calls you need are fcntl(2) and read(2); their man pages say how
 * each one reports a failure. Stuck? asynclab hint 1
 */
#include "exercise.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int nb_set_nonblocking(int fd)
{
    /* TODO */
    (void)fd;
    return -ENOSYS;
}

ssize_t nb_read(int fd, void *buf, size_t cap)
{
    /* TODO */
    (void)fd;
    (void)buf;
    (void)cap;
    return -ENOSYS;
}

int nb_serve_pass(const int fds[], int n, size_t total[], bool done[])
{
    /* TODO */
    (void)fds;
    (void)n;
    (void)total;
    (void)done;
    return -ENOSYS;
}
