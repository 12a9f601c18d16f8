import pandas as pd

from dlscratch.pipeline import job, save_outputs
from dlscratch.plotting import plot_random_search_grid, plot_random_search_scatter

with job(snakemake):
    summary = pd.read_csv(snakemake.input.summary)
    curves = pd.read_csv(snakemake.input.curves)
    grid = plot_random_search_grid(curves, summary, top=snakemake.params.top)
    save_outputs(grid, "fig6-24_random_search", snakemake.output)
    save_outputs(plot_random_search_scatter(summary), "fig6-24x_random_search_scatter", snakemake.output)
