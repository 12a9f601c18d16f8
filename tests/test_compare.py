"""The comparison of runs without Snakemake: overlays (the same series of every run on one set
of axes, a series shared by runs drawn once, one only some runs have said so), headline
numbers, a sweep's response figure (threshold, the book's value, a verdict per value), and
the page that leads with what differs."""

import math

import numpy as np
import pandas as pd
import pytest

from dlscratch.compare import compare_html, differing_figures, metric_rows, tidy
from dlscratch.metrics import final_metrics, loss_metrics, summarize
from dlscratch.overlay import Curve, Panel, _runs_text, draw_overlay, loss_panels, seed_curve
from dlscratch.smoothing import smooth_curve
from dlscratch.sweeps import VERDICT_COLOURS, claim_file, response, sweep_caption


def loss(rng, labels, seeds=(0, 1), n=12, shift=None):
    rows = []
    for seed in seeds:
        for label in labels:
            values = 2.3 * np.exp(-np.arange(n) / 30) + 0.05 * rng.random(n) + (shift or {}).get(label, 0.0)
            rows.append(pd.DataFrame({"seed": seed, "optimizer": label, "iteration": np.arange(1, n + 1),
                                      "loss": values}))
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- overlays


def test_a_seed_curve_is_the_mean_of_each_seeds_smoothed_curve_with_its_min_max_band(rng):
    table = loss(rng, ["SGD"], seeds=(0, 1, 2))
    curve = seed_curve(table, "iteration", "loss", "SGD", smooth=True)
    each = np.column_stack([smooth_curve(table[table.seed == s]["loss"].to_numpy()) for s in (0, 1, 2)])
    np.testing.assert_allclose(curve.y, each.mean(axis=1))
    np.testing.assert_allclose(curve.low, each.min(axis=1))
    np.testing.assert_allclose(curve.high, each.max(axis=1))
    one = seed_curve(table[table.seed == 1], "iteration", "loss", "SGD")
    assert one.low is None and np.array_equal(one.y, table[table.seed == 1]["loss"].to_numpy())


def test_an_overlay_draws_each_runs_series_once_names_the_runs_and_says_what_only_some_have(rng):
    book = loss(rng, ["SGD", "Adam"])
    faster = pd.concat([book[book.optimizer == "SGD"], loss(rng, ["Adam"], shift={"Adam": -0.5})])
    extra = pd.concat([book, loss(rng, ["RMSprop"])])  # a run with a variant more
    panels = {"book": loss_panels({"loss": book}, ["SGD", "Adam"], {}, "optimizer", (0, 1)),
              "adam_x10": loss_panels({"loss": faster}, ["SGD", "Adam"], {}, "optimizer", (0, 1)),
              "more": loss_panels({"loss": extra}, ["SGD", "Adam", "RMSprop"], {}, "optimizer", (0, 1))}
    fig, found = draw_overlay(panels)
    (ax,) = fig.axes
    labels = [line.get_label() for line in ax.lines]
    # SGD is the same in every run: drawn once; Adam differs in adam_x10; RMSprop only in "more"
    assert labels == ["SGD (every run)", "Adam (book, more)", "Adam (adam_x10)", "RMSprop (more)"]
    assert [line.get_linestyle() for line in ax.lines] == ["-", "-", "--", ":"]  # the runs' styles, the book solid
    assert ax.lines[1].get_color() == ax.lines[2].get_color() != ax.lines[0].get_color()  # colour: the series
    assert len(ax.collections) == 4  # each with its band over the two seeds
    caption = found["caption"]
    assert "book solid, as the book draws it, adam_x10 dashed, more dotted" in caption
    assert "Only in some runs: RMSprop only in more." in caption
    # every loss here starts above 1: the chapter's 0-1 grows to show the curves, and the caption says so
    assert ax.get_ylim()[1] > 1.5 and "The y axis grows to" in caption


def test_a_legend_names_the_runs_a_series_is_drawn_for_the_shorter_way():
    every = ["book", "a", "b", "c", "d"]
    assert _runs_text(every, every) == "every run" and _runs_text(["book", "a"], every) == "book, a"
    assert _runs_text(["book", "a", "b", "c"], every) == "every run but d"
    assert _runs_text(["book"], ["book"]) == "book"


