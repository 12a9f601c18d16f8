# Shared definitions: the runs (the book's and the named ones of config/runs.yaml), what
# each draws and reads, and which job computes each store entry they need
# (dlscratch.plan). No figure or experiment is named here.

import dataclasses
import functools
import json
import logging
import os
import re
import sys
import time

from snakemake_interface_executor_plugins.settings import ExecMode

from dlscratch.claims_table import CLAIMS_TABLE_SCHEMA
from dlscratch.heal import Healing, HealError, check_entries, heal, leftovers
from dlscratch.index import stale_links
from dlscratch.plan import Run, entry_wildcard, jobs as store_jobs, needed
from dlscratch.registry import (
    CLAIMS,
    EXPERIMENTS,
    SECTIONS,
    claims_settings,
    missing_variants,
    table_source,
)
from dlscratch.runs import BOOK, changes as setting_changes
from dlscratch.chapter.regularization import overfit_baseline
from dlscratch.declare import qualified
from dlscratch.sources import digest_hashes, job_code
from dlscratch.prune import busy as prune_busy, plan as prune_plan
from dlscratch.store import (
    StoreLock,
    package_names,
    platform_key,
    register,
    registrations,
)
from dlscratch.verify import report as verify_report


# A file of the project (the Snakefile's directory), as a path from the working directory:
# src/... in the project itself, ../project/src/... with --directory elsewhere. (A relative
# path, so that a moved or copied project reruns nothing.)
def project_path(*parts):
    return os.path.relpath(os.path.join(workflow.basedir, *parts))


SRC = project_path("src")
# a relative mnist_dir is relative to the project, so that --directory elsewhere still
# reads the project's copy (every copy is checked against the same checksums, so the
# directory is not part of what a result depends on)
MNIST = [
    project_path(config["mnist_dir"], name)
    for name in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
]

# Jobs import the library from this checkout's src/, as the Snakefile does, whatever
# dlscratch is installed: put it first on the path the jobs inherit.
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        p for p in [os.path.abspath(SRC), os.environ.get("PYTHONPATH")] if p
    )
)

# Every job computes on one CPU (one BLAS thread, see dlscratch.pipeline.job): each one
# declares threads 1 and claims one "cpus". Run locally, no more jobs run at once than
# this machine has CPUs, whatever --cores says: time-sharing a CPU between two training
# jobs made the 5-seed run 14% slower (315 s against 277 s on 2 CPUs). The resource is
# local-scoped (Snakefile), so on a cluster it limits nothing; --resources cpus=N sets it.
if "cpus" not in workflow.global_resources:
    workflow.register_resource("cpus", len(os.sched_getaffinity(0)))


wildcard_constraints:
    seed=r"\d+",


# The code a job runs: {source: hash} of every library module it imports (from the real import
# statements: dlscratch.sources.job_code), each by its code without comments or docstrings, and a
# chapter section's module by the part of it the job runs (its training, its drawing, its claims).
# A plot, claims, tables or index job's is a parameter of its rule: a change reruns exactly the
# jobs that run the changed code. A training job's is part of the key of what it stores instead
# (dlscratch.store), so that going back to earlier code trains nothing either.
def rule_code(*modules, entries=(), scripts=()):
    return _rule_code(modules, tuple(dict.fromkeys(entries)), tuple(scripts))


@functools.cache
def _rule_code(modules, entries, scripts):
    return job_code(
        modules,
        entries,
        scripts=[project_path("workflow", "scripts", s) for s in scripts],
        package_dir=os.path.join(SRC, "dlscratch"),
    )


def training_entries(name):
    """The functions whose code a training job's entries are keyed by: its experiment's, and
    for the two experiments whose unregularized run one job trains for both (overfit_baseline),
    both experiments' and that job's, so that an entry's key does not depend on which job made it."""
    shared = ("weight_decay", "dropout")
    names = shared if name in shared else (name,)
    return [EXPERIMENTS[n].qualified_run for n in names] + (
        [qualified(overfit_baseline)] if name in shared else []
    )


