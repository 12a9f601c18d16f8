import pandas as pd

from dlscratch.pipeline import job, save_outputs
from dlscratch.plotting import (
    plot_batchnorm_grid_band,
    plot_loss_band,
    plot_random_search_scatter,
    regularization_figures,
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
    dropout = pd.concat([pd.read_csv(p) for p in snakemake.input.dropout], ignore_index=True)
    for name, fig in regularization_figures(decay, dropout, band=True).items():
        save_outputs(fig, f"{name}_seeds", snakemake.output)

    # every trial of every seed, ranked together
    search = pd.concat([pd.read_csv(p) for p in snakemake.input.random_search], ignore_index=True)
    search = search.sort_values(["val_acc", "seed", "trial"], ascending=[False, True, True], na_position="last")
    search["rank"] = range(1, len(search) + 1)
    save_outputs(plot_random_search_scatter(search), "fig6-24x_random_search_scatter_seeds", snakemake.output)
