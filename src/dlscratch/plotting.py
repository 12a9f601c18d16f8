"""The chapter's figures, drawn only from the tables.

Every function here takes tidy (long-format) pandas DataFrames, as written by the
experiments, and returns a ``matplotlib.figure.Figure``; nothing is trained or
recomputed while drawing, so a figure can always be traced back to its table.
Figures are built with the object-oriented API (``Figure``, no ``pyplot``), so no
GUI backend is needed.

Diverged runs are kept in the tables as NaN values. NaN points are simply not
drawn, and a diverged run is marked "(diverged)" in its legend label or panel
("diverged in k/N seeds" on the several-seed band figures).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .atomic import atomic_writer
from .choices import (best_rates, efficiency, largest_learning, learning_thresholds, panel_choice, search_budgets,
                      strength_table)
from .smoothing import smooth_curve
from .text import plural, shorten
from .variants import std_meaning

MARKERS = ("o", "x", "s", "D", "^", "v")
LOSS_MARKERS_EVERY = 100  # iterations between markers on a loss curve, as the book
EPOCH_MARKERS_EVERY = 10  # epochs between markers on an accuracy curve, as the book
DIVERGED = " (diverged)"
BN_MODELS = {  # model -> (short name for annotations, line style)
    "batchnorm": ("BN", {"label": "Batch Normalization", "linestyle": "-", "color": "C0"}),
    "plain": ("plain", {"label": "Normal(without BatchNorm)", "linestyle": "--", "color": "C1"}),
}
SAVE_OPTIONS = {
    ".png": {"dpi": 120, "metadata": {"Software": None}},
    ".pdf": {"metadata": {"CreationDate": None, "Producer": None, "Creator": None}},
}


# --------------------------------------------------------------------------- helpers


def _grid(n, ncols, panel_size=(3.0, 2.5)):
    """A figure with ``n`` panels on a grid ``ncols`` wide, and the list of its axes."""
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), layout="constrained")
    return fig, [fig.add_subplot(nrows, ncols, i + 1) for i in range(n)]


def _label_outer(ax, i, n, ncols, xlabel, ylabel):
    """Axis labels on the first column and bottom row only; tick labels hidden elsewhere."""
    if i % ncols == 0:
        ax.set_ylabel(ylabel)
    else:
        ax.tick_params(labelleft=False)
    if i + ncols >= n:
        ax.set_xlabel(xlabel)
    else:
        ax.tick_params(labelbottom=False)


LABEL_WIDTH = 40  # characters of a label shown in a legend or a title (tables and claims keep it whole)


def _text(label):
    """A variant's label as matplotlib shows it literally (a '$' would start mathtext), cut to
    ``LABEL_WIDTH`` characters with an ellipsis so that a long one stays inside the figure."""
    return shorten(label, LABEL_WIDTH).replace("$", r"\$")


def _rows(table, column, value):
    """The rows of ``table`` where ``column`` equals ``value`` (floats compared with isclose)."""
    if pd.api.types.is_float_dtype(table[column]):
        rows = table[np.isclose(table[column], value)]
    else:
        rows = table[table[column] == value]
    if rows.empty:
        raise ValueError(f"no rows with {column} == {value!r}")
    return rows


def _smoothed(values):
    """smooth_curve of the finite prefix, NaN-padded to the full length; and whether it diverged.

    A prefix too short to smooth (fewer than 11 values) is returned unsmoothed.
    """
    values = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(values)
    n_ok = int(np.argmax(bad)) if bad.any() else len(values)
    out = np.full(len(values), np.nan)
    out[:n_ok] = smooth_curve(values[:n_ok]) if n_ok >= 11 else values[:n_ok]
    return out, n_ok < len(values)


def _seed_matrix(rows, x, y):
    """x values and an (len(x), n_seeds) matrix of ``y``, one column per seed."""
    table = rows.pivot(index=x, columns="seed", values=y).sort_index()
    return table.index.to_numpy(), table.to_numpy(dtype=np.float64)


def _draw_band(ax, x, matrix, **style):
    """Mean line and a min-max band over the columns (seeds), ignoring NaN (pandas' skipna);
    NaN where every seed is NaN."""
    seeds = pd.DataFrame(matrix).replace([np.inf, -np.inf], np.nan)
    (line,) = ax.plot(x, seeds.mean(axis=1).to_numpy(), **style)
    ax.fill_between(x, seeds.min(axis=1).to_numpy(), seeds.max(axis=1).to_numpy(), color=line.get_color(),
                    alpha=0.25, linewidth=0)
    return line


def _diverged_seeds(matrix):
    """Suffix for a band label: how many seeds (columns) contain NaN, or '' if none."""
    n_bad = int((~np.isfinite(matrix)).any(axis=0).sum())
    return f" (diverged in {n_bad}/{plural(matrix.shape[1], 'seed')})" if n_bad else ""


def _note(ax, text):
    """Small text at the left middle of a panel (used to flag diverged runs)."""
    if text:
        ax.text(0.04, 0.5, text, transform=ax.transAxes, fontsize=7, va="center")


def save_figure(fig, path):
    """Save ``fig`` to ``path`` (PNG or PDF by suffix), reproducibly (no dates, no software
    stamp) and atomically (``dlscratch.atomic``: a reader never sees a half-written file)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SAVE_OPTIONS:
        raise ValueError(f"can only save {sorted(SAVE_OPTIONS)}, got {path}")
    with atomic_writer(path) as f:
        fig.savefig(f, format=suffix[1:], **SAVE_OPTIONS[suffix])


# --------------------------------------------------------------------------- the function f


def _grid_of(table, value):
    """X, Y and ``value`` of a long (x, y, value) table as 2-D arrays for surface/contour plots."""
    wide = table.pivot(index="y", columns="x", values=value).sort_index().sort_index(axis=1)
    X, Y = np.meshgrid(wide.columns.to_numpy(), wide.index.to_numpy())
    return X, Y, wide.to_numpy()


def plot_function_surface(surface):
    """Fig 6-1: f(x, y) as a 3-D surface (left) and as contour lines (right)."""
    X, Y, Z = _grid_of(surface, "f")
    fig = Figure(figsize=(10.0, 4.2), layout="constrained")
    ax3 = fig.add_subplot(1, 2, 1, projection="3d")
    ax3.plot_surface(X, Y, Z, cmap="viridis", linewidth=0, antialiased=True, rstride=2, cstride=2)
    ax3.set(xlabel="x", ylabel="y", zlabel="z")
    ax = fig.add_subplot(1, 2, 2)
    # contour lines that close inside the grid: up to the smallest f on its border
    edge = min(Z[0].min(), Z[-1].min(), Z[:, 0].min(), Z[:, -1].min())
    ax.contour(X, Y, Z, levels=np.linspace(0, edge, 8)[1:], colors="k", linewidths=0.8)
    ax.set(xlabel="x", ylabel="y", aspect="equal")
    return fig


def plot_gradient_field(gradient):
    """Fig 6-2: the arrows of -grad f on a grid."""
    fig, (ax,) = _grid(1, 1, panel_size=(6.0, 4.5))
    # the longest arrow spans two grid steps: long enough to read, short enough not to hide the others
    step = float(np.diff(np.unique(gradient["x"]))[:1].min(initial=1.0))
    longest = float(np.hypot(gradient["gx"], gradient["gy"]).max()) or 1.0
    ax.quiver(gradient["x"], gradient["y"], gradient["gx"], gradient["gy"], angles="xy", scale_units="xy",
              scale=longest / (2 * step), width=0.004, color="#444444")
    ax.plot(0, 0, "+", color="red")
    pad = max(np.ptp(gradient["x"]), np.ptp(gradient["y"])) * 0.05
    ax.set(xlim=(gradient["x"].min() - pad, gradient["x"].max() + pad),
           ylim=(gradient["y"].min() - pad, gradient["y"].max() + pad), xlabel="x", ylabel="y")
    ax.grid(True, alpha=0.3)
    return fig


# --------------------------------------------------------------------------- optimizer paths


def _book_function_grid(step=0.05):
    """f(x, y) = x**2/20 + y**2 on the book's grid, masked as the book does (Z > 7 set to 0).

    The book samples every 0.01; contours of this quadratic look the same every 0.05,
    and drawing them takes a quarter of the time.
    """
    X, Y = np.meshgrid(np.arange(-10, 10, step), np.arange(-5, 5, step))
    Z = X**2 / 20.0 + Y**2
    Z[Z > 7] = 0
    return X, Y, Z


def plot_paths(paths, optimizers, ncols):
    """Figs 6-3, 6-5 to 6-8: each optimizer's path on the contours of f(x, y) = x**2/20 + y**2."""
    X, Y, Z = _book_function_grid()
    fig, axes = _grid(len(optimizers), ncols, panel_size=(4.5, 4.0))
    for ax, name in zip(axes, optimizers):
        rows = _rows(paths, "optimizer", name).sort_values("step")
        lrs = rows["lr"].unique()
        if len(lrs) != 1:
            raise ValueError(f"{name}: expected one learning rate, got {lrs}")
        diverged = not np.isfinite(rows[["x", "y"]].to_numpy(dtype=np.float64)).all()
        ax.contour(X, Y, Z)
        ax.plot(rows["x"], rows["y"], color="red", marker="o", markersize=3)
        ax.plot(0, 0, "+")
        ax.set(xlim=(-10, 10), ylim=(-10, 10), xlabel="x", ylabel="y")
        ax.set_title(f"{_text(name)} (lr={lrs[0]:g})" + (DIVERGED if diverged else ""))
    return fig


# --------------------------------------------------------------------------- loss curves


def _loss_axes(ax, ylim):
    ax.set(xlabel="iterations", ylabel="loss", ylim=ylim)
    ax.legend()


def plot_loss_curves(loss, group, order, ylim):
    """Figs 6-9, 6-15: smoothed training loss, one line per value of ``group`` (in ``order``)."""
    fig, (ax,) = _grid(1, 1, panel_size=(6.0, 4.5))
    for i, name in enumerate(order):
        rows = _rows(loss, group, name).sort_values("iteration")
        y, diverged = _smoothed(rows["loss"])
        label = _text(name) + (DIVERGED if diverged else "")
        ax.plot(rows["iteration"], y, marker=MARKERS[i % len(MARKERS)], markevery=LOSS_MARKERS_EVERY, label=label)
    _loss_axes(ax, ylim)
    return fig


def plot_loss_band(loss, group, order, ylim):
    """Several-seed companion of ``plot_loss_curves``: mean of the smoothed curves and their min-max band."""
    fig, (ax,) = _grid(1, 1, panel_size=(6.0, 4.5))
    for name in order:
        x, raw = _seed_matrix(_rows(loss, group, name), "iteration", "loss")
        smoothed = np.column_stack([_smoothed(column)[0] for column in raw.T])
        _draw_band(ax, x, smoothed, label=_text(name) + _diverged_seeds(raw))
    ax.set_title(f"mean and min–max over {plural(loss['seed'].nunique(), 'seed')}")
    _loss_axes(ax, ylim)
    return fig


# --------------------------------------------------------------------------- activation histograms


def plot_activation_histograms(hist, cases, row_labels=None, ymax=None):
    """Figs 6-10, 6-11, 6-13, 6-14: activation histograms, a row of one panel per layer for each case.

    The panels of a row share their y axis, so hiding all but the first column's tick
    labels (the book's style) hides nothing. ``ymax`` clips the y axis, as the book's
    ReLU figure does (its first bin holds every exact zero); a clipped first bar is
    labelled with its count.
    """
    layers = sorted(hist["layer"].unique())
    fig, axes = _grid(len(cases) * len(layers), len(layers), panel_size=(2.4, 2.2))
    for row, case in enumerate(cases):
        rows = _rows(hist, "case", case)
        first = axes[row * len(layers)]
        for col, layer in enumerate(layers):
            ax = axes[row * len(layers) + col]
            if col:
                ax.sharey(first)  # before drawing, so the row's scale covers every layer
                ax.tick_params(labelleft=False)
            bins = _rows(rows, "layer", layer)
            bins = bins[np.isfinite(bins["count"])]
            ax.bar(bins["bin_left"], bins["count"], width=bins["bin_right"] - bins["bin_left"], align="edge")
            ax.set(title=f"{layer}-layer", xlim=(0, 1))
            if ymax is not None:
                ax.set_ylim(0, ymax)
                first_bin = bins["count"].iloc[0]
                if first_bin > ymax:  # label the clipped bar of exact zeros
                    ax.annotate(f"{int(first_bin)}", (0, ymax), xytext=(3, -10), textcoords="offset points",
                                fontsize=7)
        first.set_ylabel(_text((row_labels or {}).get(case, case)))
    return fig


# --------------------------------------------------------------------------- batch normalization


def _bn_panel(ax, rows):
    """BN (solid) and plain (dashed) training accuracy of one weight std; notes diverged models."""
    notes = []
    for model, (short, style) in BN_MODELS.items():
        runs = rows[rows["model"] == model].sort_values("epoch")
        ax.plot(runs["epoch"], runs["train_acc"], **style)
        if np.isfinite(runs["diverged_at"]).any():
            notes.append(f"{short} diverged")
    _note(ax, "\n".join(notes))


def _bn_band_panel(ax, rows):
    """Mean and min-max band over seeds for BN and plain; notes how many seeds diverged."""
    notes = []
    for model, (short, style) in BN_MODELS.items():
        runs = rows[rows["model"] == model]
        x, acc = _seed_matrix(runs, "epoch", "train_acc")
        _draw_band(ax, x, acc, **style)
        n_bad = runs.loc[np.isfinite(runs["diverged_at"]), "seed"].nunique()
        if n_bad:
            notes.append(f"{short} diverged in {n_bad}/{plural(acc.shape[1], 'seed')}")
    _note(ax, "\n".join(notes))


def _bn_title(std):
    """The book's panel title: "W:" + str(w)."""
    return f"W:{float(std)}"


def _bn_grid(acc, stds, ncols, draw_panel):
    fig, axes = _grid(len(stds), ncols)
    for i, (ax, std) in enumerate(zip(axes, stds)):
        draw_panel(ax, _rows(acc, "weight_std", std))
        ax.set(title=_bn_title(std), ylim=(0, 1))
        _label_outer(ax, i, len(stds), min(ncols, len(stds)), "epochs", "accuracy")
    axes[-1].legend(loc="lower right", fontsize=7)
    return fig


BN_COLUMNS = 4  # the book's grid is 4 x 4


def plot_batchnorm_grid(acc, stds):
    """Fig 6-19: training accuracy with and without Batch Normalization, one panel per weight std."""
    return _bn_grid(acc, stds, BN_COLUMNS, _bn_panel)


def plot_batchnorm_grid_band(acc, stds):
    """Several-seed companion of ``plot_batchnorm_grid`` (``acc`` has a ``seed`` column)."""
    return _bn_grid(acc, stds, BN_COLUMNS, _bn_band_panel)


def plot_batchnorm_single(acc, std):
    """Fig 6-18: the same comparison for one weight std, as a single larger panel (``std``
    None: a panel that says no std was chosen)."""
    fig, (ax,) = _grid(1, 1, panel_size=(6.0, 4.5))
    if std is None:
        ax.text(0.5, 0.5, "no weight scale satisfies the rule of this figure:\nthe plain network ends above "
                "chance at none in every seed", transform=ax.transAxes, ha="center", va="center")
        ax.set(ylim=(0, 1), xlabel="epochs", ylabel="accuracy")
        return fig
    _bn_panel(ax, _rows(acc, "weight_std", std))
    ax.set(title=_bn_title(std), ylim=(0, 1), xlabel="epochs", ylabel="accuracy")
    ax.legend(loc="lower right")
    return fig


# --------------------------------------------------------------------------- train / test accuracy


def _train_test_grid(acc, column, panels, draw_panel):
    fig, axes = _grid(len(panels), len(panels), panel_size=(5.0, 4.0))
    for ax, (value, title) in zip(axes, panels):
        draw_panel(ax, _rows(acc, column, value))
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
            label += DIVERGED if diverged else ""
            ax.plot(rows["epoch"], rows[column], marker=marker, markevery=EPOCH_MARKERS_EVERY, label=label)

    return _train_test_grid(acc, column, panels, draw)


def plot_train_test_band(acc, column, panels):
    """Several-seed companion of ``plot_train_test`` (``acc`` has a ``seed`` column)."""

    def draw(ax, rows):
        for column, label in (("train_acc", "train"), ("test_acc", "test")):
            x, matrix = _seed_matrix(rows, "epoch", column)
            _draw_band(ax, x, matrix, label=label + _diverged_seeds(matrix))

    return _train_test_grid(acc, column, panels, draw)


# --------------------------------------------------------------------------- random search


SEARCH_COLUMNS = 5  # the book's grid is 4 x 5


def plot_random_search_grid(curves, summary, top=20):
    """Fig 6-24: validation (solid) and training (dashed) accuracy of the ``top`` best trials."""
    ncols = SEARCH_COLUMNS
    best = summary.sort_values("rank").head(top)
    fig, axes = _grid(len(best), ncols, panel_size=(2.4, 2.0))
    for i, (ax, trial) in enumerate(zip(axes, best.itertuples())):
        rows = _rows(curves, "trial", trial.trial).sort_values("epoch")
        ax.plot(rows["epoch"], rows["val_acc"], color="C0", label="val")
        ax.plot(rows["epoch"], rows["train_acc"], "--", color="C1", label="train")
        note = f"lr={trial.lr:.2e}\nwd={trial.weight_decay:.2e}"
        note += DIVERGED if not np.isfinite(trial.val_acc) else ""
        ax.text(0.04, 0.96, note, transform=ax.transAxes, fontsize=6, va="top")
        ax.set(title=f"Best-{trial.rank:g}", ylim=(0, 1))
        _label_outer(ax, i, len(best), min(ncols, len(best)), "epochs", "accuracy")
    axes[-1].legend(loc="lower right", fontsize=6)
    return fig


def plot_random_search_scatter(summary):
    """Where the good hyperparameters are: lr vs weight decay, coloured by validation accuracy."""
    fig, (ax,) = _grid(1, 1, panel_size=(6.5, 4.5))
    ok = np.isfinite(summary["val_acc"])
    good, bad = summary[ok], summary[~ok]
    dots = ax.scatter(good["lr"], good["weight_decay"], c=good["val_acc"], vmin=0, vmax=1, s=20)
    fig.colorbar(dots, ax=ax, label="validation accuracy")
    if not bad.empty:
        ax.scatter(bad["lr"], bad["weight_decay"], marker="x", color="grey", label="diverged")
    best = summary.sort_values("rank").head(5)
    ax.scatter(best["lr"], best["weight_decay"], s=150, facecolors="none", edgecolors="red", label="top 5")
    for trial in best.itertuples():
        xy = (trial.lr, trial.weight_decay)
        ax.annotate(f"{trial.rank:g}", xy, xytext=(6, 6), textcoords="offset points", color="red")
    box = Rectangle((1e-3, 1e-8), 1e-2 - 1e-3, 1e-6 - 1e-8, fill=False, linestyle="--", label="book's suggested region")
    ax.add_patch(box)
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="weight decay")
    ax.legend(loc="best", fontsize=8)
    return fig


