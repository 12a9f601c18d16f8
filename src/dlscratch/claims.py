"""The chapter's claims, checked against the tables of every seed.

Each claim is measured per seed as one number; a condition on that number says whether
the claim holds in that seed. The verdict is **holds** when it holds in every seed,
**does not hold** when it holds in none, **mixed** otherwise (an equivalence whose interval
straddles its margin is **inconclusive**: neither equal nor different is shown); **not measured** when the
configuration lacks a variant the claim compares; **diverged** when a compared variant
diverged in some seed (the row says in how many, and gives the verdict over the others).
Variants are found by what they are (``dlscratch.variants``), not by label, and the claim
texts are written from the settings the run used. The evidence beside it is
the per-seed values and a 95% Student-t interval of their mean over seeds (for paired
differences, the interval of the mean paired difference: variants within a seed share
initial weights and minibatches). Deterministic claims have no interval.

Verdicts come from the tables only; nothing here is typed in. Each section of the chapter
states its own claims (``dlscratch.chapter``, ``Claims`` in its declaration) with the row
helpers here; ``dlscratch.claims_table`` asks every section and writes the table.
"""

import math
import re

import numpy as np
import pandas as pd

from .declare import BOOK_OPTIMIZER_NAMES, BOOK_OPTIMIZERS
from .optimizers import OPTIMIZERS, hyperparameters
from .text import plural
from .variants import describe, find


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


class Condition:
    """The condition a claim's quantity must meet in a seed, as a value that says what it is:
    callable on the quantity, shown as text (``holds_if`` in the claims table: "> 0",
    "≥ 0.99", "in [0.5, 2]", "within ±0.05") and drawn as threshold lines (``lines``) where a
    figure plots the quantity against a swept setting (``dlscratch.sweeps``)."""

    TESTS = {">": lambda v, a: v > a, "≥": lambda v, a: v >= a, "<": lambda v, a: v < a,
             "≤": lambda v, a: v <= a, "=": lambda v, a: v == a}

    def __init__(self, op, *bounds):
        if op not in self.TESTS and op not in ("in", "inside", "within"):
            raise ValueError(f"unknown condition {op!r}")
        self.op, self.bounds = op, tuple(float(b) for b in bounds)

    def __call__(self, v):
        if self.op == "in":
            return self.bounds[0] <= v <= self.bounds[1]
        if self.op == "inside":
            return self.bounds[0] < v < self.bounds[1]
        if self.op == "within":
            return abs(v) < self.bounds[0]
        return self.TESTS[self.op](v, self.bounds[0])

    @property
    def text(self):
        b = [f"{x:g}" for x in self.bounds]
        return {"in": f"in [{b[0]}, {b[-1]}]", "inside": f"in ({b[0]}, {b[-1]})",
                "within": f"within ±{b[0]}"}.get(self.op, f"{self.op} {b[0]}")

    @classmethod
    def parse(cls, text):
        """The condition ``text`` shows (None for an empty or unknown text)."""
        text = str(text or "").strip()
        for op, pattern in (("in", r"in \[(\S+), (\S+)\]"), ("inside", r"in \((\S+), (\S+)\)"),
                            ("within", r"within ±(\S+)"), (None, r"(>|≥|<|≤|=) (\S+)")):
            found = re.fullmatch(pattern, text)
            if found:
                try:
                    return cls(*found.groups()) if op is None else cls(op, *found.groups())
                except ValueError:
                    return None
        return None

    @property
    def lines(self):
        """The thresholds to draw: where the quantity starts or stops meeting the condition."""
        return (-self.bounds[0], self.bounds[0]) if self.op == "within" else self.bounds


def above(x):
    return Condition(">", x)


def at_least(x):
    return Condition("≥", x)


def below(x):
    return Condition("<", x)


def at_most(x):
    return Condition("≤", x)


def equal(x):
    return Condition("=", x)


def between(low, high):
    """low ≤ v ≤ high."""
    return Condition("in", low, high)


def strictly_between(low, high):
    """low < v < high."""
    return Condition("inside", low, high)


def within(margin):
    """|v| < margin."""
    return Condition("within", margin)


VERDICTS = ("holds", "does not hold", "mixed", "inconclusive", "not measured", "diverged")


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


COLUMNS = ["claim", "statement", "quantity", "holds_if", "per_seed", "n_seeds", "mean", "ci95_low", "ci95_high", "interval",
           "holds_in", "verdict", "diverged", "verdict_trained", "detail"]


