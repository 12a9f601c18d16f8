"""The store: every table a training job computes, kept once, under a key of what made it.

A training job's tables are fully determined by its experiment's training settings, its
seed, its unit (a variant of the experiment's variant table, a part of it such as one λ or
one shard, or the whole experiment: ``dlscratch.registry.Experiment.units``), the library
code it runs and the numerical platform it runs on. The store keeps each unit's tables in
its own *entry*,

    <store>/<experiment>/<key>/seed<N>/<table>.csv   (+ provenance.json, job.json)

(``<store>`` is ``results/store`` unless the setting ``store_dir`` names another, which
several working directories, users or a cluster's nodes may share). ``key`` hashes the
unit's settings, the code its job runs (``dlscratch.sources.code_hash`` of each source: its
syntax tree, so a comment or a docstring changes nothing) and the platform
(``platform_key``: the numpy and pandas versions and the BLAS library, its version and the
core type whose kernels it runs, which change a table's last bits). The workflow asks for
the entries its runs need, as output paths: an entry that exists is not computed again.

Trust, not hope:

- an entry is *published* whole: its job writes it into a temporary directory beside it and
  renames that into place (``publish``), so an entry is either absent or complete; a second
  writer of the same entry (another working directory sharing the store) finds it there,
  discards its own copy and uses the first;
- its ``provenance.json`` describes the entry, not the job that computed it (that is in
  ``job.json``): the same settings, code and platform give the same bytes whichever job or
  working directory made it;
- ``entry_problem`` checks an entry against its record: every table there with the size
  and SHA-256 it was written with, and the record's settings, code and platform hashing to
  the key in its path. The workflow checks every entry it would reuse before it plans
  (``dlscratch.heal``), and ``verify`` does the same.

``prune`` deletes the entries no run refers to, never while a run uses the store
(``StoreLock``).
"""

import errno
import fcntl
import hashlib
import json
import os
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

ROOT = "results/store"
RECORD, JOB = "provenance.json", "job.json"


# --------------------------------------------------------------------------- keys


def numpy_blas(info=None):
    """The BLAS libraries numpy runs (threadpoolctl's view), each as {internal_api, version,
    architecture}; another package's BLAS loaded beside it (scipy's) is left out."""
    import numpy
    from threadpoolctl import threadpool_info

    info = threadpool_info() if info is None else info
    blas = [i for i in info if i.get("user_api") == "blas"]
    home = Path(numpy.__file__).resolve().parent
    paths = [Path(i.get("filepath") or "").resolve() for i in blas]
    own = [i for i, p in zip(blas, paths) if home in p.parents or p.parent == home.parent / "numpy.libs"]
    return sorted(({k: i.get(k) for k in ("internal_api", "version", "architecture")} for i in (own or blas)),
                  key=lambda b: tuple(map(str, b.values())))


def platform_key(coretype=None, blas=None):
    """What beside settings and code changes a table's bytes: the numpy and pandas versions
    and numpy's BLAS (library, version, core type). ``coretype``: the OpenBLAS core type the
    jobs are pinned to (it replaces the one this process runs)."""
    from importlib import metadata

    blas = numpy_blas() if blas is None else blas
    if coretype:
        blas = [{**b, "architecture": coretype} if b["internal_api"] == "openblas" else b for b in blas]
    return {"numpy": metadata.version("numpy"), "pandas": metadata.version("pandas"), "blas": blas}


