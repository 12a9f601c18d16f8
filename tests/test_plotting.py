"""Figures drawn from small fabricated tables: panels, titles, lines, NaN handling, saving."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from dlscratch.chapter.batchnorm import plot_batchnorm_grid, plot_batchnorm_grid_band, plot_batchnorm_single
from dlscratch.chapter.initialization import plot_activation_histograms
from dlscratch.chapter.optimizers import plot_paths
from dlscratch.chapter.regularization import plot_train_test, plot_train_test_band
from dlscratch.chapter.search import plot_random_search_grid, plot_random_search_scatter
from dlscratch.plotting import plot_loss_band, plot_loss_curves, save_figure
from dlscratch.smoothing import smooth_curve


def loss_table(rng, groups, n=60, seeds=(0,)):
    """Noisy decaying loss curves, one per group and seed."""
    it = np.arange(1, n + 1)
    rows = [
        pd.DataFrame({"optimizer": g, "seed": s, "iteration": it,
                      "loss": 2.3 * np.exp(-it / (10 + k)) + rng.random(n) * 0.1})
        for k, g in enumerate(groups)
        for s in seeds
    ]
    return pd.concat(rows, ignore_index=True)


def bn_table(stds, epochs=5, seeds=(0,)):
    rows = []
    for std in stds:
        for model, top in (("batchnorm", 0.9), ("plain", 0.5)):
            for seed in seeds:
                e = np.arange(epochs + 1)
                acc = top * (1 - np.exp(-(e + 1) / 2)) + 0.01 * seed
                rows.append(pd.DataFrame({"weight_std": std, "model": model, "seed": seed, "epoch": e,
                                          "train_acc": acc, "diverged_at": np.nan}))
    return pd.concat(rows, ignore_index=True)


def titles(fig):
    return [ax.get_title() for ax in fig.axes]


def legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def all_text(ax):
    return "\n".join(t.get_text() for t in ax.texts)


# --------------------------------------------------------------------------- paths


def paths_table():
    rows = []
    for name, lr in (("SGD", 0.95), ("Momentum", 0.1), ("AdaGrad", 1.5), ("Adam", 0.3)):
        steps = np.arange(31)
        rows.append(pd.DataFrame({"optimizer": name, "lr": lr, "step": steps,
                                  "x": -7.0 * 0.9**steps, "y": 2.0 * (-0.8) ** steps}))
    return pd.concat(rows, ignore_index=True)


def test_plot_paths_grid_of_four():
    paths = paths_table()
    fig, _ = plot_paths(paths, ["SGD", "Momentum", "AdaGrad", "Adam"], ncols=2)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4
    assert titles(fig) == ["SGD (lr=0.95)", "Momentum (lr=0.1)", "AdaGrad (lr=1.5)", "Adam (lr=0.3)"]
    ax = fig.axes[0]
    path = ax.lines[0]
    assert path.get_color() == "red" and path.get_marker() == "o"
    np.testing.assert_array_equal(path.get_xdata(), paths.loc[paths.optimizer == "SGD", "x"])
    assert ax.get_xlim() == (-10, 10) and ax.get_ylim() == (-10, 10)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")


def test_a_path_that_ends_outside_the_books_box_grows_the_box_and_the_caption_says_so():
    paths = paths_table()
    sgd = paths.optimizer == "SGD"
    paths.loc[sgd, "y"] = 2.0 * 1.1 ** paths.loc[sgd, "step"]  # ends at 2 * 1.1**30 = 34.9
    fig, found = plot_paths(paths, ["SGD", "Adam"], ncols=2)
    for ax in fig.axes:  # the same box on every panel
        assert ax.get_xlim() == (-10, 10) and ax.get_ylim()[0] == -10 and ax.get_ylim()[1] >= 2.0 * 1.1**30
    assert found["axis"].startswith("The y axis grows to -10–") and "where SGD ends" in found["axis"]


def test_plot_paths_diverged_path_is_flagged():
    paths = paths_table()
    paths.loc[(paths.optimizer == "SGD") & (paths.step > 10), ["x", "y"]] = np.nan
    fig, _ = plot_paths(paths, ["SGD"], ncols=1)
    assert len(fig.axes) == 1
    assert fig.axes[0].get_title() == "SGD (lr=0.95) (diverged)"


# --------------------------------------------------------------------------- loss curves


def test_plot_loss_curves_draws_smoothed_losses(rng):
    loss = loss_table(rng, ["SGD", "Momentum", "AdaGrad", "Adam"])
    fig, _ = plot_loss_curves(loss, "optimizer", ["SGD", "Momentum", "AdaGrad", "Adam"], ylim=(0, 1))
    (ax,) = fig.axes
    assert len(ax.lines) == 4
    assert legend_labels(ax) == ["SGD", "Momentum", "AdaGrad", "Adam"]
    assert [line.get_marker() for line in ax.lines] == ["o", "x", "s", "D"]
    momentum = loss.loc[loss.optimizer == "Momentum", "loss"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), smooth_curve(momentum))
    assert ax.get_ylim() == (0, 1) and ax.get_xlabel() == "iterations" and ax.get_ylabel() == "loss"


def test_a_loss_axis_keeps_the_chapters_range_where_the_curves_end_inside_it_and_grows_where_they_do_not(rng):
    loss = loss_table(rng, ["SGD", "Adam"])
    fig, found = plot_loss_curves(loss, "optimizer", ["SGD", "Adam"], ylim=(0, 3))
    assert fig.axes[0].get_ylim() == (0, 3) and found == {"axis": ""}
    high = loss.assign(loss=loss["loss"] + np.where(loss.optimizer == "Adam", 5.0, 0.0))  # Adam ends above 3
    fig, found = plot_loss_curves(high, "optimizer", ["SGD", "Adam"], ylim=(0, 3))
    low, top = fig.axes[0].get_ylim()
    adam = smooth_curve(high.loc[high.optimizer == "Adam", "loss"].to_numpy())
    assert low == 0 and top >= adam[-6:].max() > 3  # the last tenth of every curve on the axis
    assert found["axis"].startswith(f"The loss axis grows to 0–{top:.3g}") and "where Adam ends" in found["axis"]
    band, found = plot_loss_band(high.assign(seed=0), "optimizer", ["SGD", "Adam"], ylim=(0, 3))
    assert band.axes[0].get_ylim()[1] > 3 and "Adam" in found["axis"]


def test_plot_loss_curves_sorts_by_iteration(rng):
    loss = loss_table(rng, ["SGD"])
    fig, _ = plot_loss_curves(loss.sample(frac=1, random_state=0), "optimizer", ["SGD"], ylim=(0, 3))
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), smooth_curve(loss["loss"]))


def test_plot_loss_curves_diverged_run_smooths_finite_prefix(rng):
    loss = loss_table(rng, ["SGD", "Adam"])
    sgd = loss.optimizer == "SGD"
    loss.loc[sgd & (loss.iteration > 30), "loss"] = np.nan
    fig, _ = plot_loss_curves(loss.rename(columns={"optimizer": "init"}), "init", ["SGD", "Adam"], ylim=(0, 3))
    (ax,) = fig.axes
    assert legend_labels(ax) == ["SGD (diverged)", "Adam"]
    y = ax.lines[0].get_ydata()
    np.testing.assert_allclose(y[:30], smooth_curve(loss.loc[sgd, "loss"].to_numpy()[:30]))
    assert np.isnan(y[30:]).all()


def test_plot_loss_curves_survives_immediate_divergence(rng):
    loss = loss_table(rng, ["SGD"])
    loss.loc[loss.iteration > 3, "loss"] = np.nan  # too short to smooth: drawn as is
    fig, _ = plot_loss_curves(loss, "optimizer", ["SGD"], ylim=(0, 3))
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata()[:3], loss["loss"][:3])


def test_plot_loss_band_mean_and_title(rng):
    loss = loss_table(rng, ["SGD", "Adam"], seeds=(0, 1, 2))
    loss.loc[(loss.optimizer == "Adam") & (loss.seed == 2) & (loss.iteration > 40), "loss"] = np.nan
    fig, _ = plot_loss_band(loss, "optimizer", ["SGD", "Adam"], ylim=(0, 3))
    (ax,) = fig.axes
    assert ax.get_title() == "mean and min–max over 3 seeds"
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    assert legend_labels(ax) == ["SGD", "Adam (diverged in 1/3 seeds)"]
    sgd = loss[loss.optimizer == "SGD"]
    expected = np.mean([smooth_curve(sgd.loc[sgd.seed == s, "loss"]) for s in (0, 1, 2)], axis=0)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), expected)
    assert np.isfinite(ax.lines[1].get_ydata()).all()  # the other seeds carry the mean on


# --------------------------------------------------------------------------- histograms


def hist_table(cases):
    edges = np.linspace(0, 1, 31)
    return pd.DataFrame([
        {"case": case, "layer": layer, "bin_left": edges[b], "bin_right": edges[b + 1], "count": (b * layer) % 7 * layer}
        for case in cases for layer in range(1, 6) for b in range(30)
    ])


def test_plot_activation_histograms_rows_and_panels():
    cases = ["relu_std0.01", "relu_xavier", "relu_he"]
    fig = plot_activation_histograms(hist_table(cases), cases, row_labels={"relu_he": "He"})
    assert len(fig.axes) == 15
    assert titles(fig)[:5] == ["1-layer", "2-layer", "3-layer", "4-layer", "5-layer"]
    assert [fig.axes[5 * r].get_ylabel() for r in range(3)] == ["relu_std0.01", "relu_xavier", "He"]
    assert len(fig.axes[0].patches) == 30
    assert fig.axes[7].patches[3].get_height() == (3 * 3) % 7 * 3
    assert fig.axes[0].yaxis.get_tick_params()["labelleft"]
    assert not fig.axes[1].yaxis.get_tick_params()["labelleft"]
    assert fig.axes[1].get_shared_y_axes().joined(fig.axes[0], fig.axes[4])
    assert fig.axes[0].get_ylim()[1] >= 30  # the row's shared scale covers layer 5's counts


def test_plot_activation_histograms_ignores_nan_counts():
    hist = hist_table(["sigmoid_std1"])
    hist.loc[hist.layer == 5, "count"] = np.nan
    fig = plot_activation_histograms(hist, ["sigmoid_std1"])
    assert len(fig.axes) == 5 and len(fig.axes[4].patches) == 0


# --------------------------------------------------------------------------- batch normalization


STDS = list(np.logspace(0, -4, num=16))


def test_plot_batchnorm_grid_sixteen_panels():
    acc = bn_table(STDS)
    fig = plot_batchnorm_grid(acc, STDS)
    assert len(fig.axes) == 16
    assert titles(fig)[0] == "W:1.0" and titles(fig)[-1] == "W:0.0001"  # the book's "W:" + str(w)
    first, last = fig.axes[0], fig.axes[-1]
    assert len(first.lines) == 2
    assert [line.get_linestyle() for line in first.lines] == ["-", "--"]
    assert first.get_legend() is None
    assert legend_labels(last) == ["Batch Normalization", "Normal(without BatchNorm)"]
    assert first.get_ylabel() == "accuracy" and first.get_xlabel() == ""
    assert last.get_xlabel() == "epochs" and last.get_ylabel() == ""
    assert first.get_ylim() == (0, 1)
    bn = acc.loc[(acc.weight_std == 1) & (acc.model == "batchnorm"), "train_acc"]
    np.testing.assert_allclose(first.lines[0].get_ydata(), bn)


def test_plot_batchnorm_grid_marks_diverged_model():
    acc = bn_table(STDS[:4])
    plain = (acc.weight_std == STDS[0]) & (acc.model == "plain")
    acc.loc[plain & (acc.epoch >= 2), "train_acc"] = np.nan
    acc.loc[plain, "diverged_at"] = 123.0
    fig = plot_batchnorm_grid(acc, STDS[:4])
    assert len(fig.axes) == 4
    assert all_text(fig.axes[0]) == "plain diverged"
    assert all_text(fig.axes[1]) == ""


def test_plot_batchnorm_single():
    acc = bn_table([0.01, 1.0])
    fig = plot_batchnorm_single(acc, 0.01)
    (ax,) = fig.axes
    assert ax.get_title() == "W:0.01"
    assert len(ax.lines) == 2 and ax.get_legend() is not None


def test_plot_batchnorm_grid_band():
    stds = STDS[:4]
    acc = bn_table(stds, seeds=(0, 1, 2))
    bn = (acc.weight_std == stds[1]) & (acc.model == "batchnorm")
    acc.loc[bn & (acc.seed == 1) & (acc.epoch >= 3), "train_acc"] = np.nan
    acc.loc[bn & (acc.seed == 1), "diverged_at"] = 40.0
    acc.loc[(acc.weight_std == stds[2]) & (acc.model == "plain"), "train_acc"] = np.nan  # all seeds: nothing drawn
    fig = plot_batchnorm_grid_band(acc, stds)
    assert len(fig.axes) == 4
    ax = fig.axes[1]
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    assert all_text(ax) == "BN diverged in 1/3 seeds"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.9 * (1 - np.exp(-(e + 1) / 2)) + 0.01 for e in range(6)])
    assert np.isnan(fig.axes[2].lines[1].get_ydata()).all()


# --------------------------------------------------------------------------- train / test


def acc_table(variants, epochs=30, seeds=(0,)):
    e = np.arange(epochs + 1)
    return pd.concat([
        pd.DataFrame({"variant": v, "seed": s, "epoch": e, "train_acc": 1 - np.exp(-e / 5) + 0.01 * s,
                      "test_acc": 0.7 * (1 - np.exp(-e / 5))})
        for v in variants for s in seeds
    ], ignore_index=True)


def test_plot_train_test_two_panels():
    acc = acc_table(["no_dropout", "dropout"])
    fig = plot_train_test(acc, "variant", [("no_dropout", "without dropout"), ("dropout", "with dropout")])
    assert titles(fig) == ["without dropout", "with dropout"]
    ax = fig.axes[1]
    assert [line.get_marker() for line in ax.lines] == ["o", "s"]
    assert legend_labels(ax) == ["train", "test"]
    assert ax.get_ylim() == (0, 1) and ax.get_xlabel() == "epochs" and ax.get_ylabel() == "accuracy"


def test_plot_train_test_diverged_label():
    acc = acc_table(["overfit"])
    acc.loc[acc.epoch > 5, ["train_acc", "test_acc"]] = np.nan
    fig = plot_train_test(acc, "variant", [("overfit", "overfitting")])
    assert legend_labels(fig.axes[0]) == ["train (diverged)", "test (diverged)"]


def test_plot_train_test_band():
    acc = acc_table(["a", "b"], seeds=(0, 1))
    fig = plot_train_test_band(acc, "variant", [("a", "A"), ("b", "B")])
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 1 - np.exp(-np.arange(31) / 5) + 0.005)


# --------------------------------------------------------------------------- random search


def random_search_tables(n=25, epochs=10):
    rng = np.random.default_rng(0)
    lr = 10 ** rng.uniform(-6, -2, n)
    wd = 10 ** rng.uniform(-8, -4, n)
    e = np.arange(epochs + 1)
    final = np.clip(np.log10(lr) / 4 + 1.5, 0.05, 0.95)
    final[3] = np.nan  # a diverged trial
    curves = pd.concat([
        pd.DataFrame({"trial": t, "epoch": e, "val_acc": final[t] * (1 - np.exp(-(e + 1) / 3)),
                      "train_acc": min(final[t] + 0.05, 1) * (1 - np.exp(-(e + 1) / 3))})
        for t in range(n)
    ], ignore_index=True)
    summary = pd.DataFrame({"trial": np.arange(n), "lr": lr, "weight_decay": wd, "val_acc": final,
                            "train_acc": final + 0.05})
    summary["rank"] = summary["val_acc"].rank(ascending=False, method="first", na_option="bottom").astype(int)
    return curves, summary


def test_plot_random_search_grid():
    curves, summary = random_search_tables()
    fig = plot_random_search_grid(curves, summary)
    assert len(fig.axes) == 20
    assert titles(fig)[:3] == ["Best-1", "Best-2", "Best-3"]
    ax = fig.axes[0]
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--"]
    best = summary.loc[summary["rank"] == 1].iloc[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), curves.loc[curves.trial == best.trial, "val_acc"])
    assert all_text(ax) == f"lr={best.lr:.2e}\nwd={best.weight_decay:.2e}"
    assert ax.get_ylim() == (0, 1)


def test_plot_random_search_grid_shows_diverged_trial():
    curves, summary = random_search_tables(n=6)
    fig = plot_random_search_grid(curves, summary, top=6)
    assert len(fig.axes) == 6 and fig.axes[-1].get_title() == "Best-6"
    assert "(diverged)" in all_text(fig.axes[-1])


def test_plot_random_search_scatter():
    _, summary = random_search_tables()
    fig = plot_random_search_scatter(summary)
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the panel and its colorbar
    assert fig.axes[1].get_ylabel() == "validation accuracy"
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "3", "4", "5"]
    assert "diverged" in legend_labels(ax)
    assert len(ax.collections[0].get_offsets()) == 24  # the finite trials, coloured


# --------------------------------------------------------------------------- saving


@pytest.fixture(scope="module")
def small_figure():
    rng = np.random.default_rng(1)
    return plot_loss_curves(loss_table(rng, ["SGD"]), "optimizer", ["SGD"], ylim=(0, 3))[0]


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_save_figure_writes_reproducible_files(tmp_path, small_figure, suffix, magic):
    first, second = tmp_path / f"a{suffix}", tmp_path / "sub" / f"b{suffix}"
    save_figure(small_figure, first)
    save_figure(small_figure, str(second))
    assert first.read_bytes().startswith(magic)
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [f"a{suffix}", f"b{suffix}"]


def test_save_figure_replaces_existing_file_and_rejects_unknown_suffix(tmp_path, small_figure):
    target = tmp_path / "fig.png"
    target.write_bytes(b"old")
    save_figure(small_figure, target)
    assert target.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError):
        save_figure(small_figure, tmp_path / "fig.svg")
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]


def test_histogram_ymax_clips_and_labels_the_first_bar():
    edges = np.linspace(0, 1, 31)
    counts = np.full(30, 100)
    counts[0] = 5000
    hist = pd.DataFrame({"case": "relu_he", "layer": 1, "bin_left": edges[:-1], "bin_right": edges[1:], "count": counts})
    fig = plot_activation_histograms(hist, ["relu_he"], ymax=700)
    ax = fig.axes[0]
    assert ax.get_ylim() == (0, 700)
    assert [t.get_text() for t in ax.texts] == ["5000"]


@pytest.mark.parametrize("band", [False, True])
def test_regularization_figures_panels_by_meaning(band):
    from dlscratch.chapter.regularization import train_test, train_test_band

    draw = train_test_band if band else train_test
    epochs = np.arange(5)
    decay = pd.DataFrame([{"seed": s, "weight_decay": lam, "epoch": e, "train_acc": 0.5 + lam, "test_acc": 0.4}
                          for s in (0, 1) for lam in (0.0, 0.1) for e in epochs])
    dropout = pd.DataFrame([{"seed": s, "variant": v, "dropout_ratio": r, "epoch": e, "train_acc": 0.5,
                             "test_acc": 0.4} for s in (0, 1) for v, r in (("without", 0.0), ("with", 0.15))
                            for e in epochs])
    if not band:
        decay, dropout = decay[decay.seed == 0], dropout[dropout.seed == 0]
    fig = draw({"accuracy": dropout}, ["without", "with"], {"dropout_ratio": 0.15}, column="variant")
    assert [ax.get_title() for ax in fig.axes] == ["without Dropout", "Dropout (ratio 0.15)"]
    fig = draw({"accuracy": decay}, [0.1], {}, column="weight_decay")
    assert [ax.get_title() for ax in fig.axes] == ["weight decay λ = 0.1"]
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), 0.6)  # the λ = 0.1 rows


# --------------------------------------------------------------------------- the function f (Figs 6-1, 6-2)


def test_function_surface_and_contours_from_the_table():
    from dlscratch.chapter.optimizers import function_surface
    from dlscratch.chapter.optimizers import plot_function_surface, plot_gradient_field

    tables = function_surface({"x_range": [-10, 10], "y_range": [-10, 10], "surface_step": 1.0, "arrow_step": 2.0})
    fig = plot_function_surface(tables["surface"])
    surface, contour = fig.axes
    assert surface.name == "3d" and len(surface.collections) == 1
    levels = contour.collections[0].levels  # closed ellipses only: up to f(10, 0) = 5, the border's smallest f
    assert contour.get_aspect() == 1.0 and len(levels) == 7 and max(levels) == pytest.approx(5.0)
    fig = plot_gradient_field(tables["gradient"])
    (ax,) = fig.axes
    quiver = ax.collections[0]
    np.testing.assert_allclose(quiver.U, tables["gradient"].gx)  # -grad f, as the table says
    np.testing.assert_allclose(quiver.V, tables["gradient"].gy)
    assert len(quiver.U) == 11 * 11


def test_histogram_rows_are_named_as_the_book_names_them():
    from dlscratch.chapter.initialization import histograms

    cases = {"relu_std0.01": {"activation": "relu", "weight_std": 0.01},
             "relu_xavier": {"activation": "relu", "weight_std": "xavier"},
             "my he": {"activation": "relu", "weight_std": "relu"},
             "t": {"activation": "tanh", "weight_std": "xavier"}}
    settings = {"cases": cases, "n_samples": 100, "n_units": 10}
    fig = histograms({"histograms": hist_table(list(cases))}, list(cases), settings)
    assert [fig.axes[5 * r].get_ylabel() for r in range(4)] == ["std=0.01", "Xavier", "He", "tanh"]


def test_fig6_18_draws_the_chosen_scale_or_says_none_was_chosen():
    from dlscratch.chapter.batchnorm import batchnorm_single
    from test_experiments import bn_accuracy

    acc = bn_accuracy([(0.6, 0.9), (0.9, 0.3), (0.95, 0.117)])
    stds = [1.0, 0.1, 0.01]
    fig, found = batchnorm_single({"accuracy": acc}, stds, {"single_panel_std_index": None}, seeds=[0, 1])
    assert found["chosen"] == 0.1 and found["advantage"] == pytest.approx(0.3)
    assert fig.axes[0].get_title() == "W:0.1"
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), np.linspace(0.1, 0.9, 5))
    fig, found = batchnorm_single({"accuracy": bn_accuracy([(0.9, 0.117)])}, [1.0], {"single_panel_std_index": None},
                                  seeds=[0, 1])
    assert found["chosen"] is None and "no weight scale satisfies the rule" in all_text(fig.axes[0])


def test_a_long_label_is_shortened_in_the_legend_and_stays_inside_the_figure(rng):
    long = "L" * 300
    loss = loss_table(rng, [long, "$x$ 1"])
    fig, _ = plot_loss_curves(loss, "optimizer", [long, "$x$ 1"], ylim=(0, 1))
    (ax,) = fig.axes
    assert legend_labels(ax) == ["L" * 39 + "…", r"\$x\$ 1"]  # mathtext's $ shown as it is
    fig.canvas.draw()  # (the Agg canvas of matplotlib.figure.Figure, no pyplot)
    box = ax.get_legend().get_window_extent()
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width and 0 <= box.y0 and box.y1 <= fig.bbox.height


def test_study_2_marks_each_models_largest_rate_that_learns_and_its_threshold():
    from test_claims import fabricated_study_tables

    from dlscratch.chapter.study_batchnorm_lr import batchnorm_lr_figure as batchnorm_lr

    fig, found = batchnorm_lr(fabricated_study_tables()["study_batchnorm_lr"], None, {"learn_fraction": 0.5},
                              [0, 1, 2])
    (ax,) = fig.axes
    filled = [c for c in ax.collections if c.get_offsets().shape[0] == 3 and c.get_offsets()[0][1] == 0.02]
    assert sorted(float(c.get_offsets()[0][0]) for c in filled) == [0.3, 3.0]  # plain, BN: each seed
    assert found["largest"] == "; ".join(f"BN 3, plain 0.3 (seed {s})" for s in (0, 1, 2))
    assert found["fraction"] == 0.5 and "BN learns above" in legend_labels(ax)


def test_study_4_draws_random_searchs_efficiency_curve_and_the_grids():
    from test_claims import fabricated_study_tables

    from dlscratch.choices import efficiency
    from dlscratch.chapter.study_search import random_vs_grid

    tables = fabricated_study_tables()["study_search"]
    fig = random_vs_grid(tables, None, {}, [0, 1, 2])
    (ax,) = fig.axes
    median = next(line for line in ax.lines if line.get_label().startswith("random search: median"))
    expected = efficiency(tables["random_search:summary"]).groupby("budget")["median"].mean()
    np.testing.assert_allclose(median.get_ydata(), expected.to_numpy())
    assert {"random search: 5–95% of draws", "random search: in the order drawn", "grid search"} <= set(
        legend_labels(ax))
