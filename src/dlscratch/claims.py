"""The chapter's claims, checked against the tables of every seed.

Each claim is measured per seed as one number; a condition on that number says whether
the claim holds in that seed. The verdict is **holds** when it holds in every seed,
**does not hold** when it holds in none, **mixed** otherwise; **not measured** when the
configuration lacks a variant the claim compares; **diverged** when a compared variant
diverged in some seed (the row says in how many, and gives the verdict over the others).
Variants are found by what they are (``dlscratch.variants``), not by label, and the claim
texts are written from the settings the run used. The evidence beside it is
the per-seed values and a 95% Student-t interval of their mean over seeds (for paired
differences, the interval of the mean paired difference: variants within a seed share
initial weights and minibatches). Deterministic claims have no interval.

Verdicts come from the tables only; nothing here is typed in.
"""

import math

import numpy as np
import pandas as pd

from .atomic import write_text
from .choices import (best_rates, efficiency, largest_learning, panel_choice, search_budgets,
                      strength_table)
from .experiments.common import TAIL
from .optimizers import hyperparameters
from .registry import BOOK_OPTIMIZER_NAMES, BOOK_OPTIMIZERS, EXPERIMENTS
from .faults import damaged
from .results import read_run
from .tables import Schema, read_table, write_table
from .text import markdown_cell, plural
from .variants import describe, find

LN10 = math.log(10)

CLAIM_TABLES = {name: e.claims_tables for name, e in EXPERIMENTS.items() if e.claims_tables}


def t_interval(values, confidence=0.95):
    """Mean and two-sided ``confidence`` Student-t interval of the finite ``values`` (NaN
    bounds with fewer than two values): the exact t quantile for their degrees of freedom."""
    v = pd.Series(values, dtype=float).replace([np.inf, -np.inf], np.nan).dropna()
    if v.empty:
        return math.nan, math.nan, math.nan
    mean = float(v.mean())
    if len(v) < 2:
        return mean, math.nan, math.nan
    from scipy.special import stdtrit  # here: every Snakemake call imports this module, few use it

    quantile = float(stdtrit(len(v) - 1, 0.5 + confidence / 2))  # Student's t, len(v) - 1 degrees of freedom
    half = quantile * float(v.std(ddof=1)) / math.sqrt(len(v))
    return mean, mean - half, mean + half


VERDICTS = ("holds", "does not hold", "mixed", "not measured", "diverged")


def verdict(flags):
    """The verdict of the per-seed flags of a claim: holds in every seed, in none, or in some."""
    flags = list(flags)
    if not flags:
        return "not measured"
    if all(flags):
        return "holds"
    if not any(flags):
        return "does not hold"
    return "mixed"


COLUMNS = ["claim", "statement", "quantity", "per_seed", "n_seeds", "mean", "ci95_low", "ci95_high", "interval",
           "holds_in", "verdict", "diverged", "verdict_trained", "detail"]


def _row(claim, statement, quantity, per_seed, condition, deterministic=False, detail="", also=None):
    """A claims-table row from {seed: value} and a condition value -> bool; ``also`` is an
    optional {seed: bool} that must hold too.

    A seed whose value is NaN has no measurement: a variant it compares diverged there. The
    row is then **diverged**, says how many seeds diverged, and gives in ``verdict_trained``
    the verdict over the seeds that trained; its interval is over those seeds too.
    """
    seeds = sorted(per_seed)
    values = [float(per_seed[s]) for s in seeds]
    trained = [s for s, v in zip(seeds, values) if not math.isnan(v)]
    flags = [bool(condition(float(per_seed[s]))) and (also is None or bool(also[s])) for s in trained]
    mean, low, high = ((float(per_seed[trained[0]]) if trained else math.nan), math.nan, math.nan) \
        if deterministic else t_interval([per_seed[s] for s in trained])
    over_trained = verdict(flags)
    n_diverged = len(seeds) - len(trained)
    return {
        "claim": claim,
        "statement": statement,
        "quantity": quantity,
        "per_seed": "; ".join(f"{s}: {per_seed[s]:.4g}" if s in trained else f"{s}: diverged" for s in seeds),
        "n_seeds": len(seeds),
        "mean": mean,
        "ci95_low": low,
        "ci95_high": high,
        "interval": "deterministic" if deterministic else "t, over seeds",
        "holds_in": f"{sum(flags)}/{len(flags)}",
        "verdict": "diverged" if n_diverged else over_trained,
        "diverged": f"{n_diverged} of {plural(len(seeds), 'seed')} diverged" if n_diverged else "",
        "verdict_trained": over_trained,
        "detail": detail,
    }


def equivalence_verdict(low, high, margin):
    """The verdict of an equivalence claim from the 90% interval [low, high] of a difference:
    **holds** (equivalent: both one-sided tests at 5% reject a difference of ``margin`` or more,
    the interval lies within ±margin), **does not hold** (the interval lies beyond the margin on
    one side: a difference of at least the margin), **mixed** (it straddles a margin: neither
    is shown)."""
    if -margin < low and high < margin:
        return "holds"
    if low >= margin or high <= -margin:
        return "does not hold"
    return "mixed"


