"""What a figure and its claims compute from the tables, so that both compute the same.

Fig 6-18 shows one weight scale of the BatchNorm grid, decided from the accuracy tables of
every seed by ``panel_choice``; the studies' figures and claims share the best learning
rates (``best_rates``), the largest rate at which a net learns (``largest_learning``), the
final accuracies by strength (``strength_table``), the best accuracy by budget
(``search_budgets``) and random search's efficiency curve (``efficiency``). Tables in,
tables out: nothing here trains.
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

def learning_thresholds(accuracy, fraction):
    """Per seed and model, the final training accuracy a net must reach to count as learning:
    chance plus ``fraction`` of the way from chance to the best final accuracy any rate of the
    grid reached for that model and seed (``fraction`` 0: chance itself)."""
    final = accuracy[accuracy["epoch"] == accuracy["epoch"].max()]
    best = final[final["diverged_at"].isna()].groupby(["seed", "model"])["train_acc"].max()
    chance = final.groupby(["seed", "model"])["chance"].max()
    return (chance + fraction * (best.reindex(chance.index) - chance).clip(lower=0)).rename("threshold")


def largest_learning(accuracy, fraction=0.0):
    """Per seed and model, the largest learning rate at which the net learns, or NaN where it
    learns at none: it does not diverge, ends above chance, and, with ``fraction`` > 0, ends at
    least ``fraction`` of the way from chance to the best final accuracy any rate reached for
    that model and seed (``learning_thresholds``). ``fraction`` 0 is "ends above chance"."""
    final = accuracy[accuracy["epoch"] == accuracy["epoch"].max()]
    threshold = learning_thresholds(accuracy, fraction)
    final = final.join(threshold, on=["seed", "model"])
    learns = final[(final["train_acc"] > final["chance"]) & (final["train_acc"] >= final["threshold"])
                   & final["diverged_at"].isna()]
    best = learns.groupby(["seed", "model"])["lr"].max()
    index = pd.MultiIndex.from_product([sorted(final["seed"].unique()), ["batchnorm", "plain"]],
                                       names=["seed", "model"])
    return best.reindex(index).unstack("model")


def largest_trainable(accuracy):
    """Per seed and model, the largest learning rate at which the net still trains (its final
    training accuracy above chance, not diverged), or NaN where none does."""
    return largest_learning(accuracy, 0.0)

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


QUANTILES = {"q05": 0.05, "median": 0.5, "q95": 0.95}


def best_of(values, budget):
    """The distribution of the best of ``budget`` values drawn without replacement from
    ``values`` (every draw equally likely), exactly: {"q05", "median", "q95": the smallest
    value whose cumulative probability reaches 5%, 50%, 95%; "mean"}. With the pool sorted,
    the best of a draw is at most its k-th smallest with probability C(k, b) / C(N, b)."""
    pool = np.sort(np.asarray(values, dtype=float))
    n, b = len(pool), int(budget)
    if not 1 <= b <= n:
        raise ValueError(f"a budget of {b} trials from a pool of {n}")
    from scipy.special import comb  # here: every Snakemake call imports this module, few use it

    cdf = comb(np.arange(1, n + 1), b) / comb(n, b)
    cdf[-1] = 1.0
    out = {name: float(pool[np.searchsorted(cdf, q - 1e-12)]) for name, q in QUANTILES.items()}
    out["mean"] = float(np.sum(pool * np.diff(cdf, prepend=0.0)))
    return out


def efficiency(random_summary):
    """Random search's efficiency curve (Bergstra & Bengio 2012, Fig. 6), per seed: for every
    budget b from 1 to the number of trials, the distribution of the best validation accuracy
    of b trials drawn at random from the seed's trials (the chapter's search: its pool), from
    its order statistics, exactly. A diverged trial counts as 0. Columns: seed, budget, q05,
    median, q95, mean."""
    rows = []
    for seed, trials in random_summary.groupby("seed"):
        pool = trials["val_acc"].fillna(0.0).to_numpy()
        for b in range(1, len(pool) + 1):
            rows.append({"seed": seed, "budget": b, **best_of(pool, b)})
    return pd.DataFrame(rows, columns=["seed", "budget", "q05", "median", "q95", "mean"])
