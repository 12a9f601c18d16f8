"""results/index.html: the chapter as a page, built from ``dlscratch.registry``.

Sections 6.1 to 6.5 in the book's order, with its titles; a table of contents; each
experiment's settings once; each figure with the caption it was drawn with, beside its
several-seed companion and the claims it illustrates (verdicts and intervals); all claims;
how long each experiment took. It links only to files beside it in results/, so it works
offline from the file system. Written by the pipeline (rule ``index``)."""

import json
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from .atomic import write_text
from .captions import label as figure_label
from .claims_table import display_table, read_claims
from .registry import EXPERIMENTS, SECTIONS, drawn_figures
from .provenance import check_files
from .faults import damaged
from .text import caption_text


def experiment_times(entry_jobs):
    """Per experiment, the jobs that computed the store entries the page shows (``entry_jobs``:
    [experiment, the entry's job.json]), from their Snakemake benchmark files: number of jobs,
    job wall time summed over jobs, and the largest peak RSS (MB). A job that computed entries
    of two experiments (the shared 6.4 run) counts for the first. (CPU time is left out:
    Snakemake samples it and misses much of a job's time.)"""
    jobs = {}
    for experiment, record in entry_jobs:
        try:
            made = json.loads(Path(record).read_text())
        except (OSError, ValueError):
            continue  # an entry without its job's record: no time to show
        if isinstance(made, dict) and made.get("benchmark"):  # where its job ran, or here (a copied results/)
            here = Path(made.get("workdir") or ".", made["benchmark"])
            jobs.setdefault(str(here if here.exists() else made["benchmark"]), experiment)
    rows = []
    for path, experiment in jobs.items():
        path = Path(path)
        if not path.exists():  # an entry computed elsewhere (a shared or copied store)
            continue
        try:
            bench = pd.read_csv(path, sep="\t")
        except (OSError, ValueError, pd.errors.ParserError):
            bench = pd.DataFrame()
        if bench.empty or not {"s", "max_rss"} <= set(bench.columns):
            raise damaged(path, "not a Snakemake benchmark record (columns s and max_rss)")
        bench = bench.iloc[-1]
        rows.append({"experiment": experiment, "seconds": float(bench["s"]), "max_rss_mb": float(bench["max_rss"])})
    table = pd.DataFrame(rows, columns=["experiment", "seconds", "max_rss_mb"])
    return table.groupby("experiment", sort=False).agg(
        jobs=("seconds", "size"), seconds=("seconds", "sum"), max_rss_mb=("max_rss_mb", "max")).reset_index()


def settings_table(settings):
    """An experiment's config block as (setting, value) rows, nested keys joined with dots."""
    rows = []

    def walk(prefix, value):
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            rows.append({"setting": prefix, "value": ", ".join(map(str, value)) if isinstance(value, list)
                         else str(value)})

    walk("", settings)
    return pd.DataFrame(rows, columns=["setting", "value"])


