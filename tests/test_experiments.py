"""The experiments as library functions: paired design, shapes of the tables, search ranking."""

import numpy as np
import pandas as pd
import pytest
from conftest import toy_digits

from dlscratch import trainer as trainer_module
from dlscratch import paired as common
from dlscratch.chapter.batchnorm import batchnorm
from dlscratch.paired import build_network, paired_loss_curves, used_inputs
from dlscratch.chapter.initialization import activations
from dlscratch.chapter.optimizers import optimizer_paths
from dlscratch.chapter.regularization import (baseline_epochs, dropout, first_epochs, overfit_baseline,
                                                  overfit_run, weight_decay)
from dlscratch.chapter.search import (combine_shards, random_search, run_trials, sample_trials,
                                          summarize_trials, validation_split)


@pytest.fixture
def data():
    return toy_digits(seed=3, n_train=200, n_test=100)


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
    tables = paired_loss_curves(data, variants, [8], 16, 25, seed=0, experiment="t", variant_column="optimizer")
    loss, summary = tables["loss"], tables["summary"]
    runs = batches_per_network(recorded_batches)
    assert len(runs) == 4 and runs[0].shape == (25, 16)
    for run in runs[1:]:
        np.testing.assert_array_equal(run, runs[0])
    assert loss.groupby("optimizer").size().tolist() == [25] * 4
    assert list(summary.optimizer) == ["SGD", "Momentum", "AdaGrad", "Adam"]
    assert (loss.seed == 0).all() and (summary.seed == 0).all()


def test_variants_start_from_identical_weights():
    a = build_network(4, "batchnorm", 20, [8, 8], 3, weight_init_std=0.1, use_batchnorm=True)
    b = build_network(4, "batchnorm", 20, [8, 8], 3, weight_init_std=0.1, use_batchnorm=False)
    c = build_network(4, "batchnorm", 20, [8, 8], 3, weight_init_std=0.2, use_batchnorm=False)
    for key in b.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    np.testing.assert_allclose(c.params["W1"], 2 * b.params["W1"], rtol=1e-6)  # same normals, other scale
    d = build_network(5, "batchnorm", 20, [8, 8], 3, weight_init_std=0.1)
    assert not np.array_equal(d.params["W1"], b.params["W1"])


def bn_settings(stds, **changes):
    """A batchnorm block whose logspace gives ``stds`` (powers of ten)."""
    logs = np.log10(stds)
    space = {"start": float(logs[0]), "stop": float(logs[-1]), "num": len(stds)}
    return {"train_size": 200, "hidden_sizes": [8, 8], "lr": 0.01, "batch_size": 50, "epochs": 2,
            "weight_std_logspace": space, **changes}


def test_batchnorm_pairs_share_batches(data, recorded_batches):
    acc = batchnorm(bn_settings([1.0, 0.1]), data, seed=0)["accuracy"]
    runs = batches_per_network(recorded_batches)
    assert len(runs) == 4
    for run in runs[1:]:
        np.testing.assert_array_equal(run, runs[0])
    assert acc.groupby(["weight_std", "model"]).size().tolist() == [3] * 4
    assert (acc.seed == 0).all() and list(acc.columns[:4]) == ["seed", "std_index", "weight_std", "model"]


def overfit_settings(**changes):
    return {"train_size": 100, "hidden_sizes": [8], "lr": 0.01, "batch_size": 50, "epochs": 3, **changes}


def test_overfit_pairs_share_weights_and_batches(data, recorded_batches):
    tables = weight_decay(overfit_settings(lambdas=[0.0, 0.1]), data, seed=1)
    assert list(tables) == ["lambda0", "lambda0.1"]
    runs = batches_per_network(recorded_batches)
    np.testing.assert_array_equal(runs[0], runs[1])
    without, with_decay = tables["lambda0"], tables["lambda0.1"]
    assert without.epoch.tolist() == [0, 1, 2, 3] and (without.weight_decay == 0).all()
    assert without.train_acc.iloc[0] == with_decay.train_acc.iloc[0]  # identical start
    assert (with_decay.weight_decay == 0.1).all() and (with_decay.seed == 1).all()


