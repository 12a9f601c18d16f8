"""Every experiment and every figure of the chapter, each declared once.

The Snakemake rules, the plot jobs, ``results/index.html``, the report captions and the
tests all read this module: it is the only place that names a figure.

An ``Experiment`` is a config block, a library function
``run(settings, data, seed) -> {table: DataFrame}`` (``dlscratch.experiments``) and the
tables it writes under ``results/<name>/``. A ``Figure`` names the experiment and tables it
is drawn from, the variants it shows, its drawing function in ``dlscratch.plotting``, its
caption (a Jinja template filled from the settings it is drawn with) and the claims of
``dlscratch.claims`` it illustrates.

Adding a figure: one ``Figure`` entry in ``FIGURES``, one drawing function in
``dlscratch.plotting`` and, where it needs settings of its own, one config block.
"""

import importlib
from dataclasses import dataclass, field
from typing import Callable

import yaml

from .experiments import batchnorm, initialization, optimizers, regularization, search, studies
from .experiments.batchnorm import weight_stds
from .experiments.regularization import lambda_label
from .captions import render
from .variants import describe, entries, find

SECTIONS = {  # section -> (English title, the book's Chinese title)
    "6.1": ("Parameter updates", "参数的更新"),
    "6.2": ("Initial weights", "权重的初始值"),
    "6.3": ("Batch Normalization", "Batch Normalization"),
    "6.4": ("Regularization", "正则化"),
    "6.5": ("Hyperparameter validation", "超参数的验证"),
    "beyond": ("Beyond the book", "Beyond the book"),  # snakemake studies
}

BOOK_OPTIMIZERS = ("SGD", "Momentum", "AdaGrad", "Adam")  # the book's Figs 6-8 and 6-9, in its order


# --------------------------------------------------------------------------- experiments


@dataclass(frozen=True)
class Experiment:
    """One experiment: its config block ``name``, its rule and its ``results/<name>/`` directory.

    ``schemas(settings)`` gives the ``dlscratch.tables.Schema`` of each table file (parts
    included), which every job that reads one checks it against.

    ``run`` is "module:function" under ``dlscratch.experiments``. ``tables(settings)`` maps
    each logical table to the files (stems) that hold it, per seed. ``parts(settings)``, when
    given, splits one seed's work into jobs: part name -> the settings that make ``run``
    compute only that part (it returns one table, named like the part). ``combine`` is then
    "module:function" turning the parts' tables into the experiment's tables; without it
    the parts are the tables. ``mnist``: whether it reads MNIST; ``seeded``: whether it runs
    once per seed (else once, deterministically). ``priority`` orders training jobs, the
    longest first; ``mem_mb`` and ``runtime`` (minutes), what a job asks a cluster for, are
    well above the measured peaks (at book scale at most 372 MB, and 30 s on a 2-CPU VM).
    """

    name: str
    section: str
    title: str
    run: str
    tables: Callable[[dict], dict]
    parts: Callable[[dict], dict] | None = None
    part_path: str = "{part}"
    combine: str | None = None
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

    @property
    def qualified_run(self):
        """``run`` as "dlscratch.experiments.<module>:<function>"."""
        return f"dlscratch.experiments.{self.run}"

    @property
    def qualified_combine(self):
        return None if self.combine is None else f"dlscratch.experiments.{self.combine}"

    @property
    def module(self):
        return self.qualified_run.split(":")[0]

    @property
    def combine_module(self):
        return None if self.combine is None else self.qualified_combine.split(":")[0]

    def function(self):
        module, name = self.qualified_run.split(":")
        return getattr(importlib.import_module(module), name)

    def training_settings(self, config):
        """The experiment's block of ``config`` without its ``plot_settings``, with the blocks it
        ``uses``: what its jobs run with."""
        own = {k: v for k, v in config[self.name].items() if k not in self.plot_settings}
        return {**own, **{name: EXPERIMENTS[name].training_settings(config) for name in self.uses}}

    def claims_settings(self, config):
        """What its claims read: its training settings, and the plot settings its claims use
        too (``claim_settings``: a study's margins or threshold; they retrain nothing)."""
        return {**self.training_settings(config), **{k: config[self.name][k] for k in self.claim_settings}}

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

    def assemble(self, units):
        """The experiment's tables, by the names its figures and claims read them (``tables``),
        from its units' entries: ``{unit: {entry table: DataFrame}}`` in unit order."""
        from .results import assemble

        return assemble(units, self.assembly)


