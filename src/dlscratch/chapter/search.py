"""6.5 Hyperparameter validation: random search of the learning rate and weight decay on a
validation split (Fig 6-24)."""

import math

import numpy as np
import pandas as pd

from .. import plotting as P
from ..captions import SEED
from ..claims import at_least, claim_row
from ..declare import Claims, Experiment, Figure, Section, fixed
from ..optimizers import make_optimizer
from ..overlay import Curve, Panel, seed_curve
from ..paired import build_network, diverged_value, epoch_schedule, train_epochs, used_inputs
from ..seeding import generator
from ..tables import Schema

# --------------------------------------------------------------------------- training


def sample_trials(seed, n_trials, lr_exponents=(-6.0, -2.0), weight_decay_exponents=(-8.0, -4.0)):
    """Trials with weight decay 10^U(wd range) and lr 10^U(lr range), as the book draws them.
    Columns: trial (0-based), lr, weight_decay."""
    rng = generator(seed, "random_search", "trials")
    wd = 10 ** rng.uniform(*weight_decay_exponents, size=n_trials)
    lr = 10 ** rng.uniform(*lr_exponents, size=n_trials)
    return pd.DataFrame({"trial": np.arange(n_trials), "lr": lr, "weight_decay": wd})


def validation_split(x, t, n_subset, validation_rate, seed):
    """Shuffle the first ``n_subset`` images; the first ``validation_rate`` of them validate.
    Returns ((x_train, t_train), (x_val, t_val))."""
    if n_subset > len(x):
        raise ValueError(f"n_subset {n_subset} exceeds the {len(x)} training images")
    order = generator(seed, "random_search", "split").permutation(n_subset)
    x, t = x[:n_subset][order], t[:n_subset][order]
    n_val = int(n_subset * validation_rate)
    if not 0 < n_val < n_subset:
        raise ValueError(f"validation_rate {validation_rate} leaves no training or no validation data")
    return (x[n_val:], t[n_val:]), (x[:n_val], t[:n_val])


def run_trials(split, trials, hidden_sizes, batch_size, epochs, seed):
    """Train one network per trial row; all trials share initial weights and batches.
    Columns: trial, lr, weight_decay, epoch, train_acc, val_acc, diverged_at."""
    (x_train, t_train), (x_val, t_val) = split
    schedule = epoch_schedule(seed, "random_search", len(x_train), batch_size, epochs)
    n_pixels = x_train.shape[1]
    inputs, (x_train, x_val) = used_inputs(x_train, x_val)
    tables = []
    for trial in trials.itertuples(index=False):
        net = build_network(seed, "random_search", n_pixels, hidden_sizes, inputs=inputs,
                            weight_decay_lambda=float(trial.weight_decay))
        table, diverged_at = train_epochs(net, make_optimizer("sgd", lr=float(trial.lr)),
                                          x_train, t_train, x_val, t_val, schedule, epochs)
        table = table.rename(columns={"test_acc": "val_acc"})
        table.insert(0, "weight_decay", trial.weight_decay)
        table.insert(0, "lr", trial.lr)
        table.insert(0, "trial", trial.trial)
        table["diverged_at"] = diverged_value(diverged_at)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def random_search(settings, data, seed):
    """Fig 6-24: ``trials`` trials drawn from the seed, each trained for ``epochs`` on the
    training part of a shuffled split of the first ``subset_size`` images and validated on
    the rest. With ``settings["shard"]`` (the pipeline's job split) only that shard of the
    ``shards`` runs: every shard draws the same trials and takes its part, so the shard
    count changes nothing but the jobs.

    Returns {"curves": seed, trial, lr, weight_decay, epoch, train_acc, val_acc, diverged_at;
             "summary": see ``summarize_trials``}, or for a shard k {"shard<k>": its curves}.
    """
    trials = sample_trials(seed, settings["trials"], settings["lr_exponents"], settings["weight_decay_exponents"])
    shard = settings.get("shard")
    if shard is not None:
        trials = trials.loc[np.array_split(trials.index, settings["shards"])[shard]]
    (x, t), _ = data
    split = validation_split(x, t, settings["subset_size"], settings["validation_rate"], seed)
    curves = run_trials(split, trials, settings["hidden_sizes"], settings["batch_size"], settings["epochs"], seed)
    curves.insert(0, "seed", seed)
    if shard is not None:
        return {f"shard{shard}": curves}
    return {"curves": curves, "summary": summarize_trials(curves)}


