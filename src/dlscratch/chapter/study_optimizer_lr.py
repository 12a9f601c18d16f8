"""Study 1, beyond the book: the learning rate of each optimizer (after Wilson et al. 2017 and
Choi et al. 2019). The six optimizers of Fig 6-9 on a log grid of learning rates, on the
Fig 6-9 network and data, with a validation split held out from the training images (the
best rate is chosen on it, never on the test set): which of Fig 6-9's claims survive tuning,
and is each tuned optimizer the same as tuned SGD within a practical margin?"""

import numpy as np
import pandas as pd

from .. import plotting as P
from ..captions import STUDY_SEEDS
from ..choices import best_rates
from ..claims import (BOOK_NAMES, above, claim_row, equal, equivalence_row, not_measured, optimizer_name,
                      paired)
from ..declare import Claims, Experiment, Figure, Section
from ..optimizers import OPTIMIZERS
from ..paired import first_images, paired_loss_curves
from ..seeding import generator
from ..tables import Schema
from ..text import plural

# --------------------------------------------------------------------------- training


def optimizer_split(data, settings, seed):
    """The first ``train_size`` images, ``validation_size`` of them (drawn from the seed) held
    out: ((x_train, t_train), (x_val, t_val)), and the test set."""
    (x, t), test = first_images(data, settings["train_size"])
    order = generator(seed, "study_optimizer_lr", "split").permutation(len(x))
    held = np.sort(order[: settings["validation_size"]])
    kept = np.sort(order[settings["validation_size"]:])
    return (x[kept], t[kept]), (x[held], t[held]), test


def optimizer_lr(settings, data, seed):
    """Every optimizer of ``settings["optimizers"]`` (names; the book's defaults otherwise) at
    every rate of ``lr_grid``: all of a seed's runs start from the same weights and see the
    same minibatches of the training part. The loss of an iteration is its batch's loss
    before the update (Fig 6-9 records it after: a second forward pass per step, which would
    cost this study a third more). Returns {"loss": seed, optimizer, lr, iteration,
    loss; "summary": seed, optimizer, lr, final_loss, tail_loss, mean_loss, val_acc, test_acc,
    diverged_at}."""
    train, val, test = optimizer_split(data, settings, seed)
    variants = {f"{name}@{lr!r}": ({}, {"name": name, "lr": float(lr)})
                for name in settings["optimizers"] for lr in settings["lr_grid"]}
    tables = paired_loss_curves((train, test), variants, settings["hidden_sizes"], settings["batch_size"],
                                settings["iterations"], seed, "study_optimizer_lr", variant_column="run",
                                evaluate={"val_acc": val, "test_acc": test}, loss_after_update=False)
    for name, table in tables.items():
        parts = table["run"].str.split("@", expand=True)
        table.insert(1, "lr", parts[1].astype(float))
        table.insert(1, "optimizer", parts[0])
        tables[name] = table.drop(columns="run")
    return tables


def optimizer_lr_schemas(settings):
    names, grid = list(settings["optimizers"]), settings["lr_grid"]
    loss = {"seed": "int", "optimizer": "str", "lr": "float", "iteration": "int", "loss": "float"}
    summary = {"seed": "int", "optimizer": "str", "lr": "float", **{c: "float" for c in (
        "final_loss", "tail_loss", "mean_loss", "val_acc", "test_acc", "diverged_at")}}
    schemas = {}
    for name in names:
        values = {"optimizer": [name], "lr": [float(v) for v in grid]}
        schemas[f"{name}/loss"] = Schema(loss, len(grid) * settings["iterations"], values)
        schemas[f"{name}/summary"] = Schema(summary, len(grid), values)
    return schemas


def check(block, config, fail):
    if block["validation_size"] >= block["train_size"]:
        fail("study_optimizer_lr.validation_size", f"{block['validation_size']} leaves no training images of the "
             f"{block['train_size']}")
    if block["batch_size"] > block["train_size"] - block["validation_size"]:
        fail("study_optimizer_lr.batch_size", f"{block['batch_size']} is larger than the "
             f"{block['train_size'] - block['validation_size']} training images")


# --------------------------------------------------------------------------- figures


def lr_sensitivity(tables, variants, settings, seeds):
    """Study 1: final training loss and test accuracy against the learning rate, per optimizer."""
    summary = tables["summary"]
    best = best_rates(summary)
    fig, (loss_ax, acc_ax) = P.grid(2, 2, panel_size=(5.5, 4.2))
    for i, name in enumerate(settings["optimizers"]):
        rows = summary[summary["optimizer"] == name]
        style = {"marker": P.MARKERS[i % len(P.MARKERS)], "markersize": 4, "label": P.label_text(name), "color": f"C{i}"}
        P.band(loss_ax, rows, "lr", "tail_loss", **style)
        P.band(acc_ax, rows, "lr", "test_acc", **style)
        chosen = best[best["optimizer"] == name]
        acc_ax.scatter(chosen["lr"], chosen["test_acc"], s=60, facecolors="none", edgecolors=f"C{i}")
    loss_ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="final training loss")
    acc_ax.set(xscale="log", xlabel="learning rate", ylabel="test accuracy", ylim=(0, 1))
    acc_ax.legend(fontsize=8, loc="lower center")
    return fig


