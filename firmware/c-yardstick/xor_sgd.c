/* Firmware: trains XOR 2-4-1 by hand-written C SGD from stacknet's seeded start, markers
 * around every step; prints the weights' checksum (compared with stacknet's by the script)
 * and passes when the four outputs are on the right side of 0.5. */
#include "rt.h"
#include "xor.h"

int main(void)
{
    xor_net net;
    float *p = &net.w1[0][0];
    for (int i = 0; i < XOR_PARAMS; i++) {
        union { uint32_t u; float f; } b = { xor_init_bits[i] };
        p[i] = b.f;
    }
    uint32_t regions = 0;
    for (int epoch = 0; epoch < XOR_EPOCHS; epoch++) {
        for (int r = 0; r < 4; r++) {
            regions++;
            bench_begin();
            xor_step(&net, xor_inputs[r], xor_targets[r]);
            bench_end();
        }
    }
    int ok = 1;
    for (int r = 0; r < 4; r++) {
        float y = xor_infer(&net, xor_inputs[r]);
        ok &= (y > 0.5f) == (xor_targets[r] > 0.5f);
    }
    yd_text("c-xor-sgd: checksum=0x");
    yd_hex(yd_fnv1a(YD_FNV_OFFSET, p, XOR_PARAMS));
    yd_text(" classifies=");
    yd_dec((uint32_t)ok);
    yd_text(" regions=");
    yd_dec(regions);
    yd_send();
    return ok ? 0 : 1;
}
