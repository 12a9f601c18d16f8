import pandas as pd

from dlscratch.pipeline import job
from dlscratch.plotting import plot_paths, save_figure

with job(snakemake):
    names = snakemake.params.optimizers
    fig = plot_paths(pd.read_csv(snakemake.input.table), names, ncols=1 if len(names) == 1 else 2)
    save_figure(fig, snakemake.output.png)
    save_figure(fig, snakemake.output.pdf)
