"""6.3 Batch Normalization: training accuracy with and without it across initial weight
scales (Figs 6-18, 6-19)."""

import numpy as np
import pandas as pd

from .. import plotting as P
from ..captions import SEED
from ..choices import panel_choice
from ..claims import above, at_least, at_most, claim_row, not_measured
from ..declare import Claims, Experiment, Figure, Section, fixed
from ..optimizers import make_optimizer
from ..overlay import Panel, seed_curve
from ..paired import build_network, diverged_value, epoch_schedule, first_images, train_epochs, used_inputs
from ..tables import Schema
from ..text import plural
from .optimizers import check_batch

MODELS = {"batchnorm": True, "plain": False}

# --------------------------------------------------------------------------- training


def weight_stds(settings):
    """The weight stds compared: ``logspace(start, stop, num)`` of ``weight_std_logspace``."""
    space = settings["weight_std_logspace"]
    return [float(s) for s in np.logspace(space["start"], space["stop"], space["num"])]


def batchnorm(settings, data, seed):
    """Figs 6-18, 6-19: for each weight std, a BN net and a plain net train on the same
    batches from the same initial weights (SGD, ``lr``); training accuracy on the first
    ``train_size`` images is recorded before training and after every epoch.

    Returns {"accuracy": seed, std_index, weight_std, model, epoch, train_acc, diverged_at, chance},
    ``chance`` being the accuracy of always answering the most frequent class of those images
    (the best a net that learnt nothing can do).
    """
    (x_train, t_train), _ = first_images(data, settings["train_size"])
    chance = float(np.bincount(np.asarray(t_train)).max() / len(t_train))
    epochs = settings["epochs"]
    schedule = epoch_schedule(seed, "batchnorm", len(x_train), settings["batch_size"], epochs)
    n_pixels = x_train.shape[1]
    inputs, (x_train,) = used_inputs(x_train)
    tables = []
    for index, std in enumerate(weight_stds(settings)):
        table = with_and_without_bn(seed, "batchnorm", (x_train, t_train), schedule, epochs,
                                    settings["hidden_sizes"], float(std), settings["lr"], chance, n_pixels, inputs)
        table.insert(0, "weight_std", float(std))
        table.insert(0, "std_index", index)
        table.insert(0, "seed", seed)
        tables.append(table)
    return {"accuracy": pd.concat(tables, ignore_index=True)}


def with_and_without_bn(seed, stream, train, schedule, epochs, hidden_sizes, weight_std, lr, chance,
                        input_size=None, inputs=None):
    """A BN net and a plain net from the same initial weights (seed stream ``stream``),
    trained with SGD at ``lr`` on the same batches (``schedule`` of ``epochs``). ``train``
    may hold only the ``inputs`` columns of images of ``input_size`` pixels (``used_inputs``,
    ``build_network``). Returns their curves, one after the other: model, epoch, train_acc,
    diverged_at and ``chance`` (the accuracy of always answering the most frequent class)."""
    x, t = train
    tables = []
    for model, use_bn in MODELS.items():
        net = build_network(seed, stream, input_size or x.shape[1], hidden_sizes, inputs=inputs,
                            weight_init_std=weight_std, use_batchnorm=use_bn)
        table, diverged_at = train_epochs(net, make_optimizer("sgd", lr=lr), x, t, None, None, schedule, epochs)
        table = table.drop(columns="test_acc")
        table.insert(0, "model", model)
        table["diverged_at"] = diverged_value(diverged_at)
        table["chance"] = chance
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def batchnorm_schemas(settings):
    columns = {"seed": "int", "std_index": "int", "weight_std": "float", "model": "str", "epoch": "int",
               "train_acc": "float", "diverged_at": "float", "chance": "float"}
    n = settings["weight_std_logspace"]["num"]
    return {"accuracy": Schema(columns, n * len(MODELS) * (settings["epochs"] + 1),
                               {"model": list(MODELS), "std_index": list(range(n))})}