JOB_HASHES = {
    name: rule_code(entries=training_entries(name), scripts=["experiment.py"])
    for name in EXPERIMENTS
}
DIGESTS = {name: digest_hashes(hashes) for name, hashes in JOB_HASHES.items()}

# The store (store_dir: results/store, or a store shared with other working directories), and
# the platform its entries are keyed by: numpy, pandas, and the BLAS with the core type whose
# kernels it runs (blas_coretype pins it for every job, so that machines agree).
STORE = os.path.normpath(config["store_dir"])
os.environ.update(DLSCRATCH_STORE=STORE)
if config.get("blas_coretype"):
    os.environ.update(OPENBLAS_CORETYPE=config["blas_coretype"])
PLATFORM = platform_key(config.get("blas_coretype"))


# The runs: the book's (this config, to results/) and the named ones (to results/runs/<name>/).
BOOK_RUN = Run(BOOK, config, DIGESTS, platform=PLATFORM, store=STORE)
ALL_RUNS = [BOOK_RUN] + [
    Run(
        name,
        RUN_CONFIGS[name],
        DIGESTS,
        RUN_SPECS[name]["description"],
        platform=PLATFORM,
        store=STORE,
    )
    for name in RUN_SPECS
    if name in RUN_CONFIGS
]
RUNS = [BOOK_RUN] + [run for run in ALL_RUNS[1:] if run.name in SELECTED]
NAMED_RUNS = RUNS[1:]
for problem in RUN_ERRORS.values():
    logger.warning(
        f"Warning: {problem} (`snakemake compare` refuses to run until it is fixed)"
    )


def runs_ready(files, every=False):
    """``files`` (a target that builds the named runs), unless config/runs.yaml or a run it
    needs is wrong: then say so, before any job (``every``: all its runs, for prune)."""
    wanted = set(RUN_SPECS) if every else set(SELECTED)
    problems = [
        message
        for name, message in RUN_ERRORS.items()
        if name in (RUNS_FILE, "runs") or name in wanted
    ]
    if problems:
        refuse("\n".join(problems))
    return files


def requested(target):
    """Whether ``target`` was asked for: from Snakemake once the DAG is being built, from its
    command line before (dlscratch.invocation)."""
    dag = getattr(workflow, "dag_settings", None)
    if dag is not None:
        return target in dag.targets
    return target in INVOCATION.targets


def compare_requested():
    """Whether `snakemake compare` was asked for."""
    return requested("compare")


def studies_requested():
    """Whether this run was asked for the studies (`snakemake studies`): the claims table
    and the index then have their rows and sections."""
    return requested("studies")


def reported(run, name):
    """Whether the claims and the index of ``run`` cover experiment ``name`` (the studies:
    the book's, with `snakemake studies`)."""
    if not EXPERIMENTS[name].study:
        return True
    return run.name == BOOK and studies_requested()


def drawn(run):
    """{experiment: the figures ``run`` draws of it} (dlscratch.registry)."""
    out = {name: run.drawn(name) for name in EXPERIMENTS}
    return {
        name: d
        for name, d in out.items()
        if d and (run.name == BOOK or not EXPERIMENTS[name].study)
    }


DRAWN = {run.name: drawn(run) for run in ALL_RUNS}


# Book figures a run's variants cannot draw (in full): said now, and on its page.
def missing_figures(run):
    return [
        {"stem": f.stem, "section": f.section, "drawn": d, "message": message}
        for f, d, message in missing_variants(run.config, BOOK_CONFIG)
    ]


MISSING = {run.name: missing_figures(run) for run in RUNS}
for run in RUNS:
    for missing in MISSING[run.name]:
        prefix = "" if run.name == BOOK else f"run '{run.name}': "
        logger.warning(f"Warning: {prefix}{missing['message']}")


# --------------------------------------------------------------------------- the store


@functools.cache
def entry_schemas(entry):
    """{entry table: Schema params} of a store entry: its checks when read (worked out once
    per entry: several runs and jobs read the same)."""
    experiment = EXPERIMENTS[entry.experiment]
    out = {}
    for table, schema in experiment.unit_schemas(entry.unit, entry.settings).items():
        schema = dataclasses.replace(schema, provenance=entry.provenance)
        if entry.seed is not None:
            schema = schema.with_values(seed=[entry.seed])
        out[table] = schema.as_params()
    return out


