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

from pathlib import Path

from .provenance import ProvenanceError, file_problem, read_record
from .faults import TableError, remedy
from .tables import read_table
from .text import plural


def check(jobs, schemas):
    """[(path, problem, remedy)] of every result of ``jobs`` that is not what its job wrote,
    in the order of ``jobs``, one per file."""
    records, found = {}, {}
    for job in jobs:
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
        records.update({path: rec["outputs"][path] for path in job["outputs"]})
    for job in jobs:
        for path in job["outputs"]:
            problem = file_problem(path, records[path], records) if path in records else (
                None if Path(path).exists() else "missing")
            if problem is None and path in schemas:
                try:
                    read_table(path, schemas[path])
                except TableError as error:
                    problem = error.problem
            if problem is not None:
                found[path] = problem
    rules = {path: job["rule"] for job in jobs for path in [job["provenance"], *job["outputs"]]}
    return [(path, problem, remedy(path, rules[path])) for path, problem in found.items()]


def report(jobs, schemas):
    """(lines to print, whether everything holds): one line per file found wrong, then a summary."""
    problems = check(jobs, schemas)
    n_files = sum(len(job["outputs"]) + 1 for job in jobs)
    lines = [f"{path}: {problem}; {fix}" for path, problem, fix in problems]
    if problems:
        lines.append(f"verify: {plural(len(problems), 'file')} of {n_files} in results/ "
                     f"{'is' if len(problems) == 1 else 'are'} not what the run wrote "
                     f"({plural(len(jobs), 'job')} checked)")
    else:
        lines.append(f"verify: all {n_files} files of the {plural(len(jobs), 'job')} of this run hold what the run "
                     "wrote (tables, figures, captions, claims, the page and their provenance records)")
    return lines, not problems
