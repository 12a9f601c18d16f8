"""Study 2, beyond the book: BatchNorm and the learning rate (after Ioffe & Szegedy 2015).
The 6.3 network and schedule with He weights, with and without BatchNorm, on a grid of
learning rates: does BatchNorm learn at larger rates?"""

import numpy as np
import pandas as pd

from .. import plotting as P
from ..captions import STUDY_SEEDS
from ..choices import largest_learning, learning_thresholds
from ..claims import above, claim_row, verdict
from ..declare import Claims, Experiment, Figure, Section, fixed
from ..paired import epoch_schedule, first_images
from ..tables import Schema
from .batchnorm import BN_MODELS, with_and_without_bn

# --------------------------------------------------------------------------- training


def batchnorm_lr(settings, data, seed):
    """A BatchNorm net and a plain net, both with ``weight_std`` (He) weights, at every rate of
    ``lr_grid``, on the 6.3 data and schedule; all of a seed's runs share weights and batches.
    Returns {"accuracy": seed, lr, model, epoch, train_acc, diverged_at, chance}."""
    (x, t), _ = first_images(data, settings["train_size"])
    chance = float(np.bincount(np.asarray(t)).max() / len(t))
    schedule = epoch_schedule(seed, "study_batchnorm_lr", len(x), settings["batch_size"], settings["epochs"])
    tables = []
    for lr in settings["lr_grid"]:
        table = with_and_without_bn(seed, "study_batchnorm_lr", (x, t), schedule, settings["epochs"],
                                    settings["hidden_sizes"], settings["weight_std"], float(lr), chance)
        table.insert(0, "lr", float(lr))
        table.insert(0, "seed", seed)
        tables.append(table)
    return {"accuracy": pd.concat(tables, ignore_index=True)}


def batchnorm_lr_schemas(settings):
    columns = {"seed": "int", "lr": "float", "model": "str", "epoch": "int", "train_acc": "float",
               "diverged_at": "float", "chance": "float"}
    grid = settings["lr_grid"]
    return {"accuracy": Schema(columns, len(grid) * 2 * (settings["epochs"] + 1),
                               {"model": ["batchnorm", "plain"], "lr": [float(v) for v in grid]})}


def check(block, config, fail):
    if block["batch_size"] > block["train_size"]:
        fail("study_batchnorm_lr.batch_size", f"{block['batch_size']} is larger than study_batchnorm_lr.train_size "
             f"{block['train_size']}")


# --------------------------------------------------------------------------- figures


def batchnorm_lr_figure(tables, variants, settings, seeds):
    """Study 2: final training accuracy against the learning rate, with and without BatchNorm;
    each model's learning threshold (dashed: ``learn_fraction`` of the way from chance to its
    best, mean over seeds) and the largest rate at which it learns in each seed (triangles on
    the axis; hollow: with the threshold at chance)."""
    acc = tables["accuracy"]
    fraction = float(settings["learn_fraction"])
    final = acc[acc["epoch"] == acc["epoch"].max()]
    fig, (ax,) = P.grid(1, 1, panel_size=(6.0, 4.5))
    thresholds = learning_thresholds(acc, fraction)
    largest, at_chance = largest_learning(acc, fraction), largest_learning(acc, 0.0)
    for model, (short, style) in BN_MODELS.items():
        line = P.band(ax, final[final["model"] == model], "lr", "train_acc", marker="o", **style)
        color = line.get_color()
        ax.axhline(float(thresholds.xs(model, level="model").mean()), color=color, linestyle="--", linewidth=0.8,
                   alpha=0.7, label=f"{short} learns above")
        rates = largest[model].dropna()
        ax.scatter(rates, np.full(len(rates), 0.02), marker="^", s=60, color=color, zorder=3,
                   label=f"{short}: largest rate that learns")
        chance_rates = at_chance[model].dropna()
        ax.scatter(chance_rates, np.full(len(chance_rates), 0.07), marker="^", s=60, facecolors="none",
                   edgecolors=color, zorder=3)
    ax.axhline(float(acc["chance"].max()), color="grey", linestyle=":", linewidth=1, label="chance")
    ax.set(xscale="log", xlabel="learning rate", ylabel="final training accuracy", ylim=(0, 1))
    ax.legend(loc="center left", fontsize=7)

    def rates(table):
        return "; ".join(f"BN {row.batchnorm:g}, plain {row.plain:g} (seed {seed})" for seed, row in table.iterrows())

    return fig, {"largest": rates(largest), "at_chance": rates(at_chance), "fraction": fraction}


