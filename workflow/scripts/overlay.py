from dlscratch.overlay_job import write_overlays
from dlscratch.pipeline import job

with job(snakemake):
    write_overlays(snakemake)
