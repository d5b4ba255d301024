/*
 * trace/codec.c - decoding events, sealing blocks, CRC-32C (trace/codec.h).
 *
 * CRC-32C: polynomial 0x1EDC6F41, reflected (0x82F63B78), initial value
 * and final XOR 0xFFFFFFFF; check value of "123456789" 0xE3069283. The
 * table version is Sarwate's byte-at-a-time loop (1988); on x86-64 with
 * SSE4.2 the crc32 instruction computes the same function 8 bytes at a
 * time, which is what lets the writer checksum a block for a few
 * microseconds instead of most of a core.
 *
 * Tests: tests/test_trace.c.
 */
#include "trace/codec.h"

#include <pthread.h>
#include <string.h>

bool codec_get_varint(const unsigned char **p, const unsigned char *end,
                      uint64_t *out)
{
    const unsigned char *q = *p;
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (q == end)
            return false;
        unsigned char c = *q++;
        if (shift == 63 && (c & 0x7e) != 0)
            return false; /* more than 64 bits */
        v |= (uint64_t)(c & 0x7f) << shift;
        if ((c & 0x80) == 0) {
            *p = q;
            *out = v;
            return true;
        }
    }
    return false;
}

int codec_get_event(const unsigned char **p, const unsigned char *end,
                    codec_state_t *s, trace_event_t *ev, const char **why)
{
    const unsigned char *q = *p;
    uint64_t v;
    for (;;) {
        if (q == end) {
            *why = "cut short";
            return -1;
        }
        unsigned byte = *q;
        if ((byte & CODEC_KIND_MASK) != 0)
            break;
        q++;
        if (byte == 0 || (byte & ~(CODEC_CONTROL_WORKER | CODEC_CONTROL_TIME)))
            {
            *why = "bad control record";
            return -1;
        }
        if (byte & CODEC_CONTROL_WORKER) {
            if (!codec_get_varint(&q, end, &v) || v > UINT32_MAX) {
                *why = "bad worker";
                return -1;
            }
            s->worker = (uint32_t)v - 1u;
        }
        if (byte & CODEC_CONTROL_TIME) {
            if (!codec_get_varint(&q, end, &v)) {
                *why = "bad time";
                return -1;
            }
            s->time = v;
        }
    }
    unsigned byte = *q++;
    unsigned kind = byte & CODEC_KIND_MASK;
    if (kind >= TRACE_KIND_COUNT) {
        *why = "unknown kind";
        return -1;
    }
    if (!codec_get_varint(&q, end, &v) || v > UINT64_MAX - s->time) {
        *why = "bad time";
        return -1;
    }
    s->time += v;
    switch ((byte >> 5) & 3) {
    case 0:
        break;
    case 1:
        s->task = 0;
        break;
    case 2:
        if (!codec_get_varint(&q, end, &v)) {
            *why = "bad task";
            return -1;
        }
        s->task = s->ref + codec_unzigzag(v);
        break;
    default:
        if (!codec_get_varint(&q, end, &v)) {
            *why = "bad task";
            return -1;
        }
        s->task = v;
        break;
    }
    if (s->task != 0)
        s->ref = s->task;
    ev->a = ev->b = 0;
    if (byte & CODEC_ARGS) {
        uint64_t h;
        if (!codec_get_varint(&q, end, &h) || h == 0 ||
            (h > 3 && (h & 2) != 0) ||
            ((h & 2) != 0 && !codec_get_varint(&q, end, &ev->a)) ||
            ((h & 1) != 0 && !codec_get_varint(&q, end, &ev->b)) ||
            ((h & 1) != 0 && ev->b == 0) || ((h & 2) != 0 && (ev->a >> 62) == 0)) {
            *why = "bad arguments";
            return -1;
        }
        if ((h & 2) == 0)
            ev->a = h >> 2;
    }
    ev->time_ns = s->time;
    ev->task = s->task;
    ev->worker = s->worker;
    ev->kind = kind;
    *p = q;
    return 0;
}

/* ---- CRC-32C ------------------------------------------------------------- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t trace_crc32c_sw(uint32_t crc, const void *p, size_t n)
{
    pthread_once(&crc_once, crc_table_init);
    const unsigned char *b = p;
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#if defined(__x86_64__)
#include <cpuid.h>

__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc,
                                                         const void *p,
                                                         size_t n)
{
    const unsigned char *b = p;
    uint64_t c = ~crc;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        c = __builtin_ia32_crc32di(c, w);
        b += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n-- > 0)
        c32 = __builtin_ia32_crc32qi(c32, *b++);
    return ~c32;
}

static int crc_hw_ok = -1; /* racy but idempotent: every thread finds the
                              same answer */

uint32_t trace_crc32c(uint32_t crc, const void *p, size_t n)
{
    int ok = __atomic_load_n(&crc_hw_ok, __ATOMIC_RELAXED);
    if (ok < 0) {
        unsigned a, b, c, d;
        ok = __get_cpuid(1, &a, &b, &c, &d) != 0 && (c & bit_SSE4_2) != 0;
        __atomic_store_n(&crc_hw_ok, ok, __ATOMIC_RELAXED);
    }
    return ok ? crc_hw(crc, p, n) : trace_crc32c_sw(crc, p, n);
}
#else
uint32_t trace_crc32c(uint32_t crc, const void *p, size_t n)
{
    return trace_crc32c_sw(crc, p, n);
}
#endif

void codec_block_seal(unsigned char *h, const codec_block_t *b)
{
    h[0] = 'B';
    h[1] = 'L';
    h[2] = 'K';
    h[3] = 0;
    codec_put_u32(h + BH_PAYLOAD, b->payload);
    codec_put_u32(h + BH_THREAD, b->thread);
    codec_put_u32(h + BH_SEQ, b->seq);
    codec_put_u64(h + BH_BASE_TIME, b->base_time);
    codec_put_u32(h + BH_WORKER, b->worker);
    codec_put_u32(h + BH_EVENTS, b->events);
    codec_put_u32(h + BH_RESERVED, 0);
    uint32_t crc = trace_crc32c(0, h, BH_CRC);
    crc = trace_crc32c(crc, h + TRACE_BLOCK_HEADER, b->payload);
    codec_put_u32(h + BH_CRC, crc);
}
