"""The store's trust, without Snakemake: keys that follow the code that runs (not its
comments) and the platform, entries checked against their records and keys, published whole
by one rename (a second writer uses the first's), the store's lock, the job's own check of
its key, how the user's command line is carried into remedies, and healing's decisions."""

import errno
import json
import os
import sys

import pytest

from dlscratch import heal as healing
from dlscratch.config import ConfigError
from dlscratch.invocation import Invocation, carried_tokens
from dlscratch.keycheck import KeyCheck, KeyMismatch
from dlscratch.prune import busy
from dlscratch.provenance import entry_record, to_json
from dlscratch.runs import read_runs
from dlscratch.sources import code_hash, digest_hashes
from dlscratch.store import (Entry, StoreBusy, StoreLock, entry_problem, platform_key, publish, record_key, staging,
                             unit_key)

PLATFORM = {"numpy": "2.0", "pandas": "2.2", "blas": [{"internal_api": "openblas", "version": "0.3",
                                                        "architecture": "Haswell"}]}
CODE = {"dlscratch/a.py": code_hash(b"x = 1\n")}


# --------------------------------------------------------------------------- keys


def test_a_comment_a_docstring_or_formatting_keeps_the_code_hash_and_code_changes_it():
    source = b'"""Module."""\n\ndef f(x):\n    """Twice x."""\n    return 2 * x  # doubled\n'
    same = [b'"""Another text."""\ndef f(x):\n    return 2*x\n',
            b'# a comment\n\n\ndef f( x ):\n    """Other words."""\n    return (2 * x)\n']
    assert all(code_hash(s) == code_hash(source) for s in same)
    for changed in (b'def f(x):\n    return 3 * x\n', b'def f(y):\n    return 2 * y\n',
                    b'def f(x):\n    "a docstring-like string that is not first"\n    return 2 * x\n    "x"\n'):
        assert code_hash(changed) != code_hash(source), changed
    assert code_hash(b"def (:").startswith("bytes:")  # a source that does not parse: by its bytes
    assert digest_hashes({"a": "1", "b": "2"}) == digest_hashes({"b": "2", "a": "1"}) != digest_hashes({"a": "1"})


def test_the_key_names_the_platform_and_a_pinned_core_type():
    here = platform_key()
    assert {"numpy", "pandas", "blas"} == set(here) and here["blas"]
    pinned = platform_key("SkylakeX")
    assert all(b["architecture"] == "SkylakeX" for b in pinned["blas"] if b["internal_api"] == "openblas")
    keys = {unit_key("e", {"a": 1}, "code", p) for p in (PLATFORM, {**PLATFORM, "numpy": "2.1"},
                                                         {**PLATFORM, "blas": [{**PLATFORM["blas"][0],
                                                                                "architecture": "SkylakeX"}]})}
    assert len(keys) == 3


# --------------------------------------------------------------------------- entries


def write_entry(root, settings=None, code=None, platform=None, seed=0, table=b"seed,x\n0,1\n"):
    """A sound entry of experiment 'demo' in the store ``root``, published as a job does."""
    settings = settings or {"n": 1}
    key = unit_key("demo", settings, digest_hashes(code or CODE), platform or PLATFORM)
    entry = Entry("demo", "all", key, seed, ("t",), settings, str(root))
    tmp = staging(entry.directory)
    (tmp / "t.csv").write_bytes(table)
    out = {"experiment": "demo", "unit": "all", "key": key, "settings": settings}
    (tmp / "provenance.json").write_text(to_json(entry_record(out, seed, [tmp / "t.csv"], code or CODE,
                                                              platform or PLATFORM, [])))
    assert publish(tmp, entry.directory, lambda d: entry_problem(entry)) == "published"
    return entry


