"""Section 6.2: activation histograms for several initial weight scales, and the scale on MNIST."""

import numpy as np
import pandas as pd

from ..functions import relu, sigmoid
from ..network import init_std
from ..seeding import generator
from ..tables import Schema
from .common import first_images, loss_curve_schemas, paired_loss_curves

ACTIVATION_FUNCTIONS = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": relu}


def layer_activations(x, activation, weight_std, weights):
    """Activations of each layer of a bias-free net: z_k = act(z_{k-1} @ (std * N_k))."""
    act = ACTIVATION_FUNCTIONS[activation]
    out = []
    for normals in weights:
        x = act(x @ (init_std(weight_std, normals.shape[0]) * normals))
        out.append(x)
    return out


def activations(settings, data, seed):
    """Figs 6-10 to 6-14: histograms (``bins`` bins on [0, 1], as the book's
    ``hist(..., 30, range=(0, 1))``) of each layer's activations for every case, and
    per-layer statistics. No data: the input is x ~ N(0, 1) of ``n_samples`` x ``n_units``.

    ``settings["cases"]`` maps a case name to ``{"activation": ..., "weight_std": ...}``. All
    cases share the input and the standard normals of the weights, so they differ only by
    activation and scale.

    Returns {"histograms": seed, case, activation, weight_std, layer, bin_left, bin_right, count;
             "stats": seed, case, activation, weight_std, layer, mean, std, frac_zero,
                      frac_below_0.05, frac_above_0.95, frac_0.4_0.6}.
    """
    n_units, bins = settings["n_units"], settings["bins"]
    rng = generator(seed, "activations")
    x = rng.standard_normal((settings["n_samples"], n_units))
    weights = [rng.standard_normal((n_units, n_units)) for _ in range(settings["n_layers"])]
    edges = np.linspace(0.0, 1.0, bins + 1)
    hist, stats = [], []
    for case, spec in settings["cases"].items():
        for layer, z in enumerate(layer_activations(x, spec["activation"], spec["weight_std"], weights), start=1):
            counts, _ = np.histogram(z, bins=bins, range=(0.0, 1.0))
            meta = {"seed": seed, "case": case, "activation": spec["activation"],
                    "weight_std": str(spec["weight_std"]), "layer": layer}
            hist.append(pd.DataFrame({**meta, "bin_left": edges[:-1], "bin_right": edges[1:], "count": counts}))
            stats.append({**meta, "mean": z.mean(), "std": z.std(), "frac_zero": np.mean(z == 0),
                          "frac_below_0.05": np.mean(z < 0.05), "frac_above_0.95": np.mean(z > 0.95),
                          "frac_0.4_0.6": np.mean((z > 0.4) & (z < 0.6))})
    return {"histograms": pd.concat(hist, ignore_index=True), "stats": pd.DataFrame(stats)}


def init_mnist(settings, data, seed):
    """Fig 6-15: one net per initial weight std of ``settings["inits"]`` (label -> std), all
    with ``activation`` and ``optimizer``, on the same minibatches and the same standard
    normals. Returns {"loss", "summary"} (see ``paired_loss_curves``), variant column ``init``."""
    variants = {label: ({"weight_init_std": std, "activation": settings["activation"]}, settings["optimizer"])
                for label, std in settings["inits"].items()}
    return paired_loss_curves(first_images(data, settings["train_size"]), variants, settings["hidden_sizes"],
                              settings["batch_size"], settings["iterations"], seed, "init_mnist",
                              variant_column="init")


STATS = ("mean", "std", "frac_zero", "frac_below_0.05", "frac_above_0.95", "frac_0.4_0.6")


def activations_schemas(settings):
    meta = {"seed": "int", "case": "str", "activation": "str", "weight_std": "str", "layer": "int"}
    labels, layers = list(settings["cases"]), settings["n_layers"]
    return {
        "histograms": Schema({**meta, "bin_left": "float", "bin_right": "float", "count": "int"},
                             len(labels) * layers * settings["bins"], {"case": labels}),
        "stats": Schema({**meta, **{name: "float" for name in STATS}}, len(labels) * layers, {"case": labels}),
    }


def init_mnist_schemas(settings):
    return loss_curve_schemas(settings, settings["inits"], "init")
