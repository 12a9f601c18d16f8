"""What each run needs from the store, and which job computes each entry it lacks.

A ``Run`` is a name (``book``: the default run), its settings and its directory
(``results`` for the book, ``results/runs/<name>`` for a named run, ``dlscratch.runs``).
``Run.entries`` lists the store entries (``dlscratch.store.Entry``) one of its experiments
reads for one seed, in the order of the experiment's units.

``jobs`` decides, once per Snakemake call, which job computes each entry that some run
needs and that the store does not hold yet (``complete``: ``dlscratch.store.entry_problem``):

- a **batch** computes every missing variant of one variant table (``Experiment.variant_units``:
  the optimizers of Fig 6-9, the activation cases, the inits, the paths) for one seed, as one
  job, as the chapter has always computed them: a fresh run has the jobs it always had, and
  after a change only the changed variants are computed. A batch belongs to the first run
  that needs its entries (the book, then the named runs in their order), so that the
  default run never computes what only a named run needs;
- the **baseline** computes the unregularized run of 6.4 once for the two entries that hold
  it (``weight_decay`` at λ = 0 and ``dropout`` without), when both are missing and the two
  blocks agree on it (``regularization.baseline_epochs``);
- every other entry is its own job (a part: one λ, one shard, Dropout's "with", a grid, one
  optimizer of study 1; or a whole experiment), made by its experiment's **keyed** rule.

Each entry's key includes the code its job runs and the platform, so an entry is never
recomputed in place: changed settings or code give a new key, and the old entry stays until
``prune``. (An entry found damaged is deleted before the plan is made, by ``dlscratch.heal``,
and so computed again.)
"""

from dataclasses import dataclass

from .chapter.regularization import baseline_epochs, lambda_label
from .registry import EXPERIMENTS, drawn_figures, training_settings
from .runs import BOOK
from .store import ROOT, Entry, entry_problem, unit_key


@dataclass
class Run:
    """One run: ``name``, its validated ``config``, where its results go, the code digest
    of each experiment's job (``dlscratch.sources.digest_hashes``), the platform its jobs
    compute on (``dlscratch.store.platform_key``) and the store it reads (``store_dir``)."""

    name: str
    config: dict
    digests: dict
    description: str = ""
    platform: dict | None = None
    store: str = ROOT

    @property
    def directory(self):
        return "results" if self.name == BOOK else f"results/runs/{self.name}"

    def path(self, *parts):
        return "/".join([self.directory, *parts])

    def rule(self, name):
        """The name of this run's rule ``name`` (the book's keep their plain names)."""
        return name if self.name == BOOK else f"{name}__{self.name}"

    def seeds(self, experiment):
        exp = EXPERIMENTS[experiment]
        return self.config[exp.seeds_key] if exp.seeded else [None]

    def settings(self, experiment):
        """The training settings of ``experiment`` in this run."""
        return training_settings(experiment, self.config)

    def units(self, experiment):
        return EXPERIMENTS[experiment].units(self.settings(experiment))

    def entries(self, experiment, seed):
        """The store entries of ``experiment`` for ``seed`` that this run reads, in unit order."""
        exp = EXPERIMENTS[experiment]
        return [Entry(experiment, unit, unit_key(experiment, settings, self.digests[experiment], self.platform),
                      seed, exp.entry_tables, settings, self.store)
                for unit, settings in self.units(experiment).items()]

    def drawn(self, experiment=None):
        return drawn_figures(self.config, experiment)

    def table_dir(self, experiment, seed):
        """Where this run's assembled tables of ``experiment`` for ``seed`` go (today's paths
        for the book: results/<experiment>/seed<N>)."""
        return self.path(experiment) if seed is None else self.path(experiment, f"seed{seed}")

    def table_files(self, experiment, seed):
        """{table name: file} of this run's assembled tables of ``experiment`` for ``seed``."""
        exp = EXPERIMENTS[experiment]
        stems = [stem for stems in exp.tables(self.config[experiment]).values() for stem in stems]
        return {stem: f"{self.table_dir(experiment, seed)}/{stem}.csv" for stem in stems}