def unit_key(experiment, settings, code, platform=None):
    """The key of a unit's entries: 16 hex digits of a SHA-256 of the experiment, the unit's
    settings (as canonical JSON), ``code`` (``dlscratch.sources.digest_hashes`` of the
    sources its job runs) and ``platform`` (``platform_key``)."""
    text = json.dumps({"experiment": experiment, "settings": settings, "code": code, "platform": platform},
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def package_names(files):
    """The library's source files by their names in the package (dlscratch/x.py), so that a
    digest or a record does not depend on where the project lies."""
    names = []
    for path in files:
        parts = Path(path).parts
        names.append("/".join(parts[len(parts) - 1 - parts[::-1].index("dlscratch"):]) if "dlscratch" in parts
                     else str(path))
    return names


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True)
class Entry:
    """The tables of one unit of ``experiment`` for ``seed`` (None: a deterministic
    experiment), in ``directory`` under the store ``root``: ``tables`` (entry table names),
    ``provenance.json``."""

    experiment: str
    unit: str
    key: str
    seed: int | None
    tables: tuple
    settings: dict = field(compare=False, hash=False, repr=False)
    root: str = ROOT

    @property
    def name(self):
        """Where it lies in the store: <experiment>/<key>[/seed<N>]."""
        base = f"{self.experiment}/{self.key}"
        return base if self.seed is None else f"{base}/seed{self.seed}"

    @property
    def directory(self):
        return f"{self.root}/{self.name}"

    def table(self, name):
        return f"{self.directory}/{name}.csv"

    @property
    def files(self):
        return [self.table(name) for name in self.tables]

    @property
    def provenance(self):
        return f"{self.directory}/{RECORD}"

    @property
    def job(self):
        return f"{self.directory}/{JOB}"

    def pattern(self):
        """The entry with ``{seed}`` for its seed (a rule's output pattern)."""
        return Entry(self.experiment, self.unit, self.key, "{seed}" if self.seed is not None else None, self.tables,
                     self.settings, self.root)


def record_key(record):
    """The key that an entry's record (``provenance.json``) says it was made under."""
    from .sources import digest_hashes

    return unit_key(record["experiment"], record["settings"], digest_hashes(record["code"]), record["platform"])


def entry_problem(entry, others=None):
    """What is wrong with ``entry`` (an ``Entry``), in words, or None when it is complete and
    holds what its job wrote: its record readable and naming the entry's tables, each table
    with the recorded size and SHA-256, and the record's settings, code and platform hashing
    to the key in its path. "missing" when there is no entry at all. ``others`` ({path: its
    record} of other entries' tables) tells a table swapped with another's."""
    from .provenance import file_problem, read_record, ProvenanceError

    directory = Path(entry.directory)
    try:
        if not directory.is_dir():
            return "missing" if not directory.exists() else "not a directory"
        os.listdir(directory)
    except OSError as error:
        return f"unreadable directory ({error.strerror})"
    try:
        record = read_record(entry.provenance)
    except ProvenanceError as error:
        return "incomplete: no provenance record (a job was stopped while writing it)" \
            if error.problem == "missing" else error.problem
    outputs = record["outputs"]
    unlisted = [path for path in entry.files if path not in outputs]
    if unlisted:
        return f"damaged provenance: it does not record {Path(unlisted[0]).name}"
    for path in entry.files:
        problem = file_problem(path, outputs[path], {**(others or {}), **outputs})
        if problem:
            return f"{Path(path).name}: {problem}"
    try:
        made = record_key(record)
    except (KeyError, TypeError, AttributeError):
        return "damaged provenance: it does not say which settings, code and platform made the entry"
    if made != entry.key or record.get("seed") != entry.seed:
        return (f"its record says it was made under key {made} (seed {record.get('seed')}), not the key of its "
                "path: its tables were not computed by the code and settings its key names")
    return None


# --------------------------------------------------------------------------- publishing


def staging(directory):
    """A new temporary directory beside the entry ``directory``, where a job writes it."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = directory.parent / f".{directory.name}.{socket.gethostname()}.{os.getpid()}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp


def stopped_jobs_leftovers(root):
    """The temporary directories that jobs on this host left in the store ``root`` when they
    were stopped (their process is gone): ``.<name>.<host>.<pid>.tmp`` and ``.damaged``."""
    host = socket.gethostname()
    found = []
    for path in list(Path(root).glob("*/.*")) + list(Path(root).glob("*/*/.*")):
        parts = path.name.rsplit(".", 3)
        if len(parts) != 4 or parts[1] != host or parts[3] not in ("tmp", "damaged") or not parts[2].isdigit():
            continue
        try:
            os.kill(int(parts[2]), 0)
        except ProcessLookupError:
            found.append(path)
        except PermissionError:
            pass
    return sorted(found)


def publish(tmp, directory, problem):
    """Rename the written entry ``tmp`` to ``directory``, at once: "published", or "reused"
    when another writer published the entry first and it is sound (``problem(directory)``
    is None): ours is then discarded. A damaged entry in the way is replaced."""
    tmp, directory = Path(tmp), Path(directory)
    for _ in range(3):
        try:
            os.rename(tmp, directory)  # replaces an empty directory (Snakemake makes one)
            return "published"
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        if problem(directory) is None:
            shutil.rmtree(tmp, ignore_errors=True)
            return "reused"
        aside = directory.parent / f".{directory.name}.{socket.gethostname()}.{os.getpid()}.damaged"
        try:
            os.rename(directory, aside)
            shutil.rmtree(aside, ignore_errors=True)
        except FileNotFoundError:
            pass
    raise OSError(errno.EEXIST, f"could not publish {directory}")


# --------------------------------------------------------------------------- the store's lock


class StoreBusy(RuntimeError):
    """Another process holds the store's lock in a way that excludes this one."""


