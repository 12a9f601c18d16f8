"""Section 6.1: the function f(x, y) = x^2/20 + y^2, optimizer paths on it, and optimizers on MNIST."""

import numpy as np
import pandas as pd

from ..optimizers import make_optimizer
from ..surface import df, f, optimize_path
from ..tables import Schema
from .common import first_images, loss_curve_schemas, paired_loss_curves


def _axis(bounds, step):
    low, high = bounds
    return np.round(low + step * np.arange(int(np.floor((high - low) / step + 1e-9)) + 1), 12)


def function_surface(settings, data=None, seed=None):
    """Figs 6-1, 6-2: f(x, y) = x^2/20 + y^2 on a grid, and its negative gradient on another
    (deterministic: no data, no seed). ``x_range`` and ``y_range`` bound both grids;
    ``surface_step`` and ``arrow_step`` space their points.
    Returns {"surface": x, y, f; "gradient": x, y, gx, gy, where (gx, gy) = -grad f}."""
    tables = {}
    for name, step in (("surface", settings["surface_step"]), ("gradient", settings["arrow_step"])):
        X, Y = np.meshgrid(_axis(settings["x_range"], step), _axis(settings["y_range"], step))
        x, y = X.ravel(), Y.ravel()
        if name == "surface":
            tables[name] = pd.DataFrame({"x": x, "y": y, "f": f(x, y)})
        else:
            gx, gy = df(x, y)
            tables[name] = pd.DataFrame({"x": x, "y": y, "gx": -gx, "gy": -gy})
    return tables


def function_surface_schemas(settings):
    sizes = {name: len(_axis(settings["x_range"], settings[key])) * len(_axis(settings["y_range"], settings[key]))
             for name, key in (("surface", "surface_step"), ("gradient", "arrow_step"))}
    return {"surface": Schema({"x": "float", "y": "float", "f": "float"}, sizes["surface"]),
            "gradient": Schema({"x": "float", "y": "float", "gx": "float", "gy": "float"}, sizes["gradient"])}


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