def _fixed(*names):
    return lambda settings: {name: [name] for name in names}


def _lambda_tables(settings):
    return {"accuracy": [f"lambda{lambda_label(v)}" for v in settings["lambdas"]]}


def _lambda_parts(settings):
    return {f"lambda{lambda_label(v)}": {**settings, "lambdas": [v]} for v in settings["lambdas"]}


def _dropout_parts(settings):
    """The run without Dropout does not depend on the ratio: another ratio trains only "with"."""
    without = {k: v for k, v in settings.items() if k != "dropout_ratio"}
    return {"without": {**without, "variants": ["without"]}, "with": {**settings, "variants": ["with"]}}


def _shard_parts(settings):
    return {f"shard{k}": {**settings, "shard": k} for k in range(settings["shards"])}


EXPERIMENTS = {e.name: e for e in [
    Experiment("function_surface", "6.1", "The function f(x, y) = x²/20 + y²", "optimizers:function_surface",
               _fixed("surface", "gradient"), mnist=False, seeded=False, schemas=optimizers.function_surface_schemas,
               claims_tables=("surface", "gradient"), entry_tables=("surface", "gradient")),
    Experiment("optimizer_paths", "6.1", "Optimizers on f(x, y) = x²/20 + y²", "optimizers:optimizer_paths", _fixed("paths"), mnist=False, seeded=False,
               schemas=optimizers.optimizer_paths_schemas, variant_table="optimizers", claims_tables=("paths",),
               entry_tables=("paths",), variant_units=True),
    Experiment("optimizer_mnist", "6.1", "Optimizers on MNIST", "optimizers:optimizer_mnist", _fixed("loss", "summary"), priority=50,
               schemas=optimizers.optimizer_mnist_schemas, variant_table="optimizers", claims_tables=("summary",),
               entry_tables=("loss", "summary"), variant_units=True),
    Experiment("activations", "6.2", "Activations of a deep net by initial weights", "initialization:activations", _fixed("histograms", "stats"), mnist=False,
               schemas=initialization.activations_schemas, variant_table="cases", claims_tables=("stats",),
               entry_tables=("histograms", "stats"), variant_units=True),
    Experiment("init_mnist", "6.2", "Initial weights on MNIST", "initialization:init_mnist", _fixed("loss", "summary"), priority=30,
               schemas=initialization.init_mnist_schemas, variant_table="inits", claims_tables=("summary",),
               entry_tables=("loss", "summary"), variant_units=True),
    Experiment("batchnorm", "6.3", "With and without Batch Normalization", "batchnorm:batchnorm", _fixed("accuracy"), priority=30,
               schemas=batchnorm.batchnorm_schemas, plot_settings=("single_panel_std_index",), claims_tables=("accuracy",),
               entry_tables=("accuracy",)),
    Experiment("weight_decay", "6.4", "Overfitting and weight decay", "regularization:weight_decay", _lambda_tables, parts=_lambda_parts,
               priority=30, schemas=regularization.weight_decay_schemas, variant_table="lambdas", claims_tables=("accuracy",),
               entry_tables=("accuracy",)),
    Experiment("dropout", "6.4", "Dropout", "regularization:dropout", lambda s: {"accuracy": ["without", "with"]},
               parts=_dropout_parts, priority=40, schemas=regularization.dropout_schemas, claims_tables=("accuracy",),
               entry_tables=("accuracy",)),
    Experiment("random_search", "6.5", "Random search of the learning rate and weight decay", "search:random_search", _fixed("curves", "summary"), parts=_shard_parts,
               part_path="shards/{part}", combine="search:combine_shards", priority=40,
               schemas=search.random_search_schemas, plot_settings=("top",), claims_tables=("summary",),
               entry_tables=("curves",)),
    # Beyond the book (snakemake studies)
    Experiment("study_optimizer_lr", "beyond", "Study 1: the learning rate of each optimizer", "studies:optimizer_lr",
               lambda s: {t: [f"{o}/{t}" for o in s["optimizers"]] for t in ("loss", "summary")},
               parts=lambda s: {o: {**s, "optimizers": [o]} for o in s["optimizers"]}, part_tables=("loss", "summary"),
               plot_settings=("equivalence",), claim_settings=("equivalence",),
               priority=45, schemas=studies.optimizer_lr_schemas, claims_tables=("summary",), seeds_key="study_seeds",
               runtime=30, entry_tables=("loss", "summary")),
    Experiment("study_batchnorm_lr", "beyond", "Study 2: BatchNorm and the learning rate", "studies:batchnorm_lr",
               _fixed("accuracy"), priority=20, schemas=studies.batchnorm_lr_schemas, claims_tables=("accuracy",),
               seeds_key="study_seeds", entry_tables=("accuracy",), plot_settings=("learn_fraction",),
               claim_settings=("learn_fraction",)),
    Experiment("study_regularization", "beyond", "Study 3: how strong a regularization",
               "studies:regularization_strength", _fixed("final"), priority=20,
               schemas=studies.regularization_strength_schemas,
               claims_tables=("final", "weight_decay:accuracy", "dropout:accuracy"), seeds_key="study_seeds",
               uses=("weight_decay", "dropout"), entry_tables=("final",)),
    Experiment("study_search", "beyond", "Study 4: random against grid search at equal budget", "studies:grid_search",
               lambda s: {"grid": [f"grid{m}" for m in s["grid_sizes"]]},
               parts=lambda s: {f"grid{m}": {**s, "grid_size": m} for m in s["grid_sizes"]}, priority=35,
               schemas=studies.grid_search_schemas, claims_tables=("grid", "random_search:summary"),
               seeds_key="study_seeds", uses=("random_search",), entry_tables=("grid",)),
]}


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    """One figure: ``results/figures/<stem>.png`` and ``.pdf``.

    ``number`` is the book's figure number (``6-9``; an ``x`` marks a figure the book does
    not have), ``experiment`` the experiment whose ``tables`` it reads (of the first seed).
    ``variants(settings)`` gives the variants it shows for the experiment's settings (an
    empty list: the figure is not drawn, its variants are not configured; None: a figure of
    the whole experiment, always drawn); ``draw`` and
    ``band`` name functions of ``dlscratch.plotting`` with the signature
    ``draw(tables, variants, settings, **options)``; ``band`` draws the several-seed
    companion ``<stem>_seeds`` from the tables of every seed. ``title`` is the book's caption,
    ``caption`` a Jinja template of what the figure shows, filled from ``settings`` (the
    experiment's block), ``variants``, ``seeds`` and ``band`` (the companion). ``claims`` are the claim ids
    (``dlscratch.claims``) it illustrates.
    """

    stem: str
    number: str
    experiment: str
    title: str
    caption: str
    draw: str
    tables: tuple
    variants: Callable[[dict], list] | None = None
    options: dict = field(default_factory=dict)
    band: str | None = None
    claims: tuple = ()
    all_seeds: bool = False

    @property
    def section(self):
        return EXPERIMENTS[self.experiment].section

    @property
    def book(self):
        """Whether the book has this figure (an 'x' number, or a study, is ours)."""
        return self.number.startswith("6-") and not self.number.endswith("x")


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