class StoreLock:
    """``<store>/.lock``, held with flock(2): every run of the workflow holds it shared while
    it runs (as long as its Snakemake process lives), and ``prune`` exclusively, so that prune
    never deletes what a running workflow, in this directory or in another sharing the store,
    is about to read or has just computed. (On NFS, flock needs a server with locking, as NFS
    v4 has.)"""

    def __init__(self, root):
        self.path = Path(root) / ".lock"
        self.file = None

    def _open(self):
        if self.file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(self.path, "a")
        return self.file

    def shared(self, wait=True):
        """Hold the lock shared (waiting for a prune to finish)."""
        fcntl.flock(self._open(), fcntl.LOCK_SH | (0 if wait else fcntl.LOCK_NB))

    def exclusive(self):
        """Hold the lock alone, or raise ``StoreBusy`` at once."""
        try:
            fcntl.flock(self._open(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreBusy(str(self.path)) from None

    def release(self):
        if self.file is not None:
            self.file.close()
            self.file = None


# --------------------------------------------------------------------------- registrations and prune


REFS = ".refs"


def workdir_id(workdir):
    return hashlib.sha256(str(Path(workdir).resolve()).encode()).hexdigest()[:16]


def register(root, workdir, names):
    """Record in the store that working directory ``workdir`` reads the entries ``names``
    (``Entry.name``): prune, run from any directory sharing the store, keeps them."""
    from .atomic import write_text

    names = sorted(set(names))
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    path = Path(root) / REFS / workdir_id(workdir) / f"{digest}.json"
    if not path.exists():
        write_text(path, json.dumps({"workdir": str(Path(workdir).resolve()), "entries": names}, indent=1) + "\n")
    return path


def registrations(root):
    """{working directory: set of entry names} registered in the store ``root`` (an unreadable
    registration is skipped: it names nothing)."""
    out = {}
    for path in sorted(Path(root, REFS).glob("*/*.json")):
        try:
            data = json.loads(path.read_text())
            out.setdefault(data["workdir"], set()).update(data["entries"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def forget(root, workdir):
    """Drop every registration of ``workdir`` (its prune registers what it keeps anew)."""
    shutil.rmtree(Path(root) / REFS / workdir_id(workdir), ignore_errors=True)


def stored(root):
    """[(entry name, bytes)] of everything in the store ``root`` but its lock and
    registrations: each entry directory (one holding files), and each temporary directory a
    stopped job left (``.<name>.<host>.<pid>.tmp``), by its path from ``root``."""
    root = Path(root)
    if not root.is_dir():
        return []
    out = []
    for experiment in sorted(p for p in root.iterdir() if p.is_dir() and p.name != REFS):
        for dirpath, dirnames, filenames in os.walk(experiment):
            dirnames.sort()
            here = Path(dirpath)
            if here.name.startswith(".") and here != experiment:
                out.append((str(here.relative_to(root)), size(here)))
                dirnames.clear()
            elif filenames:
                out.append((str(here.relative_to(root)), sum((here / f).stat().st_size for f in filenames)))
    return out


def size(directory):
    return sum(p.stat().st_size for p in Path(directory).rglob("*") if p.is_file())


def prune(root, keep, dry_run=False):
    """Delete every entry of the store ``root`` whose name (``Entry.name``) is not in ``keep``,
    and every temporary directory a stopped job left. Returns (deleted, kept): [(name,
    bytes)] of what was (or would be) deleted and of what is left, as found on disk."""
    keep = set(keep)
    deleted, kept = [], []
    for name, nbytes in stored(root):
        (kept if name in keep else deleted).append((name, nbytes))
    if not dry_run:
        for name, _ in deleted:
            shutil.rmtree(Path(root) / name)
        for path in sorted(Path(root).glob("*/**/"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and path.name != REFS and not any(path.iterdir()):
                path.rmdir()
    return deleted, kept
