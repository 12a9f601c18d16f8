"""Beyond the book: does the chapter's advice survive tuning? Four studies, with the
chapter's design (paired seeds, tidy tables), each an experiment ``run(settings, data, seed)``.

1. ``optimizer_lr``: the six optimizers of Fig 6-9 on a log grid of learning rates, on the
   Fig 6-9 network and data, with a validation split held out from the training images (the
   best rate is chosen on it, never on the test set).
2. ``batchnorm_lr``: the 6.3 network and schedule with He weights, with and without
   BatchNorm, on a grid of learning rates.
3. ``regularization_strength``: the 300-image setting of 6.4 over a range of weight decays
   and Dropout ratios. The runs the chapter trains anyway (the same settings and seed) are
   read from its tables, not retrained; this trains the others, on the chapter's seed
   stream, so every strength starts from the same weights and sees the same batches.
4. ``grid_search``: grids over the 6.5 ranges, of as many trials as random search has after
   1, 4, 9, ... trials; the random search itself is the chapter's (read from its tables).
"""

import numpy as np
import pandas as pd

from ..seeding import generator
from ..tables import Schema
from .batchnorm import with_and_without_bn
from .common import epoch_schedule, first_images, paired_loss_curves
from .regularization import overfit_run
from .search import run_trials, validation_split


# --------------------------------------------------------------------------- 1. learning rate of each optimizer


def optimizer_split(data, settings, seed):
    """The first ``train_size`` images, ``validation_size`` of them (drawn from the seed) held
    out: ((x_train, t_train), (x_val, t_val)), and the test set."""
    (x, t), test = first_images(data, settings["train_size"])
    order = generator(seed, "study_optimizer_lr", "split").permutation(len(x))
    held = np.sort(order[: settings["validation_size"]])
    kept = np.sort(order[settings["validation_size"]:])
    return (x[kept], t[kept]), (x[held], t[held]), test


def optimizer_lr(settings, data, seed):
    """Every optimizer of ``settings["optimizers"]`` (names; the book's defaults otherwise) at
    every rate of ``lr_grid``: all of a seed's runs start from the same weights and see the
    same minibatches of the training part. The loss of an iteration is its batch's loss
    before the update (Fig 6-9 records it after: a second forward pass per step, which would
    cost this study a third more). Returns {"loss": seed, optimizer, lr, iteration,
    loss; "summary": seed, optimizer, lr, final_loss, tail_loss, mean_loss, val_acc, test_acc,
    diverged_at}."""
    train, val, test = optimizer_split(data, settings, seed)
    variants = {f"{name}@{lr!r}": ({}, {"name": name, "lr": float(lr)})
                for name in settings["optimizers"] for lr in settings["lr_grid"]}
    tables = paired_loss_curves((train, test), variants, settings["hidden_sizes"], settings["batch_size"],
                                settings["iterations"], seed, "study_optimizer_lr", variant_column="run",
                                evaluate={"val_acc": val, "test_acc": test}, loss_after_update=False)
    for name, table in tables.items():
        parts = table["run"].str.split("@", expand=True)
        table.insert(1, "lr", parts[1].astype(float))
        table.insert(1, "optimizer", parts[0])
        tables[name] = table.drop(columns="run")
    return tables


def optimizer_lr_schemas(settings):
    names, grid = list(settings["optimizers"]), settings["lr_grid"]
    loss = {"seed": "int", "optimizer": "str", "lr": "float", "iteration": "int", "loss": "float"}
    summary = {"seed": "int", "optimizer": "str", "lr": "float", **{c: "float" for c in (
        "final_loss", "tail_loss", "mean_loss", "val_acc", "test_acc", "diverged_at")}}
    schemas = {}
    for name in names:
        values = {"optimizer": [name], "lr": [float(v) for v in grid]}
        schemas[f"{name}/loss"] = Schema(loss, len(grid) * settings["iterations"], values)
        schemas[f"{name}/summary"] = Schema(summary, len(grid), values)
    return schemas


# --------------------------------------------------------------------------- 2. BatchNorm and the learning rate


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


# --------------------------------------------------------------------------- 3. regularization strength


def reused_strengths(settings):
    """The strengths the chapter trains anyway (so this study reads them from its tables):
    {"weight_decay": the lambdas of weight_decay, "dropout": 0 and dropout.dropout_ratio}."""
    return {"weight_decay": [float(v) for v in settings["weight_decay"]["lambdas"]],
            "dropout": [0.0, float(settings["dropout"]["dropout_ratio"])]}


