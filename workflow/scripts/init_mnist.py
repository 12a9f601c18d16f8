from dlscratch.experiments.optimizers import paired_loss_curves
from dlscratch.pipeline import job, load_mnist_input
from dlscratch.tables import write_table

with job(snakemake):
    cfg = snakemake.params.cfg
    (x, t), test = load_mnist_input(snakemake)
    data = ((x[: cfg["train_size"]], t[: cfg["train_size"]]), test)
    variants = {
        label: ({"weight_init_std": std, "activation": cfg["activation"]}, cfg["optimizer"])
        for label, std in cfg["inits"].items()
    }
    loss, summary = paired_loss_curves(
        data, variants, cfg["hidden_sizes"], cfg["batch_size"], cfg["iterations"],
        seed=int(snakemake.wildcards.seed), experiment="init_mnist", variant_column="init",
    )
    summary.insert(0, "seed", int(snakemake.wildcards.seed))
    write_table(loss, snakemake.output.loss)
    write_table(summary, snakemake.output.summary)
    print(summary.to_string())