def combine_shards(shards):
    """The tables of a whole search from its shards' curves (a list of DataFrames):
    {"curves", "summary"} as ``random_search`` returns them."""
    curves = pd.concat(shards, ignore_index=True)
    return {"curves": curves, "summary": summarize_trials(curves)}


def summarize_trials(curves):
    """Final train/validation accuracy per trial, ranked by final validation accuracy
    (1 = best; ties broken by trial number; diverged trials last).
    Columns: seed, rank, trial, lr, weight_decay, val_acc, train_acc, diverged_at."""
    last = curves.sort_values(["trial", "epoch"]).groupby("trial").tail(1)  # NaN stays NaN
    last = last.sort_values(["val_acc", "trial"], ascending=[False, True], na_position="last")
    last.insert(0, "rank", np.arange(1, len(last) + 1))
    columns = ["rank", "trial", "lr", "weight_decay", "val_acc", "train_acc", "diverged_at"]
    if "seed" in last:
        columns.insert(0, "seed")
    return last[columns].reset_index(drop=True)


CURVES = {"seed": "int", "trial": "int", "lr": "float", "weight_decay": "float", "epoch": "int",
          "train_acc": "float", "val_acc": "float", "diverged_at": "float"}
SUMMARY = {"seed": "int", "rank": "int", "trial": "int", "lr": "float", "weight_decay": "float", "val_acc": "float",
           "train_acc": "float", "diverged_at": "float"}


def random_search_schemas(settings):
    """The tables of a whole search and of each of its ``shards``."""
    trials, points = settings["trials"], settings["epochs"] + 1
    shards = np.array_split(np.arange(trials), settings["shards"])
    schemas = {f"shard{k}": Schema(CURVES, len(ids) * points, {"trial": ids.tolist()}) for k, ids in enumerate(shards)}
    return {**schemas, "curves": Schema(CURVES, trials * points, {"trial": list(range(trials))}),
            "summary": Schema(SUMMARY, trials, {"trial": list(range(trials)), "rank": list(range(1, trials + 1))})}


def check(block, config, fail):
    n_val = int(block["subset_size"] * block["validation_rate"])
    n_train = block["subset_size"] - n_val
    if n_val < 1 or n_train < 1:
        fail("random_search.validation_rate",
             f"{block['validation_rate']} of {block['subset_size']} images leaves {n_train} for training and {n_val} "
             "for validation")
    if block["batch_size"] > n_train:
        fail("random_search.batch_size", f"{block['batch_size']} is larger than the {n_train} training images of the "
             "split")
    if block["shards"] > block["trials"]:
        fail("random_search.shards", f"{block['shards']} shards for only {block['trials']} trials")
    if block["top"] > block["trials"]:
        fail("random_search.top", f"{block['top']} is more than the {block['trials']} trials")
    for key in ("lr_exponents", "weight_decay_exponents"):
        low, high = block[key]
        if not low < high:
            fail(f"random_search.{key}", f"lower bound {low} must be below upper bound {high}")
    if block["lr_exponents"][1] > 1:
        fail("random_search.lr_exponents", f"upper bound {block['lr_exponents'][1]} gives learning rates above 10")


# --------------------------------------------------------------------------- figures


SEARCH_COLUMNS = 5  # the book's grid is 4 x 5


def plot_random_search_grid(curves, summary, top=20):
    """Fig 6-24: validation (solid) and training (dashed) accuracy of the ``top`` best trials."""
    ncols = SEARCH_COLUMNS
    best = summary.sort_values("rank").head(top)
    fig, axes = P.grid(len(best), ncols, panel_size=(2.4, 2.0))
    for i, (ax, trial) in enumerate(zip(axes, best.itertuples())):
        rows = P.rows_of(curves, "trial", trial.trial).sort_values("epoch")
        ax.plot(rows["epoch"], rows["val_acc"], color="C0", label="val")
        ax.plot(rows["epoch"], rows["train_acc"], "--", color="C1", label="train")
        note = f"lr={trial.lr:.2e}\nwd={trial.weight_decay:.2e}"
        note += P.DIVERGED if not np.isfinite(trial.val_acc) else ""
        ax.text(0.04, 0.96, note, transform=ax.transAxes, fontsize=6, va="top")
        ax.set(title=f"Best-{trial.rank:g}", ylim=(0, 1))
        P.label_outer(ax, i, len(best), min(ncols, len(best)), "epochs", "accuracy")
    axes[-1].legend(loc="lower right", fontsize=6)
    return fig


