# Figures, drawn only from the tables (a style change reruns no training).
# One job per figure family; each writes PNG and PDF of its figures.


localrules:
    plot_paths,
    plot_loss,
    plot_histograms,
    plot_batchnorm,
    plot_regularization,
    plot_random_search,
    random_search_summary,


rule plot_paths:
    input:
        table="results/optimizer_paths/paths.csv",
        code=PLOTTING,
    output:
        figure_outputs(PATH_FIGURES, "paths", "6.1 Parameter updates"),
        provenance="results/figures/provenance/paths.json",
    log:
        "results/logs/figures/paths.log",
    conda:
        "../envs/dlscratch.yaml"
    params:
        figures=PATH_FIGURES,
    script:
        "../scripts/plot_paths.py"


rule plot_loss:
    input:
        optimizer_mnist=f"results/optimizer_mnist/seed{FIRST_SEED}/loss.csv",
        init_mnist=f"results/init_mnist/seed{FIRST_SEED}/loss.csv",
        code=PLOTTING,
    output:
        figure_outputs(LOSS_FIGURES, "loss", "6.1-6.2 Loss on MNIST"),
        provenance="results/figures/provenance/loss.json",
    log:
        "results/logs/figures/loss.log",
    conda:
        "../envs/dlscratch.yaml"
    params:
        figures=LOSS_FIGURES,
    script:
        "../scripts/plot_loss.py"


rule plot_histograms:
    input:
        table=f"results/activations/seed{FIRST_SEED}/histograms.csv",
        code=PLOTTING,
    output:
        figure_outputs(HISTOGRAM_FIGURES, "histograms", "6.2 Initial weights"),
        provenance="results/figures/provenance/histograms.json",
    log:
        "results/logs/figures/histograms.log",
    conda:
        "../envs/dlscratch.yaml"
    params:
        figures=HISTOGRAM_FIGURES,
        n_values=config["activations"]["n_samples"] * config["activations"]["n_units"],
    script:
        "../scripts/plot_histograms.py"


rule plot_batchnorm:
    input:
        table=f"results/batchnorm/seed{FIRST_SEED}/accuracy.csv",
        code=PLOTTING,
    output:
        figure_outputs(BN_FIGURES, "batchnorm", "6.3 Batch Normalization"),
        provenance="results/figures/provenance/batchnorm.json",
    log:
        "results/logs/figures/batchnorm.log",
    conda:
        "../envs/dlscratch.yaml"
    params:
        stds=BN_STDS,
        single_std=BN_STDS[config["batchnorm"]["single_panel_std_index"]],
    script:
        "../scripts/plot_batchnorm.py"


rule plot_regularization:
    input:
        weight_decay=expand(
            "results/weight_decay/seed{seed}/lambda{lam}.csv",
            seed=FIRST_SEED,
            lam=[lambda_label(v) for v in LAMBDAS],
        ),
        dropout=expand(
            "results/dropout/seed{seed}/{variant}.csv",
            seed=FIRST_SEED,
            variant=["without", "with"],
        ),
        code=PLOTTING,
    output:
        figure_outputs(REGULARIZATION_FIGURES, "regularization", "6.4 Regularization"),
        provenance="results/figures/provenance/regularization.json",
    log:
        "results/logs/figures/regularization.log",
    conda:
        "../envs/dlscratch.yaml"
    script:
        "../scripts/plot_regularization.py"


rule plot_random_search:
    input:
        curves=f"results/random_search/seed{FIRST_SEED}/curves.csv",
        summary=f"results/random_search/seed{FIRST_SEED}/summary.csv",
        code=PLOTTING,
    output:
        figure_outputs(SEARCH_FIGURES, "random_search", "6.5 Hyperparameters"),
        provenance="results/figures/provenance/random_search.json",
    log:
        "results/logs/figures/random_search.log",
    conda:
        "../envs/dlscratch.yaml"
    params:
        top=config["random_search"]["top"],
    script:
        "../scripts/plot_random_search.py"
