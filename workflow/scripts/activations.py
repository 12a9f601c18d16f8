from dlscratch.experiments.initialization import activation_histograms
from dlscratch.pipeline import job
from dlscratch.tables import write_table

with job(snakemake):
    cfg = snakemake.params.cfg
    hist, stats = activation_histograms(
        cfg["cases"], seed=int(snakemake.wildcards.seed), n_samples=cfg["n_samples"],
        n_units=cfg["n_units"], n_layers=cfg["n_layers"], bins=cfg["bins"],
    )
    for table in (hist, stats):
        table.insert(0, "seed", int(snakemake.wildcards.seed))
    write_table(hist, snakemake.output.hist)
    write_table(stats, snakemake.output.stats)
