import pandas as pd

from dlscratch.pipeline import job, save_outputs
from dlscratch.plotting import plot_loss_curves

with job(snakemake):
    tables = {experiment: pd.read_csv(snakemake.input[experiment]) for experiment in ("optimizer_mnist", "init_mnist")}
    for name, (experiment, column, variants, ylim) in snakemake.params.figures.items():
        fig = plot_loss_curves(tables[experiment], column, variants, tuple(ylim))
        save_outputs(fig, name, snakemake.output)
