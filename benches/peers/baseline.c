/* The hand-written C baseline: what you would write instead of using a library.
 * Two-layer nets on fixed-size arrays, plain loops, gcc -O3, no intrinsics, no -ffast-math.
 * The per-sample SGD step updates each weight in the same pass that computes its gradient,
 * so no gradient buffer exists at all.
 *
 *   baseline time               medians of repeated runs, "c <workload> <ns>" per line
 *   baseline <workload> <n>     run one workload n times (for callgrind)
 *
 * Workloads and data match benches/common/mod.rs. */
#include <math.h>
#include "common.h"

static inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }
static inline float reluf(float x) { return x > 0.0f ? x : 0.0f; }

/* NET(name, IN, HID, OUT, ACT, DACT): a IN-HID-OUT net, hidden activation ACT with derivative
 * DACT(h) written through the output h. The output layer is logits + softmax cross-entropy
 * (OUT > 1) or a sigmoid + MSE (OUT == 1, XOR). */
#define NET(name, IN, HID, OUT, ACT, DACT)                                             \
    typedef struct {                                                                   \
        float w1[HID][IN], b1[HID], w2[OUT][HID], b2[OUT];                             \
    } name##_net;                                                                      \
                                                                                       \
    static void name##_init(name##_net *n) {                                           \
        for (int j = 0; j < HID; j++) {                                                \
            for (int i = 0; i < IN; i++) n->w1[j][i] = init_uniform(sqrtf(6.0f / IN)); \
            n->b1[j] = 0.0f;                                                           \
        }                                                                              \
        for (int k = 0; k < OUT; k++) {                                                \
            for (int j = 0; j < HID; j++) n->w2[k][j] = init_uniform(sqrtf(6.0f / HID)); \
            n->b2[k] = 0.0f;                                                           \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    static void name##_forward(const name##_net *n, const float *x, float *h, float *z) { \
        for (int j = 0; j < HID; j++) {                                                \
            float s = n->b1[j];                                                        \
            for (int i = 0; i < IN; i++) s += n->w1[j][i] * x[i];                      \
            h[j] = ACT(s);                                                             \
        }                                                                              \
        for (int k = 0; k < OUT; k++) {                                                \
            float s = n->b2[k];                                                        \
            for (int j = 0; j < HID; j++) s += n->w2[k][j] * h[j];                     \
            z[k] = s;                                                                  \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    /* Output-layer gradient dz and the loss, for logits z and target t. */            \
    static float name##_loss_grad(const float *z, const float *t, float *dz) {         \
        if (OUT == 1) {                                                                \
            float y = sigmoidf(z[0]), e = y - t[0];                                    \
            dz[0] = 2.0f * e * y * (1.0f - y);                                         \
            return e * e;                                                              \
        }                                                                              \
        float m = z[0], sum = 0.0f, loss = 0.0f;                                       \
        for (int k = 1; k < OUT; k++) m = z[k] > m ? z[k] : m;                         \
        for (int k = 0; k < OUT; k++) { dz[k] = expf(z[k] - m); sum += dz[k]; }        \
        float lse = m + logf(sum);                                                     \
        for (int k = 0; k < OUT; k++) {                                                \
            dz[k] = dz[k] / sum - t[k];                                                \
            loss += t[k] * (lse - z[k]);                                               \
        }                                                                              \
        return loss;                                                                   \
    }                                                                                  \
                                                                                       \
    static float name##_step(name##_net *n, const float *x, const float *t, float lr) { \
        float h[HID], z[OUT], dz[OUT], dh[HID];                                        \
        name##_forward(n, x, h, z);                                                    \
        float loss = name##_loss_grad(z, t, dz);                                       \
        for (int j = 0; j < HID; j++) {                                                \
            float s = 0.0f;                                                            \
            for (int k = 0; k < OUT; k++) s += n->w2[k][j] * dz[k];                    \
            dh[j] = s * DACT(h[j]);                                                    \
        }                                                                              \
        for (int k = 0; k < OUT; k++) {                                                \
            for (int j = 0; j < HID; j++) n->w2[k][j] -= lr * dz[k] * h[j];            \
            n->b2[k] -= lr * dz[k];                                                    \
        }                                                                              \
        for (int j = 0; j < HID; j++) {                                                \
            for (int i = 0; i < IN; i++) n->w1[j][i] -= lr * dh[j] * x[i];             \
            n->b1[j] -= lr * dh[j];                                                    \
        }                                                                              \
        return loss;                                                                   \
    }                                                                                  \
                                                                                       \
    static float name##_infer(const name##_net *n, const float *x) {                   \
        float h[HID], z[OUT];                                                          \
        name##_forward(n, x, h, z);                                                    \
        return z[0];                                                                   \
    }

