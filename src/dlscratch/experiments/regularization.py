"""Section 6.4: overfitting on a small training set, weight decay and Dropout.

Every run of this section (any lambda, with or without Dropout) draws its initial
weights and its minibatches from the same seed stream, ``STREAM``: runs are paired
across Figs 6-20, 6-21 and 6-23. The unregularized run (lambda 0, no Dropout) then
appears twice in the chapter, 201 epochs in Fig 6-20 and as the left panel of
Fig 6-23 (301 epochs); when the two config blocks agree on the data and the net,
``baseline_epochs`` says how long to train it once (``overfit_baseline``), and each
figure reads its first epochs (a run's first k epochs do not depend on how many follow).
"""

import math

import pandas as pd

from ..optimizers import make_optimizer
from ..tables import Schema
from ..trainer import Trainer, epoch_end_iterations
from .common import build_network, diverged_value, epoch_schedule, first_images, train_epochs, used_inputs

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