def _equivalence_row(claim, statement, quantity, per_seed, margin, detail=""):
    """A claims-table row for "the same within ±margin" (two one-sided tests): the verdict
    from the 90% t interval of the paired differences ``per_seed`` (``equivalence_verdict``),
    not from each seed; "holds in" counts the seeds whose own difference is within the
    margin. Fewer than two seeds that trained: not measured (no interval)."""
    seeds = sorted(per_seed)
    trained = [s for s in seeds if math.isfinite(float(per_seed[s]))]
    n_diverged = len(seeds) - len(trained)
    if len(trained) < 2:
        return {**_not_measured(claim, statement, quantity, f"an equivalence needs two seeds or more that trained "
                                                           f"(it has {len(trained)})"),
                "per_seed": "; ".join(f"{s}: {per_seed[s]:.4g}" for s in trained)}
    mean, low, high = t_interval([per_seed[s] for s in trained], confidence=0.90)
    within = sum(abs(float(per_seed[s])) < margin for s in trained)
    over_trained = equivalence_verdict(low, high, margin)
    return {
        "claim": claim, "statement": statement, "quantity": quantity,
        "per_seed": "; ".join(f"{s}: {per_seed[s]:.4g}" if s in trained else f"{s}: diverged" for s in seeds),
        "n_seeds": len(seeds), "mean": mean, "ci95_low": low, "ci95_high": high,
        "interval": "TOST: 90% t, over seeds", "holds_in": f"{within}/{len(trained)}",
        "verdict": "diverged" if n_diverged else over_trained,
        "diverged": f"{n_diverged} of {plural(len(seeds), 'seed')} diverged" if n_diverged else "",
        "verdict_trained": over_trained, "detail": detail,
    }


def _not_measured(claim, statement, quantity, missing):
    """A row for a comparison the run cannot make: ``missing`` says what the config lacks."""
    return {"claim": claim, "statement": statement, "quantity": quantity, "per_seed": "", "n_seeds": 0,
            "mean": math.nan, "ci95_low": math.nan, "ci95_high": math.nan, "interval": "", "holds_in": "",
            "verdict": "not measured", "diverged": "", "verdict_trained": "not measured",
            "detail": f"not measured: {missing}"}


def _by_seed(table, value, **where):
    rows = table
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    return dict(zip(rows["seed"], rows[value]))


def _paired(table, value, a, b, column):
    """{seed: value(a) - value(b)} for variants a, b of ``column``."""
    va, vb = _by_seed(table, value, **{column: a}), _by_seed(table, value, **{column: b})
    return {s: va[s] - vb[s] for s in va if s in vb}


def _hyper(spec):
    spec = dict(spec)
    name = spec.pop("name")
    return ", ".join(f"{k} {v:g}" for k, v in hyperparameters(name, **spec).items())


BOOK_NAMES = dict(zip(BOOK_OPTIMIZER_NAMES, BOOK_OPTIMIZERS))  # sgd -> SGD, for the texts
OTHER_NAMES = {"nesterov": "Nesterov", "rmsprop": "RMSprop"}
EQUIVALENCE_MARGINS = {"test_acc": 0.005, "tail_loss": 0.02}  # config: study_optimizer_lr.equivalence


def _book_optimizers(settings):
    """{book optimizer name: the label of its first configured variant} (those configured)."""
    table = settings["optimizers"]
    found = {name: find("optimizers", table, name) for name in BOOK_OPTIMIZER_NAMES}
    return {name: label for name, label in found.items() if label is not None}


def _missing(block, key, *meanings):
    return f"{block}.{key} has no " + " and no ".join(describe(key, m) for m in meanings) + " variant"


def claims_function(surface, gradient):
    """Figs 6-1, 6-2, from the tables of f and of -grad f (deterministic)."""
    inside = surface[surface["f"] <= 1.0]
    arrows = gradient[(gradient["gx"] != 0) | (gradient["gy"] != 0)]
    along_y = float(np.mean(np.abs(arrows["gy"]) > np.abs(arrows["gx"])))
    # the angle between each arrow and the direction from its point to the minimum (0, 0)
    cosine = -(arrows["gx"] * arrows["x"] + arrows["gy"] * arrows["y"]) / (
        np.hypot(arrows["gx"], arrows["gy"]) * np.hypot(arrows["x"], arrows["y"]))
    off = float(np.mean(np.degrees(np.arccos(np.clip(cosine, -1, 1))) > 5))
    stretch = (np.ptp(inside["x"]) / np.ptp(inside["y"])) if len(inside) > 1 and np.ptp(inside["y"]) else math.nan
    return [
        _row("6-1", "f is a bowl stretched along x: its contour f = 1 is much wider along x than along y (√20 ≈ 4.5 "
             "times)", "width ÷ height of the grid points where f ≤ 1 (≥ 2 to hold)", {0: stretch},
             lambda v: v >= 2, deterministic=True, detail=f"{len(inside)} grid points with f ≤ 1"),
        _row("6-2", "The gradient points mostly along y", "fraction of arrows of −∇f whose y part is the larger "
             "(≥ 0.5 to hold)", {0: along_y}, lambda v: v >= 0.5, deterministic=True,
             detail=f"{len(arrows)} arrows"),
        _row("6-2", "Most arrows of −∇f do not point at the minimum (0, 0)", "fraction of arrows more than 5° off "
             "the direction to (0, 0) (≥ 0.5 to hold)", {0: off}, lambda v: v >= 0.5, deterministic=True,
             detail=f"{len(arrows)} arrows; on the axes they point straight at it"),
    ]