def test_an_overlay_with_one_series_per_panel_colours_the_runs_and_matches_panels_by_key():
    def panels(shift, keys):
        return [Panel(k, title=k, xlim=(-10, 10), ylim=(-10, 10),
                      curves=[Curve("path", np.arange(3.0), np.arange(3.0) + shift)]) for k in keys]

    fig, found = draw_overlay({"book": panels(0, ["SGD", "Adam"]), "run": panels(1, ["SGD"])})
    sgd, adam = fig.axes
    assert [line.get_label() for line in sgd.lines] == ["book", "run"]
    assert sgd.lines[0].get_color() != sgd.lines[1].get_color()
    assert [line.get_label() for line in adam.lines] == ["book"]
    assert "panel Adam only in book" in found["caption"] and sgd.get_xlim() == (-10, 10)


# --------------------------------------------------------------------------- headline numbers


def test_headline_numbers_are_per_seed_and_summarized_with_a_t_interval(rng):
    summary = pd.DataFrame({"seed": [0, 0, 1, 1], "optimizer": ["SGD", "Adam"] * 2, "tail_loss": [1.0, 0.5, 1.2, 0.7],
                            "test_acc": [0.8, 0.9, 0.82, 0.93]})
    rows = loss_metrics(summary, "optimizer", {"iterations": 60})
    assert rows[:2] == [{"metric": "SGD: loss, last 60 it.", "seed": 0, "value": 1.0},
                        {"metric": "SGD: test accuracy", "seed": 0, "value": 0.8}]
    table = summarize([{"run": "book", "figure": "6-9", **r} for r in rows])
    adam = table[table.metric == "Adam: test accuracy"].iloc[0]
    half = 12.706204736 * np.std([0.9, 0.93], ddof=1) / math.sqrt(2)
    assert adam["mean"] == pytest.approx(0.915) and adam["hi"] == pytest.approx(0.915 + half)
    accuracy = pd.DataFrame({"seed": [0, 0], "variant": ["with", "with"], "epoch": [0, 1], "train_acc": [0.1, 0.9],
                             "test_acc": [0.1, 0.7]})
    gap, test = final_metrics(accuracy, "variant", lambda v: f"{v} Dropout")
    assert gap == {"metric": "with Dropout: train–test gap", "seed": 0, "value": pytest.approx(0.2)}
    assert test["value"] == 0.7


# --------------------------------------------------------------------------- sweeps


def claims(rows):
    return pd.DataFrame([{"claim": c, "statement": s, "quantity": "q", "holds_if": h, "per_seed": f"0: {m}",
                          "verdict": v, "mean": m, "ci95_low": m - 0.1, "ci95_high": m + 0.1}
                         for c, s, h, v, m in rows])


def test_a_sweeps_response_figure_shows_where_a_claim_holds_against_the_value():
    def run(lr, adam, verdict):
        return {"name": f"lr_{lr:g}", "values": [lr], "claims": claims([
            ("6-9", "Momentum beats SGD", "> 0", "holds", 0.3), ("6-9", "Adam beats SGD", "> 0", verdict, adam)])}

    runs = [run(1e-4, -0.2, "does not hold"), run(1e-3, 0.4, "holds"), run(1e-2, 0.1, "holds"),
            run(1e-1, -0.5, "does not hold")]
    fig, found = response("6-9", runs[1]["claims"], runs, ["optimizer_mnist.optimizers.Adam.lr"], [0.001])
    (ax,) = fig.axes  # Momentum's quantity is the same at every rate: no panel, named in the caption
    assert found["changed"] == ["Adam beats SGD"] and found["same"] == ["Momentum beats SGD"]
    assert ax.get_xscale() == "log" and ax.get_title() == "Adam beats SGD"
    assert [h.get_ydata()[0] for h in ax.lines if h.get_linestyle() == "--"] == [0]  # the threshold, > 0
    assert [v.get_xdata()[0] for v in ax.lines if v.get_linestyle() == ":"] == [0.001]  # the book's value
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [d.get_color() for d in dots] == [VERDICT_COLOURS[v] for v in
                                             ("does not hold", "holds", "holds", "does not hold")]
    assert [t.get_text() for t in ax.texts] == ["does not hold", "holds", "holds", "does not hold"]
    assert found["words"] == ["“Adam beats SGD” holds at 0.001, 0.01 (it holds if the quantity is > 0)"]
    sweep = {"name": "lr", "keys": ["optimizer_mnist.optimizers.Adam.lr"], "book": [None], "runs": runs}
    assert "(the book's value, (its default), dotted)" in sweep_caption(sweep, "6-9", found)
    assert claim_file("6-18/6-19") == "6-18_6-19"


