# Figures, drawn only from the tables (a style change reruns no training).


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
        **figure_outputs("paths", "6.1 Parameter updates"),
    log:
        "results/logs/figures/{fig}.log",
    wildcard_constraints:
        fig="|".join(PATH_FIGURES),
    conda:
        "../envs/dlscratch.yaml"
    params:
        optimizers=lambda wc: PATH_FIGURES[wc.fig],
    script:
        "../scripts/plot_paths.py"


rule plot_loss:
    input:
        table=lambda wc: f"results/{LOSS_FIGURES[wc.fig][0]}/seed{FIRST_SEED}/loss.csv",
        code=PLOTTING,
    output:
        **figure_outputs("loss", "6.1-6.2 Loss on MNIST"),
    log:
        "results/logs/figures/{fig}.log",
    wildcard_constraints:
        fig="|".join(LOSS_FIGURES),
    conda:
        "../envs/dlscratch.yaml"
    params:
        spec=lambda wc: LOSS_FIGURES[wc.fig],
    script:
        "../scripts/plot_loss.py"


rule plot_histograms:
    input:
        table=f"results/activations/seed{FIRST_SEED}/histograms.csv",
        code=PLOTTING,
    output:
        **figure_outputs("histograms", "6.2 Initial weights"),
    log:
        "results/logs/figures/{fig}.log",
    wildcard_constraints:
        fig="|".join(HISTOGRAM_FIGURES),
    conda:
        "../envs/dlscratch.yaml"
    params:
        cases=lambda wc: HISTOGRAM_FIGURES[wc.fig],
        n_values=config["activations"]["n_samples"] * config["activations"]["n_units"],
    script:
        "../scripts/plot_histograms.py"


rule plot_batchnorm:
    input:
        table=f"results/batchnorm/seed{FIRST_SEED}/accuracy.csv",
        code=PLOTTING,
    output:
        **figure_outputs("batchnorm", "6.3 Batch Normalization"),
    log:
        "results/logs/figures/{fig}.log",
    wildcard_constraints:
        fig="|".join(BN_FIGURES),
    conda:
        "../envs/dlscratch.yaml"
    params:
        stds=BN_STDS,
        single_std=BN_STDS[config["batchnorm"]["single_panel_std_index"]],
    script:
        "../scripts/plot_batchnorm.py"


rule plot_regularization:
    input:
        tables=regularization_tables,
        code=PLOTTING,
    output:
        **figure_outputs("regularization", "6.4 Regularization"),
    log:
        "results/logs/figures/{fig}.log",
    wildcard_constraints:
        fig="|".join(REGULARIZATION_FIGURES),
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
        **figure_outputs("random_search", "6.5 Hyperparameters"),
    log:
        "results/logs/figures/{fig}.log",
    wildcard_constraints:
        fig="|".join(SEARCH_FIGURES),
    conda:
        "../envs/dlscratch.yaml"
    params:
        top=config["random_search"]["top"],
    script:
        "../scripts/plot_random_search.py"
