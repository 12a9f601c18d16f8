import pandas as pd

from dlscratch.pipeline import job, save_outputs
from dlscratch.plotting import plot_activation_histograms

with job(snakemake):
    hist = pd.read_csv(snakemake.input.table)
    for name, cases in snakemake.params.figures.items():
        ymax = None
        if (hist.loc[hist.case.isin(cases), "activation"] == "relu").all():
            # the book clips its ReLU panels at 7000 of 100,000 values: half are exact zeros
            ymax = 0.07 * snakemake.params.n_values
        save_outputs(plot_activation_histograms(hist, cases, ymax=ymax), name, snakemake.output)
