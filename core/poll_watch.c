/*
 * core/poll_watch.c - POLL_START and POLL_END, and the reading behind a
 * slow poll's b. What it measures, and what that costs, is in
 * core/poll_watch.h.
 *
 * Tests: tests/test_spin.c, tests/test_viz_model.c.
 */
#include "core/poll_watch.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* One polling thread's state. Zero is "nothing yet": no mark, and the
 * schedstat file not tried. */
typedef struct poll_watch {
    uint64_t start_ns;     /* the current poll's POLL_START stamp */
    uint64_t mark_ns;      /* the mark's trace-clock time; 0: none */
    uint64_t mark_cpu_ns;  /* and the readings then */
    uint64_t mark_wait_ns;
    bool mark_wait_known;
    int fd_plus1; /* /proc/thread-self/schedstat + 1; 0 untried, -1 none */
} poll_watch_t;

static _Thread_local poll_watch_t pw;

/* ---- the reading ---------------------------------------------------------- */

static pthread_key_t fd_key; /* its destructor closes a thread's file */
static pthread_once_t fd_once = PTHREAD_ONCE_INIT;

static void close_fd(void *v)
{
    close((int)(intptr_t)v - 1);
}

/* A forked child's only thread has a copy of the forking thread's state,
 * whose file reads the parent's thread: start over. */
static void after_fork_child(void)
{
    if (pw.fd_plus1 > 0)
        close(pw.fd_plus1 - 1);
    pw = (poll_watch_t){0};
}

static void fd_key_init(void)
{
    if (pthread_key_create(&fd_key, close_fd) != 0)
        fd_key = (pthread_key_t)-1;
    pthread_atfork(NULL, NULL, after_fork_child);
}

static int schedstat_fd(void)
{
    if (pw.fd_plus1 != 0)
        return pw.fd_plus1 - 1;
    pthread_once(&fd_once, fd_key_init);
    int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fd_key != (pthread_key_t)-1 &&
        pthread_setspecific(fd_key, (void *)(intptr_t)(fd + 1)) != 0) {
        close(fd); /* no way to close it at the thread's exit */
        fd = -1;
    }
    pw.fd_plus1 = fd >= 0 ? fd + 1 : -1;
    return fd;
}

/* The next decimal number in *p, or false. */
static bool number(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    while (s < end && *s == ' ')
        s++;
    if (s == end || *s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    while (s < end && *s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    *p = s;
    *out = v;
    return true;
}

bool poll_watch_read(uint64_t *cpu_ns, uint64_t *wait_ns)
{
    int fd = schedstat_fd();
    if (fd >= 0) {
        char buf[96]; /* "run_ns wait_ns timeslices\n" */
        ssize_t n = pread(fd, buf, sizeof buf, 0);
        const char *p = buf, *end = buf + (n > 0 ? n : 0);
        if (number(&p, end, cpu_ns) && number(&p, end, wait_ns))
            return true;
    }
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    *cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    *wait_ns = 0;
    return false;
}

static uint64_t to_us(uint64_t ns)
{
    uint64_t us = ns / 1000;
    return us < POLL_WATCH_US_MAX ? us : POLL_WATCH_US_MAX;
}

uint64_t poll_watch_pack(uint64_t cpu_ns, uint64_t wait_ns, bool wait_known)
{
    uint64_t cpu = to_us(cpu_ns);
    uint64_t wait = wait_known ? to_us(wait_ns) : POLL_WATCH_UNKNOWN;
    return wait << 32 | (cpu > 0 ? cpu : 1);
}

/* ---- the mark ------------------------------------------------------------- */

/* Read now; b for a poll that started at start_ns (0: not slow, or no mark
 * to count from); the reading becomes the mark. */
__attribute__((noinline)) static uint64_t renew(uint64_t now, bool judge)
{
    uint64_t cpu, wait;
    bool known = poll_watch_read(&cpu, &wait);
    uint64_t b = 0;
    if (judge && pw.mark_ns != 0 && now - pw.start_ns >= POLL_WATCH_SLOW_NS)
        b = poll_watch_pack(cpu >= pw.mark_cpu_ns ? cpu - pw.mark_cpu_ns : 0,
                            wait >= pw.mark_wait_ns ? wait - pw.mark_wait_ns
                                                    : 0,
                            known && pw.mark_wait_known);
    pw.mark_ns = now;
    pw.mark_cpu_ns = cpu;
    pw.mark_wait_ns = wait;
    pw.mark_wait_known = known;
    return b;
}

void trace_poll_mark(void)
{
    uint64_t now = trace_now_ns();
    if (now - pw.mark_ns >= POLL_WATCH_MARK_NS)
        renew(now, false);
}

/* ---- the events ----------------------------------------------------------- */

void trace_poll_start(trace_sink_t *sink, uint32_t worker, uint64_t task)
{
    uint64_t now = trace_now_ns();
    pw.start_ns = now;
    trace__emit_at(sink, now, TRACE_POLL_START, worker, task, 0, 0);
}

void trace_poll_start_next(trace_sink_t *sink, uint32_t worker, uint64_t task)
{
    uint64_t at = trace__next_ns();
    pw.start_ns = at;
    trace__emit_at(sink, at, TRACE_POLL_START, worker, task, 0, 0);
}

void trace_poll_end(trace_sink_t *sink, uint32_t worker, uint64_t task,
                    uint64_t result, bool measure)
{
    uint64_t now = trace_now_ns();
    uint64_t b = 0;
    /* The fast path: a mark younger than a millisecond. A poll of 1 ms or
     * more takes the slow path, since a mark is taken at a poll's end or
     * between polls, never inside one. */
    if (__builtin_expect(now - pw.mark_ns >= POLL_WATCH_MARK_NS, 0) && measure)
        b = renew(now, true);
    trace__emit_at(sink, now, TRACE_POLL_END, worker, task, result, b);
}
