"""Section 6.5: random search of learning rate and weight decay on a validation split."""

import numpy as np
import pandas as pd

from ..optimizers import make_optimizer
from ..seeding import generator
from ..tables import Schema
from .common import build_network, diverged_value, epoch_schedule, train_epochs, used_inputs


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
