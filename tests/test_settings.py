"""A user's own settings on the small config: overrides, seeds from the command line, labels,
damaged tables, plot-only settings, missing variants, --directory, the report, the
per-figure targets, and the examples of config/README.md."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from snakemake_runner import ROOT, copy_project, planned_rules, run_config, snakemake
from snakemake_runner import caption as read_caption

from dlscratch.registry import EXPERIMENTS, drawn_figures

pytestmark = pytest.mark.pipeline


def write(work, name, text):
    path = work / "config" / name
    path.write_text(text)
    return f"config/{name}"


def dry_outputs(out):
    """Every output file a dry-run plans."""
    return {f.strip() for line in out.splitlines() if line.strip().startswith("output:")
            for f in line.split("output:")[1].split(",")}


def copy_with_results(project, tmp_path):
    work = tmp_path / "copy"
    shutil.copytree(project, work, symlinks=True)
    return work


# --------------------------------------------------------------------------- overrides and seeds


def test_an_override_file_trains_only_the_variants_it_lists(tmp_path):
    work = copy_project(tmp_path)
    two = write(work, "two.yaml", "optimizer_mnist:\n  optimizers:\n    SGD: {name: sgd}\n    Adam: {name: adam}\n")
    snakemake(work, "fig6-09", configfiles=("config/test.yaml", two))
    entries = sorted((work / "results" / "store" / "optimizer_mnist").glob("*/seed0/provenance.json"))
    assert len(entries) == 2  # a store entry per optimizer, both computed by one job per seed
    units = [json.loads(p.read_text()) for p in entries]
    assert sorted(unit["unit"] for unit in units) == ["Adam", "SGD"]
    assert {json.loads((p.parent / "job.json").read_text())["rule"] for p in entries} == {"optimizer_mnist"}
    caption = read_caption(work, "fig6-09_optimizers_mnist")
    assert "SGD: sgd, lr 0.01; Adam: adam, lr 0.001" in caption and "Momentum" not in caption
    # the book's Fig 6-9 needs all four: the run says which it lacks and what restores them
    proc = snakemake(work, "-n", "fig6-09", configfiles=("config/test.yaml", two))
    out = proc.stdout + proc.stderr
    assert "Fig 6-9 (fig6-09_optimizers_mnist) is drawn without momentum, adagrad" in out
    assert "add {AdaGrad: {name: adagrad}} to optimizer_mnist.optimizers" in out


def test_seeds_from_the_command_line(tmp_path):
    work = copy_project(tmp_path)
    cases = [("seeds=[3,4]", {3, 4}), ("seeds=7", {7})]
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        procs = list(pool.map(lambda value: snakemake(work, "-n", "--config", value), [v for v, _ in cases]))
    for (value, seeds), proc in zip(cases, procs):
        outputs = dry_outputs(proc.stdout)
        found = {int(m) for f in outputs for m in re.findall(r"/seed(\d+)/", f)}
        assert found == seeds, value


# --------------------------------------------------------------------------- labels


LABELS = """optimizer_paths:
  optimizers:
    "1": {name: sgd, lr: 0.95}
    NA: {name: momentum, lr: 0.1}
    "null": {name: adagrad, lr: 1.5}
    "$x": {name: adam, lr: 0.3}
    " 0.5 ": {name: rmsprop, lr: 0.1}
