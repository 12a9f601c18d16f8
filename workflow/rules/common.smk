# Shared definitions: the checked config, seeds, and what dlscratch.registry says the
# run with this config trains and draws. No figure or experiment is named here.

import dataclasses
import os
import re
import sys

from dlscratch.claims import CLAIMS_TABLE_SCHEMA
from dlscratch.experiments.regularization import baseline_epochs, lambda_label
from dlscratch.index import stale_links
from dlscratch.registry import (
    EXPERIMENTS,
    FIGURES,
    SECTIONS,
    drawn_figures,
    input_name,
    missing_variants,
    table_source,
)
from dlscratch.sources import source_files
from dlscratch.verify import report as verify_report

SEEDS = config["seeds"]
FIRST_SEED = SEEDS[0]


# A file of the project (the Snakefile's directory), as a path from the working directory:
# src/... in the project itself, ../project/src/... with --directory elsewhere. (A relative
# path, so that a moved or copied project reruns nothing.)
def project_path(*parts):
    return os.path.relpath(os.path.join(workflow.basedir, *parts))


SRC = project_path("src")
# a relative mnist_dir is relative to the project, so that --directory elsewhere still
# reads the project's copy
MNIST = [
    project_path(config["mnist_dir"], name)
    for name in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
]

# Jobs import the library from this checkout's src/, as the Snakefile does (the files
# declared as their inputs), whatever dlscratch is installed: put it first on the path
# the jobs inherit.
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


# The library sources a rule's jobs run, from their imports (dlscratch.sources): editing
# one reruns exactly the rules whose jobs import it.
def code(*modules, scripts=()):
    scripts = [project_path("workflow", "scripts", s) for s in scripts]
    return source_files(
        *modules, scripts=scripts, package_dir=os.path.join(SRC, "dlscratch")
    )


def seed_dir(experiment, seed):
    """Where an experiment's tables of ``seed`` go (results/<experiment> if unseeded)."""
    if not EXPERIMENTS[experiment].seeded:
        return f"results/{experiment}"
    return f"results/{experiment}/seed{seed}"


def seeds_of(experiment):
    """The seeds an experiment runs: the chapter's, or the studies' (study_seeds)."""
    return config[EXPERIMENTS[experiment].seeds_key]


def provenance_path(experiment, seed, part=None):
    """The provenance record of the job of ``experiment`` for ``seed`` (and ``part``), as
    its rule writes it (wildcards allowed)."""
    where = seed_dir(experiment, seed)
    if part is None:
        return f"{where}/provenance.json"
    if EXPERIMENTS[experiment].part_tables:
        return f"{where}/{part}/provenance.json"
    return (
        f"{where}/{EXPERIMENTS[experiment].part_path.format(part=part)}.provenance.json"
    )


BASELINE_PROVENANCE = "results/overfit_baseline/seed{seed}/provenance.json"


def schemas(experiment, seeds=None):
    """{table file: its schema (dlscratch.tables.Schema, as params)} of every table file of
    an experiment (parts included) for ``seeds`` (its own by default): what a job reading
    one checks it against, with the rule that writes it and the provenance record its job
    writes of it (the reader checks the file against that record first).
    """
    exp = EXPERIMENTS[experiment]
    seeds = seeds_of(experiment) if seeds is None else seeds
    settings = training_settings(experiment)
    parts = exp.parts(settings) if exp.parts else {}
    final = {stem for stems in exp.tables(settings).values() for stem in stems}
    out = {}
    for seed in seeds if exp.seeded else [None]:
        for stem, schema in exp.schemas(settings).items():
            name = exp.part_path.format(part=stem) if stem in parts else stem
            part = (
                stem
                if stem in parts
                else stem.split("/")[0] if exp.part_tables else None
            )
            if stem in SHARED_PARTS.get(experiment, []):
                writer, record = "overfit_baseline", BASELINE_PROVENANCE.format(
                    seed=seed
                )
            elif exp.combine and stem in final:
                writer, record = f"{experiment}_combine", provenance_path(
                    experiment, seed
                )
            else:
                writer, record = experiment, provenance_path(experiment, seed, part)
            schema = dataclasses.replace(schema, rule=writer, provenance=record)
            if seed is not None:
                schema = schema.with_values(seed=[seed])
            out[f"{seed_dir(experiment, seed)}/{name}.csv"] = schema.as_params()
    return out


