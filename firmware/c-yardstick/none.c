/* Firmware: the same markers, output and exit around nothing. Its per-region count is the
 * markers' own cost, subtracted from every measured step; its flash is the baseline. */
#include "rt.h"

int main(void)
{
    volatile uint32_t sink = 0;
    for (uint32_t r = 0; r < 8; r++) {
        bench_begin();
        sink = r;
        bench_end();
    }
    yd_text("c-none: regions=8");
    yd_send();
    return (int)(sink != 7);
}
