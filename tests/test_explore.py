"""Exploring without losing the book, on the small config: a changed hyperparameter trains
only its variant, going back trains nothing, every table stays byte-identical to a fresh
run's, prune deletes what no run refers to, and `snakemake compare` builds the named runs
beside the book's, with a comparison page checked in a real browser."""

import json
import re
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pandas as pd
import pytest
from snakemake_runner import (ROOT, copy_project, executed_rules, follow, planned_rules, remedies, snakemake,
                              run_config, tables)

from dlscratch.claims_table import read_claims
from dlscratch.registry import EXPERIMENTS
from dlscratch.results import assemble
from dlscratch.runs import read_runs, selected
from dlscratch.tables import FLOAT_FORMAT

pytestmark = pytest.mark.pipeline

SMALL = run_config("config/test.yaml")

ADAM = ("config/test.yaml", "config/adam.yaml")  # Adam's learning rate 0.002 (no run of runs.yaml has it)
TRAINING = {name for name in EXPERIMENTS} | {"overfit_baseline"}
TWO = ["adam_lr_0.01", "dropout_0.3"]  # (adam_lr_0.01 is adam_lr_10x's settings: the one stands for both)
SELECTED = ["dropout_0.3", "adam_lr"]  # a named run and the shipped sweep of Adam's learning rate
RUNS = read_runs(ROOT / "config" / "runs.yaml")
COMPARED = selected(RUNS, SELECTED)  # the sweep's runs too: with the book's, seven runs
SWEEP = [name for name in COMPARED if RUNS[name].get("sweep")]


def training(rules):
    """The training rules among ``rules`` (a named run's too: optimizer_mnist__<run>)."""
    return {rule for rule in rules if rule.split("__")[0] in TRAINING}


def entries(work):
    """{entry directory: its provenance record} of the store."""
    return {str(p.parent.relative_to(work)): json.loads(p.read_text())
            for p in (work / "results" / "store").rglob("provenance.json")}


@pytest.fixture(scope="module")
def explored(small_pipeline, tmp_path_factory):
    """The small run, then: Adam's learning rate changed, then back, then prune, then
    `snakemake compare` with two named runs; what each step planned, trained and left."""
    work = tmp_path_factory.mktemp("explore") / "work"
    shutil.copytree(small_pipeline, work, symlinks=True)
    (work / "config" / "adam.yaml").write_text("optimizer_mnist.optimizers.Adam.lr: 0.002\n")
    seen = SimpleNamespace(work=work, first=tables(work), first_entries=entries(work))
    seen.change_plan = executed_rules(snakemake(work, configfiles=ADAM))
    seen.changed, seen.changed_entries = tables(work), entries(work)
    seen.back_plan = executed_rules(snakemake(work))
    seen.back = tables(work)
    seen.pruned = snakemake(work, "prune", cores=1)
    seen.prune_plan = seen.pruned.stderr  # what it says it deletes, as `-n prune` says it too
    seen.pruned_entries = entries(work)
    seen.after_prune = planned_rules(work)
    book = {p: (work / "results" / p).read_bytes() for p in ("claims.csv", "claims.md", "figures/fig6-09_optimizers_mnist.png")}
    seen.before_compare = entries(work)
    seen.compare = snakemake(work, "compare", "--config", f"runs=[{','.join(SELECTED)}]")
    seen.compare_plan = executed_rules(seen.compare)
    seen.compared_entries = entries(work)
    seen.book_after_compare = {p: (work / "results" / p).read_bytes() for p in book}
    seen.book_before_compare = book
    return seen


def test_changing_adams_learning_rate_trains_adam_only(explored):
    assert training(explored.change_plan) == {"optimizer_mnist"}
    new = {d: r for d, r in explored.changed_entries.items() if d not in explored.first_entries}
    assert sorted((r["unit"], r["seed"]) for r in new.values()) == [("Adam", 0), ("Adam", 1)]
    assert all(r["settings"]["optimizers"] == {"Adam": {"name": "adam", "lr": 0.002}} for r in new.values())


def test_going_back_trains_nothing_and_every_table_is_byte_identical_to_the_first_runs(explored):
    assert training(explored.back_plan) == set() and explored.back_plan == {"tables", "plot_optimizer_mnist", "claims",
                                                                           "index"}
    assert {name: explored.back[name] for name in explored.first} == explored.first
    assert explored.after_prune == set()


