"""Study 4, beyond the book: random against grid search at equal budget (Bergstra & Bengio
2012). Grids over the 6.5 ranges, of as many trials as random search has after 1, 4, 9, ...
trials; the random search itself is the chapter's (read from its tables)."""

import numpy as np
import pandas as pd

from .. import plotting as P
from ..captions import STUDY_SEEDS
from ..choices import efficiency, search_budgets
from ..claims import claim_row, equal
from ..declare import Claims, Experiment, Figure, Section
from ..tables import Schema
from .search import run_trials, validation_split

# --------------------------------------------------------------------------- training


def grid_trials(settings, size):
    """A ``size`` x ``size`` grid over the random search's ranges (log scale), one trial at the
    centre of each cell: the grid's share of the same space uniform sampling covers.
    Columns: trial, lr, weight_decay."""
    lr_low, lr_high = settings["lr_exponents"]
    wd_low, wd_high = settings["weight_decay_exponents"]
    centres = (np.arange(size) + 0.5) / size
    lr, wd = np.meshgrid(lr_low + centres * (lr_high - lr_low), wd_low + centres * (wd_high - wd_low))
    return pd.DataFrame({"trial": np.arange(size * size), "lr": 10 ** lr.ravel(), "weight_decay": 10 ** wd.ravel()})


def grid_search(settings, data, seed):
    """The grid of ``settings["grid_size"]`` (a job's part; every size of ``grid_sizes``
    without it), trained exactly as the chapter's random search trains its trials (the same
    split, weights and batches: ``settings["random_search"]`` is its block). Returns
    {"grid<size>": seed, grid_size, trial, lr, weight_decay, val_acc, train_acc, diverged_at}
    with each trial's final accuracies."""
    search = settings["random_search"]
    sizes = [settings["grid_size"]] if "grid_size" in settings else settings["grid_sizes"]
    (x, t), _ = data
    split = validation_split(x, t, search["subset_size"], search["validation_rate"], seed)
    tables = {}
    for size in sizes:
        curves = run_trials(split, grid_trials(search, size), search["hidden_sizes"], search["batch_size"],
                            search["epochs"], seed)
        last = curves[curves["epoch"] == curves["epoch"].max()]
        table = last[["trial", "lr", "weight_decay", "val_acc", "train_acc", "diverged_at"]].reset_index(drop=True)
        table.insert(0, "grid_size", size)
        table.insert(0, "seed", seed)
        tables[f"grid{size}"] = table
    return tables


def grid_search_schemas(settings):
    columns = {"seed": "int", "grid_size": "int", "trial": "int", "lr": "float", "weight_decay": "float",
               "val_acc": "float", "train_acc": "float", "diverged_at": "float"}
    return {f"grid{size}": Schema(columns, size * size, {"grid_size": [size], "trial": list(range(size * size))})
            for size in settings["grid_sizes"]}


def check(block, config, fail):
    trials = config["random_search"]["trials"]
    for size in block["grid_sizes"]:
        if size * size > trials:
            fail("study_search.grid_sizes", f"a {size} x {size} grid has more trials than the {trials} of "
                 "random_search to compare it with")


# --------------------------------------------------------------------------- figures


def random_vs_grid(tables, variants, settings, seeds):
    """Study 4: the best validation accuracy after a budget of trials. Random search as
    Bergstra & Bengio plot it, its efficiency curve: the median of the best of b trials drawn
    at random from the search's trials, and its 5-95% band (each the mean over seeds); the
    one order the trials were drawn in, faint; the grids' best, mean and min-max over seeds."""
    summary = tables["random_search:summary"]
    budgets, curve = search_budgets(summary, tables["grid"]), efficiency(summary)
    fig, (ax,) = P.grid(1, 1, panel_size=(6.0, 4.5))
    mean = curve.groupby("budget")[["q05", "median", "q95"]].mean()
    (line,) = ax.plot(mean.index, mean["median"], color="C0", label="random search: median best of b trials")
    ax.fill_between(mean.index, mean["q05"], mean["q95"], color="C0", alpha=0.2, linewidth=0,
                    label="random search: 5–95% of draws")
    drawn = budgets[budgets["method"] == "random"].groupby("budget")["best_val_acc"].mean()
    ax.plot(drawn.index, drawn.to_numpy(), color="C0", alpha=0.35, linewidth=0.8, linestyle=":",
            label="random search: in the order drawn")
    P.band(ax, budgets[budgets["method"] == "grid"], "budget", "best_val_acc", marker="s", linestyle="--",
          color="C1", label="grid search")
    ax.set(xscale="log", xlabel="trials (budget)", ylabel="best validation accuracy", ylim=(0, 1))
    ax.legend(loc="lower right", fontsize=8)
    return fig