def test_an_entry_is_checked_against_its_record_and_its_key(tmp_path):
    entry = write_entry(tmp_path)
    assert entry_problem(entry) is None
    assert record_key(json.loads(open(entry.provenance).read())) == entry.key
    table = entry.table("t")
    stat = os.stat(table)
    with open(table, "r+b") as f:  # one byte flipped, size and time kept
        f.seek(8)
        f.write(b"2")
    os.utime(table, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert entry_problem(entry).startswith("t.csv: changed since its job wrote it")
    os.remove(entry.provenance)
    assert entry_problem(entry).startswith("incomplete: no provenance record")
    os.remove(table)
    os.rmdir(entry.directory)
    assert entry_problem(entry) == "missing"


def test_an_entry_whose_record_names_other_code_than_its_key_is_refused(tmp_path):
    # the tables an edited source computed, stored under the key of the committed code
    made = write_entry(tmp_path, code={"dlscratch/a.py": code_hash(b"x = 2\n")})
    stale = Entry("demo", "all", unit_key("demo", {"n": 1}, digest_hashes(CODE), PLATFORM), 0, ("t",), {"n": 1},
                  str(tmp_path))
    os.makedirs(os.path.dirname(stale.directory), exist_ok=True)
    os.rename(made.directory, stale.directory)
    os.rename(os.path.dirname(made.directory), os.path.dirname(made.directory) + ".x")
    json_record = json.loads(open(stale.provenance).read())
    json_record["key"] = stale.key  # even with the key rewritten in its record
    open(stale.provenance, "w").write(json.dumps(json_record))
    assert "not computed by the code and settings its key names" in entry_problem(stale)


def test_a_second_writer_uses_the_first_writers_entry_and_a_damaged_one_is_replaced(tmp_path):
    first = write_entry(tmp_path)
    before = open(first.table("t"), "rb").read()
    tmp = staging(first.directory)
    (tmp / "t.csv").write_bytes(b"seed,x\n0,9\n")  # (what a second writer made of it)
    assert publish(tmp, first.directory, lambda d: entry_problem(first)) == "reused"
    assert not tmp.exists() and open(first.table("t"), "rb").read() == before
    os.remove(first.provenance)  # damaged: ours replaces it
    tmp = staging(first.directory)
    (tmp / "t.csv").write_bytes(b"new")
    assert publish(tmp, first.directory, lambda d: entry_problem(first)) == "published"
    assert open(first.table("t"), "rb").read() == b"new"
    assert [p.name for p in (tmp_path / "demo" / first.key).iterdir()] == ["seed0"]  # nothing left beside it


def test_the_stores_lock_keeps_prune_from_a_store_in_use(tmp_path):
    run = StoreLock(tmp_path)
    run.shared()
    other_run = StoreLock(tmp_path)
    other_run.shared(wait=False)  # runs share it
    with pytest.raises(StoreBusy):
        StoreLock(tmp_path).exclusive()
    assert "a run of this workflow is using the store" in busy(tmp_path, locks=tmp_path / "none")
    run.release()
    other_run.release()
    assert busy(tmp_path, locks=tmp_path / "none") is None
    (tmp_path / "locks").mkdir()
    (tmp_path / "locks" / "0.input.lock").write_text("")
    assert "another Snakemake holds this directory" in busy(tmp_path, locks=tmp_path / "locks")


# --------------------------------------------------------------------------- the job's own check


def loaded_code():
    from dlscratch.sources import loaded_sources
    from dlscratch.store import package_names

    files = loaded_sources(sys.modules)
    return {name: code_hash(open(path, "rb").read()) for path, name in zip(files, package_names(files))}


def test_a_job_refuses_code_that_is_not_its_keys():
    check = KeyCheck(loaded_code(), platform_key())
    check.check()
    wrong = dict(check.code, **{"dlscratch/optimizers.py": code_hash(b"edited = True\n")})
    with pytest.raises(KeyMismatch, match=r"dlscratch/optimizers\.py: changed after the workflow planned this job"):
        KeyCheck(wrong, platform_key()).check()
    # a module the job loaded that no module of its key imports: an import the workflow did not see
    from dlscratch.sources import PACKAGE_DIR, entries_hash

    section = PACKAGE_DIR / "chapter" / "optimizers.py"
    code = {"dlscratch/chapter/optimizers.py:optimizer_mnist": entries_hash(section.read_bytes(), ["optimizer_mnist"])}
    for extra, refused in (("dlscratch/plotting.py", False), ("dlscratch/heal.py", True)):
        narrow = KeyCheck(code, platform_key())
        narrow._loaded = lambda extra=extra: [(PACKAGE_DIR / "chapter" / "optimizers.py", "dlscratch/chapter/optimizers.py"),
                                               (PACKAGE_DIR.parent / extra, extra)]
        narrow.read = {}
        if refused:
            with pytest.raises(KeyMismatch, match=r"dlscratch/heal\.py: the job imported it, but its entries' key"):
                narrow.check()
        else:  # the section imports its drawing's helpers, which its training never runs
            narrow.check()


def test_a_job_refuses_a_blas_other_than_its_keys():
    other = platform_key("SkylakeX" if platform_key()["blas"][0]["architecture"] != "SkylakeX" else "Haswell")
    with pytest.raises(KeyMismatch, match="Pin the kernels with the setting blas_coretype"):
        KeyCheck(loaded_code(), other).check()


# --------------------------------------------------------------------------- the user's command line


def test_a_remedy_carries_the_users_own_options_exactly_as_typed():
    from snakemake.cli import get_argument_parser

    parser = get_argument_parser()
    argv = ["-c2", "-n", "--directory", "../w", "verify", "--forcerun", "claims", "--config", "seeds=[3,4]",
            "runs=[a]", "--configfile", "config/test.yaml", "--printshellcmds"]
    tokens = carried_tokens(argv, parser)
    assert tokens == ["-c2", "--directory", "../w", "--config", "seeds=[3,4]", "runs=[a]", "--configfile",
                      "config/test.yaml"]
    invocation = Invocation(["verify"], True, True, tokens, "../w")
    assert invocation.command("compare") == ("snakemake compare -c2 --directory ../w --config 'seeds=[3,4]' "
                                             "'runs=[a]' --configfile config/test.yaml")
    assert invocation.path("results/x.csv") == "../w/results/x.csv" and invocation.path("/abs") == "/abs"
    assert Invocation([], True, False, ["--configfile", "a b.yaml"]).command() == \
        "snakemake --cores 4 --configfile 'a b.yaml'"


# --------------------------------------------------------------------------- healing


def test_healing_removes_a_damaged_entry_and_what_read_it_and_leaves_the_rest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sound, damaged = write_entry("store"), write_entry("store", settings={"n": 2})
    with open(damaged.table("t"), "ab") as f:
        f.write(b"0,2\n")
    reader = {"rule": "tables", "provenance": "results/tables.provenance.json", "outputs": ["results/t.csv"]}
    os.makedirs("results")
    open("results/t.csv", "w").write("x\n")
    from dlscratch.provenance import record

    open(reader["provenance"], "w").write(to_json(record("tables", {}, {}, damaged.files, ["results/t.csv"])))
    for mode in ("dry", "report"):  # say, remove nothing
        found = healing.heal([sound, damaged], [reader], mode)
        assert len(found.lines) == 1 and os.path.exists(damaged.directory) and not found.removed
    found = healing.heal([sound, damaged], [reader], "heal")
    assert found.lines == [f"{damaged.directory}: t.csv: changed since its job wrote it (15 bytes, it wrote 11; "
                           "SHA-256 differs); computed again by this run"]
    assert found.problems == {sound.directory: None, damaged.directory: "missing"}
    assert not os.path.exists(damaged.directory) and not os.path.exists(reader["provenance"])
    assert os.path.exists(sound.directory) and os.path.exists("results/t.csv")


def test_an_unreadable_entry_is_one_line_with_a_permissions_remedy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    entry = write_entry("store")
    real = os.listdir

    def listdir(path="."):
        if str(path) == entry.directory:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "listdir", listdir)
    assert entry_problem(entry) == "unreadable directory (Permission denied)"
    monkeypatch.setattr(healing, "_remove", lambda path: (_ for _ in ()).throw(
        healing.HealError(f"{path}: Permission denied, so it cannot be removed and remade")))
    with pytest.raises(healing.HealError, match="Permission denied"):
        healing.heal([entry], [], "heal")


def test_leftovers_are_named_by_folder_where_a_whole_folder_is_left_over(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for path in ["results/a/seed0/t.csv", "results/a/seed7/t.csv", "results/old/seed0/provenance.json",
                 "results/logs/x.log", "results/logs/old.log", "results/store/e/k/t.csv", "results/README.md"]:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "w").close()
    written = ["results/a/seed0/t.csv", "results/logs/x.log", "results/logs/new.log"]
    assert healing.leftovers(written, "results/store") == ["results/a/seed7/", "results/logs/old.log",
                                                           "results/old/"]


# --------------------------------------------------------------------------- runs


@pytest.mark.parametrize("text, message", [
    ("adam: {}\nAdam: {}\n", "its name differs from run 'adam' only in case"),
    ("Book: {}\n", "'book' is the default run's name"),
    ("a:\n  store_dir: /tmp/x\n", "config key 'store_dir': a named run shares the default run's store"),
    ("a:\n  blas_coretype: Haswell\n", "config key 'blas_coretype'"),
])
def test_runs_that_would_share_a_directory_or_the_store_are_refused(tmp_path, text, message):
    path = tmp_path / "runs.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_runs(path)