def claim_paths(paths, settings):
    book = _book_optimizers(settings)
    labels = list(book.values())
    statement = (f"On f = x²/20 + y², {book.get('adagrad', 'AdaGrad')} ends closest to the minimum of "
                 f"{', '.join(labels) if len(labels) > 1 else 'the book’s four optimizers'}")
    quantity = "smallest other final f − AdaGrad's final f"
    if "adagrad" not in book or len(book) < 2:
        wanted = ["adagrad"] if "adagrad" not in book else [n for n in BOOK_OPTIMIZER_NAMES if n not in book]
        return [_not_measured("6-8", statement, quantity, _missing("optimizer_paths", "optimizers", *wanted))]
    final = paths.sort_values("step").groupby("optimizer").last()["f"]
    ada = book["adagrad"]
    others = final[[label for label in labels if label != ada]].fillna(math.inf)  # a diverged path is far away
    margin = float(others.min() - final[ada])
    detail = "final f: " + ", ".join(f"{label} ({_hyper(settings['optimizers'][label])}) {final[label]:.3g}"
                                     for label in labels)
    return [_row("6-8", statement, quantity, {0: margin}, lambda v: v > 0, deterministic=True, detail=detail)]


def claims_optimizers(summary, settings):
    book = _book_optimizers(settings)
    spec = settings["optimizers"]
    tail = f"the last {min(TAIL, settings['iterations'])} iterations"
    sgd = book.get("sgd", "SGD")
    rows = []
    for name in ("momentum", "adagrad", "adam"):
        label = book.get(name, BOOK_NAMES[name])
        faster = (f"{label} ({_hyper(spec[label])})" if name in book else label) + " ends with lower training loss " \
            f"than {sgd}" + (f" ({_hyper(spec[sgd])})" if "sgd" in book else "")
        quantity = f"paired difference of mean loss over {tail}, {sgd} − {label}"
        higher = f"{label} reaches higher test accuracy than {sgd}"
        quantity_acc = f"paired difference of test accuracy, {label} − {sgd}"
        if name not in book or "sgd" not in book:
            missing = _missing("optimizer_mnist", "optimizers", *[n for n in ("sgd", name) if n not in book])
            rows += [_not_measured("6-9", faster, quantity, missing),
                     _not_measured("6-9", higher, quantity_acc, missing)]
            continue
        tests = summary.groupby("optimizer")["test_acc"].mean()
        rows.append(_row("6-9", faster, quantity, _paired(summary, "tail_loss", sgd, label, "optimizer"),
                         lambda v: v > 0))
        rows.append(_row("6-9", higher, quantity_acc, _paired(summary, "test_acc", label, sgd, "optimizer"),
                         lambda v: v > 0, detail=f"mean test accuracy {label} {tests[label]:.4f}, {sgd} {tests[sgd]:.4f}"))
    others = [book[n] for n in BOOK_OPTIMIZER_NAMES if n in book and n != "adagrad"]
    ada = book.get("adagrad", "AdaGrad")
    statement = f"{ada} learns fastest of {', '.join([ada] + others)} (slightly)"
    quantity = f"smallest mean loss over all iterations of {', '.join(others) or 'the others'} − {ada}'s"
    if "adagrad" not in book or not others:
        wanted = ["adagrad"] if "adagrad" not in book else ["sgd", "momentum", "adam"]
        rows.append(_not_measured("6-9", statement, quantity, _missing("optimizer_mnist", "optimizers", *wanted)))
        return rows
    per_seed = {}
    for seed, rows_ in summary.groupby("seed"):
        mean_loss = dict(zip(rows_["optimizer"], rows_["mean_loss"]))
        per_seed[seed] = min(mean_loss[n] for n in others) - mean_loss[ada]
    rows.append(_row("6-9", statement, quantity, per_seed, lambda v: v > 0))
    return rows


