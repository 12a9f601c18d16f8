"""6.1 Parameter updates: the function f(x, y) = x²/20 + y² (Figs 6-1, 6-2), the paths of
the optimizers on it (Figs 6-3 to 6-8), and the optimizers on MNIST (Fig 6-9)."""

import math

import numpy as np
import pandas as pd

from .. import plotting as P
from ..captions import LOSS, PAIRED
from ..claims import (BOOK_NAMES, above, at_least, book_optimizers, claim_row, hyper, missing, not_measured,
                      paired)
from ..declare import BOOK_OPTIMIZER_NAMES, Book, Claims, Every, Experiment, Figure, Others, Section, fixed
from ..optimizers import make_optimizer
from ..overlay import Curve, Panel, loss_panels
from ..metrics import loss_metrics
from ..paired import TAIL, first_images, loss_curve_schemas, paired_loss_curves
from ..surface import df, f, optimize_path
from ..tables import Schema

# --------------------------------------------------------------------------- training


def _axis(bounds, step):
    low, high = bounds
    return np.round(low + step * np.arange(int(np.floor((high - low) / step + 1e-9)) + 1), 12)


def function_surface(settings, data=None, seed=None):
    """Figs 6-1, 6-2: f(x, y) = x^2/20 + y^2 on a grid, and its negative gradient on another
    (deterministic: no data, no seed). ``x_range`` and ``y_range`` bound both grids;
    ``surface_step`` and ``arrow_step`` space their points.
    Returns {"surface": x, y, f; "gradient": x, y, gx, gy, where (gx, gy) = -grad f}."""
    tables = {}
    for name, step in (("surface", settings["surface_step"]), ("gradient", settings["arrow_step"])):
        X, Y = np.meshgrid(_axis(settings["x_range"], step), _axis(settings["y_range"], step))
        x, y = X.ravel(), Y.ravel()
        if name == "surface":
            tables[name] = pd.DataFrame({"x": x, "y": y, "f": f(x, y)})
        else:
            gx, gy = df(x, y)
            tables[name] = pd.DataFrame({"x": x, "y": y, "gx": -gx, "gy": -gy})
    return tables


def function_surface_schemas(settings):
    sizes = {name: len(_axis(settings["x_range"], settings[key])) * len(_axis(settings["y_range"], settings[key]))
             for name, key in (("surface", "surface_step"), ("gradient", "arrow_step"))}
    return {"surface": Schema({"x": "float", "y": "float", "f": "float"}, sizes["surface"]),
            "gradient": Schema({"x": "float", "y": "float", "gx": "float", "gy": "float"}, sizes["gradient"])}


def optimizer_paths(settings, data=None, seed=None):
    """Paths of each optimizer on f, deterministic (no data, no seed).

    ``settings["optimizers"]`` maps a display name to ``{"name": optimizer name,
    **hyperparameters}``; ``start`` is the starting point, ``steps`` the number of updates.
    Returns {"paths": optimizer, lr, step, x, y, f}.
    """
    rows = []
    for label, spec in settings["optimizers"].items():
        spec = dict(spec)
        opt = make_optimizer(spec.pop("name"), **spec)
        path = optimize_path(opt, settings["start"], settings["steps"])
        rows.append(pd.DataFrame({"optimizer": label, "lr": opt.lr, "step": np.arange(len(path)),
                                  "x": path[:, 0], "y": path[:, 1], "f": f(path[:, 0], path[:, 1])}))
    return {"paths": pd.concat(rows, ignore_index=True)}


def optimizer_mnist(settings, data, seed):
    """Fig 6-9: every optimizer of ``settings["optimizers"]`` trains the same He-initialised
    ReLU net on the same minibatches of the first ``train_size`` images.
    Returns {"loss", "summary"} (see ``paired_loss_curves``), variant column ``optimizer``."""
    variants = {name: ({}, spec) for name, spec in settings["optimizers"].items()}
    return paired_loss_curves(first_images(data, settings["train_size"]), variants, settings["hidden_sizes"],
                              settings["batch_size"], settings["iterations"], seed, "optimizer_mnist",
                              variant_column="optimizer")


def optimizer_paths_schemas(settings):
    columns = {"optimizer": "str", "lr": "float", "step": "int", "x": "float", "y": "float", "f": "float"}
    labels = list(settings["optimizers"])
    return {"paths": Schema(columns, len(labels) * (settings["steps"] + 1), {"optimizer": labels})}


