"""Study 3, beyond the book: how strong a regularization? The 300-image setting of 6.4 over a
range of weight decays and Dropout ratios. The runs the chapter trains anyway (the same
settings and seed) are read from its tables, not retrained; this trains the others, on the
chapter's seed stream, so every strength starts from the same weights and sees the same
batches."""

import pandas as pd

from .. import plotting as P
from ..captions import STUDY_SEEDS
from ..choices import strength_table
from ..claims import below, claim_row, strictly_between
from ..declare import Claims, Experiment, Figure, Section, fixed
from ..tables import Schema
from .regularization import overfit_run

# --------------------------------------------------------------------------- training


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


# --------------------------------------------------------------------------- figures


def strength_figure(tables, variants, settings, seeds):
    """Study 3: final train and test accuracy, and their gap, against the strength of weight
    decay (top) and of Dropout (bottom)."""
    table = strength_table(tables["final"], tables["weight_decay:accuracy"], tables["dropout:accuracy"], settings)
    fig, axes = P.grid(4, 2, panel_size=(5.0, 3.2))
    best = []
    for row, (regularizer, label) in enumerate((("weight_decay", "weight decay λ"), ("dropout", "Dropout ratio"))):
        rows = table[table["regularizer"] == regularizer]
        accuracy, gap = axes[2 * row], axes[2 * row + 1]
        P.band(accuracy, rows, "strength", "train_acc", marker="o", label="train")
        P.band(accuracy, rows, "strength", "test_acc", marker="s", label="test")
        P.band(gap, rows, "strength", "gap", marker="o", color="C2", label="train − test")
        accuracy.set(xlabel=label, ylabel="final accuracy", ylim=(0, 1))
        gap.set(xlabel=label, ylabel="gap")
        accuracy.legend(fontsize=8)
        means = rows.groupby("strength")["test_acc"].mean()
        best.append(f"{label} {means.idxmax():g} ({means.max():.3f})")
    return fig, {"best": ", ".join(best)}


# --------------------------------------------------------------------------- claims


def _rank_correlation(x, y):
    """Spearman's rank correlation: the Pearson correlation of the ranks."""
    return float(pd.Series(x).rank().corr(pd.Series(y).rank()))


def claims_study_regularization(tables, settings):
    """Study 3: the gap shrinks as the strength grows; does test accuracy peak inside the range?"""
    final, decay, dropout = (tables["study_regularization"][t] for t in ("final", "weight_decay:accuracy",
                                                                         "dropout:accuracy"))
    settings = settings["study_regularization"]
    table = strength_table(final, decay, dropout, settings)
    rows = []
    for regularizer, label in (("weight_decay", "weight decay λ"), ("dropout", "Dropout ratio")):
        mine = table[table["regularizer"] == regularizer]
        strengths = sorted(mine["strength"].unique())
        rho = {seed: _rank_correlation(r["strength"], r["gap"]) for seed, r in mine.groupby("seed")}
        rows.append(claim_row("study 3", f"The train–test gap shrinks as the {label} grows ({strengths[0]:g}–{strengths[-1]:g})",
                         "rank correlation of strength and final gap (< 0 to hold)", rho, below(0)))
        best = {seed: float(r.loc[r["test_acc"].idxmax(), "strength"]) for seed, r in mine.groupby("seed")}
        means = mine.groupby("strength")["test_acc"].mean()
        rows.append(claim_row("study 3", f"Test accuracy peaks at a {label} inside the range, not at its ends",
                         f"the {label} with the best final test accuracy (strictly between {strengths[0]:g} and "
                         f"{strengths[-1]:g} to hold)", best, strictly_between(strengths[0], strengths[-1]),
                         detail=f"on average over seeds the best is {means.idxmax():g} (test accuracy "
                         f"{means.max():.3f})"))
    return rows


# --------------------------------------------------------------------------- the section


STUDY_REG = (
    "Final train and test accuracy, and their gap, on the 300-image setting of 6.4 at weight decays "
    "{{ settings.weight_decays | join(', ') }} and Dropout ratios {{ settings.dropout_ratios | join(', ') }}; every "
    "run starts from the same weights and sees the same batches (the chapter's runs are reused). Best test "
    "accuracy: {{ best }}. " + STUDY_SEEDS)
STRENGTHS = {"type": "array", "minItems": 2, "uniqueItems": True}

SECTION = Section(
    "beyond", "Beyond the book", "Beyond the book", order=3,
    experiments=(
        Experiment("study_regularization", regularization_strength, fixed("final"),
                   "Study 3: how strong a regularization", priority=20, schemas=regularization_strength_schemas,
                   claims_tables=("final", "weight_decay:accuracy", "dropout:accuracy"), seeds_key="study_seeds",
                   uses=("weight_decay", "dropout"), entry_tables=("final",),
                   config={"weight_decays": {**STRENGTHS, "items": {"type": "number", "minimum": 0}},
                           "dropout_ratios": {**STRENGTHS, "items": {"type": "number", "minimum": 0,
                                                                     "exclusiveMaximum": 1}}}),
    ),
    figures=(
        Figure("study-regularization_strength", "Study 3", "study_regularization", "Regularization strength",
               STUDY_REG, strength_figure, ("final", "weight_decay:accuracy", "dropout:accuracy"),
               claims=("study 3",), all_seeds=True),
    ),
    claims=(Claims(claims_study_regularization, ("study_regularization",), ("study 3",)),),
)