def entry_spec(entry):
    """A store entry as a job that reads it gets it (dlscratch.results)."""
    return {
        "unit": entry.unit,
        "files": {t: entry.table(t) for t in entry.tables},
        "provenance": entry.provenance,
        "schemas": entry_schemas(entry),
    }


def seeds_read(run, name, sources):
    """The seeds whose tables the figures of experiment ``name`` read: every seed if one
    of them reads every seed, else the first."""
    every = any(d.band or d.figure.all_seeds for d in DRAWN[run.name][name])
    return run.seeds(name) if every else run.seeds(name)[:1]


def table_specs(run, wanted, seeds_of):
    """What a job reads of ``run`` (dlscratch.results): for each of the tables ``wanted``
    ([(experiment, "table" or "other:table")]), the files it is assembled from and the store
    entries of each seed to read (``seeds_of(experiment)``), in unit order."""
    specs = []
    for name, table in wanted:
        source, logical = table_source(name, table)
        seeds = seeds_of(name) if EXPERIMENTS[source].seeded else [None]
        specs.append(
            {
                "experiment": name,
                "table": table,
                "source": source,
                "stems": EXPERIMENTS[source].tables(run.config[source])[logical],
                "assembly": EXPERIMENTS[source].assembly,
                "seeds": {
                    seed: [entry_spec(e) for e in run.entries(source, seed)]
                    for seed in seeds
                },
            }
        )
    return specs


def combine_entries(sources):
    """The functions a job calls to assemble the tables of ``sources`` (a search's shards are
    combined by its experiment's function): part of its code."""
    return [
        EXPERIMENTS[s].qualified_combine
        for s in dict.fromkeys(sources)
        if EXPERIMENTS[s].combine
    ]


def spec_files(specs):
    """Every file (tables and records) of the entries of ``specs``: a reader's inputs."""
    return list(
        dict.fromkeys(
            path
            for spec in specs
            for entries in spec["seeds"].values()
            for entry in entries
            for path in [*entry["files"].values(), entry["provenance"]]
        )
    )


def figure_specs(run, name):
    tables = dict.fromkeys(t for d in DRAWN[run.name][name] for t in d.figure.tables)
    seeds = seeds_read(run, name, tables)
    return table_specs(run, [(name, t) for t in tables], lambda _: seeds)


def claim_specs(run):
    wanted = [
        (name, table)
        for name, e in EXPERIMENTS.items()
        if e.claims_tables and reported(run, name)
        for table in e.claims_tables
    ]
    return table_specs(run, wanted, run.seeds)


def tables_of_run(run, studies=False):
    """{experiment: {seed: {stem: file}}} of the tables ``run``'s tables job writes: the
    chapter's (or the studies', with ``studies``)."""
    return {
        name: {seed: run.table_files(name, seed) for seed in run.seeds(name)}
        for name, e in EXPERIMENTS.items()
        if e.study == studies and (run.name == BOOK or not e.study)
    }


def run_entries(run, studies=False):
    """Every store entry ``run`` reads (the book's studies too, with ``studies``)."""
    return [
        entry
        for entry in needed([run], studies=studies).values()
        if studies or not EXPERIMENTS[entry.experiment].study
    ]


# --------------------------------------------------------------------------- a run's files


def figure_outputs(run, name):
    """PNG (in the report, with the caption it was drawn with), PDF and caption of every
    figure the plot job of experiment ``name`` of ``run`` draws."""
    section = EXPERIMENTS[name].section
    files = []
    for d in DRAWN[run.name][name]:
        caption = run.path("figures", "captions", f"{d.stem}.rst")
        chapter = (  # no ": " in it: the report's reST would cut its link target there
            f"Beyond the book – {EXPERIMENTS[name].title.replace(': ', ' – ')}"
            if EXPERIMENTS[name].study
            else f"{section} {SECTIONS[section][0]}"
        )
        kind = (
            "several seeds"
            if d.band
            else "figures" if EXPERIMENTS[name].study else "book figures"
        )
        png = report(
            run.path("figures", f"{d.stem}.png"),
            caption=os.path.abspath(caption),
            # `snakemake compare --report`: one category per run
            category=lambda wildcards, run=run.name, chapter=chapter: (
                f"Run {run}" if compare_requested() else chapter
            ),
            subcategory=lambda wildcards, chapter=chapter, kind=kind: (
                chapter if compare_requested() else kind
            ),
            labels={"figure": d.stem, "run": run.name},
        )
        files += [png, run.path("figures", f"{d.stem}.pdf"), caption]
    return files