# --------------------------------------------------------------------------- the registry's figures
#
# Each function below draws one kind of figure of dlscratch.registry.FIGURES from the
# tables of its experiment: draw(tables, variants, settings, **options), where ``tables``
# maps the figure's table names to DataFrames (the first seed's for a book-style figure,
# every seed's for a several-seed companion), ``variants`` are the variants it shows and
# ``settings`` its experiment's block of the config.


def function_surface(tables, variants, settings):
    return plot_function_surface(tables["surface"])


def gradient_field(tables, variants, settings):
    return plot_gradient_field(tables["gradient"])


def paths(tables, variants, settings):
    return plot_paths(tables["paths"], variants, ncols=1 if len(variants) == 1 else 2)


def loss_curves(tables, variants, settings, column, ylim):
    return plot_loss_curves(tables["loss"], column, variants, tuple(ylim))


def loss_band(tables, variants, settings, column, ylim):
    return plot_loss_band(tables["loss"], column, variants, tuple(ylim))


def book_case_label(spec):
    """How the book names a case's row: std=1, std=0.01, Xavier, He; tanh for tanh."""
    if spec["activation"] == "tanh":
        return "tanh"
    std = std_meaning(spec["weight_std"])
    return f"std={std:g}" if isinstance(std, float) else {"xavier": "Xavier", "he": "He"}[std]


