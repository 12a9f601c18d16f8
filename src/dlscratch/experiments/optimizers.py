"""Section 6.1: optimizer paths on f(x, y) = x^2/20 + y^2, and optimizers on MNIST."""

import numpy as np
import pandas as pd

from ..optimizers import make_optimizer
from ..surface import f, optimize_path
from ..tables import Schema
from .common import first_images, loss_curve_schemas, paired_loss_curves


def optimizer_paths(settings, data=None, seed=None):
    """Paths of each optimizer on f, deterministic (no data, no seed).

    ``settings["optimizers"]`` maps a display name to ``{"name": optimizer name,
    **hyperparameters}``; ``start`` is the starting point, ``steps`` the number of updates.
    Returns {"paths": optimizer, lr, step, x, y, f}.
    """
    rows = []
    for label, spec in settings["optimizers"].items():
        spec = dict(spec)
        opt = make_optimizer(spec.pop("name"), **spec)
        path = optimize_path(opt, settings["start"], settings["steps"])
        rows.append(pd.DataFrame({"optimizer": label, "lr": opt.lr, "step": np.arange(len(path)),
                                  "x": path[:, 0], "y": path[:, 1], "f": f(path[:, 0], path[:, 1])}))
    return {"paths": pd.concat(rows, ignore_index=True)}


def optimizer_mnist(settings, data, seed):
    """Fig 6-9: every optimizer of ``settings["optimizers"]`` trains the same He-initialised
    ReLU net on the same minibatches of the first ``train_size`` images.
    Returns {"loss", "summary"} (see ``paired_loss_curves``), variant column ``optimizer``."""
    variants = {name: ({}, spec) for name, spec in settings["optimizers"].items()}
    return paired_loss_curves(first_images(data, settings["train_size"]), variants, settings["hidden_sizes"],
                              settings["batch_size"], settings["iterations"], seed, "optimizer_mnist",
                              variant_column="optimizer")


def optimizer_paths_schemas(settings):
    columns = {"optimizer": "str", "lr": "float", "step": "int", "x": "float", "y": "float", "f": "float"}
    labels = list(settings["optimizers"])
    return {"paths": Schema(columns, len(labels) * (settings["steps"] + 1), {"optimizer": labels})}


def optimizer_mnist_schemas(settings):
    return loss_curve_schemas(settings, settings["optimizers"], "optimizer")
