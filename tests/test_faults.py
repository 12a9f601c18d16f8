"""Faults of result files, each named in one message with the remedy that works in its case:
provenance records (sizes, damage, byte-reproducible), a file against its record (missing,
empty, cut, swapped, changed), a table's own wording, unwritable outputs, and the job
wrapper (one line, no traceback, for an expected fault; a traceback for a bug)."""

import json
import re
import os
from types import SimpleNamespace

import pandas as pd
import pytest

from dlscratch import atomic, faults
from dlscratch.atomic import OutputError, write_text
from dlscratch.faults import TableError, remedy
from dlscratch.pipeline import job
from dlscratch.provenance import ProvenanceError, check_files, file_problem, read_record, record, to_json
from dlscratch.tables import Schema, read_table, write_table

SCHEMA = Schema({"seed": "int", "x": "float"}, 3, {"seed": [0]}, rule="demo")


@pytest.fixture
def two_seeds(tmp_path, monkeypatch):
    """Two tables and the record their job wrote, in tmp_path (as a job's results), the
    working directory."""
    monkeypatch.chdir(tmp_path)
    for seed in (0, 1):
        write_table(pd.DataFrame({"seed": seed, "x": [0.5, 1.5, 2.5 + seed]}), f"seed{seed}.csv")
    outputs = ["seed0.csv", "seed1.csv"]
    write_text("provenance.json", to_json(record("demo", {}, {}, [], outputs, blas=[], modules={})))
    return outputs


def test_a_record_keeps_the_sha256_and_size_of_every_output_and_is_byte_reproducible(two_seeds, tmp_path):
    rec = read_record("provenance.json", "demo")
    assert rec["outputs"]["seed0.csv"]["bytes"] == os.path.getsize("seed0.csv")
    assert len(rec["outputs"]["seed1.csv"]["sha256"]) == 64
    blas = [{"internal_api": "openblas", "version": "0.3.31", "num_threads": 1, "architecture": "Haswell"},
            {"internal_api": "openblas", "version": "0.3.30", "num_threads": 1, "architecture": "Haswell"}]
    # the libraries are listed in the order they were loaded, which varies from run to run
    assert to_json(record("demo", {}, {}, [], [], blas=blas, modules={})) == \
        to_json(record("demo", {}, {}, [], [], blas=blas[::-1], modules={}))


@pytest.mark.parametrize("content, problem", [
    ("", "empty (0 bytes)"), ("{}", "damaged provenance: it records no outputs"),
    ("{\"outputs\": ", "damaged provenance: not JSON"),
    ('{"rule": "demo", "outputs": {"a.csv": "abc"}}', "damaged provenance: its record of a.csv has no SHA-256"),
    ('{"rule": "other", "outputs": {"a.csv": {"sha256": "' + "0" * 64 + '", "bytes": 1}}}', "damaged provenance: it names rule 'other'")])
def test_a_damaged_record_is_refused_naming_it(tmp_path, content, problem):
    path = tmp_path / "provenance.json"
    path.write_text(content)
    with pytest.raises(ProvenanceError) as caught:
        read_record(path, "demo")
    assert str(caught.value).startswith(f"{path}: {problem}") and caught.value.problem.startswith(problem)
    with pytest.raises(ProvenanceError, match="missing"):
        read_record(tmp_path / "none.json")


def swap(a, b):
    """Swap two files with mv, as a user would: their timestamps move with them."""
    os.rename(a, "tmp")
    os.rename(b, a)
    os.rename("tmp", b)


@pytest.mark.parametrize("damage, problem", [
    (lambda: os.remove("seed0.csv"), "missing"),
    (lambda: open("seed0.csv", "w").close(), "empty (0 bytes; its job wrote"),
    (lambda: open("seed0.csv", "r+b").truncate(20), "cut: 20 of the"),
    (lambda: swap("seed0.csv", "seed1.csv"), "swapped: it holds what the run wrote to seed1.csv"),
    (lambda: open("seed0.csv", "a").write("0,9\n"), "changed since its job wrote it")])
def test_a_file_is_checked_against_what_its_job_wrote(two_seeds, tmp_path, damage, problem):
    outputs = two_seeds
    records = read_record("provenance.json")["outputs"]
    assert [file_problem(p, records[p], records) for p in outputs] == [None, None]
    damage()
    assert file_problem("seed0.csv", records["seed0.csv"], records).startswith(problem)
    with pytest.raises(TableError, match=f"^seed0.csv: {re.escape(problem)}"):
        check_files(outputs, ["provenance.json"], {"seed0.csv": "demo"})


@pytest.mark.parametrize("damage, words", [
    (lambda p: open(p, "w").close(), "empty (0 bytes)"),
    (lambda p: open(p, "r+b").truncate(os.path.getsize(p) - 2), "cut: its last line has no line end"),
    (lambda p: open(p, "w").write("seed,y\n0,1\n0,2\n0,3\n"), "wrong columns: 'seed,y', expected 'seed,x'"),
    (lambda p: os.replace("seed1.csv", p), "wrong seed: it holds the rows of seed 1, expected seed 0"),
    (lambda p: open(p, "a").write("0,3.5\n"), "wrong number of rows: 4, expected 3")])