BOOK_OPTIMIZER_NAMES = tuple(name.lower() for name in BOOK_OPTIMIZERS)


def _all_stds(settings):
    return weight_stds(settings)


SURFACE = (
    "f on x in [{{ settings.x_range | join(', ') }}], y in [{{ settings.y_range | join(', ') }}], sampled every "
    "{{ settings.surface_step }}: the surface (left) and contour lines (right), a bowl stretched along x.")
GRADIENT = (
    "Arrows of −∇f = (−x/10, −2y) on a grid every {{ settings.arrow_step }} over x in "
    "[{{ settings.x_range | join(', ') }}], y in [{{ settings.y_range | join(', ') }}]: they point mostly along y, "
    "and most do not point at the minimum (0, 0), which is why SGD zig-zags.")
SEED = "{% if band %}Mean line and min–max band over {{ seeds | length | plural('seed') }} ({{ seeds | join(', ') }}).{% else %}Seed {{ seeds[0] }}.{% endif %}"
PATHS = (
    "Path of {{ variants | join(', ') }} on f(x, y) = x²/20 + y² from ({{ settings.start | join(', ') }}), "
    "{{ settings.steps }} updates, every point drawn; "
    "{% for v in variants %}{{ v }}: {{ settings.optimizers[v] | hyper }}{% if not loop.last %}; {% endif %}"
    "{% endfor %}. Contours of f with values above 7 masked as in the book; '+' marks the minimum.")
