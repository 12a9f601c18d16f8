"""results/compare.html and results/compare.csv: the book's run and the named runs, what differs first.

The page leads with what changed:

- for each named run (a sweep's runs under their sweep, a run tried from the command line
  marked so): what it changes of the book's settings (``key: book value → run value``),
  which claims change verdict, and which figures differ from the book's run;
- a table of the runs, as ``dvc exp show``: one row per run, the settings it changes and
  the headline numbers of the figures that differ (``dlscratch.metrics``: mean and 95%
  interval over seeds), those equal in every run left out;
- each sweep's response figures (``dlscratch.sweeps``): for which values a claim holds;
- each figure that differs between runs, byte for byte: its overlay
  (``dlscratch.overlay``), then each run's own version beside the book's;
- every claim, a column per run (verdict, mean and interval), the rows whose verdict differs
  from the book's highlighted;
- the figures identical in every run, listed once, each a link to the book's.

Claims are matched across runs by their figure and their place among that figure's claims
(a run's own wording, which names its own labels and hyperparameters, is shown where it
differs from the book's). Every text from the settings is escaped (Jinja's autoescape).

``compare.csv`` is the same comparison, tidy, for pandas: one row per run and claim
(``kind`` "claim") and per run and headline number (``kind`` "metric"), with the columns
kind, run, sweep, key, value (where the run lies in a sweep), figure, claim (the statement
as the book's run words it, or the number's name), verdict, mean, lo and hi (the 95%
interval; empty where there is none).
"""

import math
from pathlib import Path

import jinja2
import pandas as pd

from .atomic import write_text
from .captions import label as figure_label
from .claims_table import _verdict, read_claims
from .metrics import summarize
from .provenance import check_files
from .registry import FIGURES
from .runs import BOOK, changes, value_text
from .tables import Schema, read_table, write_table

COLUMNS = ["kind", "run", "sweep", "key", "value", "figure", "claim", "verdict", "mean", "lo", "hi"]
METRICS_SCHEMA = Schema({"run": "str", "figure": "str", "metric": "str", "seed": "float", "value": "float"}, rows=None,
                        rule="compare_overlay")


def matched(claims):
    """{run: claims table with a ``row`` column: (figure, n-th claim of that figure)}."""
    out = {}
    for run, table in claims.items():
        table = table.copy()
        table["row"] = list(zip(table["claim"], table.groupby("claim").cumcount()))
        out[run] = table
    return out


def _where(sweep):
    """(sweep, key, value) columns of a run ({"name", "keys", "values"} or None)."""
    if not sweep:
        return "", "", ""
    return sweep["name"], ", ".join(sweep["keys"]), ", ".join(value_text(v) for v in sweep["values"])


def tidy(claims, runs, sweeps=None, metrics=None):
    """compare.csv: one row per run and claim (``claims``: {run: its claims table}), then per
    run and headline number (``metrics``: ``dlscratch.metrics.summarize``'s table);
    ``sweeps``: {run: where it lies in a sweep}."""
    sweeps = sweeps or {}
    tables = matched(claims)
    book = dict(zip(tables[BOOK]["row"], tables[BOOK]["statement"]))
    rows = []
    for run in runs:
        where = dict(zip(("sweep", "key", "value"), _where(sweeps.get(run))))
        for r in tables[run].itertuples():
            rows.append({"kind": "claim", "run": run, **where, "figure": r.claim, "claim": book.get(r.row, r.statement),
                         "verdict": r.verdict, "mean": r.mean, "lo": r.ci95_low, "hi": r.ci95_high})
        if metrics is not None:
            for m in metrics[metrics["run"] == run].itertuples():
                rows.append({"kind": "metric", "run": run, **where, "figure": m.figure, "claim": m.metric,
                             "verdict": "", "mean": m.mean, "lo": m.lo, "hi": m.hi})
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
            cells.append({"run": run, "verdict": _verdict(r), "css": r.verdict.replace(" ", "-"),
                          "detail": " ".join(x for x in (_number(r.mean), interval) if x),
                          "statement": r.statement if book is not None and r.statement != book.statement else "",
                          "differs": run != BOOK and book is not None and r.verdict != book.verdict,
                          "book": _verdict(book) if book is not None else ""})
        reference = book if book is not None else next(by_run[run][row] for run in runs if row in by_run[run])
        rows.append({"figure": row[0], "statement": reference.statement, "cells": cells,
                     "differs": any(c.get("differs") for c in cells)})
    return rows


