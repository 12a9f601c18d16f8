"""Claims: verdicts computed from the tables, flipping when fabricated tables say otherwise."""

import math

import numpy as np
import pandas as pd
import pytest

import copy

from snakemake_runner import run_config

from dlscratch.chapter.optimizers import function_surface
from dlscratch.claims import (Condition, above, at_least, at_most, below, between, equal, strictly_between, t_interval,
                             within)
from dlscratch.claims_table import claims_markdown, display_table, evaluate_claims
from dlscratch.registry import EXPERIMENTS

CLAIM_TABLES = {name: e.claims_tables for name, e in EXPERIMENTS.items() if e.claims_tables}

SEEDS = [0, 1, 2]
BOOK = run_config()  # the book's settings: the labels of the fabricated tables


def fabricated_tables():
    """Tables of three seeds in which every claim of the chapter holds."""
    paths = pd.DataFrame([{"optimizer": n, "step": 30, "f": f} for n, f in
                          [("SGD", 0.01), ("Momentum", 0.05), ("AdaGrad", 0.001), ("Adam", 0.1)]])
    opt = pd.DataFrame([{"seed": s, "optimizer": n, "tail_loss": tl, "mean_loss": ml, "test_acc": acc}
                        for s in SEEDS for n, tl, ml, acc in
                        [("SGD", 0.25, 0.5, 0.92), ("Momentum", 0.06, 0.2, 0.97), ("AdaGrad", 0.03, 0.1, 0.97),
                         ("Adam", 0.04, 0.15, 0.97)]])
    stats = []
    for s in SEEDS:
        for layer in range(1, 6):
            for case, std, low, high, mid in [("sigmoid_std1", 0.44, 0.35, 0.35, 0.04),
                                              ("sigmoid_std0.01", 0.013, 0, 0, 1.0),
                                              ("sigmoid_xavier", 0.13, 0, 0, 0.5)]:
                stats.append({"seed": s, "case": case, "layer": layer, "std": std, "frac_below_0.05": low,
                              "frac_above_0.95": high, "frac_0.4_0.6": mid})
            for case, std in [("relu_he", 0.9), ("relu_std0.01", 0.05 * 10.0 ** (-(layer - 1) * 1.2)),
                              ("relu_xavier", 0.6 * 0.7 ** (layer - 1))]:
                stats.append({"seed": s, "case": case, "layer": layer, "std": std, "frac_below_0.05": 0.5,
                              "frac_above_0.95": 0.1, "frac_0.4_0.6": 0.05})
    init = pd.DataFrame([{"seed": s, "init": n, "tail_loss": tl, "mean_loss": ml} for s in SEEDS for n, tl, ml in
                         [("std=0.01", 2.302, 2.302), ("Xavier", 0.3, 0.6), ("He", 0.2, 0.4)]])
    # BN learns at every scale, the plain net only at scale 3 (and more slowly)
    bn = pd.DataFrame([{"seed": s, "std_index": i, "weight_std": 10 ** (-4 * i / 15), "model": m, "epoch": e,
                        "train_acc": 0.1 if e == 0 else (0.9 if m == "batchnorm" else (0.6 if i == 3 else 0.1)),
                        "diverged_at": math.nan, "chance": 0.117}
                       for s in SEEDS for i in range(16) for m in ("batchnorm", "plain") for e in (0, 20)])
    decay = pd.DataFrame([{"seed": s, "weight_decay": lam, "epoch": 201, "train_acc": tr, "test_acc": te}
                          for s in SEEDS for lam, tr, te in [(0.0, 1.0, 0.75), (0.1, 0.93, 0.74)]])
    dropout = pd.DataFrame([{"seed": s, "variant": v, "dropout_ratio": r, "epoch": 301, "train_acc": tr,
                             "test_acc": te}
                            for s in SEEDS for v, r, tr, te in [("without", 0.0, 1.0, 0.74), ("with", 0.15, 0.92, 0.70)]])
    search = pd.DataFrame([{"seed": s, "rank": r, "trial": r, "lr": 10 ** -2.5, "weight_decay": 10 ** -7,
                            "val_acc": 0.8 - r / 100} for s in SEEDS for r in range(1, 11)])
    surface = function_surface(BOOK["function_surface"])
    return {"function_surface": surface, "optimizer_paths": paths, "optimizer_mnist": opt, "activations": pd.DataFrame(stats), "init_mnist": init,
            "batchnorm": bn, "weight_decay": decay, "dropout": dropout, "random_search": search}


