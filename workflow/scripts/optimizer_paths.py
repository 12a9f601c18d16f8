from dlscratch.experiments.optimizers import optimizer_paths
from dlscratch.pipeline import job
from dlscratch.tables import write_table

with job(snakemake):
    cfg = snakemake.params.cfg
    table = optimizer_paths(cfg["optimizers"], start=cfg["start"], steps=cfg["steps"])
    write_table(table, snakemake.output[0])