def _relative(run):
    return run["directory"].removeprefix("results").lstrip("/")


def figure_rows(runs, differing):
    """One row per figure any run draws (the registry's order, each companion after its
    figure): its stem, label, title, whether it differs between runs, and each run's PNG
    (None where that run does not draw it); ``differing``: {stem: [runs whose PNG differs
    from the book's]}."""
    drawn = {run["name"]: {f["stem"] for f in run["figures"]} for run in runs}
    stems = list(dict.fromkeys(f["stem"] for run in runs for f in run["figures"]))
    order = {stem: i for i, stem in enumerate(FIGURES)}
    stems.sort(key=lambda s: (order.get(s.removesuffix("_seeds"), len(order)), s.endswith("_seeds")))
    rows = []
    for stem in stems:
        figure = FIGURES.get(stem.removesuffix("_seeds"))
        title = figure_label(figure.number) + (" (several seeds)" if stem.endswith("_seeds") else "") \
            if figure else stem
        cells = {run["name"]: f"{_relative(run)}/figures/{stem}.png".lstrip("/") if stem in drawn[run["name"]] else None
                 for run in runs}
        rows.append({"stem": stem, "label": title, "title": figure.title if figure else "",
                     "differs": differing.get(stem, []), "cells": cells})
    return rows


def metric_rows(metrics, runs):
    """The runs table's number columns: the headline numbers whose mean differs between runs
    ({"figure", "metric"}), and per run and column its text ("0.972 [0.96, 0.98]")."""
    if metrics is None or metrics.empty:
        return [], {}
    columns, cells = [], {}
    for (figure, metric), rows in metrics.groupby(["figure", "metric"], sort=False):
        means = {r.run: r.mean for r in rows.itertuples()}
        values = {_number(v) for v in means.values()}
        if len(values) > 1 or set(means) != set(runs):
            columns.append({"figure": figure, "metric": metric})
            for r in rows.itertuples():
                interval = f" [{_number(r.lo)}, {_number(r.hi)}]" if _number(r.lo) else ""
                cells[(r.run, figure, metric)] = (_number(r.mean) or "—") + interval
    return columns, cells


