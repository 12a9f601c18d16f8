"""Overlays: every run's version of a figure on one set of axes (``snakemake compare``).

A figure that differs between runs is hard to compare as two separate plots. Its overlay
draws the same series of every run together, as ``dvc plots diff`` does: each figure
declares how to read its series from one run's tables (``Figure.overlay``, a function
``(tables, variants, settings, **options) -> [Panel]`` over every seed), and this module
draws the runs' panels together:

- panels are matched by their key across runs (a panel only one run has is drawn for it);
- in a panel, a series is matched by its key; its colour tells the series apart where a
  panel has several (Adam, SGD; train, test), else the run; the line style tells the runs
  apart, the book's run drawn solid, as the book draws it;
- with several seeds a series is its mean over seeds with a min–max band (the several-seed
  figures' band), with one seed that seed's curve;
- a series that is the same in several runs (the other five optimizers when only Adam's
  rate changes) is drawn once, its legend naming those runs ("every run");
- a series or panel only some runs have is drawn for them, and the caption says so;
- a fixed range of the chapter (loss 0–1) grows to show every run's data
  (``plotting.shown_range``), and the caption says so.

``draw_overlay`` returns the figure and what the caption says of it (``caption``).
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import plotting as P
from .text import plural

RUN_STYLES = ("-", "--", ":", "-.", (0, (6, 2)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2, 1, 2)))
KINDS = ("line", "step", "points", "contour", "quiver")


@dataclass
class Curve:
    """One series of a panel: ``y`` against ``x`` (the mean over seeds), its min–max band over
    seeds (``low``, ``high``; None with one seed), drawn as a ``kind`` of ``KINDS``;
    ``extra`` holds a contour's ``z`` grid or a quiver's ``u`` and ``v``."""

    key: str
    x: np.ndarray
    y: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    kind: str = "line"
    extra: dict = field(default_factory=dict)

    def same(self, other):
        """Whether ``other`` draws exactly this series (NaN equal to NaN)."""
        mine, theirs = self.arrays(), other.arrays()
        return self.kind == other.kind and mine.keys() == theirs.keys() and all(
            np.shape(mine[k]) == np.shape(theirs[k]) and np.array_equal(mine[k], theirs[k], equal_nan=True)
            for k in mine)

    def arrays(self):
        out = {"x": self.x, "y": self.y, **self.extra}
        if self.low is not None:
            out.update(low=self.low, high=self.high)
        return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


@dataclass
class Panel:
    """One set of axes of an overlay, matched across runs by ``key``: its title, labels,
    the chapter's fixed ranges (``xlim``, ``ylim``: kept where every run's data end inside,
    else grown), scales, ``background(ax)`` (the contours of f under the paths), curves."""

    key: str
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    xlim: tuple | None = None
    ylim: tuple | None = None
    xscale: str = "linear"
    yscale: str = "linear"
    curves: list = field(default_factory=list)
    background: object = None


def seed_curve(rows, x, y, key, smooth=False, kind="line"):
    """The ``Curve`` of ``y`` against ``x`` over the seeds of ``rows`` (a ``seed`` column, or
    none: one deterministic curve): each seed's curve (``smooth``: the book's smooth_curve of
    its finite prefix), their mean, and with several seeds their min–max band."""
    if "seed" not in rows or rows["seed"].nunique() == 1:
        rows = rows.sort_values(x)
        values = rows[y].to_numpy(dtype=np.float64)
        return Curve(key, rows[x].to_numpy(dtype=np.float64), P.smoothed(values)[0] if smooth else values, kind=kind)
    xs, matrix = P.seed_matrix(rows, x, y)
    if smooth:
        matrix = np.column_stack([P.smoothed(column)[0] for column in matrix.T])
    seeds = pd.DataFrame(matrix).replace([np.inf, -np.inf], np.nan)
    return Curve(key, xs.astype(np.float64), seeds.mean(axis=1).to_numpy(), seeds.min(axis=1).to_numpy(),
                 seeds.max(axis=1).to_numpy(), kind=kind)


def _runs_text(runs, every):
    """The runs a series is drawn for, as its legend names them: "every run", "every run but
    X" where that is shorter, else the runs."""
    if len(runs) == len(every) and len(every) > 1:
        return "every run"
    others = [run for run in every if run not in runs]
    return f"every run but {', '.join(others)}" if len(runs) > 2 and len(others) < len(runs) else ", ".join(runs)


def _style(kind, colour, linestyle, run_index):
    if kind == "points":
        return {"color": colour, "linestyle": "none", "marker": P.MARKERS[run_index % len(P.MARKERS)],
                "markersize": 5 if run_index else 6, "alpha": 0.8}
    return {"color": colour, "linestyle": linestyle}


def _draw(ax, curve, style):
    """Draw ``curve`` on ``ax``; the artist its legend entry labels (None: none of its own)."""
    if curve.kind == "contour":
        ax.contour(curve.x, curve.y, curve.extra["z"], colors=[style["color"]], linestyles=[style["linestyle"]],
                   linewidths=0.9)
        return None
    if curve.kind == "quiver":
        ax.quiver(curve.x, curve.y, curve.extra["u"], curve.extra["v"], color=style["color"], angles="xy",
                  scale_units="xy", scale=curve.extra.get("scale"), width=0.004, alpha=0.8)
        return None
    if curve.kind == "step":
        (line,) = ax.step(curve.x, curve.y, where="mid", **style)
    else:
        (line,) = ax.plot(curve.x, curve.y, **style)
    if curve.low is not None:
        ax.fill_between(curve.x, curve.low, curve.high, color=style["color"], alpha=0.12, linewidth=0,
                        step="mid" if curve.kind == "step" else None)
    return line


