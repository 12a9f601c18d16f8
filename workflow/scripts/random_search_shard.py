import numpy as np


from dlscratch.experiments.search import run_trials, sample_trials, validation_split
from dlscratch.pipeline import job, load_mnist_input
from dlscratch.tables import write_table

with job(snakemake):
    cfg = snakemake.params.cfg
    seed = int(snakemake.wildcards.seed)
    trials = sample_trials(seed, cfg["trials"], cfg["lr_exponents"], cfg["weight_decay_exponents"])
    mine = np.array_split(trials.index, cfg["shards"])[int(snakemake.wildcards.shard)]
    (x, t), _ = load_mnist_input(snakemake)
    split = validation_split(x, t, cfg["subset_size"], cfg["validation_rate"], seed)
    table = run_trials(split, trials.loc[mine], cfg["hidden_sizes"], cfg["batch_size"], cfg["epochs"], seed)
    table.insert(0, "seed", seed)
    write_table(table, snakemake.output[0])