def by_table(tables):
    """The fabricated tables as evaluate_claims takes them: tables[experiment][table]."""
    return {name: table if isinstance(table, dict) else {CLAIM_TABLES[name][0]: table}
            for name, table in tables.items()}


def verdicts(tables, settings=BOOK):
    claims = evaluate_claims(by_table(tables), settings)
    return claims, dict(zip(claims["claim"] + " | " + claims["statement"], claims["verdict"]))


def find(verdict_map, prefix, words):
    keys = [k for k in verdict_map if k.startswith(prefix) and all(w in k for w in words)]
    assert len(keys) == 1, (prefix, words, keys)
    return verdict_map[keys[0]]


def test_every_listed_claim_is_present_and_holds_on_favourable_tables():
    claims, v = verdicts(fabricated_tables())
    assert set(claims["claim"]) >= {"6-1", "6-2", "6-8", "6-9", "6-10", "6-11", "6-13", "6-14", "6-15", "6-18",
                                    "6-18/6-19", "6-19", "6-20", "6-21", "6-23", "6-24"}
    assert set(claims["verdict"]) == {"holds"}, claims[claims.verdict != "holds"][["statement", "verdict"]]
    deterministic = claims.claim.isin(["6-1", "6-2", "6-8"])
    assert (claims.loc[~deterministic, "n_seeds"] == 3).all() and (claims.loc[deterministic, "n_seeds"] == 1).all()
    # every row says the condition its quantity must meet, and the text reads back as that condition
    for row in claims.itertuples():
        condition = Condition.parse(row.holds_if)
        assert condition is not None and condition.text == row.holds_if, row.statement
        values = [float(v.split(": ")[1]) for v in row.per_seed.split("; ")]
        assert all(condition(v) for v in values), (row.statement, row.holds_if, values)


@pytest.mark.parametrize("condition, text, lines, true, false", [
    (above(0), "> 0", (0,), 0.1, 0.0), (at_least(0.99), "≥ 0.99", (0.99,), 0.99, 0.98),
    (below(0.01), "< 0.01", (0.01,), 0.0, 0.01), (at_most(4), "≤ 4", (4,), 4, 4.5), (equal(1), "= 1", (1,), 1.0, 0.5),
    (between(0.5, 2), "in [0.5, 2]", (0.5, 2), 2, 2.1), (strictly_between(1, 3), "in (1, 3)", (1, 3), 2, 3),
    (within(0.05), "within ±0.05", (-0.05, 0.05), -0.04, 0.05)])
def test_a_condition_tests_reads_back_and_gives_its_thresholds(condition, text, lines, true, false):
    assert condition.text == text and condition.lines == lines and condition(true) and not condition(false)
    again = Condition.parse(text)
    assert (again.text, again.lines, again(true), again(false)) == (text, lines, True, False)
    assert Condition.parse("") is None and Condition.parse("about 3") is None


def set_where(table, column, value, **where):
    """A change to a fabricated table: ``column`` = ``value`` on the rows matching ``where``."""
    def change(tables):
        df = tables[table]
        mask = np.ones(len(df), dtype=bool)
        for key, wanted in where.items():
            mask &= (df[key] == wanted).to_numpy()
        df.loc[mask, column] = value
    return change


def set_paths_f(tables):
    tables["optimizer_paths"]["f"] = [0.01, 0.05, 0.2, 0.1]  # AdaGrad no longer closest