# --------------------------------------------------------------------------- the page


def page_runs(tmp_path, same=True):
    """The book's run and two runs; Fig 6-9's PNG differs in "adam" only; Fig 6-1 is the same everywhere."""
    runs = []
    for name in ("book", "adam", "other"):
        directory = "results" if name == "book" else f"results/runs/{name}"
        (tmp_path / directory / "figures").mkdir(parents=True)
        (tmp_path / directory / "figures" / "fig6-01_function_surface.png").write_bytes(b"same")
        (tmp_path / directory / "figures" / "fig6-09_optimizers_mnist.png").write_bytes(
            b"other" if name == "adam" else b"book")
        adam = {"name": "adam", "lr": 0.01 if name == "adam" else 0.001}
        config = {"optimizer_mnist": {"optimizers": {"Adam": adam}}}
        runs.append({"name": name, "description": "", "directory": directory, "config": config,
                     "figures": [{"stem": "fig6-01_function_surface"}, {"stem": "fig6-09_optimizers_mnist"}]})
    return runs


def test_the_page_shows_images_only_of_the_figures_that_differ_and_names_the_others_once(tmp_path):
    runs = page_runs(tmp_path)
    differing = differing_figures(runs, root=tmp_path)
    assert differing == {"fig6-01_function_surface": [], "fig6-09_optimizers_mnist": ["adam"]}
    table = claims([("6-9", "Adam beats SGD", "> 0", "holds", 0.4)])
    worse = claims([("6-9", "Adam beats SGD", "> 0", "does not hold", -0.4)])
    metrics = summarize([{"run": r, "figure": "6-9", "metric": m, "seed": 0, "value": v} for r, m, v in [
        ("book", "Adam: test accuracy", 0.97), ("adam", "Adam: test accuracy", 0.95), ("other", "Adam: test accuracy", 0.97),
        ("book", "SGD: test accuracy", 0.9), ("adam", "SGD: test accuracy", 0.9), ("other", "SGD: test accuracy", 0.9)]])
    html = compare_html(runs, {"book": table, "adam": worse, "other": table}, differing,
                        {"fig6-09_optimizers_mnist": ("compare/overlay/fig6-09_optimizers_mnist.png", "Overlaid.")},
                        [], metrics)
    images = [line for line in html.split("<img")[1:]]
    assert len(images) == 3  # the overlay, and 6-9 as the book and as "adam" draw it: nothing else
    assert 'src="compare/overlay/fig6-09_optimizers_mnist.png"' in html
    assert 'src="runs/adam/figures/fig6-09_optimizers_mnist.png"' in html
    assert "runs/other/figures/fig6-09" not in html and 'src="figures/fig6-01' not in html
    identical = html.split('id="identical"')[1]
    assert identical.count("fig6-01_function_surface.png") == 1 and "Fig 6-1</a>" in identical
    summary = html.split('id="run-adam"')[1].split("</div>")[0]
    assert "Adam beats SGD" in summary and '<a href="#fig6-09_optimizers_mnist">Fig 6-9</a>' in summary
    assert 'class="v holds">holds</span> → <span class="v does-not-hold">does not hold' in summary
    other = html.split('id="run-other"')[1].split("</div>")[0]
    assert "nothing: these are the book's settings" in other and "Claims that change verdict</b>: none." in other
    columns, cells = metric_rows(metrics, ["book", "adam", "other"])
    assert columns == [{"figure": "6-9", "metric": "Adam: test accuracy"}]  # SGD's is the same in every run
    assert cells[("adam", "6-9", "Adam: test accuracy")] == "0.95" and "<th>Fig 6-9<br>Adam: test accuracy</th>" in html
    csv = tidy({"book": table, "adam": worse, "other": table}, ["book", "adam", "other"],
               {"adam": {"name": "lr", "keys": ["optimizer_mnist.optimizers.Adam.lr"], "values": [0.01]}}, metrics)
    assert csv[csv.run == "adam"][["kind", "sweep", "key", "value"]].drop_duplicates().values.tolist() == [
        ["claim", "lr", "optimizer_mnist.optimizers.Adam.lr", "0.01"], ["metric", "lr", "optimizer_mnist.optimizers.Adam.lr",
                                                                         "0.01"]]
    assert csv[(csv.kind == "metric") & (csv.run == "book")].claim.tolist() == ["Adam: test accuracy",
                                                                                "SGD: test accuracy"]
