"""6.4 Regularization: overfitting on a small training set (Fig 6-20), weight decay (Fig 6-21)
and Dropout (Fig 6-23).

Every run of this section (any lambda, with or without Dropout) draws its initial
weights and its minibatches from the same seed stream, ``STREAM``: runs are paired
across Figs 6-20, 6-21 and 6-23. The unregularized run (lambda 0, no Dropout) then
appears twice in the chapter, 201 epochs in Fig 6-20 and as the left panel of
Fig 6-23 (301 epochs); when the two config blocks agree on the data and the net,
``baseline_epochs`` says how long to train it once (``overfit_baseline``), and each
figure reads its first epochs (a run's first k epochs do not depend on how many follow).
"""

import math

import numpy as np
import pandas as pd

from .. import plotting as P
from ..captions import SEED
from ..claims import above, at_least, below, claim_row, missing, not_measured
from ..declare import Book, Claims, Experiment, Figure, Others, Section
from ..metrics import final_metrics
from ..optimizers import make_optimizer
from ..overlay import Panel, seed_curve
from ..paired import build_network, diverged_value, epoch_schedule, first_images, train_epochs, used_inputs
from ..tables import Schema
from ..trainer import Trainer, epoch_end_iterations
from ..variants import find
from .optimizers import check_batch

# --------------------------------------------------------------------------- training


STREAM = "overfitting"

# the settings that make two runs of this section the same run
SHARED_SETTINGS = ("train_size", "hidden_sizes", "lr", "batch_size")

DROPOUT_VARIANTS = ("without", "with")


def lambda_label(value):
    """How a weight decay lambda is written in table names: 0, 0.1, 1e-05."""
    return f"{float(value):g}"


def overfit_run(settings, data, seed, epochs=None, weight_decay_lambda=0.0, dropout_ratio=None, final_only=False):
    """One run of this section: train on the first ``train_size`` images with SGD (``lr``),
    train and test accuracy per epoch (or, ``final_only``, after the last epoch only: the same
    numbers, without the evaluations in between, which change nothing of the training).
    ``dropout_ratio=None`` means no Dropout layers. Columns: epoch, train_acc, test_acc,
    diverged_at."""
    (x, t), (x_test, t_test) = first_images(data, settings["train_size"])
    epochs = settings["epochs"] if epochs is None else epochs
    n_pixels = x.shape[1]
    inputs, (x, x_test) = used_inputs(x, x_test)
    net = build_network(seed, STREAM, n_pixels, settings["hidden_sizes"], inputs=inputs,
                        weight_decay_lambda=weight_decay_lambda,
                        use_dropout=dropout_ratio is not None, dropout_ratio=dropout_ratio or 0.0)
    schedule = epoch_schedule(seed, STREAM, len(x), settings["batch_size"], epochs)
    optimizer = make_optimizer("sgd", lr=settings["lr"])
    if final_only:
        h = Trainer(net, optimizer, x, t, schedule, record_loss=False).train()
        diverged = h.diverged_at is not None
        return pd.DataFrame({"epoch": [epochs], "train_acc": [math.nan if diverged else net.accuracy(x, t)],
                             "test_acc": [math.nan if diverged else net.accuracy(x_test, t_test)],
                             "diverged_at": [diverged_value(h.diverged_at)]})
    table, diverged_at = train_epochs(net, optimizer, x, t, x_test, t_test, schedule, epochs)
    table["diverged_at"] = diverged_value(diverged_at)
    return table


def _decay_table(run, seed, lam):
    run.insert(0, "weight_decay", float(lam))
    run.insert(0, "seed", seed)
    return run


def _dropout_table(run, seed, variant, ratio):
    run.insert(0, "dropout_ratio", float(ratio) if variant == "with" else 0.0)
    run.insert(0, "variant", variant)
    run.insert(0, "seed", seed)
    return run


def weight_decay(settings, data, seed):
    """Figs 6-20, 6-21: one run per lambda of ``settings["lambdas"]``.
    Returns {"lambda<λ>": seed, weight_decay, epoch, train_acc, test_acc, diverged_at}."""
    return {f"lambda{lambda_label(lam)}": _decay_table(overfit_run(settings, data, seed, weight_decay_lambda=lam),
                                                        seed, lam)
            for lam in settings["lambdas"]}


def dropout(settings, data, seed):
    """Fig 6-23: the run without Dropout and the run with ``dropout_ratio`` (or only those
    named in ``settings["variants"]``, when the pipeline runs them as separate jobs).
    Returns {"without", "with": seed, variant, dropout_ratio, epoch, train_acc, test_acc,
    diverged_at}. The run without Dropout needs no ``dropout_ratio``."""
    ratio = settings.get("dropout_ratio")
    return {variant: _dropout_table(overfit_run(settings, data, seed,
                                                dropout_ratio=ratio if variant == "with" else None),
                                    seed, variant, ratio)
            for variant in settings.get("variants", DROPOUT_VARIANTS)}


