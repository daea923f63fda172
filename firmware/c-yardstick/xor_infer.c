/* Firmware: runs the host-trained XOR model of firmware/infer/src/model.rs (generated into
 * xor_model.h by scripts/yardstick.sh) on the four inputs, markers around each inference;
 * prints how many outputs are bit-identical with stacknet's (OUTPUT_BITS). */
#include "rt.h"
#include "xor.h"
#include "xor_model.h"

int main(void)
{
    uint32_t same = 0, ok = 1;
    for (int r = 0; r < 4; r++) {
        const xor_net *volatile net = &xor_model; /* no folding of the constant model */
        bench_begin();
        float y = xor_infer(net, xor_inputs[r]);
        bench_end();
        same += yd_bits(y) == xor_output_bits[r];
        ok &= (y > 0.5f) == (xor_targets[r] > 0.5f);
    }
    yd_text("c-xor-infer: bit_identical=");
    yd_dec(same);
    yd_text(" classifies=");
    yd_dec(ok);
    yd_send();
    return ok ? 0 : 1;
}
