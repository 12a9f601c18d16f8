"""6.2 Initial weights: activation histograms for several initial weight scales (Figs 6-10
to 6-14), and the scale on MNIST (Fig 6-15)."""

import math

import numpy as np
import pandas as pd

from .. import plotting as P
from ..captions import LOSS, PAIRED, SEED
from ..claims import (above, at_least, below, between, by_seed, claim_row, missing, not_measured, paired,
                      within)
from ..declare import Book, Claims, Every, Experiment, Figure, Section, fixed
from ..functions import relu, sigmoid
from ..metrics import loss_metrics
from ..network import ACTIVATIONS, init_std
from ..overlay import Panel, loss_panels, seed_curve
from ..paired import TAIL, first_images, loss_curve_schemas, paired_loss_curves
from ..seeding import generator
from ..tables import Schema
from ..variants import find, std_meaning
from .optimizers import SIZES, check_batch

ACTIVATION_FUNCTIONS = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": relu}
LN10 = math.log(10)

# --------------------------------------------------------------------------- training


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


# --------------------------------------------------------------------------- figures


def plot_activation_histograms(hist, cases, row_labels=None, ymax=None):
    """Figs 6-10, 6-11, 6-13, 6-14: activation histograms, a row of one panel per layer for each case.

    The panels of a row share their y axis, so hiding all but the first column's tick
    labels (the book's style) hides nothing. ``ymax`` clips the y axis, as the book's
    ReLU figure does (its first bin holds every exact zero); a clipped first bar is
    labelled with its count.
    """
    layers = sorted(hist["layer"].unique())
    fig, axes = P.grid(len(cases) * len(layers), len(layers), panel_size=(2.4, 2.2))
    for row, case in enumerate(cases):
        rows = P.rows_of(hist, "case", case)
        first = axes[row * len(layers)]
        for col, layer in enumerate(layers):
            ax = axes[row * len(layers) + col]
            if col:
                ax.sharey(first)  # before drawing, so the row's scale covers every layer
                ax.tick_params(labelleft=False)
            bins = P.rows_of(rows, "layer", layer)
            bins = bins[np.isfinite(bins["count"])]
            ax.bar(bins["bin_left"], bins["count"], width=bins["bin_right"] - bins["bin_left"], align="edge")
            ax.set(title=f"{layer}-layer", xlim=(0, 1))
            if ymax is not None:
                ax.set_ylim(0, ymax)
                first_bin = bins["count"].iloc[0]
                if first_bin > ymax:  # label the clipped bar of exact zeros
                    ax.annotate(f"{int(first_bin)}", (0, ymax), xytext=(3, -10), textcoords="offset points",
                                fontsize=7)
        first.set_ylabel(P.label_text((row_labels or {}).get(case, case)))
    return fig


def book_case_label(spec):
    """How the book names a case's row: std=1, std=0.01, Xavier, He; tanh for tanh."""
    if spec["activation"] == "tanh":
        return "tanh"
    std = std_meaning(spec["weight_std"])
    return f"std={std:g}" if isinstance(std, float) else {"xavier": "Xavier", "he": "He"}[std]


def histograms(tables, variants, settings):
    ymax = None
    if all(settings["cases"][case]["activation"] == "relu" for case in variants):
        # the book clips its ReLU panels at 7000 of 100,000 values: half are exact zeros
        ymax = 0.07 * settings["n_samples"] * settings["n_units"]
    labels = {case: book_case_label(settings["cases"][case]) for case in variants}
    return plot_activation_histograms(tables["histograms"], variants, row_labels=labels, ymax=ymax)


def histogram_panels(tables, variants, settings):
    """Figs 6-10 to 6-14 in an overlay of runs: a panel per case and layer, each run's
    histogram (counts per bin, mean over seeds) as a step line."""
    hist = tables["histograms"]
    hist = hist.assign(centre=(hist["bin_left"] + hist["bin_right"]) / 2)
    labels = {case: book_case_label(settings["cases"][case]) for case in variants}
    return [Panel(f"{case}/{layer}", title=f"{P.label_text(labels[case])}, {layer}-layer", xlabel="activation",
                  ylabel="count", xlim=(0, 1),
                  curves=[seed_curve(P.rows_of(P.rows_of(hist, "case", case), "layer", layer), "centre", "count",
                                     "activations", kind="step")])
            for case in variants for layer in sorted(P.rows_of(hist, "case", case)["layer"].unique())]


def activation_metrics(tables, settings):
    """The headline numbers of Figs 6-10 to 6-14: per case, the std of the last layer's
    activations and the fraction of them near 0 or 1 (< 0.05 or > 0.95)."""
    stats = tables["stats"]
    last = stats[stats["layer"] == stats["layer"].max()]
    extreme = last["frac_below_0.05"] + last["frac_above_0.95"]
    return [{"metric": f"{case}: {name}", "seed": seed, "value": float(value)}
            for case, seed, std, near in zip(last["case"], last["seed"], last["std"], extreme)
            for name, value in (("std, last layer", std), ("near 0 or 1, last layer", near))]