PAGE = jinja2.Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Chapter 6: the book's run and the named runs, what differs</title>
<style>
body{font-family:system-ui,sans-serif;margin:auto;padding:0 1.2em;color:#222;line-height:1.4;max-width:1500px}
h2{border-bottom:2px solid #ddd;padding-bottom:0.2em;margin-top:2em} h3{margin-bottom:0.3em}
table{border-collapse:collapse;margin:0.4em 0}td,th{border:1px solid #ccc;padding:3px 6px;font-size:84%;text-align:left;
vertical-align:top}
.wide{overflow-x:auto}
tr.differs td{background:#fff1d6} tr.differs td.first{border-left:4px solid #e0a000}
.v{font-weight:bold;padding:0 5px;border-radius:3px;white-space:nowrap}
.holds{background:#d4edda}.does-not-hold{background:#f8d7da}.mixed{background:#fff3cd}.inconclusive{background:#e8e0f5}
.not-measured{background:#e2e3e5}.diverged{background:#f5c6cb}.absent{background:#eee}
.changed{outline:2px solid #e0a000}
.run{border:1px solid #ddd;border-left:4px solid #e0a000;padding:0.3em 0.8em;margin:0.6em 0}
.run.same{border-left-color:#ccc}
.tag{font-size:75%;background:#e3ecf7;border-radius:3px;padding:0 4px;margin-left:4px}
.overlay img{max-width:100%;border:1px solid #eee}
.versions{display:flex;flex-wrap:wrap;gap:8px} .versions figure{margin:0;width:360px}
.versions img{width:360px;border:1px solid #eee}
figcaption,small{color:#444;font-size:85%} code{background:#f4f4f4}
</style></head><body>
<h1 id="top">The book's run and the named runs: what differs</h1>
<p>Chapter 6 of Deep Learning from Scratch, once with the book's settings and once per named run of
<code>config/runs.yaml</code> (or tried with <code>--config 'try=KEY=VALUE'</code>), built by
<code>snakemake --cores 4 compare</code>. Every run trains what it changes and reuses the rest from the store.
Contents: <a href="#runs">what each run changes</a>, <a href="#table">the runs in numbers</a>,
{% if sweeps %}<a href="#sweeps">the sweeps</a>, {% endif %}<a href="#figures">the figures that differ</a>
({{ differing | length }}), <a href="#claims">every claim</a>, <a href="#identical">the figures identical in every
run</a> ({{ identical | length }}); tidy: <a href="compare.csv">compare.csv</a>.</p>

<h2 id="runs">What each run changes</h2>
{% for run in runs if run.name != "book" %}
<div class="run{% if not run.claims and not run.figures %} same{% endif %}" id="run-{{ run.name }}">
<h3>{{ run.name }}{% if run.tried %}<span class="tag">tried from the command line</span>{% endif %}{% if run.sweep %}<span class="tag">sweep {{ run.sweep }}</span>{% endif %}</h3>
{% if run.description %}<small>{{ run.description }}</small><br>{% endif %}
<b>Changes</b>: {% for key, book, mine in run.changes %}<code>{{ key }}</code>: {{ book }} → {{ mine }}{% if not loop.last %}; {% endif %}{% else %}nothing: these are the book's settings{% endfor %}.<br>
<b>Claims that change verdict</b>: {% for c in run.claims %}<br>&nbsp;Fig {{ c.figure }}: {{ c.statement }}: <span class="v {{ c.book_css }}">{{ c.book }}</span> → <span class="v {{ c.css }}">{{ c.verdict }}</span>{% else %}none.{% endfor %}<br>
<b>Figures that differ from the book's run</b>: {% for f in run.figures %}<a href="#{{ f.stem }}">{{ f.label }}</a>{% if not loop.last %}, {% endif %}{% else %}none.{% endfor %}
&middot; <a href="{{ run.index }}">its page</a>
</div>
{% endfor %}

<h2 id="table">The runs in numbers</h2>
<p>One row per run, as <code>dvc exp show</code>: the settings it changes, and the headline numbers of the figures
that differ (mean over seeds and 95% interval); numbers equal in every run are left out (compare.csv has them
all).</p>
<div class="wide"><table><tr><th>run</th>{% for key in keys %}<th><code>{{ key }}</code></th>{% endfor %}
{% for c in metric_columns %}<th>Fig {{ c.figure }}<br>{{ c.metric }}</th>{% endfor %}</tr>
{% for run in runs %}<tr><td><a href="{% if run.name == "book" %}{{ run.index }}{% else %}#run-{{ run.name }}{% endif %}">{{ run.name }}</a></td>
{% for key in keys %}<td>{{ run.settings.get(key, "") }}</td>{% endfor %}
{% for c in metric_columns %}<td>{{ metric_cells.get((run.name, c.figure, c.metric), "—") }}</td>{% endfor %}</tr>
{% endfor %}</table></div>
{% if not metric_columns %}<p>No headline number differs between the runs.</p>{% endif %}

{% if sweeps %}<h2 id="sweeps">The sweeps: for which values does a claim hold?</h2>
{% for sweep in sweeps %}<h3 id="sweep-{{ sweep.name }}">{{ sweep.name }}: <code>{{ sweep.swept | join(", ") }}</code></h3>
<p>Runs: {% for run in sweep.runs %}<a href="#run-{{ run }}">{{ run }}</a>{% if not loop.last %}, {% endif %}{% endfor %}.</p>
{% for f in sweep.figures %}<figure class="overlay"><a href="{{ f.png }}"><img src="{{ f.png }}" alt="{{ f.claim }}"></a>
<figcaption>{{ f.caption }}</figcaption></figure>{% endfor %}
{% endfor %}{% endif %}

<h2 id="figures">The figures that differ</h2>
{% for row in differing %}<section id="{{ row.stem }}"><h3>{{ row.label }}: {{ row.title }}</h3>
<p><small>Differs from the book's run in {{ row.differs | join(", ") }}{% if row.same %}; the same as the book's in
{{ row.same | join(", ") }}{% endif %}.</small></p>
{% if row.overlay %}<figure class="overlay"><a href="{{ row.overlay }}"><img src="{{ row.overlay }}" alt="{{ row.stem }} overlaid"></a>
<figcaption>{{ row.overlay_caption }}</figcaption></figure>{% endif %}
<p><small>Each run's own figure, where it differs from the book's:</small></p>
<div class="versions">{% for name, src in row.versions %}<figure><a href="{{ src }}"><img src="{{ src }}" alt="{{ row.stem }} in {{ name }}"></a>
<figcaption>{{ name }}</figcaption></figure>{% endfor %}</div>
{% if row.seeds_versions %}<details><summary>Its several-seed companion, run by run</summary>
<div class="versions">{% for name, src in row.seeds_versions %}<figure><a href="{{ src }}"><img src="{{ src }}" alt="{{ row.stem }} (several seeds) in {{ name }}"></a>
<figcaption>{{ name }}</figcaption></figure>{% endfor %}</div></details>{% endif %}</section>
{% else %}<p>No figure differs between the runs.</p>{% endfor %}

<h2 id="claims">Every claim, run by run</h2>
<p>Verdict, mean and 95% interval over seeds, as each run's own <code>claims.csv</code> gives them. A highlighted row:
some run's verdict differs from the book's run ({{ n_differ }} of {{ claims | length }} claims).</p>
<div class="wide"><table><tr><th>fig</th><th>claim (as the book's run words it)</th>{% for run in runs %}<th>{{ run.name }}</th>{% endfor %}</tr>
{% for row in claims %}<tr{% if row.differs %} class="differs"{% endif %}><td class="first">{{ row.figure }}</td><td>{{ row.statement }}</td>
{% for c in row.cells %}<td{% if c.differs %} class="changed"{% endif %}><span class="v {{ c.css }}">{{ c.verdict }}</span>
{% if c.detail %}<br><small>{{ c.detail }}</small>{% endif %}{% if c.statement %}<br><small>as this run words it: {{ c.statement }}</small>{% endif %}</td>
{% endfor %}</tr>
{% endfor %}</table></div>

<h2 id="identical">The figures identical in every run</h2>
<details><summary>{{ identical | length }} figures are the same, byte for byte, in every run: the book's</summary>
<ul>{% for row in identical %}<li id="{{ row.stem }}"><a href="{{ row.book }}">{{ row.label }}</a>: {{ row.title }}</li>{% endfor %}</ul>
</details>
<p><a href="#top">Back to the top</a>.</p>
</body></html>
""", autoescape=True)


def compare_html(runs, claims, differing=None, overlays=None, sweeps=None, metrics=None):
    """The page: ``runs`` as the rule passes them (name, description, directory, config,
    figures, sweep, tried), ``claims`` {run: its claims table}; ``differing`` {figure stem:
    the runs whose PNG differs from the book's} (default: every figure differs in every run);
    ``overlays`` {stem: (PNG path, caption)}; ``sweeps`` [{"name", "swept", "runs",
    "figures": [{"claim", "png", "caption"}]}]; ``metrics`` ``dlscratch.metrics.summarize``'s table."""
    names = [run["name"] for run in runs]
    if differing is None:
        differing = {f["stem"]: names[1:] for run in runs for f in run["figures"]}
    book = next(run for run in runs if run["name"] == BOOK)
    rows = claim_rows(claims, names)
    figures = figure_rows(runs, differing)
    shown = []
    for i, run in enumerate(runs):
        changed = [] if run["name"] == BOOK else changes(book["config"], run["config"])
        verdicts = [{"figure": row["figure"], "statement": row["statement"], "verdict": row["cells"][i]["verdict"],
                     "css": row["cells"][i]["css"], "book": row["cells"][i]["book"],
                     "book_css": row["cells"][0]["css"]} for row in rows if row["cells"][i].get("differs")]
        shown.append({"name": run["name"], "description": run["description"], "changes": changed,
                      "settings": {key: mine for key, _, mine in changed}, "claims": verdicts,
                      "sweep": (run.get("sweep") or {}).get("name", ""), "tried": run.get("tried", False),
                      "figures": list({f["stem"].removesuffix("_seeds"): {
                          "stem": f["stem"].removesuffix("_seeds"), "label": f["label"].removesuffix(" (several seeds)")}
                          for f in figures if run["name"] in f["differs"]}.values()),
                      "index": f"{_relative(run) or '.'}/index.html".removeprefix("./")})
    keys = list(dict.fromkeys(key for run in shown for key in run["settings"]))
    shown[0]["settings"] = {key: b for run in runs[1:] for key, b, _ in changes(book["config"], run["config"])}
    differs, identical = [], []
    for f in figures:
        versions = [(n, f["cells"][n]) for n in names if f["cells"][n] and (n == BOOK or n in f["differs"])]
        main = next((d for d in differs if d["stem"] == f["stem"].removesuffix("_seeds")), None)
        if f["differs"] and f["stem"].endswith("_seeds") and main is not None:
            main["seeds_versions"] = versions  # a several-seed companion: under its figure
        elif f["differs"]:
            overlay = (overlays or {}).get(f["stem"])
            differs.append({**f, "overlay": overlay[0] if overlay else None,
                            "overlay_caption": overlay[1] if overlay else "", "seeds_versions": [],
                            "same": [n for n in names[1:] if n not in f["differs"] and f["cells"][n]],
                            "versions": versions})
        else:
            identical.append({**f, "book": f["cells"][BOOK]})
    columns, cells = metric_rows(metrics, names)
    return PAGE.render(runs=shown, claims=rows, n_differ=sum(r["differs"] for r in rows), differing=differs,
                       identical=identical, keys=keys, metric_columns=columns, metric_cells=cells,
                       sweeps=sweeps or [])


def differing_figures(runs, root="."):
    """{figure stem: the runs whose PNG of it differs, byte for byte, from the book's run's
    (or that draw it where the book's does not, or the reverse)}."""
    def png(run, stem):
        path = Path(root) / run["directory"] / "figures" / f"{stem}.png"
        return path.read_bytes() if path.exists() else None

    book = next(run for run in runs if run["name"] == BOOK)
    stems = list(dict.fromkeys(f["stem"] for run in runs for f in run["figures"]))
    out = {}
    for stem in stems:
        reference = png(book, stem) if any(f["stem"] == stem for f in book["figures"]) else None
        out[stem] = [run["name"] for run in runs if run is not book
                     and (png(run, stem) if any(f["stem"] == stem for f in run["figures"]) else None) != reference]
    return out


def write_compare(snakemake):
    """The comparison job: every run's claims and figures, the overlays, the sweeps' figures
    and the headline numbers (each checked against its record) in; the page and the tidy table out."""
    inputs = snakemake.input
    check_files([*inputs.claims, *inputs.figures, *inputs.overlays, *inputs.sweeps], inputs.provenance)
    runs = snakemake.params.runs
    names = [run["name"] for run in runs]
    claims = {run["name"]: read_claims(path) for run, path in zip(runs, inputs.claims)}
    metrics_files = [f for f in inputs.overlays if f.endswith(".metrics.csv")]
    metrics = summarize(pd.concat([read_table(f, METRICS_SCHEMA) for f in metrics_files], ignore_index=True)) \
        if metrics_files else None
    overlays = {stem: (f"compare/overlay/{stem}.png", Path(f"results/compare/overlay/{stem}.txt").read_text().strip())
                for stems in snakemake.params.overlays.values() for stem in stems}
    sweeps = [{"name": name, "swept": sweep["keys"], "runs": [run["name"] for run in sweep["runs"]],
               "figures": [{"claim": claim, "png": f"compare/sweep/{name}/{file}.png",
                            "caption": Path(f"results/compare/sweep/{name}/{file}.txt").read_text().strip()}
                           for claim, file in zip(sweep["claims"], sweep["files"])]}
              for name, sweep in snakemake.params.sweeps.items()]
    differing = differing_figures(runs)
    write_table(tidy(claims, names, {run["name"]: run.get("sweep") for run in runs}, metrics), snakemake.output.csv)
    write_text(snakemake.output.html, compare_html(runs, claims, differing, overlays, sweeps, metrics))
    print(f"compared {', '.join(names)}: {sum(bool(v) for v in differing.values())} figures differ; "
          f"{Path(snakemake.output.html)}")
