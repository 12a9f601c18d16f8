import pandas as pd

from dlscratch.experiments.search import summarize_trials
from dlscratch.pipeline import job
from dlscratch.tables import write_table

with job(snakemake):
    curves = pd.concat([pd.read_csv(p) for p in snakemake.input.shards], ignore_index=True)
    summary = summarize_trials(curves)
    summary.insert(0, "seed", int(snakemake.wildcards.seed))
    write_table(curves, snakemake.output.curves)
    write_table(summary, snakemake.output.summary)
    print(summary.head(10).to_string())
