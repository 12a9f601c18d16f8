"""The workflow's program (dlscratch.workflow), without Snakemake running: the Pipeline a call
makes of its settings (its runs, the code of each job, the plan of what the store lacks, the
files each job reads and writes), tested on the small config in a copy of the project."""

import logging
from types import SimpleNamespace

import pytest
import yaml
from snakemake_interface_executor_plugins.settings import ExecMode
from snakemake_runner import copy_project, run_config, schema_check

from dlscratch.config import config_schema
from dlscratch.registry import EXPERIMENTS, FIGURES
from dlscratch.workflow import Pipeline


class Log(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def pipeline(tmp_path, monkeypatch):
    """The Pipeline of a plain call on the small config, in a fresh copy of the project."""
    work = copy_project(tmp_path)
    monkeypatch.chdir(work)
    for name in ("DLSCRATCH_PLANNED", "DLSCRATCH_INVOCATION", "DLSCRATCH_STORE", "OPENBLAS_CORETYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONPATH", "")
    config = run_config("config/test.yaml", workdir=work)
    resources = {}
    workflow = SimpleNamespace(basedir=str(work), exec_mode=ExecMode.DEFAULT, global_resources=resources,
                               register_resource=resources.__setitem__, rules=[],
                               config_settings=SimpleNamespace(configfiles=["config/test.yaml"], config={}))
    logger = logging.getLogger("test_workflow_layer")
    handler = Log()
    logger.addHandler(handler)
    schema = config_schema(yaml.safe_load((work / "workflow" / "schemas" / "config.schema.yaml").read_text()))
    made = Pipeline(workflow, config, run_config(workdir=work), schema, logger)
    yield SimpleNamespace(p=made, log=handler.lines, resources=resources)
    logger.removeHandler(handler)
    made.store_lock.release() if hasattr(made, "store_lock") else None


def test_a_call_knows_its_runs_and_a_form_of_the_command_that_works(pipeline):
    p = pipeline.p
    from dlscratch.runs import read_runs

    assert [run.name for run in p.runs] == ["book", *read_runs("config/runs.yaml")]
    assert p.book_run.config["seeds"] == [0, 1] and pipeline.resources["cpus"] >= 1
    # off Snakemake's command line (its Python API, a test), the remedies give a form that works
    assert not p.invocation.known and p.rerun == "snakemake --cores 4 --configfile config/test.yaml"
    assert p.heal_mode == "report"  # it says what is damaged, and removes nothing


def test_a_training_jobs_code_is_what_it_runs_not_what_its_section_draws(pipeline):
    p = pipeline.p
    code = p.job_hashes["optimizer_mnist"]
    assert "dlscratch/chapter/optimizers.py:optimizer_mnist" in code
    assert not {"dlscratch/plotting.py", "dlscratch/claims.py", "dlscratch/captions.py"} & set(code)
    # the two experiments one job trains the shared 6.4 run for are keyed by the same code
    assert p.job_hashes["weight_decay"] == p.job_hashes["dropout"]
    plot = p.rule_code(entries=["dlscratch.chapter.optimizers:paths"], scripts=["plot.py"])
    assert "dlscratch/plotting.py" in plot and "dlscratch/chapter/optimizers.py:paths" in plot
    assert not any(name.startswith("dlscratch/paired") for name in plot)  # a figure trains nothing


def test_a_fresh_store_plans_every_entry_and_the_book_first(pipeline):
    p = pipeline.p
    assert all(problem == "missing" for problem in p.healing.problems.values())
    rules = [b.rule for b in p.batches]
    assert rules[0] == "optimizer_paths" and "optimizer_mnist" in rules
    assert "optimizer_mnist__adam_lr_10x" in rules  # the named run's changed variant only
    assert [len(b.entries) for b in p.batches if b.rule == "optimizer_mnist__adam_lr_10x"] == [1]
    seeded = [name for name, e in EXPERIMENTS.items() if e.seeded and not e.study]
    assert {b.experiment for b in p.batches} | set(p.keyed) | {"weight_decay", "dropout"} >= set(seeded)


def test_what_each_job_reads_and_writes_follows_the_registry(pipeline):
    p = pipeline.p
    run = p.book_run
    outputs = p.run_outputs(run)
    drawn = [d for name, drawn in p.drawn["book"].items() for d in drawn if not EXPERIMENTS[name].study]
    assert len([f for f in outputs if f.endswith(".png")]) == len(drawn)
    assert {"results/claims.csv", "results/index.html"} <= set(outputs)
    targets = p.book_figure_targets()
    assert sorted(targets) == sorted({f.stem.split("_")[0].removesuffix("x") for f in FIGURES.values() if f.book})
    specs = p.figure_specs(run, "batchnorm")  # Fig 6-18 reads every seed
    assert [list(spec["seeds"]) for spec in specs] == [[0, 1]]
    jobs = p.run_jobs(run)
    chapter = [name for name in p.drawn["book"] if not EXPERIMENTS[name].study]  # (the studies: `snakemake studies`)
    assert {job["rule"] for job in jobs} == {None, "tables", "claims", "index", *(f"plot_{name}" for name in chapter)}
    assert all(job["target"] is None for job in jobs)
    assert {job["target"] for job in p.run_jobs(p.named_runs[0])} == {"compare"}


def test_a_wrong_target_is_answered_with_the_list(pipeline):
    with pytest.raises(SystemExit):
        pipeline.p.answer_unknown_target(SimpleNamespace(target="fig6-9"))


def test_a_bad_runs_file_stops_only_the_comparison(pipeline):
    p = pipeline.p
    p.run_errors["runs"] = "config key 'runs': unknown run 'x'"
    with pytest.raises(SystemExit):
        p.runs_ready(["results/compare.html"])
    schema_check()(p.config)  # the book's run is untouched