def init_metrics(tables, settings):
    return loss_metrics(tables["summary"], "init", settings)


# --------------------------------------------------------------------------- claims


def claims_activations(tables, settings):
    stats, settings = tables["activations"]["stats"], settings["activations"]
    cases = settings["cases"]
    stats = stats.assign(extreme=stats["frac_below_0.05"] + stats["frac_above_0.95"])
    last = int(stats["layer"].max())

    def label(activation, std):
        return find("cases", cases, (activation, std))

    def layer_mean(case, column):
        return stats[stats["case"] == case].groupby("seed")[column].mean().to_dict()

    def layer_std(case, layer):
        return by_seed(stats, "std", case=case, layer=layer)

    def claim(number, statement, quantity, needs, measure, condition, **kwargs):
        labels = [label(*m) for m in needs]
        if None in labels:
            lacking = [m for m, found in zip(needs, labels) if found is None]
            return not_measured(number, statement, quantity, missing("activations", "cases", *lacking))
        return claim_row(number, statement, quantity, measure(*labels), condition, **kwargs)

    def ratio(a, b):
        return {s: a[s] / b[s] for s in a if s in b}

    rows = [
        claim("6-10", "Sigmoid, std 1: activations pile up at 0 and 1",
              "fraction of activations below 0.05 or above 0.95, mean over layers (≥ 0.5 to hold)",
              [("sigmoid", 1.0)], lambda c: layer_mean(c, "extreme"), at_least(0.5)),
        claim("6-11", "Sigmoid, std 0.01: activations concentrate near 0.5",
              "fraction of activations in (0.4, 0.6), mean over layers (≥ 0.9 to hold)",
              [("sigmoid", 0.01)], lambda c: layer_mean(c, "frac_0.4_0.6"), at_least(0.9)),
    ]
    xavier = label("sigmoid", "xavier")
    outer = layer_mean(xavier, "extreme") if xavier else {}
    rows.append(claim("6-13", "Sigmoid, Xavier: activations spread out, neither piled at the ends nor at 0.5",
                      f"layer-{last} std, Xavier ÷ std 0.01 (≥ 2, with < 10% of activations at the ends, to hold)",
                      [("sigmoid", "xavier"), ("sigmoid", 0.01)],
                      lambda x, small: ratio(layer_std(x, last), layer_std(small, last)), at_least(2),
                      also={s: outer[s] < 0.1 for s in outer},
                      detail="fraction at the ends (Xavier): " + "; ".join(f"{s}: {v:.3g}" for s, v in outer.items())))

    def depth(case):
        return ratio(layer_std(case, last), layer_std(case, 1))

    quantity = f"layer-{last} std ÷ layer-1 std"
    rows += [
        claim("6-14", "ReLU, He: the spread of activations stays even across layers", f"{quantity}, He (in [0.5, 2] "
              "to hold)", [("relu", "he")], depth, between(0.5, 2)),
        claim("6-14", "ReLU, std 0.01: activations collapse toward 0 with depth", f"{quantity}, std 0.01 (< 0.01 to "
              "hold)", [("relu", 0.01)], depth, below(0.01)),
        claim("6-14", "ReLU, Xavier: activations shrink with depth", f"{quantity}, Xavier (< 0.8 to hold)",
              [("relu", "xavier")], depth, below(0.8)),
    ]
    return rows


def _named(word, label):
    """'He', or 'He (he_init)' when the user's label for it is another word."""
    return word if label is None or label.lower() == word.lower() else f"{word} ({label})"


def claims_init(tables, settings):
    summary, settings = tables["init_mnist"]["summary"], settings["init_mnist"]
    inits = settings["inits"]
    small, xavier, he = (find("inits", inits, m) for m in (0.01, "xavier", "he"))
    tail = f"the last {min(TAIL, settings['iterations'])} iterations"
    rows = []
    statement = f"Weight std 0.01{f' ({small})' if small else ''} does not learn: the loss stays at ln 10 ≈ 2.303"
    quantity = f"mean loss of {tail} − ln 10 (|·| < 0.05 to hold)"
    if small is None:
        rows.append(not_measured("6-15", statement, quantity, missing("init_mnist", "inits", 0.01)))
    else:
        rows.append(claim_row("6-15", statement, quantity,
                              {s: v - LN10 for s, v in by_seed(summary, "tail_loss", init=small).items()},
                              within(0.05)))
    statement = f"{_named('He', he)} learns faster than {_named('Xavier', xavier)}"
    quantity = f"paired difference of mean loss over all iterations, {xavier or 'Xavier'} − {he or 'He'}"
    if he is None or xavier is None:
        rows.append(not_measured("6-15", statement, quantity,
                                 missing("init_mnist", "inits", *[m for m, found in (("xavier", xavier), ("he", he))
                                                                  if found is None])))
    else:
        rows.append(claim_row("6-15", statement, quantity, paired(summary, "mean_loss", xavier, he, "init"),
                              above(0)))
    return rows


