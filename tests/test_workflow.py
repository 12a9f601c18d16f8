"""The Snakemake pipeline, run for real on the small config (config/test.yaml) in a
temporary copy of the project, then dry-runs of its rerun behaviour."""

import os
import re
import shutil

import pandas as pd
import pytest
from snakemake_runner import caption as read_caption
from snakemake_runner import copy_project, planned_rules, run_config, snakemake

from dlscratch.claims import VERDICTS
from dlscratch.registry import EXPERIMENTS, FIGURES, drawn_figures

pytestmark = pytest.mark.pipeline

SMALL = run_config("config/test.yaml")
# `snakemake` alone runs the chapter; the studies (tests/test_studies.py) only with `snakemake studies`
CHAPTER = [name for name, experiment in EXPERIMENTS.items() if not experiment.study]
CHAPTER_FIGURES = [f for f in FIGURES.values() if f.experiment in CHAPTER]
DRAWN = [d.stem for d in drawn_figures(SMALL) if d.figure.experiment in CHAPTER]


@pytest.fixture(scope="module")
def project(small_pipeline):
    return small_pipeline


def test_the_small_config_draws_every_registered_figure_and_its_companion():
    assert {d.split("_")[0] for d in DRAWN} == {f.stem.split("_")[0] for f in CHAPTER_FIGURES}
    assert sum(d.endswith("_seeds") for d in DRAWN) == sum(f.band is not None for f in CHAPTER_FIGURES)


def test_every_figure_is_made_as_png_and_pdf_with_its_caption(project):
    for fig in DRAWN:
        png = project / "results" / "figures" / f"{fig}.png"
        pdf = project / "results" / "figures" / f"{fig}.pdf"
        assert png.read_bytes()[:4] == b"\x89PNG", fig
        assert pdf.read_bytes()[:4] == b"%PDF", fig
        caption = read_caption(project, fig)
        assert caption.startswith("Fig 6-"), fig
    made = {p.stem for p in (project / "results" / "figures").glob("*.png")}
    assert made == set(DRAWN)


def test_captions_state_the_settings_the_figures_were_drawn_with(project):
    assert "the first 2000 MNIST images, batch 32, 60 iterations" in read_caption(project, "fig6-09_optimizers_mnist")
    assert "over 2 seeds (0, 1)" in read_caption(project, "fig6-19_batchnorm_grid_seeds")
    assert "4 stds from 1 to 0.0001" in read_caption(project, "fig6-19_batchnorm_grid")


def planned_training():
    """How many training jobs a fresh run of the small config plans (dlscratch.plan): per seed, a
    job per variant table and the shared unregularized run, a job per other part (a λ, Dropout's
    run, a search shard), and a job per deterministic experiment."""
    from dlscratch.plan import Run, jobs

    batches, baselines, keyed = jobs([Run("book", SMALL, {name: "code" for name in EXPERIMENTS})], studies=False,
                                     is_complete=lambda entry: False)
    return sum(len(b.seeds) for b in batches + baselines) + sum(len(entries) for entries in keyed.values())


TRAINING = planned_training()
# the training jobs + a plot job per experiment + tables, claims and index
JOBS = TRAINING + len(CHAPTER) + 3
OPTIMIZERS = list(SMALL["optimizer_mnist"]["optimizers"])


def test_every_rule_wrote_a_log(project):
    logs = list((project / "results" / "logs").rglob("*.log"))
    assert len(logs) == JOBS
    assert all("elapsed" in p.read_text() for p in logs)
    # a training job's log is kept by the store entries it computed
    assert len(list((project / "results" / "logs" / "store").rglob("*.log"))) == TRAINING


def job_spans(project):
    """(start, end) wall-clock times of every job, from their logs."""
    spans = []
    for log in (project / "results" / "logs").rglob("*.log"):
        text = log.read_text()
        start = float(text.split("started ")[1].split()[0])
        spans.append((start, start + float(text.split("elapsed ")[1].split()[0])))
    return spans


