"""Faults of a result file, and their remedies: what every message about a damaged,
missing or unreadable result says, so that each reads "<file>: <what is wrong>; <the
command that fixes it in this case>".

Every remedy is a command that works as written: the user's own options (their
``--cores``, ``--directory``, ``--configfile``, ``--config``, as typed:
``dlscratch.invocation``), the target that remakes the file (``compare`` for a named run's,
``studies`` for a study's), and paths as the user's shell names them. A plain run heals
(``dlscratch.heal``: it checks what it would reuse and remakes what is damaged), so the
remedy for a damaged result is to run the workflow again; only permissions need a hand.
"""

import os
from pathlib import Path

from .invocation import from_env


class TableError(ValueError):
    """A table that does not hold what the run that made it must have written: its message
    names the file, says what is wrong (``problem``) and how to remake it."""

    def __init__(self, message, path=None, problem=None):
        super().__init__(message)
        self.path, self.problem = path, problem


def damaged(path, problem, rule=None, kind=None):
    """The error for the result file ``path`` (written by ``rule``): "<path>: <problem>; <remedy>"."""
    return (kind or TableError)(f"{path}: {problem}; {remedy(path, rule)}", str(path), problem)


def target_of(rule):
    """The target that remakes what ``rule`` writes: ``compare`` for a named run's rules
    (``<rule>__<run>``), ``studies`` for the studies', None for the chapter's."""
    if rule and "__" in rule:
        return "compare"
    if rule and (rule.startswith(("study_", "plot_study_")) or rule == "study_tables"):
        return "studies"
    return None


def rerun_command(target=None):
    """How the user runs the workflow (as the workflow's jobs inherit it), with ``target``."""
    return from_env().command(target)


def store_root():
    """The store's directory as the workflow names it (``store_dir``)."""
    return os.environ.get("DLSCRATCH_STORE", "results/store")


def in_store(path):
    root = Path(store_root())
    return root == Path(path) or root in Path(path).parents


def remedy(path, rule=None, target=None):
    """The command that remakes the result file ``path`` (written by ``rule``): a plain run
    of the workflow (with the target that makes it) remakes a missing or damaged result, and
    computes a damaged store entry again; a directory that cannot be read or written needs
    its permissions fixed first."""
    invocation = from_env()
    rerun = invocation.command(target or target_of(rule))
    path = Path(path)
    shown = invocation.path
    if path.is_dir() and not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        return f"it cannot be read or changed: fix its permissions (`chmod -R u+rwX {shown(path)}`), then run `{rerun}`"
    directory = path.parent
    # deleting a damaged store entry writes in the directory that holds it, too
    folders = [directory, directory.parent] if in_store(path) else [directory]
    for folder in folders:
        if not folder.is_dir():
            continue
        if not os.access(folder, os.R_OK | os.X_OK):
            return f"{shown(folder)} cannot be read: fix its permissions (`chmod u+rwx {shown(folder)}`), then run `{rerun}`"
        if not os.access(folder, os.W_OK):
            return (f"{shown(folder)} is not writable: fix its permissions (`chmod u+w {shown(folder)}`), then run "
                    f"`{rerun}`")
    if path.exists() and path.is_file() and not os.access(path, os.R_OK):
        return f"it cannot be read: fix its permissions (`chmod u+r {shown(path)}`), then run `{rerun}`"
    if in_store(path):
        return f"run `{rerun}`, which computes its entry again"
    return f"run `{rerun}`, which remakes it"