def claims_activations(stats, settings):
    cases = settings["cases"]
    stats = stats.assign(extreme=stats["frac_below_0.05"] + stats["frac_above_0.95"])
    last = int(stats["layer"].max())

    def label(activation, std):
        return find("cases", cases, (activation, std))

    def layer_mean(case, column):
        return stats[stats["case"] == case].groupby("seed")[column].mean().to_dict()

    def layer_std(case, layer):
        return _by_seed(stats, "std", case=case, layer=layer)

    def claim(number, statement, quantity, needs, measure, condition, **kwargs):
        labels = [label(*m) for m in needs]
        if None in labels:
            missing = [m for m, found in zip(needs, labels) if found is None]
            return _not_measured(number, statement, quantity, _missing("activations", "cases", *missing))
        return _row(number, statement, quantity, measure(*labels), condition, **kwargs)

    def ratio(a, b):
        return {s: a[s] / b[s] for s in a if s in b}

    rows = [
        claim("6-10", "Sigmoid, std 1: activations pile up at 0 and 1",
              "fraction of activations below 0.05 or above 0.95, mean over layers (≥ 0.5 to hold)",
              [("sigmoid", 1.0)], lambda c: layer_mean(c, "extreme"), lambda v: v >= 0.5),
        claim("6-11", "Sigmoid, std 0.01: activations concentrate near 0.5",
              "fraction of activations in (0.4, 0.6), mean over layers (≥ 0.9 to hold)",
              [("sigmoid", 0.01)], lambda c: layer_mean(c, "frac_0.4_0.6"), lambda v: v >= 0.9),
    ]
    xavier = label("sigmoid", "xavier")
    outer = layer_mean(xavier, "extreme") if xavier else {}
    rows.append(claim("6-13", "Sigmoid, Xavier: activations spread out, neither piled at the ends nor at 0.5",
                      f"layer-{last} std, Xavier ÷ std 0.01 (≥ 2, with < 10% of activations at the ends, to hold)",
                      [("sigmoid", "xavier"), ("sigmoid", 0.01)],
                      lambda x, small: ratio(layer_std(x, last), layer_std(small, last)), lambda v: v >= 2,
                      also={s: outer[s] < 0.1 for s in outer},
                      detail="fraction at the ends (Xavier): " + "; ".join(f"{s}: {v:.3g}" for s, v in outer.items())))

    def depth(case):
        return ratio(layer_std(case, last), layer_std(case, 1))

    quantity = f"layer-{last} std ÷ layer-1 std"
    rows += [
        claim("6-14", "ReLU, He: the spread of activations stays even across layers", f"{quantity}, He (in [0.5, 2] "
              "to hold)", [("relu", "he")], depth, lambda v: 0.5 <= v <= 2),
        claim("6-14", "ReLU, std 0.01: activations collapse toward 0 with depth", f"{quantity}, std 0.01 (< 0.01 to "
              "hold)", [("relu", 0.01)], depth, lambda v: v < 0.01),
        claim("6-14", "ReLU, Xavier: activations shrink with depth", f"{quantity}, Xavier (< 0.8 to hold)",
              [("relu", "xavier")], depth, lambda v: v < 0.8),
    ]
    return rows


def _named(word, label):
    """'He', or 'He (he_init)' when the user's label for it is another word."""
    return word if label is None or label.lower() == word.lower() else f"{word} ({label})"


def claims_init(summary, settings):
    inits = settings["inits"]
    small, xavier, he = (find("inits", inits, m) for m in (0.01, "xavier", "he"))
    tail = f"the last {min(TAIL, settings['iterations'])} iterations"
    rows = []
    statement = f"Weight std 0.01{f' ({small})' if small else ''} does not learn: the loss stays at ln 10 ≈ 2.303"
    quantity = f"mean loss of {tail} − ln 10 (|·| < 0.05 to hold)"
    if small is None:
        rows.append(_not_measured("6-15", statement, quantity, _missing("init_mnist", "inits", 0.01)))
    else:
        rows.append(_row("6-15", statement, quantity,
                         {s: v - LN10 for s, v in _by_seed(summary, "tail_loss", init=small).items()},
                         lambda v: abs(v) < 0.05))
    statement = f"{_named('He', he)} learns faster than {_named('Xavier', xavier)}"
    quantity = f"paired difference of mean loss over all iterations, {xavier or 'Xavier'} − {he or 'He'}"
    if he is None or xavier is None:
        rows.append(_not_measured("6-15", statement, quantity,
                                  _missing("init_mnist", "inits", *[m for m, found in (("xavier", xavier), ("he", he))
                                                                   if found is None])))
    else:
        rows.append(_row("6-15", statement, quantity, _paired(summary, "mean_loss", xavier, he, "init"),
                         lambda v: v > 0))
    return rows