def test_a_changed_variant_gives_the_tables_of_a_fresh_run_of_those_settings(explored, tmp_path):
    fresh = copy_project(tmp_path)
    (fresh / "config" / "adam.yaml").write_text("optimizer_mnist.optimizers.Adam.lr: 0.002\n")
    snakemake(fresh, "fig6-09", configfiles=ADAM)  # all six optimizers of a seed in one job, from nothing
    made = {name: data for name, data in tables(fresh).items() if name.startswith("store/optimizer_mnist/")}
    optimizers, seeds = list(SMALL["optimizer_mnist"]["optimizers"]), SMALL["seeds"]
    assert len(made) == len(optimizers) * 2 * len(seeds) and made == {name: explored.changed[name] for name in made}
    # the run's own tables, assembled from those entries, are the ones the explored run wrote
    how = EXPERIMENTS["optimizer_mnist"].assembly
    for seed in (0, 1):
        units = {}
        for record in sorted((fresh / "results" / "store" / "optimizer_mnist").glob(f"*/seed{seed}/provenance.json")):
            unit = json.loads(record.read_text())["unit"]
            units[unit] = {t: pd.read_csv(record.parent / f"{t}.csv", keep_default_na=False, na_values={"diverged_at": [""]})
                           for t in ("loss", "summary")}
        order = optimizers
        assembled = assemble({u: units[u] for u in order}, how)
        for table in ("loss", "summary"):
            text = assembled[table].to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n").encode()
            assert text == explored.changed[f"optimizer_mnist/seed{seed}/{table}.csv"], (seed, table)


def test_prune_deletes_the_entries_no_run_refers_to(explored):
    adam = {d for d, r in explored.changed_entries.items() if d not in explored.first_entries}
    listed = re.findall(r"^prune: (results/store/\S+) \(", explored.prune_plan, re.M)
    assert set(listed) == adam and "prune: deletes 2 store entries" in explored.prune_plan
    assert explored.prune_plan.count(listed[0]) == 1  # the listing once (and then what it did)
    assert set(explored.pruned_entries) == set(explored.first_entries)


def test_compare_builds_the_named_runs_beside_the_book_and_leaves_the_books_results(explored):
    results = explored.work / "results"
    assert explored.book_after_compare == explored.book_before_compare
    for run in COMPARED:
        assert (results / "runs" / run / "figures" / "fig6-23_dropout.png").exists()
        page = (results / "runs" / run / "index.html").read_text()
        assert 'href="../../compare.html"' in page and f"Run <b>{run}</b>" in page
    assert 'href="compare.html"' in (results / "index.html").read_text()
    page = (results / "compare.html").read_text()
    assert "<code>optimizer_mnist.optimizers.Adam.lr</code>: 0.001 (default) → 0.01" in page
    assert "<code>dropout.dropout_ratio</code>: 0.15 → 0.3" in page


def test_a_named_run_draws_only_what_it_changes_and_copies_the_books_other_figures(explored):
    results = explored.work / "results"
    changed = {"adam_lr_0.01": "optimizer_mnist", "dropout_0.3": "dropout"}
    for run, experiment in changed.items():
        for record in (results / "runs" / run / "figures" / "provenance").glob("*.json"):
            rec = json.loads(record.read_text())
            figures = [f for f in rec["outputs"] if f.endswith(".png")]
            assert figures and len(rec["outputs"]) == 3 * len(figures), record  # PNG, PDF and caption each
            book = {f: results / "figures" / f.split("/figures/", 1)[1] for f in rec["outputs"]}
            if record.stem == experiment:  # drawn from the run's own entries
                assert rec["rule"] == f"plot_{experiment}__{run}"
                assert not any(i.startswith("results/figures/") for i in rec["inputs"])
                assert all((explored.work / f).read_bytes() != book[f].read_bytes() for f in figures), record
            else:  # the book's files, copied: the same bytes the book's plot job drew
                assert rec["inputs"] and all(i.startswith("results/figures/") for i in rec["inputs"])
                assert all((explored.work / f).read_bytes() == book[f].read_bytes() for f in rec["outputs"]), record