def histograms(tables, variants, settings):
    ymax = None
    if all(settings["cases"][case]["activation"] == "relu" for case in variants):
        # the book clips its ReLU panels at 7000 of 100,000 values: half are exact zeros
        ymax = 0.07 * settings["n_samples"] * settings["n_units"]
    labels = {case: book_case_label(settings["cases"][case]) for case in variants}
    return plot_activation_histograms(tables["histograms"], variants, row_labels=labels, ymax=ymax)


def batchnorm_single(tables, variants, settings, seeds):
    """Fig 6-18 at the std ``panel_choice`` takes from every seed's tables (first seed drawn)."""
    acc = tables["accuracy"]
    index, how, table = panel_choice(acc, settings)
    chosen = None if index is None else float(variants[index])  # the std as configured, not as the CSV rounds it
    advantage = None if index is None else float(table.loc[table["std_index"] == index, "advantage"].iloc[0])
    figure = plot_batchnorm_single(acc[acc["seed"] == seeds[0]], chosen)
    return figure, {"chosen": chosen, "how": how, "advantage": advantage}


def batchnorm_grid(tables, variants, settings):
    return plot_batchnorm_grid(tables["accuracy"], variants)


def batchnorm_grid_band(tables, variants, settings):
    return plot_batchnorm_grid_band(tables["accuracy"], variants)


