import pandas as pd

from dlscratch.pipeline import job, save_outputs
from dlscratch.plotting import plot_train_test

with job(snakemake):
    decay = pd.concat([pd.read_csv(p) for p in snakemake.input.weight_decay], ignore_index=True)
    decay["variant"] = decay["weight_decay"].map(lambda v: f"{v:g}")
    panels = [(v, None, f"weight decay λ = {v}") for v in decay["variant"].unique()]
    save_outputs(plot_train_test(decay, panels[:1]), "fig6-20_overfitting", snakemake.output)
    if len(panels) > 1:
        save_outputs(plot_train_test(decay, panels[1:]), "fig6-21_weight_decay", snakemake.output)

    dropout = pd.concat([pd.read_csv(p) for p in snakemake.input.dropout], ignore_index=True)
    ratio = dropout.loc[dropout["variant"] == "with", "dropout_ratio"].iloc[0]
    panels = [("without", None, "without Dropout"), ("with", None, f"Dropout (ratio {ratio:g})")]
    save_outputs(plot_train_test(dropout, panels), "fig6-23_dropout", snakemake.output)
