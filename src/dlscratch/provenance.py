"""Provenance records: what made a result, so a table or figure can be traced back.

A record names the rule and its wildcards, the settings it ran with (the rule's params:
its config block), the seed, the versions of Python and the packages, the BLAS, the
project's git revision (when the work tree is a git checkout), the SHA-256 of every
input table and of every file the job wrote, and the library's source files: those the
rule declares as inputs and those the job had loaded when it ended (the tests check that
they are the same). It holds no timestamps, so the same config and code give the same
record.
"""

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from .sources import loaded_sources

PACKAGES = ["numpy", "pandas", "matplotlib", "snakemake", "threadpoolctl", "dlscratch"]


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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


def record(rule, wildcards, params, inputs, outputs, blas=None, modules=None):
    """The provenance record of a job (a JSON-serialisable dict); ``modules`` is the job's
    ``sys.modules``, to record the library sources it ran."""
    revision, dirty = git_revision()
    tables = [p for p in inputs if str(p).endswith(".csv")]
    declared = [p for p in inputs if str(p).endswith(".py")]
    return {
        "rule": rule,
        "wildcards": dict(wildcards),
        "seed": int(wildcards["seed"]) if "seed" in wildcards else None,
        "settings": params,
        "inputs": {str(p): sha256_file(p) for p in tables},
        "outputs": {str(p): sha256_file(p) for p in outputs},
        "code_inputs": sorted(_package_relative(p) for p in declared),
        "code_loaded": {_package_relative(p): sha256_file(p) for p in loaded_sources(modules or {})},
        "packages": package_versions(),
        "blas": blas,
        "git_revision": revision,
        "git_dirty": dirty,
    }


def to_json(rec):
    return json.dumps(rec, indent=2, sort_keys=True, default=str) + "\n"

