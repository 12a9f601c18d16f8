"""The words a chapter section declares itself with (``dlscratch.chapter``).

A section module holds its experiments' training, its figures' drawing and its claims,
and ends with one declaration, ``SECTION = Section(...)``, which ``dlscratch.registry``
collects:

- an ``Experiment``: a config block (its name, the JSON Schema of its settings, the checks
  that relate them), its ``run(settings, data, seed) -> {table: DataFrame}``, the tables it
  writes and how the store keeps them apart (units: variants, parts or the whole);
- a ``Figure``: what it is in the book (number, title), the tables it is drawn from, the
  variants it shows (a ``Book``, ``Others`` or ``Every`` selection, or a function of the
  settings), its draw function ``draw(tables, variants, settings, **options)`` and options
  (axes, scales), its caption template, the claims it illustrates;
- ``Claims``: a function ``claims(tables, settings) -> [row]`` (``dlscratch.claims``), the
  experiments whose tables it reads, and the claim ids its rows carry.

A job is keyed by the part of a section it runs (``dlscratch.sources.entries_hash``): its
training, or its drawing, or its claims. The declaration reaches jobs as their settings,
never as code: so a caption or a figure's options reran only the figure.
"""

import importlib
from dataclasses import dataclass, field
from typing import Callable

from .variants import entries, find

BOOK_OPTIMIZERS = ("SGD", "Momentum", "AdaGrad", "Adam")  # the book's Figs 6-8 and 6-9, in its order
BOOK_OPTIMIZER_NAMES = tuple(name.lower() for name in BOOK_OPTIMIZERS)


def qualified(function):
    """``function`` as "module:name", how a job is told which function to call."""
    return None if function is None else f"{function.__module__}:{function.__qualname__}"


def resolve(dotted):
    """The function named "module:name"."""
    module, name = dotted.split(":")
    return getattr(importlib.import_module(module), name)


def fixed(*names):
    """The ``tables`` of an experiment that always writes the tables ``names``, one file each."""
    return lambda settings: {name: [name] for name in names}


@dataclass(frozen=True)
class Experiment:
    """One experiment: its config block ``name``, its training and its tables.

    ``run`` is ``run(settings, data, seed) -> {table: DataFrame}``. ``tables(settings)`` maps
    each table its figures and claims read to the files (stems) that hold it, per seed.
    ``parts(settings)``, when given, splits one seed's work into jobs: part name -> the
    settings that make ``run`` compute only that part (it returns one table, named like the
    part, or the ``part_tables``); ``combine(shards) -> {table: DataFrame}`` then makes the
    experiment's tables of the parts' (without it the parts are the tables).
    ``variant_table`` names the block's table of variants (``variant_units``: each variant a
    store entry of its own). ``schemas(settings)`` gives each table's ``dlscratch.tables.Schema``.
    ``config`` is the JSON Schema of the block's settings (its properties; the defaults are
    ``config/config.yaml``'s), and ``check(block, config, fail)`` relates its values,
    calling ``fail(key, message)``. ``plot_settings`` retrain nothing (the figures read
    them), nor do ``claim_settings`` (the claims read them). ``mnist``: whether it reads
    MNIST; ``seeded``: whether it runs once per seed. ``priority`` orders training jobs, the
    longest first; ``mem_mb`` and ``runtime`` (minutes) are what a job asks a cluster for.
    ``metrics(tables, settings) -> [{"metric", "seed", "value"}]`` gives its headline numbers
    from its ``claims_tables`` (final loss, test accuracy, train–test gap: a row per seed),
    which the comparison of runs tabulates (``dlscratch.compare``).
    """

    name: str
    run: Callable
    tables: Callable[[dict], dict]
    title: str = ""
    parts: Callable[[dict], dict] | None = None
    combine: Callable | None = None
    mnist: bool = True
    seeded: bool = True
    priority: int = 0
    mem_mb: int = 1000
    runtime: int = 10
    schemas: Callable[[dict], dict] | None = None
    variant_table: str | None = None
    plot_settings: tuple = ()
    claims_tables: tuple = ()
    seeds_key: str = "seeds"
    uses: tuple = ()
    part_tables: tuple = ()
    entry_tables: tuple = ()
    variant_units: bool = False
    claim_settings: tuple = ()
    config: dict = field(default_factory=dict)
    check: Callable | None = None
    metrics: Callable | None = None
    section: str = ""  # filled in by the registry from the section that declares it

    @property
    def qualified_run(self):
        return qualified(self.run)

    @property
    def qualified_combine(self):
        return qualified(self.combine)

    @property
    def module(self):
        return self.run.__module__

    @property
    def combine_module(self):
        return None if self.combine is None else self.combine.__module__

    def function(self):
        return self.run

    @property
    def study(self):
        return self.section == "beyond"

    # ------------------------------------------------------------------ units (dlscratch.store)

    def units(self, settings):
        """{unit: its settings}: what the store keeps apart, in order. A part (one λ, one
        shard, ...) for an experiment split into parts; with ``variant_units``, one variant of
        its variant table (all of a seed's missing variants are still computed by one job);
        else the whole experiment (unit "all"). ``settings`` are its training settings."""
        if self.parts:
            return self.parts(settings)
        if self.variant_units:
            return {label: {**settings, self.variant_table: {label: value}}
                    for label, value in settings[self.variant_table].items()}
        return {"all": settings}

    def entry_names(self, unit):
        """{a table ``run`` returns for ``unit``: the name its store entry keeps it under}."""
        if self.parts and not self.part_tables:
            return {unit: self.entry_tables[0]}
        return {table: table for table in self.entry_tables}

    def unit_schemas(self, unit, settings):
        """{entry table: its Schema} of ``unit`` run with ``settings`` (its unit settings)."""
        schemas = self.schemas(settings)
        if self.part_tables:
            return {table: schemas[f"{unit}/{table}"] for table in self.part_tables}
        return {entry: schemas[returned] for returned, entry in self.entry_names(unit).items()}

    @property
    def assembly(self):
        """How its units' entries make the experiment's tables (``dlscratch.results.assemble``):
        the shards of a search combined, each part a table of its own (or a folder of tables),
        the variants concatenated, or the one unit as it is."""
        kind = ("combine" if self.combine else "part_tables" if self.part_tables else "parts" if self.parts
                else "concat" if self.variant_units else "whole")
        return {"kind": kind, "entry_tables": list(self.entry_tables), "combine": self.qualified_combine}


