from dlscratch.pipeline import job
from dlscratch.store import prune

with job(snakemake):
    for directory, size in prune(snakemake.params.keep):
        print(f"deleted {directory} ({size:,} bytes)")
