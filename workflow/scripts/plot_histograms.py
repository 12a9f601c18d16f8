import pandas as pd

from dlscratch.pipeline import job
from dlscratch.plotting import plot_activation_histograms, save_figure

with job(snakemake):
    fig = plot_activation_histograms(pd.read_csv(snakemake.input.table), snakemake.params.cases)
    save_figure(fig, snakemake.output.png)
    save_figure(fig, snakemake.output.pdf)