def optimizer_mnist_schemas(settings):
    return loss_curve_schemas(settings, settings["optimizers"], "optimizer")


def check_surface(block, config, fail):
    for key in ("x_range", "y_range"):
        low, high = block[key]
        if not low < high:
            fail(f"function_surface.{key}", f"lower bound {low} must be below upper bound {high}")
    for key in ("surface_step", "arrow_step"):
        points = math.prod((high - low) / block[key] + 1 for low, high in (block["x_range"], block["y_range"]))
        if points > 250_000:
            fail(f"function_surface.{key}", f"{block[key]} makes a grid of {points:,.0f} points (at most 250,000)")


def check_batch(name):
    def check(block, config, fail):
        if block["batch_size"] > block["train_size"]:
            fail(f"{name}.batch_size", f"{block['batch_size']} is larger than {name}.train_size {block['train_size']}")
    return check


# --------------------------------------------------------------------------- figures


def _grid_of(table, value):
    """X, Y and ``value`` of a long (x, y, value) table as 2-D arrays for surface/contour plots."""
    wide = table.pivot(index="y", columns="x", values=value).sort_index().sort_index(axis=1)
    X, Y = np.meshgrid(wide.columns.to_numpy(), wide.index.to_numpy())
    return X, Y, wide.to_numpy()


def plot_function_surface(surface):
    """Fig 6-1: f(x, y) as a 3-D surface (left) and as contour lines (right)."""
    X, Y, Z = _grid_of(surface, "f")
    fig = P.new_figure(figsize=(10.0, 4.2), layout="constrained")
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
    fig, (ax,) = P.grid(1, 1, panel_size=(6.0, 4.5))
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
    fig, axes = P.grid(len(optimizers), ncols, panel_size=(4.5, 4.0))
    # the book's box, -10 to 10 on both axes, unless a path ends outside it
    shown = {axis: P.shown_range((-10, 10), {name: P.rows_of(paths, "optimizer", name).sort_values("step")[axis]
                                            for name in optimizers}, axis) for axis in ("x", "y")}
    for ax, name in zip(axes, optimizers):
        rows = P.rows_of(paths, "optimizer", name).sort_values("step")
        lrs = rows["lr"].unique()
        if len(lrs) != 1:
            raise ValueError(f"{name}: expected one learning rate, got {lrs}")
        diverged = not np.isfinite(rows[["x", "y"]].to_numpy(dtype=np.float64)).all()
        ax.contour(X, Y, Z)
        ax.plot(rows["x"], rows["y"], color="red", marker="o", markersize=3)
        ax.plot(0, 0, "+")
        ax.set(xlim=shown["x"][0], ylim=shown["y"][0], xlabel="x", ylabel="y")
        ax.set_title(f"{P.label_text(name)} (lr={lrs[0]:g})" + (P.DIVERGED if diverged else ""))
    return fig, {"axis": " ".join(note for _, note in shown.values() if note)}


def surface(tables, variants, settings):
    return plot_function_surface(tables["surface"])


def surface_panels(tables, variants, settings):
    """Fig 6-1 in an overlay of runs: the contour lines of f on each run's grid."""
    X, Y, Z = _grid_of(tables["surface"], "f")
    return [Panel("contours", xlabel="x", ylabel="y", curves=[Curve("f", X, Y, kind="contour", extra={"z": Z})])]


def gradient_panels(tables, variants, settings):
    """Fig 6-2 in an overlay of runs: each run's arrows of −∇f."""
    g = tables["gradient"]
    return [Panel("arrows", xlabel="x", ylabel="y", curves=[
        Curve("−∇f", g["x"].to_numpy(), g["y"].to_numpy(), kind="quiver",
              extra={"u": g["gx"].to_numpy(), "v": g["gy"].to_numpy()})])]


def gradient_field(tables, variants, settings):
    return plot_gradient_field(tables["gradient"])


def paths(tables, variants, settings):
    return plot_paths(tables["paths"], variants, ncols=1 if len(variants) == 1 else 2)


def _contours(ax):
    X, Y, Z = _book_function_grid()
    ax.contour(X, Y, Z, colors="#bbbbbb", linewidths=0.6)
    ax.plot(0, 0, "+", color="k")