"""


def test_labels_that_look_like_numbers_or_missing_values_round_trip(tmp_path):
    work = copy_project(tmp_path)
    labels = write(work, "labels.yaml", LABELS)
    snakemake(work, "fig6-08", "fig6-06", configfiles=("config/test.yaml", labels))
    from dlscratch.chapter.optimizers import optimizer_paths_schemas
    from dlscratch.tables import read_table

    labels = []
    for entry in (work / "results" / "store" / "optimizer_paths").glob("*/paths.csv"):  # one per optimizer
        unit = json.loads((entry.parent / "provenance.json").read_text())["unit"]
        schema = optimizer_paths_schemas({"optimizers": {unit: None}, "steps": 30})["paths"]
        labels += list(read_table(entry, schema).optimizer.unique())
    assert sorted(labels) == sorted(["1", "NA", "null", "$x", " 0.5 "])
    assert "Path of 1, NA, null, $x on f" in read_caption(work, "fig6-08_optimizer_paths")
    assert "Path of null on f" in read_caption(work, "fig6-06_adagrad_path")  # found by meaning
    assert "Path of  0.5  on f" in read_caption(work, "fig6-08x_other_optimizer_paths")


@pytest.mark.parametrize("table, key", [("1: {name: sgd}", "optimizer_mnist.optimizers"),
                                        ("_hidden: {name: sgd}", "optimizer_mnist.optimizers")])
def test_labels_the_schema_cannot_pass_unchanged_are_refused_before_any_job(tmp_path, table, key):
    work = copy_project(tmp_path)
    bad = write(work, "bad.yaml", f"optimizer_mnist:\n  optimizers:\n    {table}\n")
    proc = snakemake(work, check=False, configfiles=("config/test.yaml", bad))
    assert proc.returncode != 0 and key in proc.stdout + proc.stderr
    assert not (work / "results").exists()


# --------------------------------------------------------------------------- damaged tables


def cut_mid_row(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 7])


def drop_last_rows(path):
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-3]))


def alter_a_value(path):
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[5].split(",")
    fields[-2] = "oops"
    lines[5] = ",".join(fields)
    path.write_text("".join(lines))


def drop_a_column(path):
    table = pd.read_csv(path)
    table.drop(columns=table.columns[-1]).to_csv(path, index=False)


@pytest.mark.parametrize("damage", [cut_mid_row, drop_last_rows, alter_a_value, drop_a_column])
def test_every_kind_of_damage_is_refused_naming_the_file(small_pipeline, tmp_path, damage):
    from dlscratch.chapter.batchnorm import batchnorm_schemas
    from dlscratch.tables import TableError, read_table

    table = tmp_path / "accuracy.csv"
    shutil.copy(small_pipeline / "results" / "batchnorm" / "seed1" / "accuracy.csv", table)
    settings = {"weight_std_logspace": {"num": 4}, "epochs": 3}
    schema = batchnorm_schemas(settings)["accuracy"].with_values(seed=[1])
    assert len(read_table(table, schema)) == 4 * 2 * 4
    damage(table)
    with pytest.raises(TableError, match=re.escape(str(table))):
        read_table(table, schema)


@pytest.mark.parametrize("damage, table, reader", [
    (cut_mid_row, "batchnorm/*/seed1/accuracy.csv", "plot_batchnorm"),
    (drop_last_rows, "random_search/*/seed0/curves.csv", "claims")])
def test_a_damaged_table_fails_its_reader_naming_the_file(small_pipeline, tmp_path, damage, table, reader):
    work = copy_with_results(small_pipeline, tmp_path)
    path = sorted((work / "results" / "store").glob(table))[0]  # a store entry's table
    table = str(path.relative_to(work / "results"))
    damage(path)
    # A plain run heals it (tests/test_trust.py); a target that does not (a file of results/) leaves it be
    # and says so, and every job that reads it refuses it.
    proc = snakemake(work, "results/claims.csv", "results/figures/fig6-19_batchnorm_grid_seeds.png", "--keep-going",
                     "--forcerun", reader, check=False)
    assert proc.returncode != 0
    assert f"results/{os.path.dirname(table)}: {os.path.basename(table)}: cut: " in proc.stderr
    assert "not remade by this target (results/claims.csv" in proc.stderr
    log = (work / "results" / "logs" / ("claims.log" if reader == "claims" else "figures/batchnorm.log")).read_text()
    assert f"Error: results/{table}: cut: " in log and "Traceback" not in log, log[-2000:]
    assert "run `snakemake --cores 2 --keep-going --forcerun" not in log  # only the options that matter
    assert "run `snakemake --cores 2 --configfile config/test.yaml`, which computes its entry again" in log
    # one message per job that read it, in the terminal too, and no traceback
    out = proc.stdout + proc.stderr
    assert out.count(f"rule {reader}: results/{table}: cut: ") == 1 and "Traceback" not in out
    figure = work / "results" / "figures" / "fig6-19_batchnorm_grid_seeds.png"
    assert reader == "claims" or not figure.exists()  # no figure drawn from a damaged table
    assert reader == "plot_batchnorm" or not (work / "results" / "claims.csv").exists()
    assert not (work / "results" / "index.html").exists()  # no page left linking what the failure removed


# --------------------------------------------------------------------------- what reruns


def test_plot_only_settings_rerun_only_plots(small_pipeline, tmp_path):
    work = copy_with_results(small_pipeline, tmp_path)
    override = write(work, "plots.yaml", "random_search:\n  top: 3\nbatchnorm:\n  single_panel_std_index: 2\n")
    assert planned_rules(work, configfiles=("config/test.yaml", override)) == {
        "plot_random_search", "plot_batchnorm", "index"}


def test_a_renamed_variant_keeps_its_figure_and_a_removed_one_is_reported(small_pipeline, tmp_path):
    work = copy_with_results(small_pipeline, tmp_path)
    cases = "\n".join(f"    {label}: {{activation: {a}, weight_std: {w}}}" for label, a, w in [
        ("sigmoid, std 1", "sigmoid", 1.0), ("sigmoid, std 0.01", "sigmoid", 0.01), ("Xavier", "sigmoid", "xavier"),
        ("relu tiny", "relu", 0.01), ("relu xavier", "relu", "xavier"), ("He", "relu", "he")])
    renamed = write(work, "renamed.yaml", f"activations:\n  cases:\n{cases}\n")
    # without its He case, Fig 6-14 is not drawn, and the run and the index say what restores it
    removed = write(work, "removed.yaml", f"activations:\n  cases:\n{cases.rsplit(chr(10), 1)[0]}\n")
    with ThreadPoolExecutor(max_workers=2) as pool:  # two independent dry runs, one core each
        proc, plan = pool.map(lambda name: snakemake(work, "-n", configfiles=("config/test.yaml", name)),
                              [renamed, removed])
    assert "results/figures/fig6-14_relu_inits.png" in dry_outputs(proc.stdout)
    assert "Fig 6-14" not in proc.stdout + proc.stderr
    assert "results/figures/fig6-14_relu_inits.png" not in dry_outputs(plan.stdout)
    assert "Fig 6-14 (fig6-14_relu_inits) is not drawn" in plan.stdout + plan.stderr
    snakemake(work, "index", configfiles=("config/test.yaml", removed))
    index = (work / "results" / "index.html").read_text()
    assert "Fig 6-14 (fig6-14_relu_inits) is not drawn: it needs relu with he weights" in index
    assert "add {relu_he: {activation: relu, weight_std: he}} to activations.cases" in index
    assert 'src="figures/fig6-14_relu_inits.png"' not in index
    claims = pd.read_csv(work / "results" / "claims.csv")
    he = claims[claims.statement.str.startswith("ReLU, He")].iloc[0]
    assert he.verdict == "not measured"


# --------------------------------------------------------------------------- directory, report, targets


def test_the_small_configs_own_command_runs_in_another_directory(tmp_path):
    work = copy_project(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "fig6-03", "--configfile", "config/test.yaml",
           "--directory", str(elsewhere)]
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (elsewhere / "results" / "figures" / "fig6-03_sgd_path.png").exists()
    assert not (work / "results").exists()


def test_the_report_describes_the_run_that_drew_the_figures(small_pipeline, tmp_path):
    report = tmp_path / "report.zip"
    cmd = [sys.executable, "-m", "snakemake", "--report", str(report)]  # no --configfile: the book's settings
    proc = subprocess.run(cmd, cwd=small_pipeline, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with zipfile.ZipFile(report) as z:
        page = z.read("report/report.html").decode("utf-8")
    captions = re.findall(r'"caption":\s*"((?:[^"\\]|\\.)*)"', page)
    nine = [c for c in captions if "Fig 6-9:" in c]
    chapter = [d for d in drawn_figures(run_config("config/test.yaml")) if not EXPERIMENTS[d.figure.experiment].study]
    assert len(captions) == len(chapter) and len(nine) == 2  # 6-9, its companion
    assert all("batch 32, 60 iterations" in c and "2000 iterations" not in c for c in nine)


def test_a_target_per_book_figure_builds_only_what_it_needs(tmp_path):
    work = copy_project(tmp_path)
    assert planned_rules(work, "fig6-09") == {"optimizer_mnist", "plot_optimizer_mnist", "fig6-09"}
    # the plot job draws every figure of its experiment: Fig 6-20 comes with 6-21 and its lambda 0.1 run
    assert planned_rules(work, "fig6-20") == {"overfit_baseline", "weight_decay", "plot_weight_decay", "fig6-20"}


# --------------------------------------------------------------------------- config/README.md


def readme_examples():
    text = (ROOT / "config" / "README.md").read_text()
    files = dict(re.findall(r"```yaml\n# (config/\S+)\n(.*?)```", text, re.S))
    commands = re.findall(r"```bash\n(snakemake [^\n]*)\n```", text)
    return files, commands


def test_the_readme_examples_run(tmp_path):
    files, commands = readme_examples()
    assert len(files) >= 1 and len(commands) >= 4
    work = copy_project(tmp_path)
    for name, text in files.items():
        (work / name).write_text(text)
    expected = {
        "two_optimizers": lambda out: {"results/optimizer_mnist/seed0/loss.csv"} <= dry_outputs(out),
        "seeds=[3,4]": lambda out: "results/batchnorm/seed4/accuracy.csv" in dry_outputs(out),
        "lambdas": lambda out: "results/weight_decay/seed0/lambda0.05.csv" in dry_outputs(out),
        "fig6-09": lambda out: "results/figures/fig6-09_optimizers_mnist.png" in dry_outputs(out),
        "compare": lambda out: {"results/runs/adam_lr_10x/index.html", "results/compare.html"} <= dry_outputs(out),
    }
    def dry_run(command):
        return subprocess.run([sys.executable, "-m", "snakemake", "-n", *shlex.split(command)[1:]], cwd=work,
                              capture_output=True, text=True)

    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:  # independent dry runs, one core each
        procs = list(pool.map(dry_run, commands))
    for command, proc in zip(commands, procs):
        assert proc.returncode == 0, (command, proc.stderr[-2000:])
        checks = [check for key, check in expected.items() if key in command]
        assert checks and all(check(proc.stdout) for check in checks), command
