from dlscratch.pipeline import job
from dlscratch.sweeps import write_sweep

with job(snakemake):
    write_sweep(snakemake)