def check(block, config, fail):
    check_batch("batchnorm")(block, config, fail)
    num = block["weight_std_logspace"]["num"]
    if block["single_panel_std_index"] is not None and block["single_panel_std_index"] >= num:
        fail("batchnorm.single_panel_std_index",
             f"{block['single_panel_std_index']} is out of range for {num} weight stds (0..{num - 1})")


# --------------------------------------------------------------------------- figures


BN_MODELS = {  # model -> (short name for annotations, line style)
    "batchnorm": ("BN", {"label": "Batch Normalization", "linestyle": "-", "color": "C0"}),
    "plain": ("plain", {"label": "Normal(without BatchNorm)", "linestyle": "--", "color": "C1"}),
}
BN_COLUMNS = 4  # the book's grid is 4 x 4


def _bn_panel(ax, rows):
    """BN (solid) and plain (dashed) training accuracy of one weight std; notes diverged models."""
    notes = []
    for model, (short, style) in BN_MODELS.items():
        runs = rows[rows["model"] == model].sort_values("epoch")
        ax.plot(runs["epoch"], runs["train_acc"], **style)
        if np.isfinite(runs["diverged_at"]).any():
            notes.append(f"{short} diverged")
    P.note(ax, "\n".join(notes))


def _bn_band_panel(ax, rows):
    """Mean and min-max band over seeds for BN and plain; notes how many seeds diverged."""
    notes = []
    for model, (short, style) in BN_MODELS.items():
        runs = rows[rows["model"] == model]
        x, acc = P.seed_matrix(runs, "epoch", "train_acc")
        P.draw_band(ax, x, acc, **style)
        n_bad = runs.loc[np.isfinite(runs["diverged_at"]), "seed"].nunique()
        if n_bad:
            notes.append(f"{short} diverged in {n_bad}/{plural(acc.shape[1], 'seed')}")
    P.note(ax, "\n".join(notes))


def _bn_title(std):
    """The book's panel title: "W:" + str(w)."""
    return f"W:{float(std)}"


def _bn_grid(acc, stds, ncols, draw_panel):
    fig, axes = P.grid(len(stds), ncols)
    for i, (ax, std) in enumerate(zip(axes, stds)):
        draw_panel(ax, P.rows_of(acc, "weight_std", std))
        ax.set(title=_bn_title(std), ylim=(0, 1))
        P.label_outer(ax, i, len(stds), min(ncols, len(stds)), "epochs", "accuracy")
    axes[-1].legend(loc="lower right", fontsize=7)
    return fig


def plot_batchnorm_grid(acc, stds):
    """Fig 6-19: training accuracy with and without Batch Normalization, one panel per weight std."""
    return _bn_grid(acc, stds, BN_COLUMNS, _bn_panel)


def plot_batchnorm_grid_band(acc, stds):
    """Several-seed companion of ``plot_batchnorm_grid`` (``acc`` has a ``seed`` column)."""
    return _bn_grid(acc, stds, BN_COLUMNS, _bn_band_panel)


def plot_batchnorm_single(acc, std):
    """Fig 6-18: the same comparison for one weight std, as a single larger panel (``std``
    None: a panel that says no std was chosen)."""
    fig, (ax,) = P.grid(1, 1, panel_size=(6.0, 4.5))
    if std is None:
        ax.text(0.5, 0.5, "no weight scale satisfies the rule of this figure:\nthe plain network ends above "
                "chance at none in every seed", transform=ax.transAxes, ha="center", va="center")
        ax.set(ylim=(0, 1), xlabel="epochs", ylabel="accuracy")
        return fig
    _bn_panel(ax, P.rows_of(acc, "weight_std", std))
    ax.set(title=_bn_title(std), ylim=(0, 1), xlabel="epochs", ylabel="accuracy")
    ax.legend(loc="lower right")
    return fig


def batchnorm_single(tables, variants, settings, seeds):
    """Fig 6-18 at the std ``panel_choice`` takes from every seed's tables (first seed drawn)."""
    acc = tables["accuracy"]
    index, how, table = panel_choice(acc, settings)
    chosen = None if index is None else float(variants[index])  # the std as configured, not as the CSV rounds it
    advantage = None if index is None else float(table.loc[table["std_index"] == index, "advantage"].iloc[0])
    figure = plot_batchnorm_single(acc[acc["seed"] == seeds[0]], chosen)
    return figure, {"chosen": chosen, "how": how, "advantage": advantage}


