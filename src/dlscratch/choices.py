"""What a figure and its claims compute from the tables, so that both compute the same.

Fig 6-18 shows one weight scale of the BatchNorm grid, decided from the accuracy tables of
every seed by ``panel_choice``; the studies' figures and claims share the best learning
rates (``best_rates``), the largest rate a net trains at (``largest_trainable``), the
final accuracies by strength (``strength_table``) and the best accuracy by budget
(``search_budgets``). Tables in, tables out: nothing here trains.
"""

import numpy as np
import pandas as pd

def panel_choice(accuracy, settings):
    """The weight std of Fig 6-18, from the ``accuracy`` tables of every seed.

    With ``settings["single_panel_std_index"]`` set, that std. Otherwise the rule: among the
    stds at which the plain net learns (its final training accuracy is above chance, the
    table's ``chance``: always answering the most frequent class, in every seed), the one
    with the largest BatchNorm advantage in mean training accuracy over the epochs (averaged
    over seeds). Returns (std_index or None when no std satisfies the rule,
    how it was chosen in words, and a per-std table: std_index, weight_std, plain_learns,
    advantage, with advantage the BN - plain mean accuracy over epochs, per seed as columns
    ``advantage_<seed>`` and their mean ``advantage``).
    """
    means = accuracy.groupby(["seed", "std_index", "weight_std", "model"])["train_acc"].mean().unstack("model")
    per_seed = (means["batchnorm"] - means["plain"]).unstack("seed")
    final = accuracy[accuracy["epoch"] == accuracy["epoch"].max()]
    plain = final[final["model"] == "plain"].pivot(index=["std_index", "weight_std"], columns="seed",
                                                   values="train_acc")
    chance = float(accuracy["chance"].max())
    table = pd.DataFrame({"plain_learns": (plain.fillna(0.0) > chance).all(axis=1),
                          "advantage": per_seed.mean(axis=1)})
    for seed in per_seed.columns:
        table[f"advantage_{seed}"] = per_seed[seed]
    table = table.reset_index()
    index = settings.get("single_panel_std_index")
    if index is not None:
        return int(index), f"set by batchnorm.single_panel_std_index = {index}", table
    learners = table[table["plain_learns"]]
    rule = (f"chosen by rule: among the stds at which the plain net learns (its final training accuracy is above "
            f"chance, {chance:.3g}, the share of the most frequent class, in every seed), the one where BatchNorm's "
            "mean training accuracy over the epochs is furthest ahead")
    if learners.empty:
        return None, rule, table
    return int(learners.loc[learners["advantage"].idxmax(), "std_index"]), rule, table

def best_rates(summary):
    """Each optimizer's best learning rate in each seed: the highest validation accuracy
    (ties: the lower tail loss). Columns as ``summary``'s, one row per (seed, optimizer)."""
    ranked = summary.sort_values(["seed", "optimizer", "val_acc", "tail_loss"], ascending=[True, True, False, True],
                                 na_position="last")
    return ranked.groupby(["seed", "optimizer"], sort=False).head(1).reset_index(drop=True)

def largest_trainable(accuracy):
    """Per seed and model, the largest learning rate at which the net still trains (its final
    training accuracy above chance, not diverged), or NaN where none does."""
    final = accuracy[accuracy["epoch"] == accuracy["epoch"].max()]
    trains = final[(final["train_acc"] > final["chance"]) & final["diverged_at"].isna()]
    best = trains.groupby(["seed", "model"])["lr"].max()
    index = pd.MultiIndex.from_product([sorted(final["seed"].unique()), ["batchnorm", "plain"]],
                                       names=["seed", "model"])
    return best.reindex(index).unstack("model")

def strength_table(final, decay, dropout, settings):
    """Final train and test accuracy at every strength of the study, from its own runs
    (``final``) and the chapter's (``decay``, ``dropout``: their accuracy tables, every seed).
    Columns: seed, regularizer, strength, train_acc, test_acc, gap."""
    parts = [final[["seed", "regularizer", "strength", "train_acc", "test_acc"]]]
    last = decay[decay["epoch"] == decay["epoch"].max()]
    parts.append(last.assign(regularizer="weight_decay", strength=last["weight_decay"])[
        ["seed", "regularizer", "strength", "train_acc", "test_acc"]])
    last = dropout[dropout["epoch"] == dropout["epoch"].max()]
    parts.append(last.assign(regularizer="dropout", strength=last["dropout_ratio"])[
        ["seed", "regularizer", "strength", "train_acc", "test_acc"]])
    table = pd.concat(parts, ignore_index=True)
    wanted = {"weight_decay": [float(v) for v in settings["weight_decays"]],
              "dropout": [float(v) for v in settings["dropout_ratios"]]}
    keep = [any(np.isclose(s, w) for w in wanted[r]) for r, s in zip(table["regularizer"], table["strength"])]
    table = table[keep].drop_duplicates(["seed", "regularizer", "strength"])
    table = table.sort_values(["regularizer", "strength", "seed"]).reset_index(drop=True)
    return table.assign(gap=table["train_acc"] - table["test_acc"])

def search_budgets(random_summary, grids):
    """The best validation accuracy after ``b`` trials, per seed: random search (its first b
    trials, in the order drawn: ``random_summary`` is the chapter's summary table) at every
    b, and grid search at b = size² (``grids``: the grid tables). Columns: seed, method
    ("random" or "grid"), budget, best_val_acc."""
    rows = []
    for seed, trials in random_summary.groupby("seed"):
        best = trials.sort_values("trial")["val_acc"].fillna(0.0).cummax().to_numpy()
        rows.append(pd.DataFrame({"seed": seed, "method": "random", "budget": np.arange(1, len(best) + 1),
                                  "best_val_acc": best}))
    for (seed, size), trials in grids.groupby(["seed", "grid_size"]):
        rows.append(pd.DataFrame({"seed": [seed], "method": ["grid"], "budget": [size * size],
                                  "best_val_acc": [float(trials["val_acc"].fillna(0.0).max())]}))
    return pd.concat(rows, ignore_index=True)