def overfit_baseline(settings, data, seed):
    """The unregularized run, trained once for Fig 6-20 (``weight_decay`` at lambda 0) and
    for the left panel of Fig 6-23 (``dropout``, without): ``settings`` holds both blocks
    (``{"weight_decay": ..., "dropout": ...}``), which agree on ``SHARED_SETTINGS``. The run
    lasts the longer epoch count; each table keeps its own epochs.
    Returns {"lambda0": as ``weight_decay``'s, "without": as ``dropout``'s}."""
    decay, drop = settings["weight_decay"], settings["dropout"]
    epochs = baseline_epochs(decay, drop)
    if epochs is None:
        raise ValueError("weight_decay and dropout describe different unregularized runs; nothing to share")
    run = overfit_run(decay, data, seed, epochs=epochs)
    return {f"lambda{lambda_label(0)}": _decay_table(first_epochs(run, decay), seed, 0.0),
            "without": _dropout_table(first_epochs(run, drop), seed, "without", drop["dropout_ratio"])}


def baseline_epochs(weight_decay_settings, dropout_settings):
    """Epochs to train the shared unregularized run for, or None when there is none to share.

    The lambda-0 run of ``weight_decay`` and the no-Dropout run of ``dropout`` are the
    same run when lambda 0 is configured and both blocks agree on ``SHARED_SETTINGS``;
    it is trained once, for the longer of the two epoch counts.
    """
    if 0.0 not in [float(v) for v in weight_decay_settings["lambdas"]]:
        return None
    if any(weight_decay_settings[key] != dropout_settings[key] for key in SHARED_SETTINGS):
        return None
    return max(weight_decay_settings["epochs"], dropout_settings["epochs"])


def first_epochs(table, settings):
    """The rows of an ``overfit_run`` table up to and including epoch ``settings["epochs"]``,
    as a run of that many epochs would have written them: ``diverged_at`` (an iteration
    number) is kept only if the divergence happened within those epochs."""
    epochs = settings["epochs"]
    first = table[table.epoch <= epochs].reset_index(drop=True)
    last_iteration = epoch_end_iterations(settings["train_size"], settings["batch_size"], epochs)[-1] if epochs else 0
    first.loc[first.diverged_at > last_iteration, "diverged_at"] = math.nan
    return first


_RUN = {"epoch": "int", "train_acc": "float", "test_acc": "float", "diverged_at": "float"}


def weight_decay_schemas(settings):
    columns = {"seed": "int", "weight_decay": "float", **_RUN}
    return {f"lambda{lambda_label(v)}": Schema(columns, settings["epochs"] + 1, {"weight_decay": [float(v)]})
            for v in settings["lambdas"]}


def dropout_schemas(settings):
    columns = {"seed": "int", "variant": "str", "dropout_ratio": "float", **_RUN}
    ratio = float(settings.get("dropout_ratio", 0.0))
    return {variant: Schema(columns, settings["epochs"] + 1,
                            {"variant": [variant], "dropout_ratio": [ratio if variant == "with" else 0.0]})
            for variant in settings.get("variants", DROPOUT_VARIANTS)}


def check_decay(block, config, fail):
    check_batch("weight_decay")(block, config, fail)
    labels = [lambda_label(v) for v in block["lambdas"]]
    if len(labels) != len(set(labels)):
        fail("weight_decay.lambdas", f"{block['lambdas']} gives the same table name twice ({labels}); lambdas must "
             "differ in their first 6 significant digits")


# --------------------------------------------------------------------------- figures


def _train_test_grid(acc, column, panels, draw_panel):
    fig, axes = P.grid(len(panels), len(panels), panel_size=(5.0, 4.0))
    for ax, (value, title) in zip(axes, panels):
        draw_panel(ax, P.rows_of(acc, column, value))
        ax.set(title=title, xlabel="epochs", ylabel="accuracy", ylim=(0, 1))
        ax.legend(loc="lower right")
    return fig


def plot_train_test(acc, column, panels):
    """Figs 6-20, 6-21, 6-23: train and test accuracy per epoch, one panel per (value of
    ``column``, title) of ``panels``."""

    def draw(ax, rows):
        rows = rows.sort_values("epoch")
        for column, label, marker in (("train_acc", "train", "o"), ("test_acc", "test", "s")):
            diverged = not np.isfinite(rows[column]).all()
            label += P.DIVERGED if diverged else ""
            ax.plot(rows["epoch"], rows[column], marker=marker, markevery=P.EPOCH_MARKERS_EVERY, label=label)

    return _train_test_grid(acc, column, panels, draw)


