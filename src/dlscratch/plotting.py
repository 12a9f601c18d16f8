"""What every figure of the chapter is drawn with (each section draws its own figures,
``dlscratch.chapter``): panels on a grid, a variant's label as a legend shows it, loss curves
smoothed as the book does, bands over seeds, reproducible saving.

Every figure takes tidy (long-format) pandas DataFrames, as written by the experiments, and
returns a ``matplotlib.figure.Figure``; nothing is trained or recomputed while drawing, so a
figure can always be traced back to its table. Figures are built with the object-oriented
API (``Figure``, no ``pyplot``), so no GUI backend is needed; matplotlib is imported when a
figure is drawn, not when a section's module is (its training jobs never draw).

Diverged runs are kept in the tables as NaN values. NaN points are simply not
drawn, and a diverged run is marked "(diverged)" in its legend label or panel
("diverged in k/N seeds" on the several-seed band figures).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_writer, write_text
from .smoothing import smooth_curve
from .text import plural, shorten

MARKERS = ("o", "x", "s", "D", "^", "v")
LOSS_MARKERS_EVERY = 100  # iterations between markers on a loss curve, as the book
EPOCH_MARKERS_EVERY = 10  # epochs between markers on an accuracy curve, as the book
DIVERGED = " (diverged)"
SAVE_OPTIONS = {
    ".png": {"dpi": 120, "metadata": {"Software": None}},
    ".pdf": {"metadata": {"CreationDate": None, "Producer": None, "Creator": None}},
}


# --------------------------------------------------------------------------- helpers


def new_figure(**kwargs):
    """A matplotlib ``Figure`` (imported here: only a plot job draws)."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def grid(n, ncols, panel_size=(3.0, 2.5)):
    """A figure with ``n`` panels on a grid ``ncols`` wide, and the list of its axes."""
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig = new_figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), layout="constrained")
    return fig, [fig.add_subplot(nrows, ncols, i + 1) for i in range(n)]


def label_outer(ax, i, n, ncols, xlabel, ylabel):
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


def label_text(label):
    """A variant's label as matplotlib shows it literally (a '$' would start mathtext), cut to
    ``LABEL_WIDTH`` characters with an ellipsis so that a long one stays inside the figure."""
    return shorten(label, LABEL_WIDTH).replace("$", r"\$")


def rows_of(table, column, value):
    """The rows of ``table`` where ``column`` equals ``value`` (floats compared with isclose)."""
    if pd.api.types.is_float_dtype(table[column]):
        rows = table[np.isclose(table[column], value)]
    else:
        rows = table[table[column] == value]
    if rows.empty:
        raise ValueError(f"no rows with {column} == {value!r}")
    return rows


def smoothed(values):
    """smooth_curve of the finite prefix, NaN-padded to the full length; and whether it diverged.

    A prefix too short to smooth (fewer than 11 values) is returned unsmoothed.
    """
    values = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(values)
    n_ok = int(np.argmax(bad)) if bad.any() else len(values)
    out = np.full(len(values), np.nan)
    out[:n_ok] = smooth_curve(values[:n_ok]) if n_ok >= 11 else values[:n_ok]
    return out, n_ok < len(values)


def seed_matrix(rows, x, y):
    """x values and an (len(x), n_seeds) matrix of ``y``, one column per seed."""
    table = rows.pivot(index=x, columns="seed", values=y).sort_index()
    return table.index.to_numpy(), table.to_numpy(dtype=np.float64)


def draw_band(ax, x, matrix, **style):
    """Mean line and a min-max band over the columns (seeds), ignoring NaN (pandas' skipna);
    NaN where every seed is NaN."""
    seeds = pd.DataFrame(matrix).replace([np.inf, -np.inf], np.nan)
    (line,) = ax.plot(x, seeds.mean(axis=1).to_numpy(), **style)
    ax.fill_between(x, seeds.min(axis=1).to_numpy(), seeds.max(axis=1).to_numpy(), color=line.get_color(),
                    alpha=0.25, linewidth=0)
    return line


def diverged_seeds(matrix):
    """Suffix for a band label: how many seeds (columns) contain NaN, or '' if none."""
    n_bad = int((~np.isfinite(matrix)).any(axis=0).sum())
    return f" (diverged in {n_bad}/{plural(matrix.shape[1], 'seed')})" if n_bad else ""


def note(ax, text):
    """Small text at the left middle of a panel (used to flag diverged runs)."""
    if text:
        ax.text(0.04, 0.5, text, transform=ax.transAxes, fontsize=7, va="center")


def outputs_by_stem(paths, exclude=()):
    """{file name without its suffix: its paths} of a job's outputs (``exclude``: paths left out)."""
    out = {}
    for path in map(str, paths):
        if path not in exclude:
            out.setdefault(Path(path).name.removesuffix(Path(path).suffix), []).append(path)
    return out


def save_outputs(fig, paths, texts):
    """Save ``fig`` to each PNG and PDF of ``paths``, and ``texts[suffix]`` (its caption) to each
    other path with that suffix, atomically."""
    for path in paths:
        suffix = Path(path).suffix.lower()
        if suffix in SAVE_OPTIONS:
            save_figure(fig, path)
            # The first save settles the layout; the other formats reuse it instead of running
            # the constrained-layout solver again (the costliest step for many-panel figures).
            # None, not "none": with no engine at all, savefig draws once instead of twice (a
            # placeholder engine still costs a layout pass); the files are byte-identical.
            fig.set_layout_engine(None)
        else:
            write_text(path, texts[suffix])


