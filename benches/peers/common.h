/* Shared by the C peers (baseline.c, fann_driver.c): the workloads' data and a timer.
 * Inputs are the same xorshift32 stream as benches/common/mod.rs: seed 2463534242 + offset,
 * top 24 bits mapped to [0, 1). Targets are one-hot of i % 10. */
#ifndef STACKNET_PEERS_COMMON_H
#define STACKNET_PEERS_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SAMPLES 32

static void fill_inputs(float *out, int n_in, uint32_t offset) {
    uint32_t s = 2463534242u + offset;
    for (int i = 0; i < SAMPLES * n_in; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        out[i] = (float)(s >> 8) / 16777216.0f;
    }
}

static void fill_targets10(float *out) {
    memset(out, 0, sizeof(float) * SAMPLES * 10);
    for (int i = 0; i < SAMPLES; i++) out[i * 10 + i % 10] = 1.0f;
}

/* Deterministic weight init in [-limit, limit] (a different generator from stacknet's:
 * only the scale matters for timing). */
static uint32_t init_state = 7u;
static float init_uniform(float limit) {
    init_state ^= init_state << 13;
    init_state ^= init_state >> 17;
    init_state ^= init_state << 5;
    return ((float)(init_state >> 8) / 16777216.0f * 2.0f - 1.0f) * limit;
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median over REPEATS runs of ns per call of `body`, each run sized to take ~10 ms. */
#define REPEATS 21
#define TIME_MEDIAN(label, body)                                                     \
    do {                                                                            \
        long iters = 1;                                                             \
        for (;;) {                                                                  \
            double t0 = now_ns();                                                   \
            for (long k_ = 0; k_ < iters; k_++) { body; }                           \
            if (now_ns() - t0 > 1e7) break;                                         \
            iters *= 2;                                                             \
        }                                                                           \
        double runs_[REPEATS];                                                      \
        for (int r_ = 0; r_ < REPEATS; r_++) {                                      \
            double t0 = now_ns();                                                   \
            for (long k_ = 0; k_ < iters; k_++) { body; }                           \
            runs_[r_] = (now_ns() - t0) / (double)iters;                            \
        }                                                                           \
        qsort(runs_, REPEATS, sizeof(double), cmp_double);                          \
        printf("%s %.1f\n", label, runs_[REPEATS / 2]);                             \
        fflush(stdout);                                                             \
    } while (0)

#endif
