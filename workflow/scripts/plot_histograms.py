import pandas as pd

from dlscratch.pipeline import job
from dlscratch.plotting import plot_activation_histograms, save_figure

with job(snakemake):
    hist = pd.read_csv(snakemake.input.table)
    cases = snakemake.params.cases
    ymax = None
    if (hist.loc[hist.case.isin(cases), "activation"] == "relu").all():
        # the book clips its ReLU panels at 7000 of 100,000 values: half are exact zeros
        ymax = 0.07 * snakemake.params.n_values
    fig = plot_activation_histograms(hist, cases, ymax=ymax)
    save_figure(fig, snakemake.output.png)
    save_figure(fig, snakemake.output.pdf)