def test_jobs_run_one_blas_thread_and_no_more_at_once_than_cpus(project, tmp_path):
    cpus = len(os.sched_getaffinity(0))
    for log in (project / "results" / "logs").rglob("*.log"):
        first = log.read_text().splitlines()[0]
        assert "'num_threads': 1," in first and "'num_threads': 2" not in first, log
    # the small pipeline ran with --cores 4: never more jobs at once than this machine's CPUs
    spans = job_spans(project)
    busiest = max(sum(start <= t < end for start, end in spans) for t, _ in spans)
    assert 1 <= busiest <= cpus
    # every job says it uses one thread and one of the CPUs, whatever --cores (planned from scratch:
    # the store's entries are computed once, and no rule offers to compute them again)
    out = snakemake(copy_project(tmp_path), "-n", cores=3 * cpus).stdout
    jobs = [job for job in out.split("\nrule ")[1:] + out.split("\nlocalrule ")[1:] if not job.startswith("all:")]
    assert len(jobs) == JOBS
    for job in jobs:
        assert "threads: " not in job or "threads: 1\n" in job, job
        assert "cpus=1" in job.split("resources:")[1].splitlines()[0], job


def read(project, path):
    return pd.read_csv(project / "results" / path)


def test_paths_table(project):
    df = read(project, "optimizer_paths/paths.csv")
    assert list(df.columns) == ["optimizer", "lr", "step", "x", "y", "f"]
    steps = SMALL["optimizer_paths"]["steps"]
    assert df.groupby("optimizer").size().to_dict() == {n: steps + 1 for n in SMALL["optimizer_paths"]["optimizers"]}
    first = df[df.step == 0]
    assert (first.x == -7).all() and (first.y == 2).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_mnist_loss_tables(project, seed):
    loss = read(project, f"optimizer_mnist/seed{seed}/loss.csv")
    assert list(loss.columns) == ["seed", "optimizer", "iteration", "loss"] and (loss.seed == seed).all()
    assert len(loss) == len(OPTIMIZERS) * SMALL["optimizer_mnist"]["iterations"]
    summary = read(project, f"optimizer_mnist/seed{seed}/summary.csv")
    assert list(summary.columns) == ["seed", "optimizer", "final_loss", "tail_loss", "mean_loss", "train_acc",
                                     "test_acc", "diverged_at"]
    assert summary.test_acc.between(0, 1).all()
    init = read(project, f"init_mnist/seed{seed}/summary.csv")
    assert init.init.tolist() == ["std=0.01", "Xavier", "He"]


def test_seeds_differ(project):
    a = read(project, "optimizer_mnist/seed0/loss.csv")
    b = read(project, "optimizer_mnist/seed1/loss.csv")
    assert not a.loss.equals(b.loss)


def test_activation_tables(project):
    hist = read(project, "activations/seed0/histograms.csv")
    assert set(hist.columns) >= {"case", "layer", "bin_left", "bin_right", "count"}
    assert hist.groupby(["case", "layer"]).size().eq(30).all()
    assert hist.case.nunique() == 7 and hist.layer.max() == 5


def test_batchnorm_table(project):
    df = read(project, "batchnorm/seed0/accuracy.csv")
    assert list(df.columns) == ["seed", "std_index", "weight_std", "model", "epoch", "train_acc", "diverged_at",
                                "chance"]
    assert df.std_index.nunique() == 4 and set(df.model) == {"batchnorm", "plain"}
    assert (df.chance == 0.13).all()  # the most frequent class of the first 200 training images: 26 ones
    assert df.epoch.max() == 3 and len(df) == 4 * 2 * 4


def test_regularization_tables(project):
    for path, epochs in [("weight_decay/seed0/lambda0.csv", 4), ("weight_decay/seed0/lambda0.1.csv", 4),
                         ("dropout/seed0/with.csv", 4), ("dropout/seed0/without.csv", 4)]:
        df = read(project, path)
        assert {"epoch", "train_acc", "test_acc", "diverged_at"} <= set(df.columns)
        assert df.epoch.tolist() == list(range(epochs + 1))


def test_unregularized_run_is_one_job_and_identical_in_both_tables(project):
    store_logs = project / "results" / "logs" / "store"
    assert len(list((store_logs / "overfit_baseline").glob("*/seed0.log"))) == 1
    assert len(list((store_logs / "weight_decay").glob("*/seed0.log"))) == 1  # lambda 0.1 only
    decay, dropout = read(project, "weight_decay/seed0/lambda0.csv"), read(project, "dropout/seed0/without.csv")
    columns = ["epoch", "train_acc", "test_acc"]
    pd.testing.assert_frame_equal(decay[columns], dropout[columns])


def test_unregularized_run_is_run_twice_when_the_blocks_differ(project, tmp_path):
    work = copy_with_results(project, tmp_path)
    (work / "config" / "override.yaml").write_text("dropout:\n  lr: 0.02\n")
    out = snakemake(work, "-n", configfiles=("config/test.yaml", "config/override.yaml")).stdout
    assert "rule overfit_baseline" not in out
    # Dropout's two runs, each its own job per seed; weight decay's settings did not change
    jobs = re.findall(r"\nrule (\w+):\n.*?\n    output: (\S+)/(?:accuracy|provenance)", out, re.S)
    assert sorted(rule for rule, _ in jobs) == ["dropout"] * 4