@pytest.mark.parametrize(
    "change, prefix, words, expected",
    [
        (set_where("optimizer_mnist", "tail_loss", 0.5, optimizer="Momentum"),  # SGD beats Momentum everywhere
         "6-9", ["Momentum", "lower training loss"], "does not hold"),
        (set_where("optimizer_mnist", "mean_loss", 0.3, optimizer="AdaGrad", seed=0),  # only in seed 0
         "6-9", ["fastest"], "mixed"),
        (set_paths_f, "6-8", ["AdaGrad"], "does not hold"),
        (set_where("init_mnist", "tail_loss", 1.5, init="std=0.01"), "6-15", ["0.01"], "does not hold"),
        (set_where("batchnorm", "train_acc", 0.95, model="plain"), "6-18/6-19", ["BatchNorm"], "does not hold"),
        (set_where("dropout", "test_acc", 0.5, variant="with"), "6-23", ["Dropout"], "does not hold"),
        (set_where("random_search", "lr", 1e-4), "6-24", ["lr"], "does not hold"),
        (set_where("activations", "frac_above_0.95", 0.0), "6-10", ["pile"], "does not hold"),
        (set_where("weight_decay", "test_acc", 0.9, weight_decay=0.0), "6-20", ["gap"], "does not hold"),
    ],
)
def test_verdict_flips_with_the_data(change, prefix, words, expected):
    tables = fabricated_tables()
    assert find(verdicts(tables)[1], prefix, words) == "holds"
    change(tables)
    assert find(verdicts(tables)[1], prefix, words) == expected


def test_diverged_plain_nets_count_as_not_learning():
    tables = fabricated_tables()
    bn = tables["batchnorm"]
    bn.loc[(bn.model == "plain") & (bn.std_index == 0), ["train_acc", "diverged_at"]] = [math.nan, 5.0]
    claims, v = verdicts(tables)
    row = claims[claims.claim == "6-18/6-19"].iloc[0]
    assert row.per_seed == "0: 16; 1: 16; 2: 16" and row.verdict == "holds"


def row(claims, prefix, *words):
    rows = claims[claims["claim"].str.startswith(prefix)
                  & claims["statement"].map(lambda text: all(w in text for w in words))]
    assert len(rows) == 1, (prefix, words, rows["statement"].tolist())
    return rows.iloc[0]


def test_a_missing_optimizer_leaves_every_comparison_that_can_still_be_made():
    tables, settings = fabricated_tables(), copy.deepcopy(BOOK)
    tables["optimizer_mnist"] = tables["optimizer_mnist"][tables["optimizer_mnist"].optimizer != "AdaGrad"]
    del settings["optimizer_mnist"]["optimizers"]["AdaGrad"]
    claims, _ = verdicts(tables, settings)
    nine = claims[claims.claim == "6-9"]
    assert (nine.loc[nine.statement.str.contains("AdaGrad"), "verdict"] == "not measured").all()
    assert len(nine[nine.statement.str.contains("AdaGrad")]) == 3
    assert set(nine.loc[~nine.statement.str.contains("AdaGrad"), "verdict"]) == {"holds"}
    assert len(nine[~nine.statement.str.contains("AdaGrad")]) == 4  # Momentum and Adam vs SGD, loss and accuracy
    assert "no adagrad variant" in row(claims, "6-9", "fastest").detail


def test_nothing_to_compare_is_not_measured_not_a_failure():
    tables, settings = fabricated_tables(), copy.deepcopy(BOOK)
    settings["init_mnist"]["inits"] = {"He": "he"}
    tables["init_mnist"] = tables["init_mnist"][tables["init_mnist"].init == "He"]
    claims, _ = verdicts(tables, settings)
    fifteen = claims[claims.claim == "6-15"]
    assert len(fifteen) == 2 and (fifteen.verdict == "not measured").all()
    assert (fifteen.n_seeds == 0).all()


def test_a_diverged_seed_is_reported_with_the_verdict_of_the_others():
    tables = fabricated_tables()
    opt = tables["optimizer_mnist"]
    opt.loc[(opt.optimizer == "Adam") & (opt.seed == 1), ["tail_loss", "mean_loss", "test_acc"]] = math.nan
    claims, _ = verdicts(tables)
    adam = row(claims, "6-9", "Adam", "lower training loss")
    assert (adam.verdict, adam.diverged, adam.verdict_trained) == ("diverged", "1 of 3 seeds diverged", "holds")
    assert "1: diverged" in adam.per_seed and adam.holds_in == "2/2"
    assert "diverged (1 of 3 seeds diverged; over the others: holds)" in claims_markdown(claims)
    opt.loc[opt.optimizer == "Adam", "tail_loss"] = math.nan
    everywhere = row(verdicts(tables)[0], "6-9", "Adam", "lower training loss")
    assert (everywhere.verdict, everywhere.verdict_trained) == ("diverged", "not measured")


