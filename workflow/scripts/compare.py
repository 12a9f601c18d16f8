from dlscratch.compare import write_compare
from dlscratch.pipeline import job

with job(snakemake):
    write_compare(snakemake)
