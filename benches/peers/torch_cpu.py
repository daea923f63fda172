"""PyTorch CPU peer, one thread: the usual nn.Sequential + optimizer loop, at batch 1
(per-sample SGD step, inference) and batch 32 (one Adam step on a mini-batch).
Same workloads as benches/common/mod.rs, W4 (the small CNN) included. Prints
"torch <workload> <ns>" lines."""

import copy

import torch
from torch import nn

from common import XOR_T, XOR_X, inputs, targets10, time_median

torch.set_num_threads(1)
torch.manual_seed(7)


def net(n_in, n_hid, n_out, act):
    return nn.Sequential(nn.Linear(n_in, n_hid), act(), nn.Linear(n_hid, n_out))


def cnn():
    """W4: conv 3x3 x8 (valid) -> ReLU -> 2x2 max pool -> dense, on flat 784-float rows."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 8, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 13 * 13, 10),
    )


def main():
    xor = nn.Sequential(net(2, 4, 1, nn.Sigmoid), nn.Sigmoid())
    cases = [
        ("xor", xor, nn.MSELoss(), torch.from_numpy(XOR_X), torch.from_numpy(XOR_T), 0.5),
        ("digits", net(64, 100, 10, nn.Sigmoid), nn.CrossEntropyLoss(),
         torch.from_numpy(inputs(64, 0)), torch.from_numpy(targets10()), 0.01),
        ("mnist", net(784, 128, 10, nn.ReLU), nn.CrossEntropyLoss(),
         torch.from_numpy(inputs(784, 1)), torch.from_numpy(targets10()), 0.01),
        ("cnn", cnn(), nn.CrossEntropyLoss(),
         torch.from_numpy(inputs(784, 1)), torch.from_numpy(targets10()), 0.01),
    ]
    for name, model, loss_fn, xs, ts, lr in cases:
        n = xs.shape[0]
        state = {"i": 0}

        def nxt():
            i = state["i"]
            state["i"] = (i + 1) % n
            return i

        def infer():
            with torch.no_grad():
                i = nxt()
                return model(xs[i : i + 1])

        sgd = torch.optim.SGD(model.parameters(), lr=lr)

        def step():
            i = nxt()
            sgd.zero_grad()
            loss = loss_fn(model(xs[i : i + 1]), ts[i : i + 1])
            loss.backward()
            sgd.step()
            return loss

        time_median(f"torch {name}_infer", infer)
        time_median(f"torch {name}_step", step)
        if name == "xor":
            def epoch():
                sgd.zero_grad()
                loss = loss_fn(model(xs), ts)
                loss.backward()
                sgd.step()
            time_median("torch xor_epoch", epoch)
        else:
            # Restart from the same weights and a fresh Adam every 256 batches, as the
            # stacknet workload does (benches/common/mod.rs, BATCHES_PER_RESTART): it keeps
            # the run out of the subnormal-gradient regime of a memorised batch.
            start = copy.deepcopy(model.state_dict())
            opt = {"adam": torch.optim.Adam(model.parameters(), lr=1e-3), "n": 0}

            def batch():
                if opt["n"] == 256:
                    model.load_state_dict(start)
                    opt["adam"], opt["n"] = torch.optim.Adam(model.parameters(), lr=1e-3), 0
                opt["n"] += 1
                adam = opt["adam"]
                adam.zero_grad()
                loss = loss_fn(model(xs), ts)
                loss.backward()
                adam.step()
                return loss

            time_median(f"torch {name}_batch", batch)


if __name__ == "__main__":
    main()