def _panels(variants, settings, column):
    if column == "weight_decay":
        return [(v, f"weight decay λ = {float(v):g}") for v in variants]
    titles = {"without": "without Dropout", "with": f"Dropout (ratio {settings['dropout_ratio']:g})"}
    return [(v, titles[v]) for v in variants]


def train_test(tables, variants, settings, column):
    return plot_train_test(tables["accuracy"], column, _panels(variants, settings, column))


def train_test_band(tables, variants, settings, column):
    return plot_train_test_band(tables["accuracy"], column, _panels(variants, settings, column))


def random_search_grid(tables, variants, settings):
    return plot_random_search_grid(tables["curves"], tables["summary"], top=settings["top"])


def random_search_scatter(tables, variants, settings):
    return plot_random_search_scatter(tables["summary"])


def random_search_scatter_band(tables, variants, settings):
    """Every trial of every seed, ranked together."""
    search = tables["summary"].sort_values(["val_acc", "seed", "trial"], ascending=[False, True, True],
                                           na_position="last")
    return plot_random_search_scatter(search.assign(rank=np.arange(1, len(search) + 1)))


# --------------------------------------------------------------------------- beyond the book: the studies


def _band_of(rows, x, y):
    """x values, and mean, min and max over seeds of ``y`` at each x (pandas' NaN-aware)."""
    grouped = rows.groupby(x)[y]
    return grouped.mean().index.to_numpy(), grouped.mean().to_numpy(), grouped.min().to_numpy(), \
        grouped.max().to_numpy()