def test_variants_are_found_by_meaning_not_label_or_position():
    tables, settings = fabricated_tables(), copy.deepcopy(BOOK)
    optimizers = settings["optimizer_mnist"]["optimizers"]
    settings["optimizer_mnist"]["optimizers"] = {("plain sgd" if k == "SGD" else k): v
                                                 for k, v in reversed(list(optimizers.items()))}
    tables["optimizer_mnist"]["optimizer"] = tables["optimizer_mnist"]["optimizer"].replace({"SGD": "plain sgd"})
    settings["weight_decay"]["lambdas"] = [0.1, 0.0]  # the baseline is λ = 0 wherever it stands
    claims, _ = verdicts(tables, settings)
    assert row(claims, "6-9", "Momentum", "lower training loss", "than plain sgd").verdict == "holds"
    assert row(claims, "6-20", "λ = 0", "100%").verdict == "holds"
    assert row(claims, "6-21", "λ = 0.1", "gap").verdict == "holds"
    settings["weight_decay"]["lambdas"] = [0.1]
    tables["weight_decay"] = tables["weight_decay"][tables["weight_decay"].weight_decay == 0.1]
    claims, _ = verdicts(tables, settings)
    assert row(claims, "6-20", "100%").verdict == "not measured"
    assert row(claims, "6-21", "λ = 0.1", "gap").verdict == "not measured"
    assert row(claims, "6-21", "λ = 0.1", "below 100%").verdict == "holds"


def test_claim_texts_are_written_from_the_settings():
    tables, settings = fabricated_tables(), copy.deepcopy(BOOK)
    settings["weight_decay"]["train_size"] = 123
    settings["dropout"].update(train_size=321, dropout_ratio=0.25)
    settings["random_search"]["trials"] = 10
    settings["optimizer_mnist"]["optimizers"]["Momentum"] = {"name": "momentum", "lr": 0.05}
    claims, _ = verdicts(tables, settings)
    statements = "\n".join(claims.statement)
    assert "the first 123 training images" in statements and "300 images" not in statements
    assert "Dropout (ratio 0.25)" in statements and "first 321 training images" in statements
    assert "top 5 of 10 trials" in statements
    assert "Momentum (lr 0.05, momentum 0.9) ends with lower training loss than SGD (lr 0.01)" in statements


@pytest.mark.parametrize("n, t975", [(2, 12.706204736), (3, 4.302652730), (5, 2.776445105), (31, 2.042272456),
                                     (32, 2.039513446), (61, 2.000297822)])
def test_t_interval_uses_the_exact_quantile_for_any_number_of_seeds(n, t975):
    values = np.arange(n, dtype=float)
    mean, low, high = t_interval(values)
    half = t975 * values.std(ddof=1) / math.sqrt(n)
    assert mean == values.mean()
    assert (mean - low, high - mean) == pytest.approx((half, half), rel=1e-9)


def test_t_interval_ignores_non_finite_values():
    assert math.isnan(t_interval([5.0])[1])
    assert t_interval([1.0, np.nan, 2.0, 3.0, np.inf]) == pytest.approx(t_interval([1.0, 2.0, 3.0]))


def test_markdown_lists_every_claim():
    claims = evaluate_claims(by_table(fabricated_tables()), BOOK)
    md = claims_markdown(claims)
    assert md.count("\n| 6-") == len(claims)
    assert "**holds**" in md


def test_the_function_claims_hold_for_f_and_flip_for_a_round_bowl():
    claims, _ = verdicts(fabricated_tables())
    assert row(claims, "6-1", "stretched").verdict == "holds" and row(claims, "6-1", "stretched").n_seeds == 1
    assert row(claims, "6-2", "along y").verdict == "holds"
    tables = fabricated_tables()
    round_bowl = {"x_range": [-3, 3], "y_range": [-3, 3], "surface_step": 0.5, "arrow_step": 1.0}
    tables["function_surface"] = function_surface(round_bowl)
    surface, gradient = tables["function_surface"]["surface"], tables["function_surface"]["gradient"]
    surface["f"] = surface.x ** 2 + surface.y ** 2  # a round bowl, whose gradient points at the minimum
    gradient["gx"], gradient["gy"] = -2 * gradient.x, -2 * gradient.y
    claims, _ = verdicts(tables)
    assert row(claims, "6-1", "stretched").verdict == "does not hold"
    assert row(claims, "6-2", "do not point").verdict == "does not hold"


