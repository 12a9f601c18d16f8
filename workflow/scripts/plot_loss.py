import pandas as pd

from dlscratch.pipeline import job
from dlscratch.plotting import plot_loss_curves, save_figure

with job(snakemake):
    _, column, variants, ylim = snakemake.params.spec
    fig = plot_loss_curves(pd.read_csv(snakemake.input.table), column, variants, tuple(ylim))
    save_figure(fig, snakemake.output.png)
    save_figure(fig, snakemake.output.pdf)