# --------------------------------------------------------------------------- the section


HISTOGRAMS = (
    "Activations of each of {{ settings.n_layers }} layers of {{ settings.n_units }} units (no biases) for "
    "{{ settings.n_samples }} inputs drawn from N(0, 1), in {{ settings.bins }} bins on [0, 1]: "
    "{% for v in variants %}{{ settings.cases[v].activation }} with weight std {{ settings.cases[v].weight_std }}"
    "{% if not loop.last %}; {% endif %}{% endfor %}. All cases share the input and the standard-normal weights."
    "{% if variants | map('activation', settings) | select('ne', 'relu') | list | length == 0 %} The y axis is "
    "clipped at 7% of the values as in the book; the clipped bar of exact zeros is labelled with its count."
    "{% endif %} " + SEED)
INIT_LOSS = LOSS + (
    "{{ settings.activation }} activations, {{ settings.optimizer | hyper }}; initial weight std "
    "{% for v in variants %}{{ v }} = {{ settings.inits[v] }}{% if not loop.last %}, {% endif %}{% endfor %}."
    + PAIRED)
POSITIVE_INT = {"$ref": "#/$defs/positive_int"}


def _histogram(number, stem, title, cases, **kwargs):
    return Figure(stem, number, "activations", title, HISTOGRAMS, histograms, ("histograms",), Book("cases", cases),
                  overlay=histogram_panels, **kwargs)


SECTION = Section(
    "6.2", "Initial weights", "权重的初始值",
    experiments=(
        Experiment("activations", activations, fixed("histograms", "stats"),
                   "Activations of a deep net by initial weights", mnist=False, schemas=activations_schemas,
                   variant_table="cases", claims_tables=("stats",), entry_tables=("histograms", "stats"),
                   variant_units=True, metrics=activation_metrics,
                   config={"n_samples": POSITIVE_INT, "n_units": POSITIVE_INT, "n_layers": POSITIVE_INT,
                           "bins": POSITIVE_INT,
                           "cases": {"type": "object", "minProperties": 1, "additionalProperties": {
                               "type": "object", "required": ["activation", "weight_std"],
                               "additionalProperties": False,
                               "properties": {"activation": {"type": "string", "enum": list(ACTIVATION_FUNCTIONS)},
                                              "weight_std": {"$ref": "#/$defs/weight_std"}}}}}),
        Experiment("init_mnist", init_mnist, fixed("loss", "summary"), "Initial weights on MNIST", priority=30,
                   schemas=init_mnist_schemas, variant_table="inits", claims_tables=("summary",),
                   entry_tables=("loss", "summary"), variant_units=True, check=check_batch("init_mnist"),
                   metrics=init_metrics,
                   config={**SIZES, "activation": {"type": "string", "enum": sorted(ACTIVATIONS)},
                           "optimizer": {"$ref": "#/$defs/optimizer_spec"},
                           "inits": {"type": "object", "minProperties": 1,
                                     "additionalProperties": {"$ref": "#/$defs/weight_std"}}}),
    ),
    figures=(
        _histogram("6-10", "fig6-10_sigmoid_std1", "Activation distribution of each layer, weights of std 1",
                   (("sigmoid", 1.0),), claims=("6-10",)),
        _histogram("6-11", "fig6-11_sigmoid_std001", "Activation distribution of each layer, weights of std 0.01",
                   (("sigmoid", 0.01),), claims=("6-11",)),
        _histogram("6-13", "fig6-13_sigmoid_xavier", "Activation distribution of each layer, Xavier initial weights",
                   (("sigmoid", "xavier"),), claims=("6-13",)),
        _histogram("6-13x", "fig6-13x_tanh_xavier", "tanh with Xavier initial weights (described in the text)",
                   (("tanh", "xavier"),)),
        _histogram("6-14", "fig6-14_relu_inits", "ReLU activations for std 0.01, Xavier and He initial weights",
                   (("relu", 0.01), ("relu", "xavier"), ("relu", "he")), claims=("6-14",)),
        Figure("fig6-15_init_mnist", "6-15", "init_mnist", "Comparison of initial weights on MNIST",
               INIT_LOSS, P.loss_curves, ("loss",), Every("inits", (0.01, "xavier", "he")),
               options={"column": "init", "ylim": (0, 2.5)}, band=P.loss_band, claims=("6-15",),
               overlay=loss_panels),
    ),
    claims=(
        Claims(claims_activations, ("activations",), ("6-10", "6-11", "6-13", "6-14")),
        Claims(claims_init, ("init_mnist",), ("6-15",)),
    ),
)