def plot_random_search_scatter(summary):
    """Where the good hyperparameters are: lr vs weight decay, coloured by validation accuracy."""
    from matplotlib.patches import Rectangle

    fig, (ax,) = P.grid(1, 1, panel_size=(6.5, 4.5))
    ok = np.isfinite(summary["val_acc"])
    good, bad = summary[ok], summary[~ok]
    dots = ax.scatter(good["lr"], good["weight_decay"], c=good["val_acc"], vmin=0, vmax=1, s=20)
    fig.colorbar(dots, ax=ax, label="validation accuracy")
    if not bad.empty:
        ax.scatter(bad["lr"], bad["weight_decay"], marker="x", color="grey", label="diverged")
    best = summary.sort_values("rank").head(5)
    ax.scatter(best["lr"], best["weight_decay"], s=150, facecolors="none", edgecolors="red", label="top 5")
    for trial in best.itertuples():
        xy = (trial.lr, trial.weight_decay)
        ax.annotate(f"{trial.rank:g}", xy, xytext=(6, 6), textcoords="offset points", color="red")
    box = Rectangle((1e-3, 1e-8), 1e-2 - 1e-3, 1e-6 - 1e-8, fill=False, linestyle="--", label="book's suggested region")
    ax.add_patch(box)
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="weight decay")
    ax.legend(loc="best", fontsize=8)
    return fig


def random_search_grid(tables, variants, settings):
    return plot_random_search_grid(tables["curves"], tables["summary"], top=settings["top"])


def random_search_scatter(tables, variants, settings):
    return plot_random_search_scatter(tables["summary"])


def random_search_scatter_band(tables, variants, settings):
    """Every trial of every seed, ranked together."""
    search = tables["summary"].sort_values(["val_acc", "seed", "trial"], ascending=[False, True, True],
                                           na_position="last")
    return plot_random_search_scatter(search.assign(rank=np.arange(1, len(search) + 1)))


def random_search_grid_panels(tables, variants, settings):
    """Fig 6-24 in an overlay of runs: a panel per rank (Best-1, ...), the validation and
    training accuracy of each seed's trial of that rank, over seeds."""
    curves, summary = tables["curves"], tables["summary"]
    panels = []
    for rank in range(1, min(settings["top"], int(summary["rank"].max())) + 1):
        picked = summary[summary["rank"] == rank][["seed", "trial"]]
        rows = curves.merge(picked, on=["seed", "trial"])
        panels.append(Panel(str(rank), title=f"Best-{rank}", xlabel="epochs", ylabel="accuracy", ylim=(0, 1),
                            curves=[seed_curve(rows, "epoch", "val_acc", "val"),
                                    seed_curve(rows, "epoch", "train_acc", "train")]))
    return panels


def random_search_scatter_panels(tables, variants, settings):
    """Fig 6-24x in an overlay of runs: every trial of every seed in (learning rate, weight
    decay), and the top 5 of them."""
    summary = tables["summary"].sort_values(["seed", "trial"])
    ranked = summary.sort_values(["val_acc", "seed", "trial"], ascending=[False, True, True], na_position="last")
    best = ranked.head(5)
    return [Panel("trials", xlabel="learning rate", ylabel="weight decay", xscale="log", yscale="log",
                  curves=[Curve("trials", summary["lr"].to_numpy(), summary["weight_decay"].to_numpy(), kind="points"),
                          Curve("top 5", best["lr"].to_numpy(), best["weight_decay"].to_numpy(), kind="points")])]


def random_search_metrics(tables, settings):
    """The headline numbers of Fig 6-24: the best and the median validation accuracy of the trials."""
    summary = tables["summary"]
    return [{"metric": name, "seed": seed, "value": float(value)} for seed, rows in summary.groupby("seed")
            for name, value in (("best validation accuracy", rows["val_acc"].max()),
                                ("median validation accuracy", rows["val_acc"].median()))]


