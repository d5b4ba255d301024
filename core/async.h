/*
 * core/async.h - async/await for C: stackless coroutines in a switch.
 *
 * Rust turns an async fn into a state machine; these macros let a C poll
 * function be written as straight-line code that the preprocessor turns
 * into the same kind of state machine (the "switch on __LINE__" technique,
 * as in Duff's device and Simon Tatham's coroutines). The future's struct
 * stores where to resume:
 *
 *     typedef struct greeter {
 *         future_t base;
 *         async_t  async;      // the resume point, 0 before the first poll
 *         sleep_t  nap;        // locals that live across an AWAIT
 *     } greeter_t;
 *
 *     static poll_t greeter_poll(future_t *f, context_t *cx)
 *     {
 *         greeter_t *self = (greeter_t *)f;
 *         ASYNC_BEGIN(self);
 *         puts("hello");
 *         AWAIT(self, cx, &self->nap.base);   // returns PENDING until ready
 *         puts("world");
 *         ASYNC_END(self);                    // returns READY
 *     }
 *
 * which expands to, roughly:
 *
 *     switch (self->async) {
 *     case 0:  puts("hello");
 *              self->async = 17;
 *     case 17: if (future_poll(&self->nap.base, cx) == POLL_PENDING)
 *                  return POLL_PENDING;
 *              puts("world");
 *     }
 *     self->async = ASYNC_DONE; return POLL_READY;
 *
 * Three rules follow from the expansion:
 *  - local variables do not survive an AWAIT: keep them in the struct;
 *  - one AWAIT or YIELD_NOW per source line (the line is the label);
 *  - no AWAIT inside a switch statement of your own.
 *
 * Tests: tests/test_async.c proves a macro future and the same future
 * written by hand give the same sequence of poll results.
 */
#ifndef ASYNCLAB_CORE_ASYNC_H
#define ASYNCLAB_CORE_ASYNC_H

#include "core/future.h"
#include "core/waker.h"

typedef int async_t;

#define ASYNC_DONE (-1)

/*
 * Storing the resume point and then running into its case label is the
 * point of the technique; say so, or -Wextra's -Wimplicit-fallthrough
 * (an error with -Werror) rejects every AWAIT. A comment cannot say it from
 * inside a macro, the attribute can (GCC 7+, clang).
 */
#if defined(__GNUC__) || defined(__clang__)
#define ASYNC_FALLTHROUGH __attribute__((fallthrough))
#else
#define ASYNC_FALLTHROUGH ((void)0)
#endif

#define ASYNC_BEGIN(self)                                                      \
    switch ((self)->async) {                                                   \
    case 0:

/*
 * Resume here until the poll expression `expr` (of type poll_t) is READY.
 * expr is evaluated again on every poll of the enclosing future.
 */
#define AWAIT_POLL(self, expr)                                                 \
    do {                                                                       \
        (self)->async = __LINE__;                                              \
        ASYNC_FALLTHROUGH;                                                     \
    case __LINE__:                                                             \
        if ((expr) == POLL_PENDING)                                            \
            return POLL_PENDING;                                               \
    } while (0)

/* Await a child future stored in the struct (a tree of futures, one task). */
#define AWAIT(self, cx, child) AWAIT_POLL(self, future_poll((child), (cx)))

/*
 * Give the executor back its thread once: wake ourselves and return
 * PENDING, so every other ready task runs before this one resumes.
 */
#define YIELD_NOW(self, cx)                                                    \
    do {                                                                       \
        (self)->async = __LINE__;                                              \
        waker_wake_by_ref((cx)->waker);                                        \
        return POLL_PENDING;                                                   \
    case __LINE__:;                                                            \
    } while (0)

#define ASYNC_END(self)                                                        \
    }                                                                          \
    (self)->async = ASYNC_DONE;                                                \
    return POLL_READY

#endif