def claim_row(claim, statement, quantity, per_seed, condition, deterministic=False, detail="", also=None):
    """A claims-table row from {seed: value} and a ``Condition`` (value -> bool, which the
    row shows as ``holds_if``); ``also`` is an optional {seed: bool} that must hold too.

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
        "holds_if": condition.text if isinstance(condition, Condition) else "",
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
    one side: a difference of at least the margin), **inconclusive** (it straddles a margin:
    neither is shown, whatever each seed says; not "mixed", which says the seeds disagree)."""
    if -margin < low and high < margin:
        return "holds"
    if low >= margin or high <= -margin:
        return "does not hold"
    return "inconclusive"


def equivalence_row(claim, statement, quantity, per_seed, margin, detail=""):
    """A claims-table row for "the same within ±margin" (two one-sided tests): the verdict
    from the 90% t interval of the paired differences ``per_seed`` (``equivalence_verdict``),
    not from each seed; "holds in" counts the seeds whose own difference is within the
    margin. Fewer than two seeds that trained: not measured (no interval)."""
    seeds = sorted(per_seed)
    trained = [s for s in seeds if math.isfinite(float(per_seed[s]))]
    n_diverged = len(seeds) - len(trained)
    if len(trained) < 2:
        return {**not_measured(claim, statement, quantity, f"an equivalence needs two seeds or more that trained "
                                                           f"(it has {len(trained)})"),
                "per_seed": "; ".join(f"{s}: {per_seed[s]:.4g}" for s in trained)}
    mean, low, high = t_interval([per_seed[s] for s in trained], confidence=0.90)
    inside = sum(abs(float(per_seed[s])) < margin for s in trained)
    over_trained = equivalence_verdict(low, high, margin)
    return {
        "claim": claim, "statement": statement, "quantity": quantity, "holds_if": within(margin).text,
        "per_seed": "; ".join(f"{s}: {per_seed[s]:.4g}" if s in trained else f"{s}: diverged" for s in seeds),
        "n_seeds": len(seeds), "mean": mean, "ci95_low": low, "ci95_high": high,
        "interval": "TOST: 90% t, over seeds", "holds_in": f"{inside}/{len(trained)}",
        "verdict": "diverged" if n_diverged else over_trained,
        "diverged": f"{n_diverged} of {plural(len(seeds), 'seed')} diverged" if n_diverged else "",
        "verdict_trained": over_trained, "detail": detail,
    }


def not_measured(claim, statement, quantity, missing):
    """A row for a comparison the run cannot make: ``missing`` says what the config lacks."""
    return {"claim": claim, "statement": statement, "quantity": quantity, "holds_if": "", "per_seed": "", "n_seeds": 0,
            "mean": math.nan, "ci95_low": math.nan, "ci95_high": math.nan, "interval": "", "holds_in": "",
            "verdict": "not measured", "diverged": "", "verdict_trained": "not measured",
            "detail": f"not measured: {missing}"}


def by_seed(table, value, **where):
    rows = table
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    return dict(zip(rows["seed"], rows[value]))


def paired(table, value, a, b, column):
    """{seed: value(a) - value(b)} for variants a, b of ``column``."""
    va, vb = by_seed(table, value, **{column: a}), by_seed(table, value, **{column: b})
    return {s: va[s] - vb[s] for s in va if s in vb}


def hyper(spec):
    spec = dict(spec)
    name = spec.pop("name")
    return ", ".join(f"{k} {v:g}" for k, v in hyperparameters(name, **spec).items())


BOOK_NAMES = dict(zip(BOOK_OPTIMIZER_NAMES, BOOK_OPTIMIZERS))  # sgd -> SGD, for the texts


def optimizer_name(name):
    """How the texts name the optimizer ``name``: its class's name (SGD, RMSprop, ...)."""
    return OPTIMIZERS[name].__name__ if name in OPTIMIZERS else name


def book_optimizers(settings):
    """{book optimizer name: the label of its first configured variant} (those configured)."""
    table = settings["optimizers"]
    found = {name: find("optimizers", table, name) for name in BOOK_OPTIMIZER_NAMES}
    return {name: label for name, label in found.items() if label is not None}


def missing(block, key, *meanings):
    return f"{block}.{key} has no " + " and no ".join(describe(key, m) for m in meanings) + " variant"