def _band(ax, rows, x, y, **style):
    xs, mean, low, high = _band_of(rows, x, y)
    (line,) = ax.plot(xs, mean, **style)
    ax.fill_between(xs, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    return line


def lr_sensitivity(tables, variants, settings, seeds):
    """Study 1: final training loss and test accuracy against the learning rate, per optimizer."""
    summary = tables["summary"]
    best = best_rates(summary)
    fig, (loss_ax, acc_ax) = _grid(2, 2, panel_size=(5.5, 4.2))
    for i, name in enumerate(settings["optimizers"]):
        rows = summary[summary["optimizer"] == name]
        style = {"marker": MARKERS[i % len(MARKERS)], "markersize": 4, "label": _text(name), "color": f"C{i}"}
        _band(loss_ax, rows, "lr", "tail_loss", **style)
        _band(acc_ax, rows, "lr", "test_acc", **style)
        chosen = best[best["optimizer"] == name]
        acc_ax.scatter(chosen["lr"], chosen["test_acc"], s=60, facecolors="none", edgecolors=f"C{i}")
    loss_ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="final training loss")
    acc_ax.set(xscale="log", xlabel="learning rate", ylabel="test accuracy", ylim=(0, 1))
    acc_ax.legend(fontsize=8, loc="lower center")
    return fig


