/*
 * driver/net.h - async TCP over the reactor: listen, accept, connect, read,
 * write, read_exact, write_all.
 *
 * Tokio's TcpListener and TcpStream, in C. Every socket is non-blocking
 * (SOCK_NONBLOCK | SOCK_CLOEXEC) and registered with the driver's reactor.
 * An operation is always the same loop:
 *
 *     ┌─> wait for readiness ──PENDING──> (waker kept on the registration)
 *     │        │ READY (ready bits + tick)
 *     │   try the syscall ──done──> READY, result = bytes or -errno
 *     │        │ EWOULDBLOCK
 *     └── clear readiness (only if the tick is unchanged; reactor.h)
 *
 * Results are numbers, never crashes: bytes (>= 0) or a negative errno.
 * A peer that closed reads as 0 bytes, and every read after that as 0 or
 * an error; writing to it gives -EPIPE or -ECONNRESET (MSG_NOSIGNAL: no
 * SIGPIPE); connecting to a port nobody listens on gives -ECONNREFUSED;
 * any operation on a closed stream gives -EBADF.
 *
 * Futures borrow: tcp_read_t and friends hold a pointer to a stream and a
 * buffer that live elsewhere (in the enclosing future, initialised at the
 * point of use, after its address is fixed). Dropping an I/O future only
 * forgets the waker; closing is the stream's owner's call.
 *
 * Without a driver (a socket made outside any executor, where
 * driver_current() is NULL) sockets are not registered and every
 * EWOULDBLOCK wakes the task at once: a busy wait, as sleep does. Every
 * executor here has a driver, the spin executor included (it turns it
 * without waiting, once per pass).
 *
 * Close every stream and listener before driver_destroy.
 *
 * Tests: tests/test_reactor.c (tcp_*).
 */
#ifndef ASYNCLAB_DRIVER_NET_H
#define ASYNCLAB_DRIVER_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/future.h"
#include "driver/driver.h"
#include "driver/reactor.h"

/* Plain values: copy them freely, close exactly one copy. */
typedef struct tcp_listener {
    int fd;             /* -1 once closed */
    reactor_reg_t *reg; /* NULL without a driver */
    driver_t *driver;   /* accepted streams register here */
} tcp_listener_t;

typedef struct tcp_stream {
    int fd; /* -1 once closed */
    reactor_reg_t *reg;
    driver_t *driver;
} tcp_stream_t;

#define TCP_STREAM_CLOSED ((tcp_stream_t){-1, NULL, NULL})

/* ---- listener ------------------------------------------------------------ */

/*
 * Bind and listen on addr:port. addr NULL means "127.0.0.1" (IPv4 or IPv6
 * literals only); port 0 lets the kernel choose (read it back with
 * tcp_listener_port). d NULL means driver_current(). Returns 0, -EINVAL
 * for an address that is not a numeric IP, or -errno from the kernel
 * (-EADDRINUSE: the port is taken).
 */
int tcp_listener_bind(tcp_listener_t *l, driver_t *d, const char *addr,
                      uint16_t port);

/* The port the listener is bound to, or -errno. */
int tcp_listener_port(const tcp_listener_t *l);

void tcp_listener_close(tcp_listener_t *l);

/* ---- stream -------------------------------------------------------------- */

/* Disable (on) or enable Nagle's algorithm. 0 or -errno. */
int tcp_stream_set_nodelay(tcp_stream_t *s, bool on);

/* shutdown(2): SHUT_WR sends the peer an end of stream. 0 or -errno. */
int tcp_stream_shutdown(tcp_stream_t *s, int how);

/* Deregister and close; the stream reads as closed (-EBADF) afterwards. */
void tcp_stream_close(tcp_stream_t *s);

/*
 * The poll-level operations the futures below are made of, for hand-written
 * futures that keep their own state. READY: *result holds bytes or -errno.
 */
poll_t tcp_stream_poll_read(tcp_stream_t *s, context_t *cx, void *buf,
                            size_t len, ssize_t *result);
poll_t tcp_stream_poll_write(tcp_stream_t *s, context_t *cx, const void *buf,
                             size_t len, ssize_t *result);
poll_t tcp_listener_poll_accept(tcp_listener_t *l, context_t *cx,
                                tcp_stream_t *out, int *result);

/* ---- futures ------------------------------------------------------------- */

/* Accept one connection: result 0 and stream set, or -errno. */
typedef struct tcp_accept {
    future_t base;
    tcp_listener_t *listener;
    tcp_stream_t stream; /* output; the caller owns it after READY */
    int result;
} tcp_accept_t;

void tcp_accept_init(tcp_accept_t *a, tcp_listener_t *l);

/*
 * Connect to addr:port (addr NULL: 127.0.0.1). The socket is made at the
 * first poll, with driver_current(). Result 0 and stream set, or -errno
 * (-ECONNREFUSED, -EINVAL for a bad address). Dropped before READY, it
 * closes the half-made connection; after READY the stream is the caller's.
 */
typedef struct tcp_connect {
    future_t base;
    char addr[64];
    uint16_t port;
    bool started;
    tcp_stream_t stream;
    int result;
} tcp_connect_t;

void tcp_connect_init(tcp_connect_t *c, const char *addr, uint16_t port);

/* One read of at most len bytes: result bytes (0 at end of stream). */
typedef struct tcp_read {
    future_t base;
    tcp_stream_t *stream;
    void *buf;
    size_t len;
    ssize_t result;
} tcp_read_t;

void tcp_read_init(tcp_read_t *r, tcp_stream_t *s, void *buf, size_t len);

/* One write of at most len bytes: result bytes written, or -errno. */
typedef struct tcp_write {
    future_t base;
    tcp_stream_t *stream;
    const void *buf;
    size_t len;
    ssize_t result;
} tcp_write_t;

void tcp_write_init(tcp_write_t *w, tcp_stream_t *s, const void *buf,
                    size_t len);

/*
 * Exactly len bytes: result len, or -EPIPE when the peer closed first
 * (Rust's UnexpectedEof; `done` says how many arrived), or -errno.
 */
typedef struct tcp_read_exact {
    future_t base;
    tcp_stream_t *stream;
    void *buf;
    size_t len;
    size_t done;
    ssize_t result;
} tcp_read_exact_t;

void tcp_read_exact_init(tcp_read_exact_t *r, tcp_stream_t *s, void *buf,
                         size_t len);

/* All len bytes: result len, or -errno (`done` says how many went). */
typedef struct tcp_write_all {
    future_t base;
    tcp_stream_t *stream;
    const void *buf;
    size_t len;
    size_t done;
    ssize_t result;
} tcp_write_all_t;

void tcp_write_all_init(tcp_write_all_t *w, tcp_stream_t *s, const void *buf,
                        size_t len);

#endif