def paths_panels(tables, variants, settings):
    """Figs 6-3 to 6-8 in an overlay of runs: a panel per optimizer, each run's path on the
    contours of f, in the book's box."""
    panels = []
    for name in variants:
        rows = P.rows_of(tables["paths"], "optimizer", name).sort_values("step")
        panels.append(Panel(name, title=P.label_text(name), xlabel="x", ylabel="y", xlim=(-10, 10), ylim=(-10, 10),
                            curves=[Curve("path", rows["x"].to_numpy(), rows["y"].to_numpy())],
                            background=_contours))
    return panels


def paths_metrics(tables, settings):
    """The headline number of Figs 6-3 to 6-8: each optimizer's final f (deterministic)."""
    final = tables["paths"].sort_values("step").groupby("optimizer", sort=False).last()
    return [{"metric": f"{name}: final f", "seed": None, "value": float(final.loc[name, "f"])} for name in final.index]


def optimizer_metrics(tables, settings):
    return loss_metrics(tables["summary"], "optimizer", settings)


# --------------------------------------------------------------------------- claims


def claims_function(tables, settings):
    """Figs 6-1, 6-2, from the tables of f and of -grad f (deterministic)."""
    surface, gradient = tables["function_surface"]["surface"], tables["function_surface"]["gradient"]
    inside = surface[surface["f"] <= 1.0]
    arrows = gradient[(gradient["gx"] != 0) | (gradient["gy"] != 0)]
    along_y = float(np.mean(np.abs(arrows["gy"]) > np.abs(arrows["gx"])))
    # the angle between each arrow and the direction from its point to the minimum (0, 0)
    cosine = -(arrows["gx"] * arrows["x"] + arrows["gy"] * arrows["y"]) / (
        np.hypot(arrows["gx"], arrows["gy"]) * np.hypot(arrows["x"], arrows["y"]))
    off = float(np.mean(np.degrees(np.arccos(np.clip(cosine, -1, 1))) > 5))
    stretch = (np.ptp(inside["x"]) / np.ptp(inside["y"])) if len(inside) > 1 and np.ptp(inside["y"]) else math.nan
    return [
        claim_row("6-1", "f is a bowl stretched along x: its contour f = 1 is much wider along x than along y (√20 ≈ "
                  "4.5 times)", "width ÷ height of the grid points where f ≤ 1 (≥ 2 to hold)", {0: stretch},
                  at_least(2), deterministic=True, detail=f"{len(inside)} grid points with f ≤ 1"),
        claim_row("6-2", "The gradient points mostly along y", "fraction of arrows of −∇f whose y part is the larger "
                  "(≥ 0.5 to hold)", {0: along_y}, at_least(0.5), deterministic=True,
                  detail=f"{len(arrows)} arrows"),
        claim_row("6-2", "Most arrows of −∇f do not point at the minimum (0, 0)", "fraction of arrows more than 5° "
                  "off the direction to (0, 0) (≥ 0.5 to hold)", {0: off}, at_least(0.5), deterministic=True,
                  detail=f"{len(arrows)} arrows; on the axes they point straight at it"),
    ]


def claims_paths(tables, settings):
    paths, settings = tables["optimizer_paths"]["paths"], settings["optimizer_paths"]
    book = book_optimizers(settings)
    labels = list(book.values())
    statement = (f"On f = x²/20 + y², {book.get('adagrad', 'AdaGrad')} ends closest to the minimum of "
                 f"{', '.join(labels) if len(labels) > 1 else 'the book’s four optimizers'}")
    quantity = "smallest other final f − AdaGrad's final f"
    if "adagrad" not in book or len(book) < 2:
        wanted = ["adagrad"] if "adagrad" not in book else [n for n in BOOK_OPTIMIZER_NAMES if n not in book]
        return [not_measured("6-8", statement, quantity, missing("optimizer_paths", "optimizers", *wanted))]
    final = paths.sort_values("step").groupby("optimizer").last()["f"]
    ada = book["adagrad"]
    others = final[[label for label in labels if label != ada]].fillna(math.inf)  # a diverged path is far away
    margin = float(others.min() - final[ada])
    detail = "final f: " + ", ".join(f"{label} ({hyper(settings['optimizers'][label])}) {final[label]:.3g}"
                                     for label in labels)
    return [claim_row("6-8", statement, quantity, {0: margin}, above(0), deterministic=True, detail=detail)]