def batchnorm_grid(tables, variants, settings):
    return plot_batchnorm_grid(tables["accuracy"], variants)


def batchnorm_grid_band(tables, variants, settings):
    return plot_batchnorm_grid_band(tables["accuracy"], variants)


def _bn_panel_of(acc, std):
    rows = P.rows_of(acc, "weight_std", std)
    return Panel(f"{float(std):g}", title=_bn_title(std), xlabel="epochs", ylabel="accuracy", ylim=(0, 1),
                 curves=[seed_curve(rows[rows["model"] == model], "epoch", "train_acc", style["label"])
                         for model, (_, style) in BN_MODELS.items()])


def batchnorm_grid_panels(tables, variants, settings):
    """Fig 6-19 in an overlay of runs: a panel per weight std, BN and plain over seeds."""
    return [_bn_panel_of(tables["accuracy"], std) for std in variants]


def batchnorm_single_panels(tables, variants, settings):
    """Fig 6-18 in an overlay of runs: the panel of the std each run's rule chose."""
    index, _, _ = panel_choice(tables["accuracy"], settings)
    return [] if index is None else [_bn_panel_of(tables["accuracy"], float(variants[index]))]


def batchnorm_metrics(tables, settings):
    """The headline numbers of Figs 6-18 and 6-19: final training accuracy with and without BN,
    averaged over the weight stds."""
    acc = tables["accuracy"]
    last = acc[acc["epoch"] == acc["epoch"].max()].groupby(["seed", "model"])["train_acc"].mean()
    return [{"metric": f"{BN_MODELS[model][0]}: final train accuracy, mean over weight stds", "seed": seed,
             "value": float(value)} for (seed, model), value in last.items()]


# --------------------------------------------------------------------------- claims


def claims_batchnorm(tables, settings):
    acc, settings = tables["batchnorm"]["accuracy"], settings["batchnorm"]
    final = acc[acc["epoch"] == acc["epoch"].max()]
    wide = final.pivot_table(index=["seed", "std_index"], columns="model", values="train_acc", dropna=False)
    wide = wide.fillna(0.0)  # a diverged net has learnt nothing
    n_scales = wide.index.get_level_values("std_index").nunique()
    wins = (wide["batchnorm"] > wide["plain"]).groupby("seed").sum().to_dict()
    plain_ok = (wide["plain"] >= 0.5).groupby("seed").sum().to_dict()
    diverged = acc[(acc["model"] == "plain") & acc["diverged_at"].notna()].groupby("seed")["std_index"].nunique()
    images = f"the first {settings['train_size']} training images"
    index, how, choice = panel_choice(acc, {**settings, "single_panel_std_index": None})
    statement = "Batch Norm makes learning faster (Fig 6-18)"
    quantity = "BatchNorm − plain mean training accuracy over the epochs, at the std the rule of Fig 6-18 picks"
    if index is None:
        first = not_measured("6-18", statement, quantity, f"no weight std satisfies the rule of Fig 6-18: {how}")
    else:
        chosen = choice[choice["std_index"] == index].iloc[0]
        per_seed = {int(c.removeprefix("advantage_")): chosen[c] for c in choice.columns if c.startswith("advantage_")}
        first = claim_row("6-18", f"{statement}: at weight std {chosen['weight_std']:.4g}, BatchNorm's training "
                          f"accuracy on {images} is higher on average over the epochs", quantity, per_seed,
                          above(0), detail=f"{how}: std {chosen['weight_std']:.4g}, of the "
                          f"{int(choice['plain_learns'].sum())} where the plain net learns")
    return [
        first,
        claim_row("6-18/6-19", f"BatchNorm reaches higher training accuracy on {images} than no BN in almost every "
                  f"case (at least 3/4 of the {n_scales} weight scales)",
                  f"number of weight scales (of {n_scales}) where BN's final training accuracy is higher",
                  wins, at_least(0.75 * n_scales)),
        claim_row("6-19", "Without BN, learning fails unless the weight scale is good",
                  f"number of weight scales (of {n_scales}) where the plain net reaches 50% training accuracy on "
                  f"{images} (at most a quarter to hold)", plain_ok, at_most(0.25 * n_scales),
                  detail="scales where the plain net diverged, per seed: "
                  + "; ".join(f"{s}: {int(diverged.get(s, 0))}" for s in sorted(wins))),
    ]


