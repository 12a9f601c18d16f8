# Evidence beyond the book: the claims table and the index page.

from dlscratch.claims import CLAIM_TABLES


rule claims:
    input:
        **{name: table_files(name)[table] for name, table in CLAIM_TABLES.items()},
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
    script:
        "../scripts/index.py"