def records_of(files, table_schemas):
    """The provenance records of the jobs that wrote ``files`` (in their schemas), once
    each: inputs of a job that checks the files against them."""
    return list(dict.fromkeys(table_schemas[f]["provenance"] for f in files))


def table_files(experiment, seeds=None):
    """{logical table: [CSV files of every seed]} of an experiment (its own seeds by default)."""
    tables = EXPERIMENTS[experiment].tables(config[experiment])
    seeds = seeds_of(experiment) if seeds is None else seeds
    if not EXPERIMENTS[experiment].seeded:
        seeds = [None]
    return {
        name: [
            f"{seed_dir(experiment, seed)}/{stem}.csv"
            for seed in seeds
            for stem in stems
        ]
        for name, stems in tables.items()
    }


# the unregularized run shared by Figs 6-20 and 6-23 (None: each experiment runs its own)
BASELINE_EPOCHS = baseline_epochs(config["weight_decay"], config["dropout"])
SHARED_PARTS = (
    {"weight_decay": [f"lambda{lambda_label(0)}"], "dropout": ["without"]}
    if BASELINE_EPOCHS is not None
    else {}
)

# every figure this config draws, by experiment (dlscratch.registry)
DRAWN = {name: drawn_figures(config, name) for name in EXPERIMENTS}
DRAWN = {name: drawn for name, drawn in DRAWN.items() if drawn}


# the table of each experiment that the claims read
CLAIM_TABLES = {
    name: e.claims_tables for name, e in EXPERIMENTS.items() if e.claims_tables
}

# Book figures the config's variants cannot draw (in full): said now, and on the index page.
MISSING = [
    {"stem": figure.stem, "section": figure.section, "drawn": drawn, "message": message}
    for figure, drawn, message in missing_variants(config, BOOK_CONFIG)
]
for missing in MISSING:
    logger.warning(f"Warning: {missing['message']}")


def training_settings(name):
    """An experiment's block without the settings only its figures read (with the blocks it uses)."""
    return EXPERIMENTS[name].training_settings(config)


def figure_files(experiment, exts=("png", "pdf")):
    return expand(
        "results/figures/{stem}.{ext}",
        stem=[d.stem for d in DRAWN[experiment]],
        ext=exts,
    )


def benchmark_files():
    files = []
    for name, experiment in EXPERIMENTS.items():
        parts = experiment.parts(config[name]) if experiment.parts else {None: None}
        jobs = [p for p in parts if p not in SHARED_PARTS.get(name, [])]
        seeds = seeds_of(name) if experiment.seeded else [None]
        if experiment.study and not studies_requested():
            continue
        files += [benchmark(name, seed, part) for seed in seeds for part in jobs]
    if BASELINE_EPOCHS is not None:
        files += [benchmark("overfit_baseline", seed) for seed in SEEDS]
    return files


def benchmark(name, seed=None, part=None):
    if seed is None:
        return f"results/benchmarks/{name}.tsv"
    if part is None:
        return f"results/benchmarks/{name}/seed{seed}.tsv"
    return f"results/benchmarks/{name}/seed{seed}_{part}.tsv"


def job_log(name, seeded, part=False):
    if not seeded:
        return f"results/logs/{name}.log"
    if not part:
        return f"results/logs/{name}/seed{{seed}}.log"
    return f"results/logs/{name}/seed{{seed}}_{{part}}.log"


def part_settings(name):
    """The settings of the job of one part of experiment ``name`` (by its part wildcard)."""
    return lambda wildcards: EXPERIMENTS[name].parts(training_settings(name))[
        wildcards.part
    ]


def part_pattern(name):
    """The parts of experiment ``name`` its own rule makes (not those of a shared run)."""
    parts = EXPERIMENTS[name].parts(config[name])
    jobs = [p for p in parts if p not in SHARED_PARTS.get(name, [])]
    return "|".join(re.escape(p) for p in jobs) or "no-part"


def figure_outputs(name):
    """PNG (in the report, with the caption it was drawn with), PDF and caption of every
    figure the plot job of experiment ``name`` draws."""
    section = EXPERIMENTS[name].section
    files = []
    for drawn in DRAWN[name]:
        caption = f"results/figures/captions/{drawn.stem}.rst"
        png = report(
            f"results/figures/{drawn.stem}.png",
            caption=os.path.abspath(caption),
            category=(  # no ": " in it: the report's reST would cut its link target there
                f"Beyond the book – {EXPERIMENTS[name].title.replace(': ', ' – ')}"
                if EXPERIMENTS[name].study
                else f"{section} {SECTIONS[section][0]}"
            ),
            subcategory=(
                "several seeds"
                if drawn.band
                else "figures" if EXPERIMENTS[name].study else "book figures"
            ),
            labels={"figure": drawn.stem},
        )
        files += [png, f"results/figures/{drawn.stem}.pdf", caption]
    return files


