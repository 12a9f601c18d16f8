"""Result tables: written atomically with a fixed float format, and validated when read.

Floats are written with ``FLOAT_FORMAT`` so the same numbers always give the same bytes.
A table is read back against its ``Schema`` (the columns and their types, the rows its
settings imply, the values some columns must hold), so a truncated, cut or altered table
fails the job that reads it, with an error that names the file and how to remake it,
instead of drawing a wrong figure or a wrong verdict.

Text columns (labels) are read as text, never as numbers or missing values: a variant
called "1" or "NA" stays "1" or "NA". A missing float (a diverged run) is an empty field.
"""

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd

from .atomic import write_text
from .faults import TableError, damaged  # noqa: F401 (TableError: what a reader of a table catches)
from .provenance import check_files

FLOAT_FORMAT = "%.9g"  # round-trips float32 exactly
TYPES = {"int": "int64", "float": "float64", "str": str}


def write_table(table, path):
    """Write ``table`` as CSV (no index, fixed float format, '\\n' line ends), atomically."""
    write_text(path, table.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"))


@dataclass(frozen=True)
class Schema:
    """What a table file holds: ``columns`` (name -> "int", "float" or "str", in order),
    ``rows`` (how many its settings imply) and ``values`` (column -> the values it must hold,
    all of them and nothing else). ``rule`` is the rule that writes it (for the message), and
    ``provenance`` the record its job writes of it. Text columns are never empty, except
    those named in ``optional``."""

    columns: dict
    rows: int
    values: dict = field(default_factory=dict)
    rule: str = ""
    optional: tuple = ()
    provenance: str = ""

    def with_values(self, **values):
        return replace(self, values={**self.values, **values})

    def as_params(self):
        return asdict(self)


def _damaged(path, problem, schema):
    return damaged(path, problem, schema.get("rule"))


def read_table(path, schema):
    """The table at ``path``, checked against ``schema`` (a ``Schema`` or its ``as_params``).
    A damaged table is a ``TableError`` that says what is wrong, in one of these words:
    unreadable, empty, cut, wrong columns, wrong types, wrong number of rows, an empty
    label, wrong seed, or values other than its settings imply."""
    schema = schema.as_params() if isinstance(schema, Schema) else schema
    columns = schema["columns"]
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise _damaged(path, "missing", schema) from None
    except OSError as error:
        raise _damaged(path, f"unreadable ({error.strerror})", schema) from None
    if not raw:
        raise _damaged(path, "empty (0 bytes)", schema)
    if not raw.endswith(b"\n"):
        raise _damaged(path, "cut: its last line has no line end, so its last row was cut", schema)
    header = raw.split(b"\n", 1)[0].decode("utf-8", "replace")
    if header.split(",") != list(columns):
        raise _damaged(path, f"wrong columns: {header!r}, expected {','.join(columns)!r}", schema)
    floats = [name for name, kind in columns.items() if kind == "float"]
    try:
        table = pd.read_csv(path, dtype={name: TYPES[kind] for name, kind in columns.items()},
                            keep_default_na=False, na_values={name: [""] for name in floats})
    except (ValueError, pd.errors.ParserError) as error:
        raise _damaged(path, f"wrong types: it does not parse as its columns' types ({error})", schema) from None
    if schema["rows"] is not None and len(table) != schema["rows"]:
        raise _damaged(path, f"wrong number of rows: {len(table)}, expected {schema['rows']}", schema)
    for name, kind in columns.items():
        if kind == "str" and name not in schema["optional"] and (table[name] == "").any():
            raise _damaged(path, f"has an empty {name!r} in row {int((table[name] == '').idxmax()) + 2}", schema)
    for name, wanted in schema["values"].items():
        found = table[name].unique().tolist()
        if not _same_values(found, wanted, columns[name] == "float"):
            if name == "seed":
                raise _damaged(path, f"wrong seed: it holds the rows of seed {', '.join(map(str, sorted(found)))}, "
                               f"expected seed {', '.join(map(str, sorted(wanted)))}", schema)
            raise _damaged(path, f"holds {name} {sorted(map(str, found))}, expected {sorted(map(str, wanted))}",
                           schema)
    return table


def _same_values(found, wanted, floats):
    if not floats:
        return set(found) == set(wanted)
    close = lambda a, b: abs(a - b) <= 1e-8 * max(abs(a), abs(b), 1e-300)  # noqa: E731 (%.9g round trip)
    return all(any(close(f, w) for w in wanted) for f in found) and all(any(close(f, w) for f in found)
                                                                         for w in wanted)


def read_tables(paths, schemas, provenance=True):
    """The tables at ``paths``, each checked against ``schemas[path]``, concatenated. With
    ``provenance``, each whose schema names the record its job wrote
    (``dlscratch.provenance``) must first hold exactly what that job wrote: a swapped, cut or
    changed table is refused even where it would pass its schema."""
    recorded = [str(p) for p in paths if schemas[str(p)].get("provenance")] if provenance else []
    if recorded:
        check_files(recorded, [schemas[p]["provenance"] for p in recorded], {p: schemas[p].get("rule") for p in recorded})
    return pd.concat([read_table(path, schemas[str(path)]) for path in paths], ignore_index=True)