def figure_files(run, name, exts=("png", "pdf")):
    return [
        run.path("figures", f"{d.stem}.{ext}")
        for d in DRAWN[run.name][name]
        for ext in exts
    ]


def plot_provenance(run, name):
    return run.path("figures", "provenance", f"{name}.json")


def caption_files(run, name):
    return [
        run.path("figures", "captions", f"{d.stem}.rst") for d in DRAWN[run.name][name]
    ]


def drawn_as_book(run, name):
    """Whether named ``run`` draws experiment ``name`` exactly as the book's run does (the
    same entries, settings, seeds and figures): its figures are then the book's, copied
    rather than drawn again."""
    if run.name == BOOK or name not in DRAWN[BOOK]:
        return False
    drawn = [[d.as_params() for d in DRAWN[r.name][name]] for r in (run, BOOK_RUN)]
    return (
        run.config[name] == BOOK_RUN.config[name]
        and run.seeds(name) == BOOK_RUN.seeds(name)
        and drawn[0] == drawn[1]
        and figure_specs(run, name) == figure_specs(BOOK_RUN, name)
    )


def run_outputs(run, studies=False):
    """Every figure, table, the claims and the page of ``run`` (the chapter's, or, with
    ``studies``, the book's studies)."""
    files = [
        f
        for by_seed in tables_of_run(run, studies).values()
        for stems in by_seed.values()
        for f in stems.values()
    ]
    for name in DRAWN[run.name]:
        if EXPERIMENTS[name].study == studies:
            files += figure_files(run, name)
    return files + [
        run.path("claims.md"),
        run.path("claims.csv"),
        run.path("index.html"),
    ]


def benchmark_records(run):
    """The job records (job.json) of every entry ``run`` shows, for its page's job times."""
    return [[e.experiment, e.job] for e in run_entries(run, studies_requested())]


def book_figure_targets():
    """Target name (fig6-09) -> the files of that book figure: its figures (6-9, 6-9x) and
    their several-seed companions."""
    targets = {}
    for name in DRAWN[BOOK]:
        for d in DRAWN[BOOK][name]:
            if not d.figure.number.startswith("6-"):
                continue
            target = d.stem.split("_")[0].removesuffix("x")
            targets.setdefault(target, []).append(f"results/figures/{d.stem}.png")
            targets[target].append(f"results/figures/{d.stem}.pdf")
    return targets


# --------------------------------------------------------------------------- what a run wrote


def run_target(run, studies=False):
    """The target that makes ``run``'s files (the studies': ``studies``), for a remedy."""
    return "compare" if run.name != BOOK else "studies" if studies else None


