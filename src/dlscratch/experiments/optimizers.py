"""Section 6.1: optimizer paths on f(x, y) = x^2/20 + y^2, and optimizers on MNIST."""

import numpy as np
import pandas as pd

from ..optimizers import make_optimizer
from ..surface import f, optimize_path
from ..trainer import Trainer, minibatch_schedule
from ..seeding import generator
from .common import build_network, diverged_value


def optimizer_paths(optimizers, start=(-7.0, 2.0), steps=30):
    """Paths of each optimizer on f. ``optimizers`` maps a display name to
    ``{"name": optimizer name, **hyperparameters}``. Columns: optimizer, lr, step, x, y, f."""
    rows = []
    for label, spec in optimizers.items():
        spec = dict(spec)
        opt = make_optimizer(spec.pop("name"), **spec)
        path = optimize_path(opt, start, steps)
        rows.append(pd.DataFrame({"optimizer": label, "lr": opt.lr, "step": np.arange(len(path)),
                                  "x": path[:, 0], "y": path[:, 1], "f": f(path[:, 0], path[:, 1])}))
    return pd.concat(rows, ignore_index=True)


def paired_loss_curves(data, variants, hidden_sizes, batch_size, iterations, seed, experiment,
                       variant_column="variant", tail=100):
    """Train every variant on the same minibatches from the same initial weights.

    ``data`` is ((x_train, t_train), (x_test, t_test)); ``variants`` maps a name to
    ``(network_kwargs, optimizer_spec)`` with ``optimizer_spec = {"name": ..., **hyper}``.
    The loss of each iteration is the loss on that iteration's batch after the update
    (inference mode), as the book records it.

    Returns (loss table: <variant_column>, iteration, loss;
             summary: <variant_column>, final_loss, tail_loss, mean_loss, train_acc, test_acc, diverged_at),
    where tail_loss is the mean loss of the last ``tail`` iterations and mean_loss the mean
    over all iterations (the area under the curve: lower means faster learning).
    """
    (x_train, t_train), (x_test, t_test) = data
    schedule = minibatch_schedule(len(x_train), batch_size, iterations, generator(seed, experiment, "batches"))
    curves, summary = [], []
    for name, (network_kwargs, optimizer_spec) in variants.items():
        spec = dict(optimizer_spec)
        optimizer = make_optimizer(spec.pop("name"), **spec)
        net = build_network(seed, experiment, x_train.shape[1], hidden_sizes, **network_kwargs)
        h = Trainer(net, optimizer, x_train, t_train, schedule).train()
        loss = np.asarray(h.train_loss)
        curves.append(pd.DataFrame({variant_column: name, "iteration": np.arange(1, len(loss) + 1), "loss": loss}))
        diverged = h.diverged_at is not None
        summary.append({
            variant_column: name,
            "final_loss": loss[-1],
            "tail_loss": float(np.mean(loss[-tail:])),
            "mean_loss": float(np.mean(loss)),
            "train_acc": np.nan if diverged else net.accuracy(x_train, t_train),
            "test_acc": np.nan if diverged else net.accuracy(x_test, t_test),
            "diverged_at": diverged_value(h.diverged_at),
        })
    return pd.concat(curves, ignore_index=True), pd.DataFrame(summary)


def optimizer_variants(cfg):
    """Variants of the optimizer comparison (Fig 6-9): the default net, one per optimizer."""
    return {name: ({}, spec) for name, spec in cfg["optimizers"].items()}


def init_variants(cfg):
    """Variants of the initialisation comparison (Fig 6-15): one weight std each, one optimizer."""
    return {label: ({"weight_init_std": std, "activation": cfg["activation"]}, cfg["optimizer"])
            for label, std in cfg["inits"].items()}


LOSS_CURVE_EXPERIMENTS = {"optimizer_mnist": (optimizer_variants, "optimizer"),
                          "init_mnist": (init_variants, "init")}


def loss_curve_experiment(experiment, cfg, mnist, seed):
    """Run ``optimizer_mnist`` or ``init_mnist`` from its config block on
    ((x_train, t_train), (x_test, t_test)); returns the loss and summary tables."""
    variants, column = LOSS_CURVE_EXPERIMENTS[experiment]
    (x, t), test = mnist
    n = cfg["train_size"]
    loss, summary = paired_loss_curves(((x[:n], t[:n]), test), variants(cfg), cfg["hidden_sizes"],
                                       cfg["batch_size"], cfg["iterations"], seed=seed, experiment=experiment,
                                       variant_column=column)
    summary.insert(0, "seed", seed)
    return loss, summary
