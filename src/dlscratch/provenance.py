"""Provenance records: what made a result, so a table or figure can be traced back, and
checked against what its job wrote.

A record names the rule and its wildcards, the settings it ran with (the rule's params:
its config block), the seed, the versions of Python and the packages, the BLAS, the
project's git revision (when the work tree is a git checkout), the SHA-256 of every
input table, the SHA-256 and size of every file the job wrote, and the library's source
files: those the rule declares as inputs and those the job had loaded when it ended (the
tests check that they are the same). It holds no timestamps, and its lists are sorted, so
the same config and code give the same bytes.

``read_record`` reads one back (a damaged record is a ``ProvenanceError``), and
``file_problem`` says what is wrong with a file against its record: missing, empty, cut,
swapped with another output of the run, or changed. The jobs that read tables (plots,
claims, the index) and ``dlscratch.verify`` use them.
"""

import hashlib
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from .sources import loaded_sources
from .faults import TableError, damaged

PACKAGES = ["numpy", "pandas", "matplotlib", "snakemake", "threadpoolctl", "dlscratch"]


class ProvenanceError(TableError):
    """A provenance record that is missing, unreadable or not a record."""


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def package_versions():
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_revision(directory="."):
    """(revision, dirty) of the git checkout holding ``directory``; (None, None) outside one."""
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True,
                             check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=directory,
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return rev, bool(status.strip())


def _package_relative(path):
    """``.../dlscratch/experiments/common.py`` -> ``dlscratch/experiments/common.py``."""
    parts = Path(path).resolve().parts
    return "/".join(parts[len(parts) - 1 - parts[::-1].index("dlscratch"):])


def file_record(path):
    """What a record keeps of a file the job wrote: its SHA-256 and size."""
    return {"sha256": sha256_file(path), "bytes": Path(path).stat().st_size}


def _blas_key(library):
    return tuple(str(library.get(k)) for k in ("internal_api", "version", "architecture", "num_threads"))


def record(rule, wildcards, params, inputs, outputs, blas=None, modules=None, code=None, seed=None):
    """The provenance record of a job (a JSON-serialisable dict); ``modules`` is the job's
    ``sys.modules``, to record the library sources it ran; ``code`` the sources its rule
    declares (by default its .py inputs; a training job's are part of its entries' key)."""
    revision, dirty = git_revision()
    # the results it read (tables; figures, for a named run's copies of the book's and the pages)
    tables = [p for p in inputs if str(p).endswith((".csv", ".png", ".pdf", ".rst"))]
    declared = [p for p in inputs if str(p).endswith(".py")] if code is None else list(code)
    return {
        "rule": rule,
        "wildcards": dict(wildcards),
        "seed": int(wildcards["seed"]) if "seed" in wildcards else seed,
        "settings": params,
        "inputs": {str(p): sha256_file(p) for p in tables},
        "outputs": {str(p): file_record(p) for p in outputs},
        "code_inputs": sorted(_package_relative(p) if "dlscratch" in str(p) and not str(p).startswith("dlscratch/")
                              else str(p) for p in declared),
        "code_loaded": {_package_relative(p): sha256_file(p) for p in loaded_sources(modules or {})},
        "packages": package_versions(),
        # sorted: threadpoolctl lists the libraries in the order they were loaded, which varies
        "blas": sorted(blas, key=_blas_key) if blas else blas,
        "git_revision": revision,
        "git_dirty": dirty,
    }


def entry_record(entry, seed, written, code, platform, blas):
    """The provenance record of a store entry: what it is (experiment, unit, key, seed, the
    unit's settings), what made it (``code``: {source: ``dlscratch.sources.code_hash``}, the
    ``platform`` of its key, the packages and the BLAS) and the SHA-256 and size of each of its
    tables, named relative to the entry's directory. Nothing in it depends on which job, rule
    or working directory computed the entry (that is ``job_record``'s), so that the same
    settings, code and platform give the same bytes."""
    return {
        "kind": "entry",
        "experiment": entry["experiment"],
        "unit": entry["unit"],
        "key": entry["key"],
        "seed": seed,
        "settings": entry["settings"],
        "code": dict(sorted(code.items())),
        "platform": platform,
        "outputs": {Path(p).name: file_record(p) for p in written},
        "packages": package_versions(),
        "blas": sorted(blas, key=_blas_key) if blas else blas,
    }


