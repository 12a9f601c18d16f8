# 6.5 Random search of learning rate and weight decay, in shards of trials.


rule random_search_shard:
    input:
        code=CORE + lib("experiments/search"),
        mnist=MNIST,
    output:
        "results/random_search/seed{seed}/shards/shard{shard}.csv",
        provenance="results/random_search/seed{seed}/shards/shard{shard}.provenance.json",
    log:
        "results/logs/random_search/seed{seed}_shard{shard}.log",
    benchmark:
        "results/benchmarks/random_search/seed{seed}_shard{shard}.tsv"
    priority: 40
    conda:
        "../envs/dlscratch.yaml"
    threads: JOB_THREADS
    resources:
        mem_mb=1000,
    params:
        cfg=config["random_search"],
    script:
        "../scripts/random_search_shard.py"


rule random_search_summary:
    input:
        shards=expand(
            "results/random_search/seed{{seed}}/shards/shard{shard}.csv",
            shard=SEARCH_SHARDS,
        ),
        code=lib("tables", "pipeline", "experiments/search"),
    output:
        curves="results/random_search/seed{seed}/curves.csv",
        summary="results/random_search/seed{seed}/summary.csv",
        provenance="results/random_search/seed{seed}/provenance.json",
    log:
        "results/logs/random_search/seed{seed}_summary.log",
    conda:
        "../envs/dlscratch.yaml"
    threads: 1
    script:
        "../scripts/random_search_summary.py"