# --------------------------------------------------------------------------- claims


def _log_ratio(largest):
    """{seed: log10 of BN's largest rate − plain's} (a net that learns at no rate: below any)."""
    bn = np.log10(largest["batchnorm"].astype(float)).fillna(-np.inf)
    plain = np.log10(largest["plain"].astype(float)).fillna(-np.inf)
    return {seed: (0.0 if a == b else a - b) for seed, a, b in zip(largest.index, bn, plain)}


def _rates(largest):
    return "; ".join(f"{seed}: BN {row.batchnorm:g}, plain {row.plain:g}" for seed, row in largest.iterrows())


def claims_study_batchnorm_lr(tables, settings):
    """Study 2: BatchNorm learns at larger learning rates. A net learns at a rate where it ends
    at least ``learn_fraction`` of the way from chance to the best final accuracy any rate
    reached for that model and seed; the detail gives the largest rates, and the verdict, with
    the threshold at chance too."""
    accuracy, settings = tables["study_batchnorm_lr"]["accuracy"], settings["study_batchnorm_lr"]
    fraction = float(settings["learn_fraction"])
    largest, at_chance = largest_learning(accuracy, fraction), largest_learning(accuracy, 0.0)
    chance_ratio = _log_ratio(at_chance)
    chance_verdict = verdict(v > 0 for v in chance_ratio.values())
    detail = (f"largest rate that learns, per seed: {_rates(largest)}. With the threshold at chance (a net that "
              f"ends above chance learns): {_rates(at_chance)}; the claim then {chance_verdict}")
    return [claim_row("study 2", f"BatchNorm learns at larger learning rates: the largest rate at which the net learns "
                 f"(ends at least {fraction:g} of the way from chance to the best final accuracy any rate reached, "
                 "for that model and seed, without diverging) is higher with BatchNorm",
                 "log10 of the largest rate that learns, BN − plain (> 0 to hold)", _log_ratio(largest),
                 above(0), detail=detail)]


# --------------------------------------------------------------------------- the section


STUDY_BN = (
    "Final training accuracy on the first {{ settings.train_size }} MNIST images with and without Batch Normalization "
    "at every learning rate of {{ settings.lr_grid | join(', ') }}: the 6.3 network "
    "(784-{{ settings.hidden_sizes | join('-') }}-10, ReLU, initial weight std {{ settings.weight_std }}), batch "
    "{{ settings.batch_size }}, {{ settings.epochs }} epochs; dotted: chance (the most frequent class). A net learns "
    "at a rate where it ends at least {{ fraction }} of the way from chance to the best final accuracy any rate "
    "reached for that model and seed, without diverging (dashed: that threshold, mean over seeds); the largest such "
    "rate (filled triangles), per seed: {{ largest }}. With the threshold at chance (hollow triangles): "
    "{{ at_chance }}. " + STUDY_SEEDS)

SECTION = Section(
    "beyond", "Beyond the book", "Beyond the book", order=2,
    experiments=(
        Experiment("study_batchnorm_lr", batchnorm_lr, fixed("accuracy"), "Study 2: BatchNorm and the learning rate",
                   priority=20, schemas=batchnorm_lr_schemas, claims_tables=("accuracy",), seeds_key="study_seeds",
                   entry_tables=("accuracy",), plot_settings=("learn_fraction",), claim_settings=("learn_fraction",),
                   check=check,
                   config={"train_size": {"type": "integer", "minimum": 1, "maximum": 60000},
                           "hidden_sizes": {"$ref": "#/$defs/hidden_sizes"},
                           "batch_size": {"$ref": "#/$defs/positive_int"},
                           "epochs": {"$ref": "#/$defs/positive_int"},
                           "weight_std": {"$ref": "#/$defs/weight_std"}, "lr_grid": {"$ref": "#/$defs/lr_grid"},
                           "learn_fraction": {
                               "description": "a net learns at a rate where it ends at least this fraction of the way "
                                              "from chance to the best final accuracy any rate reached for that "
                                              "model and seed (0: above chance)",
                               "type": "number", "minimum": 0, "exclusiveMaximum": 1}}),
    ),
    figures=(
        Figure("study-batchnorm_lr", "Study 2", "study_batchnorm_lr", "BatchNorm and the learning rate", STUDY_BN,
               batchnorm_lr_figure, ("accuracy",), claims=("study 2",), all_seeds=True),
    ),
    claims=(Claims(claims_study_batchnorm_lr, ("study_batchnorm_lr",), ("study 2",)),),
)
