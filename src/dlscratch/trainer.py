"""Minibatch training: schedules of batch indices and the training loop.

The book draws each minibatch with replacement (``choice(N, batch_size)``), a fresh
draw per step; ``minibatch_schedule`` does the same from a seeded Generator, up front,
so that several networks can be trained on exactly the same batches (a paired
comparison: the difference between them is the technique's, not the draw's).
"""

import math
from dataclasses import dataclass, field

import numpy as np


def iterations_per_epoch(n_samples, batch_size):
    """N / batch as a real number, at least 1 (as the book's Trainer)."""
    return max(n_samples / batch_size, 1.0)


def minibatch_schedule(n_samples, batch_size, iterations, rng):
    """An (iterations, batch_size) array of sample indices: every batch drawn independently,
    with replacement, as the book's ``np.random.choice(N, batch_size)``."""
    if batch_size < 1 or iterations < 0:
        raise ValueError(f"need batch_size >= 1 and iterations >= 0, got {batch_size}, {iterations}")
    return rng.integers(0, n_samples, size=(iterations, batch_size))


def epoch_end_iterations(n_samples, batch_size, epochs):
    """Iteration counts at which epoch 1, 2, ..., ``epochs`` ends.

    Epoch k ends after ceil(k * N / batch) iterations, so no epoch is skipped when N is
    not a multiple of the batch size (the book's ``iter % iter_per_epoch`` would).
    """
    per_epoch = iterations_per_epoch(n_samples, batch_size)
    return [math.ceil(k * per_epoch - 1e-9) for k in range(1, epochs + 1)]


@dataclass
class TrainingHistory:
    """What a training run records.

    ``train_loss[i]`` is the loss on batch i after update i (inference mode, as the
    book); ``epochs``, ``train_acc`` and ``test_acc`` hold one entry per evaluation,
    epoch 0 being before any update. ``diverged_at`` is the first iteration (1-based)
    whose loss was not finite; training stops there and later values stay NaN.
    """

    train_loss: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    diverged_at: int | None = None


class Trainer:
    """Train ``network`` with ``optimizer`` on minibatches given by ``schedule``.

    ``schedule`` is an (iterations, batch) array from ``minibatch_schedule``; pass the
    same one to several trainers for a paired comparison. With ``epochs`` given,
    accuracy on ``(x_train, t_train)`` and on ``(x_test, t_test)`` is recorded before
    training and at the end of every epoch.
    """

    def __init__(self, network, optimizer, x_train, t_train, schedule, x_test=None, t_test=None,
                 epochs=None, record_loss=True):
        self.network = network
        self.optimizer = optimizer
        self.x_train = x_train
        self.t_train = t_train
        self.schedule = np.asarray(schedule)
        self.x_test = x_test
        self.t_test = t_test
        self.record_loss = record_loss
        batch_size = self.schedule.shape[1] if self.schedule.ndim == 2 else 1
        self.eval_at = set(epoch_end_iterations(len(x_train), batch_size, epochs)) if epochs else set()
        self.history = TrainingHistory()

    def _evaluate(self, epoch):
        h = self.history
        h.epochs.append(epoch)
        if h.diverged_at is not None:
            h.train_acc.append(math.nan)
            h.test_acc.append(math.nan)
            return
        h.train_acc.append(self.network.accuracy(self.x_train, self.t_train))
        h.test_acc.append(self.network.accuracy(self.x_test, self.t_test) if self.x_test is not None else math.nan)

    def train(self):
        h = self.history
        evaluate = bool(self.eval_at)
        if evaluate:
            self._evaluate(0)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for i, batch in enumerate(self.schedule, start=1):
                if h.diverged_at is None:
                    self.step(batch, i)
                else:
                    h.train_loss.append(math.nan)
                if evaluate and i in self.eval_at:
                    self._evaluate(len(h.epochs))
        return h

    def step(self, batch, iteration):
        x, t = self.x_train[batch], self.t_train[batch]
        grads = self.network.gradient(x, t)
        self.optimizer.update(self.network.params, grads)
        loss = float(self.network.loss(x, t)) if self.record_loss else float(self.network.last_loss)
        if not math.isfinite(loss):  # non-finite parameters make the loss NaN too
            self.history.diverged_at = iteration
            loss = math.nan
        self.history.train_loss.append(loss)
