"""Pieces shared by the experiments: paired training of several variants."""

import math

import pandas as pd

from ..network import MultiLayerNet
from ..seeding import generator
from ..trainer import Trainer, epoch_end_iterations, minibatch_schedule


def build_network(seed, experiment, input_size, hidden_sizes, output_size=10, **network_kwargs):
    """A MultiLayerNet whose initial weights depend only on (seed, experiment).

    Variants built with the same seed and experiment draw the same standard normals,
    so they start from identical weights where their shapes match (scaled by their
    own weight std). Dropout masks come from a separate stream.
    """
    net = MultiLayerNet(input_size, hidden_sizes, output_size,
                        rng=generator(seed, experiment, "init"), **network_kwargs)
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