# --------------------------------------------------------------------------- claims


def claims_study_search(tables, settings):
    """Study 4: random search is at least as good as grid search at every budget, measured as
    Bergstra & Bengio (2012) measure it: against the median of random search's efficiency
    curve (the best of b trials drawn at random from the search's trials, exactly:
    ``choices.efficiency``), not against the one order the trials happened to be drawn in
    (that one is in the detail)."""
    grids, random_summary = tables["study_search"]["grid"], tables["study_search"]["random_search:summary"]
    settings = settings["study_search"]
    budgets = search_budgets(random_summary, grids)
    curve = efficiency(random_summary).set_index(["seed", "budget"])
    per_seed, one_order, gaps = {}, {}, {}
    for seed, rows in budgets.groupby("seed"):
        grid = rows[rows["method"] == "grid"].set_index("budget")["best_val_acc"]
        drawn = rows[rows["method"] == "random"].set_index("budget")["best_val_acc"]
        common = [b for b in grid.index if b in drawn.index]
        per_seed[seed] = float(np.mean([curve.loc[(seed, b), "median"] >= grid[b] for b in common]))
        one_order[seed] = float(np.mean([drawn[b] >= grid[b] for b in common]))
        for b in common:
            gaps.setdefault(b, []).append(curve.loc[(seed, b), "median"] - grid[b])
    sizes = ", ".join(f"{m * m}" for m in settings["grid_sizes"])
    n_trials = int(random_summary.groupby("seed").size().max())
    detail = ("random median − grid, mean over seeds, by budget: "
              + ", ".join(f"{b}: {np.mean(v):+.3f}" for b, v in sorted(gaps.items()))
              + ". In the one order the trials were drawn (the search as run), the fraction of the budgets at which "
              + "it is at least the grid's: " + "; ".join(f"{s}: {v:.2g}" for s, v in sorted(one_order.items())))
    return [claim_row("study 4", f"Random search is at least as good as grid search at every budget ({sizes} trials): "
                 f"the median best of b trials drawn at random from its {n_trials} is at least the best of the "
                 "b-trial grid",
                 "fraction of the budgets at which the median of random search's efficiency curve (exact, over every "
                 "draw of b trials) is at least the grid's best (1 to hold)", per_seed, equal(1),
                 detail=detail)]


# --------------------------------------------------------------------------- the section


STUDY_SEARCH = (
    "The best validation accuracy after a budget of b trials. Random search as Bergstra and Bengio (2012) measure "
    "it, its efficiency curve over the trials of the chapter's Fig 6-24 search: the median of the best of b trials "
    "drawn at random from them (solid) and the 5–95% band of such draws, computed exactly from the order "
    "statistics; faint: the trials in the one order they were drawn. Against grids of "
    "{% for m in settings.grid_sizes %}{{ m }}×{{ m }}{% if not loop.last %}, {% endif %}{% endfor %} trials "
    "over the same ranges (one trial at the centre of each cell), trained alike. Curve and band: the mean over "
    "seeds; grids: " + STUDY_SEEDS)

SECTION = Section(
    "beyond", "Beyond the book", "Beyond the book", order=4,
    experiments=(
        Experiment("study_search", grid_search, lambda s: {"grid": [f"grid{m}" for m in s["grid_sizes"]]},
                   "Study 4: random against grid search at equal budget",
                   parts=lambda s: {f"grid{m}": {**s, "grid_size": m} for m in s["grid_sizes"]}, priority=35,
                   schemas=grid_search_schemas, claims_tables=("grid", "random_search:summary"),
                   seeds_key="study_seeds", uses=("random_search",), entry_tables=("grid",), check=check,
                   config={"grid_sizes": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 10},
                                          "minItems": 1, "uniqueItems": True}}),
    ),
    figures=(
        Figure("study-search_random_vs_grid", "Study 4", "study_search", "Random against grid search at equal budget",
               STUDY_SEARCH, random_vs_grid, ("grid", "random_search:summary"), claims=("study 4",), all_seeds=True),
    ),
    claims=(Claims(claims_study_search, ("study_search",), ("study 4",)),),
)