def tuned_loss_curves(tables, variants, settings, seeds):
    """Study 1: the Fig 6-9 curves with each optimizer at its best rate (per seed), mean and band."""
    loss, best = tables["loss"], best_rates(tables["summary"])
    fig, (ax,) = _grid(1, 1, panel_size=(6.0, 4.5))
    chosen = {}
    for i, name in enumerate(settings["optimizers"]):
        picks = best[best["optimizer"] == name]
        chosen[name] = ", ".join(f"{lr:g}" for lr in picks.sort_values("seed")["lr"])
        curves = []
        for pick in picks.itertuples():
            run = loss[(loss["seed"] == pick.seed) & (loss["optimizer"] == name) & np.isclose(loss["lr"], pick.lr)]
            curves.append(_smoothed(run.sort_values("iteration")["loss"])[0])
        matrix = np.column_stack(curves)
        _draw_band(ax, np.arange(1, len(matrix) + 1), matrix, label=_text(name) + _diverged_seeds(matrix),
                   marker=MARKERS[i % len(MARKERS)], markevery=LOSS_MARKERS_EVERY)
    ax.set_title(f"each optimizer at its best rate; mean and min–max over {plural(len(seeds), 'seed')}")
    _loss_axes(ax, (0, 1))
    return fig, {"chosen": chosen}


