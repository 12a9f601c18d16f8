# 6.3 Batch Normalization: with and without BN across 16 weight scales.


rule batchnorm:
    input:
        code=CORE + lib("experiments/batchnorm", "config"),
        mnist=MNIST,
    output:
        "results/batchnorm/seed{seed}/accuracy.csv",
        provenance="results/batchnorm/seed{seed}/provenance.json",
    log:
        "results/logs/batchnorm/seed{seed}.log",
    benchmark:
        "results/benchmarks/batchnorm/seed{seed}.tsv"
    priority: 30
    conda:
        "../envs/dlscratch.yaml"
    threads: JOB_THREADS
    resources:
        mem_mb=1000,
    params:
        cfg=config["batchnorm"],
        stds=BN_STDS,
    script:
        "../scripts/batchnorm.py"