_LOSS = (
    "Training loss per iteration, smoothed with the book's smooth_curve, of a "
    "784-{{ settings.hidden_sizes | join('-') }}-10 network on the first {{ settings.train_size }} MNIST images, "
    "batch {{ settings.batch_size }}, {{ settings.iterations }} iterations. ")
_PAIRED = (" Every variant starts from the same standard normals and sees the same minibatches; the loss of an "
           "iteration is measured on its batch after the update. " + SEED)
OPTIMIZERS_LOSS = _LOSS + (
    "ReLU, He initial weights. {% for v in variants %}{{ v }}: {{ settings.optimizers[v] | hyper }}"
    "{% if not loop.last %}; {% endif %}{% endfor %}." + _PAIRED)
INIT_LOSS = _LOSS + (
    "{{ settings.activation }} activations, {{ settings.optimizer | hyper }}; initial weight std "
    "{% for v in variants %}{{ v }} = {{ settings.inits[v] }}{% if not loop.last %}, {% endif %}{% endfor %}."
    + _PAIRED)
HISTOGRAMS = (
    "Activations of each of {{ settings.n_layers }} layers of {{ settings.n_units }} units (no biases) for "
    "{{ settings.n_samples }} inputs drawn from N(0, 1), in {{ settings.bins }} bins on [0, 1]: "
    "{% for v in variants %}{{ settings.cases[v].activation }} with weight std {{ settings.cases[v].weight_std }}"
    "{% if not loop.last %}; {% endif %}{% endfor %}. All cases share the input and the standard-normal weights."
    "{% if variants | map('activation', settings) | select('ne', 'relu') | list | length == 0 %} The y axis is "
    "clipped at 7% of the values as in the book; the clipped bar of exact zeros is labelled with its count."
    "{% endif %} " + SEED)
_BATCHNORM = (
    "Training accuracy on the first {{ settings.train_size }} MNIST images with Batch Normalization (solid) and "
    "without (dashed): a 784-{{ settings.hidden_sizes | join('-') }}-10 ReLU network, SGD lr {{ settings.lr }}, "
    "batch {{ settings.batch_size }}, {{ settings.epochs }} epochs, ")
_BN_PAIRED = (". Both nets of a panel start from the same weights and see the same minibatches; a diverged run "
              "is marked and not drawn past its divergence. " + SEED)
BATCHNORM_SINGLE = _BATCHNORM + (
    "{% if chosen is none %}but no initial weight std satisfies the rule of this figure ({{ how }}), so it shows "
    "none{% else %}initial weight std {{ '%.4g' | format(chosen) }}, {{ how }} (BatchNorm's mean accuracy over "
    "the epochs minus the plain net's, averaged over the seeds: {{ '%.3f' | format(advantage) }}){% endif %}"
    + _BN_PAIRED)
BATCHNORM_GRID = _BATCHNORM + (
    "one panel per initial weight std, {{ variants | length }} stds from {{ '%.4g' | format(variants[0]) }} "
    "to {{ '%.4g' | format(variants[-1]) }}" + _BN_PAIRED)
_OVERFIT = (
    "Train (circles) and test (squares) accuracy per epoch of a 784-{{ settings.hidden_sizes | join('-') }}-10 "
    "ReLU network trained on the first {{ settings.train_size }} MNIST images (test on all 10,000), SGD lr "
    "{{ settings.lr }}, batch {{ settings.batch_size }}, {{ settings.epochs }} epochs; ")
WEIGHT_DECAY = _OVERFIT + (
    "weight decay λ = {% for v in variants %}{{ '%g' | format(v) }}{% if not loop.last %}, {% endif %}"
    "{% endfor %}. " + SEED)
DROPOUT = _OVERFIT + ("left without Dropout, right with Dropout ratio {{ settings.dropout_ratio }} (the book's "
                      "caption says 0.15, its code later uses 0.2). " + SEED)
_SEARCH = (
    "Random search over {{ settings.trials }} trials: learning rate 10^U({{ settings.lr_exponents | join(', ') }}), "
    "weight decay 10^U({{ settings.weight_decay_exponents | join(', ') }}), SGD for {{ settings.epochs }} epochs "
    "of a 784-{{ settings.hidden_sizes | join('-') }}-10 network on {{ settings.subset_size }} shuffled training "
    "images, {{ settings.validation_rate }} of them held out for validation. ")
