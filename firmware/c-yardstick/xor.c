/* XOR 2-4-1 by hand: the per-sample SGD step and inference (see xor.h). */
#include "xor.h"
#include "nn.h"

const float xor_inputs[4][2] = {{0.0f, 0.0f}, {0.0f, 1.0f}, {1.0f, 0.0f}, {1.0f, 1.0f}};
const float xor_targets[4] = {0.0f, 1.0f, 1.0f, 0.0f};

/* Printed by a host program from stacknet 0.1 (Xor::ZERO, init(XavierUniform, rng(1)));
 * wrong bits would change the trained checksum, which scripts/yardstick.sh compares with
 * SGD_CHECKSUM of firmware/common/src/xor.rs. */
const uint32_t xor_init_bits[XOR_PARAMS] = {
    0x3ec8fa64, 0xbc8b2740, 0xbe9b5e64, 0x3ec72ae0, 0x3f6efb7c, 0xbf5d5c5e, 0xbf69457c, 0x3f5f61b4,
    0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x3f8053be, 0xbe3d6c4f, 0x3dced4f5, 0x3f5861f5,
    0x00000000,
};

__attribute__((noinline)) float xor_step(xor_net *net, const float x[2], float t)
{
    /* forward */
    float h[4];
    for (int o = 0; o < 4; o++) {
        h[o] = yd_sigmoid(yd_neuron(net->w1[o], x, 2, net->b1[o]));
    }
    float y = yd_sigmoid(yd_neuron(net->w2[0], h, 4, net->b2[0]));

    /* MSE over one output: loss e², dloss/dy = (2/1)·e */
    float e = y - t;
    float loss = e * e;
    float dz2 = (2.0f * e) * (y * (1.0f - y)); /* through the output sigmoid */

    /* backward with the old weights: hidden gradients through the hidden sigmoids */
    float dz1[4];
    for (int i = 0; i < 4; i++) {
        dz1[i] = (dz2 * net->w2[0][i]) * (h[i] * (1.0f - h[i]));
    }

    /* update: w −= lr·(dz·input), b −= lr·dz */
    for (int i = 0; i < 4; i++) {
        net->w2[0][i] -= XOR_LR * (dz2 * h[i]);
    }
    net->b2[0] -= XOR_LR * dz2;
    for (int o = 0; o < 4; o++) {
        net->w1[o][0] -= XOR_LR * (dz1[o] * x[0]);
        net->w1[o][1] -= XOR_LR * (dz1[o] * x[1]);
        net->b1[o] -= XOR_LR * dz1[o];
    }
    return loss;
}

__attribute__((noinline)) float xor_infer(const xor_net *net, const float x[2])
{
    float h[4];
    for (int o = 0; o < 4; o++) {
        h[o] = yd_sigmoid(yd_neuron(net->w1[o], x, 2, net->b1[o]));
    }
    return yd_sigmoid(yd_neuron(net->w2[0], h, 4, net->b2[0]));
}
