import pandas as pd

from dlscratch.pipeline import job
from dlscratch.plotting import plot_random_search_grid, plot_random_search_scatter, save_figure

with job(snakemake):
    summary = pd.read_csv(snakemake.input.summary)
    if snakemake.wildcards.fig == "fig6-24_random_search":
        fig = plot_random_search_grid(pd.read_csv(snakemake.input.curves), summary, top=snakemake.params.top)
    else:
        fig = plot_random_search_scatter(summary)
    save_figure(fig, snakemake.output.png)
    save_figure(fig, snakemake.output.pdf)
