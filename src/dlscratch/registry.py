"""Every experiment, figure and claim of the chapter, each declared once, by its section.

The registry finds the chapter's sections (every module of ``dlscratch.chapter``), reads
their declarations (``SECTION``: ``dlscratch.declare``) in the chapter's order, checks them
(a bad id is refused here, naming it) and offers the one list that the Snakemake rules, the
plot and claims jobs, ``results/index.html``, the report and the tests read:
``EXPERIMENTS``, ``FIGURES``, ``CLAIMS`` and ``SECTIONS``. It holds declarations, not a
section's logic: that stays in the section's module.
"""

import dataclasses
import importlib
import pkgutil
import re

import yaml

from . import chapter
from .captions import render
from .declare import BOOK_OPTIMIZER_NAMES, BOOK_OPTIMIZERS, Experiment, Figure  # noqa: F401 (the vocabulary)
from .variants import describe, find

SEEDS_SUFFIX = "_seeds"
NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
BOOK_STEM = re.compile(r"fig6-(\d\d)(x?)_[a-z0-9_]+\Z")
STUDY_STEM = re.compile(r"study-[a-z0-9_]+\Z")
STUDY_NUMBER = re.compile(r"Study \d[a-z]?\Z")
BOOK_NUMBER = re.compile(r"6-(\d+)(x?)\Z")
CLAIM_ID = re.compile(r"6-\d+(/6-\d+)?\Z|study \d\Z")


class RegistryError(ValueError):
    """A declaration of a section that the chapter cannot take (it names the id and the module)."""


def _sections():
    """The sections' declarations, in the chapter's order: 6.1 to 6.5, then the studies by their order."""
    found = []
    for info in pkgutil.iter_modules(chapter.__path__):
        module = importlib.import_module(f"{chapter.__name__}.{info.name}")
        section = getattr(module, "SECTION", None)
        if section is None:
            raise RegistryError(f"{module.__name__}: a section's module ends with its declaration, SECTION = Section(...)")
        found.append((module.__name__, section))

    def order(item):
        number = item[1].number
        return (1, item[1].order, item[0]) if number == "beyond" else (0, tuple(map(int, number.split("."))), item[0])

    return sorted(found, key=order)


def _check_figure(module, figure, experiments):
    where = f"figure {figure.stem!r} ({module})"
    if figure.experiment not in experiments:
        raise RegistryError(f"{where}: no experiment {figure.experiment!r}; the experiments are "
                            f"{', '.join(experiments)}")
    if experiments[figure.experiment].study:
        if not STUDY_STEM.match(figure.stem) or not STUDY_NUMBER.match(figure.number):
            raise RegistryError(f"{where}: a study's figure is named study-<name> (lower case, digits, _) and "
                                f"numbered 'Study <n>[a-z]', not {figure.number!r}")
    else:
        stem, number = BOOK_STEM.match(figure.stem), BOOK_NUMBER.match(figure.number)
        if not stem or not number or int(stem.group(1)) != int(number.group(1)) or stem.group(2) != number.group(2):
            raise RegistryError(f"{where}: a chapter figure is named fig6-NN[x]_<name> (lower case, digits, _) after "
                                f"its number 6-N[x] ({figure.number!r}: fig6-"
                                f"{int(number.group(1)) if number else 0:02d}{number.group(2) if number else ''}_...)")
    for claim in figure.claims:
        if not CLAIM_ID.match(claim):
            raise RegistryError(f"{where}: claim id {claim!r} is not a figure's number (6-9, 6-18/6-19) or 'study <n>'")
    if not callable(figure.draw) or figure.band is not None and not callable(figure.band):
        raise RegistryError(f"{where}: draw and band are functions draw(tables, variants, settings, **options)")


def _collect():
    experiments, figures, claims, sections = {}, {}, [], {}
    numbers = {}
    for module, section in _sections():
        sections.setdefault(section.number, (section.title, section.zh))
        for experiment in section.experiments:
            if not NAME.match(experiment.name) or experiment.name in experiments:
                raise RegistryError(f"experiment {experiment.name!r} ({module}): "
                                    + ("declared twice" if experiment.name in experiments else
                                       "a config block's name: lower case letters, digits and _"))
            experiments[experiment.name] = dataclasses.replace(experiment, section=section.number)
        for figure in section.figures:
            if figure.stem in figures or figure.number in numbers:
                raise RegistryError(f"figure {figure.stem!r} ({module}): its stem or its number {figure.number!r} "
                                    f"is taken by {numbers.get(figure.number, figure.stem)!r}")
            _check_figure(module, figure, experiments)
            figures[figure.stem] = dataclasses.replace(figure, section=section.number)
            numbers[figure.number] = figure.stem
        for claim in section.claims:
            bad = [i for i in claim.ids if not CLAIM_ID.match(i)] + [e for e in claim.experiments if e not in experiments]
            if bad:
                raise RegistryError(f"claims {claim.function.__name__} ({module}): {bad[0]!r} is neither a claim id "
                                    "(6-9, 6-18/6-19, 'study <n>') nor an experiment declared before it")
            claims.append(claim)
    known = {i for claim in claims for i in claim.ids}
    for figure in figures.values():
        unknown = [c for c in figure.claims if c not in known]
        if unknown:
            raise RegistryError(f"figure {figure.stem!r}: no section's claims make claim {unknown[0]!r}")
    return experiments, figures, claims, sections


