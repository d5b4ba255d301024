/*
 * lessons/01-blocking-io/check.c - the checker of lesson 1's exercise.
 * `asynclab check 1` compiles it with your exercise.c and runs it.
 *
 * Every pipe the checker reads is made non-blocking by the checker itself
 * before your nb_read sees it, so a mistake can fail a test but never hang
 * it.
 */
#include "lessons/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exercise.h"

/* A pipe whose read end is non-blocking (set here, not by the learner). */
static void nb_pipe(int p[2])
{
    assert_int_equal(pipe(p), 0);
    int flags = fcntl(p[0], F_GETFL);
    assert_int_equal(fcntl(p[0], F_SETFL, flags | O_NONBLOCK), 0);
}

static void close_pipe(int p[2])
{
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
}

/* ---- nb_set_nonblocking -------------------------------------------------- */

static void blocking_io_sets_o_nonblocking(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    int r = nb_set_nonblocking(p[0]);
    EXPECT(r != -ENOSYS, "nb_set_nonblocking still returns -ENOSYS: fill in "
                         "its TODO in exercise.c");
    EXPECT(r == 0,
           "nb_set_nonblocking returned %d for a good fd; it should "
           "return 0",
           r);
    EXPECT(fcntl(p[0], F_GETFL) & O_NONBLOCK,
           "after nb_set_nonblocking the fd still blocks: O_NONBLOCK is not "
           "in fcntl(fd, F_GETFL)");
    close_pipe(p);
}

static void blocking_io_keeps_other_flags(void **state)
{
    (void)state;
    char name[] = "/tmp/asynclab-lesson01-XXXXXX";
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    unlink(name);
    assert_int_equal(fcntl(fd, F_SETFL, O_APPEND), 0);
    int r = nb_set_nonblocking(fd);
    int flags = fcntl(fd, F_GETFL);
    close(fd);
    EXPECT(r == 0, "nb_set_nonblocking returned %d", r);
    EXPECT(flags & O_APPEND,
           "nb_set_nonblocking dropped the fd's O_APPEND flag: read the "
           "flags first (F_GETFL) and add O_NONBLOCK to them");
    EXPECT(flags & O_NONBLOCK, "O_NONBLOCK is not set");
}

static void blocking_io_reports_bad_fd(void **state)
{
    (void)state;
    int r = nb_set_nonblocking(-1);
    EXPECT(r == -EBADF,
           "nb_set_nonblocking(-1) returned %d; fcntl fails with EBADF, so "
           "it should return -EBADF (a negative errno)",
           r);
}

/* ---- nb_read ------------------------------------------------------------- */

static void blocking_io_read_says_eagain_when_empty(void **state)
{
    (void)state;
    int p[2];
    nb_pipe(p);
    char buf[16];
    ssize_t n = nb_read(p[0], buf, sizeof buf);
    close_pipe(p);
    EXPECT(n != -ENOSYS,
           "nb_read still returns -ENOSYS: fill in its TODO in exercise.c");
    EXPECT(n == -EAGAIN,
           "nb_read on an empty pipe returned %zd; nothing is there yet, so "
           "it should return -EAGAIN (not wait, not 0: 0 means end of file)",
           n);
}

static void blocking_io_read_returns_the_bytes(void **state)
{
    (void)state;
    int p[2];
    nb_pipe(p);
    assert_int_equal(write(p[1], "hello", 5), 5);
    char buf[16] = {0};
    ssize_t n = nb_read(p[0], buf, sizeof buf);
    close_pipe(p);
    EXPECT(n == 5, "nb_read of a pipe holding \"hello\" returned %zd, not 5",
           n);
    EXPECT(memcmp(buf, "hello", 5) == 0,
           "nb_read returned 5 but the buffer does not hold \"hello\"");
}

static void blocking_io_read_sees_end_of_file(void **state)
{
    (void)state;
    int p[2];
    nb_pipe(p);
    close(p[1]);
    p[1] = -1;
    char buf[16];
    ssize_t n = nb_read(p[0], buf, sizeof buf);
    close_pipe(p);
    EXPECT(n == 0,
           "nb_read of a pipe whose writer closed returned %zd; end of file "
           "is 0",
           n);
}

static void blocking_io_read_reports_other_errors(void **state)
{
    (void)state;
    char buf[16];
    ssize_t n = nb_read(-1, buf, sizeof buf);
    EXPECT(n == -EBADF,
           "nb_read(-1) returned %zd; read fails with EBADF there, so it "
           "should return -EBADF: a negative errno, never -1, so that the "
           "caller can tell it from -EAGAIN",
           n);
}