def test_dropout_variants_and_the_part_a_job_runs(data):
    settings = overfit_settings(dropout_ratio=0.15)
    both = dropout(settings, data, seed=0)
    assert list(both) == ["without", "with"]
    assert both["with"].dropout_ratio.eq(0.15).all() and both["without"].dropout_ratio.eq(0.0).all()
    only = dropout({**settings, "variants": ["with"]}, data, seed=0)
    assert list(only) == ["with"]
    pd.testing.assert_frame_equal(only["with"], both["with"])


def test_first_epochs_of_a_longer_run_are_the_shorter_run(data):
    # what lets one unregularized run serve Fig 6-20 (201 epochs) and Fig 6-23 (301)
    settings = overfit_settings(hidden_sizes=[8, 8], lr=0.05, batch_size=30)
    short = overfit_run(settings, data, seed=2)
    long = overfit_run(settings, data, seed=2, epochs=6)
    assert long.epoch.max() == 6
    pd.testing.assert_frame_equal(first_epochs(long, settings), short)


def test_shared_baseline_equals_the_runs_of_each_experiment(data):
    decay = overfit_settings(lambdas=[0.0, 0.1], epochs=2)
    drop = overfit_settings(dropout_ratio=0.15, epochs=4)
    shared = overfit_baseline({"weight_decay": decay, "dropout": drop}, data, seed=3)
    pd.testing.assert_frame_equal(shared["lambda0"], weight_decay(decay, data, seed=3)["lambda0"])
    pd.testing.assert_frame_equal(shared["without"], dropout(drop, data, seed=3)["without"])


def test_first_epochs_keeps_a_divergence_only_within_them():
    table = pd.DataFrame({"epoch": [0, 1, 2, 3], "train_acc": [0.1, 0.2, np.nan, np.nan],
                          "test_acc": [0.1, 0.2, np.nan, np.nan], "diverged_at": 5.0})
    # 100 images, batch 30: epochs end after 4, 7, 10 iterations
    settings = {"train_size": 100, "batch_size": 30}
    assert first_epochs(table, {**settings, "epochs": 1}).diverged_at.isna().all()
    assert (first_epochs(table, {**settings, "epochs": 2}).diverged_at == 5.0).all()
    assert len(first_epochs(table, {**settings, "epochs": 2})) == 3


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
    settings = {"start": [-7.0, 2.0], "steps": 30,
                "optimizers": {"SGD": {"name": "sgd", "lr": 0.95}, "Adam": {"name": "adam", "lr": 0.3}}}
    df = optimizer_paths(settings)["paths"]
    assert df.groupby("optimizer").size().tolist() == [31, 31]
    np.testing.assert_allclose(df.f, df.x ** 2 / 20 + df.y ** 2)


def test_activation_histograms_count_every_value_in_range():
    cases = {"sig": {"activation": "sigmoid", "weight_std": 1.0}, "relu": {"activation": "relu", "weight_std": "he"}}
    settings = {"cases": cases, "n_samples": 50, "n_units": 10, "n_layers": 3, "bins": 30}
    tables = activations(settings, None, seed=0)
    hist, stats = tables["histograms"], tables["stats"]
    sig = hist[hist.case == "sig"].groupby("layer")["count"].sum()
    assert (sig == 500).all()  # sigmoid values all lie in [0, 1]
    assert len(stats) == 6 and stats.loc[stats.case == "relu", "frac_zero"].between(0.2, 0.8).all()
    assert (hist.seed == 0).all() and (stats.seed == 0).all()


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