def regularization_strength(settings, data, seed):
    """The 6.4 runs at every strength of ``weight_decays`` and ``dropout_ratios`` that the
    chapter does not train (``settings["weight_decay"]`` and ``settings["dropout"]`` are the
    chapter's blocks: the same data, net, rate, batches and epochs). Evaluated after the last
    epoch only. Returns {"final": seed, regularizer, strength, epoch, train_acc, test_acc,
    diverged_at}."""
    reused = reused_strengths(settings)
    rows = []
    for regularizer, key in (("weight_decay", "weight_decays"), ("dropout", "dropout_ratios")):
        block = settings[regularizer]
        for strength in settings[key]:
            strength = float(strength)
            if strength in reused[regularizer]:
                continue
            kwargs = {"weight_decay_lambda": strength} if regularizer == "weight_decay" else \
                {"dropout_ratio": strength if strength > 0 else None}
            run = overfit_run(block, data, seed, final_only=True, **kwargs)
            run.insert(0, "strength", strength)
            run.insert(0, "regularizer", regularizer)
            run.insert(0, "seed", seed)
            rows.append(run)
    columns = ["seed", "regularizer", "strength", "epoch", "train_acc", "test_acc", "diverged_at"]
    return {"final": pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)}


def regularization_strength_schemas(settings):
    reused = reused_strengths(settings)
    trained = {r: [float(v) for v in settings[k] if float(v) not in reused[r]]
               for r, k in (("weight_decay", "weight_decays"), ("dropout", "dropout_ratios"))}
    columns = {"seed": "int", "regularizer": "str", "strength": "float", "epoch": "int", "train_acc": "float",
               "test_acc": "float", "diverged_at": "float"}
    return {"final": Schema(columns, sum(len(v) for v in trained.values()),
                            {"regularizer": [r for r, v in trained.items() if v]})}


# --------------------------------------------------------------------------- 4. random against grid search


def grid_trials(settings, size):
    """A ``size`` x ``size`` grid over the random search's ranges (log scale), one trial at the
    centre of each cell: the grid's share of the same space uniform sampling covers.
    Columns: trial, lr, weight_decay."""
    lr_low, lr_high = settings["lr_exponents"]
    wd_low, wd_high = settings["weight_decay_exponents"]
    centres = (np.arange(size) + 0.5) / size
    lr, wd = np.meshgrid(lr_low + centres * (lr_high - lr_low), wd_low + centres * (wd_high - wd_low))
    return pd.DataFrame({"trial": np.arange(size * size), "lr": 10 ** lr.ravel(), "weight_decay": 10 ** wd.ravel()})


def grid_search(settings, data, seed):
    """The grid of ``settings["grid_size"]`` (a job's part; every size of ``grid_sizes``
    without it), trained exactly as the chapter's random search trains its trials (the same
    split, weights and batches: ``settings["random_search"]`` is its block). Returns
    {"grid<size>": seed, grid_size, trial, lr, weight_decay, val_acc, train_acc, diverged_at}
    with each trial's final accuracies."""
    search = settings["random_search"]
    sizes = [settings["grid_size"]] if "grid_size" in settings else settings["grid_sizes"]
    (x, t), _ = data
    split = validation_split(x, t, search["subset_size"], search["validation_rate"], seed)
    tables = {}
    for size in sizes:
        curves = run_trials(split, grid_trials(search, size), search["hidden_sizes"], search["batch_size"],
                            search["epochs"], seed)
        last = curves[curves["epoch"] == curves["epoch"].max()]
        table = last[["trial", "lr", "weight_decay", "val_acc", "train_acc", "diverged_at"]].reset_index(drop=True)
        table.insert(0, "grid_size", size)
        table.insert(0, "seed", seed)
        tables[f"grid{size}"] = table
    return tables


def grid_search_schemas(settings):
    columns = {"seed": "int", "grid_size": "int", "trial": "int", "lr": "float", "weight_decay": "float",
               "val_acc": "float", "train_acc": "float", "diverged_at": "float"}
    return {f"grid{size}": Schema(columns, size * size, {"grid_size": [size], "trial": list(range(size * size))})
            for size in settings["grid_sizes"]}

