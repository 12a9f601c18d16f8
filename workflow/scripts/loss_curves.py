from dlscratch.experiments.optimizers import loss_curve_experiment
from dlscratch.pipeline import job, load_mnist_input
from dlscratch.tables import write_table

with job(snakemake):  # rule optimizer_mnist (Fig 6-9) or init_mnist (Fig 6-15)
    loss, summary = loss_curve_experiment(snakemake.rule, snakemake.params.cfg, load_mnist_input(snakemake),
                                          int(snakemake.wildcards.seed))
    write_table(loss, snakemake.output.loss)
    write_table(summary, snakemake.output.summary)
    print(summary.to_string())