def test_fig6_18_claim_follows_the_rule_over_every_seed():
    claims, _ = verdicts(fabricated_tables())
    fig18 = row(claims, "6-18", "faster")
    assert fig18.verdict == "holds" and fig18.n_seeds == 3 and "std 0.1585" in fig18.statement
    tables = fabricated_tables()
    bn = tables["batchnorm"]
    bn.loc[bn.model == "plain", "train_acc"] = 0.117  # the plain net learns at no scale: it ends at chance
    fig18 = row(verdicts(tables)[0], "6-18", "faster")
    assert fig18.verdict == "not measured" and "no weight std satisfies the rule" in fig18.detail


# --------------------------------------------------------------------------- beyond the book


def fabricated_study_tables(settings=BOOK):
    """Tables of the four studies, three seeds, in which every study claim holds."""
    grid = settings["study_optimizer_lr"]["lr_grid"]
    at = {"sgd": 5, "momentum": 3, "nesterov": 3, "adagrad": 4, "rmsprop": 2, "adam": 2}  # inside the grid
    best = {name: grid[index] for name, index in at.items()}
    # tuned, each a little better than SGD (the difference claims hold), and within the margins of
    # equivalence (0.005 of accuracy, 0.02 nats: those hold too)
    tail = {"sgd": 0.030, "momentum": 0.027, "nesterov": 0.027, "adagrad": 0.024, "rmsprop": 0.028, "adam": 0.026}
    acc = {"sgd": 0.970, "momentum": 0.972, "nesterov": 0.972, "adagrad": 0.973, "rmsprop": 0.971, "adam": 0.974}
    summary = pd.DataFrame([
        {"seed": s, "optimizer": o, "lr": lr, "final_loss": tail[o], "tail_loss": tail[o] + abs(np.log10(lr / best[o])),
         "mean_loss": 2 * tail[o] + abs(np.log10(lr / best[o])), "val_acc": acc[o] - 0.1 * abs(np.log10(lr / best[o])),
         "test_acc": acc[o] - 0.1 * abs(np.log10(lr / best[o])), "diverged_at": math.nan}
        for s in SEEDS for o in best for lr in grid])
    bn_rows = []
    for s in SEEDS:
        for lr in settings["study_batchnorm_lr"]["lr_grid"]:
            for model, limit in (("batchnorm", 3.0), ("plain", 0.3)):
                for epoch in (0, 20):
                    bn_rows.append({"seed": s, "lr": lr, "model": model, "epoch": epoch, "chance": 0.117,
                                    "train_acc": 0.1 if epoch == 0 or lr > limit else 0.9, "diverged_at": math.nan})
    reg = settings["study_regularization"]
    def run(strength, peak, scale):  # train falls with strength, test peaks at ``peak``
        return 1.0 - scale * strength, 0.75 - abs(strength - peak) * 0.2
    final = pd.DataFrame([{"seed": s, "regularizer": r, "strength": v, "epoch": 201,
                           "train_acc": run(v, peak, 1)[0], "test_acc": run(v, peak, 1)[1], "diverged_at": math.nan}
                          for s in SEEDS for r, key, peak in (("weight_decay", "weight_decays", 0.1),
                                                              ("dropout", "dropout_ratios", 0.2))
                          for v in reg[key]])
    decay = pd.DataFrame([{"seed": s, "weight_decay": v, "epoch": 201, "train_acc": run(v, 0.1, 1)[0],
                           "test_acc": run(v, 0.1, 1)[1]} for s in SEEDS for v in (0.0, 0.1)])
    dropout = pd.DataFrame([{"seed": s, "variant": variant, "dropout_ratio": v, "epoch": 301,
                             "train_acc": run(v, 0.2, 1)[0], "test_acc": run(v, 0.2, 1)[1]}
                            for s in SEEDS for variant, v in (("without", 0.0), ("with", 0.15))])
    sizes = settings["study_search"]["grid_sizes"]
    grids = pd.DataFrame([{"seed": s, "grid_size": m, "trial": i, "val_acc": 0.5 + 0.02 * m}
                          for s in SEEDS for m in sizes for i in range(m * m)])
    search = pd.DataFrame([{"seed": s, "trial": i, "val_acc": 0.6 + 0.002 * i} for s in SEEDS for i in range(100)])
    return {"study_optimizer_lr": {"summary": summary},
            "study_batchnorm_lr": {"accuracy": pd.DataFrame(bn_rows)},
            "study_regularization": {"final": final, "weight_decay:accuracy": decay, "dropout:accuracy": dropout},
            "study_search": {"grid": grids, "random_search:summary": search}}


