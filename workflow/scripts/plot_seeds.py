import pandas as pd

from dlscratch.pipeline import job, save_outputs
from dlscratch.plotting import (
    plot_batchnorm_grid_band,
    plot_loss_band,
    plot_random_search_scatter,
    plot_train_test_band,
)
from dlscratch.tables import read_tables

with job(snakemake):
    seeds = snakemake.params.seeds
    loss = {e: read_tables(snakemake.input[e], seed=seeds) for e in ("optimizer_mnist", "init_mnist")}
    for name, (experiment, column, variants, ylim) in snakemake.params.loss_figures.items():
        save_outputs(plot_loss_band(loss[experiment], column, variants, tuple(ylim)), f"{name}_seeds",
                     snakemake.output)

    bn = pd.concat([pd.read_csv(p) for p in snakemake.input.batchnorm], ignore_index=True)
    save_outputs(plot_batchnorm_grid_band(bn, snakemake.params.stds), "fig6-19_batchnorm_grid_seeds",
                 snakemake.output)

    decay = pd.concat([pd.read_csv(p) for p in snakemake.input.weight_decay], ignore_index=True)
    decay["variant"] = decay["weight_decay"].map(lambda v: f"{v:g}")
    panels = [(v, None, f"weight decay λ = {v}") for v in decay["variant"].unique()]
    save_outputs(plot_train_test_band(decay, panels[:1]), "fig6-20_overfitting_seeds", snakemake.output)
    if len(panels) > 1:
        save_outputs(plot_train_test_band(decay, panels[1:]), "fig6-21_weight_decay_seeds", snakemake.output)
    dropout = pd.concat([pd.read_csv(p) for p in snakemake.input.dropout], ignore_index=True)
    ratio = dropout.loc[dropout["variant"] == "with", "dropout_ratio"].iloc[0]
    panels = [("without", None, "without Dropout"), ("with", None, f"Dropout (ratio {ratio:g})")]
    save_outputs(plot_train_test_band(dropout, panels), "fig6-23_dropout_seeds", snakemake.output)

    # every trial of every seed, ranked together
    search = pd.concat([pd.read_csv(p) for p in snakemake.input.random_search], ignore_index=True)
    search = search.sort_values(["val_acc", "seed", "trial"], ascending=[False, True, True], na_position="last")
    search["rank"] = range(1, len(search) + 1)
    save_outputs(plot_random_search_scatter(search), "fig6-24x_random_search_scatter_seeds", snakemake.output)
