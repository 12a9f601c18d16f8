from dlscratch.claims_table import write_claims
from dlscratch.pipeline import job

with job(snakemake):
    write_claims(snakemake)
