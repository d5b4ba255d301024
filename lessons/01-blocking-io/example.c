/*
 * lessons/01-blocking-io/example.c - three ways to wait for bytes.
 *
 *     asynclab lesson 1 --run
 *
 * 1. A blocking read: the thread sleeps in the kernel until bytes arrive.
 *    It costs no CPU, but the thread can do nothing else meanwhile.
 * 2. Thread per connection: 200 connections, 200 threads, each blocked in
 *    its own read. It works; count what it costs.
 * 3. Non-blocking reads: one thread, 200 connections. read() never waits;
 *    it says EAGAIN ("nothing yet, try again later"). The thread must then
 *    decide when "later" is, and this example decides badly on purpose:
 *    it asks again and again (that is lesson 4's spin executor).
 *
 * Connections are pipes here: the same read() and the same EAGAIN as a
 * socket, without a network.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTIONS = 200 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* ---- 1. one blocking read ------------------------------------------------ */

static void *late_writer(void *arg)
{
    int fd = *(int *)arg;
    usleep(300 * 1000);
    if (write(fd, "late", 4) != 4)
        perror("write");
    return NULL;
}

static void one_blocking_read(void)
{
    int p[2];
    pthread_t writer;
    char buf[16];
    if (pipe(p) != 0)
        exit(1);
    pthread_create(&writer, NULL, late_writer, &p[1]);
    double t0 = now_s(), c0 = cpu_s();
    ssize_t n = read(p[0], buf, sizeof buf); /* sleeps until the write */
    printf("1. read() blocked %.0f ms and returned %zd bytes; CPU used "
           "meanwhile: %.1f ms\n",
           (now_s() - t0) * 1e3, n, (cpu_s() - c0) * 1e3);
    pthread_join(writer, NULL);
    close(p[0]);
    close(p[1]);
}

/* ---- 2. a thread per connection ------------------------------------------ */

static void *serve_one(void *arg)
{
    int fd = *(int *)arg;
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) /* blocks: this thread is the */
        ;                                 /* connection's only hope */
    return NULL;
}

static void thread_per_connection(void)
{
    static int p[CONNECTIONS][2];
    static pthread_t threads[CONNECTIONS];
    size_t stack = 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_getstacksize(&attr, &stack);
    for (int i = 0; i < CONNECTIONS; i++) {
        if (pipe(p[i]) != 0 ||
            pthread_create(&threads[i], NULL, serve_one, &p[i][0]) != 0)
            exit(1);
    }
    printf("2. %d connections, %d threads blocked in read(), each with a "
           "%zu KiB stack: %zu MiB of address space to wait\n",
           CONNECTIONS, CONNECTIONS, stack / 1024,
           stack * CONNECTIONS / (1024 * 1024));
    for (int i = 0; i < CONNECTIONS; i++) {
        close(p[i][1]); /* end of file: each thread returns */
        pthread_join(threads[i], NULL);
        close(p[i][0]);
    }
    pthread_attr_destroy(&attr);
}

/* ---- 3. one thread, non-blocking reads ----------------------------------- */

static void *slow_writers(void *arg)
{
    int(*p)[2] = arg;
    for (int i = 0; i < CONNECTIONS; i++) {
        if (i % 20 == 0)
            usleep(10 * 1000); /* data trickles in over ~100 ms */
        if (write(p[i][1], "x", 1) != 1)
            perror("write");
        close(p[i][1]);
    }
    return NULL;
}

static void one_thread_polling(void)
{
    static int p[CONNECTIONS][2];
    static int done[CONNECTIONS];
    for (int i = 0; i < CONNECTIONS; i++) {
        if (pipe(p[i]) != 0)
            exit(1);
        fcntl(p[i][0], F_SETFL, fcntl(p[i][0], F_GETFL) | O_NONBLOCK);
    }
    pthread_t writer;
    pthread_create(&writer, NULL, slow_writers, p);
    double t0 = now_s(), c0 = cpu_s();
    long reads = 0, eagain = 0;
    for (int open = CONNECTIONS; open > 0;) {
        for (int i = 0; i < CONNECTIONS; i++) {
            if (done[i])
                continue;
            char buf[64];
            ssize_t n = read(p[i][0], buf, sizeof buf); /* never waits */
            reads++;
            if (n < 0 && errno == EAGAIN)
                eagain++; /* nothing yet: a wasted question */
            else if (n == 0)
                done[i] = 1, open--;
        }
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    pthread_join(writer, NULL);
    printf("3. one thread served %d connections in %.0f ms with %ld "
           "read() calls, %ld of them EAGAIN\n   and %ld useful (a byte, "
           "then end of file, from each connection);\n   it burned %.0f ms "
           "of CPU (%.0f%% of a core) asking \"anything yet?\"\n",
           CONNECTIONS, wall * 1e3, reads, eagain, reads - eagain, cpu * 1e3,
           100 * cpu / wall);
    for (int i = 0; i < CONNECTIONS; i++)
        close(p[i][0]);
}

int main(void)
{
    one_blocking_read();
    thread_per_connection();
    one_thread_polling();
    printf("\nNon-blocking I/O frees the thread, but someone must say when "
           "to ask again.\nThat someone is a waker (lesson 5) fed by epoll "
           "(lesson 8).\n");
    return 0;
}