/* ---- nb_serve_pass ------------------------------------------------------- */

/* Three connections: one with 10 000 bytes (more than one read), one with
 * nothing yet, one that sends 3 bytes and closes. */
static void blocking_io_serve_pass_reads_each_ready_connection(void **state)
{
    (void)state;
    int a[2], b[2], c[2];
    nb_pipe(a);
    nb_pipe(b);
    nb_pipe(c);
    static char big[10000];
    assert_int_equal(write(a[1], big, sizeof big), (int)sizeof big);
    assert_int_equal(write(c[1], "bye", 3), 3);
    close(c[1]);
    c[1] = -1;

    int fds[3] = {a[0], b[0], c[0]};
    size_t total[3] = {0, 0, 0};
    bool done[3] = {false, false, false};
    int open = nb_serve_pass(fds, 3, total, done);
    EXPECT(open != -ENOSYS, "nb_serve_pass still returns -ENOSYS: fill in "
                            "its TODO in exercise.c");
    EXPECT(total[0] == sizeof big,
           "connection 0 had 10000 bytes ready and nb_serve_pass read %zu: "
           "keep reading until -EAGAIN (one read() returns at most what you "
           "asked for)",
           total[0]);
    EXPECT(total[1] == 0 && !done[1],
           "connection 1 had nothing yet: it should be skipped, not closed");
    EXPECT(total[2] == 3 && done[2],
           "connection 2 sent 3 bytes and closed: total 3 and done expected, "
           "got total %zu, done %d",
           total[2], done[2]);
    EXPECT(open == 2,
           "two connections are still open; nb_serve_pass "
           "returned %d",
           open);

    /* A second pass: b gets its bytes and closes; a closes too. */
    assert_int_equal(write(b[1], "hi", 2), 2);
    close(b[1]);
    close(a[1]);
    b[1] = a[1] = -1;
    open = nb_serve_pass(fds, 3, total, done);
    EXPECT(open == 0 && done[0] && done[1] && total[1] == 2,
           "after every writer closed, a second pass should find all three "
           "done (returned %d open)",
           open);
    close_pipe(a);
    close_pipe(b);
    close_pipe(c);
}

/* A connection already done is not read again: its fd may be closed (and
 * its number reused) by then. Here it is -1, which read() refuses. */
static void blocking_io_serve_pass_skips_done_connections(void **state)
{
    (void)state;
    int a[2];
    nb_pipe(a);
    assert_int_equal(write(a[1], "abc", 3), 3);
    int fds[2] = {-1, a[0]};
    size_t total[2] = {7, 0};
    bool done[2] = {true, false};
    int open = nb_serve_pass(fds, 2, total, done);
    close_pipe(a);
    EXPECT(open != -EBADF,
           "nb_serve_pass read a connection that was already done (its fd "
           "was -1 and read said EBADF): skip every done[i]");
    EXPECT(open == 1 && total[1] == 3 && total[0] == 7,
           "one connection done, one with 3 bytes: expected 1 open and "
           "total {7, 3}, got %d open and total {%zu, %zu}",
           open, total[0], total[1]);
}

/* A read that fails (here a bad fd) is reported, not taken for "nothing
 * yet": a server that swallows it keeps a broken connection forever. */
static void blocking_io_serve_pass_reports_a_failed_read(void **state)
{
    (void)state;
    int fds[1] = {-1};
    size_t total[1] = {0};
    bool done[1] = {false};
    int open = nb_serve_pass(fds, 1, total, done);
    EXPECT(open == -EBADF,
           "nb_serve_pass over a bad fd returned %d; its read failed with "
           "EBADF, which is not \"nothing yet\": return -EBADF",
           open);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(blocking_io_sets_o_nonblocking),
    cmocka_unit_test(blocking_io_keeps_other_flags),
    cmocka_unit_test(blocking_io_reports_bad_fd),
    cmocka_unit_test(blocking_io_read_says_eagain_when_empty),
    cmocka_unit_test(blocking_io_read_returns_the_bytes),
    cmocka_unit_test(blocking_io_read_sees_end_of_file),
    cmocka_unit_test(blocking_io_read_reports_other_errors),
    cmocka_unit_test(blocking_io_serve_pass_reads_each_ready_connection),
    cmocka_unit_test(blocking_io_serve_pass_skips_done_connections),
    cmocka_unit_test(blocking_io_serve_pass_reports_a_failed_read),
};

CHECK_MAIN("lesson01", tests)