def run_jobs(run, entries=True, studies=None):
    """Every job of ``run`` (the book's studies too when asked for), as dlscratch.verify
    checks them: its rule, its provenance record, the files it wrote and the target that
    makes them. A store entry is one "job" here (its record), whichever job computed it
    (``entries``: with them; ``studies``: with the studies' jobs, by default when asked for).
    """
    studies = studies_requested() if studies is None else studies
    target = run_target(run)
    jobs = [
        {
            "rule": None,
            "provenance": e.provenance,
            "outputs": e.files,
            "entry": e,
            "target": target,
        }
        for e in (run_entries(run, studies) if entries else [])
    ]
    for part in [False, True] if studies and run.name == BOOK else [False]:
        jobs.append(
            {
                "target": run_target(run, part),
                "rule": run.rule("study_tables" if part else "tables"),
                "provenance": run.path(
                    "study_tables.provenance.json" if part else "tables.provenance.json"
                ),
                "outputs": [
                    f
                    for by_seed in tables_of_run(run, part).values()
                    for stems in by_seed.values()
                    for f in stems.values()
                ],
            }
        )
    for name in DRAWN[run.name]:
        if not EXPERIMENTS[name].study or studies and run.name == BOOK:
            jobs.append(
                {
                    "target": run_target(run, EXPERIMENTS[name].study),
                    "rule": run.rule(f"plot_{name}"),
                    "provenance": plot_provenance(run, name),
                    "outputs": [str(f) for f in figure_outputs(run, name)],
                }
            )
    jobs.append(
        {
            "target": target,
            "rule": run.rule("claims"),
            "provenance": run.path("claims.provenance.json"),
            "outputs": [run.path("claims.csv"), run.path("claims.md")],
        }
    )
    jobs.append(
        {
            "target": target,
            "rule": run.rule("index"),
            "provenance": run.path("index.provenance.json"),
            "outputs": [run.path("index.html")],
        }
    )
    return jobs


def run_schemas(run):
    """The schema of every table of ``run``: its store entries, its assembled tables, its claims."""
    out = {
        run.path("claims.csv"): dataclasses.replace(
            CLAIMS_TABLE_SCHEMA, rule=run.rule("claims")
        ).as_params()
    }
    for entry in run_entries(run, studies_requested()):
        for table, schema in entry_schemas(entry).items():
            out[entry.table(table)] = schema
    for part in [False, True] if studies_requested() and run.name == BOOK else [False]:
        for name, by_seed in tables_of_run(run, part).items():
            schemas = EXPERIMENTS[name].schemas(run.settings(name))
            writer = {"rule": run.rule("study_tables" if part else "tables")}
            for seed, stems in by_seed.items():
                for stem, path in stems.items():
                    schema = dataclasses.replace(schemas[stem], **writer)
                    out[path] = (
                        schema if seed is None else schema.with_values(seed=[seed])
                    ).as_params()
    return out


# --------------------------------------------------------------------------- healing, then the plan


def compare_job():
    """The comparison page's job, as dlscratch.verify checks it."""
    return {
        "target": "compare",
        "rule": "compare_page",
        "provenance": "results/compare.provenance.json",
        "outputs": ["results/compare.html", "results/compare.csv"],
    }


def heal_scope():
    """(mode, runs) of the check before the plan (dlscratch.heal): "heal" in a run that
    executes the chapter, the studies or the comparison; "dry" in a dry run of them;
    "report" (say, remove nothing) for another target, such as one figure; None for verify
    and prune (read-only audits), a job on a cluster node, or while another run holds this
    directory (Snakemake refuses to run then anyway)."""
    targets = set(INVOCATION.targets) or {"all"}
    runs = [BOOK_RUN] + (NAMED_RUNS if "compare" in targets else [])
    if (
        workflow.exec_mode != ExecMode.DEFAULT
        or targets & {"verify", "prune"}
        or os.path.isdir(".snakemake/locks")
        and os.listdir(".snakemake/locks")
    ):
        return None, runs
    whole = targets <= {"all", "studies", "compare"}
    if not INVOCATION.known:
        return "report", runs
    if INVOCATION.dryrun:
        return ("dry" if whole else None), runs
    if not INVOCATION.executes:
        return None, runs
    return ("heal" if whole else "report"), runs


def executes_with_store():
    """Whether this call runs jobs that use the store (it then holds the store's lock shared,
    so that no prune runs meanwhile, and registers what it reads)."""
    targets = set(INVOCATION.targets)
    return (
        workflow.exec_mode == ExecMode.DEFAULT
        and INVOCATION.executes
        and not INVOCATION.dryrun
        and not targets & {"verify", "prune"}
    )


if executes_with_store():
    STORE_LOCK = StoreLock(STORE)  # held until this Snakemake process ends
    STORE_LOCK.shared()

