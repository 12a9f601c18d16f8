"""The experiments as library functions: paired design, shapes of the tables, search ranking."""

import numpy as np
import pandas as pd
import pytest

from dlscratch import trainer as trainer_module
from dlscratch.experiments.batchnorm import batchnorm_comparison
from dlscratch.experiments import common
from dlscratch.experiments.common import build_network, used_inputs
from dlscratch.experiments.initialization import activation_histograms
from dlscratch.experiments.optimizers import optimizer_paths, paired_loss_curves
from dlscratch.experiments.regularization import baseline_epochs, first_epochs, overfit_run
from dlscratch.experiments.search import run_trials, sample_trials, summarize_trials, validation_split


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    x = rng.random((300, 20)).astype(np.float32)
    t = (x[:, :10].sum(axis=1) > 5).astype(np.int64) + 2 * (x[:, 10:].sum(axis=1) > 5)
    return (x[:200], t[:200]), (x[200:], t[200:])


@pytest.fixture
def recorded_batches(monkeypatch):
    """Every (network, batch) the Trainer trains on."""
    seen = []
    original = trainer_module.Trainer.step

    def step(self, batch, iteration):
        seen.append((self.network, batch.copy()))  # holding the network keeps its identity unique
        return original(self, batch, iteration)

    monkeypatch.setattr(trainer_module.Trainer, "step", step)
    return seen


def batches_per_network(seen):
    per = {}
    for net, batch in seen:
        per.setdefault(id(net), []).append(batch)
    return [np.array(b) for b in per.values()]


def test_all_optimizers_see_identical_batches(data, recorded_batches):
    variants = {n: ({}, {"name": n.lower()}) for n in ["SGD", "Momentum", "AdaGrad", "Adam"]}
    loss, summary = paired_loss_curves(data, variants, [8], 16, 25, seed=0, experiment="t", variant_column="optimizer")
    runs = batches_per_network(recorded_batches)
    assert len(runs) == 4 and runs[0].shape == (25, 16)
    for run in runs[1:]:
        np.testing.assert_array_equal(run, runs[0])
    assert loss.groupby("optimizer").size().tolist() == [25] * 4
    assert list(summary.optimizer) == ["SGD", "Momentum", "AdaGrad", "Adam"]


def test_variants_start_from_identical_weights():
    a = build_network(4, "batchnorm", 20, [8, 8], 3, weight_init_std=0.1, use_batchnorm=True)
    b = build_network(4, "batchnorm", 20, [8, 8], 3, weight_init_std=0.1, use_batchnorm=False)
    c = build_network(4, "batchnorm", 20, [8, 8], 3, weight_init_std=0.2, use_batchnorm=False)
    for key in b.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    np.testing.assert_allclose(c.params["W1"], 2 * b.params["W1"], rtol=1e-6)  # same normals, other scale
    d = build_network(5, "batchnorm", 20, [8, 8], 3, weight_init_std=0.1)
    assert not np.array_equal(d.params["W1"], b.params["W1"])


def test_batchnorm_pairs_share_batches(data, recorded_batches):
    (x, t), _ = data
    acc = batchnorm_comparison(x, t, [1.0, 0.1], [8, 8], lr=0.01, batch_size=50, epochs=2, seed=0)
    runs = batches_per_network(recorded_batches)
    assert len(runs) == 4
    for run in runs[1:]:
        np.testing.assert_array_equal(run, runs[0])
    assert acc.groupby(["weight_std", "model"]).size().tolist() == [3] * 4


def test_overfit_pairs_share_weights_and_batches(data, recorded_batches):
    without = overfit_run(data, 100, [8], 0.01, 50, 3, seed=1, experiment="weight_decay")
    with_decay = overfit_run(data, 100, [8], 0.01, 50, 3, seed=1, experiment="weight_decay", weight_decay_lambda=0.1)
    runs = batches_per_network(recorded_batches)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert without.epoch.tolist() == [0, 1, 2, 3]
    assert without.train_acc.iloc[0] == with_decay.train_acc.iloc[0]  # identical start


def test_first_epochs_of_a_longer_run_are_the_shorter_run(data):
    # what lets one unregularized run serve Fig 6-20 (201 epochs) and Fig 6-23 (301)
    short = overfit_run(data, 100, [8, 8], 0.05, 30, 3, seed=2)
    long = overfit_run(data, 100, [8, 8], 0.05, 30, 6, seed=2)
    assert long.epoch.max() == 6
    pd.testing.assert_frame_equal(first_epochs(long, 3, 100, 30), short)


def test_first_epochs_keeps_a_divergence_only_within_them():
    table = pd.DataFrame({"epoch": [0, 1, 2, 3], "train_acc": [0.1, 0.2, np.nan, np.nan],
                          "test_acc": [0.1, 0.2, np.nan, np.nan], "diverged_at": 5.0})
    # 100 images, batch 30: epochs end after 4, 7, 10 iterations
    assert first_epochs(table, 1, 100, 30).diverged_at.isna().all()
    assert (first_epochs(table, 2, 100, 30).diverged_at == 5.0).all()
    assert len(first_epochs(table, 2, 100, 30)) == 3


