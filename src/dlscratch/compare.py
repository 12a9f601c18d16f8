"""results/compare.html and results/compare.csv: the book's run and the named runs side by side.

For each run, what it changes of the book's settings (``key: book value → run value``);
every claim with a column per run (verdict, mean and interval), the rows whose verdict
differs from the book's highlighted; every figure of the chapter and its several-seed
companion, the runs' versions side by side. Claims are matched across runs by their
figure and their place among that figure's claims (a run's own wording, which names its
own labels and hyperparameters, is shown where it differs from the book's). Every text
from the settings is escaped (Jinja's autoescape).

``compare.csv`` is the same comparison, tidy, for pandas: one row per run and claim, with
the columns run, figure, claim (the statement as the book's run words it), verdict, mean,
lo and hi (the 95% interval; empty where there is none).
"""

import math
from pathlib import Path

import jinja2
import pandas as pd

from .atomic import write_text
from .captions import label as figure_label
from .claims_table import _verdict, read_claims
from .provenance import check_files
from .registry import FIGURES
from .runs import BOOK, changes
from .tables import write_table

COLUMNS = ["run", "figure", "claim", "verdict", "mean", "lo", "hi"]


def matched(claims):
    """{run: claims table with a ``row`` column: (figure, n-th claim of that figure)}."""
    out = {}
    for run, table in claims.items():
        table = table.copy()
        table["row"] = list(zip(table["claim"], table.groupby("claim").cumcount()))
        out[run] = table
    return out


def tidy(claims, runs):
    """compare.csv: one row per run and claim (``claims``: {run: its claims table})."""
    tables = matched(claims)
    book = dict(zip(tables[BOOK]["row"], tables[BOOK]["statement"]))
    rows = []
    for run in runs:
        for r in tables[run].itertuples():
            rows.append({"run": run, "figure": r.claim, "claim": book.get(r.row, r.statement), "verdict": r.verdict,
                         "mean": r.mean, "lo": r.ci95_low, "hi": r.ci95_high})
    return pd.DataFrame(rows, columns=COLUMNS)


def _number(x):
    return "" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.4g}"


def claim_rows(claims, runs):
    """The rows of the page's claims table: the book's statement, then per run its verdict,
    mean and interval (and its own statement where it words the claim otherwise)."""
    tables = matched(claims)
    order = list(dict.fromkeys(row for run in runs for row in tables[run]["row"]))
    by_run = {run: {r.row: r for r in tables[run].itertuples()} for run in runs}
    rows = []
    for row in order:
        book = by_run[BOOK].get(row)
        cells = []
        for run in runs:
            r = by_run[run].get(row)
            if r is None:
                cells.append({"verdict": "—", "css": "absent", "detail": "no such claim in this run"})
                continue
            interval = f"[{_number(r.ci95_low)}, {_number(r.ci95_high)}]" if _number(r.ci95_low) else ""
            cells.append({"verdict": _verdict(r), "css": r.verdict.replace(" ", "-"),
                          "detail": " ".join(x for x in (_number(r.mean), interval) if x),
                          "statement": r.statement if book is not None and r.statement != book.statement else "",
                          "differs": run != BOOK and book is not None and r.verdict != book.verdict})
        reference = book if book is not None else next(by_run[run][row] for run in runs if row in by_run[run])
        rows.append({"figure": row[0], "statement": reference.statement, "cells": cells,
                     "differs": any(c.get("differs") for c in cells)})
    return rows


def figure_rows(runs):
    """One row per figure any run draws (the registry's order, each companion after its
    figure): its stem, label, and each run's PNG (None where that run does not draw it)."""
    drawn = {run["name"]: {f["stem"] for f in run["figures"]} for run in runs}
    stems = list(dict.fromkeys(f["stem"] for run in runs for f in run["figures"]))
    order = {stem: i for i, stem in enumerate(FIGURES)}
    stems.sort(key=lambda s: (order.get(s.removesuffix("_seeds"), len(order)), s.endswith("_seeds")))
    rows = []
    for stem in stems:
        figure = FIGURES.get(stem.removesuffix("_seeds"))
        title = figure_label(figure.number) + (" (several seeds)" if stem.endswith("_seeds") else "") \
            if figure else stem
        rows.append({"stem": stem, "label": title, "title": figure.title if figure else "",
                     "cells": [f"{run['directory'].removeprefix('results/').removeprefix('results')}/figures/"
                               f"{stem}.png".lstrip("/") if stem in drawn[run["name"]] else None for run in runs]})
    return rows


