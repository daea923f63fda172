/* XOR 2-4-1: Dense(2→4), sigmoid, Dense(4→1), sigmoid; mean squared error; plain SGD.
 * The same net, data, start and learning rate as firmware/common/src/xor.rs. */
#ifndef YD_XOR_H
#define YD_XOR_H
#include <stdint.h>

/* Parameters in stacknet's block order (weights row-major [out][in], then bias per layer),
 * so the checksum of the 17 floats is comparable with stacknet's. */
typedef struct {
    float w1[4][2], b1[4];
    float w2[1][4], b2[1];
} xor_net;

#define XOR_PARAMS 17
#define XOR_LR 2.0f      /* SGD_LR in firmware/common/src/xor.rs */
#define XOR_EPOCHS 500   /* SGD_EPOCHS */

extern const float xor_inputs[4][2];
extern const float xor_targets[4];

/* stacknet's seeded Xavier start, Xor::init(XavierUniform, rng(1)), as bit patterns. */
extern const uint32_t xor_init_bits[XOR_PARAMS];

/* One SGD step on one sample: forward, MSE gradient, backward, update. Returns the loss. */
float xor_step(xor_net *net, const float x[2], float t);
/* The net's output for x. */
float xor_infer(const xor_net *net, const float x[2]);
#endif
