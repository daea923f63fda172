/* e^x for the yardstick (see nn.h). */
#include "nn.h"
#include "rt.h"

static float from_bits(uint32_t u)
{
    union { uint32_t u; float f; } b = { u };
    return b.f;
}

/* y · 2^k for the k that exp produces (-150 ≤ k ≤ 128), pre-scaling out of the exponent
 * range first, as a general scalbnf does. */
static float scale_pow2(float y, int k)
{
    if (k > 127) {
        y *= 0x1p127f;
        k -= 127;
    } else if (k < -126) {
        y *= 0x1p-102f;
        k += 102;
    }
    return y * from_bits((uint32_t)(127 + k) << 23);
}

float yd_expf(float x)
{
    const float ln2_hi = 6.9314575195e-01f, ln2_lo = 1.4286067653e-06f;
    const float inv_ln2 = 1.4426950216e+00f;
    /* x·(e^x+1)/(e^x−1) ≈ 2 + p(x²) on [−0.3457, 0.3457], |error| < 2^-27.7 */
    const float p1 = 1.6666625440e-1f, p2 = -2.7667332906e-3f;
    uint32_t ux = yd_bits(x);
    int negative = (int)(ux >> 31);
    uint32_t ax = ux & 0x7fffffffu;

    if (ax >= 0x42aeac50u) { /* |x| ≥ 87.34, or NaN */
        if (ax > 0x7f800000u) {
            return x; /* NaN */
        }
        if (!negative && ax >= 0x42b17218u) {
            return x * 0x1p127f; /* x ≥ 88.72: overflows to +∞ */
        }
        if (negative && ax >= 0x42cff1b5u) {
            return 0.0f; /* x ≤ −103.97: underflows to 0 */
        }
    }
    int k;
    float hi, lo;
    if (ax > 0x3eb17218u) { /* |x| > ln2 / 2: x = k·ln2 + r */
        if (ax > 0x3f851592u) { /* |x| > 1.5 ln2 */
            k = (int)(inv_ln2 * x + (negative ? -0.5f : 0.5f));
        } else {
            k = negative ? -1 : 1;
        }
        float kf = (float)k;
        hi = x - kf * ln2_hi; /* exact: ln2_hi has trailing zero bits */
        lo = kf * ln2_lo;
        x = hi - lo;
    } else if (ax > 0x39000000u) { /* |x| > 2^-14 */
        k = 0;
        hi = x;
        lo = 0.0f;
    } else {
        return 1.0f + x;
    }
    float xx = x * x;
    float c = x - xx * (p1 + xx * p2);
    float y = 1.0f + (x * c / (2.0f - c) - lo + hi);
    return k == 0 ? y : scale_pow2(y, k);
}
