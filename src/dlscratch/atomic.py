"""The one atomic writer behind every file the project writes: tables, figures, caches.

A file is written to ``<name>.part`` in its own directory and renamed into place only
when complete (boltons' ``AtomicSaver``), so a job killed mid-write never leaves a file
that looks like a result; a part file left by a killed job is replaced by the next write.
"""

from pathlib import Path

from boltons.fileutils import atomic_save


def atomic_writer(path):
    """A context manager giving a binary file that becomes ``path`` when the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_save(str(path), overwrite_part=True)


def write_text(path, text):
    """Write ``text`` (UTF-8, line ends as given) to ``path`` atomically."""
    with atomic_writer(path) as f:
        f.write(text.encode("utf-8"))