def _values(curve):
    """The values of ``curve`` along x and along y (its mean), for the range check."""
    if curve.kind in ("contour", "quiver"):
        return None
    return {"x": np.asarray(curve.x, dtype=np.float64), "y": np.asarray(curve.y, dtype=np.float64)}


def draw_overlay(panels_by_run, ncols=None, panel_size=None):
    """The overlay of ``panels_by_run`` ({run: [Panel]}, the book's run first) and what its
    caption says: {"caption": sentences on line styles, shared and one-run series, axes}."""
    runs = list(panels_by_run)
    order, panels = [], {}
    for run in runs:
        for panel in panels_by_run[run]:
            if panel.key not in panels:
                order.append(panel.key)
                panels[panel.key] = {}
            panels[panel.key][run] = panel
    ncols = ncols or (1 if len(order) == 1 else min(4, len(order)))
    size = panel_size or ((9.5, 5.0) if len(order) == 1 else (3.4, 2.9))
    fig, axes = P.grid(max(len(order), 1), ncols, panel_size=size)
    only, notes = [], []
    colours = {}
    for ax, key in zip(axes, order):
        by_run = panels[key]
        first = next(iter(by_run.values()))
        if len(by_run) < len(runs):
            only.append(f"panel {first.title or key} only in {', '.join(by_run)}")
        keys = list(dict.fromkeys(c.key for panel in by_run.values() for c in panel.curves))
        per_series = len(keys) > 1
        if first.background is not None:
            first.background(ax)
        drawn = []  # [(curve, the runs that have it, the index of the first)]
        for i, run in enumerate(runs):
            panel = by_run.get(run)
            for curve in panel.curves if panel else []:
                twin = next((d for d in drawn if d[0].key == curve.key and d[0].same(curve)), None)
                if twin is not None:
                    twin[1].append(run)
                else:
                    drawn.append((curve, [run], i))
        for key_ in keys:
            having = [run for run in runs if run in by_run and any(c.key == key_ for c in by_run[run].curves)]
            if len(having) < len(runs) and len(by_run) == len(runs):
                only.append(f"{key_}{f' ({first.title})' if first.title and len(order) > 1 else ''} only in "
                            f"{', '.join(having)}")
        ranges = {"x": {}, "y": {}}
        for curve, sharing, i in drawn:
            colour = colours.setdefault(curve.key, f"C{len(colours) % 10}") if per_series else f"C{i % 10}"
            style = _style(curve.kind, colour, RUN_STYLES[i % len(RUN_STYLES)], i)
            label = _runs_text(sharing, runs)
            label = f"{P.label_text(curve.key)} ({label})" if per_series else label
            artist = _draw(ax, curve, style)
            if artist is None:  # contours and arrows: a proxy line carries the legend entry
                ax.plot([], [], label=label, **style)
            else:
                artist.set_label(label)
                values = _values(curve)
                ranges["x"][label], ranges["y"][label] = values["x"], values["y"]
        where = f" of panel {first.title}" if first.title and len(order) > 1 else ""
        for axis, fixed in (("x", first.xlim), ("y", first.ylim)):
            if fixed is None:
                continue
            shown, note = P.shown_range(fixed, ranges[axis], axis + where)
            getattr(ax, f"set_{axis}lim")(shown)
            if note:
                notes.append(note)
        ax.set(title=first.title, xlabel=first.xlabel, ylabel=first.ylabel, xscale=first.xscale,
               yscale=first.yscale)
        if len(order) == 1:  # beside the axes: a legend of several runs would hide curves
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
        else:
            ax.legend(fontsize=7 if len(order) <= 4 else 5, loc="best")
    styles = ", ".join(f"{run} {_style_name(i)}" for i, run in enumerate(runs))
    caption = [f"Line styles tell the runs apart: {styles}"
               + ("; colours, the series." if any(len({c.key for p in panels[k].values() for c in p.curves}) > 1
                                                   for k in order) else "; colours too."),
               "A series the same in several runs is drawn once; its legend names them."]
    if only:
        caption.append("Only in some runs: " + "; ".join(only) + ".")
    caption += notes
    return fig, {"caption": " ".join(caption)}


def _style_name(i):
    names = ("solid, as the book draws it", "dashed", "dotted", "dash-dotted", "long-dashed", "dash-dot-dotted",
             "sparsely dotted", "long dash-dotted")
    return names[i % len(names)]


def seeds_text(seeds_by_run):
    """What the overlay's curves are over seeds, as its caption says it."""
    seeds = {tuple(s) for s in seeds_by_run.values()}
    if len(seeds) == 1:
        (only,) = seeds
        return (f"Each run's mean over {plural(len(only), 'seed')} ({', '.join(map(str, only))}) with its min–max "
                "band." if len(only) > 1 else f"Seed {only[0]}.") if only != (None,) else ""
    return "Over each run's seeds: " + "; ".join(f"{run} {', '.join(map(str, s))}" for run, s in
                                                 seeds_by_run.items()) + " (mean and min–max band)."




def loss_panels(tables, variants, settings, column, ylim):
    """Figs 6-9, 6-15 in an overlay of runs: one panel, each variant's smoothed loss over
    its seeds (``plotting.loss_curves``' options)."""
    loss = tables["loss"]
    curves = [seed_curve(P.rows_of(loss, column, name), "iteration", "loss", name, smooth=True) for name in variants]
    return [Panel("loss", xlabel="iterations", ylabel="loss", ylim=tuple(ylim), curves=curves)]