def figure_tables(name):
    """{input name: files} of the tables the figures of ``name`` read (another experiment's
    too, "experiment:table"): every seed's if one of them reads every seed, else the first's.
    """
    every = any(d.band or d.figure.all_seeds for d in DRAWN[name])
    seeds = seeds_of(name) if every else seeds_of(name)[:1]
    inputs = {}
    for table in dict.fromkeys(t for drawn in DRAWN[name] for t in drawn.figure.tables):
        source, logical = table_source(name, table)
        inputs[input_name(name, table)] = table_files(source, seeds)[logical]
    return inputs


def figure_schemas(name):
    """The schemas of every table file the figures of ``name`` may read."""
    sources = dict.fromkeys(
        table_source(name, t)[0] for d in DRAWN[name] for t in d.figure.tables
    )
    return {
        p: s for source in sources for p, s in schemas(source, seeds_of(name)).items()
    }


def studies_requested():
    """Whether this run was asked for the studies (`snakemake studies`): the claims table
    and the index then have their rows and sections. Known once the DAG is being built, so
    only input and params functions may ask."""
    dag = getattr(workflow, "dag_settings", None)
    return dag is not None and "studies" in dag.targets


def reported(name):
    """Whether the claims and the index cover experiment ``name``."""
    return not EXPERIMENTS[name].study or studies_requested()


def claim_inputs(wildcards):
    """{input name: files} of every table the claims read, of the experiments reported."""
    inputs = {}
    for name, tables in CLAIM_TABLES.items():
        if not reported(name):
            continue
        for table in tables:
            source, logical = table_source(name, table)
            inputs[input_name(name, table)] = table_files(source, seeds_of(name))[
                logical
            ]
    return inputs


def claim_schemas():
    out = {}
    for name, tables in CLAIM_TABLES.items():
        if reported(name):
            for table in tables:
                source = table_source(name, table)[0]
                out.update(schemas(source, seeds_of(name)))
    return out


def book_figure_targets():
    """Target name (fig6-09) -> the files of that book figure: its figures (6-9, 6-9x) and
    their several-seed companions."""
    targets = {}
    for name in DRAWN:
        for drawn in DRAWN[name]:
            if not drawn.figure.number.startswith("6-"):
                continue
            target = drawn.stem.split("_")[0].removesuffix("x")
            targets.setdefault(target, []).append(f"results/figures/{drawn.stem}.png")
            targets[target].append(f"results/figures/{drawn.stem}.pdf")
    return targets


def all_outputs(studies=False):
    """Every figure (book-style and several-seed), every table, the claims and the index of
    the chapter (or, with ``studies``, of the studies)."""
    files = []
    for name in EXPERIMENTS:
        if EXPERIMENTS[name].study == studies:
            files += [f for paths in table_files(name).values() for f in paths]
    for name in DRAWN:
        if EXPERIMENTS[name].study == studies:
            files += figure_files(name)
    return files + ["results/claims.md", "results/claims.csv", "results/index.html"]


# --------------------------------------------------------------------------- what the run wrote


def job_outputs(name, seed, part=None):
    """The tables the job of experiment ``name`` for ``seed`` (and ``part``) writes; also
    what its combining job writes (no part). Wildcards allowed."""
    experiment, where = EXPERIMENTS[name], seed_dir(name, seed)
    if part is None:
        tables = experiment.tables(config[name])
        return [f"{where}/{stem}.csv" for stems in tables.values() for stem in stems]
    if experiment.part_tables:
        return [f"{where}/{part}/{table}.csv" for table in experiment.part_tables]
    return [f"{where}/{experiment.part_path.format(part=part)}.csv"]