def test_a_damaged_table_says_what_is_wrong_in_its_own_words(two_seeds, tmp_path, damage, words):
    damage("seed0.csv")
    with pytest.raises(TableError) as caught:
        read_table("seed0.csv", SCHEMA)
    assert str(caught.value).startswith(f"seed0.csv: {words}")


def invocation(monkeypatch, *options, directory=None):
    """The invocation a workflow's jobs inherit (dlscratch.invocation), as the Snakefile sets it."""
    from dlscratch.invocation import ENV, Invocation, to_env

    monkeypatch.setenv(ENV, to_env(Invocation([], True, False, list(options), directory)))


def test_the_remedy_is_the_one_that_works_in_each_case(two_seeds, tmp_path, monkeypatch):
    invocation(monkeypatch, "-c2", "--configfile", "config/test.yaml", "--config", "seeds=[3,4]")
    # a plain run heals: it remakes a damaged or missing result (dlscratch.heal), with the user's own options
    assert remedy("seed0.csv", "demo") == "run `snakemake -c2 --configfile config/test.yaml --config 'seeds=[3,4]'`, " \
                                          "which remakes it"
    assert remedy("none.csv", "demo__adam") == ("run `snakemake compare -c2 --configfile config/test.yaml --config "
                                                "'seeds=[3,4]'`, which remakes it")  # a named run's: compare
    assert remedy("none.csv", "plot_study_search").startswith("run `snakemake studies -c2 ")
    assert remedy("results/store/x/k/seed0/t.csv").endswith("which computes its entry again")
    # with --directory, paths as the user's shell names them; without --cores, a form that works
    invocation(monkeypatch, "--directory", "../work", directory="../work")
    writable = os.access
    monkeypatch.setattr(faults.os, "access", lambda p, mode: not (str(p) == "." and mode & os.W_OK) and writable(p, mode))
    assert remedy("seed0.csv", "demo") == ("../work is not writable: fix its permissions (`chmod u+w ../work`), "
                                           "then run `snakemake --cores 4 --directory ../work`")


def test_an_output_that_cannot_be_written_is_one_message_naming_it(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic, "atomic_save", refuse)
    with pytest.raises(OutputError) as caught:
        write_text(tmp_path / "figures" / "fig.png", "x")
    assert str(caught.value) == (f"{tmp_path}/figures/fig.png: cannot be written (Permission denied); fix the "
                                 f"permissions of {tmp_path}/figures (`chmod u+w {tmp_path}/figures`, or `chattr -i "
                                 f"{tmp_path}/figures` if it is immutable) and run snakemake again")


def test_copies_by_name_take_each_outputs_bytes_from_the_source_of_its_name(tmp_path):
    book, run = tmp_path / "figures", tmp_path / "runs" / "a" / "figures"
    sources = [book / "fig.png", book / "captions" / "fig.rst"]
    for path, data in zip(sources, [b"\x89PNG...", b"Fig 6-9: caption\n"]):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    outputs = [run / "captions" / "fig.rst", run / "fig.png"]
    atomic.copy_by_name(sources, outputs)
    assert [p.read_bytes() for p in outputs] == [b"Fig 6-9: caption\n", b"\x89PNG..."]
    assert not list(run.rglob("*.part"))
    with pytest.raises(ValueError, match=r"fig.pdf: no source of that name among \['fig.png', 'fig.rst'\]"):
        atomic.copy_by_name(sources, [run / "fig.pdf"])
    with pytest.raises(ValueError, match="two sources share a file name"):
        atomic.copy_by_name([book / "fig.png", run / "fig.png"], outputs)


def fake_job(tmp_path):
    return SimpleNamespace(log=[str(tmp_path / "job.log")], rule="demo", wildcards={}, output=SimpleNamespace(
        items=lambda: [], __iter__=lambda self: iter([])), params={}, input=[])


def test_an_expected_fault_fails_the_job_with_one_message_and_no_traceback(tmp_path, capfd):
    with pytest.raises(SystemExit) as exit_:
        with job(fake_job(tmp_path)):
            read_table(tmp_path / "none.csv", SCHEMA)
    assert exit_.value.code == 1
    log = (tmp_path / "job.log").read_text()
    assert f"Error: {tmp_path}/none.csv: missing; run `" in log and "Traceback" not in log
    err = capfd.readouterr().err
    assert err.startswith(f"rule demo: {tmp_path}/none.csv: missing") and err.count("\n") == 1


def test_a_bug_keeps_its_traceback(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with job(fake_job(tmp_path)):
            1 / 0
    assert "Traceback" in (tmp_path / "job.log").read_text()


def test_provenance_is_json_with_sorted_keys(two_seeds, tmp_path):
    text = (tmp_path / "provenance.json").read_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