SEARCH_GRID = _SEARCH + ("The best {{ [settings.top, settings.trials] | min }} trials by final validation "
                         "accuracy: solid validation, dashed training accuracy. " + SEED)
SEARCH_SCATTER = _SEARCH + ("Every trial{% if band %} of every seed, ranked together,{% endif %} coloured by its "
                            "final validation accuracy; the top 5 circled. " + SEED)

_STUDY_SEEDS = "{{ seeds | length | plural('seed') }} ({{ seeds | join(', ') }}): mean line and min–max band."
STUDY_LR = (
    "Final training loss (mean over the last iterations) and test accuracy of each optimizer "
    "({{ settings.optimizers | join(', ') }}, other hyperparameters at the book's defaults) at every learning rate of "
    "{{ settings.lr_grid | join(', ') }}: the Fig 6-9 network (784-{{ settings.hidden_sizes | join('-') }}-10) on "
    "{{ settings.train_size - settings.validation_size }} training images ({{ settings.validation_size }} held out to "
    "validate), batch {{ settings.batch_size }}, {{ settings.iterations }} iterations. Circles: each optimizer's best "
    "rate by validation accuracy. " + _STUDY_SEEDS)
STUDY_TUNED = (
    "Fig 6-9 with every optimizer at its own best learning rate, chosen per seed on the validation split (never on "
    "the test set): the training loss of each iteration's batch, taken before its update (the book's Fig 6-9 takes "
    "it after), smoothed as the book does. {% for name, lrs in chosen.items() %}"
    "{{ name }}: lr {{ lrs }}{% if not loop.last %}; {% endif %}{% endfor %}. " + _STUDY_SEEDS)
STUDY_BN = (
    "Final training accuracy on the first {{ settings.train_size }} MNIST images with and without Batch Normalization "
    "at every learning rate of {{ settings.lr_grid | join(', ') }}: the 6.3 network "
    "(784-{{ settings.hidden_sizes | join('-') }}-10, ReLU, initial weight std {{ settings.weight_std }}), batch "
    "{{ settings.batch_size }}, {{ settings.epochs }} epochs; dotted: chance (the most frequent class). A net learns "
    "at a rate where it ends at least {{ fraction }} of the way from chance to the best final accuracy any rate "
    "reached for that model and seed, without diverging (dashed: that threshold, mean over seeds); the largest such "
    "rate (filled triangles), per seed: {{ largest }}. With the threshold at chance (hollow triangles): "
    "{{ at_chance }}. " + _STUDY_SEEDS)
STUDY_REG = (
    "Final train and test accuracy, and their gap, on the 300-image setting of 6.4 at weight decays "
    "{{ settings.weight_decays | join(', ') }} and Dropout ratios {{ settings.dropout_ratios | join(', ') }}; every "
    "run starts from the same weights and sees the same batches (the chapter's runs are reused). Best test "
    "accuracy: {{ best }}. " + _STUDY_SEEDS)
STUDY_SEARCH = (
    "The best validation accuracy after a budget of b trials. Random search as Bergstra and Bengio (2012) measure "
    "it, its efficiency curve over the trials of the chapter's Fig 6-24 search: the median of the best of b trials "
    "drawn at random from them (solid) and the 5–95% band of such draws, computed exactly from the order "
    "statistics; faint: the trials in the one order they were drawn. Against grids of "
    "{% for m in settings.grid_sizes %}{{ m }}×{{ m }}{% if not loop.last %}, {% endif %}{% endfor %} trials "
    "over the same ranges (one trial at the centre of each cell), trained alike. Curve and band: the mean over "
    "seeds; grids: " + _STUDY_SEEDS)