def tuned_loss_curves(tables, variants, settings, seeds):
    """Study 1: the Fig 6-9 curves with each optimizer at its best rate (per seed), mean and band."""
    loss, best = tables["loss"], best_rates(tables["summary"])
    fig, (ax,) = P.grid(1, 1, panel_size=(6.0, 4.5))
    chosen, means = {}, {}
    for i, name in enumerate(settings["optimizers"]):
        picks = best[best["optimizer"] == name]
        chosen[name] = ", ".join(f"{lr:g}" for lr in picks.sort_values("seed")["lr"])
        curves = []
        for pick in picks.itertuples():
            run = loss[(loss["seed"] == pick.seed) & (loss["optimizer"] == name) & np.isclose(loss["lr"], pick.lr)]
            curves.append(P.smoothed(run.sort_values("iteration")["loss"])[0])
        matrix = np.column_stack(curves)
        means[name] = pd.DataFrame(matrix).mean(axis=1).to_numpy()
        P.draw_band(ax, np.arange(1, len(matrix) + 1), matrix, label=P.label_text(name) + P.diverged_seeds(matrix),
                   marker=P.MARKERS[i % len(P.MARKERS)], markevery=P.LOSS_MARKERS_EVERY)
    ax.set_title(f"each optimizer at its best rate; mean and min–max over {plural(len(seeds), 'seed')}")
    return fig, {"chosen": chosen, "axis": P.loss_axes(ax, (0, 1), means)}


# --------------------------------------------------------------------------- claims


def claims_study_lr(tables, settings):
    """Study 1: is each best rate inside the grid, and which of 6-9's claims survive tuning."""
    summary, settings = tables["study_optimizer_lr"]["summary"], settings["study_optimizer_lr"]
    best = best_rates(summary)
    grid = sorted(float(v) for v in settings["lr_grid"])
    inside = {seed: float(rows["lr"].between(grid[0], grid[-1], inclusive="neither").mean())
              for seed, rows in best.groupby("seed")}
    picks = "; ".join(f"{name} {', '.join(f'{v:g}' for v in rows.sort_values('seed')['lr'])}"
                      for name, rows in best.groupby("optimizer", sort=False))
    rows = [claim_row("study 1", "Each optimizer's best learning rate (by validation accuracy) lies strictly inside the "
                 f"grid {grid[0]:g}–{grid[-1]:g}", "fraction of the optimizers whose best rate is inside (1 to hold)",
                 inside, equal(1), detail=f"best rates per seed: {picks}")]
    names = set(best["optimizer"])
    tuned = "each at its best learning rate"
    for name in ("momentum", "adagrad", "adam"):
        label = BOOK_NAMES[name]
        statements = [(f"Tuned ({tuned}): {label} ends with lower training loss than SGD",
                       f"paired difference of the mean loss over the last iterations, SGD − {label}", "tail_loss",
                       "sgd", name),
                      (f"Tuned ({tuned}): {label} reaches higher test accuracy than SGD",
                       f"paired difference of test accuracy, {label} − SGD", "test_acc", name, "sgd")]
        for statement, quantity, value, a, b in statements:
            if {name, "sgd"} <= names:
                rows.append(claim_row("study 1", statement, quantity, paired(best, value, a, b, "optimizer"),
                                 above(0)))
            else:
                rows.append(not_measured("study 1", statement, quantity,
                                          "study_optimizer_lr.optimizers lacks " + (name if name not in names else "sgd")))
    others = [n for n in ("sgd", "momentum", "adam") if n in names]
    statement = f"Tuned ({tuned}): AdaGrad learns fastest of the book's four"
    quantity = f"smallest mean loss over all iterations of {', '.join(BOOK_NAMES[n] for n in others)} − AdaGrad's"
    if "adagrad" in names and others:
        per_seed = {}
        for seed, rows_ in best.groupby("seed"):
            mean_loss = dict(zip(rows_["optimizer"], rows_["mean_loss"]))
            per_seed[seed] = min(mean_loss[n] for n in others) - mean_loss["adagrad"]
        rows.append(claim_row("study 1", statement, quantity, per_seed, above(0)))
    else:
        rows.append(not_measured("study 1", statement, quantity, "study_optimizer_lr.optimizers lacks adagrad"))
    margins = settings["equivalence"]
    for name in [n for n in settings["optimizers"] if n != "sgd"]:
        label = optimizer_name(name)
        for value, what, margin in (("test_acc", "test accuracy", margins["test_acc"]),
                                    ("tail_loss", "final training loss", margins["tail_loss"])):
            statement = (f"Tuned ({tuned}): {label} and SGD are equivalent in {what}, within ±{margin:g} "
                         f"({'of accuracy' if value == 'test_acc' else 'nats'})")
            quantity = (f"paired difference of {what} ({'mean loss over the last iterations' if value == 'tail_loss' else 'test set'}), "
                        f"{label} − SGD: its 90% interval within ±{margin:g} to hold (two one-sided tests at 5%)")
            if {name, "sgd"} <= names:
                rows.append(equivalence_row("study 1", statement, quantity, paired(best, value, name, "sgd", "optimizer"),
                                             margin))
            else:
                rows.append(not_measured("study 1", statement, quantity,
                                          "study_optimizer_lr.optimizers lacks " + (name if name not in names else "sgd")))
    return rows


