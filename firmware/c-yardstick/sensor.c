/* The 16-32-4 net by hand: the per-sample SGD step and inference (see sensor.h). */
#include "sensor.h"
#include "nn.h"

static uint32_t lcg_state;

/* Numerical Recipes' LCG; the top byte as a signed integer in [−128, 127]. */
static int lcg_next(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (int)(lcg_state >> 24) - 128;
}

void sensor_init(sensor_net *net, float xs[SENSOR_SAMPLES][16], float ts[SENSOR_SAMPLES][4])
{
    lcg_state = 0x5EED5EEDu;
    for (int o = 0; o < 32; o++) {
        for (int i = 0; i < 16; i++) {
            net->w1[o][i] = (float)lcg_next() / 512.0f;
        }
        net->b1[o] = 0.0f;
    }
    for (int o = 0; o < 4; o++) {
        for (int i = 0; i < 32; i++) {
            net->w2[o][i] = (float)lcg_next() / 512.0f;
        }
        net->b2[o] = 0.0f;
    }
    for (int s = 0; s < SENSOR_SAMPLES; s++) {
        for (int i = 0; i < 16; i++) {
            xs[s][i] = (float)lcg_next() / 128.0f;
        }
        for (int c = 0; c < 4; c++) {
            ts[s][c] = c == s % 4 ? 1.0f : 0.0f;
        }
    }
}

static inline float relu(float v) { return v > 0.0f ? v : 0.0f; }

__attribute__((noinline)) float sensor_step(sensor_net *net, const float x[16], const float t[4])
{
    /* forward */
    float h[32], y[4];
    for (int o = 0; o < 32; o++) {
        h[o] = relu(yd_neuron(net->w1[o], x, 16, net->b1[o]));
    }
    for (int o = 0; o < 4; o++) {
        y[o] = yd_neuron(net->w2[o], h, 32, net->b2[o]);
    }

    /* MSE over four outputs: loss Σe²/4, dloss/dy = (2/4)·e */
    float dy[4], sum = 0.0f;
    for (int o = 0; o < 4; o++) {
        float e = y[o] - t[o];
        sum += e * e;
        dy[o] = 0.5f * e;
    }

    /* backward with the old weights: dh = W2ᵀ·dy, summed over the outputs in order, then
     * through the ReLU (zero where the unit was off) */
    float dh[32];
    for (int i = 0; i < 32; i++) {
        float s = dy[0] * net->w2[0][i];
        s += dy[1] * net->w2[1][i];
        s += dy[2] * net->w2[2][i];
        s += dy[3] * net->w2[3][i];
        dh[i] = h[i] > 0.0f ? s : 0.0f;
    }

    /* update: w −= lr·(d·input), b −= lr·d */
    for (int o = 0; o < 4; o++) {
        for (int i = 0; i < 32; i++) {
            net->w2[o][i] -= SENSOR_LR * (dy[o] * h[i]);
        }
        net->b2[o] -= SENSOR_LR * dy[o];
    }
    for (int o = 0; o < 32; o++) {
        for (int i = 0; i < 16; i++) {
            net->w1[o][i] -= SENSOR_LR * (dh[o] * x[i]);
        }
        net->b1[o] -= SENSOR_LR * dh[o];
    }
    return sum / 4.0f;
}

__attribute__((noinline)) void sensor_infer(const sensor_net *net, const float x[16], float y[4])
{
    float h[32];
    for (int o = 0; o < 32; o++) {
        h[o] = relu(yd_neuron(net->w1[o], x, 16, net->b1[o]));
    }
    for (int o = 0; o < 4; o++) {
        y[o] = yd_neuron(net->w2[o], h, 32, net->b2[o]);
    }
}
