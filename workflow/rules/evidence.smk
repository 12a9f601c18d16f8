# Evidence beyond the book: the claims table and the index page.


rule claims:
    input:
        **{
            f"{name}_{table}": table_files(name)[table]
            for name, tables in CLAIM_TABLES.items()
            for table in tables
        },
        code=code(scripts=["claims.py"]),
    output:
        csv="results/claims.csv",
        md="results/claims.md",
        provenance="results/claims.provenance.json",
    log:
        "results/logs/claims.log",
    localrule: True
    conda:
        "../envs/dlscratch.yaml"
    threads: 1
    resources:
        cpus=1,
    params:
        settings={name: training_settings(name) for name in CLAIM_TABLES},
        schemas={p: s for name in CLAIM_TABLES for p, s in schemas(name).items()},
    script:
        "../scripts/claims.py"


rule index:
    input:
        figures=[f for name in DRAWN for f in figure_files(name, ["png"])],
        captions=expand(
            "results/figures/captions/{stem}.rst",
            stem=[d.stem for name in DRAWN for d in DRAWN[name]],
        ),
        claims="results/claims.csv",
        benchmarks=benchmark_files(),
        code=code(scripts=["index.py"]),
    output:
        "results/index.html",
    log:
        "results/logs/index.log",
    localrule: True
    conda:
        "../envs/dlscratch.yaml"
    threads: 1
    resources:
        cpus=1,
    params:
        config=config,
        missing=MISSING,
    script:
        "../scripts/index.py"


# A target per book figure: `snakemake --cores 4 fig6-09` builds just what Fig 6-9 needs.
for target, files in book_figure_targets().items():

    rule:
        name:
            target
        default_target: False
        input:
            files,
        localrule: True