def study_verdicts(studies):
    claims = evaluate_claims({**by_table(fabricated_tables()), **studies}, BOOK)
    return claims[claims.claim.str.startswith("study")]


def test_every_study_claim_holds_on_favourable_tables():
    claims = study_verdicts(fabricated_study_tables())
    assert set(claims.claim) == {"study 1", "study 2", "study 3", "study 4"}
    assert set(claims.verdict) == {"holds"}, claims[claims.verdict != "holds"][["statement", "verdict"]]
    assert len(claims) == 1 + 6 + 1 + 5 * 2 + 1 + 4 + 1  # study 1: inside, differences, fastest, equivalences


def test_study_verdicts_flip_with_the_data():
    studies = fabricated_study_tables()
    summary = studies["study_optimizer_lr"]["summary"]
    summary.loc[summary.optimizer == "adam", "val_acc"] = summary.loc[summary.optimizer == "adam", "lr"]  # best: edge
    summary.loc[summary.optimizer == "momentum", ["tail_loss", "test_acc"]] = [5.0, 0.5]  # tuned SGD wins
    accuracy = studies["study_batchnorm_lr"]["accuracy"]
    accuracy.loc[(accuracy.model == "batchnorm") & (accuracy.lr > 0.3) & (accuracy.epoch == 20), "train_acc"] = 0.1
    grids = studies["study_search"]["grid"]
    grids.loc[grids.grid_size == 10, "val_acc"] = 0.99  # the 100-trial grid beats random search
    claims = study_verdicts(studies)
    verdict = dict(zip(claims.statement, claims.verdict))
    assert verdict[next(s for s in verdict if "strictly inside" in s)] == "does not hold"
    assert verdict[next(s for s in verdict if "Momentum ends with lower" in s)] == "does not hold"
    assert verdict[next(s for s in verdict if "Momentum and SGD are equivalent in test accuracy" in s)] == "does not hold"
    assert verdict[next(s for s in verdict if "AdaGrad and SGD are equivalent in test accuracy" in s)] == "holds"
    assert verdict[next(s for s in verdict if "BatchNorm learns at larger" in s)] == "does not hold"
    assert verdict[next(s for s in verdict if "Random search is at least" in s)] == "does not hold"


def test_an_interval_over_one_seed_reads_plainly():
    one = {name: table[table["seed"] == 0] if "seed" in table else table
           for name, table in fabricated_tables().items() if not isinstance(table, dict)}
    one["function_surface"] = fabricated_tables()["function_surface"]
    claims = evaluate_claims(by_table(one), BOOK)
    shown = display_table(claims)["mean [95% CI]"]
    seeded = claims["interval"] != "deterministic"
    assert seeded.sum() >= 20 and shown[seeded].str.endswith("(interval n/a: 1 seed)").all()
    assert "[, ]" not in claims_markdown(claims)
    diverged = claims.assign(n_seeds=2, diverged="1 of 2 seeds diverged")
    assert "[, ]" not in "".join(display_table(diverged)["mean [95% CI]"])


# --------------------------------------------------------------------------- the studies' measures


@pytest.mark.parametrize("low, high, expected", [(-0.002, 0.004, "holds"), (0.001, 0.007, "inconclusive"),
                                                 (-0.009, -0.001, "inconclusive"), (0.006, 0.02, "does not hold"),
                                                 (-0.02, -0.005, "does not hold"), (-0.01, 0.01, "inconclusive")])
def test_an_equivalence_holds_only_when_its_interval_lies_within_the_margin(low, high, expected):
    from dlscratch.claims import equivalence_verdict

    assert equivalence_verdict(low, high, 0.005) == expected


