"""The store: every table a training job computes, kept once, under a key of what made it.

A training job's tables are fully determined by its experiment's training settings, its
seed, its unit (a variant of the experiment's variant table, a part of it such as one λ or
one shard, or the whole experiment: ``dlscratch.registry.Experiment.units``) and the
library code it runs. The store keeps each unit's tables in its own *entry*,

    results/store/<experiment>/<key>/seed<N>/<table>.csv   (+ provenance.json)

where ``key`` hashes the unit's settings and the contents of the source files its job runs
(``unit_key``). The workflow asks for the entries its runs need, as output paths: an entry
that exists is not computed again (Snakemake sees a file it already has), so runs that agree
on an experiment share its jobs, going back to earlier settings trains nothing, and changing
one variant computes that variant's entry only. An entry is complete when its provenance
record lists every table it must hold and they exist (``complete``): the record is written
last, so a job killed while writing leaves an entry that is computed again.

``prune`` lists the entries no run refers to.
"""

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

ROOT = "results/store"


def digest_files(paths, names=None):
    """A SHA-256 of the contents of ``paths`` (named by ``names``, so that it does not
    depend on where the project lies)."""
    h = hashlib.sha256()
    for path, name in sorted(zip(map(str, paths), names or map(str, paths)), key=lambda p: p[1]):
        h.update(name.encode())
        h.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return h.hexdigest()


def package_names(files):
    """The library's source files by their names in the package (dlscratch/x.py), so that a
    digest or a record does not depend on where the project lies."""
    names = []
    for path in files:
        parts = Path(path).parts
        names.append("/".join(parts[len(parts) - 1 - parts[::-1].index("dlscratch"):]) if "dlscratch" in parts
                     else str(path))
    return names


def unit_key(experiment, settings, code):
    """The key of a unit's entries: 16 hex digits of a SHA-256 of the experiment, the unit's
    settings (as canonical JSON) and ``code`` (``digest_files`` of the sources its job runs)."""
    text = json.dumps({"experiment": experiment, "settings": settings, "code": code}, sort_keys=True,
                      separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Entry:
    """The tables of one unit of ``experiment`` for ``seed`` (None: a deterministic
    experiment), in ``directory``: ``tables`` (entry table names), ``provenance.json``."""

    experiment: str
    unit: str
    key: str
    seed: int | None
    tables: tuple
    settings: dict = field(compare=False, hash=False, repr=False)

    @property
    def directory(self):
        base = f"{ROOT}/{self.experiment}/{self.key}"
        return base if self.seed is None else f"{base}/seed{self.seed}"

    def table(self, name):
        return f"{self.directory}/{name}.csv"

    @property
    def files(self):
        return [self.table(name) for name in self.tables]

    @property
    def provenance(self):
        return f"{self.directory}/provenance.json"

    def pattern(self):
        """The entry with ``{seed}`` for its seed (a rule's output pattern)."""
        return Entry(self.experiment, self.unit, self.key, "{seed}" if self.seed is not None else None, self.tables,
                     self.settings)


def complete(entry):
    """Whether ``entry`` holds every table it must, recorded by its provenance (written last)."""
    try:
        outputs = json.loads(Path(entry.provenance).read_text())["outputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return isinstance(outputs, dict) and all(f in outputs and Path(f).exists() for f in entry.files)


def entry_directories(root=ROOT):
    """Every entry directory under ``root`` (those that hold a provenance record or tables)."""
    root = Path(root)
    if not root.exists():
        return []
    dirs = {p.parent for p in root.rglob("*") if p.is_file()}
    return sorted(str(d) for d in dirs)


def size(directory):
    return sum(p.stat().st_size for p in Path(directory).rglob("*") if p.is_file())


def prune(referenced, root=ROOT, dry_run=False):
    """Delete every entry under ``root`` that no run refers to (``referenced``: entry
    directories). Returns [(directory, bytes)] of what was (or would be) deleted."""
    keep = {str(Path(d)) for d in referenced}
    gone = []
    for directory in entry_directories(root):
        if directory in keep:
            continue
        gone.append((directory, size(directory)))
        if not dry_run:
            shutil.rmtree(directory)
    if not dry_run:  # key directories left empty
        for path in sorted(Path(root).glob("*/*"), reverse=True):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return gone
