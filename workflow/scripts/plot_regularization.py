import pandas as pd

from dlscratch.pipeline import job, save_outputs
from dlscratch.plotting import regularization_figures

with job(snakemake):
    decay = pd.concat([pd.read_csv(p) for p in snakemake.input.weight_decay], ignore_index=True)
    dropout = pd.concat([pd.read_csv(p) for p in snakemake.input.dropout], ignore_index=True)
    for name, fig in regularization_figures(decay, dropout).items():
        save_outputs(fig, name, snakemake.output)
