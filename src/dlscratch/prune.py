"""`snakemake --cores 1 prune`: delete what no run refers to, safely.

What it keeps: every store entry that the current settings refer to (the book's run, its
studies, every run of ``config/runs.yaml``), that each shipped settings file
(``config/*.yaml`` on top of ``config/config.yaml``, with the runs of ``config/runs.yaml``)
refers to, and, in a store shared with other working directories, every entry another
directory has registered (``dlscratch.store.register``: each run registers what it reads).
What it deletes: every other entry, every temporary directory a stopped job left, and the
files under ``results/`` that no current run writes (``dlscratch.heal.leftovers``).

When: never while a run uses the store, here or in another directory sharing it (each holds
the store's lock shared, prune needs it alone: ``dlscratch.store.StoreLock``), nor while
another Snakemake holds this directory (its lock in ``.snakemake/locks``).

The workflow works out the plan while it builds the DAG (so `snakemake -n prune` lists it
and deletes nothing); the prune job carries it out and says, once, what it did, counted on
disk.
"""

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .store import StoreBusy, StoreLock, forget, prune as prune_store, register, stored
from .text import plural


class PruneRefused(RuntimeError):
    """Prune cannot run now: a run uses the store or this directory."""


def busy(store, locks=".snakemake/locks"):
    """Why prune cannot run now, or None: a run holds the store's lock, or another Snakemake
    holds this directory."""
    lock = StoreLock(store)
    try:
        lock.exclusive()
    except StoreBusy:
        return (f"a run of this workflow is using the store {store} (in this directory or in another that shares "
                "it): prune would delete what it reads or has just computed. Wait for it to finish, then prune")
    finally:
        lock.release()
    if os.path.isdir(locks) and os.listdir(locks):
        return ("another Snakemake holds this directory (.snakemake/locks): wait for it to finish (or, if it was "
                "killed, `snakemake --unlock`), then prune")
    return None


def megabytes(n):
    """``n`` bytes, exactly, and in MB when that is more telling."""
    return f"{n:,} bytes" if n < 100_000 else f"{n:,} bytes, {n / 1e6:.1f} MB"


@dataclass
class Plan:
    store: str
    deleted: list  # [(entry name, bytes)]
    kept: list  # [(entry name, bytes)]
    files: list  # [(path under results/, bytes)]: written by no current run

    def lines(self, done=False):
        """What prune deletes (``done``: deleted) and keeps, each entry and file, then the totals."""
        out = [f"prune: {self.store}/{name} ({n:,} bytes)" for name, n in self.deleted]
        out += [f"prune: {path} ({n:,} bytes, written by no current run)" for path, n in self.files]
        out.append(self.summary(done))
        return out

    def summary(self, done=False):
        verb = "deleted" if done else "deletes"
        gone, left = sum(n for _, n in self.deleted), sum(n for _, n in self.kept)
        files = sum(n for _, n in self.files)
        return (f"prune: {verb} {plural(len(self.deleted), 'store entry', 'store entries')} "
                f"({megabytes(gone)}) that no run refers to and {plural(len(self.files), 'file')} under results/ "
                f"that no current run writes ({megabytes(files)}); keeps "
                f"{plural(len(self.kept), 'store entry', 'store entries')} ({megabytes(left)}) in {self.store}")


def plan(store, keep, files):
    """The ``Plan`` of pruning ``store`` down to the entry names ``keep``, and the files
    ``files`` (leftovers under results/)."""
    deleted, kept = prune_store(store, keep, dry_run=True)
    return Plan(store, deleted, kept, [(f, _size(f)) for f in files])


def _size(path):
    path = Path(path)
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def execute(store, keep, own, files, workdir="."):
    """Delete what the plan says, holding the store's lock alone; register this directory's
    ``own`` entries anew (what its current and shipped settings read). Returns the ``Plan``
    carried out, as found on disk."""
    lock = StoreLock(store)
    try:
        lock.exclusive()
    except StoreBusy:
        raise PruneRefused(busy(store) or f"the store {store} is in use") from None
    try:
        done = plan(store, keep, [f for f in files if os.path.lexists(f)])
        prune_store(store, keep)
        for path, _ in done.files:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        forget(store, workdir)
        register(store, workdir, own)
        done.kept = stored_kept(store, keep)
        return done
    finally:
        lock.release()


def stored_kept(store, keep):
    return [(name, n) for name, n in stored(store) if name in set(keep)]


def run(snakemake):
    """The prune job: ``params.store``, ``params.keep`` (entry names), ``params.own`` (this
    directory's) and ``params.files`` (leftovers under results/)."""
    params = snakemake.params
    try:
        done = execute(params.store, params.keep, params.own, params.files)
    except PruneRefused as error:
        print(f"rule prune: {error}", file=sys.__stderr__, flush=True)
        raise SystemExit(1) from None
    for line in done.lines(done=True):
        print(line)
    print(done.summary(done=True), file=sys.__stderr__, flush=True)
