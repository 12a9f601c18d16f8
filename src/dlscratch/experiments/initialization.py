"""Section 6.2: activation histograms for several initial weight scales."""

import numpy as np
import pandas as pd

from ..functions import relu, sigmoid
from ..network import init_std
from ..seeding import generator

ACTIVATION_FUNCTIONS = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": relu}


def layer_activations(x, activation, weight_std, weights):
    """Activations of each layer of a bias-free net: z_k = act(z_{k-1} @ (std * N_k))."""
    act = ACTIVATION_FUNCTIONS[activation]
    out = []
    for normals in weights:
        x = act(x @ (init_std(weight_std, normals.shape[0]) * normals))
        out.append(x)
    return out


def activation_histograms(cases, seed, n_samples=1000, n_units=100, n_layers=5, bins=30):
    """Histograms (``bins`` bins on [0, 1], as the book's ``hist(..., 30, range=(0, 1))``) of
    each layer's activations for every case, and per-layer statistics.

    ``cases`` maps a case name to ``{"activation": ..., "weight_std": ...}``. All cases
    share the input x ~ N(0, 1) and the standard normals of the weights, so they differ
    only by activation and scale.

    Returns (hist: case, activation, weight_std, layer, bin_left, bin_right, count;
             stats: case, activation, weight_std, layer, mean, std, frac_zero,
                    frac_below_0.05, frac_above_0.95, frac_0.4_0.6).
    """
    rng = generator(seed, "activations")
    x = rng.standard_normal((n_samples, n_units))
    weights = [rng.standard_normal((n_units, n_units)) for _ in range(n_layers)]
    edges = np.linspace(0.0, 1.0, bins + 1)
    hist, stats = [], []
    for case, spec in cases.items():
        for layer, z in enumerate(layer_activations(x, spec["activation"], spec["weight_std"], weights), start=1):
            counts, _ = np.histogram(z, bins=bins, range=(0.0, 1.0))
            meta = {"case": case, "activation": spec["activation"], "weight_std": str(spec["weight_std"]), "layer": layer}
            hist.append(pd.DataFrame({**meta, "bin_left": edges[:-1], "bin_right": edges[1:], "count": counts}))
            stats.append({**meta, "mean": z.mean(), "std": z.std(), "frac_zero": np.mean(z == 0),
                          "frac_below_0.05": np.mean(z < 0.05), "frac_above_0.95": np.mean(z > 0.95),
                          "frac_0.4_0.6": np.mean((z > 0.4) & (z < 0.6))})
    return pd.concat(hist, ignore_index=True), pd.DataFrame(stats)
