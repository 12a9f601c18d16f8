# 6.4 Overfitting on 300 images: weight decay and Dropout.


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
        lam="|".join(lambda_label(v) for v in LAMBDAS),
    conda:
        "../envs/dlscratch.yaml"
    threads: 1
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
        variant="with|without",
    conda:
        "../envs/dlscratch.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        cfg=config["dropout"],
    script:
        "../scripts/dropout.py"