FIGURES = {f.stem: f for f in [
    # 6.1 Parameter updates
    Figure("fig6-01_function_surface", "6-1", "function_surface",
           "The graph of f(x, y) = x²/20 + y² (left) and its contour lines (right)", SURFACE,
           "function_surface", ("surface",), claims=("6-1",)),
    Figure("fig6-02_gradient", "6-2", "function_surface", "The gradient of f(x, y) = x²/20 + y²", GRADIENT,
           "gradient_field", ("gradient",), claims=("6-2",)),
    Figure("fig6-03_sgd_path", "6-3", "optimizer_paths", "The optimization path of SGD", PATHS,
           "paths", ("paths",), Book("optimizers", ("sgd",))),
    Figure("fig6-05_momentum_path", "6-5", "optimizer_paths", "The optimization path of Momentum", PATHS,
           "paths", ("paths",), Book("optimizers", ("momentum",))),
    Figure("fig6-06_adagrad_path", "6-6", "optimizer_paths", "The optimization path of AdaGrad", PATHS,
           "paths", ("paths",), Book("optimizers", ("adagrad",))),
    Figure("fig6-07_adam_path", "6-7", "optimizer_paths", "The optimization path of Adam", PATHS,
           "paths", ("paths",), Book("optimizers", ("adam",))),
    Figure("fig6-08_optimizer_paths", "6-8", "optimizer_paths",
           "Comparison of optimization methods: SGD, Momentum, AdaGrad, Adam", PATHS,
           "paths", ("paths",), Book("optimizers", BOOK_OPTIMIZER_NAMES, partial=True), claims=("6-8",)),
    Figure("fig6-08x_other_optimizer_paths", "6-8x", "optimizer_paths",
           "Optimizers the book's figure lacks", PATHS,
           "paths", ("paths",), Others("optimizers", BOOK_OPTIMIZER_NAMES)),
    Figure("fig6-09_optimizers_mnist", "6-9", "optimizer_mnist", "Comparison of optimizers on MNIST",
           OPTIMIZERS_LOSS, "loss_curves", ("loss",), Book("optimizers", BOOK_OPTIMIZER_NAMES, partial=True),
           options={"column": "optimizer", "ylim": (0, 1)}, band="loss_band", claims=("6-9",)),
    Figure("fig6-09x_all_optimizers_mnist", "6-9x", "optimizer_mnist", "Every configured optimizer on MNIST",
           OPTIMIZERS_LOSS, "loss_curves", ("loss",), Every("optimizers"),
           options={"column": "optimizer", "ylim": (0, 1)}, band="loss_band"),
    # 6.2 Initial weights
    Figure("fig6-10_sigmoid_std1", "6-10", "activations",
           "Activation distribution of each layer, weights of std 1", HISTOGRAMS,
           "histograms", ("histograms",), Book("cases", (("sigmoid", 1.0),)), claims=("6-10",)),
    Figure("fig6-11_sigmoid_std001", "6-11", "activations",
           "Activation distribution of each layer, weights of std 0.01", HISTOGRAMS,
           "histograms", ("histograms",), Book("cases", (("sigmoid", 0.01),)), claims=("6-11",)),
    Figure("fig6-13_sigmoid_xavier", "6-13", "activations",
           "Activation distribution of each layer, Xavier initial weights", HISTOGRAMS,
           "histograms", ("histograms",), Book("cases", (("sigmoid", "xavier"),)), claims=("6-13",)),
    Figure("fig6-13x_tanh_xavier", "6-13x", "activations",
           "tanh with Xavier initial weights (described in the text)", HISTOGRAMS,
           "histograms", ("histograms",), Book("cases", (("tanh", "xavier"),))),
    Figure("fig6-14_relu_inits", "6-14", "activations",
           "ReLU activations for std 0.01, Xavier and He initial weights", HISTOGRAMS,
           "histograms", ("histograms",), Book("cases", (("relu", 0.01), ("relu", "xavier"), ("relu", "he"))),
           claims=("6-14",)),
    Figure("fig6-15_init_mnist", "6-15", "init_mnist", "Comparison of initial weights on MNIST",
           INIT_LOSS, "loss_curves", ("loss",), Every("inits", (0.01, "xavier", "he")),
           options={"column": "init", "ylim": (0, 2.5)}, band="loss_band", claims=("6-15",)),
    # 6.3 Batch Normalization
    Figure("fig6-18_batchnorm_single", "6-18", "batchnorm", "Batch Norm makes learning faster",
           BATCHNORM_SINGLE, "batchnorm_single", ("accuracy",), _all_stds, claims=("6-18", "6-18/6-19"),
           all_seeds=True),
    Figure("fig6-19_batchnorm_grid", "6-19", "batchnorm",
           "With and without Batch Norm, for initial weights of different scales",
           BATCHNORM_GRID, "batchnorm_grid", ("accuracy",), _all_stds, band="batchnorm_grid_band",
           claims=("6-18/6-19", "6-19")),
    # 6.4 Regularization
    Figure("fig6-20_overfitting", "6-20", "weight_decay", "Overfitting: training and test accuracy",
           WEIGHT_DECAY, "train_test", ("accuracy",), Book("lambdas", (0.0,)),
           options={"column": "weight_decay"}, band="train_test_band", claims=("6-20",)),
    Figure("fig6-21_weight_decay", "6-21", "weight_decay", "Training and test accuracy with weight decay",
           WEIGHT_DECAY, "train_test", ("accuracy",), Others("lambdas", (0.0,), book=(0.1,)),
           options={"column": "weight_decay"}, band="train_test_band", claims=("6-21",)),
    Figure("fig6-23_dropout", "6-23", "dropout", "Without Dropout (left) and with Dropout (right)",
           DROPOUT, "train_test", ("accuracy",), lambda s: ["without", "with"],
           options={"column": "variant"}, band="train_test_band", claims=("6-23",)),
    # 6.5 Hyperparameter validation
    Figure("fig6-24_random_search", "6-24", "random_search",
           "The best trials of a random search", SEARCH_GRID,
           "random_search_grid", ("curves", "summary"), claims=("6-24",)),
    Figure("fig6-24x_random_search_scatter", "6-24x", "random_search",
           "Every trial in (learning rate, weight decay)", SEARCH_SCATTER,
           "random_search_scatter", ("summary",), band="random_search_scatter_band", claims=("6-24",)),
    # Beyond the book
    Figure("study-optimizer_lr_sensitivity", "Study 1a", "study_optimizer_lr",
           "How sensitive each optimizer is to its learning rate", STUDY_LR, "lr_sensitivity", ("summary",),
           claims=("study 1",), all_seeds=True),
    Figure("study-optimizer_lr_tuned", "Study 1b", "study_optimizer_lr", "Fig 6-9, every optimizer tuned",
           STUDY_TUNED, "tuned_loss_curves", ("loss", "summary"), claims=("study 1",), all_seeds=True),
    Figure("study-batchnorm_lr", "Study 2", "study_batchnorm_lr", "BatchNorm and the learning rate", STUDY_BN,
           "batchnorm_lr", ("accuracy",), claims=("study 2",), all_seeds=True),
    Figure("study-regularization_strength", "Study 3", "study_regularization", "Regularization strength", STUDY_REG,
           "regularization_strength", ("final", "weight_decay:accuracy", "dropout:accuracy"), claims=("study 3",),
           all_seeds=True),
    Figure("study-search_random_vs_grid", "Study 4", "study_search", "Random against grid search at equal budget",
           STUDY_SEARCH, "random_vs_grid", ("grid", "random_search:summary"), claims=("study 4",), all_seeds=True),
]}

