"""Matrix-product FLOPs of each experiment at book scale, counted from the config.

The floor under any implementation of the chapter: a training step of a net with layer
sizes n_0, ..., n_L on a batch of B costs 2*B*sum(n_i * n_{i+1}) for the forward pass,
as much again for the weight gradients, and 2*B*sum over all but the first layer for the
input gradients; an evaluation of N images costs a forward pass of N. Counts are for the
784 input pixels the book uses (the pipeline skips the pixels that are 0 in every image
an experiment sees, which removes 8-26% of the first layer's products).
"""

import numpy as np

from dlscratch.chapter.regularization import baseline_epochs
from dlscratch.trainer import epoch_end_iterations


def _layer_macs(sizes):
    pairs = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    forward = sum(pairs)
    return forward, forward + sum(pairs[1:])  # forward; backward = weight grads + input grads


def _run(sizes, batch, iterations, eval_rows, evals, forwards_per_step=1):
    forward, backward = _layer_macs(sizes)
    return 2 * (batch * iterations * (forwards_per_step * forward + backward) + eval_rows * evals * forward)


def _iterations(n, batch, epochs):
    return epoch_end_iterations(n, batch, epochs)[-1]


def experiment_flops(config, n_test=10000):
    """{experiment: matrix-product FLOPs for one seed} for the pipeline's config dict."""
    flops = {}
    for name, variants in (("optimizer_mnist", "optimizers"), ("init_mnist", "inits")):
        c = config[name]
        sizes = [784, *c["hidden_sizes"], 10]
        # the loss is recorded after the update: a second forward pass per step; then
        # accuracy on the training images and the test set once at the end
        flops[name] = len(c[variants]) * _run(sizes, c["batch_size"], c["iterations"],
                                              c["train_size"] + n_test, 1, forwards_per_step=2)
    c = config["batchnorm"]
    sizes = [784, *c["hidden_sizes"], 10]
    iterations = _iterations(c["train_size"], c["batch_size"], c["epochs"])
    flops["batchnorm"] = 2 * c["weight_std_logspace"]["num"] * _run(
        sizes, c["batch_size"], iterations, c["train_size"], c["epochs"] + 1)
    decay, drop = config["weight_decay"], config["dropout"]

    def overfit(c, epochs):
        sizes = [784, *c["hidden_sizes"], 10]
        return _run(sizes, c["batch_size"], _iterations(c["train_size"], c["batch_size"], epochs),
                    c["train_size"] + n_test, epochs + 1)

    shared = baseline_epochs(decay, drop)
    flops["weight_decay"] = sum(overfit(decay, decay["epochs"]) for v in decay["lambdas"]
                                if not (shared and float(v) == 0.0))
    flops["dropout"] = overfit(drop, drop["epochs"])
    if shared:
        flops["overfit_baseline"] = overfit(decay, shared)
    else:
        flops["dropout"] += overfit(drop, drop["epochs"])
    c = config["random_search"]
    sizes = [784, *c["hidden_sizes"], 10]
    n_val = int(c["subset_size"] * c["validation_rate"])
    n_train = c["subset_size"] - n_val
    flops["random_search"] = c["trials"] * _run(sizes, c["batch_size"], _iterations(n_train, c["batch_size"], c["epochs"]),
                                                c["subset_size"], c["epochs"] + 1)
    return flops


def gemm_peak(seconds=1.0, n=1024):
    """GFLOP/s of a large float32 matrix product on one BLAS thread (the per-core ceiling)."""
    import time

    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    with threadpool_limits(limits=1):
        a @ b
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            a @ b
            count += 1
        elapsed = time.perf_counter() - start
    return 2 * n**3 * count / elapsed / 1e9
