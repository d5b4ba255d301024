/*
 * trace/codec.h - the bytes of a trace file, version 2: one event as a
 * one-byte kind and LEB128 varints, a block's 40-byte header, CRC-32C.
 * What each byte means is docs/trace-format.md; the encoder runs on the
 * emitting thread (trace/blocks.c), the decoder in the reader
 * (trace/file.c), so both live here, side by side.
 *
 * An event inside a block, against the block's running state (time, the
 * previous event's task, the last nonzero task, the worker):
 *
 *   byte 0   kind (bits 0-4, 1..30) | task mode << 5 | args << 7
 *   varint   time - previous time (ns)
 *   [varint] task: mode 0 same as the previous event, 1 none (0),
 *            2 zigzag(task - last nonzero task), 3 the id itself
 *   [varint h, ...]  when args is set (else a = b = 0): h = a << 2 | 1 when
 *            b follows (a below 2^62); h = 2 | (b follows): a follows
 *            as a varint of its own; then b when it follows
 *
 * A control record (kind bits 0) changes the state instead: bit 5 a new
 * worker follows (varint of worker + 1, so that "no worker" is 0), bit 6
 * a new absolute time follows (a thread's clock went back, or the first
 * event of another clock).
 *
 * Tests: tests/test_trace.c.
 */
#ifndef ASYNCLAB_TRACE_CODEC_H
#define ASYNCLAB_TRACE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/trace.h"

#define TRACE_BLOCK_HEADER 40u
/* The most bytes one event can take, a control record included. */
#define TRACE_EVENT_MAX 64u

/* Block header field offsets. */
enum {
    BH_TAG = 0,       /* 'B' 'L' 'K' 0 */
    BH_PAYLOAD = 4,   /* u32: bytes of events after the header */
    BH_THREAD = 8,    /* u32: emitting thread, 0, 1, 2 ... */
    BH_SEQ = 12,      /* u32: this block's number within its thread */
    BH_BASE_TIME = 16, /* u64 */
    BH_WORKER = 24,   /* u32: the worker before the first event */
    BH_EVENTS = 28,   /* u32 */
    BH_RESERVED = 32, /* u32: 0 */
    BH_CRC = 36,      /* u32: CRC-32C of bytes 0..35, then the payload */
};

#define CODEC_CONTROL_WORKER 0x20u
#define CODEC_CONTROL_TIME   0x40u
#define CODEC_KIND_MASK      0x1fu
#define CODEC_ARGS           0x80u

/* The running state both sides keep within one block. */
typedef struct codec_state {
    uint64_t time; /* the previous event's (or the base) */
    uint64_t task; /* the previous event's */
    uint64_t ref;  /* the last nonzero task */
    uint32_t worker;
} codec_state_t;

static inline void codec_reset(codec_state_t *s, uint64_t base_time,
                               uint32_t worker)
{
    s->time = base_time;
    s->task = 0;
    s->ref = 0;
    s->worker = worker;
}

static inline unsigned char *codec_put_varint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

static inline uint64_t codec_zigzag(uint64_t d)
{
    return (d << 1) ^ (uint64_t)-(int64_t)(d >> 63);
}

static inline uint64_t codec_unzigzag(uint64_t z)
{
    return (z >> 1) ^ (uint64_t)-(int64_t)(z & 1);
}

/* Encode ev at p (TRACE_EVENT_MAX bytes of room); returns the end. */
static inline unsigned char *codec_put_event(unsigned char *p,
                                             codec_state_t *s,
                                             const trace_event_t *ev)
{
    uint64_t t = ev->time_ns;
    if (__builtin_expect(ev->worker != s->worker || t < s->time, 0)) {
        unsigned char *c = p++;
        *c = 0;
        if (ev->worker != s->worker) {
            *c |= CODEC_CONTROL_WORKER;
            p = codec_put_varint(p, (uint32_t)(ev->worker + 1u));
            s->worker = ev->worker;
        }
        if (t < s->time) {
            *c |= CODEC_CONTROL_TIME;
            p = codec_put_varint(p, t);
            s->time = t;
        }
    }
    unsigned char *k = p++;
    unsigned byte = ev->kind & CODEC_KIND_MASK;
    p = codec_put_varint(p, t - s->time);
    s->time = t;
    uint64_t task = ev->task;
    if (task != s->task) {
        if (task == 0) {
            byte |= 1u << 5;
        } else {
            uint64_t z = codec_zigzag(task - s->ref);
            if (z < task) {
                byte |= 2u << 5;
                p = codec_put_varint(p, z);
            } else {
                byte |= 3u << 5;
                p = codec_put_varint(p, task);
            }
            s->ref = task;
        }
        s->task = task;
    }
    if (ev->a != 0 || ev->b != 0) {
        /* a and whether b follows in one varint when a fits in 63 bits;
         * a's top bit set: the varint says so and a follows whole. */
        byte |= CODEC_ARGS;
        if ((ev->a >> 62) == 0) {
            p = codec_put_varint(p, ev->a << 2 | (ev->b != 0 ? 1 : 0));
        } else {
            p = codec_put_varint(p, 2u | (ev->b != 0 ? 1 : 0));
            p = codec_put_varint(p, ev->a);
        }
        if (ev->b != 0)
            p = codec_put_varint(p, ev->b);
    }
    *k = (unsigned char)byte;
    return p;
}

/* Decode one varint from [*p, end); false when it is cut short or longer
 * than 64 bits. */
bool codec_get_varint(const unsigned char **p, const unsigned char *end,
                      uint64_t *out);

/*
 * Decode the next event from [*p, end) into ev (control records are
 * applied on the way). 0; or -1 with a reason in why: cut short, an
 * unknown kind, a bad control record.
 */
int codec_get_event(const unsigned char **p, const unsigned char *end,
                    codec_state_t *s, trace_event_t *ev, const char **why);

/* CRC-32C (Castagnoli, reflected, as iSCSI and ext4 use it): start with
 * crc = 0, feed bytes; SSE4.2's crc32 instruction where the CPU has it,
 * the same function from a table elsewhere. */
uint32_t trace_crc32c(uint32_t crc, const void *p, size_t n);

/* The table version, for tests that compare the two. */
uint32_t trace_crc32c_sw(uint32_t crc, const void *p, size_t n);

/* Little-endian fields. */
static inline void codec_put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void codec_put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t codec_get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline uint64_t codec_get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* A block's header fields. */
typedef struct codec_block {
    uint32_t payload, thread, seq, worker, events;
    uint64_t base_time;
} codec_block_t;

/* Write the header of b at h (TRACE_BLOCK_HEADER bytes), with the CRC of
 * it and of the payload that follows it in memory. */
void codec_block_seal(unsigned char *h, const codec_block_t *b);

#endif
