from dlscratch.pipeline import job
from dlscratch.prune import run

with job(snakemake):
    run(snakemake)
