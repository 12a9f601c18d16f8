# The targets: all (the Snakefile), studies, compare, one per book figure, verify, prune, and
# an answer for any other name.


# Beyond the book: `snakemake --cores 4 studies` runs the studies, and the claims table and
# the index then cover them too.
rule studies:
    default_target: False
    input:
        lambda wildcards: P.ready_for_report(
            P.run_outputs(P.book_run, studies=True) + P.run_outputs(P.book_run)
        ),
    localrule: True


# `snakemake --cores 4 compare`: the book's run and every named run of config/runs.yaml
# (--config 'runs=[a,b]': those), each in its own directory, and results/compare.html.
rule compare:
    default_target: False
    input:
        lambda wildcards: P.ready_for_report(
            P.runs_ready(
                [f for run in P.runs for f in P.run_outputs(run)]
                + ["results/compare.html", "results/compare.csv"]
            )
        ),
    localrule: True


# A target per book figure: `snakemake --cores 4 fig6-09` builds just what Fig 6-9 needs.
for target, files in P.book_figure_targets().items():

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
        P.verified,
    log:
        "results/logs/verify.log",
    localrule: True
    conda:
        "../envs/dlscratch.yaml"
    shell:
        "true"


# `snakemake --cores 1 prune`: delete the store entries that neither the current settings
# (the book's run, its studies, the runs of config/runs.yaml), nor a shipped settings file,
# nor another working directory sharing the store refers to, and the files under results/
# that no current run writes; refused while a run uses the store (dlscratch.prune;
# `snakemake -n prune` lists them and deletes nothing).
rule prune:
    log:
        "results/logs/prune.log",
    localrule: True
    conda:
        "../envs/dlscratch.yaml"
    params:
        store=lambda wildcards: P.announce_prune()["store"],
        keep=lambda wildcards: P.announce_prune()["keep"],
        own=lambda wildcards: P.announce_prune()["own"],
        files=lambda wildcards: P.announce_prune()["files"],
    script:
        "../scripts/prune.py"


# Any other bare name given as a target: say which targets there are.
rule unknown_target:
    input:
        P.answer_unknown_target,
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
