/* The yardstick's bare-metal runtime: semihosting output and exit, and the two marker
 * functions the QEMU plugin (scripts/embedded/plugin/insncount.c) counts between. */
#ifndef YD_RT_H
#define YD_RT_H
#include <stdint.h>

/* Markers: the plugin counts guest instructions from entering bench_begin to entering
 * bench_end, like the Rust firmware's (firmware/common/src/lib.rs). */
void bench_begin(void);
void bench_end(void);

/* One output line over semihosting: text, then numbers, then yd_send(). */
void yd_text(const char *s);
void yd_dec(uint32_t v);
void yd_hex(uint32_t v);
void yd_send(void);
/* Ends the run: QEMU exits 0 when pass, 1 otherwise. */
void yd_exit(int pass) __attribute__((noreturn));

/* FNV-1a (32-bit) over the little-endian bytes of each float's bit pattern: the same
 * checksum as firmware/common/src/xor.rs, so equal values mean bit-identical weights. */
uint32_t yd_fnv1a(uint32_t h, const float *v, uint32_t n);
#define YD_FNV_OFFSET 0x811c9dc5u

static inline uint32_t yd_bits(float f)
{
    union { float f; uint32_t u; } b = { f };
    return b.u;
}
#endif
