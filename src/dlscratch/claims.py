"""The chapter's claims, checked against the tables of every seed.

Each claim is measured per seed as one number; a condition on that number says whether
the claim holds in that seed. The verdict is **holds** when it holds in every seed,
**does not hold** when it holds in none, **mixed** otherwise. The evidence beside it is
the per-seed values and a 95% Student-t interval of their mean over seeds (for paired
differences, the interval of the mean paired difference: variants within a seed share
initial weights and minibatches). Deterministic claims have no interval.

Verdicts come from the tables only; nothing here is typed in.
"""

import math

import numpy as np
import pandas as pd
from scipy import stats

from .atomic import write_text
from .registry import BOOK_OPTIMIZERS
from .tables import read_tables, write_table

LN10 = math.log(10)

# the table of each experiment that the claims read (every seed's)
CLAIM_TABLES = {"optimizer_paths": "paths", "optimizer_mnist": "summary", "activations": "stats",
                "init_mnist": "summary", "batchnorm": "accuracy", "weight_decay": "accuracy",
                "dropout": "accuracy", "random_search": "summary"}


def t_interval(values, confidence=0.95):
    """Mean and two-sided ``confidence`` Student-t interval of the finite ``values`` (NaN
    bounds with fewer than two values): the exact t quantile for their degrees of freedom."""
    v = pd.Series(values, dtype=float).replace([np.inf, -np.inf], np.nan).dropna()
    if v.empty:
        return math.nan, math.nan, math.nan
    mean = float(v.mean())
    if len(v) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, df=len(v) - 1)) * float(v.std(ddof=1)) / math.sqrt(len(v))
    return mean, mean - half, mean + half


def verdict(flags):
    flags = list(flags)
    if flags and all(flags):
        return "holds"
    if not any(flags):
        return "does not hold"
    return "mixed"


def _row(claim, statement, quantity, per_seed, condition, deterministic=False, detail="", also=None):
    """A claims-table row from {seed: value} and a condition value -> bool; ``also`` is an
    optional {seed: bool} that must hold too."""
    seeds = sorted(per_seed)
    values = [per_seed[s] for s in seeds]
    flags = [bool(condition(per_seed[s])) and (also is None or bool(also[s])) for s in seeds]
    mean, low, high = (values[0], math.nan, math.nan) if deterministic else t_interval(values)
    return {
        "claim": claim,
        "statement": statement,
        "quantity": quantity,
        "per_seed": "; ".join(f"{s}: {per_seed[s]:.4g}" for s in seeds),
        "n_seeds": len(seeds),
        "mean": mean,
        "ci95_low": low,
        "ci95_high": high,
        "interval": "deterministic" if deterministic else "t, over seeds",
        "holds_in": f"{sum(flags)}/{len(flags)}",
        "verdict": verdict(flags),
        "detail": detail,
    }


def _by_seed(table, value, **where):
    rows = table
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    return dict(zip(rows["seed"], rows[value]))


def _paired(table, value, a, b, column):
    """{seed: value(a) - value(b)} for variants a, b of ``column``."""
    va, vb = _by_seed(table, value, **{column: a}), _by_seed(table, value, **{column: b})
    return {s: va[s] - vb[s] for s in va if s in vb}


def claim_paths(paths):
    final = paths.sort_values("step").groupby("optimizer").last()["f"]
    book = [n for n in BOOK_OPTIMIZERS if n in final.index]
    others = [n for n in book if n != "AdaGrad"]
    margin = float(final[others].min() - final["AdaGrad"])
    detail = ", ".join(f"{n} {final[n]:.3g}" for n in book)
    return [_row("6-8", "On f = x²/20 + y², AdaGrad ends closest to the minimum of SGD, Momentum, AdaGrad, Adam",
                 "smallest other final f − AdaGrad's final f", {0: margin}, lambda v: v > 0, deterministic=True,
                 detail=f"final f: {detail}")]


