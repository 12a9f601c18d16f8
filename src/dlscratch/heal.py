"""A plain run heals: before it plans, the workflow checks what it would reuse.

Snakemake reruns a job when an output is missing or older than its inputs; it does not see a
file whose bytes changed while its timestamp did not, nor a store entry deleted behind the
tables that were assembled from it. So, before the plan is made, every store entry the runs
read (``dlscratch.store.entry_problem``) and every output of the runs' own jobs (tables,
figures, captions, claims, pages: each against the size and SHA-256 its job's provenance
record holds) is checked, and whatever is missing, damaged, incomplete or unreadable is
removed so that this same run computes it again:

- a damaged store entry is deleted (and so is planned again); so is the record of every job
  that read it (the run's tables, a figure, the claims), so that they run again with it;
- an entry deleted by hand, whose readers' records still name it, is planned again the same
  way;
- a damaged output of a job is deleted (Snakemake reruns the job for its missing output); a
  damaged record is deleted with it.

One line per file says what is remade and why. Nothing else is touched. ``verify`` is the
read-only audit; a dry run says what would be remade; a target that does not make what is
damaged (one figure) says which plain run does.

``leftovers`` lists the files under ``results/`` that no current run writes (an older
layout, a removed seed's tables): ``verify`` names them and ``prune`` removes them.
"""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .faults import remedy
from .provenance import ProvenanceError, file_problem, read_record
from .store import stopped_jobs_leftovers


class HealError(RuntimeError):
    """Something damaged that this run cannot remove (its permissions)."""


@dataclass
class Healing:
    """What the check found and did: ``lines`` to print, and ``problems`` ({entry directory:
    what is wrong, None when sound}) of every entry checked, after healing ("missing" for
    those removed, which the plan then computes)."""

    problems: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)
    removed: list = field(default_factory=list)


def check_entries(entries):
    """{entry directory: ``entry_problem``} of ``entries``, each checked once (against the
    others' records too, so that two entries' tables swapped are told as swapped)."""
    from .store import entry_problem

    entries = list({e.directory: e for e in entries}.values())
    records = {}
    for entry in entries:
        try:
            records.update(read_record(entry.provenance)["outputs"])
        except (ProvenanceError, OSError):
            continue
    return {entry.directory: entry_problem(entry, records) for entry in entries}


def _remove(path):
    path = Path(path)
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError as error:
        raise HealError(f"{path}: {error.strerror}, so it cannot be removed and remade; "
                        f"{remedy(str(path))}") from None


def heal(entries, jobs, mode, targets_note="", store=None):
    """Check ``entries`` (``dlscratch.store.Entry``) and ``jobs`` ({"rule", "provenance",
    "outputs", "target"}: the runs' own jobs, as ``dlscratch.verify`` takes them) and, by
    ``mode``, remove what is damaged ("heal"), say what would be removed ("dry"), or only say
    what is damaged and which run remakes it ("report"). Healing also removes what jobs that
    were stopped on this host left half-written in the ``store``. Returns a ``Healing``."""
    out = Healing(problems=check_entries(entries))
    act = mode == "heal"
    verb = {"heal": "remade by this run", "dry": "would be remade by this run (a dry run removes nothing)",
            "report": "not remade by this target{note}"}[mode]

    def say(path, problem, rule=None, target=None, entry=False):
        if mode == "report":
            fix = remedy(path, rule, target)
            out.lines.append(f"{path}: {problem}; {verb.format(note=targets_note)}: {fix}")
        else:
            out.lines.append(f"{path}: {problem}; {'computed again by this run' if entry and act else verb}")

    readers = {}  # an input file -> the records of the jobs that read it
    stale_records = []
    for job in jobs:
        record = job["provenance"]
        try:
            rec = read_record(record, job["rule"])
        except ProvenanceError as error:
            if error.problem != "missing":
                say(record, error.problem, job["rule"], job.get("target"))
                stale_records.append(record)
            elif any(os.path.exists(p) for p in job["outputs"]):
                say(record, "missing (the record of its job)", job["rule"], job.get("target"))
            continue
        for path in rec.get("inputs", {}):
            readers.setdefault(path, []).append((record, job))
        for path in job["outputs"]:
            if path not in rec["outputs"]:
                say(record, f"damaged provenance: it does not record {path}", job["rule"], job.get("target"))
                stale_records.append(record)
                break
            problem = file_problem(path, rec["outputs"][path], {})
            if problem:
                say(path, problem, job["rule"], job.get("target"))
                if act and problem != "missing":
                    _remove(path)
                    out.removed.append(path)
    for entry in {e.directory: e for e in entries}.values():
        problem = out.problems[entry.directory]
        if problem is None:
            continue
        read_by = [r for path in entry.files for r in readers.get(path, [])]
        if problem == "missing" and not read_by:
            continue  # not computed yet (new settings): planned as usual
        say(entry.directory, problem, read_by[0][1]["rule"] if read_by else None,
            read_by[0][1].get("target") if read_by else None, entry=True)
        if act:
            if problem != "missing":
                _remove(entry.directory)
                out.removed.append(entry.directory)
            out.problems[entry.directory] = "missing"
            stale_records += [record for record, _ in read_by]
    if act:
        for record in dict.fromkeys(stale_records):
            _remove(record)
            out.removed.append(record)
    if mode in ("heal", "report"):  # what a stopped job was writing: no result, whatever the target
        for path in stopped_jobs_leftovers(store) if store else []:
            _remove(path)
            out.removed.append(str(path))
    return out


# --------------------------------------------------------------------------- leftovers


# files under results/ that are the user's, not a run's: this folder's README (committed),
# Snakemake's report (`snakemake --report results/report.html`)
OWN = ("results/README.md", "results/report.html", "results/report.zip")


def leftovers(written, store, results="results"):
    """What lies under ``results`` (but its store, ``store``: ``prune`` looks after that) and
    is not in ``written`` (what the current runs write: their outputs, records, logs and
    benchmarks), sorted: a folder none of whose files a current run writes as the folder
    (``path/``), else each such file."""
    written = {os.path.normpath(p) for p in written}
    store = os.path.normpath(store)
    total, stale = {}, {}
    for dirpath, dirnames, filenames in os.walk(results):
        dirnames[:] = sorted(d for d in dirnames if os.path.normpath(os.path.join(dirpath, d)) != store)
        for name in filenames:
            path = os.path.normpath(os.path.join(dirpath, name))
            left = path not in written and path not in OWN
            for folder in Path(path).parents:
                if folder == Path(results).parent or str(folder) == ".":
                    break
                total[str(folder)] = total.get(str(folder), 0) + 1
                stale[str(folder)] = stale.get(str(folder), 0) + left
            if left:
                stale[path] = 1
    # a folder is stale as a whole when none of its files, now or to come, is written by a run
    live = {str(folder) for path in written for folder in Path(path).parents}
    whole = {d for d, n in total.items() if n == stale[d] and d != os.path.normpath(results) and d not in live}
    found = []
    for path in sorted(stale):
        if not stale[path] or path in total and path not in whole:
            continue
        if any(str(parent) in whole for parent in Path(path).parents):
            continue
        found.append(path + "/" if path in whole else path)
    return found