def batchnorm_lr(tables, variants, settings, seeds):
    """Study 2: final training accuracy against the learning rate, with and without BatchNorm;
    each model's learning threshold (dashed: ``learn_fraction`` of the way from chance to its
    best, mean over seeds) and the largest rate at which it learns in each seed (triangles on
    the axis; hollow: with the threshold at chance)."""
    acc = tables["accuracy"]
    fraction = float(settings.get("learn_fraction", 0.5))
    final = acc[acc["epoch"] == acc["epoch"].max()]
    fig, (ax,) = _grid(1, 1, panel_size=(6.0, 4.5))
    thresholds = learning_thresholds(acc, fraction)
    largest, at_chance = largest_learning(acc, fraction), largest_learning(acc, 0.0)
    for model, (short, style) in BN_MODELS.items():
        line = _band(ax, final[final["model"] == model], "lr", "train_acc", marker="o", **style)
        color = line.get_color()
        ax.axhline(float(thresholds.xs(model, level="model").mean()), color=color, linestyle="--", linewidth=0.8,
                   alpha=0.7, label=f"{short} learns above")
        rates = largest[model].dropna()
        ax.scatter(rates, np.full(len(rates), 0.02), marker="^", s=60, color=color, zorder=3,
                   label=f"{short}: largest rate that learns")
        chance_rates = at_chance[model].dropna()
        ax.scatter(chance_rates, np.full(len(chance_rates), 0.07), marker="^", s=60, facecolors="none",
                   edgecolors=color, zorder=3)
    ax.axhline(float(acc["chance"].max()), color="grey", linestyle=":", linewidth=1, label="chance")
    ax.set(xscale="log", xlabel="learning rate", ylabel="final training accuracy", ylim=(0, 1))
    ax.legend(loc="center left", fontsize=7)

    def rates(table):
        return "; ".join(f"BN {row.batchnorm:g}, plain {row.plain:g} (seed {seed})" for seed, row in table.iterrows())

    return fig, {"largest": rates(largest), "at_chance": rates(at_chance), "fraction": fraction}


