"""The claims table: every section's claims, checked against the tables of every seed
(``evaluate_claims``), and written as ``claims.csv`` and ``claims.md`` (the claims job);
read back, checked, by the pages. What a verdict means: ``dlscratch.claims``."""

import numpy as np
import pandas as pd

from .atomic import write_text
from .claims import COLUMNS, VERDICTS
from .faults import damaged
from .registry import CLAIMS
from .results import read_run
from .tables import Schema, read_table, write_table
from .text import markdown_cell, plural


def evaluate_claims(tables, settings):
    """Every section's claims (``dlscratch.registry.CLAIMS``, in the chapter's order) from the
    tables they read (``tables[experiment][table]``, each concatenated over seeds, with a
    ``seed`` column) and the settings (claims settings of each block) that made them. A set
    of claims whose tables the run lacks (the studies', without `snakemake studies`) is left
    out; a comparison whose variants the configuration lacks is a "not measured" row, and every
    comparison whose variants exist is measured."""
    rows = []
    for claims in CLAIMS:
        if all(name in tables for name in claims.experiments):
            made = claims.function(tables, settings)
            wrong = sorted({r["claim"] for r in made} - set(claims.ids))
            if wrong:
                raise ValueError(f"{claims.function.__module__}.{claims.function.__name__} made claim {wrong[0]!r}, "
                                 f"which its declaration does not list ({', '.join(claims.ids)})")
            rows += made
    return pd.DataFrame(rows, columns=COLUMNS)


def _number(x):
    return "" if not np.isfinite(x) else f"{x:.4g}"


def _interval(r):
    if r.interval == "deterministic":
        return f"{_number(r.mean)} (deterministic)"
    if not np.isfinite(r.mean):
        return ""
    if not (np.isfinite(r.ci95_low) and np.isfinite(r.ci95_high)):  # fewer than two seeds measured it
        measured = int(r.holds_in.split("/")[1]) if "/" in str(r.holds_in) else int(r.n_seeds)
        return f"{_number(r.mean)} (interval n/a: {plural(measured, 'seed')})"
    return f"{_number(r.mean)} [{_number(r.ci95_low)}, {_number(r.ci95_high)}]"


def _verdict(r):
    if r.verdict == "diverged":
        return f"diverged ({r.diverged}; over the others: {r.verdict_trained})"
    return r.verdict


def display_table(claims):
    """The claims table as shown to a reader (Markdown and HTML alike): one row per claim."""
    claims = claims.fillna({name: "" for name in ("detail", "diverged", "verdict_trained", "per_seed", "holds_in",
                                                  "interval", "quantity")})
    detail = claims["detail"].map(lambda d: f" ({d})" if d else "")
    return pd.DataFrame({"fig": claims["claim"], "claim": claims["statement"] + detail,
                         "measured": claims["quantity"], "per seed": claims["per_seed"],
                         "mean [95% CI]": [_interval(r) for r in claims.itertuples()],
                         "holds in": claims["holds_in"], "verdict": [_verdict(r) for r in claims.itertuples()]})


CLAIMS_SCHEMA = {name: "str" for name in COLUMNS} | {"n_seeds": "int", "mean": "float", "ci95_low": "float",
                                                      "ci95_high": "float"}


CLAIMS_TABLE_SCHEMA = Schema(CLAIMS_SCHEMA, rows=None, rule="claims",
                             optional=("quantity", "holds_if", "per_seed", "interval", "holds_in", "diverged", "detail"))


def read_claims(path):
    """claims.csv, checked: its columns and their types, a known verdict in every row."""
    table = read_table(path, CLAIMS_TABLE_SCHEMA)
    unknown = set(table["verdict"]) - set(VERDICTS)
    if unknown:
        raise damaged(path, f"unknown verdicts {sorted(unknown)}", "claims")
    return table


MARKDOWN_HEAD = """# Chapter 6's claims, checked

Verdict: **holds** in every seed, **does not hold** in any, or **mixed**; an equivalence ("the same within
±margin") is **inconclusive** where its 90% interval straddles the margin; **not measured** where the settings
lack a variant the claim compares; **diverged** where a compared variant diverged in some seed (with the verdict
over the others). Interval: 95% Student-t interval of the mean over seeds (paired differences where two variants
are compared: within a seed they share initial weights and minibatches).

"""


def claims_markdown(claims):
    """The claims table as Markdown (pandas, through tabulate). Every cell is escaped
    (``dlscratch.text.markdown_cell``): a label in a statement renders as the text it is."""
    table = display_table(claims).map(markdown_cell).assign(verdict=lambda t: "**" + t["verdict"] + "**")
    return MARKDOWN_HEAD + table.to_markdown(index=False, disable_numparse=True) + "\n"


def write_claims(snakemake):
    """The claims job: every seed's tables in (``dlscratch.results``), ``claims.csv`` and
    ``claims.md`` out."""
    params = snakemake.params
    claims = evaluate_claims(read_run(params.tables), params.settings)
    write_table(claims, snakemake.output.csv)
    write_text(snakemake.output.md, claims_markdown(claims))
    print(claims[["claim", "statement", "holds_in", "verdict"]].to_string())
