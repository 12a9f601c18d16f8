"""A sweep's response figures: for which values of a setting does the book's claim hold?

A sweep of ``config/runs.yaml`` (``dlscratch.runs``) is one run per value of a setting (or
per pair of values of two). For each claim id whose claims read an experiment the sweep
changes (``6-9`` for Adam's learning rate), one figure: a panel per claim of that id whose
quantity the setting changes (the others are named in the caption as unchanged), its
quantity against the swept value:

- the mean over seeds with its interval as the claims table gives it (95% t; 90% for an
  equivalence), one line per value of the second key of a grid;
- a log axis where the values are positive and span two decades or more;
- the claim's threshold (``holds_if``: ``dlscratch.claims.Condition``) as a dashed line;
- the book's value of the setting as a dotted line;
- each value's verdict as its marker's colour and word, the words of the claims table.

The caption says in words at which values each claim holds. Claims are matched across
runs by their figure and their place among its claims, as on the comparison page.
"""

import math
import re
import textwrap

import numpy as np

from . import plotting as P
from .claims import Condition
from .text import shorten

VERDICT_COLOURS = {"holds": "#2e7d32", "does not hold": "#c62828", "mixed": "#ef8f00", "inconclusive": "#7b52ab",
                   "diverged": "#000000", "not measured": "#9e9e9e"}