# --------------------------------------------------------------------------- the section


_BATCHNORM = (
    "Training accuracy on the first {{ settings.train_size }} MNIST images with Batch Normalization (solid) and "
    "without (dashed): a 784-{{ settings.hidden_sizes | join('-') }}-10 ReLU network, SGD lr {{ settings.lr }}, "
    "batch {{ settings.batch_size }}, {{ settings.epochs }} epochs, ")
_BN_PAIRED = (". Both nets of a panel start from the same weights and see the same minibatches; a diverged run "
              "is marked and not drawn past its divergence. " + SEED)
BATCHNORM_SINGLE = _BATCHNORM + (
    "{% if chosen is none %}but no initial weight std satisfies the rule of this figure ({{ how }}), so it shows "
    "none{% else %}initial weight std {{ '%.4g' | format(chosen) }}, {{ how }} (BatchNorm's mean accuracy over "
    "the epochs minus the plain net's, averaged over the seeds: {{ '%.3f' | format(advantage) }}){% endif %}"
    + _BN_PAIRED)
BATCHNORM_GRID = _BATCHNORM + (
    "one panel per initial weight std, {{ variants | length }} stds from {{ '%.4g' | format(variants[0]) }} "
    "to {{ '%.4g' | format(variants[-1]) }}" + _BN_PAIRED)

SECTION = Section(
    "6.3", "Batch Normalization", "Batch Normalization",
    experiments=(
        Experiment("batchnorm", batchnorm, fixed("accuracy"), "With and without Batch Normalization", priority=30,
                   schemas=batchnorm_schemas, plot_settings=("single_panel_std_index",), claims_tables=("accuracy",),
                   entry_tables=("accuracy",), check=check, metrics=batchnorm_metrics,
                   config={"train_size": {"type": "integer", "minimum": 1, "maximum": 60000},
                           "hidden_sizes": {"$ref": "#/$defs/hidden_sizes"}, "lr": {"$ref": "#/$defs/lr"},
                           "batch_size": {"$ref": "#/$defs/positive_int"}, "epochs": {"$ref": "#/$defs/positive_int"},
                           "weight_std_logspace": {"type": "object", "additionalProperties": False,
                                                   "required": ["start", "stop", "num"],
                                                   "properties": {"start": {"type": "number"},
                                                                  "stop": {"type": "number"},
                                                                  "num": {"type": "integer", "minimum": 1}}},
                           "single_panel_std_index": {
                               "description": "the weight std of Fig 6-18, by index; null (the default) lets a rule "
                                              "choose it from the data",
                               "oneOf": [{"type": "null"}, {"type": "integer", "minimum": 0}]}}),
    ),
    figures=(
        Figure("fig6-18_batchnorm_single", "6-18", "batchnorm", "Batch Norm makes learning faster",
               BATCHNORM_SINGLE, batchnorm_single, ("accuracy",), weight_stds, claims=("6-18", "6-18/6-19"),
               all_seeds=True, overlay=batchnorm_single_panels),
        Figure("fig6-19_batchnorm_grid", "6-19", "batchnorm",
               "With and without Batch Norm, for initial weights of different scales",
               BATCHNORM_GRID, batchnorm_grid, ("accuracy",), weight_stds, band=batchnorm_grid_band,
               claims=("6-18/6-19", "6-19"), overlay=batchnorm_grid_panels),
    ),
    claims=(Claims(claims_batchnorm, ("batchnorm",), ("6-18", "6-18/6-19", "6-19")),),
)
