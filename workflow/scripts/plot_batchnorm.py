import pandas as pd

from dlscratch.pipeline import job, save_outputs
from dlscratch.plotting import plot_batchnorm_grid, plot_batchnorm_single

with job(snakemake):
    acc = pd.read_csv(snakemake.input.table)
    save_outputs(plot_batchnorm_single(acc, snakemake.params.single_std), "fig6-18_batchnorm_single", snakemake.output)
    save_outputs(plot_batchnorm_grid(acc, snakemake.params.stds), "fig6-19_batchnorm_grid", snakemake.output)