def test_random_search_shards_together_are_the_whole_search(data):
    settings = {"trials": 5, "shards": 2, "lr_exponents": [-3, -1], "weight_decay_exponents": [-8, -4],
                "subset_size": 150, "validation_rate": 0.2, "hidden_sizes": [8], "batch_size": 40, "epochs": 2}
    whole = random_search(settings, data, seed=4)
    shards = [random_search({**settings, "shard": k}, data, seed=4)[f"shard{k}"] for k in range(2)]
    assert shards[0].trial.unique().tolist() == [0, 1, 2] and shards[1].trial.unique().tolist() == [3, 4]
    combined = combine_shards(shards)
    for name in ("curves", "summary"):
        pd.testing.assert_frame_equal(combined[name], whole[name])
    assert whole["summary"]["rank"].tolist() == [1, 2, 3, 4, 5] and (whole["summary"].seed == 4).all()


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
        lambda: batchnorm(bn_settings([1.0, 0.1], lr=0.05, epochs=3), blank_data, seed=0)["accuracy"],
        lambda: overfit_run(overfit_settings(hidden_sizes=[8, 8], lr=0.05, batch_size=20, epochs=4), blank_data,
                            seed=1, weight_decay_lambda=0.1),
        lambda: run_trials(validation_split(x, t, 150, 0.2, seed=0), sample_trials(0, 2), [8], 40, 3, seed=0),
    ]
    for run in runs:
        with monkeypatch.context() as patch:
            skipping_changes_nothing(patch, run)


def test_function_surface_tables_are_f_and_its_negative_gradient():
    from dlscratch.chapter.optimizers import function_surface, function_surface_schemas

    settings = {"x_range": [-10, 10], "y_range": [-5, 5], "surface_step": 0.5, "arrow_step": 2.5}
    tables = function_surface(settings)
    surface, gradient = tables["surface"], tables["gradient"]
    assert len(surface) == 41 * 21 and len(gradient) == 9 * 5
    np.testing.assert_allclose(surface.f, surface.x ** 2 / 20 + surface.y ** 2)
    np.testing.assert_allclose(gradient.gx, -gradient.x / 10)
    np.testing.assert_allclose(gradient.gy, -2 * gradient.y)
    assert {surface.x.min(), surface.x.max(), surface.y.min(), surface.y.max()} == {-10, 10, -5, 5}
    schemas = function_surface_schemas(settings)
    assert schemas["surface"].rows == len(surface) and schemas["gradient"].rows == len(gradient)


def bn_accuracy(finals, seeds=(0, 1), epochs=4):
    """A BN accuracy table: finals[std_index] = (BN final, plain final); both rise linearly from 0.1."""
    rows = []
    for seed in seeds:
        for index, (bn, plain) in enumerate(finals):
            for model, final in (("batchnorm", bn), ("plain", plain)):
                for epoch in range(epochs + 1):
                    rows.append({"seed": seed, "std_index": index, "weight_std": 10.0 ** -index, "model": model,
                                 "epoch": epoch, "train_acc": 0.1 + (final - 0.1) * epoch / epochs,
                                 "diverged_at": np.nan, "chance": 0.117})
    return pd.DataFrame(rows)


def test_fig6_18_panel_is_the_learning_scale_where_batchnorm_is_furthest_ahead():
    from dlscratch.choices import panel_choice

    # scale 0: plain ahead; 1: BN far ahead, plain learns; 2: BN further ahead, plain barely above chance
    acc = bn_accuracy([(0.6, 0.9), (0.9, 0.3), (0.95, 0.12)])
    index, how, table = panel_choice(acc, {"single_panel_std_index": None})
    assert index == 2 and "chosen by rule" in how and "above chance, 0.117" in how
    assert table.plain_learns.tolist() == [True, True, True]  # 0.12 is above chance (0.117)
    np.testing.assert_allclose(table.advantage, [-0.15, 0.3, 0.415])
    acc.loc[(acc.std_index == 2) & (acc.model == "plain") & (acc.epoch == 4), "train_acc"] = 0.117  # at chance
    index, how, table = panel_choice(acc, {"single_panel_std_index": None})
    assert index == 1 and table.plain_learns.tolist() == [True, True, False]
    # one seed where the plain net ends at chance at scale 1 takes it out
    acc.loc[(acc.seed == 1) & (acc.std_index == 1) & (acc.model == "plain") & (acc.epoch == 4), "train_acc"] = 0.117
    assert panel_choice(acc, {"single_panel_std_index": None})[0] == 0
    # no scale where the plain net learns in every seed: no panel; an explicit index still picks one
    nowhere = bn_accuracy([(0.9, 0.1), (0.9, 0.117)])
    assert panel_choice(nowhere, {"single_panel_std_index": None})[0] is None
    assert panel_choice(nowhere, {"single_panel_std_index": 1})[:2] == (1, "set by batchnorm.single_panel_std_index = 1")