def plot_train_test_band(acc, column, panels):
    """Several-seed companion of ``plot_train_test`` (``acc`` has a ``seed`` column)."""

    def draw(ax, rows):
        for column, label in (("train_acc", "train"), ("test_acc", "test")):
            x, matrix = P.seed_matrix(rows, "epoch", column)
            P.draw_band(ax, x, matrix, label=label + P.diverged_seeds(matrix))

    return _train_test_grid(acc, column, panels, draw)


def _panels(variants, settings, column):
    if column == "weight_decay":
        return [(v, f"weight decay λ = {float(v):g}") for v in variants]
    titles = {"without": "without Dropout", "with": f"Dropout (ratio {settings['dropout_ratio']:g})"}
    return [(v, titles[v]) for v in variants]


def train_test(tables, variants, settings, column):
    return plot_train_test(tables["accuracy"], column, _panels(variants, settings, column))


def train_test_band(tables, variants, settings, column):
    return plot_train_test_band(tables["accuracy"], column, _panels(variants, settings, column))


PANEL_TITLES = {"without": "without Dropout", "with": "with Dropout"}


def train_test_panels(tables, variants, settings, column):
    """Figs 6-20, 6-21, 6-23 in an overlay of runs: a panel per λ (or without and with
    Dropout, whatever each run's ratio), train and test accuracy over seeds."""
    acc = tables["accuracy"]
    panels = []
    for value in variants:
        rows = P.rows_of(acc, column, value)
        title = f"weight decay λ = {float(value):g}" if column == "weight_decay" else PANEL_TITLES[value]
        panels.append(Panel(f"{value:g}" if column == "weight_decay" else value, title=title, xlabel="epochs",
                            ylabel="accuracy", ylim=(0, 1),
                            curves=[seed_curve(rows, "epoch", "train_acc", "train"),
                                    seed_curve(rows, "epoch", "test_acc", "test")]))
    return panels


def weight_decay_metrics(tables, settings):
    """The headline numbers of Figs 6-20 and 6-21: final test accuracy and train–test gap per λ."""
    return final_metrics(tables["accuracy"], "weight_decay", lambda v: f"λ = {float(v):g}")


def dropout_metrics(tables, settings):
    """The headline numbers of Fig 6-23: final test accuracy and train–test gap without and with Dropout."""
    return final_metrics(tables["accuracy"], "variant", lambda v: PANEL_TITLES[v])


# --------------------------------------------------------------------------- claims


def _final(table):
    return table[table["epoch"] == table["epoch"].max()]


def _gap(rows):
    return dict(zip(rows["seed"], rows["train_acc"] - rows["test_acc"]))


def claims_regularization(tables, settings):
    decay, dropout = tables["weight_decay"]["accuracy"], tables["dropout"]["accuracy"]
    settings_decay, settings_dropout = settings["weight_decay"], settings["dropout"]
    rows = []
    images = f"the first {settings_decay['train_size']} training images"
    lambdas = [float(v) for v in settings_decay["lambdas"]]
    baseline = find("lambdas", lambdas, 0.0)
    others = [v for v in lambdas if v != baseline]
    statements = [("6-20", f"Without regularization (λ = 0), training accuracy on {images} reaches about 100% (≥ 99%)",
                   "final training accuracy"),
                  ("6-20", "… with a large gap to test accuracy (≥ 0.2)", "final train − test accuracy")]
    if baseline is None:
        lacking = missing("weight_decay", "lambdas", 0.0)
        rows += [not_measured(number, text, quantity, lacking) for number, text, quantity in statements]
        for lam in others:
            rows.append(not_measured("6-21", f"Weight decay λ = {lam:g} shrinks the train–test gap",
                                     f"paired difference of final gap, λ = 0 − λ = {lam:g}", lacking))
    else:
        base = _final(decay[np.isclose(decay["weight_decay"], baseline)])
        gap0 = _gap(base)
        rows.append(claim_row(*statements[0], dict(zip(base["seed"], base["train_acc"])), at_least(0.99)))
        rows.append(claim_row(*statements[1], gap0, at_least(0.2)))
        for lam in others:
            gap = _gap(_final(decay[np.isclose(decay["weight_decay"], lam)]))
            rows.append(claim_row("6-21", f"Weight decay λ = {lam:g} shrinks the train–test gap",
                                  f"paired difference of final gap, λ = 0 − λ = {lam:g}",
                                  {s: gap0[s] - gap[s] for s in gap if s in gap0}, above(0)))
    for lam in others:
        final = _final(decay[np.isclose(decay["weight_decay"], lam)])
        rows.append(claim_row("6-21", f"With weight decay λ = {lam:g}, training accuracy on {images} stays below "
                              "100%", "final training accuracy", dict(zip(final["seed"], final["train_acc"])),
                              below(1.0)))
    if not others:
        rows.append(not_measured("6-21", "Weight decay shrinks the train–test gap", "paired difference of final gap",
                                 "weight_decay.lambdas has no λ other than 0"))
    fin = _final(dropout)
    gaps = {variant: _gap(rows_) for variant, rows_ in fin.groupby("variant")}
    ratio = settings_dropout["dropout_ratio"]
    rows.append(claim_row("6-23", f"Dropout (ratio {ratio:g}) shrinks the train–test gap on the first "
                          f"{settings_dropout['train_size']} training images",
                          "paired difference of final gap, without − with Dropout",
                          {s: gaps["without"][s] - gaps["with"][s] for s in gaps["with"] if s in gaps["without"]},
                          above(0)))
    return rows