def test_one_seed_draws_no_seed_bands(tmp_path):
    work = copy_project(tmp_path)
    (work / "config" / "one.yaml").write_text("seeds: [0]\n")
    out = snakemake(work, "-n", configfiles=("config/test.yaml", "config/one.yaml")).stdout
    assert "_seeds.png" not in out and "results/figures/fig6-19_batchnorm_grid.png" in out


def test_random_search_tables(project):
    summary = read(project, "random_search/seed0/summary.csv")
    trials = SMALL["random_search"]["trials"]
    assert len(summary) == trials and summary["rank"].tolist() == list(range(1, trials + 1))
    assert summary.lr.between(1e-6, 1e-2).all() and summary.weight_decay.between(1e-8, 1e-4).all()
    curves = read(project, "random_search/seed0/curves.csv")
    assert curves.trial.nunique() == trials and curves.epoch.max() == SMALL["random_search"]["epochs"]


def test_second_run_has_nothing_to_do(project):
    assert planned_rules(project) == set()


def edit(path):
    """Change the code of a file (a comment or a docstring is no change to what runs: a
    training job's key ignores them, dlscratch.sources.code_hash)."""
    path.write_text(path.read_text() + "\n_EDITED = 1\n")


PLOTS = {f"plot_{name}" for name in CHAPTER}


@pytest.mark.parametrize("path", ["src/dlscratch/plotting.py", "workflow/scripts/plot.py"])
def test_plotting_change_reruns_only_plotting(project, tmp_path, path):
    work = copy_with_results(project, tmp_path)
    edit(work / path)
    # every figure family, and the index that shows them; no experiment, no claims
    assert planned_rules(work) == PLOTS | {"index"}


@pytest.mark.parametrize("section, old, new, rules", [
    # a caption: the declaration reaches no claims, no training
    ("batchnorm", '"Batch Norm makes learning faster"', '"Batch Norm learns faster"', {"plot_batchnorm", "index"}),
    # Fig 6-9's axes: no training, no claims
    ("optimizers", 'LOSS_STYLE = {"column": "optimizer", "ylim": (0, 1)}',
     'LOSS_STYLE = {"column": "optimizer", "ylim": (0, 2.5)}', {"plot_optimizer_mnist", "index"}),
    # a claim's wording: no training, no figure
    ("batchnorm", '"Without BN, learning fails unless the weight scale is good"',
     '"Without BN, learning fails unless the scale is good"', {"claims", "index"}),
], ids=["caption", "axis", "claim_wording"])
def test_a_section_edit_reruns_only_what_reaches_it(project, tmp_path, section, old, new, rules):
    work = copy_with_results(project, tmp_path)
    path = work / "src" / "dlscratch" / "chapter" / f"{section}.py"
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    assert planned_rules(work) == rules


BATCHNORM_AND_DOWNSTREAM = {"batchnorm", "plot_batchnorm", "tables", "claims", "index"}


def test_config_change_reruns_only_that_experiment(project, tmp_path):
    work = copy_with_results(project, tmp_path)
    (work / "config" / "override.yaml").write_text("batchnorm:\n  lr: 0.02\n")
    assert planned_rules(work, configfiles=("config/test.yaml", "config/override.yaml")) == BATCHNORM_AND_DOWNSTREAM


def test_library_change_reruns_the_experiments_that_use_it(project, tmp_path):
    work = copy_with_results(project, tmp_path)
    section = work / "src" / "dlscratch" / "chapter" / "batchnorm.py"  # the code its training runs
    section.write_text(section.read_text().replace("    epochs = settings[\"epochs\"]\n",
                                                   "    epochs = settings[\"epochs\"] + 0\n", 1))
    assert planned_rules(work) == BATCHNORM_AND_DOWNSTREAM
    edit(work / "src" / "dlscratch" / "layers.py")
    rules = planned_rules(work)
    # every training that builds a network, and no other (the function's table and the paths on it do not)
    assert rules & set(EXPERIMENTS) == users_of("dlscratch/layers.py") - {"overfit_baseline"}
    assert {"optimizer_mnist", "batchnorm", "random_search"} <= rules
    assert not {"function_surface", "optimizer_paths"} & rules


