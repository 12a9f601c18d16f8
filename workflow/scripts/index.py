import pandas as pd

from dlscratch.index import index_html
from dlscratch.pipeline import job
from dlscratch.tables import atomic_write_text

with job(snakemake):
    claims = pd.read_csv(snakemake.input.claims)
    html = index_html(snakemake.params.figures, snakemake.params.config, claims, snakemake.input.benchmarks)
    atomic_write_text(snakemake.output[0], html)