def claims_batchnorm(acc, settings):
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
        first = _not_measured("6-18", statement, quantity, f"no weight std satisfies the rule of Fig 6-18: {how}")
    else:
        chosen = choice[choice["std_index"] == index].iloc[0]
        per_seed = {int(c.removeprefix("advantage_")): chosen[c] for c in choice.columns if c.startswith("advantage_")}
        first = _row("6-18", f"{statement}: at weight std {chosen['weight_std']:.4g}, BatchNorm's training accuracy "
                     f"on {images} is higher on average over the epochs", quantity, per_seed, lambda v: v > 0,
                     detail=f"{how}: std {chosen['weight_std']:.4g}, of the "
                     f"{int(choice['plain_learns'].sum())} where the plain net learns")
    return [
        first,
        _row("6-18/6-19", f"BatchNorm reaches higher training accuracy on {images} than no BN in almost every case "
             f"(at least 3/4 of the {n_scales} weight scales)",
             f"number of weight scales (of {n_scales}) where BN's final training accuracy is higher",
             wins, lambda v: v >= 0.75 * n_scales),
        _row("6-19", "Without BN, learning fails unless the weight scale is good",
             f"number of weight scales (of {n_scales}) where the plain net reaches 50% training accuracy on {images} "
             "(at most a quarter to hold)", plain_ok, lambda v: v <= 0.25 * n_scales,
             detail="scales where the plain net diverged, per seed: "
             + "; ".join(f"{s}: {int(diverged.get(s, 0))}" for s in sorted(wins))),
    ]


def _final(table):
    return table[table["epoch"] == table["epoch"].max()]


def _gap(rows):
    return dict(zip(rows["seed"], rows["train_acc"] - rows["test_acc"]))


def claims_regularization(decay, dropout, settings_decay, settings_dropout):
    rows = []
    images = f"the first {settings_decay['train_size']} training images"
    lambdas = [float(v) for v in settings_decay["lambdas"]]
    baseline = find("lambdas", lambdas, 0.0)
    others = [v for v in lambdas if v != baseline]
    statements = [("6-20", f"Without regularization (λ = 0), training accuracy on {images} reaches about 100% (≥ 99%)",
                   "final training accuracy"),
                  ("6-20", "… with a large gap to test accuracy (≥ 0.2)", "final train − test accuracy")]
    if baseline is None:
        missing = _missing("weight_decay", "lambdas", 0.0)
        rows += [_not_measured(number, text, quantity, missing) for number, text, quantity in statements]
        for lam in others:
            rows.append(_not_measured("6-21", f"Weight decay λ = {lam:g} shrinks the train–test gap",
                                      f"paired difference of final gap, λ = 0 − λ = {lam:g}", missing))
    else:
        base = _final(decay[np.isclose(decay["weight_decay"], baseline)])
        gap0 = _gap(base)
        rows.append(_row(*statements[0], dict(zip(base["seed"], base["train_acc"])), lambda v: v >= 0.99))
        rows.append(_row(*statements[1], gap0, lambda v: v >= 0.2))
        for lam in others:
            gap = _gap(_final(decay[np.isclose(decay["weight_decay"], lam)]))
            rows.append(_row("6-21", f"Weight decay λ = {lam:g} shrinks the train–test gap",
                             f"paired difference of final gap, λ = 0 − λ = {lam:g}",
                             {s: gap0[s] - gap[s] for s in gap if s in gap0}, lambda v: v > 0))
    for lam in others:
        final = _final(decay[np.isclose(decay["weight_decay"], lam)])
        rows.append(_row("6-21", f"With weight decay λ = {lam:g}, training accuracy on {images} stays below 100%",
                         "final training accuracy", dict(zip(final["seed"], final["train_acc"])), lambda v: v < 1.0))
    if not others:
        rows.append(_not_measured("6-21", "Weight decay shrinks the train–test gap", "paired difference of final gap",
                                  "weight_decay.lambdas has no λ other than 0"))
    fin = _final(dropout)
    gaps = {variant: _gap(rows_) for variant, rows_ in fin.groupby("variant")}
    ratio = settings_dropout["dropout_ratio"]
    rows.append(_row("6-23", f"Dropout (ratio {ratio:g}) shrinks the train–test gap on the first "
                     f"{settings_dropout['train_size']} training images",
                     "paired difference of final gap, without − with Dropout",
                     {s: gaps["without"][s] - gaps["with"][s] for s in gaps["with"] if s in gaps["without"]},
                     lambda v: v > 0))
    return rows


def claims_search(summary, settings, top=5):
    top = min(top, settings["trials"])
    need = math.ceil(0.8 * top)
    best = summary[summary["rank"] <= top]
    lr_in = best.assign(v=best["lr"].between(1e-3, 1e-2)).groupby("seed")["v"].mean().to_dict()
    wd_in = best.assign(v=best["weight_decay"].between(1e-8, 1e-6)).groupby("seed")["v"].mean().to_dict()
    where = (f"top-{top} trials over all seeds: lr {best['lr'].min():.2g}–{best['lr'].max():.2g}, "
             f"weight decay {best['weight_decay'].min():.2g}–{best['weight_decay'].max():.2g}")
    of = f"at least {need} of the top {top} of {settings['trials']} trials"
    return [
        _row("6-24", f"The best trials have lr within 1e-3–1e-2 ({of})",
             f"fraction of the top-{top} trials with lr in [1e-3, 1e-2]", lr_in, lambda v: v >= need / top,
             detail=where),
        _row("6-24", f"The best trials have weight decay within 1e-8–1e-6 ({of})",
             f"fraction of the top-{top} trials with weight decay in [1e-8, 1e-6]", wd_in,
             lambda v: v >= need / top, detail=where),
    ]


