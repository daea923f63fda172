/* The sensor-sized net 16-32-4: Dense(16→32), ReLU, Dense(32→4) with mean squared error
 * against one-hot targets; plain SGD. The same net, start and data as firmware/sensor/. */
#ifndef YD_SENSOR_H
#define YD_SENSOR_H
#include <stdint.h>

typedef struct {
    float w1[32][16], b1[32];
    float w2[4][32], b2[4];
} sensor_net;

#define SENSOR_PARAMS (32 * 16 + 32 + 4 * 32 + 4)
#define SENSOR_SAMPLES 8
#define SENSOR_EPOCHS 8
#define SENSOR_LR 0.05f

/* Deterministic start and data, generated identically by firmware/sensor/src/lib.rs:
 * weights k/512 and inputs k/128 for k in [−128, 127] from a 32-bit LCG (exact floats),
 * zero biases, sample s labelled s mod 4. */
void sensor_init(sensor_net *net, float xs[SENSOR_SAMPLES][16], float ts[SENSOR_SAMPLES][4]);

/* One SGD step on one sample: forward, MSE gradient, backward, update. Returns the loss. */
float sensor_step(sensor_net *net, const float x[16], const float t[4]);
/* The net's four outputs for x. */
void sensor_infer(const sensor_net *net, const float x[16], float y[4]);
#endif