def test_the_comparisons_claim_columns_are_each_runs_own_claims(explored):
    results = explored.work / "results"
    every = pd.read_csv(results / "compare.csv", keep_default_na=False, na_values={c: [""] for c in ("mean", "lo", "hi")})
    assert list(every.columns) == ["kind", "run", "sweep", "key", "value", "figure", "claim", "verdict", "mean", "lo",
                                   "hi"]
    table = every[every.kind == "claim"]
    assert table.run.unique().tolist() == ["book", *COMPARED]
    for run in ["book", *COMPARED]:
        own = read_claims(results / ("claims.csv" if run == "book" else f"runs/{run}/claims.csv"))
        mine = table[table.run == run].reset_index(drop=True)
        assert mine.figure.tolist() == own.claim.tolist() and mine.verdict.tolist() == own.verdict.tolist()
        for a, b in (("mean", "mean"), ("lo", "ci95_low"), ("hi", "ci95_high")):
            pd.testing.assert_series_equal(mine[a], own[b], check_names=False)
    # on the page too: a row per claim, a column per run, the rows whose verdict changed marked
    page = (results / "compare.html").read_text()
    assert page.count('<tr class="differs">') == sum(
        (table.pivot_table(index=table.groupby("run").cumcount(), columns="run", values="verdict", aggfunc="first")
         .pipe(lambda t: t[COMPARED].ne(t["book"], axis=0).any(axis=1))))


def test_the_comparison_passes_in_a_real_browser_and_shows_images_only_of_what_differs(explored, tmp_path):
    results = explored.work / "results"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "check_page.py"), str(results / "compare.html")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (results / "compare.html").read_text()
    images = re.findall(r'<img src="([^"]+)"', page)
    assert int(re.search(r"(\d+) images", proc.stdout).group(1)) == len(images)
    book = {p.name: p.read_bytes() for p in (results / "figures").glob("*.png")}
    overlays = sorted(p.name for p in (results / "compare" / "overlay").glob("*.png"))
    for src in images:  # an overlay, a sweep's figure, or a figure that differs from the book's in some run
        if src.startswith("compare/"):
            continue
        name = src.rsplit("/", 1)[1]
        versions = {(results / "runs" / run / "figures" / name).read_bytes() for run in COMPARED
                    if (results / "runs" / run / "figures" / name).exists()}
        assert versions - {book.get(name)}, f"{src}: the same in every run, yet shown"
    shown = {src.rsplit("/", 1)[1] for src in images}
    identical = page.split('id="identical"')[1]
    for name, data in book.items():
        same = all((results / "runs" / run / "figures" / name).read_bytes() == data for run in COMPARED)
        assert (name not in shown and identical.count(f'href="figures/{name}"') == 1) if same else name in shown, name
    # the figures that differ are Fig 6-9's family (Adam's rates) and 6-23's (Dropout 0.3), and each has its overlay
    assert overlays == ["fig6-09_optimizers_mnist.png", "fig6-09x_all_optimizers_mnist.png", "fig6-23_dropout.png"]
    assert all(f'src="compare/overlay/{name}"' in page for name in overlays)
    assert 'src="compare/sweep/adam_lr/6-9.png"' in page


def test_the_sweep_trains_only_adam_for_each_new_rate_and_the_books_rate_nothing(explored):
    trained = {rule for rule in training(explored.compare_plan) if rule.startswith("optimizer_mnist")}
    # at 0.001 Adam is the book's: that run trains nothing
    assert trained == {"optimizer_mnist__adam_lr_0.01", "optimizer_mnist__adam_lr_0.0001",
                       "optimizer_mnist__adam_lr_0.1"}
    assert {rule.split("__")[0] for rule in training(explored.compare_plan)} == {"optimizer_mnist", "dropout"}
    new = [r for d, r in explored.compared_entries.items() if d not in explored.before_compare]
    adam = sorted((r["settings"]["optimizers"]["Adam"]["lr"], r["seed"]) for r in new if r["experiment"] == "optimizer_mnist")
    assert adam == [(lr, seed) for lr in (0.0001, 0.01, 0.1) for seed in SMALL["seeds"]]  # one job's entry per value and seed
    assert all(r["unit"] == "Adam" for r in new if r["experiment"] == "optimizer_mnist")
    stats = (explored.compare.stdout + explored.compare.stderr).split("Job stats:")[1].split("total")[0]
    counts = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+(\d+)\s*$", stats, re.M)}
    assert {rule: counts[rule] for rule in trained} == {rule: len(SMALL["seeds"]) for rule in trained}
    book_rate = explored.work / "results" / "runs" / "adam_lr_0.001"
    assert (book_rate / "claims.csv").read_bytes() == (explored.work / "results" / "claims.csv").read_bytes()