PAGE = jinja2.Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Chapter 6: the book's run and the named runs, side by side</title>
<style>
body{font-family:system-ui,sans-serif;margin:auto;padding:0 1.2em;color:#222;line-height:1.4;max-width:{{ 460 * runs | length + 200 }}px}
h2{border-bottom:2px solid #ddd;padding-bottom:0.2em;margin-top:2em}
table{border-collapse:collapse;margin:0.4em 0}td,th{border:1px solid #ccc;padding:3px 6px;font-size:84%;text-align:left;
vertical-align:top}
tr.differs td{background:#fff1d6} tr.differs td.first{border-left:4px solid #e0a000}
.v{font-weight:bold;padding:0 5px;border-radius:3px;white-space:nowrap}
.holds{background:#d4edda}.does-not-hold{background:#f8d7da}.mixed{background:#fff3cd}.inconclusive{background:#e8e0f5}
.not-measured{background:#e2e3e5}.diverged{background:#f5c6cb}.absent{background:#eee}
.changed{outline:2px solid #e0a000}
.figs td{width:440px} .figs img{width:440px;border:1px solid #eee}
small{color:#444} code{background:#f4f4f4}
</style></head><body>
<h1 id="top">The book's run and the named runs, side by side</h1>
<p>Chapter 6 of Deep Learning from Scratch, once with the book's settings and once per named run of
<code>config/runs.yaml</code> (<code>snakemake --cores 4 compare</code>). Every run trains what it changes and
reuses the rest from the store. Contents: <a href="#runs">the runs</a>, <a href="#claims">the claims</a>,
<a href="#figures">the figures</a>; tidy: <a href="compare.csv">compare.csv</a>.</p>
<h2 id="runs">The runs</h2>
<table><tr><th>run</th><th>what it changes of the book's settings</th><th>its page</th></tr>
{% for run in runs %}<tr><td><b>{{ run.name }}</b>{% if run.description %}<br><small>{{ run.description }}</small>{% endif %}</td>
<td>{% for key, book, mine in run.changes %}<code>{{ key }}</code>: {{ book }} → {{ mine }}<br>{% else %}{% if run.name == "book" %}the book's settings (config/config.yaml and the command line's){% else %}nothing: it is the book's run{% endif %}{% endfor %}</td>
<td><a href="{{ run.index }}">{{ run.index }}</a></td></tr>
{% endfor %}</table>
<h2 id="claims">The claims, run by run</h2>
<p>Verdict, mean and 95% interval over seeds, as each run's own <code>claims.csv</code> gives them. A highlighted row:
some run's verdict differs from the book's run ({{ n_differ }} of {{ claims | length }} claims).</p>
<table><tr><th>fig</th><th>claim (as the book's run words it)</th>{% for run in runs %}<th>{{ run.name }}</th>{% endfor %}</tr>
{% for row in claims %}<tr{% if row.differs %} class="differs"{% endif %}><td class="first">{{ row.figure }}</td><td>{{ row.statement }}</td>
{% for c in row.cells %}<td{% if c.differs %} class="changed"{% endif %}><span class="v {{ c.css }}">{{ c.verdict }}</span>
{% if c.detail %}<br><small>{{ c.detail }}</small>{% endif %}{% if c.statement %}<br><small>as this run words it: {{ c.statement }}</small>{% endif %}</td>
{% endfor %}</tr>
{% endfor %}</table>
<h2 id="figures">The figures, run by run</h2>
<p>Each figure as each run draws it. The axes the chapter fixes are the same in every run (loss 0–1 in Fig 6-9, 0–2.5
in Fig 6-15, accuracy 0–1, the box of the 2-D paths), so curves compare by eye; an axis that counts iterations or
epochs follows each run's settings.</p>
<table class="figs"><tr><th></th>{% for run in runs %}<th>{{ run.name }}</th>{% endfor %}</tr>
{% for row in figures %}<tr id="{{ row.stem }}"><td><b>{{ row.label }}</b><br><small>{{ row.title }}</small></td>
{% for src in row.cells %}<td>{% if src %}<a href="{{ src }}"><img src="{{ src }}" alt="{{ row.stem }}"></a>{% else %}<small>not drawn in this run</small>{% endif %}</td>{% endfor %}</tr>
{% endfor %}</table>
<p><a href="#top">Back to the top</a>.</p>
</body></html>
""", autoescape=True)


def compare_html(runs, claims):
    """The page: ``runs`` as the rule passes them (name, description, directory, config,
    figures), ``claims`` {run: its claims table}."""
    book = next(run for run in runs if run["name"] == BOOK)
    shown = [{"name": run["name"], "description": run["description"],
              "changes": [] if run["name"] == BOOK else changes(book["config"], run["config"]),
              "index": f"{run['directory'].removeprefix('results').lstrip('/') or '.'}/index.html".removeprefix("./")}
             for run in runs]
    names = [run["name"] for run in runs]
    rows = claim_rows(claims, names)
    return PAGE.render(runs=shown, claims=rows, n_differ=sum(r["differs"] for r in rows), figures=figure_rows(runs))


def write_compare(snakemake):
    """The comparison job: every run's claims (checked against their records) in, the page
    and the tidy table out."""
    check_files([*snakemake.input.claims, *snakemake.input.figures], snakemake.input.provenance)
    runs = snakemake.params.runs
    claims = {run["name"]: read_claims(path) for run, path in zip(runs, snakemake.input.claims)}
    write_table(tidy(claims, [run["name"] for run in runs]), snakemake.output.csv)
    write_text(snakemake.output.html, compare_html(runs, claims))
    print(f"compared {', '.join(run['name'] for run in runs)}: {Path(snakemake.output.html)}")
