"""A run's tables, read from the store: what every job that reads tables (the plots, the
claims, the tables job) does with the entries its rule hands it.

The rule passes a list of what the job reads (``specs``): for each table an experiment's
figures or claims use (``"accuracy"``, or another experiment's, ``"weight_decay:accuracy"``),
its ``source`` experiment, the ``stems`` it is assembled from (a table may be several files
of the run, such as one per λ), and, for each seed, the store entries to read, in unit order,
each ``{"unit", "files": {entry table: path}, "provenance", "schemas": {entry table: Schema
params}}``. Each file must hold what its job wrote (its provenance record) and pass its
schema; the units are then assembled (``Experiment.assemble``: concatenated, or the shards
of a search combined) into the run's tables.
"""

import importlib

import pandas as pd

from .provenance import check_files
from .tables import read_tables


def check_entries(entries):
    """Every file of ``entries`` must hold what its job wrote (its provenance record), all
    checked together, so that two entries' tables swapped are told as swapped."""
    entries = list(entries)
    files = [path for entry in entries for path in entry["files"].values()]
    if files:
        check_files(files, [entry["provenance"] for entry in entries])


def read_entry(entry):
    """{entry table: DataFrame} of one store entry, each checked against its schema (its
    record: ``check_entries``)."""
    return {name: read_tables([path], {path: entry["schemas"][name]}, provenance=False)
            for name, path in entry["files"].items()}


def assemble(units, how):
    """An experiment's tables (by the names its figures and claims read them) from its units'
    entries, ``{unit: {entry table: DataFrame}}`` in unit order, as ``how`` says
    (``dlscratch.registry.Experiment.assembly``)."""
    kind, tables = how["kind"], how["entry_tables"]
    if kind == "combine":
        module, name = how["combine"].split(":")
        return getattr(importlib.import_module(module), name)([entry[tables[0]] for entry in units.values()])
    if kind == "part_tables":
        return {f"{unit}/{table}": entry[table] for unit, entry in units.items() for table in tables}
    if kind == "parts":
        return {unit: entry[tables[0]] for unit, entry in units.items()}
    if kind == "concat":
        return {table: pd.concat([entry[table] for entry in units.values()], ignore_index=True) for table in tables}
    return dict(units["all"])


def assembled(entries, how):
    """{table stem: DataFrame} of an experiment for one seed, from its ``entries``."""
    return assemble({entry["unit"]: read_entry(entry) for entry in entries}, how)


def read_run(specs):
    """{experiment: {table: DataFrame over every seed}} of what ``specs`` ask for."""
    check_entries({e["provenance"]: e for spec in specs for entries in spec["seeds"].values()
                   for e in entries}.values())
    cache, out = {}, {}
    for spec in specs:
        frames = []
        for seed, entries in spec["seeds"].items():
            key = (spec["source"], seed, tuple(e["provenance"] for e in entries))
            if key not in cache:
                cache[key] = assembled(entries, spec["assembly"])
            frames += [cache[key][stem] for stem in spec["stems"]]
        out.setdefault(spec["experiment"], {})[spec["table"]] = pd.concat(frames, ignore_index=True)
    return out


def write_run_tables(snakemake):
    """The tables job of a run: its tables, assembled from the store, at the run's own paths
    (the book's at results/<experiment>/seed<N>/, as they have always been): ``params.tables``
    is ``{experiment: {seed: {"entries": [entry], "files": {stem: path}}}}``."""
    from .tables import write_table

    check_entries({e["provenance"]: e for by_seed in snakemake.params.tables.values() for spec in by_seed.values()
                   for e in spec["entries"]}.values())
    for experiment, by_seed in snakemake.params.tables.items():
        for seed, spec in by_seed.items():
            tables = assembled(spec["entries"], spec["assembly"])
            for stem, path in spec["files"].items():
                write_table(tables[stem], path)
            print(f"{experiment} seed {seed}: {', '.join(spec['files'])}")