def claim_file(claim):
    """A claim id as a file name ("6-18/6-19" -> "6-18_6-19")."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", claim)


def _rows(claims, claim):
    """{n-th claim of id ``claim``: its row} of a claims table."""
    rows = claims[claims["claim"] == claim]
    return {i: r for i, r in enumerate(rows.itertuples())}


def _log(values):
    values = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return bool(values) and min(values) > 0 and max(values) / min(values) >= 100


def _value(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def response(claim, book_claims, runs, keys, book_values):
    """The figure of claim id ``claim`` over the sweep's ``runs`` ([{"name", "values",
    "claims": its claims table}]) and what its caption says."""
    from .overlay import RUN_STYLES

    book_rows = _rows(book_claims, claim)
    by_run = [(run, _rows(run["claims"], claim)) for run in runs]
    places = list(dict.fromkeys(i for _, rows in by_run for i in rows))
    changed, same = [], []
    for i in places:
        means = [rows[i].mean for _, rows in by_run if i in rows]
        per_seed = [rows[i].per_seed for _, rows in by_run if i in rows]
        (changed if len({round(m, 12) if math.isfinite(m) else None for m in means}) > 1
         or len(set(per_seed)) > 1 else same).append(i)
    statement = {i: (book_rows[i] if i in book_rows else next(rows[i] for _, rows in by_run if i in rows)).statement
                 for i in places}
    fig, axes = P.grid(max(len(changed), 1), min(2, max(len(changed), 1)), panel_size=(5.6, 4.2))
    if not changed:
        axes[0].text(0.5, 0.5, "no claim of this figure changes with the swept setting", ha="center", va="center",
                     transform=axes[0].transAxes)
        axes[0].set_axis_off()
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for run in runs for v in run["values"][:1])
    groups = list(dict.fromkeys(tuple(run["values"][1:]) for run in runs))
    words = []
    for ax, i in zip(axes, changed):
        holds_if = next((rows[i].holds_if for _, rows in by_run if i in rows and isinstance(rows[i].holds_if, str)
                         and rows[i].holds_if), "")
        condition = Condition.parse(holds_if)
        held = []
        for g, group in enumerate(groups):
            points = [(run["values"][0], rows[i]) for run, rows in by_run
                      if i in rows and tuple(run["values"][1:]) == group]
            xs = [v if numeric else k for k, (v, _) in enumerate(points)]
            mean = np.array([r.mean for _, r in points], dtype=float)
            low = np.array([r.ci95_low for _, r in points], dtype=float)
            high = np.array([r.ci95_high for _, r in points], dtype=float)
            label = ", ".join(f"{k.split('.')[-1]} {_value(v)}" for k, v in zip(keys[1:], group)) or None
            ax.plot(xs, mean, color="#555555", linestyle=RUN_STYLES[g % len(RUN_STYLES)], linewidth=1, label=label)
            bars = np.isfinite(low) & np.isfinite(high)
            if bars.any():
                ax.errorbar(np.array(xs, dtype=object)[bars].tolist(), mean[bars],
                            yerr=[mean[bars] - low[bars], high[bars] - mean[bars]], fmt="none", ecolor="#777777",
                            capsize=3, linewidth=1)
            for x, (value, r), m in zip(xs, points, mean):
                colour = VERDICT_COLOURS.get(r.verdict, "#9e9e9e")
                ax.plot([x], [m if math.isfinite(m) else 0.0], "o", color=colour, markersize=7, zorder=3)
                ax.annotate(r.verdict, (x, m if math.isfinite(m) else 0.0), xytext=(0, 8), textcoords="offset points",
                            ha="center", fontsize=7, color=colour)
                if r.verdict == "holds":
                    held.append(_value(value) + (f" ({label})" if label else ""))
        if condition is not None:
            for line in condition.lines:
                ax.axhline(line, color="#c62828", linestyle="--", linewidth=0.9)
        if numeric and book_values[0] is not None:
            ax.axvline(book_values[0], color="#1565c0", linestyle=":", linewidth=1.2,
                       label=f"the book's {_value(book_values[0])}")
        if numeric and _log([run["values"][0] for run in runs]):
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(range(len(runs)), [_value(run["values"][0]) for run in runs])
        quantity = next((rows[i].quantity for _, rows in by_run if i in rows), "quantity")
        ax.set_xlabel(keys[0])
        ax.set_ylabel("\n".join(_wrap(shorten(quantity, 90).replace("$", r"\$"), 48)), fontsize=8)
        ax.set_title("\n".join(_wrap(statement[i].replace("$", r"\$"), 62)), fontsize=8)
        ax.legend(fontsize=7, loc="best")
        words.append(f"“{statement[i]}” holds at {', '.join(held) if held else 'none of the values'}"
                     + (f" (it holds if the quantity is {holds_if})" if holds_if else ""))
    return fig, {"changed": [statement[i] for i in changed], "same": [statement[i] for i in same], "words": words}


def _wrap(text, width):
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def sweep_caption(sweep, claim, found):
    keys = " and ".join(sweep["keys"])
    values = ", ".join(" × ".join(_value(v) for v in run["values"]) for run in sweep["runs"])
    book = " × ".join("(its default)" if v is None else _value(v) for v in sweep["book"])
    text = [f"Sweep {sweep['name']}, claims of Fig {claim}: {keys} at {values} (the book's value, {book}, dotted).",
            "Each panel, a claim whose quantity the setting changes: its mean over seeds with its interval as the "
            "claims table gives it, the claim's threshold dashed, each value's verdict in colour."]
    text += [w + "." for w in found["words"]]
    if found["same"]:
        text.append("Unchanged by the setting: " + "; ".join(f"“{s}”" for s in found["same"]) + ".")
    return " ".join(text)


def write_sweep(snakemake):
    """The sweep job: the claims of the book's run and of each of the sweep's runs in, one
    response figure per claim id (PNG, PDF, caption) out."""
    import matplotlib

    matplotlib.use("Agg")
    from .claims_table import read_claims
    from .provenance import check_files

    check_files(snakemake.input.claims, snakemake.input.provenance)
    sweep = snakemake.params.sweep
    book = read_claims(sweep["book_claims"])
    runs = [{**run, "claims": read_claims(run["claims"])} for run in sweep["runs"]]
    outputs = P.outputs_by_stem(snakemake.output, exclude=[snakemake.output.provenance])
    for claim in sweep["claims"]:
        figure, found = response(claim, book, runs, sweep["keys"], sweep["book"])
        caption = sweep_caption(sweep, claim, found)
        P.save_outputs(figure, outputs[claim_file(claim)], {".txt": caption + "\n"})
        print(f"{claim}: {caption}")