SEEDS_SUFFIX = "_seeds"


# --------------------------------------------------------------------------- a figure as configured


def caption(figure, settings, variants, seeds, band=False, **found):
    """The caption of ``figure`` drawn with ``settings`` (its experiment's block) and
    ``variants``, for the ``seeds`` of the run: the book-style figure shows the first seed,
    its companion (``band``) all of them; ``found`` is what its drawing function found in
    the data (``dlscratch.captions``)."""
    return render(figure.number, figure.title, figure.caption, settings=settings, variants=variants, seeds=seeds,
                  band=band, **found)


@dataclass(frozen=True)
class Drawn:
    """A figure as a run with some config draws it: its stem, variants, drawing function,
    and whether it is a several-seed companion."""

    stem: str
    figure: Figure
    variants: list
    draw: str
    band: bool

    def as_params(self):
        """What the plot job needs (plain data, for Snakemake's params): the job draws the
        figure and fills its caption template (``dlscratch.captions``)."""
        f = self.figure
        return {"stem": self.stem, "number": f.number, "title": f.title, "caption": f.caption,
                "variants": self.variants, "draw": self.draw, "options": dict(f.options),
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


def drawing_function(name):
    """The function of ``dlscratch.plotting`` called ``name`` (imported only when drawing)."""
    return getattr(importlib.import_module("dlscratch.plotting"), name)
