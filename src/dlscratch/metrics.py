"""Headline numbers: what a figure of a run shows, in a few numbers per seed (``dvc exp show``'s
metrics), so that the comparison of runs (``dlscratch.compare``) can tabulate them.

Each experiment may declare ``metrics(tables, settings) -> [{"metric", "seed", "value"}]``
(``declare.Experiment``), from the tables its claims read, one row per seed (``seed`` None:
a deterministic number). ``summarize`` makes each metric's mean and 95% t interval over seeds.
Nothing here runs in a training job, so a new metric retrains nothing.
"""

import pandas as pd

from .claims import t_interval

TAIL = 100  # as dlscratch.paired: the iterations whose mean loss is a loss curve's "tail loss"
COLUMNS = ["run", "figure", "metric", "seed", "value"]


def loss_metrics(summary, column, settings):
    """The headline numbers of a loss-curve experiment (Figs 6-9, 6-15), per variant of
    ``column`` and seed: its mean loss over the last iterations and its test accuracy."""
    tail = f"loss, last {min(TAIL, settings['iterations'])} it."
    return [{"metric": f"{getattr(r, column)}: {name}", "seed": r.seed, "value": float(getattr(r, field))}
            for r in summary.itertuples() for name, field in ((tail, "tail_loss"), ("test accuracy", "test_acc"))]


def final_metrics(accuracy, column, label):
    """Train and test accuracy at the last epoch and their gap (Figs 6-20, 6-21, 6-23), per
    value of ``column`` (shown by ``label(value)``) and seed."""
    last = accuracy[accuracy["epoch"] == accuracy["epoch"].max()]
    return [{"metric": f"{label(getattr(r, column))}: {name}", "seed": r.seed, "value": float(value)}
            for r in last.itertuples()
            for name, value in (("train–test gap", r.train_acc - r.test_acc), ("test accuracy", r.test_acc))]


def summarize(rows):
    """Mean and 95% t interval over seeds of each run's metric (``rows``: COLUMNS), in order."""
    table = pd.DataFrame(rows, columns=COLUMNS)
    out = []
    for (run, figure, metric), values in table.groupby(["run", "figure", "metric"], sort=False):
        mean, low, high = t_interval(values["value"])
        out.append({"run": run, "figure": figure, "metric": metric, "mean": mean, "lo": low, "hi": high,
                    "n_seeds": int(values["value"].notna().sum())})
    return pd.DataFrame(out, columns=["run", "figure", "metric", "mean", "lo", "hi", "n_seeds"])
