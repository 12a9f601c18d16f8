from dlscratch.experiments.regularization import overfit_run
from dlscratch.pipeline import job, load_mnist_input
from dlscratch.tables import write_table

with job(snakemake):
    cfg = snakemake.params.cfg
    lam = float(snakemake.wildcards.lam)
    table = overfit_run(
        load_mnist_input(snakemake), cfg["train_size"], cfg["hidden_sizes"], cfg["lr"],
        cfg["batch_size"], cfg["epochs"], seed=int(snakemake.wildcards.seed),
        weight_decay_lambda=lam,
    )
    table.insert(0, "weight_decay", lam)
    table.insert(0, "seed", int(snakemake.wildcards.seed))
    write_table(table, snakemake.output[0])