def claims_optimizers(summary):
    rows = []
    others = [n for n in BOOK_OPTIMIZERS if n != "SGD"]
    for name in others:
        rows.append(_row("6-9", f"{name} ends with lower training loss than SGD after the last iteration",
                         f"paired difference of mean loss over the last 100 iterations, SGD − {name}",
                         _paired(summary, "tail_loss", "SGD", name, "optimizer"), lambda v: v > 0))
    tests = summary.groupby("optimizer")["test_acc"].mean()
    for name in others:
        rows.append(_row("6-9", f"{name} reaches higher test accuracy than SGD",
                         f"paired difference of test accuracy, {name} − SGD",
                         _paired(summary, "test_acc", name, "SGD", "optimizer"), lambda v: v > 0,
                         detail=f"mean test accuracy {name} {tests[name]:.4f}, SGD {tests['SGD']:.4f}"))
    book = [n for n in BOOK_OPTIMIZERS if n != "AdaGrad"]
    per_seed = {}
    for seed, rows_ in summary.groupby("seed"):
        mean_loss = dict(zip(rows_["optimizer"], rows_["mean_loss"]))
        per_seed[seed] = min(mean_loss[n] for n in book) - mean_loss["AdaGrad"]
    rows.append(_row("6-9", "AdaGrad learns fastest of the four (slightly)",
                     "smallest mean loss over all iterations of SGD, Momentum, Adam − AdaGrad's",
                     per_seed, lambda v: v > 0))
    return rows


def _stat(stats, case, layer, column):
    rows = stats[(stats["case"] == case) & (stats["layer"] == layer)]
    return dict(zip(rows["seed"], rows[column]))


def _layer_mean(stats, case, column):
    rows = stats[stats["case"] == case]
    return rows.groupby("seed")[column].mean().to_dict()


def claims_activations(stats):
    stats = stats.assign(extreme=stats["frac_below_0.05"] + stats["frac_above_0.95"])
    rows = [
        _row("6-10", "Sigmoid, std 1: activations pile up at 0 and 1",
             "fraction of activations below 0.05 or above 0.95, mean over layers (≥ 0.5 to hold)",
             _layer_mean(stats, "sigmoid_std1", "extreme"), lambda v: v >= 0.5),
        _row("6-11", "Sigmoid, std 0.01: activations concentrate near 0.5",
             "fraction of activations in (0.4, 0.6), mean over layers (≥ 0.9 to hold)",
             _layer_mean(stats, "sigmoid_std0.01", "frac_0.4_0.6"), lambda v: v >= 0.9),
    ]
    xavier5, small5 = _stat(stats, "sigmoid_xavier", 5, "std"), _stat(stats, "sigmoid_std0.01", 5, "std")
    outer = _layer_mean(stats, "sigmoid_xavier", "extreme")
    rows.append(_row("6-13", "Sigmoid, Xavier: activations spread out, neither piled at the ends nor at 0.5",
                     "layer-5 std, Xavier ÷ std 0.01 (≥ 2, with < 10% of activations at the ends, to hold)",
                     {s: xavier5[s] / small5[s] for s in xavier5}, lambda v: v >= 2,
                     also={s: outer[s] < 0.1 for s in outer},
                     detail="fraction at the ends (Xavier): " + "; ".join(f"{s}: {v:.3g}" for s, v in outer.items())))

    def depth_ratio(case):
        l5, l1 = _stat(stats, case, 5, "std"), _stat(stats, case, 1, "std")
        return {s: l5[s] / l1[s] for s in l5}

    rows += [
        _row("6-14", "ReLU, He: the spread of activations stays even across layers",
             "layer-5 std ÷ layer-1 std, He (in [0.5, 2] to hold)", depth_ratio("relu_he"),
             lambda v: 0.5 <= v <= 2),
        _row("6-14", "ReLU, std 0.01: activations collapse toward 0 with depth",
             "layer-5 std ÷ layer-1 std, std 0.01 (< 0.01 to hold)", depth_ratio("relu_std0.01"),
             lambda v: v < 0.01),
        _row("6-14", "ReLU, Xavier: activations shrink with depth",
             "layer-5 std ÷ layer-1 std, Xavier (< 0.8 to hold)", depth_ratio("relu_xavier"),
             lambda v: v < 0.8),
    ]
    return rows


