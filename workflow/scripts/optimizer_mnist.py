from dlscratch.experiments.optimizers import paired_loss_curves
from dlscratch.pipeline import job, load_mnist_input
from dlscratch.tables import write_table

with job(snakemake):
    cfg = snakemake.params.cfg
    (x, t), test = load_mnist_input(snakemake)
    data = ((x[: cfg["train_size"]], t[: cfg["train_size"]]), test)
    variants = {name: ({}, spec) for name, spec in cfg["optimizers"].items()}  # ReLU, He init
    loss, summary = paired_loss_curves(
        data, variants, cfg["hidden_sizes"], cfg["batch_size"], cfg["iterations"],
        seed=int(snakemake.wildcards.seed), experiment="optimizer_mnist", variant_column="optimizer",
    )
    summary.insert(0, "seed", int(snakemake.wildcards.seed))
    write_table(loss, snakemake.output.loss)
    write_table(summary, snakemake.output.summary)
    print(summary.to_string())
