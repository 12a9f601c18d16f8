"""Writing result tables: atomically, with a fixed float format, and with provenance.

A table is written to a temporary file in the same directory and renamed into place,
so a job killed mid-write never leaves a file that looks like a result. Floats are
written with ``FLOAT_FORMAT`` so the same numbers always give the same bytes.
"""

import os
import tempfile
from pathlib import Path

import pandas as pd

FLOAT_FORMAT = "%.9g"  # round-trips float32 exactly


def atomic_write_text(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(df, path):
    """Write ``df`` as CSV (no index, fixed float format, '\\n' line ends), atomically."""
    atomic_write_text(path, df.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"))


def read_tables(paths, **columns):
    """Concatenate CSV tables, adding constant columns given as name=list of values (one per path)."""
    frames = []
    for i, path in enumerate(paths):
        df = pd.read_csv(path)
        for name, values in columns.items():
            df.insert(0, name, values[i])
        frames.append(df)
    return pd.concat(frames, ignore_index=True)
