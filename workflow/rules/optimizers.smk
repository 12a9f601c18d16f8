# 6.1 Parameter updates: paths on f(x, y) = x^2/20 + y^2, and optimizers on MNIST.


rule optimizer_paths:
    input:
        code=CORE + lib("surface", "experiments/optimizers"),
    output:
        "results/optimizer_paths/paths.csv",
        provenance="results/optimizer_paths/provenance.json",
    log:
        "results/logs/optimizer_paths.log",
    benchmark:
        "results/benchmarks/optimizer_paths.tsv"
    conda:
        "../envs/dlscratch.yaml"
    threads: 1
    params:
        cfg=config["optimizer_paths"],
    script:
        "../scripts/optimizer_paths.py"


rule optimizer_mnist:
    input:
        code=CORE + lib("experiments/optimizers"),
        mnist=MNIST,
    output:
        loss="results/optimizer_mnist/seed{seed}/loss.csv",
        summary="results/optimizer_mnist/seed{seed}/summary.csv",
        provenance="results/optimizer_mnist/seed{seed}/provenance.json",
    log:
        "results/logs/optimizer_mnist/seed{seed}.log",
    benchmark:
        "results/benchmarks/optimizer_mnist/seed{seed}.tsv"
    priority: 50
    conda:
        "../envs/dlscratch.yaml"
    threads: JOB_THREADS
    resources:
        mem_mb=1000,
    params:
        cfg=config["optimizer_mnist"],
    script:
        "../scripts/loss_curves.py"