def job_record(rule, wildcards, function, benchmark, log, modules):
    """Which job computed a store entry, and where (``job.json`` beside its record): its rule,
    wildcards and function, the working directory it ran in and its benchmark and log files
    there, the host, the SLURM job, the git revision and the exact bytes of the sources it
    ran."""
    revision, dirty = git_revision()
    return {
        "rule": rule,
        "wildcards": dict(wildcards),
        "function": function,
        "workdir": os.getcwd(),
        "benchmark": str(benchmark) if benchmark else None,
        "log": str(log) if log else None,
        "host": platform.node(),
        "slurm_job": os.environ.get("SLURM_JOB_ID"),
        "git_revision": revision,
        "git_dirty": dirty,
        "code_files": {_package_relative(p): sha256_file(p) for p in loaded_sources(modules or {})},
    }


def to_json(rec):
    return json.dumps(rec, indent=2, sort_keys=True, default=str) + "\n"



def read_record(path, rule=None):
    """The provenance record at ``path``, checked: a JSON object whose ``outputs`` map each
    file the job wrote to its SHA-256 and size. A missing, unreadable or damaged record is a
    ``ProvenanceError`` that names the file and how to remake it (``rule`` writes it)."""
    def fault(problem):
        return damaged(path, problem, rule, ProvenanceError)

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fault("missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise fault(f"unreadable ({getattr(error, 'strerror', None) or error})") from None
    if not text:
        raise fault("empty (0 bytes)")
    try:
        rec = json.loads(text)
    except json.JSONDecodeError as error:
        raise fault(f"damaged provenance: not JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(rec, dict) or not isinstance(rec.get("outputs"), dict) or not rec["outputs"]:
        raise fault("damaged provenance: it records no outputs")
    if rec.get("kind") == "entry":  # a store entry names its tables relative to its directory
        rec["outputs"] = {os.path.join(os.path.dirname(str(path)), name): entry
                          for name, entry in rec["outputs"].items()}
    for name, entry in rec["outputs"].items():
        if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str) and len(entry["sha256"]) == 64
                and isinstance(entry.get("bytes"), int)):
            raise fault(f"damaged provenance: its record of {name} has no SHA-256 and size")
    if rule is not None and rec.get("rule") != rule:
        raise fault(f"damaged provenance: it names rule {rec.get('rule')!r}, not {rule!r}")
    return rec


def recorded_outputs(provenance_paths, rules=None):
    """{output path: its record} over the provenance records at ``provenance_paths`` (each
    checked by ``read_record``; ``rules`` maps a record's path to the rule that writes it)."""
    out = {}
    for path in dict.fromkeys(map(str, provenance_paths)):
        out.update(read_record(path, (rules or {}).get(path))["outputs"])
    return out


def file_problem(path, recorded, records):
    """What is wrong with the file ``path`` against ``recorded`` (its entry in its job's
    record), in words, or None when it holds what its job wrote. ``records`` maps other
    outputs of the run to theirs, to tell a swapped file ("holds what the run wrote to X")."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable ({error.strerror})"
    if size == 0 and recorded["bytes"]:
        return f"empty (0 bytes; its job wrote {recorded['bytes']:,})"
    try:
        digest = sha256_file(path)
    except OSError as error:
        return f"unreadable ({error.strerror})"
    if digest == recorded["sha256"]:
        return None
    same = [other for other, entry in records.items() if entry["sha256"] == digest and other != str(path)]
    if same:  # the likeliest partner: the file whose path is most like its own
        partner = max(same, key=lambda other: len(os.path.commonprefix([other, str(path)])))
        return f"swapped: it holds what the run wrote to {partner}"
    if size < recorded["bytes"]:
        return f"cut: {size:,} of the {recorded['bytes']:,} bytes its job wrote"
    return f"changed since its job wrote it ({size:,} bytes, it wrote {recorded['bytes']:,}; SHA-256 differs)"


def check_files(paths, provenance_paths, rules=None):
    """Raise a ``TableError`` naming the first of ``paths`` that does not hold what its job
    wrote, by the records at ``provenance_paths`` (``rules``: the rule writing each file)."""
    records = recorded_outputs(provenance_paths)
    for path in map(str, paths):
        rule = (rules or {}).get(path)
        if path not in records:
            raise damaged(path, f"no provenance record lists it ({', '.join(map(str, provenance_paths))})", rule,
                          ProvenanceError)
        found = file_problem(path, records[path], records)
        if found:
            raise damaged(path, found, rule)
