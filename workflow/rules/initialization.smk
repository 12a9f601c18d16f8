# 6.2 Initial weights: activation histograms and the init scale on MNIST.


rule activations:
    input:
        code=CORE + lib("experiments/initialization"),
    output:
        hist="results/activations/seed{seed}/histograms.csv",
        stats="results/activations/seed{seed}/stats.csv",
        provenance="results/activations/seed{seed}/provenance.json",
    log:
        "results/logs/activations/seed{seed}.log",
    benchmark:
        "results/benchmarks/activations/seed{seed}.tsv"
    conda:
        "../envs/dlscratch.yaml"
    threads: 1
    params:
        cfg=config["activations"],
    script:
        "../scripts/activations.py"


rule init_mnist:
    input:
        code=CORE + lib("experiments/optimizers"),
        mnist=MNIST,
    output:
        loss="results/init_mnist/seed{seed}/loss.csv",
        summary="results/init_mnist/seed{seed}/summary.csv",
        provenance="results/init_mnist/seed{seed}/provenance.json",
    log:
        "results/logs/init_mnist/seed{seed}.log",
    benchmark:
        "results/benchmarks/init_mnist/seed{seed}.tsv"
    priority: 30
    conda:
        "../envs/dlscratch.yaml"
    threads: JOB_THREADS
    resources:
        mem_mb=1000,
    params:
        cfg=config["init_mnist"],
    script:
        "../scripts/loss_curves.py"
