import pandas as pd

from dlscratch.pipeline import job
from dlscratch.plotting import plot_batchnorm_grid, plot_batchnorm_single, save_figure

with job(snakemake):
    acc = pd.read_csv(snakemake.input.table)
    if snakemake.wildcards.fig == "fig6-18_batchnorm_single":
        fig = plot_batchnorm_single(acc, snakemake.params.single_std)
    else:
        fig = plot_batchnorm_grid(acc, snakemake.params.stds)
    save_figure(fig, snakemake.output.png)
    save_figure(fig, snakemake.output.pdf)
