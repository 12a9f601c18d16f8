# Evidence beyond the book, for each run: its tables (assembled from the store), the claims
# table and the index page; and the comparison of the runs (results/compare.html).

from dlscratch.declare import qualified
from dlscratch.registry import CLAIMS, EXPERIMENTS, claims_settings
from dlscratch.runs import BOOK

for run in P.runs:
    for studies in [False, True] if run.name == BOOK else [False]:
        tables_params = P.run_tables_params(run, studies)

        # the run's tables, assembled from the store, at today's paths for the book
        rule:
            name:
                run.rule("study_tables" if studies else "tables")
            input:
                tables=[
                    f
                    for by_seed in tables_params.values()
                    for spec in by_seed.values()
                    for entry in spec["entries"]
                    for f in [*entry["files"].values(), entry["provenance"]]
                ],
            output:
                [
                    f
                    for by_seed in P.tables_of_run(run, studies).values()
                    for files in by_seed.values()
                    for f in files.values()
                ],
                provenance=run.path(
                    "study_tables.provenance.json"
                    if studies
                    else "tables.provenance.json"
                ),
            log:
                run.path("logs", "study_tables.log" if studies else "tables.log"),
            localrule: True
            conda:
                "../envs/dlscratch.yaml"
            threads: 1
            resources:
                cpus=1,
            params:
                code=P.rule_code(
                    entries=P.combine_entries(tables_params), scripts=["tables.py"]
                ),
                tables=tables_params,
            script:
                "../scripts/tables.py"

    rule:
        name:
            run.rule("claims")
        input:
            tables=lambda wildcards, run=run: P.spec_files(P.claim_specs(run)),
        output:
            csv=run.path("claims.csv"),
            md=run.path("claims.md"),
            provenance=run.path("claims.provenance.json"),
        log:
            run.path("logs", "claims.log"),
        localrule: True
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            cpus=1,
        params:
            code=lambda wildcards, run=run: P.rule_code(
                entries=[qualified(c.function) for c in CLAIMS]
                + P.combine_entries(s["source"] for s in P.claim_specs(run)),
                scripts=["claims.py"],
            ),
            settings=lambda wildcards, run=run: {
                name: claims_settings(name, run.config)
                for name, e in EXPERIMENTS.items()
                if e.claims_tables and P.reported(run, name)
            },
            tables=lambda wildcards, run=run: P.claim_specs(run),
        script:
            "../scripts/claims.py"

    rule:
        name:
            run.rule("index")
        input:
            figures=lambda wildcards, run=run: [
                f
                for name in P.drawn[run.name]
                if P.reported(run, name)
                for f in P.figure_files(run, name, ["png"])
            ],
            captions=lambda wildcards, run=run: [
                run.path("figures", "captions", f"{d.stem}.rst")
                for name in P.drawn[run.name]
                if P.reported(run, name)
                for d in P.drawn[run.name][name]
            ],
            claims=run.path("claims.csv"),
            # the records the figures, captions and claims are checked against before the
            # page shows them
            provenance=lambda wildcards, run=run: [
                P.plot_provenance(run, name)
                for name in P.drawn[run.name]
                if P.reported(run, name)
            ]
            + [run.path("claims.provenance.json")],
            compare=lambda wildcards: (
                ["results/compare.html"] if P.compare_requested() else []
            ),
        output:
            html=run.path("index.html"),
            provenance=run.path("index.provenance.json"),
        log:
            run.path("logs", "index.log"),
        localrule: True
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            cpus=1,
        params:
            code=P.rule_code(scripts=["index.py"]),
            run=run.name,
            description=run.description,
            changes=P.run_changes(run),
            config=run.config,
            missing=P.missing[run.name],
            # the records of the jobs that computed the entries it shows (their times)
            entries=lambda wildcards, run=run: P.benchmark_records(run),
            compare=lambda wildcards, run=run: (
                P.compare_link(run) if P.compare_requested() else None
            ),
        script:
            "../scripts/index.py"


