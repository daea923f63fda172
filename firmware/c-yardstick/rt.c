/* Reset handler, vector table, semihosting and markers for the hand-written C firmware.
 * Linked by link.ld with the kit's memory map (scripts/embedded/memory/<board>/memory.x). */
#include "rt.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_start;
int main(void);

/* Markers. noipa keeps each a real call that gcc can neither inline nor fold with the
 * other (their bodies differ on purpose), like the Rust markers' black_box constants. */
__attribute__((noipa, used)) void bench_begin(void) { __asm__ volatile("" ::"r"(0xB0u)); }
__attribute__((noipa, used)) void bench_end(void) { __asm__ volatile("" ::"r"(0xE0u)); }

/* Arm semihosting call: r0 = operation, r1 = argument, via `bkpt 0xab` on M-profile. */
static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static char line[160];
static uint32_t len;

void yd_text(const char *s)
{
    while (*s && len < sizeof line - 2) {
        line[len++] = *s++;
    }
}

void yd_dec(uint32_t v)
{
    char d[10];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n && len < sizeof line - 2) {
        line[len++] = d[--n];
    }
}

void yd_hex(uint32_t v)
{
    for (int s = 28; s >= 0 && len < sizeof line - 2; s -= 4) {
        line[len++] = "0123456789abcdef"[(v >> s) & 15];
    }
}

void yd_send(void)
{
    line[len++] = '\n';
    line[len] = 0;
    semihost(0x04, line); /* SYS_WRITE0 */
    len = 0;
}

void yd_exit(int pass)
{
    yd_text(pass ? "verdict: PASS" : "verdict: FAIL");
    yd_send();
    /* SYS_EXIT with ADP_Stopped_ApplicationExit (QEMU exits 0) or RunTimeErrorUnknown (1). */
    semihost(0x18, (const void *)(uintptr_t)(pass ? 0x20026 : 0x20023));
    for (;;) {
    }
}

uint32_t yd_fnv1a(uint32_t h, const float *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t b = yd_bits(v[i]);
        for (int k = 0; k < 4; k++) {
            h ^= (b >> (8 * k)) & 0xff;
            h *= 0x01000193u;
        }
    }
    return h;
}

/* gcc may turn struct copies and zeroing into these calls; there is no libc. */
void *memcpy(void *d, const void *s, uint32_t n)
{
    uint8_t *dd = d;
    const uint8_t *ss = s;
    while (n--) {
        *dd++ = *ss++;
    }
    return d;
}

void *memset(void *d, int c, uint32_t n)
{
    uint8_t *dd = d;
    while (n--) {
        *dd++ = (uint8_t)c;
    }
    return d;
}

static void fault(void) { yd_exit(0); }

void reset(void)
{
    uint32_t *src = &_sidata, *dst = &_sdata;
    while (dst < &_edata) {
        *dst++ = *src++;
    }
    for (dst = &_sbss; dst < &_ebss; dst++) {
        *dst = 0;
    }
#if defined(__ARM_FP)
    /* Full access to CP10/CP11 (the FPU) before any float instruction; flush-to-zero
     * stays off (its reset state), as in the Rust firmware. */
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    yd_exit(main() == 0);
}

__attribute__((section(".vectors"), used)) void *const vectors[16] = {
    &_stack_start, reset, fault, fault, fault, fault, fault, 0, 0, 0, 0, fault, fault, 0, fault, fault,
};
