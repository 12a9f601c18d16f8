from dlscratch.pipeline import job
from dlscratch.results import write_run_tables

with job(snakemake):
    write_run_tables(snakemake)