@dataclass(frozen=True)
class Figure:
    """One figure: ``results/figures/<stem>.png`` and ``.pdf``.

    ``number`` is the book's figure number (``6-9``; an ``x`` marks a figure the book does
    not have; ``Study 1a`` a study's), ``experiment`` the experiment whose ``tables`` it reads
    ("other:table" for another's). ``variants(settings)`` gives the variants it shows for the
    experiment's settings (an empty list: the figure is not drawn, its variants are not
    configured; None: a figure of the whole experiment, always drawn). ``draw`` and ``band``
    are ``draw(tables, variants, settings, **options)``; ``band`` draws the several-seed
    companion ``<stem>_seeds`` from the tables of every seed (and ``all_seeds``: ``draw``
    reads every seed too). ``options`` are its style (axes, scales), passed to both: a change
    redraws the figure and nothing else. ``title`` is the book's caption, ``caption`` a Jinja
    template of what the figure shows (``dlscratch.captions``). ``claims`` are the claim ids
    it illustrates. ``overlay(tables, variants, settings, **options) -> [overlay.Panel]``
    reads its series from one run's tables of every seed, for the overlay of several runs
    (``dlscratch.overlay``).
    """

    stem: str
    number: str
    experiment: str
    title: str
    caption: str
    draw: Callable
    tables: tuple
    variants: Callable[[dict], list] | None = None
    options: dict = field(default_factory=dict)
    band: Callable | None = None
    claims: tuple = ()
    all_seeds: bool = False
    overlay: Callable | None = None
    section: str = ""  # filled in by the registry

    @property
    def book(self):
        """Whether the book has this figure (an 'x' number, or a study, is ours)."""
        return self.number.startswith("6-") and not self.number.endswith("x")


@dataclass(frozen=True)
class Claims:
    """``function(tables, settings) -> [row]``: claims about the tables of ``experiments``
    (``tables[experiment][table]``, every seed, and ``settings[experiment]`` their claims
    settings); each row's id is one of ``ids``."""

    function: Callable
    experiments: tuple
    ids: tuple


@dataclass(frozen=True)
class Section:
    """A section of the chapter (``number`` 6.1 to 6.5, with the book's English and Chinese
    titles), or a study beyond the book (number "beyond", ``order`` among the studies): its
    experiments, figures and claims, in the order the chapter shows them."""

    number: str
    title: str
    zh: str
    experiments: tuple = ()
    figures: tuple = ()
    claims: tuple = ()
    order: int = 0


# --------------------------------------------------------------------------- which variants a figure shows


@dataclass(frozen=True)
class Book:
    """The variants a book figure shows, found by meaning (``dlscratch.variants``) in its
    experiment's variant table ``key``, in the book's order. Without one of them the figure
    is not drawn, unless ``partial``: then it shows those present. ``missing`` names the
    meanings the config lacks."""

    key: str
    meanings: tuple
    partial: bool = False

    def __call__(self, settings):
        labels = [find(self.key, settings[self.key], m) for m in self.meanings]
        if None in labels and not self.partial:
            return []
        return [label for label in labels if label is not None]

    def missing(self, settings):
        return [m for m in self.meanings if find(self.key, settings[self.key], m) is None]


@dataclass(frozen=True)
class Others:
    """Every variant of ``key`` that the ``Book`` selection of ``meanings`` does not show;
    ``book`` names those the book's figure has (missing when none is configured)."""

    key: str
    meanings: tuple
    book: tuple = ()

    def __call__(self, settings):
        shown = set(Book(self.key, self.meanings, partial=True)(settings))
        return [label for label, _ in entries(self.key, settings[self.key]) if label not in shown]

    def missing(self, settings):
        return list(self.book) if not self(settings) else []


@dataclass(frozen=True)
class Every:
    """Every variant of ``key``; ``book`` names those the book's figure has."""

    key: str
    book: tuple = ()

    def __call__(self, settings):
        return [label for label, _ in entries(self.key, settings[self.key])]

    def missing(self, settings):
        return [m for m in self.book if find(self.key, settings[self.key], m) is None]
