# The unregularized run of 6.4, trained once for Fig 6-20 (weight_decay, lambda 0) and
# for the left panel of Fig 6-23 (dropout, without): each table gets its own epochs.
from dlscratch.experiments.regularization import first_epochs, overfit_run
from dlscratch.pipeline import job, load_mnist_input
from dlscratch.tables import write_table

with job(snakemake):
    seed = int(snakemake.wildcards.seed)
    decay, dropout = snakemake.params.weight_decay, snakemake.params.dropout
    run = overfit_run(
        load_mnist_input(snakemake), decay["train_size"], decay["hidden_sizes"], decay["lr"],
        decay["batch_size"], snakemake.params.epochs, seed=seed,
    )
    for cfg, out, columns in [(decay, snakemake.output.weight_decay, {"weight_decay": 0.0}),
                              (dropout, snakemake.output.dropout, {"dropout_ratio": 0.0, "variant": "without"})]:
        table = first_epochs(run, cfg["epochs"], cfg["train_size"], cfg["batch_size"])
        for column, value in columns.items():
            table.insert(0, column, value)
        table.insert(0, "seed", seed)
        write_table(table, out)
