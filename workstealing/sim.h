/*
 * workstealing/sim.h - the simulation's pseudo-random numbers. Private to
 * workstealing/.
 *
 * The simulation (sim.c) must be reproducible bit for bit from a seed, on
 * every machine and libc, so it does not use rand(): it carries its own
 * generator, SplitMix64 (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014). One 64-bit word of
 * state, a Weyl sequence through a mixing function; every seed (0
 * included) gives a full-period stream.
 *
 * Workers use the same generator to pick steal victims, seeded from the
 * runtime's seed and their index, so victims are reproducible too.
 *
 * Tests: tests/test_ws.c (ws_sim_* tests).
 */
#ifndef ASYNCLAB_WORKSTEALING_SIM_H
#define ASYNCLAB_WORKSTEALING_SIM_H

#include <stdint.h>

typedef struct ws_rng {
    uint64_t state;
} ws_rng_t;

static inline void ws_rng_seed(ws_rng_t *r, uint64_t seed)
{
    r->state = seed;
}

static inline uint64_t ws_rng_next(ws_rng_t *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n >= 1: the high 32 bits scaled (Lemire, 2019), no
 * division; the bias is below 2^-32 * n, far below anything we measure. */
static inline uint32_t ws_rng_below(ws_rng_t *r, uint32_t n)
{
    return (uint32_t)(((ws_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

#endif