# --------------------------------------------------------------------------- beyond the book


def claims_study_lr(summary, settings):
    """Study 1: is each best rate inside the grid, and which of 6-9's claims survive tuning."""
    best = best_rates(summary)
    grid = sorted(float(v) for v in settings["lr_grid"])
    inside = {seed: float(rows["lr"].between(grid[0], grid[-1], inclusive="neither").mean())
              for seed, rows in best.groupby("seed")}
    picks = "; ".join(f"{name} {', '.join(f'{v:g}' for v in rows.sort_values('seed')['lr'])}"
                      for name, rows in best.groupby("optimizer", sort=False))
    rows = [_row("study 1", "Each optimizer's best learning rate (by validation accuracy) lies strictly inside the "
                 f"grid {grid[0]:g}–{grid[-1]:g}", "fraction of the optimizers whose best rate is inside (1 to hold)",
                 inside, lambda v: v == 1, detail=f"best rates per seed: {picks}")]
    names = set(best["optimizer"])
    tuned = "each at its best learning rate"
    for name in ("momentum", "adagrad", "adam"):
        label = BOOK_NAMES[name]
        statements = [(f"Tuned ({tuned}): {label} ends with lower training loss than SGD",
                       f"paired difference of the mean loss over the last iterations, SGD − {label}", "tail_loss",
                       "sgd", name),
                      (f"Tuned ({tuned}): {label} reaches higher test accuracy than SGD",
                       f"paired difference of test accuracy, {label} − SGD", "test_acc", name, "sgd")]
        for statement, quantity, value, a, b in statements:
            if {name, "sgd"} <= names:
                rows.append(_row("study 1", statement, quantity, _paired(best, value, a, b, "optimizer"),
                                 lambda v: v > 0))
            else:
                rows.append(_not_measured("study 1", statement, quantity,
                                          "study_optimizer_lr.optimizers lacks " + (name if name not in names else "sgd")))
    others = [n for n in ("sgd", "momentum", "adam") if n in names]
    statement = f"Tuned ({tuned}): AdaGrad learns fastest of the book's four"
    quantity = f"smallest mean loss over all iterations of {', '.join(BOOK_NAMES[n] for n in others)} − AdaGrad's"
    if "adagrad" in names and others:
        per_seed = {}
        for seed, rows_ in best.groupby("seed"):
            mean_loss = dict(zip(rows_["optimizer"], rows_["mean_loss"]))
            per_seed[seed] = min(mean_loss[n] for n in others) - mean_loss["adagrad"]
        rows.append(_row("study 1", statement, quantity, per_seed, lambda v: v > 0))
    else:
        rows.append(_not_measured("study 1", statement, quantity, "study_optimizer_lr.optimizers lacks adagrad"))
    margins = {**EQUIVALENCE_MARGINS, **settings.get("equivalence", {})}
    for name in [n for n in settings["optimizers"] if n != "sgd"]:
        label = BOOK_NAMES.get(name, OTHER_NAMES.get(name, name))
        for value, what, margin in (("test_acc", "test accuracy", margins["test_acc"]),
                                    ("tail_loss", "final training loss", margins["tail_loss"])):
            statement = (f"Tuned ({tuned}): {label} and SGD are equivalent in {what}, within ±{margin:g} "
                         f"({'of accuracy' if value == 'test_acc' else 'nats'})")
            quantity = (f"paired difference of {what} ({'mean loss over the last iterations' if value == 'tail_loss' else 'test set'}), "
                        f"{label} − SGD: its 90% interval within ±{margin:g} to hold (two one-sided tests at 5%)")
            if {name, "sgd"} <= names:
                rows.append(_equivalence_row("study 1", statement, quantity, _paired(best, value, name, "sgd", "optimizer"),
                                             margin))
            else:
                rows.append(_not_measured("study 1", statement, quantity,
                                          "study_optimizer_lr.optimizers lacks " + (name if name not in names else "sgd")))
    return rows


def _log_ratio(largest):
    """{seed: log10 of BN's largest rate − plain's} (a net that learns at no rate: below any)."""
    bn = np.log10(largest["batchnorm"].astype(float)).fillna(-np.inf)
    plain = np.log10(largest["plain"].astype(float)).fillna(-np.inf)
    return {seed: (0.0 if a == b else a - b) for seed, a, b in zip(largest.index, bn, plain)}


def _rates(largest):
    return "; ".join(f"{seed}: BN {row.batchnorm:g}, plain {row.plain:g}" for seed, row in largest.iterrows())