@dataclass
class Batch:
    """A job that computes ``entries`` (all of one experiment, one unit each) for each seed of
    ``seeds``: its rule is ``rule``, named after the run it belongs to."""

    rule: str
    experiment: str
    run: str
    entries: list  # of Entry, with seed "{seed}" (or None)
    seeds: list

    @property
    def id(self):
        """A name for the batch, from its entries' keys (its log and benchmark files)."""
        from .store import unit_key as digest

        return digest("batch", sorted(e.key for e in self.entries), "")[:12]


@dataclass
class Baseline:
    """The unregularized 6.4 run, computed once for its two entries, for each seed of ``seeds``."""

    rule: str
    run: str
    decay: Entry  # weight_decay at lambda 0, seed "{seed}"
    without: Entry  # dropout without, seed "{seed}"
    seeds: list
    settings: dict  # {"weight_decay": block, "dropout": block}


def needed(runs, studies=True):
    """{(experiment, key, seed): Entry} of every entry any of ``runs`` reads (the book's
    studies too, with ``studies``), in order."""
    out = {}
    for run in runs:
        for name, exp in EXPERIMENTS.items():
            if exp.study and (run.name != BOOK or not studies):
                continue
            seeds = run.seeds(name)
            if not exp.study:  # the studies reuse the chapter's runs of their own seeds
                study_seeds = run.config["study_seeds"] if run.name == BOOK and studies else []
                users = [e for e in EXPERIMENTS.values() if e.study and (name in e.uses or any(
                    t.split(":")[0] == name for t in e.claims_tables))]
                if users and exp.seeded:
                    seeds = list(dict.fromkeys([*seeds, *study_seeds]))
            for seed in seeds:
                for entry in run.entries(name, seed):
                    out.setdefault((name, entry.key, seed), entry)
    return out


def complete(entry):
    return entry_problem(entry) is None


def jobs(runs, studies=True, is_complete=complete):
    """(batches, baselines, keyed): the jobs that compute every entry ``runs`` need and the
    store lacks. ``keyed`` maps an experiment to its missing entries (each its own job)."""
    missing = {k: e for k, e in needed(runs, studies).items() if not is_complete(e)}
    taken = set()
    batches, baselines = [], []
    for run in runs:
        # the baseline: both of its entries missing, for the seeds where they are
        decay, dropout = run.settings("weight_decay"), run.settings("dropout")
        if baseline_epochs(decay, dropout) is not None:
            seeds = []
            for seed in run.seeds("weight_decay"):
                zero = [e for e in run.entries("weight_decay", seed) if e.unit == f"lambda{lambda_label(0)}"][0]
                without = [e for e in run.entries("dropout", seed) if e.unit == "without"][0]
                keys = {("weight_decay", zero.key, seed), ("dropout", without.key, seed)}
                if seed in run.seeds("dropout") and keys <= set(missing) and not keys & taken:
                    seeds.append(seed)
                    taken |= keys
                    pair = (zero.pattern(), without.pattern())
            if seeds:
                baselines.append(Baseline(run.rule("overfit_baseline"), run.name, pair[0], pair[1], seeds,
                                          {"weight_decay": decay, "dropout": dropout}))
        # the batches: one per experiment and group of seeds that lack the same variants
        for name, exp in EXPERIMENTS.items():
            if not exp.variant_units or (exp.study and run.name != BOOK):
                continue
            groups = {}
            for seed in run.seeds(name):
                lacking = tuple(e for e in run.entries(name, seed)
                                if (name, e.key, seed) in missing and (name, e.key, seed) not in taken)
                if lacking:
                    groups.setdefault(tuple(e.key for e in lacking), (lacking, []))[1].append(seed)
                    taken |= {(name, e.key, seed) for e in lacking}
            for i, (lacking, seeds) in enumerate(groups.values()):
                rule = run.rule(name if i == 0 else f"{name}_{i + 1}")
                batches.append(Batch(rule, name, run.name, [e.pattern() for e in lacking], seeds))
    keyed = {}
    for (name, key, seed), entry in missing.items():
        if (name, key, seed) not in taken:
            keyed.setdefault(name, []).append(entry)
    return batches, baselines, keyed


def entry_wildcard(entry):
    """The ``{entry}`` wildcard of a keyed rule for ``entry``: "<key>/seed<N>" or "<key>"."""
    return entry.key if entry.seed is None else f"{entry.key}/seed{entry.seed}"
