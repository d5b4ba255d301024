/*
 * driver/clock.c - real (CLOCK_MONOTONIC) and virtual millisecond clocks.
 *
 * See driver/clock.h for why both exist, and when time rounds down or up.
 *
 * Tests: tests/test_wheel.c, tests/test_driver.c.
 */
#include "driver/clock.h"

#include <assert.h>
#include <time.h>

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void driver_clock_init(driver_clock_t *c, bool virtual_time)
{
    c->virtual_time = virtual_time;
    c->origin_ns = virtual_time ? 0 : mono_ns();
    atomic_init(&c->virtual_ms, 0);
}

uint64_t driver_clock_now_ms(const driver_clock_t *c)
{
    if (!c->virtual_time)
        return (mono_ns() - c->origin_ns) / 1000000u;
    /* Relaxed: the value is a plain count. A reader that must see the
     * timers fired at that time takes the driver's lock, which orders it
     * with driver_clock_set_ms (also done under the lock). */
    return atomic_load_explicit(&c->virtual_ms, memory_order_relaxed);
}

uint64_t driver_clock_now_ms_up(const driver_clock_t *c)
{
    if (!c->virtual_time)
        return (mono_ns() - c->origin_ns + 999999u) / 1000000u;
    return atomic_load_explicit(&c->virtual_ms, memory_order_relaxed);
}

void driver_clock_set_ms(driver_clock_t *c, uint64_t ms)
{
    assert(c->virtual_time);
    /* Only the lock holder writes, so load-then-store cannot race with
     * another writer; relaxed for the same reason as the load above. */
    uint64_t now = atomic_load_explicit(&c->virtual_ms, memory_order_relaxed);
    if (ms > now)
        atomic_store_explicit(&c->virtual_ms, ms, memory_order_relaxed);
}

uint64_t driver_clock_mono_ms(void)
{
    return mono_ns() / 1000000u;
}

uint64_t driver_clock_mono_ms_up(void)
{
    return (mono_ns() + 999999u) / 1000000u;
}