def claims_study_batchnorm_lr(accuracy, settings):
    """Study 2: BatchNorm learns at larger learning rates. A net learns at a rate where it ends
    at least ``learn_fraction`` of the way from chance to the best final accuracy any rate
    reached for that model and seed; the detail gives the largest rates, and the verdict, with
    the threshold at chance too."""
    fraction = float(settings.get("learn_fraction", 0.5))
    largest, at_chance = largest_learning(accuracy, fraction), largest_learning(accuracy, 0.0)
    chance_ratio = _log_ratio(at_chance)
    chance_verdict = verdict(v > 0 for v in chance_ratio.values())
    detail = (f"largest rate that learns, per seed: {_rates(largest)}. With the threshold at chance (a net that "
              f"ends above chance learns): {_rates(at_chance)}; the claim then {chance_verdict}")
    return [_row("study 2", f"BatchNorm learns at larger learning rates: the largest rate at which the net learns "
                 f"(ends at least {fraction:g} of the way from chance to the best final accuracy any rate reached, "
                 "for that model and seed, without diverging) is higher with BatchNorm",
                 "log10 of the largest rate that learns, BN − plain (> 0 to hold)", _log_ratio(largest),
                 lambda v: v > 0, detail=detail)]


def _rank_correlation(x, y):
    """Spearman's rank correlation: the Pearson correlation of the ranks."""
    return float(pd.Series(x).rank().corr(pd.Series(y).rank()))


def claims_study_regularization(final, decay, dropout, settings):
    """Study 3: the gap shrinks as the strength grows; does test accuracy peak inside the range?"""
    table = strength_table(final, decay, dropout, settings)
    rows = []
    for regularizer, label in (("weight_decay", "weight decay λ"), ("dropout", "Dropout ratio")):
        mine = table[table["regularizer"] == regularizer]
        strengths = sorted(mine["strength"].unique())
        rho = {seed: _rank_correlation(r["strength"], r["gap"]) for seed, r in mine.groupby("seed")}
        rows.append(_row("study 3", f"The train–test gap shrinks as the {label} grows ({strengths[0]:g}–{strengths[-1]:g})",
                         "rank correlation of strength and final gap (< 0 to hold)", rho, lambda v: v < 0))
        best = {seed: float(r.loc[r["test_acc"].idxmax(), "strength"]) for seed, r in mine.groupby("seed")}
        means = mine.groupby("strength")["test_acc"].mean()
        rows.append(_row("study 3", f"Test accuracy peaks at a {label} inside the range, not at its ends",
                         f"the {label} with the best final test accuracy (strictly between {strengths[0]:g} and "
                         f"{strengths[-1]:g} to hold)", best, lambda v: strengths[0] < v < strengths[-1],
                         detail=f"on average over seeds the best is {means.idxmax():g} (test accuracy "
                         f"{means.max():.3f})"))
    return rows


def claims_study_search(grids, random_summary, settings):
    """Study 4: random search is at least as good as grid search at every budget, measured as
    Bergstra & Bengio (2012) measure it: against the median of random search's efficiency
    curve (the best of b trials drawn at random from the search's trials, exactly:
    ``choices.efficiency``), not against the one order the trials happened to be drawn in
    (that one is in the detail)."""
    budgets = search_budgets(random_summary, grids)
    curve = efficiency(random_summary).set_index(["seed", "budget"])
    per_seed, one_order, gaps = {}, {}, {}
    for seed, rows in budgets.groupby("seed"):
        grid = rows[rows["method"] == "grid"].set_index("budget")["best_val_acc"]
        drawn = rows[rows["method"] == "random"].set_index("budget")["best_val_acc"]
        common = [b for b in grid.index if b in drawn.index]
        per_seed[seed] = float(np.mean([curve.loc[(seed, b), "median"] >= grid[b] for b in common]))
        one_order[seed] = float(np.mean([drawn[b] >= grid[b] for b in common]))
        for b in common:
            gaps.setdefault(b, []).append(curve.loc[(seed, b), "median"] - grid[b])
    sizes = ", ".join(f"{m * m}" for m in settings["grid_sizes"])
    n_trials = int(random_summary.groupby("seed").size().max())
    detail = ("random median − grid, mean over seeds, by budget: "
              + ", ".join(f"{b}: {np.mean(v):+.3f}" for b, v in sorted(gaps.items()))
              + ". In the one order the trials were drawn (the search as run), the fraction of the budgets at which "
              + "it is at least the grid's: " + "; ".join(f"{s}: {v:.2g}" for s, v in sorted(one_order.items())))
    return [_row("study 4", f"Random search is at least as good as grid search at every budget ({sizes} trials): "
                 f"the median best of b trials drawn at random from its {n_trials} is at least the best of the "
                 "b-trial grid",
                 "fraction of the budgets at which the median of random search's efficiency curve (exact, over every "
                 "draw of b trials) is at least the grid's best (1 to hold)", per_seed, lambda v: v == 1,
                 detail=detail)]


STUDY_CLAIMS = {
    "study_optimizer_lr": lambda t, s: claims_study_lr(t["summary"], s),
    "study_batchnorm_lr": lambda t, s: claims_study_batchnorm_lr(t["accuracy"], s),
    "study_regularization": lambda t, s: claims_study_regularization(t["final"], t["weight_decay:accuracy"],
                                                                     t["dropout:accuracy"], s),
    "study_search": lambda t, s: claims_study_search(t["grid"], t["random_search:summary"], s),
}