def claims_init(summary):
    return [
        _row("6-15", "Weight std 0.01 does not learn: the loss stays at ln 10 ≈ 2.303",
             "mean loss of the last 100 iterations − ln 10 (|·| < 0.05 to hold)",
             {s: v - LN10 for s, v in _by_seed(summary, "tail_loss", init="std=0.01").items()},
             lambda v: abs(v) < 0.05),
        _row("6-15", "He learns faster than Xavier",
             "paired difference of mean loss over all iterations, Xavier − He",
             _paired(summary, "mean_loss", "Xavier", "He", "init"), lambda v: v > 0),
    ]


def claims_batchnorm(acc):
    final = acc[acc["epoch"] == acc["epoch"].max()]
    wide = final.pivot_table(index=["seed", "std_index"], columns="model", values="train_acc", dropna=False)
    wide = wide.fillna(0.0)  # a diverged net has learnt nothing
    n_scales = wide.index.get_level_values("std_index").nunique()
    wins = (wide["batchnorm"] > wide["plain"]).groupby("seed").sum().to_dict()
    plain_ok = (wide["plain"] >= 0.5).groupby("seed").sum().to_dict()
    diverged = acc[(acc["model"] == "plain") & acc["diverged_at"].notna()].groupby("seed")["std_index"].nunique()
    return [
        _row("6-18/6-19", f"BatchNorm reaches higher training accuracy than no BN in almost every case "
             f"(at least 3/4 of the {n_scales} weight scales)",
             f"number of weight scales (of {n_scales}) where BN's final training accuracy is higher",
             wins, lambda v: v >= 0.75 * n_scales),
        _row("6-19", "Without BN, learning fails unless the weight scale is good",
             f"number of weight scales (of {n_scales}) where the plain net reaches 50% training accuracy "
             "(at most a quarter to hold)", plain_ok, lambda v: v <= 0.25 * n_scales,
             detail="scales where the plain net diverged, per seed: "
             + "; ".join(f"{s}: {int(diverged.get(s, 0))}" for s in sorted(wins))),
    ]


def _final(table):
    return table[table["epoch"] == table["epoch"].max()]


def claims_regularization(decay, dropout):
    rows = []
    lambdas = sorted(decay["weight_decay"].unique())
    base = _final(decay[decay["weight_decay"] == lambdas[0]])
    gap0 = dict(zip(base["seed"], base["train_acc"] - base["test_acc"]))
    train0 = dict(zip(base["seed"], base["train_acc"]))
    rows.append(_row("6-20", "Without regularization, training accuracy reaches about 100% (≥ 99%)",
                     "final training accuracy on the 300 images", train0, lambda v: v >= 0.99))
    rows.append(_row("6-20", "… with a large gap to test accuracy (≥ 0.2)",
                     "final train − test accuracy", gap0, lambda v: v >= 0.2))
    for lam in lambdas[1:]:
        dec = _final(decay[decay["weight_decay"] == lam])
        gap = dict(zip(dec["seed"], dec["train_acc"] - dec["test_acc"]))
        rows.append(_row("6-21", f"Weight decay λ = {lam:g} shrinks the train–test gap",
                         f"paired difference of final gap, λ = {lambdas[0]:g} − λ = {lam:g}",
                         {s: gap0[s] - gap[s] for s in gap if s in gap0}, lambda v: v > 0))
        rows.append(_row("6-21", f"With weight decay λ = {lam:g}, training accuracy stays below 100%",
                         "final training accuracy", dict(zip(dec["seed"], dec["train_acc"])), lambda v: v < 1.0))
    fin = _final(dropout)
    gaps = {variant: dict(zip(rows_["seed"], rows_["train_acc"] - rows_["test_acc"]))
            for variant, rows_ in fin.groupby("variant")}
    ratio = fin.loc[fin["variant"] == "with", "dropout_ratio"].iloc[0]
    rows.append(_row("6-23", f"Dropout (ratio {ratio:g}) shrinks the train–test gap",
                     "paired difference of final gap, without − with Dropout",
                     {s: gaps["without"][s] - gaps["with"][s] for s in gaps["with"]}, lambda v: v > 0))
    return rows