def save_figure(fig, path):
    """Save ``fig`` to ``path`` (PNG or PDF by suffix), reproducibly (no dates, no software
    stamp) and atomically (``dlscratch.atomic``: a reader never sees a half-written file)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SAVE_OPTIONS:
        raise ValueError(f"can only save {sorted(SAVE_OPTIONS)}, got {path}")
    with atomic_writer(path) as f:
        fig.savefig(f, format=suffix[1:], **SAVE_OPTIONS[suffix])


# --------------------------------------------------------------------------- loss curves


TAIL_SHOWN = 0.1  # the last fraction of a series that an axis grown past the chapter's range holds


def _tail(values):
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return finite[-max(1, int(np.ceil(TAIL_SHOWN * finite.size))):] if finite.size else finite


def shown_range(fixed, series, what):
    """The range of an axis that the chapter fixes (``fixed``: Fig 6-9's loss 0–1), kept where
    every series of ``series`` ({label: values}) ends inside it, else grown to hold the last
    tenth of every series (as the book's own 0–1 cuts off the first iterations' loss, the
    start may still be cut; no plot is empty because of its axis); and the caption's sentence
    saying so ("" when kept)."""
    low, high = fixed
    outside = [label for label, values in series.items()
               if (tail := _tail(values)).size and not low <= tail[-1] <= high]
    if not outside:
        return (low, high), ""
    values = np.concatenate([_tail(v) for v in series.values()])
    grown = (min(low, float(values.min())), max(high, float(values.max())))
    pad = 0.03 * (grown[1] - grown[0])
    grown = (grown[0] - pad if grown[0] < low else low, grown[1] + pad if grown[1] > high else high)
    names = ", ".join(outside[:4]) + (f" and {len(outside) - 4} more" if len(outside) > 4 else "")
    return grown, (f"The {what} axis grows to {grown[0]:.3g}–{grown[1]:.3g}: the chapter's {low:g}–{high:g} would hide "
                   f"where {names} end{'s' if len(outside) == 1 else ''}.")


def loss_axes(ax, ylim, series):
    """The loss axes of Figs 6-9 and 6-15: the chapter's range ``ylim`` unless the curves
    ``series`` ({label: smoothed values}) end outside it (``shown_range``); returns the
    caption's sentence about the axis."""
    ylim, note = shown_range(ylim, series, "loss")
    ax.set(xlabel="iterations", ylabel="loss", ylim=ylim)
    ax.legend()
    return note


def plot_loss_curves(loss, group, order, ylim):
    """Figs 6-9, 6-15: smoothed training loss, one line per value of ``group`` (in ``order``)."""
    fig, (ax,) = grid(1, 1, panel_size=(6.0, 4.5))
    series = {}
    for i, name in enumerate(order):
        rows = rows_of(loss, group, name).sort_values("iteration")
        y, diverged = smoothed(rows["loss"])
        label = label_text(name) + (DIVERGED if diverged else "")
        ax.plot(rows["iteration"], y, marker=MARKERS[i % len(MARKERS)], markevery=LOSS_MARKERS_EVERY, label=label)
        series[name] = y
    return fig, {"axis": loss_axes(ax, ylim, series)}


def plot_loss_band(loss, group, order, ylim):
    """Several-seed companion of ``plot_loss_curves``: mean of the smoothed curves and their min-max band."""
    fig, (ax,) = grid(1, 1, panel_size=(6.0, 4.5))
    series = {}
    for name in order:
        x, raw = seed_matrix(rows_of(loss, group, name), "iteration", "loss")
        curves = np.column_stack([smoothed(column)[0] for column in raw.T])
        draw_band(ax, x, curves, label=label_text(name) + diverged_seeds(raw))
        series[name] = pd.DataFrame(curves).mean(axis=1).to_numpy()
    ax.set_title(f"mean and min–max over {plural(loss['seed'].nunique(), 'seed')}")
    return fig, {"axis": loss_axes(ax, ylim, series)}


# --------------------------------------------------------------------------- loss curves as figures draw them


def loss_curves(tables, variants, settings, column, ylim):
    """Figs 6-9, 6-15: the first seed's smoothed loss of each variant (``column`` names them)."""
    return plot_loss_curves(tables["loss"], column, variants, tuple(ylim))


def loss_band(tables, variants, settings, column, ylim):
    return plot_loss_band(tables["loss"], column, variants, tuple(ylim))


# --------------------------------------------------------------------------- bands over seeds


def band_of(rows, x, y):
    """x values, and mean, min and max over seeds of ``y`` at each x (pandas' NaN-aware)."""
    grouped = rows.groupby(x)[y]
    return grouped.mean().index.to_numpy(), grouped.mean().to_numpy(), grouped.min().to_numpy(), \
        grouped.max().to_numpy()


def band(ax, rows, x, y, **style):
    xs, mean, low, high = band_of(rows, x, y)
    (line,) = ax.plot(xs, mean, **style)
    ax.fill_between(xs, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    return line
