# Evidence beyond the book: the claims table and the index page.


rule claims:
    input:
        unpack(claim_inputs),
        provenance=lambda wildcards: records_of(
            [f for files in claim_inputs(wildcards).values() for f in files],
            claim_schemas(),
        ),
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
        settings=lambda wildcards: {
            name: training_settings(name) for name in CLAIM_TABLES if reported(name)
        },
        schemas=lambda wildcards: claim_schemas(),
    script:
        "../scripts/claims.py"


rule index:
    input:
        figures=lambda wildcards: [
            f for name in DRAWN if reported(name) for f in figure_files(name, ["png"])
        ],
        captions=lambda wildcards: [
            f"results/figures/captions/{d.stem}.rst"
            for name in DRAWN
            if reported(name)
            for d in DRAWN[name]
        ],
        claims="results/claims.csv",
        benchmarks=lambda wildcards: benchmark_files(),
        # the records the figures, captions and claims are checked against before the page
        # shows them
        provenance=lambda wildcards: [
            f"results/figures/provenance/{name}.json"
            for name in DRAWN
            if reported(name)
        ]
        + ["results/claims.provenance.json"],
        code=code(scripts=["index.py"]),
    output:
        html="results/index.html",
        provenance="results/index.provenance.json",
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


# Beyond the book: `snakemake --cores 4 studies` runs the studies, and the claims table and
# the index then cover them too.
rule studies:
    default_target: False
    input:
        lambda wildcards: ready_for_report(
            all_outputs(studies=True)
            + ["results/claims.csv", "results/claims.md", "results/index.html"]
        ),
    localrule: True


# A target per book figure: `snakemake --cores 4 fig6-09` builds just what Fig 6-9 needs.
for target, files in book_figure_targets().items():

    rule:
        name:
            target
        default_target: False
        input:
            files,
        localrule: True


# `snakemake --cores 1 verify`: does results/ still hold what the run wrote? One line per
# file that does not, with the command that remakes it (dlscratch.verify; exit status 1).
rule verify:
    input:
        verified,
    log:
        "results/logs/verify.log",
    localrule: True
    conda:
        "../envs/dlscratch.yaml"
    shell:
        "true"


# Any other bare name given as a target: say which targets there are.
rule unknown_target:
    input:
        answer_unknown_target,
    output:
        "{target}",
    log:
        "results/logs/unknown_target/{target}.log",
    wildcard_constraints:
        target=r"[^/.]+",
    localrule: True
    conda:
        "../envs/dlscratch.yaml"
    shell:
        "false"