def evaluate_claims(tables, settings):
    """All claims from the tables of ``CLAIM_TABLES`` (``tables[experiment][table]``, each
    concatenated over seeds, with a ``seed`` column) and the settings (config blocks) that
    made them. A comparison whose variants the configuration lacks is a "not measured" row;
    every comparison whose variants exist is measured."""
    rows = (claims_function(tables["function_surface"]["surface"], tables["function_surface"]["gradient"])
            + claim_paths(tables["optimizer_paths"]["paths"], settings["optimizer_paths"])
            + claims_optimizers(tables["optimizer_mnist"]["summary"], settings["optimizer_mnist"])
            + claims_activations(tables["activations"]["stats"], settings["activations"])
            + claims_init(tables["init_mnist"]["summary"], settings["init_mnist"])
            + claims_batchnorm(tables["batchnorm"]["accuracy"], settings["batchnorm"])
            + claims_regularization(tables["weight_decay"]["accuracy"], tables["dropout"]["accuracy"],
                                    settings["weight_decay"], settings["dropout"])
            + claims_search(tables["random_search"]["summary"], settings["random_search"]))
    for name, claims in STUDY_CLAIMS.items():  # the studies', when the run has them
        if name in tables:
            rows += claims(tables[name], settings[name])
    return pd.DataFrame(rows, columns=COLUMNS)


def _number(x):
    return "" if not np.isfinite(x) else f"{x:.4g}"


def _interval(r):
    if r.interval == "deterministic":
        return f"{_number(r.mean)} (deterministic)"
    if not np.isfinite(r.mean):
        return ""
    if not (np.isfinite(r.ci95_low) and np.isfinite(r.ci95_high)):  # fewer than two seeds measured it
        measured = int(r.holds_in.split("/")[1]) if "/" in str(r.holds_in) else int(r.n_seeds)
        return f"{_number(r.mean)} (interval n/a: {plural(measured, 'seed')})"
    return f"{_number(r.mean)} [{_number(r.ci95_low)}, {_number(r.ci95_high)}]"


def _verdict(r):
    if r.verdict == "diverged":
        return f"diverged ({r.diverged}; over the others: {r.verdict_trained})"
    return r.verdict


def display_table(claims):
    """The claims table as shown to a reader (Markdown and HTML alike): one row per claim."""
    claims = claims.fillna({name: "" for name in ("detail", "diverged", "verdict_trained", "per_seed", "holds_in",
                                                  "interval", "quantity")})
    detail = claims["detail"].map(lambda d: f" ({d})" if d else "")
    return pd.DataFrame({"fig": claims["claim"], "claim": claims["statement"] + detail,
                         "measured": claims["quantity"], "per seed": claims["per_seed"],
                         "mean [95% CI]": [_interval(r) for r in claims.itertuples()],
                         "holds in": claims["holds_in"], "verdict": [_verdict(r) for r in claims.itertuples()]})


CLAIMS_SCHEMA = {name: "str" for name in COLUMNS} | {"n_seeds": "int", "mean": "float", "ci95_low": "float",
                                                      "ci95_high": "float"}


CLAIMS_TABLE_SCHEMA = Schema(CLAIMS_SCHEMA, rows=None, rule="claims",
                             optional=("quantity", "per_seed", "interval", "holds_in", "diverged", "detail"))


def read_claims(path):
    """claims.csv, checked: its columns and their types, a known verdict in every row."""
    table = read_table(path, CLAIMS_TABLE_SCHEMA)
    unknown = set(table["verdict"]) - set(VERDICTS)
    if unknown:
        raise damaged(path, f"unknown verdicts {sorted(unknown)}", "claims")
    return table


MARKDOWN_HEAD = """# Chapter 6's claims, checked

Verdict: **holds** in every seed, **does not hold** in any, or **mixed**; **not measured** where the settings
lack a variant the claim compares; **diverged** where a compared variant diverged in some seed (with the verdict
over the others). Interval: 95% Student-t interval of the mean over seeds (paired differences where two variants
are compared: within a seed they share initial weights and minibatches).

"""


def claims_markdown(claims):
    """The claims table as Markdown (pandas, through tabulate). Every cell is escaped
    (``dlscratch.text.markdown_cell``): a label in a statement renders as the text it is."""
    table = display_table(claims).map(markdown_cell).assign(verdict=lambda t: "**" + t["verdict"] + "**")
    return MARKDOWN_HEAD + table.to_markdown(index=False, disable_numparse=True) + "\n"


def write_claims(snakemake):
    """The claims job: every seed's tables in (``dlscratch.results``), ``claims.csv`` and
    ``claims.md`` out."""
    params = snakemake.params
    claims = evaluate_claims(read_run(params.tables), params.settings)
    write_table(claims, snakemake.output.csv)
    write_text(snakemake.output.md, claims_markdown(claims))
    print(claims[["claim", "statement", "holds_in", "verdict"]].to_string())
