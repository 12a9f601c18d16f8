"""Faults of a result file, and their remedies: what every message about a damaged,
missing or unreadable result says, so that each reads "<file>: <what is wrong>; <the
command that fixes it in this case>"."""

import os
from pathlib import Path


class TableError(ValueError):
    """A table that does not hold what the run that made it must have written: its message
    names the file, says what is wrong (``problem``) and how to remake it."""

    def __init__(self, message, path=None, problem=None):
        super().__init__(message)
        self.path, self.problem = path, problem


def damaged(path, problem, rule=None, kind=None):
    """The error for the result file ``path`` (written by ``rule``): "<path>: <problem>; <remedy>"."""
    return (kind or TableError)(f"{path}: {problem}; {remedy(path, rule)}", str(path), problem)


def rerun_command():
    """How the user runs the workflow (set by the Snakefile for its jobs: their --configfile
    and --config), for a remedy to quote."""
    return os.environ.get("DLSCRATCH_RERUN", "snakemake --cores 4")


def remedy(path, rule=None):
    """The command that remakes the result file ``path`` (written by ``rule``) in its case: a
    missing one is remade by the next run; a damaged one is deleted first (Snakemake's
    ``--forcerun`` refuses to replace a write-protected file, and cannot write into a
    directory without write permission)."""
    rerun, path = rerun_command(), Path(path)
    directory = path.parent
    if path.parts[:2] == ("results", "store"):  # an entry of the store: remade whole, by the next run
        if directory.exists() and not os.access(directory.parent, os.W_OK):
            return (f"its directory is not writable: fix its permissions (`chmod u+w {directory.parent}`), then "
                    f"delete its entry (`rm -r {directory}`) and run `{rerun}`")
        return f"delete its entry (`rm -r {directory}`) and run `{rerun}`, which computes it again"
    if directory.exists() and not os.access(directory, os.W_OK):
        return (f"its directory is not writable: fix its permissions (`chmod u+w {directory}`), then delete it "
                f"and run `{rerun}`")
    if not path.exists():
        return f"run `{rerun}`, which remakes it"
    if not os.access(path, os.W_OK):
        return (f"it is write-protected, so `--forcerun` would refuse to replace it: delete it (`rm -f {path}`) "
                f"and run `{rerun}`")
    forcerun = f", or remake it with `{rerun} --forcerun {rule}`" if rule else ""
    return f"delete it (`rm {path}`) and run `{rerun}`{forcerun}"
