"""What each job of a run reads and writes, as the rules ask it (``Pipeline``'s methods)."""

import dataclasses
import functools
import os

from ..claims_table import CLAIMS_TABLE_SCHEMA
from ..declare import qualified
from ..plan import needed
from ..registry import EXPERIMENTS, SECTIONS, table_source
from ..runs import BOOK, changes
from ..sources import job_code


class Files:
    """The files, parameters and code of a run's jobs (a mixin of ``Pipeline``)."""

    # ------------------------------------------------------------------ targets asked for

    def requested(self, target):
        """Whether ``target`` was asked for: from Snakemake once the DAG is being built, from
        its command line before (``dlscratch.invocation``)."""
        dag = getattr(self.workflow, "dag_settings", None)
        if dag is not None:
            return target in dag.targets
        return target in self.invocation.targets

    def compare_requested(self):
        return self.requested("compare")

    def studies_requested(self):
        """Whether this call builds the studies (`snakemake studies`): the claims table and
        the index then have their rows and sections."""
        return self.requested("studies")

    def reported(self, run, name):
        """Whether the claims and the index of ``run`` cover experiment ``name`` (the studies:
        the book's, with `snakemake studies`)."""
        return not EXPERIMENTS[name].study or run.name == BOOK and self.studies_requested()

    # ------------------------------------------------------------------ code

    def rule_code(self, *modules, entries=(), scripts=()):
        """{source: hash} of the code a job runs (``dlscratch.sources.job_code``): a plot,
        claims, tables or index job's is a parameter of its rule, so a change reruns exactly
        the jobs that run the changed code; a training job's is part of its entries' key."""
        return self._rule_code(modules, tuple(dict.fromkeys(entries)), tuple(scripts))

    @functools.cache
    def _rule_code(self, modules, entries, scripts):
        return job_code(modules, entries, scripts=[self.project_path("workflow", "scripts", s) for s in scripts],
                        package_dir=os.path.join(self.src, "dlscratch"))

    @staticmethod
    def training_entries(name):
        """The functions whose code a training job's entries are keyed by: its experiment's, and
        for the two experiments whose unregularized run one job trains for both
        (``overfit_baseline``), both experiments' and that job's, so that an entry's key does not
        depend on which job made it."""
        from ..chapter.regularization import overfit_baseline

        shared = ("weight_decay", "dropout")
        names = shared if name in shared else (name,)
        return [EXPERIMENTS[n].qualified_run for n in names] + ([qualified(overfit_baseline)] if name in shared else [])

    @staticmethod
    def combine_entries(sources):
        """The functions a job calls to assemble the tables of ``sources`` (a search's shards
        are combined by its experiment's function): part of its code."""
        return [EXPERIMENTS[s].qualified_combine for s in dict.fromkeys(sources) if EXPERIMENTS[s].combine]

    # ------------------------------------------------------------------ the store's entries

    @functools.cache
    def entry_schemas(self, entry):
        """{entry table: Schema params} of a store entry: its checks when read."""
        out = {}
        for table, schema in EXPERIMENTS[entry.experiment].unit_schemas(entry.unit, entry.settings).items():
            schema = dataclasses.replace(schema, provenance=entry.provenance)
            if entry.seed is not None:
                schema = schema.with_values(seed=[entry.seed])
            out[table] = schema.as_params()
        return out

    def entry_spec(self, entry):
        """A store entry as a job that reads it gets it (``dlscratch.results``)."""
        return {"unit": entry.unit, "files": {t: entry.table(t) for t in entry.tables},
                "provenance": entry.provenance, "schemas": self.entry_schemas(entry)}

    def entry_out(self, entry):
        """What a training job writes for ``entry``: its experiment, unit, key and settings, the
        store it lies in, and which of the tables its experiment returns goes to which table."""
        return {"experiment": entry.experiment, "unit": entry.unit, "key": entry.key, "seeded": entry.seed is not None,
                "root": entry.root, "tables": EXPERIMENTS[entry.experiment].entry_names(entry.unit),
                "settings": entry.settings}

    def entry_outputs(self, entries):
        """The files of ``entries``, as a training rule's outputs. Flagged ``update``, so that
        Snakemake neither deletes an entry before the job runs nor after it fails: in a store
        shared with another working directory, the entry may be that run's, published meanwhile
        (the job then uses it: ``dlscratch.pipeline.run_experiment``)."""
        return [self.update(path) for e in entries for path in [*(e.table(t) for t in e.tables), e.provenance]]

    @staticmethod
    def training_resources(name):
        experiment = EXPERIMENTS[name]
        return {"mem_mb": experiment.mem_mb, "runtime": experiment.runtime, "cpus": 1}

    def keyed_calls(self):
        """{experiment: {entry wildcard: its call}} of the keyed rules' jobs."""
        from ..plan import entry_wildcard

        return {name: {entry_wildcard(e): {"settings": e.settings, "entries": [self.entry_out(e)], "seed": e.seed}
                       for e in entries}
                for name, entries in self.keyed.items()}

    def run_entries(self, run, studies=False):
        """Every store entry ``run`` reads (the book's studies too, with ``studies``)."""
        return [entry for entry in needed([run], studies=studies).values()
                if studies or not EXPERIMENTS[entry.experiment].study]

    # ------------------------------------------------------------------ what a job reads

    def table_specs(self, run, wanted, seeds_of):
        """What a job reads of ``run`` (``dlscratch.results``): for each of the tables
        ``wanted`` ([(experiment, "table" or "other:table")]), the files it is assembled from
        and the store entries of each seed to read (``seeds_of(experiment)``), in unit order."""
        specs = []
        for name, table in wanted:
            source, logical = table_source(name, table)
            seeds = seeds_of(name) if EXPERIMENTS[source].seeded else [None]
            specs.append({"experiment": name, "table": table, "source": source,
                          "stems": EXPERIMENTS[source].tables(run.config[source])[logical],
                          "assembly": EXPERIMENTS[source].assembly,
                          "seeds": {seed: [self.entry_spec(e) for e in run.entries(source, seed)] for seed in seeds}})
        return specs

    @staticmethod
    def spec_files(specs):
        """Every file (tables and records) of the entries of ``specs``: a reader's inputs."""
        return list(dict.fromkeys(path for spec in specs for entries in spec["seeds"].values() for entry in entries
                                  for path in [*entry["files"].values(), entry["provenance"]]))

    def figure_specs(self, run, name):
        """What the plot job of experiment ``name`` reads: every seed if one of its figures
        reads every seed, else the first."""
        drawn = self.drawn[run.name][name]
        tables = dict.fromkeys(t for d in drawn for t in d.figure.tables)
        every = any(d.band or d.figure.all_seeds for d in drawn)
        seeds = run.seeds(name) if every else run.seeds(name)[:1]
        return self.table_specs(run, [(name, t) for t in tables], lambda _: seeds)

    def claim_specs(self, run):
        wanted = [(name, table) for name, e in EXPERIMENTS.items() if e.claims_tables and self.reported(run, name)
                  for table in e.claims_tables]
        return self.table_specs(run, wanted, run.seeds)

    def run_tables_params(self, run, studies=False):
        """{experiment: {seed: {"entries": [entry], "files": {stem: path}}}} of a tables job."""
        return {name: {seed: {"entries": [self.entry_spec(e) for e in run.entries(name, seed)], "files": files,
                              "assembly": EXPERIMENTS[name].assembly}
                       for seed, files in by_seed.items()}
                for name, by_seed in self.tables_of_run(run, studies).items()}

    def benchmark_records(self, run):
        """[experiment, job.json] of every entry ``run`` shows, for its page's job times."""
        return [[e.experiment, e.job] for e in self.run_entries(run, self.studies_requested())]

    # ------------------------------------------------------------------ what a job writes

    def tables_of_run(self, run, studies=False):
        """{experiment: {seed: {stem: file}}} of the tables ``run``'s tables job writes: the
        chapter's (or the studies', with ``studies``)."""
        return {name: {seed: run.table_files(name, seed) for seed in run.seeds(name)}
                for name, e in EXPERIMENTS.items() if e.study == studies and (run.name == BOOK or not e.study)}

    def figure_outputs(self, run, name):
        """PNG (in the report, with the caption it was drawn with), PDF and caption of every
        figure the plot job of experiment ``name`` of ``run`` draws."""
        experiment, files = EXPERIMENTS[name], []
        for d in self.drawn[run.name][name]:
            caption = run.path("figures", "captions", f"{d.stem}.rst")
            chapter = (  # no ": " in it: the report's reST would cut its link target there
                f"Beyond the book – {experiment.title.replace(': ', ' – ')}" if experiment.study
                else f"{experiment.section} {SECTIONS[experiment.section][0]}")
            kind = "several seeds" if d.band else "figures" if experiment.study else "book figures"
            png = self.report(
                run.path("figures", f"{d.stem}.png"), caption=os.path.abspath(caption),
                # `snakemake compare --report`: one category per run
                category=lambda wildcards, run=run.name, chapter=chapter: (
                    f"Run {run}" if self.compare_requested() else chapter),
                subcategory=lambda wildcards, chapter=chapter, kind=kind: (
                    chapter if self.compare_requested() else kind),
                labels={"figure": d.stem, "run": run.name})
            files += [png, run.path("figures", f"{d.stem}.pdf"), caption]
        return files

    def figure_files(self, run, name, exts=("png", "pdf")):
        return [run.path("figures", f"{d.stem}.{ext}") for d in self.drawn[run.name][name] for ext in exts]

    @staticmethod
    def plot_provenance(run, name):
        return run.path("figures", "provenance", f"{name}.json")

    def caption_files(self, run, name):
        return [run.path("figures", "captions", f"{d.stem}.rst") for d in self.drawn[run.name][name]]

    def drawn_as_book(self, run, name):
        """Whether named ``run`` draws experiment ``name`` exactly as the book's run does (the
        same entries, settings, seeds and figures): its figures are then the book's, copied."""
        if run.name == BOOK or name not in self.drawn[BOOK]:
            return False
        drawn = [[d.as_params() for d in self.drawn[r.name][name]] for r in (run, self.book_run)]
        return (run.config[name] == self.book_run.config[name] and run.seeds(name) == self.book_run.seeds(name)
                and drawn[0] == drawn[1] and self.figure_specs(run, name) == self.figure_specs(self.book_run, name))

    def run_outputs(self, run, studies=False):
        """Every figure, table, the claims and the page of ``run`` (the chapter's, or, with
        ``studies``, the book's studies)."""
        files = [f for by_seed in self.tables_of_run(run, studies).values() for stems in by_seed.values()
                 for f in stems.values()]
        for name in self.drawn[run.name]:
            if EXPERIMENTS[name].study == studies:
                files += self.figure_files(run, name)
        return files + [run.path("claims.md"), run.path("claims.csv"), run.path("index.html")]

    def book_figure_targets(self):
        """Target name (fig6-09) -> the files of that book figure: its figures (6-9, 6-9x) and
        their several-seed companions."""
        targets = {}
        for drawn in self.drawn[BOOK].values():
            for d in drawn:
                if d.figure.number.startswith("6-"):
                    target = d.stem.split("_")[0].removesuffix("x")
                    targets.setdefault(target, []).extend(f"results/figures/{d.stem}.{ext}" for ext in ("png", "pdf"))
        return targets

    # ------------------------------------------------------------------ a run's jobs, as verify and healing see them

    @staticmethod
    def run_target(run, studies=False):
        """The target that makes ``run``'s files (the studies': ``studies``), for a remedy."""
        return "compare" if run.name != BOOK else "studies" if studies else None

    def run_jobs(self, run, entries=True, studies=None):
        """Every job of ``run`` (the book's studies too when asked for), as ``dlscratch.verify``
        checks them: its rule, its provenance record, the files it wrote and the target that
        makes them. A store entry is one "job" here (its record), whichever job computed it
        (``entries``: with them; ``studies``: with the studies' jobs, by default when asked for)."""
        studies = self.studies_requested() if studies is None else studies
        target = self.run_target(run)
        jobs = [{"rule": None, "provenance": e.provenance, "outputs": e.files, "entry": e, "target": target}
                for e in (self.run_entries(run, studies) if entries else [])]
        for part in [False, True] if studies and run.name == BOOK else [False]:
            jobs.append({"target": self.run_target(run, part), "rule": run.rule("study_tables" if part else "tables"),
                         "log": run.path("logs", "study_tables.log" if part else "tables.log"),
                         "provenance": run.path("study_tables.provenance.json" if part else "tables.provenance.json"),
                         "outputs": [f for by_seed in self.tables_of_run(run, part).values()
                                     for stems in by_seed.values() for f in stems.values()]})
        for name in self.drawn[run.name]:
            if not EXPERIMENTS[name].study or studies and run.name == BOOK:
                jobs.append({"target": self.run_target(run, EXPERIMENTS[name].study), "rule": run.rule(f"plot_{name}"),
                             "log": run.path("logs", "figures", f"{name}.log"),
                             "provenance": self.plot_provenance(run, name),
                             "outputs": [str(f) for f in self.figure_outputs(run, name)]})
        jobs.append({"target": target, "rule": run.rule("claims"), "provenance": run.path("claims.provenance.json"),
                     "log": run.path("logs", "claims.log"),
                     "outputs": [run.path("claims.csv"), run.path("claims.md")]})
        jobs.append({"target": target, "rule": run.rule("index"), "provenance": run.path("index.provenance.json"),
                     "log": run.path("logs", "index.log"),
                     "outputs": [run.path("index.html")]})
        return jobs

    def run_schemas(self, run):
        """The schema of every table of ``run``: its store entries, its assembled tables, its claims."""
        out = {run.path("claims.csv"): dataclasses.replace(CLAIMS_TABLE_SCHEMA, rule=run.rule("claims")).as_params()}
        for entry in self.run_entries(run, self.studies_requested()):
            for table, schema in self.entry_schemas(entry).items():
                out[entry.table(table)] = schema
        for part in [False, True] if self.studies_requested() and run.name == BOOK else [False]:
            for name, by_seed in self.tables_of_run(run, part).items():
                schemas = EXPERIMENTS[name].schemas(run.settings(name))
                writer = {"rule": run.rule("study_tables" if part else "tables")}
                for seed, stems in by_seed.items():
                    for stem, path in stems.items():
                        schema = dataclasses.replace(schemas[stem], **writer)
                        out[path] = (schema if seed is None else schema.with_values(seed=[seed])).as_params()
        return out

    # ------------------------------------------------------------------ the pages

    def run_changes(self, run):
        """What ``run`` changes of the book's settings, as text (its page, the comparison page)."""
        return [] if run.name == BOOK else changes(self.book_run.config, run.config)

    @staticmethod
    def compare_link(run):
        """The comparison page as the run's page links it (when `snakemake compare` builds it)."""
        return os.path.relpath("results/compare.html", run.directory)
