"""Pieces every experiment shares: paired training of several variants (the same initial
weights and minibatches within a seed), networks, schedules and the loss-curve tables."""

import math

import numpy as np
import pandas as pd

from .network import MultiLayerNet
from .optimizers import make_optimizer
from .seeding import generator
from .tables import Schema
from .trainer import Trainer, epoch_end_iterations, minibatch_schedule


# Skip input pixels that are 0 in every image an experiment uses (see used_inputs).
SKIP_BLANK_INPUTS = True

TAIL = 100  # iterations whose mean loss is a loss curve's "tail loss"


def used_inputs(*images):
    """(columns, images restricted to them): the input columns that are non-zero in at
    least one row of one of ``images`` (all columns if ``SKIP_BLANK_INPUTS`` is off).

    MNIST's border pixels are 0 in every image: 115 of 784 over the 300 training and
    10,000 test images of 6.4, 175 over the 1,000 of 6.3, 205 over the 500 of 6.5. A
    product with them is exactly 0, so the networks skip them (``select_inputs``) and
    compute the same outputs with up to a quarter fewer first-layer multiplications.
    (The loss curves of 6.1 and 6.2 train on all 60,000 images, blank in only 65 pixels:
    a pruned copy would add 172 MB to the job for about 1 s, so they keep every pixel.)
    """
    n_columns = images[0].shape[1]
    if not SKIP_BLANK_INPUTS:
        return np.arange(n_columns), images
    used = np.zeros(n_columns, dtype=bool)
    for x in images:
        used |= np.any(x != 0, axis=0)
    columns = np.flatnonzero(used)
    if len(columns) == n_columns:
        return columns, images
    return columns, tuple(np.ascontiguousarray(x[:, columns]) for x in images)


def build_network(seed, experiment, input_size, hidden_sizes, output_size=10, inputs=None, **network_kwargs):
    """A MultiLayerNet whose initial weights depend only on (seed, experiment).

    Variants built with the same seed and experiment draw the same standard normals,
    so they start from identical weights where their shapes match (scaled by their
    own weight std). Dropout masks come from a separate stream. ``inputs`` (column
    indices from ``used_inputs``) restricts the net to those inputs after the draw, so
    the kept weights are the ones the full net would have.
    """
    net = MultiLayerNet(input_size, hidden_sizes, output_size,
                        rng=generator(seed, experiment, "init"), **network_kwargs)
    if inputs is not None and len(inputs) < input_size:
        net.select_inputs(inputs)
    dropout_rng = generator(seed, experiment, "dropout")
    for name, layer in net.layers.items():
        if name.startswith("Dropout"):
            layer.rng = dropout_rng
    return net


def epoch_schedule(seed, experiment, n_samples, batch_size, epochs):
    """Minibatches (with replacement, as the book) for ``epochs`` epochs of ``n_samples``."""
    iterations = epoch_end_iterations(n_samples, batch_size, epochs)[-1] if epochs else 0
    return minibatch_schedule(n_samples, batch_size, iterations, generator(seed, experiment, "batches"))


def train_epochs(network, optimizer, x_train, t_train, x_test, t_test, schedule, epochs):
    """Train and return (per-epoch DataFrame with epoch, train_acc, test_acc; diverged_at)."""
    trainer = Trainer(network, optimizer, x_train, t_train, schedule,
                      x_test=x_test, t_test=t_test, epochs=epochs, record_loss=False)
    h = trainer.train()
    table = pd.DataFrame({"epoch": h.epochs, "train_acc": h.train_acc, "test_acc": h.test_acc})
    return table, h.diverged_at


def diverged_value(diverged_at):
    return math.nan if diverged_at is None else float(diverged_at)


def paired_loss_curves(data, variants, hidden_sizes, batch_size, iterations, seed, experiment,
                       variant_column, evaluate=None, loss_after_update=True):
    """Train every variant on the same minibatches from the same initial weights.

    ``data`` is ((x_train, t_train), (x_test, t_test)); ``variants`` maps a name to
    ``(network_kwargs, optimizer_spec)`` with ``optimizer_spec = {"name": ..., **hyper}``.
    The loss of each iteration is the loss on that iteration's batch after the update
    (inference mode), as the book records it; with ``loss_after_update=False``, the loss of
    the same batch before the update (the one its gradient comes from: no second forward
    pass, a third less work). ``evaluate`` maps the accuracy columns of the
    summary to their (images, labels) (default: train_acc on the training images, test_acc
    on the test set).

    Returns {"loss": seed, <variant_column>, iteration, loss;
             "summary": seed, <variant_column>, final_loss, tail_loss, mean_loss, <evaluate's
                        columns: train_acc, test_acc>, diverged_at},
    where tail_loss is the mean loss of the last ``TAIL`` iterations and mean_loss the mean
    over all iterations (the area under the curve: lower means faster learning).
    """
    (x_train, t_train), (x_test, t_test) = data
    evaluate = evaluate or {"train_acc": (x_train, t_train), "test_acc": (x_test, t_test)}
    schedule = minibatch_schedule(len(x_train), batch_size, iterations, generator(seed, experiment, "batches"))
    curves, summary = [], []
    for name, (network_kwargs, optimizer_spec) in variants.items():
        spec = dict(optimizer_spec)
        optimizer = make_optimizer(spec.pop("name"), **spec)
        net = build_network(seed, experiment, x_train.shape[1], hidden_sizes, **network_kwargs)
        h = Trainer(net, optimizer, x_train, t_train, schedule, record_loss=loss_after_update).train()
        loss = np.asarray(h.train_loss)
        curves.append(pd.DataFrame({"seed": seed, variant_column: name, "iteration": np.arange(1, len(loss) + 1),
                                    "loss": loss}))
        diverged = h.diverged_at is not None
        summary.append({
            "seed": seed,
            variant_column: name,
            "final_loss": loss[-1],
            "tail_loss": float(np.mean(loss[-TAIL:])),
            "mean_loss": float(np.mean(loss)),
            **{column: np.nan if diverged else net.accuracy(x, t) for column, (x, t) in evaluate.items()},
            "diverged_at": diverged_value(h.diverged_at),
        })
    return {"loss": pd.concat(curves, ignore_index=True), "summary": pd.DataFrame(summary)}


def first_images(data, n):
    """((x_train[:n], t_train[:n]), test): the first ``n`` training images, and the test set."""
    (x, t), test = data
    if n > len(x):
        raise ValueError(f"train_size {n} exceeds the {len(x)} training images")
    return (x[:n], t[:n]), test


def loss_curve_schemas(settings, variants, column):
    """The tables of ``paired_loss_curves`` for the labels ``variants`` (variant column ``column``)."""
    labels = list(variants)
    loss = {"seed": "int", column: "str", "iteration": "int", "loss": "float"}
    summary = {"seed": "int", column: "str", **{name: "float" for name in (
        "final_loss", "tail_loss", "mean_loss", "train_acc", "test_acc", "diverged_at")}}
    return {"loss": Schema(loss, len(labels) * settings["iterations"], {column: labels}),
            "summary": Schema(summary, len(labels), {column: labels})}
