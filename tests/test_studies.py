"""Beyond the book: the four studies as library functions, and `snakemake studies` end to
end on the small config (figures, claims, the page; the chapter's runs reused, not retrained)."""

import os
import re
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from conftest import toy_digits
from snakemake_runner import command, copy_project, executed_rules, run_config, snakemake
from snakemake_runner import caption as read_caption

from dlscratch.choices import best_rates, largest_trainable, search_budgets
from dlscratch.chapter.regularization import dropout, overfit_run, weight_decay
from dlscratch.chapter.search import run_trials, validation_split
from dlscratch.chapter.study_batchnorm_lr import batchnorm_lr
from dlscratch.chapter.study_optimizer_lr import optimizer_lr
from dlscratch.chapter.study_regularization import regularization_strength
from dlscratch.chapter.study_search import grid_search, grid_trials
from dlscratch.registry import EXPERIMENTS, FIGURES


@pytest.fixture
def data():
    return toy_digits(seed=5, n_train=300, n_test=100)


def test_optimizer_lr_holds_out_a_validation_split_and_pairs_every_run(data):
    settings = {"train_size": 300, "validation_size": 100, "hidden_sizes": [8], "batch_size": 20, "iterations": 30,
                "optimizers": ["sgd", "adam"], "lr_grid": [0.001, 0.01, 0.1]}
    tables = optimizer_lr(settings, data, seed=0)
    loss, summary = tables["loss"], tables["summary"]
    assert list(summary.columns[:3]) == ["seed", "optimizer", "lr"] and len(summary) == 6 and len(loss) == 6 * 30
    assert summary.val_acc.between(0, 1).all() and summary.test_acc.between(0, 1).all()
    best = best_rates(summary)
    assert len(best) == 2 and (best.groupby("optimizer").val_acc.max() == summary.groupby("optimizer").val_acc.max()).all()
    one = optimizer_lr({**settings, "optimizers": ["adam"]}, data, seed=0)  # a job's part: the same runs
    pd.testing.assert_frame_equal(one["summary"], summary[summary.optimizer == "adam"].reset_index(drop=True))


def test_batchnorm_lr_and_the_largest_rate_that_trains(data):
    settings = {"train_size": 200, "hidden_sizes": [8, 8], "batch_size": 50, "epochs": 3, "weight_std": "he",
                "lr_grid": [0.01, 1.0, 1000.0]}
    acc = batchnorm_lr(settings, data, seed=0)["accuracy"]
    assert len(acc) == 3 * 2 * 4 and set(acc.model) == {"batchnorm", "plain"}
    largest = largest_trainable(acc)
    assert list(largest.columns) == ["batchnorm", "plain"] and largest.index.tolist() == [0]
    final = acc[acc.epoch == 3]
    trains = final[(final.train_acc > final.chance) & final.diverged_at.isna()]
    assert largest.loc[0, "plain"] == (trains[trains.model == "plain"].lr.max() if len(trains) else np.nan)


def test_regularization_strength_trains_only_what_the_chapter_does_not_and_the_same_way(data):
    block = {"train_size": 100, "hidden_sizes": [8], "lr": 0.05, "batch_size": 20, "epochs": 4}
    settings = {"weight_decays": [0.0, 0.05, 0.1], "dropout_ratios": [0.0, 0.15, 0.3],
                "weight_decay": {**block, "lambdas": [0.0, 0.1]}, "dropout": {**block, "dropout_ratio": 0.15}}
    final = regularization_strength(settings, data, seed=2)["final"]
    assert sorted(zip(final.regularizer, final.strength)) == [("dropout", 0.3), ("weight_decay", 0.05)]
    # a study run is the chapter's run at that strength, evaluated only at the end
    full = weight_decay({**block, "lambdas": [0.05]}, data, seed=2)["lambda0.05"].iloc[-1]
    mine = final[final.regularizer == "weight_decay"].iloc[0]
    assert (mine.train_acc, mine.test_acc) == (full.train_acc, full.test_acc)
    full = dropout({**block, "dropout_ratio": 0.3}, data, seed=2)["with"].iloc[-1]
    mine = final[final.regularizer == "dropout"].iloc[0]
    assert (mine.train_acc, mine.test_acc) == (full.train_acc, full.test_acc)
    assert overfit_run(block, data, 2, final_only=True).epoch.tolist() == [4]