def users_of(module):
    """The training rules whose jobs run ``module`` (dlscratch/x.py), from their imports."""
    from snakemake_runner import ROOT

    from dlscratch.sources import job_modules
    from dlscratch.workflow.files import Files

    scripts = [ROOT / "workflow" / "scripts" / "experiment.py"]
    dotted = module.removesuffix(".py").replace("/", ".")
    users = {name for name in CHAPTER
             if dotted in job_modules((), Files.training_entries(name), scripts)}
    return users | ({"overfit_baseline"} if {"weight_decay", "dropout"} <= users else set())


def test_a_comment_or_a_docstring_trains_nothing_and_code_that_runs_retrains_exactly_its_users(project, tmp_path):
    work = copy_with_results(project, tmp_path)
    training = set(CHAPTER) | {"overfit_baseline"}
    for name in ("optimizers.py", "faults.py"):  # the second only holds messages, and every job imports it
        path = work / "src" / "dlscratch" / name
        text = path.read_text()
        path.write_text("# a comment\n\n" + text.replace('"""', '"""Reworded: ', 1).replace("    return ", "    return  ", 1))
    assert not planned_rules(work) & training  # (figures whose code inputs they are may be redrawn)
    path = work / "src" / "dlscratch" / "optimizers.py"
    path.write_text(path.read_text().replace("lr_t = self.lr * math.sqrt", "lr_t = 1.0 * self.lr * math.sqrt", 1))
    expected = users_of("dlscratch/optimizers.py")
    assert {"optimizer_paths", "optimizer_mnist"} <= expected and planned_rules(work) & training == expected


def copy_with_results(project, tmp_path):
    work = tmp_path / "copy"
    shutil.copytree(project, work, symlinks=True)
    return work


@pytest.mark.parametrize(
    "override, key",
    [("batchnorm:\n  lr: -0.01\n", "config key 'batchnorm.lr': -0.01 is less than or equal to the minimum of 0"),
     ("optimizer_mnist:\n  optimizers:\n    SGD: {name: adadelta}\n", "adadelta"),
     ("seeds: [1, 1]\n", "seeds"),
     ("dropout:\n  batch_size: 1000\n", "dropout.batch_size")],
)
def test_bad_config_fails_before_any_job_runs(tmp_path, override, key):
    work = copy_project(tmp_path)
    (work / "config" / "bad.yaml").write_text(override)
    proc = snakemake(work, check=False, configfiles=("config/test.yaml", "config/bad.yaml"))
    assert proc.returncode != 0
    assert key in proc.stdout + proc.stderr
    assert not (work / "results").exists()


def test_claims_table_has_every_claim_with_a_computed_verdict(project):
    claims = read(project, "claims.csv")
    assert set(claims.claim) >= {"6-8", "6-9", "6-10", "6-11", "6-13", "6-14", "6-15", "6-18/6-19", "6-20",
                                 "6-21", "6-23", "6-24"}
    assert claims.verdict.isin(VERDICTS).all()
    assert claims.claim.isin(["6-18"]).any()
    deterministic = claims.interval == "deterministic"
    assert (claims.loc[~deterministic, "n_seeds"] == 2).all() and set(claims.loc[deterministic, "claim"]) == {
        "6-1", "6-2", "6-8"}
    md = (project / "results" / "claims.md").read_text()
    assert md.count("\n| 6-") == len(claims)


def test_index_shows_every_figure_the_claims_and_the_times(project):
    index = (project / "results" / "index.html").read_text()
    for fig in DRAWN:
        assert f'src="figures/{fig}.png"' in index, fig
    assert index.count("<td>6-") == len(read(project, "claims.csv"))
    for experiment in CHAPTER:
        assert f"<td>{experiment}</td>" in index


def test_snakemake_report_builds_with_rendered_captions(project, tmp_path):
    report = tmp_path / "report.zip"
    snakemake(project, "--report", str(report))
    import zipfile

    with zipfile.ZipFile(report) as z:
        names = z.namelist()
        text = "".join(z.read(n).decode("utf-8", "ignore") for n in names if n.endswith((".html", ".js", ".json")))
    assert sum(n.endswith(".png") for n in names) == len(DRAWN)
    assert "from (-7.0, 2.0), 30 updates" in text  # a caption as the figure was drawn
    assert "over 2 seeds (0, 1)" in text


def test_the_workflow_passes_snakemakes_linter(tmp_path):
    work = copy_project(tmp_path)
    proc = snakemake(work, "--lint", check=False)
    assert "Lints for" not in proc.stdout + proc.stderr, (proc.stdout + proc.stderr)[-3000:]
    assert proc.returncode == 0
