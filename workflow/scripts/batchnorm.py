from dlscratch.experiments.batchnorm import batchnorm_comparison
from dlscratch.pipeline import job, load_mnist_input
from dlscratch.tables import write_table

with job(snakemake):
    cfg = snakemake.params.cfg
    (x, t), _ = load_mnist_input(snakemake)
    n = cfg["train_size"]
    table = batchnorm_comparison(
        x[:n], t[:n], snakemake.params.stds, cfg["hidden_sizes"], cfg["lr"], cfg["batch_size"],
        cfg["epochs"], seed=int(snakemake.wildcards.seed),
    )
    table.insert(0, "seed", int(snakemake.wildcards.seed))
    write_table(table, snakemake.output[0])