def claims_optimizers(tables, settings):
    summary, settings = tables["optimizer_mnist"]["summary"], settings["optimizer_mnist"]
    book = book_optimizers(settings)
    spec = settings["optimizers"]
    tail = f"the last {min(TAIL, settings['iterations'])} iterations"
    sgd = book.get("sgd", "SGD")
    rows = []
    for name in ("momentum", "adagrad", "adam"):
        label = book.get(name, BOOK_NAMES[name])
        faster = (f"{label} ({hyper(spec[label])})" if name in book else label) + " ends with lower training loss " \
            f"than {sgd}" + (f" ({hyper(spec[sgd])})" if "sgd" in book else "")
        quantity = f"paired difference of mean loss over {tail}, {sgd} − {label}"
        higher = f"{label} reaches higher test accuracy than {sgd}"
        quantity_acc = f"paired difference of test accuracy, {label} − {sgd}"
        if name not in book or "sgd" not in book:
            lacking = missing("optimizer_mnist", "optimizers", *[n for n in ("sgd", name) if n not in book])
            rows += [not_measured("6-9", faster, quantity, lacking),
                     not_measured("6-9", higher, quantity_acc, lacking)]
            continue
        tests = summary.groupby("optimizer")["test_acc"].mean()
        rows.append(claim_row("6-9", faster, quantity, paired(summary, "tail_loss", sgd, label, "optimizer"),
                              above(0)))
        rows.append(claim_row("6-9", higher, quantity_acc, paired(summary, "test_acc", label, sgd, "optimizer"),
                              above(0),
                              detail=f"mean test accuracy {label} {tests[label]:.4f}, {sgd} {tests[sgd]:.4f}"))
    others = [book[n] for n in BOOK_OPTIMIZER_NAMES if n in book and n != "adagrad"]
    ada = book.get("adagrad", "AdaGrad")
    statement = f"{ada} learns fastest of {', '.join([ada] + others)} (slightly)"
    quantity = f"smallest mean loss over all iterations of {', '.join(others) or 'the others'} − {ada}'s"
    if "adagrad" not in book or not others:
        wanted = ["adagrad"] if "adagrad" not in book else ["sgd", "momentum", "adam"]
        rows.append(not_measured("6-9", statement, quantity, missing("optimizer_mnist", "optimizers", *wanted)))
        return rows
    per_seed = {}
    for seed, rows_ in summary.groupby("seed"):
        mean_loss = dict(zip(rows_["optimizer"], rows_["mean_loss"]))
        per_seed[seed] = min(mean_loss[n] for n in others) - mean_loss[ada]
    rows.append(claim_row("6-9", statement, quantity, per_seed, above(0)))
    return rows


# --------------------------------------------------------------------------- the section


SURFACE = (
    "f on x in [{{ settings.x_range | join(', ') }}], y in [{{ settings.y_range | join(', ') }}], sampled every "
    "{{ settings.surface_step }}: the surface (left) and contour lines (right), a bowl stretched along x.")
GRADIENT = (
    "Arrows of −∇f = (−x/10, −2y) on a grid every {{ settings.arrow_step }} over x in "
    "[{{ settings.x_range | join(', ') }}], y in [{{ settings.y_range | join(', ') }}]: they point mostly along y, "
    "and most do not point at the minimum (0, 0), which is why SGD zig-zags.")
PATHS = (
    "Path of {{ variants | join(', ') }} on f(x, y) = x²/20 + y² from ({{ settings.start | join(', ') }}), "
    "{{ settings.steps }} updates, every point drawn; "
    "{% for v in variants %}{{ v }}: {{ settings.optimizers[v] | hyper }}{% if not loop.last %}; {% endif %}"
    "{% endfor %}. Contours of f with values above 7 masked as in the book; '+' marks the minimum.")
OPTIMIZERS_LOSS = LOSS + (
    "ReLU, He initial weights. {% for v in variants %}{{ v }}: {{ settings.optimizers[v] | hyper }}"
    "{% if not loop.last %}; {% endif %}{% endfor %}." + PAIRED)
LOSS_STYLE = {"column": "optimizer", "ylim": (0, 1)}
RANGE = {"$ref": "#/$defs/range"}
SIZES = {"train_size": {"type": "integer", "minimum": 1, "maximum": 60000},
         "hidden_sizes": {"$ref": "#/$defs/hidden_sizes"}, "batch_size": {"$ref": "#/$defs/positive_int"},
         "iterations": {"type": "integer", "minimum": 11}}

