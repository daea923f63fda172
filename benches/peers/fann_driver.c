/* FANN peer (Debian's libfann-dev, float build): fann_run for inference, fann_train with
 * FANN_TRAIN_INCREMENTAL for the per-sample step, FANN_TRAIN_BATCH + fann_train_epoch for
 * the XOR full-batch epoch. FANN 2.2 has neither ReLU nor softmax: the MNIST-shaped net
 * uses FANN_LINEAR_PIECE (max(0, min(1, x)), as cheap as a ReLU) in the hidden layer, and
 * the 10-output nets use a linear output with FANN's MSE. Prints "fann <workload> <ns>". */
#include <floatfann.h>
#include "common.h"

static struct fann *make(unsigned in, unsigned hid, unsigned out,
                         enum fann_activationfunc_enum act, enum fann_activationfunc_enum out_act,
                         float lr) {
    struct fann *ann = fann_create_standard(3, in, hid, out);
    fann_set_activation_function_hidden(ann, act);
    fann_set_activation_function_output(ann, out_act);
    fann_set_activation_steepness_hidden(ann, 1.0f);
    fann_set_activation_steepness_output(ann, 1.0f);
    fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
    fann_set_learning_rate(ann, lr);
    fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
    fann_randomize_weights(ann, -0.1f, 0.1f);
    return ann;
}

int main(void) {
    static float xor_x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, xor_t[4] = {0, 1, 1, 0};
    static float digits_x[SAMPLES * 64], mnist_x[SAMPLES * 784], t10[SAMPLES * 10];
    fill_inputs(digits_x, 64, 0);
    fill_inputs(mnist_x, 784, 1);
    fill_targets10(t10);
    srand(7);
    struct fann *xor = make(2, 4, 1, FANN_SIGMOID, FANN_SIGMOID, 0.5f);
    struct fann *digits = make(64, 100, 10, FANN_SIGMOID, FANN_LINEAR, 0.01f);
    struct fann *mnist = make(784, 128, 10, FANN_LINEAR_PIECE, FANN_LINEAR, 0.01f);
    volatile float sink = 0.0f;
    long i = 0;

    TIME_MEDIAN("fann xor_infer", { sink = fann_run(xor, xor_x + 2 * (i & 3))[0]; i++; });
    TIME_MEDIAN("fann xor_step", { fann_train(xor, xor_x + 2 * (i & 3), xor_t + (i & 3)); i++; });
    struct fann_train_data *data = fann_create_train(4, 2, 1);
    for (int s = 0; s < 4; s++) {
        data->input[s][0] = xor_x[2 * s];
        data->input[s][1] = xor_x[2 * s + 1];
        data->output[s][0] = xor_t[s];
    }
    fann_set_training_algorithm(xor, FANN_TRAIN_BATCH);
    TIME_MEDIAN("fann xor_epoch", { sink = fann_train_epoch(xor, data); });

    i = 0;
    TIME_MEDIAN("fann digits_infer", { sink = fann_run(digits, digits_x + 64 * i)[0]; i = (i + 1) % SAMPLES; });
    TIME_MEDIAN("fann digits_step", { fann_train(digits, digits_x + 64 * i, t10 + 10 * i); i = (i + 1) % SAMPLES; });
    TIME_MEDIAN("fann mnist_infer", { sink = fann_run(mnist, mnist_x + 784 * i)[0]; i = (i + 1) % SAMPLES; });
    TIME_MEDIAN("fann mnist_step", { fann_train(mnist, mnist_x + 784 * i, t10 + 10 * i); i = (i + 1) % SAMPLES; });

    fann_destroy_train(data);
    fann_destroy(xor);
    fann_destroy(digits);
    fann_destroy(mnist);
    (void)sink;
    return 0;
}
