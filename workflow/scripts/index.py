from dlscratch.index import write_index
from dlscratch.pipeline import job

with job(snakemake):
    write_index(snakemake)
