/*
 * core/task_cache.h - where task memory comes from: a free list per
 * thread, so that a spawn and a completion cost a few instructions and
 * no lock.
 *
 * A task is allocated on the thread that spawns it and very often freed
 * on another one (a worker that ran it, or stole it). glibc's malloc
 * handles that by taking the allocating arena's lock on free: with tasks
 * spawned on one thread and finished on two others, that lock was about a
 * fifth of spawn_many_local's profile, and it is a lock a preempted thread
 * can hold while the others wait. The cache below is the idea of
 * mimalloc's "free list sharding" (Leijen, Zorn and de Moura, 2019), cut
 * down to what tasks need. The simple version is malloc and free, which
 * is what ASYNCLAB_TASK_CACHE=0 (at run time) and -DASYNCLAB_NO_TASK_CACHE
 * (at build time) give, to measure what this buys (lesson 17):
 *
 *     thread A's cache, one size class           thread B frees a block
 *     +---------------------------+               that A allocated:
 *     | local: [b]->[b]->[b]       |  <- A pops and pushes, no atomics
 *     | remote: [b]->[b]           |  <- B pushes with one CAS
 *     +---------------------------+
 *        A's local list runs dry: A takes the whole remote list at once
 *        (one exchange) and goes on popping.
 *
 * Sizes are rounded up to whole cache lines, aligned, so that no two
 * tasks share a line (task_cache.c says what sharing cost); classes go
 * up to 1 KiB, bigger blocks come from aligned_alloc. A thread keeps at
 * most TASK_CACHE_KEEP blocks of a class; the rest go back to malloc,
 * so a burst of a million tasks does
 * not stay cached. A thread's cache outlives the thread (blocks it handed
 * out may be freed later, elsewhere): at thread exit it is put on a list
 * and the next new thread adopts it.
 *
 * Under AddressSanitizer the cache is compiled out (malloc and free are
 * called directly) so that a use after free is still caught on the spot;
 * ASYNCLAB_TASK_CACHE=0 in the environment does the same at run time (for
 * valgrind). ThreadSanitizer keeps it: its races are what TSan checks.
 *
 * Tests: tests/test_task_cache.c.
 */
#ifndef ASYNCLAB_CORE_TASK_CACHE_H
#define ASYNCLAB_CORE_TASK_CACHE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct task_cache task_cache_t;

/* Blocks kept per size class and thread, locally and again for frees
 * from other threads; past that a freed block goes back to malloc. The
 * cache is there to take malloc's locks off the spawn and free paths,
 * not to hold memory: it must keep the blocks of the tasks a thread has
 * in flight (a worker's ring holds 256, plus what waits on timers and
 * sockets), and must not let a thread that once spawned a million tasks
 * sit on their memory. 4,096 blocks of 256 bytes (a typical task, in
 * whole lines) is 1 MiB per class and thread, about one core's share of
 * a last-level cache: blocks beyond that would be cold when reused
 * anyway. */
#define TASK_CACHE_KEEP 4096

/*
 * A block of at least size bytes, aligned to a cache line (64 bytes) and
 * a whole number of lines long, or NULL. *from is
 * set to the cache the block must go back to (NULL: it came from malloc);
 * the caller keeps it and hands it to task_cache_free with the same size.
 */
void *task_cache_alloc(size_t size, task_cache_t **from);

/* Give back a block from task_cache_alloc, on any thread. */
void task_cache_free(void *block, size_t size, task_cache_t *from);

/*
 * Copy a future of `size` bytes into a block: memcpy, in 16-byte pieces.
 * Futures are a few dozen bytes of a size the compiler cannot see at the
 * call; a plain memcpy(dst, src, size) was expanded by GCC (after
 * link-time inlining) into `rep movsq`, whose start-up cost made it a
 * tenth of a short task's spawn (`perf annotate task_alloc`; the figures
 * are in docs/perf-notes.md). Fixed 16-byte copies become two moves each.
 * The simple version is memcpy; it is correct, only slower to start.
 */
void task_cache_copy(void *dst, const void *src, size_t size);

/* False when the cache is compiled out or switched off: every block then
 * comes from malloc. */
bool task_cache_enabled(void);

#endif