#define DSIGMOID(h) ((h) * (1.0f - (h)))
#define DRELU(h) ((h) > 0.0f ? 1.0f : 0.0f)

NET(xor, 2, 4, 1, sigmoidf, DSIGMOID)
NET(digits, 64, 100, 10, sigmoidf, DSIGMOID)
NET(mnist, 784, 128, 10, reluf, DRELU)

/* XOR full-batch epoch: gradients of the 4 samples summed, then one averaged update. */
static float xor_epoch(xor_net *n, const float *x, const float *t, float lr) {
    float g1[4][2] = {{0}}, gb1[4] = {0}, g2[4] = {0}, gb2 = 0.0f, loss = 0.0f;
    for (int s = 0; s < 4; s++) {
        float h[4], z[1], dz[1];
        xor_forward(n, x + 2 * s, h, z);
        loss += xor_loss_grad(z, t + s, dz);
        for (int j = 0; j < 4; j++) {
            float dh = n->w2[0][j] * dz[0] * DSIGMOID(h[j]);
            g2[j] += dz[0] * h[j];
            for (int i = 0; i < 2; i++) g1[j][i] += dh * x[2 * s + i];
            gb1[j] += dh;
        }
        gb2 += dz[0];
    }
    float step = lr / 4.0f;
    for (int j = 0; j < 4; j++) {
        for (int i = 0; i < 2; i++) n->w1[j][i] -= step * g1[j][i];
        n->b1[j] -= step * gb1[j];
        n->w2[0][j] -= step * g2[j];
    }
    n->b2[0] -= step * gb2;
    return loss / 4.0f;
}

int main(int argc, char **argv) {
    static const float xor_x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, xor_t[4] = {0, 1, 1, 0};
    float digits_x[SAMPLES * 64], mnist_x[SAMPLES * 784], t10[SAMPLES * 10];
    fill_inputs(digits_x, 64, 0);
    fill_inputs(mnist_x, 784, 1);
    fill_targets10(t10);
    /* The networks live on the stack, like stacknet's. */
    xor_net xn;
    digits_net dn;
    mnist_net mn;
    xor_init(&xn);
    digits_init(&dn);
    mnist_init(&mn);
    volatile float sink = 0.0f;
    long i = 0;
#define NEXT(k) ((k) = ((k) + 1) % SAMPLES)
#define WORKLOADS(RUN)                                                                     \
    RUN("xor_infer", { sink = xor_infer(&xn, xor_x + 2 * (i & 3)); i++; })                \
    RUN("xor_step", { sink = xor_step(&xn, xor_x + 2 * (i & 3), xor_t + (i & 3), 0.5f); i++; }) \
    RUN("xor_epoch", { sink = xor_epoch(&xn, xor_x, xor_t, 0.5f); })                      \
    RUN("digits_infer", { sink = digits_infer(&dn, digits_x + 64 * i); NEXT(i); })         \
    RUN("digits_step", { sink = digits_step(&dn, digits_x + 64 * i, t10 + 10 * i, 0.01f); NEXT(i); }) \
    RUN("mnist_infer", { sink = mnist_infer(&mn, mnist_x + 784 * i); NEXT(i); })           \
    RUN("mnist_step", { sink = mnist_step(&mn, mnist_x + 784 * i, t10 + 10 * i, 0.01f); NEXT(i); })

    if (argc == 2 && strcmp(argv[1], "time") == 0) {
#define TIME(name, body) i = 0; TIME_MEDIAN("c " name, body);
        WORKLOADS(TIME)
        return 0;
    }
    if (argc == 3) {
        long n = atol(argv[2]);
#define ONE(name, body) if (strcmp(argv[1], name) == 0) { for (long k = 0; k < n; k++) body; return 0; }
        WORKLOADS(ONE)
    }
    fprintf(stderr, "usage: baseline time | baseline <workload> <n>\n");
    (void)sink;
    return 2;
}