def test_grid_search_is_random_search_on_a_grid(data):
    search = {"subset_size": 200, "validation_rate": 0.2, "hidden_sizes": [8], "batch_size": 40, "epochs": 2,
              "lr_exponents": [-4.0, -1.0], "weight_decay_exponents": [-8.0, -4.0]}
    grid = grid_trials(search, 2)
    np.testing.assert_allclose(np.log10(sorted(set(grid.lr))), [-3.25, -1.75])
    tables = grid_search({"grid_size": 2, "random_search": search}, data, seed=1)
    (x, t), _ = data
    curves = run_trials(validation_split(x, t, 200, 0.2, 1), grid, [8], 40, 2, seed=1)
    last = curves[curves.epoch == 2].reset_index(drop=True)
    np.testing.assert_array_equal(tables["grid2"].val_acc, last.val_acc)
    random = pd.DataFrame({"seed": 1, "trial": range(4), "val_acc": [0.2, 0.5, 0.4, 0.6]})
    budgets = search_budgets(random, tables["grid2"])
    assert budgets[budgets.method == "random"].best_val_acc.tolist() == [0.2, 0.5, 0.5, 0.6]
    assert budgets[budgets.method == "grid"].budget.tolist() == [4]


# --------------------------------------------------------------------------- the studies target


@pytest.mark.pipeline
def test_the_studies_target_reuses_the_chapter_and_reports_every_study(small_pipeline, tmp_path):
    work = tmp_path / "studies"
    shutil.copytree(small_pipeline, work, symlinks=True)
    # the chapter is done: only the studies train; their 6.4 and 6.5 runs are the chapter's own
    rules = executed_rules(snakemake(work, "studies"))
    chapter = {name for name, e in EXPERIMENTS.items() if not e.study} | {"overfit_baseline"}
    assert not rules & chapter
    assert {name for name, e in EXPERIMENTS.items() if e.study} <= rules and {"claims", "index"} <= rules
    results = work / "results"
    for stem in (f.stem for f in FIGURES.values() if EXPERIMENTS[f.experiment].study):
        assert (results / "figures" / f"{stem}.png").read_bytes()[:4] == b"\x89PNG", stem
        assert read_caption(results.parent, stem).startswith("Study ")
    small = run_config("config/test.yaml")
    final = pd.read_csv(results / "study_regularization" / "seed0" / "final.csv")
    reused = {("weight_decay", v) for v in small["weight_decay"]["lambdas"]} | {
        ("dropout", 0.0), ("dropout", small["dropout"]["dropout_ratio"])}
    assert not {(r, s) for r, s in zip(final.regularizer, final.strength)} & reused
    claims = pd.read_csv(results / "claims.csv", keep_default_na=False)
    assert {"study 1", "study 2", "study 3", "study 4"} <= set(claims.claim)
    page = (results / "index.html").read_text()
    studies = [f for f in FIGURES.values() if EXPERIMENTS[f.experiment].study]
    assert "Beyond the book" in page and page.count('src="figures/study-') == len(studies) >= 5
    assert re.search(r'id="s-?beyond"', page)
    assert 'What the study finds, checked</b>: beside\n<a href="#study-optimizer_lr_sensitivity">Study 1a</a>' in page
    # a report category per study, which reST renders without a warning
    report = tmp_path / "report.zip"
    proc = snakemake(work, "studies", "--report", str(report))
    assert "WARNING" not in proc.stdout + proc.stderr
    with zipfile.ZipFile(report) as z:
        text = z.read("report/report.html").decode("utf-8")
    for name in (name for name, e in EXPERIMENTS.items() if e.study):
        title = EXPERIMENTS[name].title.replace(": ", " \\u2013 ")
        assert f'"Beyond the book \\u2013 {title}": {{"figures": [' in text, title
    # done is done, whatever the order Python iterates a set in (its hash seed); and a plain
    # run describes the chapter again: its claims and page leave the studies out (independent
    # dry runs, one core each)
    def plan(hash_seed, *targets):
        return executed_rules(subprocess.run(command("-n", *targets), cwd=work, capture_output=True, text=True,
                                             env={**os.environ, "PYTHONHASHSEED": hash_seed}))

    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        plans = list(pool.map(lambda args: plan(*args), [("1", "studies"), ("2", "studies"), ("3", "studies"),
                                                         ("0",)]))
    assert plans == [set(), set(), set(), {"claims", "index"}]


@pytest.mark.pipeline
def test_a_study_seed_the_chapter_does_not_have_runs_the_chapters_reused_jobs_for_it(tmp_path):
    work = copy_project(tmp_path)
    snakemake(work, "results/figures/study-search_random_vs_grid.png", "--config", "study_seeds=[7]",
              "study_search={grid_sizes: [1]}")
    # the chapter's random search ran for seed 7 only (its shards' store entries), for the study
    shards = sorted((work / "results" / "store" / "random_search").glob("*/seed*/curves.csv"))
    assert len(shards) == 2 and {p.parent.name for p in shards} == {"seed7"}
    assert set(pd.concat(pd.read_csv(p) for p in shards).seed) == {7}