HEAL_MODE, HEAL_RUNS = heal_scope()
HEAL_START = time.perf_counter()
NEEDED = list(needed(RUNS, studies=True).values())
# A cluster job reads this file again on its node, where the store may have changed meanwhile
# (another run sharing it may have published an entry): it takes the plan of the run that
# submitted it, which its environment carries, so that its rule is the one submitted.
PLANNED = os.environ.get("DLSCRATCH_PLANNED")
if workflow.exec_mode != ExecMode.DEFAULT and PLANNED is not None:
    missing = set(json.loads(PLANNED))
    HEALING = Healing(
        problems={e.directory: "missing" if e.name in missing else None for e in NEEDED}
    )
elif HEAL_MODE is None:
    HEALING = Healing(problems=check_entries(NEEDED))
else:
    try:
        HEALING = heal(
            NEEDED,
            [job for run in HEAL_RUNS for job in run_jobs(run, entries=False)]
            + ([compare_job()] if len(HEAL_RUNS) > 1 else []),
            HEAL_MODE,
            f" ({' '.join(INVOCATION.targets)})",
            STORE,
        )
    except HealError as error:
        refuse(str(error))
for line in HEALING.lines:
    logger.warning(line)
logger.debug(
    f"heal ({HEAL_MODE}): {len(NEEDED)} store entries and the runs' own files checked in "
    f"{time.perf_counter() - HEAL_START:.3f} s"
)

# Which job computes each entry some run needs and the store lacks (dlscratch.plan).
BATCHES, BASELINES, KEYED = store_jobs(
    RUNS, is_complete=lambda e: HEALING.problems.get(e.directory, "missing") is None
)

# What this working directory reads, registered in the store (a shared store's prune keeps it).
if executes_with_store():
    register(STORE, os.getcwd(), [e.name for e in NEEDED])
if workflow.exec_mode == ExecMode.DEFAULT:
    os.environ.update(
        DLSCRATCH_PLANNED=json.dumps(
            sorted(
                e.name for e in NEEDED if HEALING.problems.get(e.directory) is not None
            )
        )
    )


def verified(wildcards):
    """`snakemake verify`: check results/ against what the run wrote (dlscratch.verify),
    while the DAG is built, so that its report is all that is printed: one line per file
    that is not what the run wrote (or that no current run writes), with the command that
    remakes (or removes) it, and exit status 1. With --config 'runs=[...]', the named runs too.
    """
    runs = [BOOK_RUN] + [r for r in RUNS if r.name != BOOK and config.get("runs")]
    if config.get("runs"):
        runs_ready([])
    jobs, schemas = [], {}
    for run in runs:
        jobs += run_jobs(run)
        schemas.update(run_schemas(run))
    jobs = list(
        {job["provenance"]: job for job in jobs}.values()
    )  # shared entries once
    if not any(os.path.exists(job["provenance"]) for job in jobs):
        refuse(
            "verify: results/ holds no run of these settings yet: run the workflow first "
            f"(`{RERUN}`)"
        )
    lines, ok = verify_report(
        jobs, schemas, leftovers(written_files(), STORE), INVOCATION.command("prune")
    )
    os.makedirs("results/logs", exist_ok=True)
    with open("results/logs/verify.log", "w") as log:
        log.write("\n".join(lines) + "\n")
    if not ok:
        refuse("\n".join(lines))
    print("\n".join(lines), file=sys.stderr)
    return []


def written_files():
    """Every file under results/ that a current run writes: the outputs and records of every
    job of the book's run (its studies too), of every run of config/runs.yaml and of the
    comparison, every rule's log, and the log and benchmark of the job that computed each
    store entry they read (from its job.json)."""
    files = set()
    for run in ALL_RUNS:
        for studies in [False, True] if run.name == BOOK else [False]:
            for job in run_jobs(run, entries=False, studies=studies):
                files.update([job["provenance"], *map(str, job["outputs"])])
    job = compare_job()
    files.update([job["provenance"], *job["outputs"]])
    for each in workflow.rules:  # every rule's own log
        files.update(str(log) for log in each.log if "{" not in str(log))
    for entry in needed(ALL_RUNS, studies=True).values():
        try:
            with open(entry.job) as f:
                made = json.load(f)
        except (OSError, ValueError):
            continue
        for key in ("log", "benchmark"):  # (relative to the directory the job ran in)
            if isinstance(made, dict) and made.get(key):
                files.add(os.path.normpath(made[key]))
    return files