PAGE = jinja2.Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Deep Learning from Scratch, Chapter 6: Learning-related techniques</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1500px;margin:auto;padding:0 1.2em;color:#222;line-height:1.4}
h1{margin-bottom:0.2em} h2{border-bottom:2px solid #ddd;padding-bottom:0.2em;margin-top:2em}
nav{background:#f6f6f6;padding:0.6em 1.2em;border-radius:6px} nav ol{margin:0.3em 0} nav li{margin:0.15em 0}
.row{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start;margin:0.8em 0 1.6em}
figure{width:440px;margin:0} figure img{width:440px;border:1px solid #eee}
figcaption{font-size:82%;color:#333}
.claims{flex:1;min-width:340px;font-size:85%}
.claims li{margin:0 0 0.6em}
.v{font-weight:bold;padding:0 5px;border-radius:3px;white-space:nowrap}
.holds{background:#d4edda}.does-not-hold{background:#f8d7da}.mixed{background:#fff3cd}.inconclusive{background:#e8e0f5}
.not-measured{background:#e2e3e5}.diverged{background:#f5c6cb}
table{border-collapse:collapse;margin:0.4em 0}td,th{border:1px solid #ccc;padding:2px 6px;font-size:82%;text-align:left;
vertical-align:top}
details{margin:0.4em 0} summary{cursor:pointer;color:#225}
.missing{background:#fff3cd;padding:4px 8px;border-radius:4px}
.zh{color:#555} .run{background:#e8f0fe;padding:6px 10px;border-radius:4px}
</style></head><body>
<h1 id="top">Deep Learning from Scratch, Chapter 6 <span class="zh">与学习相关的技巧</span></h1>
{% if run != "book" %}<p class="run">Run <b>{{ run }}</b>{% if description %}: {{ description }}{% endif %}. It changes
these settings of the book's run: {% for key, book, mine in changes %}<code>{{ key }}</code>: {{ book }} → {{ mine }}{% if not loop.last %}; {% endif %}{% else %}none{% endfor %}.</p>{% endif %}
{% if compare %}<p>The book's run and the named runs side by side: <a href="{{ compare }}">compare.html</a>.</p>{% endif %}
<p>Learning-related techniques: every experiment and figure of the chapter, reproduced by the pipeline.
Seeds: {{ seeds | join(", ") }}. A book-style figure shows seed {{ seeds[0] }}{% if seeds | length > 1 %}; beside it,
its companion shows the mean and min–max band over every seed{% endif %}. Beside each figure are the claims of the
book it illustrates, checked in every seed (all claims: <a href="#claims">below</a>, <a href="claims.md">claims.md</a>,
<a href="claims.csv">claims.csv</a>). Each result's provenance (settings, versions, checksums) lies beside it.</p>
<nav><b>Contents</b><ol>
{% for section in sections %}<li><a href="#{{ section.id }}">{{ section.number }} {{ section.heading }}</a>
<span class="zh">({% for f in section.figures %}<a href="#{{ f.stem }}">{{ f.label }}</a>{% if not loop.last %}, {% endif %}{% endfor %})</span></li>
{% endfor %}<li><a href="#claims">All claims, checked</a></li><li><a href="#times">How long each experiment took</a></li>
</ol></nav>
{% for section in sections %}
<section id="{{ section.id }}">
<h2>{{ section.number }} {{ section.heading }}</h2>
{% for m in section.missing %}<p class="missing">{{ m.message }}</p>{% endfor %}
{% for experiment in section.experiments %}
<h3>{{ experiment.title }}</h3>
<details><summary>Settings of this experiment (<code>{{ experiment.name }}</code>)</summary>{{ experiment.settings }}</details>
{% for group in experiment.groups %}
<div class="row" id="{{ group.stem }}">
{% for f in group.figures %}<figure><a href="figures/{{ f.stem }}.pdf"><img src="figures/{{ f.stem }}.png"
 alt="{{ f.stem }}"></a><figcaption><b>{{ f.stem }}</b> {{ f.caption }} <a href="figures/{{ f.stem }}.pdf">PDF</a></figcaption></figure>
{% endfor %}
{% if group.claims_at %}<div class="claims"><b>{{ experiment.claims_heading }}</b>: beside
<a href="#{{ group.claims_at.stem }}">{{ group.claims_at.label }}</a>.</div>{% endif %}
{% if group.claims %}<div class="claims"><b>{{ experiment.claims_heading }}</b><ul>
{% for c in group.claims %}<li><span class="v {{ c.css }}">{{ c.verdict }}</span> {{ c.statement }}.
{% if c.quantity %}<br><small>{{ c.quantity }}: {{ c.interval }}{% if c.per_seed and not c.deterministic %}; per seed {{ c.per_seed }}; holds in {{ c.holds_in }}{% endif %}</small>{% endif %}
{% if c.detail %}<br><small>{{ c.detail }}</small>{% endif %}</li>
{% endfor %}</ul></div>{% endif %}
</div>
{% endfor %}
{% endfor %}
</section>
{% endfor %}
<h2 id="claims">All claims, checked</h2>
{{ claims }}
<h2 id="times">How long each experiment took</h2>
{{ times }}
<p>Job times are wall-clock per job as Snakemake's benchmark records them, for the jobs that computed the results this
page shows (in this call or an earlier one, or for another run that shares them); jobs run in parallel, so they add
up to more than the pipeline's wall time. <a href="#top">Back to the top</a>.</p>
</body></html>
""", autoescape=True)


def _claim_items(claims, ids):
    shown = display_table(claims)
    rows = []
    for (_, claim), (_, display) in zip(claims.iterrows(), shown.iterrows()):
        if claim["claim"] in ids:
            rows.append({"statement": claim["statement"], "verdict": display["verdict"],
                         "css": claim["verdict"].replace(" ", "-"), "quantity": claim["quantity"],
                         "interval": display["mean [95% CI]"], "per_seed": claim["per_seed"],
                         "holds_in": claim["holds_in"], "detail": claim["detail"],
                         "deterministic": claim["interval"] == "deterministic"})
    return rows


def index_html(config, claims, captions, entry_records, missing=(), run="book", description="", changes=(),
               compare=None):
    """The index page as a string (relative links: it lives in results/), in the chapter's
    order: its sections with the book's titles, each experiment's settings once, each book
    figure beside its several-seed companion and the claims it illustrates. ``captions``
    maps each drawn figure's stem to the caption it was drawn with; ``missing`` says which
    book figures the config's variants cannot draw (``registry.missing_variants``)."""
    claims = claims.fillna({name: "" for name in ("quantity", "per_seed", "holds_in", "detail", "diverged",
                                                  "interval")})
    drawn = [d for d in drawn_figures(config) if d.stem in captions]  # the studies only when the run has them
    sections = []
    for number, (title, zh) in SECTIONS.items():
        experiments, figures = [], []
        for name, experiment in EXPERIMENTS.items():
            mine = [d for d in drawn if d.figure.experiment == name]
            if experiment.section != number or not mine:
                continue
            groups, shown = [], {}  # a claim beside the first of its figures; the others link to it
            for d in mine:
                card = {"stem": d.stem, "caption": captions[d.stem]}
                if d.band and groups and groups[-1]["stem"] == d.figure.stem:
                    groups[-1]["figures"].append(card)
                    continue
                label = figure_label(d.figure.number)
                ids = [c for c in d.figure.claims if c not in shown]
                earlier = [shown[c] for c in d.figure.claims if c in shown]
                groups.append({"stem": d.stem, "figures": [card], "claims": _claim_items(claims, ids),
                               "claims_at": earlier[0] if earlier and not ids else None})
                shown.update({c: {"stem": d.stem, "label": label} for c in ids})
                figures.append({"stem": d.stem, "label": label})
            experiments.append({"name": name, "title": experiment.title, "groups": groups,
                                "claims_heading": "What the study finds, checked" if experiment.study
                                else "What the book says, checked",
                                "settings": Markup(settings_table(config[name]).to_html(index=False, border=0))})
        lacking = [m for m in missing if m["section"] == number]
        if experiments or lacking:
            heading = title if zh == title else f"{zh} · {title}"
            label = number if number.startswith("6.") else ""
            sections.append({"number": label, "id": "s" + number.replace(".", "-"), "heading": heading,
                             "experiments": experiments, "figures": figures, "missing": lacking})
    times = experiment_times(entry_records).rename(
        columns={"seconds": "job time (s, summed)", "max_rss_mb": "peak RSS (MB)"})
    return PAGE.render(
        seeds=config["seeds"], sections=sections, run=run, description=description, changes=changes,
        compare=compare,
        claims=Markup(display_table(claims).to_html(index=False, border=0, na_rep="")),
        times=Markup(times.to_html(index=False, border=0, float_format=lambda v: f"{v:.1f}")),
    )


def write_index(snakemake):
    """The index job: figures, their captions, the claims and the job times in, the page out.
    Every figure, caption and the claims table must first hold what its job wrote (by the
    provenance records): the page shows nothing swapped, cut or changed."""
    check_files([*snakemake.input.figures, *snakemake.input.captions, snakemake.input.claims],
                snakemake.input.provenance)
    captions = {Path(p).name.removesuffix(".rst"): caption_text(Path(p).read_text().strip())
                for p in snakemake.input.captions}
    claims = read_claims(snakemake.input.claims)
    params = snakemake.params
    write_text(snakemake.output.html, index_html(params.config, claims, captions, params.entries,
                                               params.missing, params.run, params.description, params.changes,
                                               params.compare))


def stale_links(path):
    """The files beside the page at ``path`` that it links (images and links) and that do
    not exist: a page left by an earlier run after a job that drew a figure failed."""
    from html.parser import HTMLParser

    page = Path(path)
    if not page.exists():
        return []
    links = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name in ("src", "href") and value and not value.startswith(("#", "http:", "https:", "mailto:")):
                    links.append(value.split("#")[0])

    Links().feed(page.read_text(encoding="utf-8", errors="replace"))
    return [link for link in dict.fromkeys(links) if link and not (page.parent / link).exists()]
