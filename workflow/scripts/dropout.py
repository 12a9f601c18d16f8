from dlscratch.experiments.regularization import overfit_run
from dlscratch.pipeline import job, load_mnist_input
from dlscratch.tables import write_table

with job(snakemake):
    cfg = snakemake.params.cfg
    ratio = cfg["dropout_ratio"] if snakemake.wildcards.variant == "with" else None
    table = overfit_run(
        load_mnist_input(snakemake), cfg["train_size"], cfg["hidden_sizes"], cfg["lr"],
        cfg["batch_size"], cfg["epochs"], seed=int(snakemake.wildcards.seed),
        dropout_ratio=ratio,
    )
    table.insert(0, "dropout_ratio", 0.0 if ratio is None else ratio)
    table.insert(0, "variant", snakemake.wildcards.variant)
    table.insert(0, "seed", int(snakemake.wildcards.seed))
    write_table(table, snakemake.output[0])
