import pandas as pd

from dlscratch.pipeline import job
from dlscratch.plotting import plot_train_test, save_figure

with job(snakemake):
    acc = pd.concat([pd.read_csv(p) for p in snakemake.input.tables], ignore_index=True)
    if "weight_decay" in acc:  # one panel per lambda
        acc["variant"] = acc["weight_decay"].map(lambda v: f"lambda={v:g}")
        panels = [(v, None, f"weight decay {v.replace('lambda=', 'λ = ')}") for v in acc["variant"].unique()]
    else:  # dropout: without (left), with (right)
        ratio = acc.loc[acc["variant"] == "with", "dropout_ratio"].iloc[0]
        panels = [("without", None, "without Dropout"), ("with", None, f"Dropout (ratio {ratio:g})")]
    fig = plot_train_test(acc, panels)
    save_figure(fig, snakemake.output.png)
    save_figure(fig, snakemake.output.pdf)