def test_baseline_is_shared_only_when_both_blocks_describe_the_same_run():
    decay = {"train_size": 300, "hidden_sizes": [100] * 6, "lr": 0.01, "batch_size": 100, "epochs": 201,
             "lambdas": [0.0, 0.1]}
    dropout = {"train_size": 300, "hidden_sizes": [100] * 6, "lr": 0.01, "batch_size": 100, "epochs": 301,
               "dropout_ratio": 0.15}
    assert baseline_epochs(decay, dropout) == 301
    assert baseline_epochs({**decay, "epochs": 400}, dropout) == 400
    assert baseline_epochs({**decay, "lambdas": [0.1]}, dropout) is None
    for key, value in [("train_size", 200), ("hidden_sizes", [100] * 5), ("lr", 0.02), ("batch_size", 50)]:
        assert baseline_epochs(decay, {**dropout, key: value}) is None, key


def test_paths_table():
    df = optimizer_paths({"SGD": {"name": "sgd", "lr": 0.95}, "Adam": {"name": "adam", "lr": 0.3}})
    assert df.groupby("optimizer").size().tolist() == [31, 31]
    np.testing.assert_allclose(df.f, df.x ** 2 / 20 + df.y ** 2)


def test_activation_histograms_count_every_value_in_range():
    cases = {"sig": {"activation": "sigmoid", "weight_std": 1.0}, "relu": {"activation": "relu", "weight_std": "he"}}
    hist, stats = activation_histograms(cases, seed=0, n_samples=50, n_units=10, n_layers=3, bins=30)
    sig = hist[hist.case == "sig"].groupby("layer")["count"].sum()
    assert (sig == 500).all()  # sigmoid values all lie in [0, 1]
    assert len(stats) == 6 and stats.loc[stats.case == "relu", "frac_zero"].between(0.2, 0.8).all()


def test_random_search_split_sampling_and_ranking(data):
    (x, t), _ = data
    split = validation_split(x, t, 150, 0.2, seed=0)
    (xt, tt), (xv, tv) = split
    assert len(xv) == 30 and len(xt) == 120
    trials = sample_trials(0, 6)
    assert trials.lr.between(1e-6, 1e-2).all() and trials.weight_decay.between(1e-8, 1e-4).all()
    pd.testing.assert_frame_equal(trials, sample_trials(0, 6))
    curves = run_trials(split, trials.iloc[:3], [8], 40, 2, seed=0)
    summary = summarize_trials(curves)
    assert summary["rank"].tolist() == [1, 2, 3]
    assert summary.val_acc.is_monotonic_decreasing


def test_summarize_ranks_diverged_trials_last():
    curves = pd.DataFrame({"trial": [0, 0, 1, 1], "lr": [1e-3, 1e-3, 1e-2, 1e-2], "weight_decay": [1e-6] * 4,
                           "epoch": [0, 1, 0, 1], "train_acc": [0.1, 0.5, 0.1, np.nan],
                           "val_acc": [0.1, 0.4, 0.9, np.nan], "diverged_at": [np.nan, np.nan, 3.0, 3.0]})
    summary = summarize_trials(curves)
    assert summary.trial.tolist() == [0, 1] and np.isnan(summary.val_acc.iloc[1])


@pytest.fixture
def blank_data(data):
    """``data`` with columns 0, 7 and 19 blank in every image (as MNIST's border pixels)."""
    (x, t), (xt, tt) = data
    x, xt = x.copy(), xt.copy()
    x[:, [0, 7, 19]] = 0
    xt[:, [0, 7, 19]] = 0
    return (x, t), (xt, tt)


def test_used_inputs_keeps_every_column_non_zero_somewhere(blank_data):
    (x, _), (xt, _) = blank_data
    xt = xt.copy()
    xt[3, 7] = 0.5  # non-zero in one test image only: kept
    columns, (a, b) = used_inputs(x, xt)
    assert columns.tolist() == [c for c in range(20) if c not in (0, 19)]
    np.testing.assert_array_equal(a, x[:, columns])
    np.testing.assert_array_equal(b, xt[:, columns])


def skipping_changes_nothing(monkeypatch, run):
    skipped = run()
    monkeypatch.setattr(common, "SKIP_BLANK_INPUTS", False)
    full = run()
    for a, b in zip(skipped if isinstance(skipped, tuple) else (skipped,), full if isinstance(full, tuple) else (full,)):
        pd.testing.assert_frame_equal(a, b, rtol=1e-4, atol=1e-5)


def test_skipping_blank_inputs_changes_no_experiment_result(blank_data, monkeypatch):
    (x, t), _ = blank_data
    runs = [
        lambda: batchnorm_comparison(x, t, [1.0, 0.1], [8, 8], lr=0.05, batch_size=50, epochs=3, seed=0),
        lambda: overfit_run(blank_data, 100, [8, 8], 0.05, 20, 4, seed=1, weight_decay_lambda=0.1),
        lambda: run_trials(validation_split(x, t, 150, 0.2, seed=0), sample_trials(0, 2), [8], 40, 3, seed=0),
    ]
    for run in runs:
        with monkeypatch.context() as patch:
            skipping_changes_nothing(patch, run)
