import pandas as pd

from dlscratch.claims import claims_markdown, evaluate_claims
from dlscratch.pipeline import job
from dlscratch.tables import atomic_write_text, write_table


def concat(paths):
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


with job(snakemake):
    names = ["optimizer_mnist", "activations", "init_mnist", "batchnorm", "weight_decay", "dropout", "random_search"]
    tables = {name: concat(snakemake.input[name]) for name in names}
    tables["paths"] = pd.read_csv(snakemake.input.paths)
    claims = evaluate_claims(tables)
    write_table(claims, snakemake.output.csv)
    atomic_write_text(snakemake.output.md, claims_markdown(claims))
    print(claims[["claim", "statement", "holds_in", "verdict"]].to_string())