def test_the_sweep_draws_a_response_figure_for_the_claims_of_fig_6_9_it_changes(explored):
    results = explored.work / "results"
    sweep = results / "compare" / "sweep" / "adam_lr"
    assert sorted(p.name for p in sweep.iterdir()) == ["6-9.pdf", "6-9.png", "6-9.txt", "provenance.json"]
    caption = (sweep / "6-9.txt").read_text()
    book = read_claims(results / "claims.csv")
    six_nine = book[book.claim == "6-9"].statement.tolist()
    about_adam = [s for s in six_nine if "Adam" in s]
    assert len(about_adam) == 3  # Adam's two comparisons with SGD, and AdaGrad fastest of a list with Adam
    for statement in six_nine:
        if statement in about_adam:
            assert f"“{statement}” holds at " in caption, statement
        else:
            assert f"“{statement}”" in caption.split("Unchanged by the setting: ")[1], statement
    # at each rate, the verdicts the figure shows are the sweep's runs' own
    table = pd.read_csv(results / "compare.csv", keep_default_na=False)
    rows = table[(table.kind == "claim") & (table.sweep == "adam_lr")]
    assert sorted(rows.value.unique(), key=float) == ["0.0001", "0.001", "0.01", "0.1"]
    assert set(rows.key) == {"optimizer_mnist.optimizers.Adam.lr"}
    first = rows[rows.claim == about_adam[0]]
    held = [v for v, verdict in zip(first.value, first.verdict) if verdict == "holds"]
    assert f"“{about_adam[0]}” holds at {', '.join(held) if held else 'none of the values'}" in caption


def test_the_runs_table_gives_each_runs_headline_numbers_of_the_figures_that_differ(explored):
    table = pd.read_csv(explored.work / "results" / "compare.csv", keep_default_na=False)
    metrics = table[table.kind == "metric"]
    assert set(metrics.figure) == {"6-9, 6-9x", "6-23"}  # the experiments whose figures differ
    adam = metrics[metrics.claim == "Adam: test accuracy"].set_index("run")["mean"].astype(float)
    assert list(adam.index) == ["book", *COMPARED]
    assert adam["adam_lr_0.001"] == adam["book"] == adam["dropout_0.3"] != adam["adam_lr_0.01"]
    for run in ["book", "adam_lr_0.01"]:  # the mean of each seed's own test accuracy, from the run's tables
        directory = explored.work / "results" / ("" if run == "book" else f"runs/{run}")
        summary = pd.concat(pd.read_csv(p) for p in directory.glob("optimizer_mnist/seed*/summary.csv"))
        assert adam[run] == pytest.approx(summary[summary.optimizer == "Adam"].test_acc.mean(), abs=1e-8)
    page = (explored.work / "results" / "compare.html").read_text()
    assert "<th>Fig 6-9, 6-9x<br>Adam: test accuracy</th>" in page
    assert "<th>Fig 6-9, 6-9x<br>SGD: test accuracy</th>" not in page  # the same in every run: left out


def test_a_tried_run_trains_only_what_it_changes_and_a_wrong_one_is_refused(explored):
    change = "try=optimizer_mnist.optimizers.Adam.lr=0.02"
    planned = planned_rules(explored.work, "compare", "--config", change)
    assert training(planned) == {"optimizer_mnist__try_Adam.lr_0.02"}
    assert "compare_overlay_optimizer_mnist" in planned and not any("adam_lr_0.01" in r for r in planned)
    wrong = snakemake(explored.work, "-n", "compare", "--config", "try=optimizer_mnist.optimizers.Adamm.lr=0.02",
                      check=False)
    assert wrong.returncode == 1 and wrong.stderr.strip().splitlines()[-1].startswith(
        "run 'try_Adamm.lr_0.02': config key 'optimizer_mnist.optimizers.Adamm.lr': optimizer_mnist.optimizers has "
        "no key 'Adamm'")