def run_jobs():
    """Every job of the current run (the studies' too when asked for), as dlscratch.verify
    checks them: its rule, its provenance record and the files it wrote."""
    jobs = []
    for name, experiment in EXPERIMENTS.items():
        if not reported(name):
            continue
        for seed in seeds_of(name) if experiment.seeded else [None]:
            if experiment.parts is None or experiment.combine:
                jobs.append(
                    {
                        "rule": f"{name}_combine" if experiment.combine else name,
                        "provenance": provenance_path(name, seed),
                        "outputs": job_outputs(name, seed),
                    }
                )
            for part in experiment.parts(config[name]) if experiment.parts else []:
                if part not in SHARED_PARTS.get(name, []):
                    jobs.append(
                        {
                            "rule": name,
                            "provenance": provenance_path(name, seed, part),
                            "outputs": job_outputs(name, seed, part),
                        }
                    )
    if BASELINE_EPOCHS is not None:
        for seed in SEEDS:
            jobs.append(
                {
                    "rule": "overfit_baseline",
                    "provenance": BASELINE_PROVENANCE.format(seed=seed),
                    "outputs": [
                        f"results/weight_decay/seed{seed}/lambda{lambda_label(0)}.csv",
                        f"results/dropout/seed{seed}/without.csv",
                    ],
                }
            )
    for name in DRAWN:
        if reported(name):
            outputs = [str(f) for f in figure_outputs(name)]
            jobs.append(
                {
                    "rule": f"plot_{name}",
                    "provenance": f"results/figures/provenance/{name}.json",
                    "outputs": outputs,
                }
            )
    jobs.append(
        {
            "rule": "claims",
            "provenance": "results/claims.provenance.json",
            "outputs": ["results/claims.csv", "results/claims.md"],
        }
    )
    jobs.append(
        {
            "rule": "index",
            "provenance": "results/index.provenance.json",
            "outputs": ["results/index.html"],
        }
    )
    return jobs


def run_schemas():
    """The schema of every table of the current run (dlscratch.tables), and the claims'."""
    out = {
        "results/claims.csv": dataclasses.replace(
            CLAIMS_TABLE_SCHEMA, rule="claims"
        ).as_params()
    }
    for name in EXPERIMENTS:
        if reported(name):
            out.update(schemas(name))
    return out


def verified(wildcards):
    """`snakemake verify`: check results/ against what the run wrote (dlscratch.verify),
    while the DAG is built, so that its report is all that is printed: one line per file
    that is not what the run wrote, with the command that remakes it, and exit status 1.
    """
    jobs = run_jobs()
    if not any(os.path.exists(job["provenance"]) for job in jobs):
        refuse(
            "verify: results/ holds no run of these settings yet: run the workflow first "
            f"(`{RERUN}`)"
        )
    lines, ok = verify_report(jobs, run_schemas())
    os.makedirs("results/logs", exist_ok=True)
    with open("results/logs/verify.log", "w") as log:
        log.write("\n".join(lines) + "\n")
    if not ok:
        refuse("\n".join(lines))
    print("\n".join(lines), file=sys.stderr)
    return []


# --------------------------------------------------------------------------- targets


def figure_targets():
    """The names `snakemake <target>` accepts for the book's figures (fig6-01, ...)."""
    return sorted(book_figure_targets())


def answer_unknown_target(wildcards):
    """A target that names no file of this workflow and none of its rules: list the targets."""
    from difflib import get_close_matches

    name = wildcards.target
    padded = re.sub(r"^fig6-(\d)$", r"fig6-0\1", name)
    known = figure_targets() + ["all", "studies", "verify"]
    close = (
        [padded]
        if padded in known and padded != name
        else get_close_matches(name, known, n=1)
    )
    hint = f" Did you mean {close[0]}?" if close else ""
    refuse(
        f"unknown target {name!r}.{hint} The figure targets are {', '.join(figure_targets())}; "
        "the others are all (the default: the whole chapter), studies (the studies beyond the book, "
        "with the chapter) and verify (check results/ against what the run wrote). A file of "
        "results/ is a target too."
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
            f for f in files if f.startswith("results/figures/") and f.endswith(".png")
        ]
        missing = [f for f in shown if not os.path.exists(f)]
        if missing:
            refuse(
                f"--report: {len(missing)} of the {len(shown)} figures the report shows do not exist yet "
                f"(the first: {missing[0]}); run the workflow first (`{RERUN}`, with the same target), "
                "then build the report"
            )
    return files


def drop_stale_index(path="results/index.html"):
    """After a failed run: remove the page if it links a figure that a failed job removed
    (Snakemake deletes a failed job's outputs), so that no page links what is not there.
    The next successful run writes it again."""
    missing = stale_links(path)
    if missing:
        os.remove(path)
        logger.warning(
            f"{path} removed: it linked {len(missing)} file(s) that a failed job removed "
            f"(the first: {missing[0]}); the next successful run writes it again"
        )