# --------------------------------------------------------------------------- claims


def claims_search(tables, settings, top=5):
    summary, settings = tables["random_search"]["summary"], settings["random_search"]
    top = min(top, settings["trials"])
    need = math.ceil(0.8 * top)
    best = summary[summary["rank"] <= top]
    lr_in = best.assign(v=best["lr"].between(1e-3, 1e-2)).groupby("seed")["v"].mean().to_dict()
    wd_in = best.assign(v=best["weight_decay"].between(1e-8, 1e-6)).groupby("seed")["v"].mean().to_dict()
    where = (f"top-{top} trials over all seeds: lr {best['lr'].min():.2g}–{best['lr'].max():.2g}, "
             f"weight decay {best['weight_decay'].min():.2g}–{best['weight_decay'].max():.2g}")
    of = f"at least {need} of the top {top} of {settings['trials']} trials"
    return [
        claim_row("6-24", f"The best trials have lr within 1e-3–1e-2 ({of})",
                  f"fraction of the top-{top} trials with lr in [1e-3, 1e-2]", lr_in, at_least(need / top),
                  detail=where),
        claim_row("6-24", f"The best trials have weight decay within 1e-8–1e-6 ({of})",
                  f"fraction of the top-{top} trials with weight decay in [1e-8, 1e-6]", wd_in,
                  at_least(need / top), detail=where),
    ]


# --------------------------------------------------------------------------- the section


_SEARCH = (
    "Random search over {{ settings.trials }} trials: learning rate 10^U({{ settings.lr_exponents | join(', ') }}), "
    "weight decay 10^U({{ settings.weight_decay_exponents | join(', ') }}), SGD for {{ settings.epochs }} epochs "
    "of a 784-{{ settings.hidden_sizes | join('-') }}-10 network on {{ settings.subset_size }} shuffled training "
    "images, {{ settings.validation_rate }} of them held out for validation. ")
SEARCH_GRID = _SEARCH + ("The best {{ [settings.top, settings.trials] | min }} trials by final validation "
                         "accuracy: solid validation, dashed training accuracy. " + SEED)
SEARCH_SCATTER = _SEARCH + ("Every trial{% if band %} of every seed, ranked together,{% endif %} coloured by its "
                            "final validation accuracy; the top 5 circled. " + SEED)
POSITIVE_INT = {"$ref": "#/$defs/positive_int"}


def _shard_parts(settings):
    return {f"shard{k}": {**settings, "shard": k} for k in range(settings["shards"])}


SECTION = Section(
    "6.5", "Hyperparameter validation", "超参数的验证",
    experiments=(
        Experiment("random_search", random_search, fixed("curves", "summary"),
                   "Random search of the learning rate and weight decay", parts=_shard_parts,
                   combine=combine_shards, priority=40, schemas=random_search_schemas, plot_settings=("top",),
                   claims_tables=("summary",), entry_tables=("curves",), check=check, metrics=random_search_metrics,
                   config={"subset_size": {"type": "integer", "minimum": 2, "maximum": 60000},
                           "validation_rate": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                           "trials": POSITIVE_INT, "shards": POSITIVE_INT,
                           "lr_exponents": {"$ref": "#/$defs/exponent_range"},
                           "weight_decay_exponents": {"$ref": "#/$defs/exponent_range"},
                           "hidden_sizes": {"$ref": "#/$defs/hidden_sizes"}, "batch_size": POSITIVE_INT,
                           "epochs": POSITIVE_INT, "top": POSITIVE_INT}),
    ),
    figures=(
        Figure("fig6-24_random_search", "6-24", "random_search", "The best trials of a random search", SEARCH_GRID,
               random_search_grid, ("curves", "summary"), claims=("6-24",), overlay=random_search_grid_panels),
        Figure("fig6-24x_random_search_scatter", "6-24x", "random_search",
               "Every trial in (learning rate, weight decay)", SEARCH_SCATTER,
               random_search_scatter, ("summary",), band=random_search_scatter_band, claims=("6-24",),
               overlay=random_search_scatter_panels),
    ),
    claims=(Claims(claims_search, ("random_search",), ("6-24",)),),
)