def test_an_equivalence_row_is_the_90_percent_t_interval_of_the_paired_differences():
    from dlscratch.claims import equivalence_row as _equivalence_row

    # three seeds, differences 0.001, 0.002, 0.0015: mean 0.0015, sd 0.0005, t(0.95, 2) = 2.919986
    row = _equivalence_row("study 1", "s", "q", {0: 0.001, 1: 0.002, 2: 0.0015}, 0.005)
    half = 2.919986 * 0.0005 / math.sqrt(3)
    assert row["mean"] == pytest.approx(0.0015) and row["ci95_low"] == pytest.approx(0.0015 - half, abs=1e-9)
    assert row["ci95_high"] == pytest.approx(0.0015 + half, abs=1e-9)
    assert (row["verdict"], row["holds_in"], row["interval"]) == ("holds", "3/3", "TOST: 90% t, over seeds")
    near = _equivalence_row("study 1", "s", "q", {0: 0.004, 1: 0.006, 2: 0.005}, 0.005)
    assert (near["verdict"], near["holds_in"]) == ("inconclusive", "1/3")
    # every seed inside the margin, but the interval of the mean reaches past it: not shown either way
    inside = _equivalence_row("study 1", "s", "q", {0: 0.003, 1: 0.004, 2: 0.0045}, 0.005)
    assert (inside["verdict"], inside["holds_in"]) == ("inconclusive", "3/3") and inside["ci95_high"] > 0.005
    far = _equivalence_row("study 1", "s", "q", {0: 0.010, 1: 0.012, 2: 0.011}, 0.005)
    assert far["verdict"] == "does not hold"
    assert _equivalence_row("study 1", "s", "q", {0: 0.001}, 0.005)["verdict"] == "not measured"


def test_the_best_of_b_trials_is_exact_against_every_draw_of_a_pool_of_five():
    import itertools

    from dlscratch.choices import best_of

    pool = [0.62, 0.10, 0.55, 0.80, 0.55]
    for b in range(1, 6):
        bests = sorted(max(draw) for draw in itertools.combinations(pool, b))  # every draw, equally likely
        n = len(bests)

        def quantile(q):  # the smallest best whose share of draws at or below it reaches q
            return next(v for k, v in enumerate(bests, start=1) if k / n >= q - 1e-12)

        got = best_of(pool, b)
        assert (got["q05"], got["median"], got["q95"]) == (quantile(0.05), quantile(0.5), quantile(0.95)), b
        assert got["mean"] == pytest.approx(sum(bests) / n)
    # by hand: the best of 2 of the 5 is 0.80 in 4 of the 10 draws, 0.62 in 3, 0.55 in 3
    assert best_of(pool, 2) == pytest.approx({"q05": 0.55, "median": 0.62, "q95": 0.80, "mean": 0.671})


def test_the_efficiency_curve_covers_every_budget_and_rises():
    from dlscratch.choices import efficiency

    summary = pd.DataFrame({"seed": [0] * 5 + [1] * 5, "trial": list(range(5)) * 2,
                            "val_acc": [0.62, 0.10, 0.55, 0.80, math.nan, 0.3, 0.4, 0.5, 0.6, 0.7]})
    curve = efficiency(summary)
    assert curve.groupby("seed").budget.apply(list).tolist() == [[1, 2, 3, 4, 5]] * 2
    assert (curve.groupby("seed")["median"].diff().dropna() >= 0).all()
    assert curve.set_index(["seed", "budget"]).loc[(0, 5)].tolist() == [0.8, 0.8, 0.8, 0.8]  # a diverged trial: 0


def test_a_net_learns_where_it_ends_halfway_from_chance_to_its_best():
    from dlscratch.choices import largest_learning

    rows = []
    # BatchNorm: best 0.95, so halfway from chance (0.1) is 0.525: it learns up to lr 1, and is above chance up to 10
    # plain: best 0.5, halfway 0.3: up to 0.01; above chance up to 0.1; diverges at 1
    for model, finals in (("batchnorm", [0.90, 0.95, 0.60, 0.20]), ("plain", [0.50, 0.12, math.nan, 0.05])):
        for lr, acc in zip([0.01, 0.1, 1.0, 10.0], finals):
            rows.append({"seed": 0, "lr": lr, "model": model, "epoch": 20, "train_acc": acc, "chance": 0.1,
                         "diverged_at": 30.0 if math.isnan(acc) else math.nan})
    accuracy = pd.DataFrame(rows)
    assert largest_learning(accuracy, 0.5).loc[0].to_dict() == {"batchnorm": 1.0, "plain": 0.01}
    assert largest_learning(accuracy, 0.0).loc[0].to_dict() == {"batchnorm": 10.0, "plain": 0.1}
