import pandas as pd

from dlscratch.pipeline import job, save_outputs
from dlscratch.plotting import plot_paths

with job(snakemake):
    table = pd.read_csv(snakemake.input.table)
    for name, optimizers in snakemake.params.figures.items():
        fig = plot_paths(table, optimizers, ncols=1 if len(optimizers) == 1 else 2)
        save_outputs(fig, name, snakemake.output)