def claims_search(summary, top=5):
    best = summary[summary["rank"] <= top]
    lr_in = best.assign(v=best["lr"].between(1e-3, 1e-2)).groupby("seed")["v"].mean().to_dict()
    wd_in = best.assign(v=best["weight_decay"].between(1e-8, 1e-6)).groupby("seed")["v"].mean().to_dict()
    where = (f"top-{top} trials over all seeds: lr {best['lr'].min():.2g}–{best['lr'].max():.2g}, "
             f"weight decay {best['weight_decay'].min():.2g}–{best['weight_decay'].max():.2g}")
    return [
        _row("6-24", f"The best trials have lr within 1e-3–1e-2 (at least 4 of the top {top})",
             f"fraction of the top-{top} trials with lr in [1e-3, 1e-2]", lr_in, lambda v: v >= 0.8, detail=where),
        _row("6-24", f"The best trials have weight decay within 1e-8–1e-6 (at least 4 of the top {top})",
             f"fraction of the top-{top} trials with weight decay in [1e-8, 1e-6]", wd_in, lambda v: v >= 0.8,
             detail=where),
    ]


def _not_measured(name, error):
    return [{"claim": name, "statement": f"claims of {name}", "quantity": "", "per_seed": "", "n_seeds": 0,
             "mean": math.nan, "ci95_low": math.nan, "ci95_high": math.nan, "interval": "",
             "holds_in": "", "verdict": "not measured",
             "detail": f"the configuration lacks what this claim compares ({error})"}]


def evaluate_claims(tables):
    """All claims from a dict of tables, by experiment (the table of ``CLAIM_TABLES``,
    concatenated over seeds, with a ``seed`` column).

    A claim whose variants the configuration does not have (say, no AdaGrad) is reported
    as "not measured" rather than failing the job.
    """
    groups = [
        ("6-8", lambda: claim_paths(tables["optimizer_paths"])),
        ("6-9", lambda: claims_optimizers(tables["optimizer_mnist"])),
        ("6-10..6-14", lambda: claims_activations(tables["activations"])),
        ("6-15", lambda: claims_init(tables["init_mnist"])),
        ("6-18/6-19", lambda: claims_batchnorm(tables["batchnorm"])),
        ("6-20..6-23", lambda: claims_regularization(tables["weight_decay"], tables["dropout"])),
        ("6-24", lambda: claims_search(tables["random_search"])),
    ]
    rows = []
    for name, group in groups:
        try:
            rows += group()
        except KeyError as error:
            rows += _not_measured(name, error)
    return pd.DataFrame(rows)


def _number(x):
    return "" if not np.isfinite(x) else f"{x:.4g}"


def display_table(claims):
    """The claims table as shown to a reader (Markdown and HTML alike): one row per claim."""
    interval = [f"{_number(r.mean)} (deterministic)" if r.interval == "deterministic"
                else f"{_number(r.mean)} [{_number(r.ci95_low)}, {_number(r.ci95_high)}]"
                for r in claims.itertuples()]
    detail = claims["detail"].fillna("").map(lambda d: f" ({d})" if d else "")
    return pd.DataFrame({"fig": claims["claim"], "claim": claims["statement"] + detail,
                         "measured": claims["quantity"], "per seed": claims["per_seed"],
                         "mean [95% CI]": interval, "holds in": claims["holds_in"], "verdict": claims["verdict"]})


MARKDOWN_HEAD = """# Chapter 6's claims, checked

Verdict: **holds** in every seed, **does not hold** in any, or **mixed**. Interval: 95% Student-t interval
of the mean over seeds (paired differences where two variants are compared: within a seed they share initial
weights and minibatches).

"""


def claims_markdown(claims):
    """The claims table as Markdown (pandas, through tabulate)."""
    table = display_table(claims).assign(verdict=lambda t: "**" + t["verdict"] + "**")
    return MARKDOWN_HEAD + table.to_markdown(index=False) + "\n"


def write_claims(snakemake):
    """The claims job: every seed's tables in, ``claims.csv`` and ``claims.md`` out."""
    claims = evaluate_claims({name: read_tables(snakemake.input[name]) for name in CLAIM_TABLES})
    write_table(claims, snakemake.output.csv)
    write_text(snakemake.output.md, claims_markdown(claims))
    print(claims[["claim", "statement", "holds_in", "verdict"]].to_string())
