/* Firmware: runs the (untrained, generated) 16-32-4 net on the eight samples, markers
 * around each inference; prints the outputs' checksum (compared with firmware/sensor's). */
#include "rt.h"
#include "sensor.h"

static sensor_net net;
static float xs[SENSOR_SAMPLES][16], ts[SENSOR_SAMPLES][4];

int main(void)
{
    sensor_init(&net, xs, ts);
    float ys[SENSOR_SAMPLES][4];
    for (int s = 0; s < SENSOR_SAMPLES; s++) {
        bench_begin();
        sensor_infer(&net, xs[s], ys[s]);
        bench_end();
    }
    yd_text("c-sensor-infer: checksum=0x");
    yd_hex(yd_fnv1a(YD_FNV_OFFSET, &ys[0][0], SENSOR_SAMPLES * 4));
    yd_send();
    return 0;
}
