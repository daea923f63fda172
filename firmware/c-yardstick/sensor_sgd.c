/* Firmware: trains the 16-32-4 net by hand-written C SGD, markers around every step; prints
 * the weights' checksum (compared with firmware/sensor's by the script). */
#include "rt.h"
#include "sensor.h"

static sensor_net net;
static float xs[SENSOR_SAMPLES][16], ts[SENSOR_SAMPLES][4];

int main(void)
{
    sensor_init(&net, xs, ts);
    float first = 0.0f, last = 0.0f;
    for (int epoch = 0; epoch < SENSOR_EPOCHS; epoch++) {
        float sum = 0.0f;
        for (int s = 0; s < SENSOR_SAMPLES; s++) {
            bench_begin();
            float loss = sensor_step(&net, xs[s], ts[s]);
            bench_end();
            sum += loss;
        }
        if (epoch == 0) {
            first = sum;
        }
        last = sum;
    }
    int ok = last < first;
    yd_text("c-sensor-sgd: checksum=0x");
    yd_hex(yd_fnv1a(YD_FNV_OFFSET, &net.w1[0][0], SENSOR_PARAMS));
    yd_text(" loss_falls=");
    yd_dec((uint32_t)ok);
    yd_send();
    return ok ? 0 : 1;
}