def test_after_compare_a_plain_prune_keeps_every_file_of_the_named_runs_and_their_logs(explored):
    # a plain call defines the book's rules only: the named runs' files and logs are still theirs
    planned = snakemake(explored.work, "-n", "prune", cores=1)
    assert "and 0 files under results/ that no current run writes" in planned.stderr, planned.stderr[-2000:]


def test_the_report_of_compare_groups_the_figures_by_run(explored, tmp_path):
    report = tmp_path / "report.zip"
    proc = subprocess.run([sys.executable, "-m", "snakemake", "compare", "--report", str(report), "--config",
                           f"runs=[{','.join(TWO)}]", "--configfile", "config/test.yaml"],
                          cwd=explored.work, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with zipfile.ZipFile(report) as z:
        page = z.read("report/report.html").decode("utf-8")
    categories = set(re.findall(r'"(Run [\w.]+)"', page))
    assert categories == {"Run book", *(f"Run {run}" for run in TWO)}


def test_a_named_runs_remedy_works_as_printed(explored, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(explored.work, work, symlinks=True)
    figure = work / "results" / "runs" / "adam_lr_0.01" / "figures" / "fig6-09_optimizers_mnist.png"
    figure.write_bytes(figure.read_bytes()[:-100])
    runs = f"runs=[{','.join(TWO)}]"  # two of the compared runs: verify checks those and their comparison
    checked = snakemake(work, "verify", "--config", runs, cores=1, check=False)
    assert checked.returncode == 1
    assert "results/runs/adam_lr_0.01/figures/fig6-09_optimizers_mnist.png: cut: " in checked.stderr
    (remedy,) = remedies(checked.stderr)  # the named runs are made by `compare`, with the user's own options
    assert remedy == f"snakemake compare --cores 1 --config '{runs}' --configfile config/test.yaml"
    follow(remedy, work)
    assert snakemake(work, "verify", "--config", runs, cores=1, check=False).returncode == 0
    assert figure.read_bytes() == (explored.work / figure.relative_to(work)).read_bytes()


def test_compare_plans_each_distinct_training_job_once(tmp_path):
    work = copy_project(tmp_path)
    (work / "config" / "runs.yaml").write_text("a:\n  optimizer_mnist.optimizers.Adam.lr: 0.01\n"
                                               "b:\n  optimizer_mnist.optimizers.Adam.lr: 0.002\n")

    def counts(*args):
        out = snakemake(work, "-n", *args).stdout
        table = out.split("Job stats:")[1].split("total")[0]
        return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+(\d+)\s*$", table, re.M)}

    with ThreadPoolExecutor(max_workers=2) as pool:  # two independent dry runs, one core each
        book, both = pool.map(lambda args: counts(*args), [(), ("compare",)])
    trained = {rule: n for rule, n in both.items() if rule.split("__")[0] in TRAINING}
    assert trained == {**{r: n for r, n in book.items() if r in TRAINING}, "optimizer_mnist__a": 2,
                       "optimizer_mnist__b": 2}


def test_bad_runs_are_refused_before_any_job_and_never_stop_the_books_run(tmp_path):
    work = copy_project(tmp_path)
    proc = snakemake(work, "-n", "compare", "--config", "runs=[adam]", check=False)
    runs = read_runs(work / "config" / "runs.yaml")
    sweeps = dict.fromkeys(run["sweep"]["name"] for run in runs.values() if "sweep" in run)
    defined = ", ".join([*runs, *(f"{name} (a sweep)" for name in sweeps)])
    assert proc.returncode == 1 and proc.stderr.strip().splitlines()[-1] == (
        f"config key 'runs': unknown run 'adam'; the defined runs are {defined}")
    (work / "config" / "runs.yaml").write_text("fast:\n  optimizer_mnist:\n    iterations: 0\n")
    proc = snakemake(work, "-n", "compare", check=False)
    assert proc.returncode == 1 and proc.stderr.strip().splitlines()[-1].startswith(
        "run 'fast': config key 'optimizer_mnist.iterations': 0 is less than the minimum of 11")
    plain = snakemake(work, "-n")  # the book's run only warns
    assert "Warning: run 'fast': config key 'optimizer_mnist.iterations'" in plain.stdout + plain.stderr
    assert not (work / "results").exists()
