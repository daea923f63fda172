/* Hand-written building blocks of the yardstick nets: exp, sigmoid and one dense output.
 * The arithmetic is stacknet's, operation for operation, so that built with
 * -ffp-contract=off the C trains to bit-identical weights (checked by scripts/yardstick.sh). */
#ifndef YD_NN_H
#define YD_NN_H

/* e^x: the FreeBSD/SunPro single-precision algorithm (Cody-Waite reduction by ln 2, a
 * degree-2 rational approximation, scaling by 2^k), which is also what Rust's `libm::expf`
 * (stacknet's exp) computes, so both sides spend the same work and round the same way.
 * Written for this yardstick; newlib's expf is not used (see docs/YARDSTICK.md). */
float yd_expf(float x);

/* 1 / (1 + e^-x), never evaluating e^x for large positive x (stacknet's math::sigmoid). */
static inline float yd_sigmoid(float x)
{
    if (x >= 0.0f) {
        return 1.0f / (1.0f + yd_expf(-x));
    }
    float e = yd_expf(x);
    return e / (1.0f + e);
}

/* b + w·x over n inputs. YD_ORDER_SEQ: the order anyone writes by hand, b + w0x0 + w1x1 +
 * ... left to right (one fused multiply-add per input when contracted). Otherwise
 * stacknet's order (src/math.rs `dot`): eight interleaved partial sums over whole chunks of
 * eight, a fixed tree ((a0+a4)+(a1+a5))+((a2+a6)+(a3+a7)), the remaining inputs left to
 * right, then the bias. With contraction off both orders cost n multiplies and n adds. */
static inline float yd_neuron(const float *w, const float *x, int n, float b)
{
#if defined(YD_ORDER_SEQ)
    float s = b;
    for (int i = 0; i < n; i++) {
        s += w[i] * x[i];
    }
    return s;
#else
    int whole = n / 8 * 8;
    float sum = 0.0f;
    if (whole) {
        float a0 = w[0] * x[0], a1 = w[1] * x[1], a2 = w[2] * x[2], a3 = w[3] * x[3];
        float a4 = w[4] * x[4], a5 = w[5] * x[5], a6 = w[6] * x[6], a7 = w[7] * x[7];
        for (int i = 8; i < whole; i += 8) {
            a0 += w[i] * x[i];
            a1 += w[i + 1] * x[i + 1];
            a2 += w[i + 2] * x[i + 2];
            a3 += w[i + 3] * x[i + 3];
            a4 += w[i + 4] * x[i + 4];
            a5 += w[i + 5] * x[i + 5];
            a6 += w[i + 6] * x[i + 6];
            a7 += w[i + 7] * x[i + 7];
        }
        sum = ((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7));
    }
    if (whole < n) {
        float tail = w[whole] * x[whole];
        for (int i = whole + 1; i < n; i++) {
            tail += w[i] * x[i];
        }
        sum = whole ? sum + tail : tail;
    }
    return b + sum;
#endif
}
#endif