EXPERIMENTS, FIGURES, CLAIMS, SECTIONS = _collect()


def training_settings(name, config):
    """The block of experiment ``name`` in ``config`` without its ``plot_settings``, with the
    blocks it ``uses``: what its jobs run with."""
    experiment = EXPERIMENTS[name]
    own = {k: v for k, v in config[name].items() if k not in experiment.plot_settings}
    return {**own, **{other: training_settings(other, config) for other in experiment.uses}}


def claims_settings(name, config):
    """What the claims of experiment ``name`` read: its training settings, and the plot
    settings its claims use too (``claim_settings``: a study's margins or threshold; they
    retrain nothing)."""
    return {**training_settings(name, config), **{k: config[name][k] for k in EXPERIMENTS[name].claim_settings}}


# --------------------------------------------------------------------------- a figure as configured


def caption(figure, settings, variants, seeds, band=False, **found):
    """The caption of ``figure`` drawn with ``settings`` (its experiment's block) and
    ``variants``, for the ``seeds`` of the run: the book-style figure shows the first seed,
    its companion (``band``) all of them; ``found`` is what its drawing function found in
    the data (``dlscratch.captions``)."""
    return render(figure.number, figure.title, figure.caption, settings=settings, variants=variants, seeds=seeds,
                  band=band, **found)


@dataclasses.dataclass(frozen=True)
class Drawn:
    """A figure as a run with some config draws it: its stem, variants, drawing function,
    and whether it is a several-seed companion."""

    stem: str
    figure: Figure
    variants: list
    draw: object
    band: bool

    def as_params(self):
        """What the plot job needs (plain data, for Snakemake's params): the job draws the
        figure with the function named "module:function" and fills its caption template
        (``dlscratch.captions``)."""
        from .declare import qualified

        f = self.figure
        return {"stem": self.stem, "number": f.number, "title": f.title, "caption": f.caption,
                "variants": self.variants, "draw": qualified(self.draw), "options": dict(f.options),
                "tables": list(f.tables),
                "band": self.band, "all_seeds": self.band or f.all_seeds}


def drawn_figures(config, experiment=None):
    """Every figure the run with ``config`` draws (of ``experiment``, if given), in the
    registry's order: each book-style figure whose variants are configured, and, with
    several seeds, its several-seed companion."""
    seeds = config["seeds"]
    out = []
    for figure in FIGURES.values():
        if experiment is not None and figure.experiment != experiment:
            continue
        settings = config[figure.experiment]
        variants = [] if figure.variants is None else figure.variants(settings)
        if figure.variants is not None and not variants:
            continue
        out.append(Drawn(figure.stem, figure, variants, figure.draw, False))
        if figure.band and len(seeds) > 1:
            out.append(Drawn(figure.stem + SEEDS_SUFFIX, figure, variants, figure.band, True))
    return out


def _flow(value):
    """A config value as one line of YAML."""
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True).strip()


def missing_variants(config, book):
    """What ``config`` lacks of the variants the book's figures show, one message per
    figure: ``[(figure, drawn, message)]``. ``book`` is the book's config (config/config.yaml),
    which says what to add back."""
    out = []
    for figure in FIGURES.values():
        selector = figure.variants
        if not figure.book or not hasattr(selector, "missing"):
            continue
        settings = config[figure.experiment]
        missing = selector.missing(settings)
        if not missing:
            continue
        key, block = selector.key, figure.experiment
        drawn = bool(selector(settings))
        restore = []
        for wanted in missing:
            label = find(key, book[block][key], wanted)
            if key == "lambdas":
                restore.append(f"add {wanted:g} to {block}.lambdas")
            elif label is not None:
                restore.append(f"add {_flow({label: book[block][key][label]})} to {block}.{key}")
        what = ", ".join(describe(key, wanted) for wanted in missing)
        state = "is drawn without" if drawn else "is not drawn: it needs"
        out.append((figure, drawn, f"Fig {figure.number} ({figure.stem}) {state} {what} ({block}.{key} has no such "
                                   f"variant); to restore the book's, {'; '.join(restore)}."))
    return out


def input_name(experiment, table):
    """The name of a rule's input for ``table`` of ``experiment`` ("other:table" for another
    experiment's): Snakemake's input names are identifiers."""
    return f"{experiment}__{table.replace(':', '__')}"


def table_source(experiment, table):
    """(experiment, table) that ``table`` of ``experiment`` names: its own, or "other:table"."""
    return tuple(table.split(":")) if ":" in table else (experiment, table)
