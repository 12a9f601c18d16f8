"""The registry: one declaration per figure and per experiment, and nothing else naming them."""

import inspect
import re
from pathlib import Path

import jinja2.meta
import pytest
from snakemake_runner import run_config
from test_claims import BOOK, by_table, fabricated_study_tables, fabricated_tables

from dlscratch.captions import _JINJA
from dlscratch.claims_table import evaluate_claims
from dlscratch.registry import CLAIMS, EXPERIMENTS, FIGURES, SECTIONS, caption, drawn_figures, table_source

ROOT = Path(__file__).resolve().parents[1]

# every figure of the chapter that plots data, by the book's number
BOOK_FIGURES = {"6-1", "6-2", "6-3", "6-5", "6-6", "6-7", "6-8", "6-9", "6-10", "6-11", "6-13", "6-14", "6-15", "6-18", "6-19",
                "6-20", "6-21", "6-23", "6-24"}


def test_every_book_figure_is_registered_once():
    numbers = [f.number for f in FIGURES.values() if f.book]
    assert sorted(numbers) == sorted(set(numbers))
    assert BOOK_FIGURES <= set(numbers)


def test_every_figure_has_its_own_number():  # the page's contents link each figure by it
    numbers = [f.number for f in FIGURES.values()]
    assert len(numbers) == len(set(numbers)), sorted(n for n in numbers if numbers.count(n) > 1)


@pytest.mark.parametrize("figure", FIGURES.values(), ids=list(FIGURES))
def test_figure_entry_is_complete(figure):
    if EXPERIMENTS[figure.experiment].study:
        assert re.fullmatch(r"study-[a-z0-9_]+", figure.stem) and re.fullmatch(r"Study \d[a-z]?", figure.number)
        assert not figure.book
    else:
        number = figure.number.removesuffix("x")
        assert re.fullmatch(r"fig6-\d\dx?_[a-z0-9_]+", figure.stem), figure.stem
        assert figure.stem.startswith(f"fig6-{int(number.split('-')[1]):02d}{'x' if number != figure.number else ''}_")
    assert figure.experiment in EXPERIMENTS and figure.section in SECTIONS
    assert callable(figure.draw) and (figure.band is None or callable(figure.band))
    book = run_config()
    for table in figure.tables:
        source, logical = table_source(figure.experiment, table)
        assert logical in EXPERIMENTS[source].tables(book[source]), table


def test_claims_a_figure_illustrates_exist():
    declared = {i for claims in CLAIMS for i in claims.ids}
    for figure in FIGURES.values():  # the registry refuses a figure whose claims no section makes
        assert set(figure.claims) <= declared, figure.stem
    # and a section's claims make the ids they declare (those whose tables test_claims fabricates)
    tables = {**by_table(fabricated_tables()), **fabricated_study_tables()}
    made = set(evaluate_claims(tables, BOOK)["claim"])
    fabricated = [claims for claims in CLAIMS if set(claims.experiments) <= set(tables)]
    assert len(fabricated) >= 9  # the chapter's five sections and the four studies
    for claims in fabricated:
        assert set(claims.ids) <= made, claims.function.__name__


def test_experiments_share_one_signature():
    for experiment in EXPERIMENTS.values():
        function = experiment.function()
        assert list(inspect.signature(function).parameters)[:3] == ["settings", "data", "seed"], experiment.name
        assert experiment.section in SECTIONS


@pytest.mark.parametrize("configfiles", [(), ("config/test.yaml",)], ids=["book", "small"])
def test_every_caption_renders_from_its_settings(configfiles):
    config = run_config(*configfiles)
    drawn = drawn_figures(config)
    assert len({d.stem for d in drawn}) == len(drawn)
    found = {"fig6-18_batchnorm_single": {"chosen": 0.0858, "how": "by the rule", "advantage": 0.41},
             "study-optimizer_lr_tuned": {"chosen": {"sgd": "0.1, 0.3"}},
             "study-batchnorm_lr": {"largest": "1, 0.3", "at_chance": "3, 1", "fraction": 0.5},
             "study-regularization_strength": {"best": "weight decay λ 0.1"}}
    for d in drawn:
        experiment = EXPERIMENTS[d.figure.experiment]
        seeds = config[experiment.seeds_key]
        # what a drawing finds in the data: these figures' as above, any other's a stand-in
        wanted = jinja2.meta.find_undeclared_variables(_JINJA.parse(" ".join(d.figure.caption.split())))
        found_here = {**{name: Found() for name in wanted - {"settings", "variants", "seeds", "band"}},
                      **found.get(d.stem, {})}
        text = caption(d.figure, config[d.figure.experiment], d.variants, seeds, d.band, **found_here)
        label = d.figure.number if experiment.study else f"Fig {d.figure.number}"
        assert text.startswith(f"{label}: ") and "{" not in text, d.stem
        assert "  " not in text and ". ." not in text, text
        assert (f"Seed {seeds[0]}." in text) == (experiment.seeded and not d.band and not experiment.study), d.stem


class Found:
    """A stand-in for a value a drawing finds in the data, whatever a caption does with it."""

    def __str__(self):
        return "0.5"

    def __format__(self, spec):
        return format(0.5, spec)

    def __getitem__(self, key):
        return self

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __iter__(self):
        return iter([self])

    def __len__(self):
        return 1


def test_captions_follow_the_settings():
    config = run_config("config/test.yaml")
    config["optimizer_mnist"]["iterations"] = 123
    figure = FIGURES["fig6-09_optimizers_mnist"]
    text = caption(figure, config["optimizer_mnist"], ["SGD", "Adam"], [7, 8])
    assert "123 iterations" in text and "SGD: sgd, lr 0.01; Adam: adam, lr 0.001, beta1 0.9, beta2 0.999" in text
    assert "Seed 7." in text
    assert "over 2 seeds (7, 8)" in caption(figure, config["optimizer_mnist"], ["SGD"], [7, 8], band=True)


def test_figures_of_missing_variants_are_not_drawn():
    config = run_config("config/test.yaml")
    config["optimizer_paths"]["optimizers"] = {"SGD": {"name": "sgd", "lr": 0.95}}
    stems = {d.stem for d in drawn_figures(config, "optimizer_paths")}
    assert stems == {"fig6-03_sgd_path", "fig6-08_optimizer_paths"}
    config["seeds"] = [0]
    assert not [d for d in drawn_figures(config) if d.band]


def module_of(stem):
    """The section module that declares figure ``stem`` (by its experiment's training)."""
    return EXPERIMENTS[FIGURES[stem].experiment].module.rsplit(".", 1)[1]


def test_each_figure_is_named_only_by_the_section_that_declares_it():
    sources = [p for folder in ("src", "workflow") for p in (ROOT / folder).rglob("*")
               if p.is_file() and p.suffix in {".py", ".smk", ".rst", ".yaml", ".sh", ""} and "__pycache__" not in p.parts]
    sources.append(ROOT / "Snakefile")
    naming = {}
    for p in sources:
        for stem in FIGURES:
            if stem in p.read_text(errors="ignore"):
                naming.setdefault(stem, []).append(str(p.relative_to(ROOT)))
    # each figure is named once, by the section that declares it
    assert naming == {stem: [f"src/{FIGURES[stem].draw.__module__.replace('.', '/')}.py"
                             if FIGURES[stem].draw.__module__.startswith("dlscratch.chapter")
                             else f"src/dlscratch/chapter/{module_of(stem)}.py"] for stem in FIGURES}
