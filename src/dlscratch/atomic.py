"""The one atomic writer behind every file the project writes: tables, figures, caches.

A file is written to ``<name>.part`` in its own directory and renamed into place only
when complete (boltons' ``AtomicSaver``), so a job killed mid-write never leaves a file
that looks like a result; a part file left by a killed job is replaced by the next write.
A file that cannot be written (a read-only directory, a full disk) is an ``OutputError``
that names it, says why and what to do.
"""

import contextlib
import errno
import os
from pathlib import Path

from boltons.fileutils import atomic_save


class OutputError(RuntimeError):
    """A result file that cannot be written."""


def _unwritable(path, error):
    directory = path.parent
    if error.errno == errno.ENOSPC:
        fix = "the disk is full: free some space and run snakemake again"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = (f"fix the permissions of {directory} (`chmod u+w {directory}`, or `chattr -i {directory}` if it "
               "is immutable) and run snakemake again")
    else:
        fix = f"check that {directory} is a directory you can write to, and run snakemake again"
    reason = os.strerror(error.errno) if error.errno else str(error)
    return OutputError(f"{path}: cannot be written ({reason}); {fix}")


@contextlib.contextmanager
def atomic_writer(path):
    """A context manager giving a binary file that becomes ``path`` when the block succeeds."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_save(str(path), overwrite_part=True) as f:
            yield f
    except OSError as error:  # creating, writing or renaming the file
        raise _unwritable(path, error) from None


def write_text(path, text):
    """Write ``text`` (UTF-8, line ends as given) to ``path`` atomically."""
    with atomic_writer(path) as f:
        f.write(text.encode("utf-8"))


def copy_by_name(sources, outputs):
    """Each of ``outputs`` written atomically with the bytes of the source of the same file
    name (a named run's figures that are the book's: see ``dlscratch.drawing``)."""
    by_name = {Path(path).name: Path(path) for path in sources}
    if len(by_name) != len(sources):
        raise ValueError(f"two sources share a file name: {sorted(map(str, sources))}")
    for path in outputs:
        source = by_name.get(Path(path).name)
        if source is None:
            raise ValueError(f"{path}: no source of that name among {sorted(by_name)}")
        with atomic_writer(path) as out:
            out.write(source.read_bytes())
