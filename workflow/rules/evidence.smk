# Evidence beyond the book: the claims table, several-seed companion figures, the index.


localrules:
    claims,
    plot_seeds,
    index,


rule claims:
    input:
        paths="results/optimizer_paths/paths.csv",
        optimizer_mnist=per_seed("results/optimizer_mnist/seed{seed}/summary.csv"),
        activations=per_seed("results/activations/seed{seed}/stats.csv"),
        init_mnist=per_seed("results/init_mnist/seed{seed}/summary.csv"),
        batchnorm=per_seed("results/batchnorm/seed{seed}/accuracy.csv"),
        weight_decay=WEIGHT_DECAY_TABLES,
        dropout=DROPOUT_TABLES,
        random_search=per_seed("results/random_search/seed{seed}/summary.csv"),
        code=lib("__init__", "claims", "tables", "pipeline", "provenance"),
    output:
        csv="results/claims.csv",
        md="results/claims.md",
        provenance="results/claims.provenance.json",
    log:
        "results/logs/claims.log",
    conda:
        "../envs/dlscratch.yaml"
    script:
        "../scripts/claims.py"


rule plot_seeds:
    input:
        optimizer_mnist=per_seed("results/optimizer_mnist/seed{seed}/loss.csv"),
        init_mnist=per_seed("results/init_mnist/seed{seed}/loss.csv"),
        batchnorm=per_seed("results/batchnorm/seed{seed}/accuracy.csv"),
        weight_decay=WEIGHT_DECAY_TABLES,
        dropout=DROPOUT_TABLES,
        random_search=per_seed("results/random_search/seed{seed}/summary.csv"),
        code=PLOTTING,
    output:
        figure_outputs(SEED_FIGURES, "seeds", "Several seeds"),
        provenance="results/figures/provenance/seeds.json",
    log:
        "results/logs/figures/seeds.log",
    conda:
        "../envs/dlscratch.yaml"
    params:
        loss_figures=LOSS_FIGURES,
        stds=BN_STDS,
        seeds=SEEDS,
    script:
        "../scripts/plot_seeds.py"


rule index:
    input:
        figures=figure_files(ALL_FIGURES, ["png"]),
        claims="results/claims.csv",
        benchmarks=ALL_BENCHMARKS,
        code=lib("__init__", "index", "tables", "pipeline", "provenance"),
    output:
        "results/index.html",
    log:
        "results/logs/index.log",
    conda:
        "../envs/dlscratch.yaml"
    params:
        figures=ALL_FIGURES,
        config=config,
    script:
        "../scripts/index.py"
