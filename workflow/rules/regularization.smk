# 6.4 Overfitting on 300 images: weight decay and Dropout.
# The unregularized run serves Fig 6-20 and Fig 6-23 alike; when the two config blocks
# agree on its settings it is one job (overfit_baseline), trained for the longer of the
# two epoch counts, and the weight_decay and dropout rules run only the other variants.


if BASELINE_EPOCHS is not None:

    rule overfit_baseline:
        input:
            code=CORE + lib("experiments/regularization"),
            mnist=MNIST,
        output:
            weight_decay=f"results/weight_decay/seed{{seed}}/lambda{lambda_label(0)}.csv",
            dropout="results/dropout/seed{seed}/without.csv",
            provenance="results/overfit_baseline/seed{seed}/provenance.json",
        log:
            "results/logs/overfit_baseline/seed{seed}.log",
        benchmark:
            "results/benchmarks/overfit_baseline/seed{seed}.tsv"
        priority: 40
        conda:
            "../envs/dlscratch.yaml"
        threads: JOB_THREADS
        resources:
            mem_mb=1000,
        params:
            weight_decay=config["weight_decay"],
            dropout=config["dropout"],
            epochs=BASELINE_EPOCHS,
        script:
            "../scripts/overfit_baseline.py"


rule weight_decay:
    input:
        code=CORE + lib("experiments/regularization"),
        mnist=MNIST,
    output:
        "results/weight_decay/seed{seed}/lambda{lam}.csv",
        provenance="results/weight_decay/seed{seed}/lambda{lam}.provenance.json",
    log:
        "results/logs/weight_decay/seed{seed}_lambda{lam}.log",
    benchmark:
        "results/benchmarks/weight_decay/seed{seed}_lambda{lam}.tsv"
    wildcard_constraints:
        lam="|".join(re.escape(lambda_label(v)) for v in SEPARATE_LAMBDAS) or "none",
    priority: 30
    conda:
        "../envs/dlscratch.yaml"
    threads: JOB_THREADS
    resources:
        mem_mb=1000,
    params:
        cfg=config["weight_decay"],
    script:
        "../scripts/weight_decay.py"


rule dropout:
    input:
        code=CORE + lib("experiments/regularization"),
        mnist=MNIST,
    output:
        "results/dropout/seed{seed}/{variant}.csv",
        provenance="results/dropout/seed{seed}/{variant}.provenance.json",
    log:
        "results/logs/dropout/seed{seed}_{variant}.log",
    benchmark:
        "results/benchmarks/dropout/seed{seed}_{variant}.tsv"
    wildcard_constraints:
        variant="|".join(SEPARATE_DROPOUT),
    priority: 40
    conda:
        "../envs/dlscratch.yaml"
    threads: JOB_THREADS
    resources:
        mem_mb=1000,
    params:
        cfg=config["dropout"],
    script:
        "../scripts/dropout.py"