def announce_leftovers():
    """In a run that executes: one line when results/ holds files that no current run writes."""
    if HEAL_MODE not in ("heal", "report") or not os.path.isdir("results"):
        return
    found = leftovers(written_files(), STORE)
    if found:
        logger.warning(
            f"results/ holds {len(found)} file(s) or folder(s) that no current run writes (an earlier layout "
            f"or earlier settings; the first: {found[0]}): `{INVOCATION.command('verify')}` lists them, "
            f"`{INVOCATION.command('prune')}` removes them"
        )


def shipped_runs():
    """The runs each shipped settings file (config/*.yaml on top of config/config.yaml) makes,
    with the runs of config/runs.yaml on top: what prune keeps too."""
    import glob

    runs = []
    for path in sorted(glob.glob(project_path("config", "*.yaml"))):
        if os.path.basename(path) in ("config.yaml", "runs.yaml"):
            continue
        try:
            settings = resolve_config(BOOK_CONFIG, [path], {})
            schema_validator(SCHEMA)(settings)
            check_config(settings)
        except (ConfigError, OSError) as error:
            logger.warning(f"prune: {path} is left out ({error})")
            continue
        runs.append(Run(BOOK, settings, DIGESTS, platform=PLATFORM, store=STORE))
        for name, spec in RUN_SPECS.items():
            try:
                made = run_config(
                    name, settings, spec["settings"], schema_validator(SCHEMA)
                )
            except ConfigError:
                continue
            runs.append(Run(name, made, DIGESTS, platform=PLATFORM, store=STORE))
    return runs


def referenced_entries():
    """(keep, own): the names of the store entries prune keeps, and of those this working
    directory refers to: the current settings' (the book's run, its studies, every run of
    config/runs.yaml) and each shipped settings file's, with this code; ``keep`` adds what
    other working directories sharing the store have registered."""
    own = {e.name for e in needed(ALL_RUNS + shipped_runs(), studies=True).values()}
    others = set()
    here = os.path.realpath(os.getcwd())
    for workdir, names in registrations(STORE).items():
        if os.path.realpath(workdir) != here:
            others |= names
    return sorted(own | others), sorted(own)


@functools.cache
def announce_prune():
    """`snakemake prune`: refuse while a run uses the store or this directory; else say what it
    deletes (or, with -n, would delete) and keeps, once. Returns the prune job's parameters.
    """
    runs_ready([], every=True)
    problem = prune_busy(STORE)
    if problem:
        refuse(f"prune: {problem}")
    keep, own = referenced_entries()
    files = leftovers(written_files(), STORE)
    plan = prune_plan(STORE, keep, files)
    print("\n".join(plan.lines()), file=sys.stderr)
    return {"store": STORE, "keep": keep, "own": own, "files": files}


# --------------------------------------------------------------------------- targets


def figure_targets():
    """The names `snakemake <target>` accepts for the book's figures (fig6-01, ...)."""
    return sorted(book_figure_targets())


def answer_unknown_target(wildcards):
    """A target that names no file of this workflow and none of its rules: list the targets."""
    from difflib import get_close_matches

    name = wildcards.target
    padded = re.sub(r"^fig6-(\d)$", r"fig6-0\1", name)
    known = figure_targets() + ["all", "studies", "compare", "verify", "prune"]
    close = (
        [padded]
        if padded in known and padded != name
        else get_close_matches(name, known, n=1)
    )
    hint = f" Did you mean {close[0]}?" if close else ""
    refuse(
        f"unknown target {name!r}.{hint} The figure targets are {', '.join(figure_targets())}; "
        "the others are all (the default: the whole chapter), studies (the studies beyond the "
        "book, with the chapter), compare (the book's run and the named runs of "
        "config/runs.yaml, side by side), verify (check results/ against what the run wrote) "
        "and prune (delete stored results no run refers to). A file of results/ is a target too."
    )