# --------------------------------------------------------------------------- the section


STUDY_LR = (
    "Final training loss (mean over the last iterations) and test accuracy of each optimizer "
    "({{ settings.optimizers | join(', ') }}, other hyperparameters at the book's defaults) at every learning rate of "
    "{{ settings.lr_grid | join(', ') }}: the Fig 6-9 network (784-{{ settings.hidden_sizes | join('-') }}-10) on "
    "{{ settings.train_size - settings.validation_size }} training images ({{ settings.validation_size }} held out to "
    "validate), batch {{ settings.batch_size }}, {{ settings.iterations }} iterations. Circles: each optimizer's best "
    "rate by validation accuracy. " + STUDY_SEEDS)
STUDY_TUNED = (
    "Fig 6-9 with every optimizer at its own best learning rate, chosen per seed on the validation split (never on "
    "the test set): the training loss of each iteration's batch, taken before its update (the book's Fig 6-9 takes "
    "it after), smoothed as the book does. {% for name, lrs in chosen.items() %}"
    "{{ name }}: lr {{ lrs }}{% if not loop.last %}; {% endif %}{% endfor %}. " + STUDY_SEEDS)

SECTION = Section(
    "beyond", "Beyond the book", "Beyond the book", order=1,
    experiments=(
        Experiment("study_optimizer_lr", optimizer_lr,
                   lambda s: {t: [f"{o}/{t}" for o in s["optimizers"]] for t in ("loss", "summary")},
                   "Study 1: the learning rate of each optimizer",
                   parts=lambda s: {o: {**s, "optimizers": [o]} for o in s["optimizers"]},
                   part_tables=("loss", "summary"), plot_settings=("equivalence",), claim_settings=("equivalence",),
                   priority=45, schemas=optimizer_lr_schemas, claims_tables=("summary",), seeds_key="study_seeds",
                   runtime=30, entry_tables=("loss", "summary"), check=check,
                   config={"train_size": {"type": "integer", "minimum": 2, "maximum": 60000},
                           "validation_size": {"$ref": "#/$defs/positive_int"},
                           "hidden_sizes": {"$ref": "#/$defs/hidden_sizes"},
                           "batch_size": {"$ref": "#/$defs/positive_int"},
                           "iterations": {"type": "integer", "minimum": 11},
                           "optimizers": {"type": "array", "items": {"type": "string", "enum": list(OPTIMIZERS)},
                                          "minItems": 1, "uniqueItems": True},
                           "lr_grid": {"$ref": "#/$defs/lr_grid"},
                           "equivalence": {
                               "description": "the margins within which a tuned optimizer counts as equivalent to "
                                              "tuned SGD (two one-sided tests: the 90% interval of the paired "
                                              "difference inside plus or minus the margin)",
                               "type": "object", "additionalProperties": False, "required": ["test_acc", "tail_loss"],
                               "properties": {"test_acc": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                                              "tail_loss": {"type": "number", "exclusiveMinimum": 0}}}}),
    ),
    figures=(
        Figure("study-optimizer_lr_sensitivity", "Study 1a", "study_optimizer_lr",
               "How sensitive each optimizer is to its learning rate", STUDY_LR, lr_sensitivity, ("summary",),
               claims=("study 1",), all_seeds=True),
        Figure("study-optimizer_lr_tuned", "Study 1b", "study_optimizer_lr", "Fig 6-9, every optimizer tuned",
               STUDY_TUNED, tuned_loss_curves, ("loss", "summary"), claims=("study 1",), all_seeds=True),
    ),
    claims=(Claims(claims_study_lr, ("study_optimizer_lr",), ("study 1",)),),
)
