"""Trainer: schedules, epoch accounting, determinism, divergence, and real learning on MNIST."""

import math

import numpy as np
import pytest

from dlscratch.network import MultiLayerNet
from dlscratch.optimizers import SGD, AdaGrad
from dlscratch.smoothing import smooth_curve
from dlscratch.trainer import Trainer, epoch_end_iterations, minibatch_schedule


def test_schedule_with_replacement_is_seeded():
    a = minibatch_schedule(50, 8, 10, np.random.default_rng(1))
    b = minibatch_schedule(50, 8, 10, np.random.default_rng(1))
    c = minibatch_schedule(50, 8, 10, np.random.default_rng(2))
    assert a.shape == (10, 8) and a.min() >= 0 and a.max() < 50
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_epochs_are_not_skipped_when_n_is_not_a_multiple_of_the_batch():
    # N = 250, batch 100: epochs end after 3, 5, 8, 10 iterations (the book's
    # `i % 2.5 == 0` would only fire at 0, 5, 10)
    assert epoch_end_iterations(250, 100, 4) == [3, 5, 8, 10]
    assert epoch_end_iterations(300, 100, 3) == [3, 6, 9]
    assert epoch_end_iterations(50, 100, 2) == [1, 2]  # at least one iteration per epoch


def toy_problem(n=250, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 5)).astype(np.float32)
    t = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x, t


def make_trainer(seed=0, epochs=4, n=250, lr=0.1, weight_init_std="relu"):
    x, t = toy_problem(n)
    net = MultiLayerNet(5, [8], 2, weight_init_std=weight_init_std, rng=np.random.default_rng(seed))
    iters = epoch_end_iterations(n, 100, epochs)[-1]
    schedule = minibatch_schedule(n, 100, iters, np.random.default_rng(seed + 100))
    return Trainer(net, SGD(lr), x, t, schedule, x_test=x[:50], t_test=t[:50], epochs=epochs)


def test_records_one_loss_per_iteration_and_accuracy_per_epoch():
    trainer = make_trainer(epochs=4)
    h = trainer.train()
    assert len(h.train_loss) == 10
    assert h.epochs == [0, 1, 2, 3, 4]
    assert len(h.train_acc) == len(h.test_acc) == 5
    assert h.diverged_at is None
    # the recorded loss is the loss on that batch after the update, in inference mode
    x, t = toy_problem()
    last_batch = trainer.schedule[-1]
    assert h.train_loss[-1] == pytest.approx(float(trainer.network.loss(x[last_batch], t[last_batch])))


def test_same_seed_same_parameters_different_seed_different():
    a, b, c = make_trainer(seed=1), make_trainer(seed=1), make_trainer(seed=2)
    for tr in (a, b, c):
        tr.train()
    for key in a.network.params:
        np.testing.assert_array_equal(a.network.params[key], b.network.params[key])
    assert not np.array_equal(a.network.params["W1"], c.network.params["W1"])
    assert a.history.train_loss == b.history.train_loss


def test_divergence_is_recorded_not_raised():
    trainer = make_trainer(lr=1e6, weight_init_std=100.0)
    h = trainer.train()
    assert h.diverged_at is not None and 1 <= h.diverged_at <= 10
    assert all(math.isnan(v) for v in h.train_loss[h.diverged_at - 1 :])
    assert math.isnan(h.train_acc[-1])


def test_smooth_curve_matches_the_books_definition():
    x = np.random.default_rng(0).standard_normal(40)
    s = np.r_[x[10:0:-1], x, x[-1:-11:-1]]
    w = np.kaiser(11, 2)
    expected = np.convolve(w / w.sum(), s, mode="valid")[5:-5]
    out = smooth_curve(x)
    assert out.shape == x.shape
    np.testing.assert_allclose(out, expected, rtol=1e-13)
    np.testing.assert_allclose(smooth_curve(np.full(30, 2.5)), 2.5)


def test_real_training_on_mnist_learns():
    from dlscratch.datasets import load_mnist

    (x_train, t_train), (x_test, t_test) = load_mnist()
    rng = np.random.default_rng(0)
    net = MultiLayerNet(784, [100, 100], 10, rng=rng)
    schedule = minibatch_schedule(len(x_train), 100, 600, rng)
    trainer = Trainer(net, AdaGrad(0.01), x_train, t_train, schedule, record_loss=False)
    h = trainer.train()
    assert np.mean(h.train_loss[:20]) > 1.0 and np.mean(h.train_loss[-50:]) < 0.4
    acc = net.accuracy(x_test, t_test)
    assert acc > 0.9, acc


@pytest.mark.parametrize("one_hot", [False, True])
def test_epoch_accuracies_are_the_networks_accuracy_on_each_set(one_hot):
    rng = np.random.default_rng(4)
    x = rng.random((2300, 12)).astype(np.float32)
    t = (x[:, :6].sum(axis=1) > x[:, 6:].sum(axis=1)).astype(np.int64)
    labels = np.eye(2, dtype=np.int64)[t] if one_hot else t
    net = MultiLayerNet(12, [10], 2, rng=np.random.default_rng(0))
    schedule = minibatch_schedule(300, 50, 12, np.random.default_rng(1))
    h = Trainer(net, SGD(lr=0.5), x[:300], labels[:300], schedule, x_test=x[300:], t_test=labels[300:],
                epochs=2, record_loss=False).train()
    # one pass over training and test images together (chunks of 1,000 straddle the two)
    assert h.train_acc[-1] == net.accuracy(x[:300], labels[:300])
    assert h.test_acc[-1] == net.accuracy(x[300:], labels[300:])
    assert 0.5 < h.test_acc[-1] <= 1.0 and h.train_acc[0] != h.train_acc[-1]
