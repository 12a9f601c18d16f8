"""Reliability of the pipeline on the small config: byte-identical tables whatever the
number of cores, provenance records, Snakemake's lock, and recovery from a SIGKILL."""

import json

import numpy as np
import pytest
from snakemake_runner import provenance_records, tables

from dlscratch.chapter.batchnorm import batchnorm
from dlscratch.chapter.batchnorm import plot_batchnorm_grid

pytestmark = pytest.mark.pipeline


def test_tables_are_byte_identical_with_two_cores_and_four(small_pipeline, small_pipeline_two_cores):
    # small_pipeline ran with --cores 4; this one from scratch with --cores 2 (killed, then resumed)
    reference = tables(small_pipeline)
    assert len(reference) >= 25
    assert tables(small_pipeline_two_cores.workdir) == reference


def test_provenance_records_are_byte_identical_with_two_cores_and_four(small_pipeline, small_pipeline_two_cores):
    def records(workdir):  # but the page's: it shows how long each job took; and which job made an entry, and where
        results = workdir / "results"
        return {str(p.relative_to(results)): p.read_bytes() for p in provenance_records(results)
                if p.name != "index.provenance.json"}

    reference, made = records(small_pipeline), records(small_pipeline_two_cores.workdir)
    assert len(made) >= 30 and "claims.provenance.json" in made
    assert {name for name in reference if name not in made} == {  # that run drew no figures
        name for name in reference if name.startswith("figures/provenance/")}
    assert made == {name: reference[name] for name in made}


def test_every_job_writes_provenance(small_pipeline):
    results = small_pipeline / "results"
    records = {p: json.loads(p.read_text()) for p in provenance_records(results)}
    written = {str(p.parent.relative_to(small_pipeline) / out) if rec.get("kind") == "entry" else out  # an entry
               for p, rec in records.items() for out in rec["outputs"]}  # names its tables from its directory
    for table in results.rglob("*.csv"):
        assert str(table.relative_to(small_pipeline)) in written, table
    for figure in (results / "figures").glob("*.p*"):
        assert str(figure.relative_to(small_pipeline)) in written, figure
    (entry,) = (results / "store" / "batchnorm").glob("*/seed1")  # the store entry of seed 1
    rec = json.loads((entry / "provenance.json").read_text())
    assert rec["kind"] == "entry" and rec["seed"] == 1 and rec["key"] == entry.parent.name
    assert rec["settings"]["epochs"] == 3 and rec["experiment"] == "batchnorm"
    job = json.loads((entry / "job.json").read_text())  # which job computed it, apart from what it is
    assert job["rule"] == "batchnorm" and job["function"].endswith(":batchnorm")
    assert rec["packages"]["numpy"] == np.__version__
    from dlscratch.provenance import sha256_file

    table = entry / "accuracy.csv"
    assert rec["outputs"]["accuracy.csv"] == {"sha256": sha256_file(table), "bytes": table.stat().st_size}
    # the run's own table is that entry's, assembled by the tables job (which records it too)
    assert (results / "batchnorm" / "seed1" / "accuracy.csv").read_bytes() == table.read_bytes()
    figures = json.loads((results / "figures" / "provenance" / "batchnorm.json").read_text())
    assert str((entry.parent / "seed0" / "accuracy.csv").relative_to(small_pipeline)) in figures["inputs"]


def test_killed_run_recovers_to_the_same_tables_and_a_second_run_is_locked_out(small_pipeline,
                                                                               small_pipeline_two_cores):
    killed = small_pipeline_two_cores.killed
    # a second real run (even one told to redo incomplete jobs) must take the lock, and cannot
    assert killed.second.returncode != 0 and "cannot be locked" in killed.second.stdout + killed.second.stderr
    reference = tables(small_pipeline)
    assert 3 <= len(killed.partial) < len(reference)
    # every table present after the kill is complete: identical to the uninterrupted run's
    assert all(killed.partial[name] == reference[name] for name in killed.partial)
    # a part file a killed write left is no result: its name says so, and the rerun replaces it; an entry a killed
    # job was writing lies in a hidden temporary directory (never in the entry's place), which the rerun removes
    assert all(p.name.endswith(".part") or p.name == ".lock" and p.parent.name == "store" for p in killed.leftovers)
    assert not list((small_pipeline_two_cores.workdir / "results").rglob("*.part"))
    assert not list((small_pipeline_two_cores.workdir / "results" / "store").rglob(".*.tmp"))
    # resumed, it is the uninterrupted run (test_tables_are_byte_identical_with_two_cores_and_four)


def test_diverging_plain_net_is_recorded_and_plotted():
    rng = np.random.default_rng(0)
    x = rng.random((200, 784)).astype(np.float32)
    t = rng.integers(0, 10, 200)
    settings = {"train_size": 200, "hidden_sizes": [100] * 5, "lr": 0.01, "batch_size": 50, "epochs": 3,
                "weight_std_logspace": {"start": 0.0, "stop": -2.0, "num": 2}}
    acc = batchnorm(settings, ((x, t), None), seed=0)["accuracy"]
    plain = acc[(acc.model == "plain") & (acc.weight_std == 1.0)]
    assert plain.diverged_at.notna().all() and plain.diverged_at.iloc[0] >= 1
    assert plain.train_acc.isna().any()
    bn = acc[(acc.model == "batchnorm") & (acc.weight_std == 1.0)]
    assert bn.diverged_at.isna().all() and bn.train_acc.notna().all()
    fig = plot_batchnorm_grid(acc, [1.0, 0.01])
    assert any("plain diverged" in t.get_text() for t in fig.axes[0].texts)