def creating_report():
    """Whether Snakemake is building its report (`snakemake --report`) rather than running
    the workflow. Snakemake does not tell a workflow; its report builds the DAG from inside
    Workflow.create_report, so the call stack says it."""
    frame = sys._getframe()
    while frame is not None:
        if (
            frame.f_code.co_name == "create_report"
            and "workflow" in frame.f_code.co_filename
        ):
            return True
        frame = frame.f_back
    return False


def ready_for_report(files):
    """``files`` (a target's), unless a report is asked for before they exist: then say that
    the workflow must run first (Snakemake would fail on the first missing figure, after a
    warning for each file it has no record of)."""
    if creating_report():
        shown = [
            f
            for f in files
            if os.path.basename(os.path.dirname(f)) == "figures" and f.endswith(".png")
        ]
        missing = [f for f in shown if not os.path.exists(f)]
        if missing:
            refuse(
                f"--report: {len(missing)} of the {len(shown)} figures the report shows do not exist yet "
                f"(the first: {missing[0]}); run the workflow first (`{RERUN}`, with the same target), "
                "then build the report"
            )
    return files


def drop_stale_index():
    """After a failed run: remove a page that links a figure that a failed job removed
    (Snakemake deletes a failed job's outputs), so that no page links what is not there.
    The next successful run writes it again."""
    for run in RUNS:
        path = run.path("index.html")
        missing = stale_links(path)
        if missing:
            os.remove(path)
            logger.warning(
                f"{path} removed: it linked {len(missing)} file(s) that a failed job removed "
                f"(the first: {missing[0]}); the next successful run writes it again"
            )


def run_changes(run):
    """What ``run`` changes of the book's settings, as text (its page, the comparison page)."""
    return [] if run.name == BOOK else setting_changes(BOOK_RUN.config, run.config)


# --------------------------------------------------------------------------- rule helpers


def entry_out(entry):
    """What a training job writes for ``entry``: its experiment, unit, key and settings, the
    store it lies in, and which of the tables its experiment returns goes to which table of
    the entry."""
    return {
        "experiment": entry.experiment,
        "unit": entry.unit,
        "key": entry.key,
        "seeded": entry.seed is not None,
        "root": entry.root,
        "tables": EXPERIMENTS[entry.experiment].entry_names(entry.unit),
        "settings": entry.settings,
    }


class _NoBackupNotice(logging.Filter):
    """Snakemake backs up an ``update`` output before its job and, when the job fails, says
    for each that had none ("Cannot restore ...: no backup found."): a store entry has none
    unless another run published it meanwhile, so for the store that says nothing."""

    def filter(self, record):
        message = record.getMessage()
        return not (
            message.startswith("Cannot restore ")
            and message.endswith("no backup found.")
            and STORE in message
        )


logger.addFilter(_NoBackupNotice())


def entry_outputs(entries):
    """The files of ``entries``, as a training rule's outputs. Flagged ``update``, so that
    Snakemake neither deletes an entry before the job runs nor after it fails: in a store
    shared with another working directory, the entry may be that run's, published meanwhile
    (the job then uses it: dlscratch.pipeline.run_experiment)."""
    return [
        update(path)
        for e in entries
        for path in [*(e.table(t) for t in e.tables), e.provenance]
    ]


def training_resources(name):
    experiment = EXPERIMENTS[name]
    return {"mem_mb": experiment.mem_mb, "runtime": experiment.runtime, "cpus": 1}


def run_tables_params(run, studies=False):
    """{experiment: {seed: {"entries": [entry], "files": {stem: path}}}} of a tables job."""
    return {
        name: {
            seed: {
                "entries": [entry_spec(e) for e in run.entries(name, seed)],
                "files": files,
                "assembly": EXPERIMENTS[name].assembly,
            }
            for seed, files in by_seed.items()
        }
        for name, by_seed in tables_of_run(run, studies).items()
    }


def compare_link(run):
    """The comparison page as the run's page links it (when `snakemake compare` builds it)."""
    return os.path.relpath("results/compare.html", run.directory)
