/*
 * lessons/01-blocking-io/exercise.c - YOUR exercise for lesson 1.
 *
 * Make one thread serve many connections without ever blocking in read().
 * Fill in the three TODOs; the contracts are in exercise.h. Then:
 *
 *     asynclab check 1
 *
 * Useful calls: fcntl(fd, F_GETFL), fcntl(fd, F_SETFL, flags), read(), and
 * errno's EAGAIN (also spelled EWOULDBLOCK) and EINTR.
 * Stuck? asynclab hint 1
 */
#include "exercise.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int nb_set_nonblocking(int fd)
{
    /* TODO: read the fd's flags, add O_NONBLOCK, write them back.
     * Return 0, or -errno when fcntl fails. */
    (void)fd;
    return -ENOSYS;
}

ssize_t nb_read(int fd, void *buf, size_t cap)
{
    /* TODO: read once. Bytes -> return the count; end of file -> 0;
     * EAGAIN/EWOULDBLOCK -> -EAGAIN; EINTR -> try again; else -errno. */
    (void)fd;
    (void)buf;
    (void)cap;
    return -ENOSYS;
}

int nb_serve_pass(const int fds[], int n, size_t total[], bool done[])
{
    /* TODO: for each connection not done: nb_read it until -EAGAIN,
     * adding what you read to total[i]; at end of file set done[i].
     * Return how many connections are still open. */
    (void)fds;
    (void)n;
    (void)total;
    (void)done;
    return -ENOSYS;
}
