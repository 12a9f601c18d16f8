"""Does ``results/`` still hold what the run wrote? (``snakemake --cores 1 verify``)

Snakemake reruns a job when its inputs, code or settings change, or an output is missing;
it does not notice a file whose content changed while its timestamp did not (two tables
swapped with ``mv``, a provenance record overwritten). ``verify`` checks every result of
the current run against the provenance records its jobs wrote (``dlscratch.provenance``:
the SHA-256 and size of every output), re-reads every table against its schema
(``dlscratch.tables``) and every record, and reports each file that is missing, empty,
cut, swapped, changed, unreadable, or a damaged record, one line per file with the
command that remakes it, as ``dvc status`` does for a DVC pipeline.

``jobs`` lists the run's jobs as the workflow defines them: ``{"rule", "provenance",
"outputs"}``; ``schemas`` maps each table file to its ``Schema`` (as params).
"""

import os
from pathlib import Path

from .provenance import ProvenanceError, file_problem, read_record
from .faults import TableError, remedy
from .tables import read_table
from .text import plural


def check(jobs, schemas):
    """[(path, problem, remedy)] of every result of ``jobs`` that is not what its job wrote,
    in the order of ``jobs``, one per file. A store entry's job (``"entry"``) is checked
    against its key too: the settings, code and platform its record names must hash to the
    key in its path."""
    from .store import record_key

    records, found, whole = {}, {}, set()
    for job in jobs:
        entry = job.get("entry")
        if entry is not None:  # an entry missing or unreadable as a whole: one line for it
            try:
                os.listdir(entry.directory)
            except FileNotFoundError:
                found[entry.directory] = "missing"
            except OSError as error:
                found[entry.directory] = f"unreadable directory ({error.strerror})"
            if entry.directory in found:
                whole.update(job["outputs"])
                continue
        try:
            rec = read_record(job["provenance"], job["rule"])
        except ProvenanceError as error:
            found[job["provenance"]] = error.problem
            continue
        unlisted = [path for path in job["outputs"] if path not in rec["outputs"]]
        if unlisted:
            found[job["provenance"]] = (f"damaged provenance: it does not record {unlisted[0]}"
                                        + (f" and {plural(len(unlisted) - 1, 'other')}" if len(unlisted) > 1 else ""))
            continue
        if entry is not None:
            try:
                made = record_key(rec)
            except (KeyError, TypeError, AttributeError):
                made = None
            if made is None:
                found[job["provenance"]] = ("damaged provenance: it does not say which settings, code and platform "
                                            "made the entry")
                continue
            if made != entry.key:
                found[job["provenance"]] = (f"its record says the entry was made under key {made}, not the key of "
                                            "its path: its tables were not computed by the code and settings its "
                                            "key names")
                continue
        records.update({path: rec["outputs"][path] for path in job["outputs"]})
    for job in jobs:
        for path in job["outputs"]:
            if path in whole:
                continue
            problem = file_problem(path, records[path], records) if path in records else (
                None if Path(path).exists() else "missing")
            if problem is None and path in schemas:
                try:
                    read_table(path, schemas[path])
                except TableError as error:
                    problem = error.problem
            if problem is not None:
                found[path] = problem
    owner = {path: job for job in jobs for path in [job["provenance"], *job["outputs"]]
             + ([job["entry"].directory] if job.get("entry") is not None else [])}
    return [(path, problem, remedy(path, owner[path]["rule"], owner[path].get("target")))
            for path, problem in found.items()]


def report(jobs, schemas, leftovers=(), prune=None):
    """(lines to print, whether everything holds): one line per file found wrong, one per file
    or folder under results/ that no current run writes (``leftovers``, removed by the
    command ``prune``), then a summary."""
    problems = check(jobs, schemas)
    n_files = sum(len(job["outputs"]) + 1 for job in jobs)
    lines = [f"{path}: {problem}; {fix}" for path, problem, fix in problems]
    lines += [f"{path}: not written by this run (an earlier layout or earlier settings); `{prune}` removes it"
              for path in leftovers]
    if problems or leftovers:
        parts = []
        if problems:
            parts.append(f"{plural(len(problems), 'file')} of {n_files} in results/ "
                         f"{'is' if len(problems) == 1 else 'are'} not what the run wrote "
                         f"({plural(len(jobs), 'job')} checked)")
        if leftovers:
            parts.append(f"{plural(len(leftovers), 'file or folder', 'files or folders')} under results/ "
                         f"{'is' if len(leftovers) == 1 else 'are'} not written by any current run")
        lines.append("verify: " + "; ".join(parts))
    else:
        lines.append(f"verify: all {n_files} files of the {plural(len(jobs), 'job')} of this run hold what the run "
                     "wrote (tables, figures, captions, claims, the page and their provenance records)")
    return lines, not (problems or leftovers)