SECTION = Section(
    "6.1", "Parameter updates", "参数的更新",
    experiments=(
        Experiment("function_surface", function_surface, fixed("surface", "gradient"),
                   "The function f(x, y) = x²/20 + y²", mnist=False, seeded=False,
                   schemas=function_surface_schemas, claims_tables=("surface", "gradient"),
                   entry_tables=("surface", "gradient"), check=check_surface,
                   config={"x_range": RANGE, "y_range": RANGE,
                           "surface_step": {"type": "number", "exclusiveMinimum": 0},
                           "arrow_step": {"type": "number", "exclusiveMinimum": 0}}),
        Experiment("optimizer_paths", optimizer_paths, fixed("paths"), "Optimizers on f(x, y) = x²/20 + y²",
                   mnist=False, seeded=False, schemas=optimizer_paths_schemas, variant_table="optimizers",
                   claims_tables=("paths",), entry_tables=("paths",), variant_units=True, metrics=paths_metrics,
                   config={"start": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                           "steps": {"$ref": "#/$defs/positive_int"},
                           "optimizers": {"$ref": "#/$defs/optimizer_table"}}),
        Experiment("optimizer_mnist", optimizer_mnist, fixed("loss", "summary"), "Optimizers on MNIST", priority=50,
                   schemas=optimizer_mnist_schemas, variant_table="optimizers", claims_tables=("summary",),
                   entry_tables=("loss", "summary"), variant_units=True, check=check_batch("optimizer_mnist"),
                   metrics=optimizer_metrics,
                   config={**SIZES, "optimizers": {"$ref": "#/$defs/optimizer_table"}}),
    ),
    figures=(
        Figure("fig6-01_function_surface", "6-1", "function_surface",
               "The graph of f(x, y) = x²/20 + y² (left) and its contour lines (right)", SURFACE,
               surface, ("surface",), claims=("6-1",), overlay=surface_panels),
        Figure("fig6-02_gradient", "6-2", "function_surface", "The gradient of f(x, y) = x²/20 + y²", GRADIENT,
               gradient_field, ("gradient",), claims=("6-2",), overlay=gradient_panels),
        Figure("fig6-03_sgd_path", "6-3", "optimizer_paths", "The optimization path of SGD", PATHS,
               paths, ("paths",), Book("optimizers", ("sgd",)), overlay=paths_panels),
        Figure("fig6-05_momentum_path", "6-5", "optimizer_paths", "The optimization path of Momentum", PATHS,
               paths, ("paths",), Book("optimizers", ("momentum",)), overlay=paths_panels),
        Figure("fig6-06_adagrad_path", "6-6", "optimizer_paths", "The optimization path of AdaGrad", PATHS,
               paths, ("paths",), Book("optimizers", ("adagrad",)), overlay=paths_panels),
        Figure("fig6-07_adam_path", "6-7", "optimizer_paths", "The optimization path of Adam", PATHS,
               paths, ("paths",), Book("optimizers", ("adam",)), overlay=paths_panels),
        Figure("fig6-08_optimizer_paths", "6-8", "optimizer_paths",
               "Comparison of optimization methods: SGD, Momentum, AdaGrad, Adam", PATHS,
               paths, ("paths",), Book("optimizers", BOOK_OPTIMIZER_NAMES, partial=True), claims=("6-8",),
               overlay=paths_panels),
        Figure("fig6-08x_other_optimizer_paths", "6-8x", "optimizer_paths",
               "Optimizers the book's figure lacks", PATHS,
               paths, ("paths",), Others("optimizers", BOOK_OPTIMIZER_NAMES), overlay=paths_panels),
        Figure("fig6-09_optimizers_mnist", "6-9", "optimizer_mnist", "Comparison of optimizers on MNIST",
               OPTIMIZERS_LOSS, P.loss_curves, ("loss",), Book("optimizers", BOOK_OPTIMIZER_NAMES, partial=True),
               options=LOSS_STYLE, band=P.loss_band, claims=("6-9",), overlay=loss_panels),
        Figure("fig6-09x_all_optimizers_mnist", "6-9x", "optimizer_mnist", "Every configured optimizer on MNIST",
               OPTIMIZERS_LOSS, P.loss_curves, ("loss",), Every("optimizers"), options=LOSS_STYLE,
               band=P.loss_band, overlay=loss_panels),
    ),
    claims=(
        Claims(claims_function, ("function_surface",), ("6-1", "6-2")),
        Claims(claims_paths, ("optimizer_paths",), ("6-8",)),
        Claims(claims_optimizers, ("optimizer_mnist",), ("6-9",)),
    ),
)
