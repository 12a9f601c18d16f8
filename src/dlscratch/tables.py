"""Result tables: written atomically with a fixed float format, read back concatenated.

Floats are written with ``FLOAT_FORMAT`` so the same numbers always give the same bytes.
"""

import pandas as pd

from .atomic import write_text

FLOAT_FORMAT = "%.9g"  # round-trips float32 exactly


def write_table(table, path):
    """Write ``table`` as CSV (no index, fixed float format, '\\n' line ends), atomically."""
    write_text(path, table.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"))


def read_tables(paths):
    """The CSV tables at ``paths``, concatenated (each carries its own seed and variant columns)."""
    return pd.concat([pd.read_csv(path) for path in paths], ignore_index=True)