def regularization_strength(tables, variants, settings, seeds):
    """Study 3: final train and test accuracy, and their gap, against the strength of weight
    decay (top) and of Dropout (bottom)."""
    table = strength_table(tables["final"], tables["weight_decay:accuracy"], tables["dropout:accuracy"], settings)
    fig, axes = _grid(4, 2, panel_size=(5.0, 3.2))
    best = []
    for row, (regularizer, label) in enumerate((("weight_decay", "weight decay λ"), ("dropout", "Dropout ratio"))):
        rows = table[table["regularizer"] == regularizer]
        accuracy, gap = axes[2 * row], axes[2 * row + 1]
        _band(accuracy, rows, "strength", "train_acc", marker="o", label="train")
        _band(accuracy, rows, "strength", "test_acc", marker="s", label="test")
        _band(gap, rows, "strength", "gap", marker="o", color="C2", label="train − test")
        accuracy.set(xlabel=label, ylabel="final accuracy", ylim=(0, 1))
        gap.set(xlabel=label, ylabel="gap")
        accuracy.legend(fontsize=8)
        means = rows.groupby("strength")["test_acc"].mean()
        best.append(f"{label} {means.idxmax():g} ({means.max():.3f})")
    return fig, {"best": ", ".join(best)}


def random_vs_grid(tables, variants, settings, seeds):
    """Study 4: the best validation accuracy after a budget of trials. Random search as
    Bergstra & Bengio plot it, its efficiency curve: the median of the best of b trials drawn
    at random from the search's trials, and its 5-95% band (each the mean over seeds); the
    one order the trials were drawn in, faint; the grids' best, mean and min-max over seeds."""
    summary = tables["random_search:summary"]
    budgets, curve = search_budgets(summary, tables["grid"]), efficiency(summary)
    fig, (ax,) = _grid(1, 1, panel_size=(6.0, 4.5))
    mean = curve.groupby("budget")[["q05", "median", "q95"]].mean()
    (line,) = ax.plot(mean.index, mean["median"], color="C0", label="random search: median best of b trials")
    ax.fill_between(mean.index, mean["q05"], mean["q95"], color="C0", alpha=0.2, linewidth=0,
                    label="random search: 5–95% of draws")
    drawn = budgets[budgets["method"] == "random"].groupby("budget")["best_val_acc"].mean()
    ax.plot(drawn.index, drawn.to_numpy(), color="C0", alpha=0.35, linewidth=0.8, linestyle=":",
            label="random search: in the order drawn")
    _band(ax, budgets[budgets["method"] == "grid"], "budget", "best_val_acc", marker="s", linestyle="--",
          color="C1", label="grid search")
    ax.set(xscale="log", xlabel="trials (budget)", ylabel="best validation accuracy", ylim=(0, 1))
    ax.legend(loc="lower right", fontsize=8)
    return fig