# --------------------------------------------------------------------------- the section


_OVERFIT = (
    "Train (circles) and test (squares) accuracy per epoch of a 784-{{ settings.hidden_sizes | join('-') }}-10 "
    "ReLU network trained on the first {{ settings.train_size }} MNIST images (test on all 10,000), SGD lr "
    "{{ settings.lr }}, batch {{ settings.batch_size }}, {{ settings.epochs }} epochs; ")
WEIGHT_DECAY = _OVERFIT + (
    "weight decay λ = {% for v in variants %}{{ '%g' | format(v) }}{% if not loop.last %}, {% endif %}"
    "{% endfor %}. " + SEED)
DROPOUT = _OVERFIT + ("left without Dropout, right with Dropout ratio {{ settings.dropout_ratio }} (the book's "
                      "caption says 0.15, its code later uses 0.2). " + SEED)
RUN_SETTINGS = {"train_size": {"type": "integer", "minimum": 1, "maximum": 60000},
       "hidden_sizes": {"$ref": "#/$defs/hidden_sizes"}, "lr": {"$ref": "#/$defs/lr"},
       "batch_size": {"$ref": "#/$defs/positive_int"}, "epochs": {"$ref": "#/$defs/positive_int"}}
DECAY_STYLE = {"column": "weight_decay"}


def _lambda_parts(settings):
    return {f"lambda{lambda_label(v)}": {**settings, "lambdas": [v]} for v in settings["lambdas"]}


def _dropout_parts(settings):
    """The run without Dropout does not depend on the ratio: another ratio trains only "with"."""
    without = {k: v for k, v in settings.items() if k != "dropout_ratio"}
    return {"without": {**without, "variants": ["without"]}, "with": {**settings, "variants": ["with"]}}


SECTION = Section(
    "6.4", "Regularization", "正则化",
    experiments=(
        Experiment("weight_decay", weight_decay, lambda s: {"accuracy": [f"lambda{lambda_label(v)}" for v in s["lambdas"]]},
                   "Overfitting and weight decay", parts=_lambda_parts, priority=30, schemas=weight_decay_schemas,
                   variant_table="lambdas", claims_tables=("accuracy",), entry_tables=("accuracy",), check=check_decay,
                   metrics=weight_decay_metrics,
                   config={**RUN_SETTINGS, "lambdas": {"type": "array", "items": {"type": "number", "minimum": 0},
                                              "minItems": 1, "uniqueItems": True}}),
        Experiment("dropout", dropout, lambda s: {"accuracy": ["without", "with"]}, "Dropout",
                   parts=_dropout_parts, priority=40, schemas=dropout_schemas, claims_tables=("accuracy",),
                   entry_tables=("accuracy",), check=check_batch("dropout"), metrics=dropout_metrics,
                   config={**RUN_SETTINGS, "dropout_ratio": {"type": "number", "minimum": 0, "exclusiveMaximum": 1}}),
    ),
    figures=(
        Figure("fig6-20_overfitting", "6-20", "weight_decay", "Overfitting: training and test accuracy",
               WEIGHT_DECAY, train_test, ("accuracy",), Book("lambdas", (0.0,)), options=DECAY_STYLE,
               band=train_test_band, claims=("6-20",), overlay=train_test_panels),
        Figure("fig6-21_weight_decay", "6-21", "weight_decay", "Training and test accuracy with weight decay",
               WEIGHT_DECAY, train_test, ("accuracy",), Others("lambdas", (0.0,), book=(0.1,)), options=DECAY_STYLE,
               band=train_test_band, claims=("6-21",), overlay=train_test_panels),
        Figure("fig6-23_dropout", "6-23", "dropout", "Without Dropout (left) and with Dropout (right)",
               DROPOUT, train_test, ("accuracy",), lambda s: ["without", "with"], options={"column": "variant"},
               band=train_test_band, claims=("6-23",), overlay=train_test_panels),
    ),
    claims=(Claims(claims_regularization, ("weight_decay", "dropout"), ("6-20", "6-21", "6-23")),),
)