# The overlays: for each experiment some compared run draws otherwise than the book's run, every
# run's series of each of its figures on one set of axes, and every run's headline numbers.
for name in P.overlaid():

    rule:
        name:
            f"compare_overlay_{name}"
        input:
            tables=[
                f for run in P.overlay_runs(name) for f in P.spec_files(run["tables"])
            ],
        output:
            P.overlay_outputs(name),
            provenance=P.overlay_provenance(name),
        log:
            f"results/logs/compare/overlay_{name}.log",
        localrule: True
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            cpus=1,
        params:
            code=P.rule_code(
                entries=P.overlay_entries(name)
                + P.combine_entries(
                    s["source"] for run in P.overlay_runs(name) for s in run["tables"]
                ),
                scripts=["overlay.py"],
            ),
            experiment=name,
            runs=P.overlay_runs(name),
        script:
            "../scripts/overlay.py"


# The sweeps: for each claim a sweep's setting may change, its quantity against the setting.
for sweep in P.sweeps():

    rule:
        name:
            f"compare_sweep_{sweep}"
        input:
            claims=[P.book_run.path("claims.csv")]
            + [run.path("claims.csv") for run in P.sweeps()[sweep]],
            provenance=[P.book_run.path("claims.provenance.json")]
            + [run.path("claims.provenance.json") for run in P.sweeps()[sweep]],
        output:
            P.sweep_outputs(sweep),
            provenance=P.sweep_provenance(sweep),
        log:
            f"results/logs/compare/sweep_{sweep}.log",
        localrule: True
        conda:
            "../envs/dlscratch.yaml"
        threads: 1
        resources:
            cpus=1,
        params:
            code=P.rule_code(scripts=["sweep.py"]),
            sweep=P.sweep_params(sweep),
        script:
            "../scripts/sweep.py"


# `snakemake --cores 4 compare`: the book's run and every named run of config/runs.yaml
# (--config 'runs=[a,b]': those), each in its own directory, and results/compare.html.
rule compare_page:
    input:
        claims=[run.path("claims.csv") for run in P.runs],
        figures=[
            f
            for run in P.runs
            for name in P.drawn[run.name]
            if not EXPERIMENTS[name].study
            for f in P.figure_files(run, name, ["png"])
        ],
        provenance=[run.path("claims.provenance.json") for run in P.runs]
        + [
            P.plot_provenance(run, name)
            for run in P.runs
            for name in P.drawn[run.name]
            if not EXPERIMENTS[name].study
        ]
        + [P.overlay_provenance(name) for name in P.overlaid()]
        + [P.sweep_provenance(sweep) for sweep in P.sweeps()],
        overlays=[f for name in P.overlaid() for f in P.overlay_outputs(name)],
        sweeps=[f for sweep in P.sweeps() for f in P.sweep_outputs(sweep)],
    output:
        html="results/compare.html",
        csv="results/compare.csv",
        provenance="results/compare.provenance.json",
    log:
        "results/logs/compare.log",
    localrule: True
    conda:
        "../envs/dlscratch.yaml"
    threads: 1
    resources:
        cpus=1,
    params:
        code=P.rule_code("dlscratch.compare", scripts=["compare.py"]),
        overlays={name: P.overlay_stems(name) for name in P.overlaid()},
        sweeps={sweep: P.sweep_params(sweep) for sweep in P.sweeps()},
        runs=[
            {
                "name": run.name,
                "description": run.description,
                "directory": run.directory,
                "config": run.config,
                "sweep": P.run_sweep(run),
                "tried": P.run_specs.get(run.name, {}).get("tried", False),
                "figures": [
                    d.as_params()
                    for name in P.drawn[run.name]
                    if not EXPERIMENTS[name].study
                    for d in P.drawn[run.name][name]
                ],
            }
            for run in P.runs
        ],
    script:
        "../scripts/compare.py"
