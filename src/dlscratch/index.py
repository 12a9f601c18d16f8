"""results/index.html: the chapter's figures by section, as ``dlscratch.registry`` declares
them, each with the caption it was drawn with, its tables and settings; the claims table;
and how long each experiment took. Written by the pipeline (rule ``index``)."""

from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from .atomic import write_text
from .claims import display_table, read_claims
from .registry import EXPERIMENTS, SECTIONS, drawn_figures
from .tables import TableError


def experiment_times(benchmark_paths):
    """Per experiment, from Snakemake benchmark files: number of jobs, job wall time summed
    over jobs, and the largest peak RSS (MB). (Their CPU time is left out: Snakemake samples
    it and misses much of a job's time.)"""
    rows = []
    for path in benchmark_paths:
        path = Path(path)
        bench = pd.read_csv(path, sep="\t")
        if bench.empty or not {"s", "max_rss"} <= set(bench.columns):
            raise TableError(f"{path}: not a Snakemake benchmark record (columns s and max_rss); delete it and "
                             "rerun its job (`snakemake --forcerun <its rule>`)")
        bench = bench.iloc[-1]
        experiment = path.stem if path.parent.name == "benchmarks" else path.parent.name
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
<html lang="en"><head><meta charset="utf-8"><title>Deep Learning from Scratch, Chapter 6: results</title>
<style>
body{font-family:sans-serif;max-width:1400px;margin:auto;padding:0 1em}
figure{display:inline-block;vertical-align:top;width:440px;margin:8px}
figcaption{font-size:85%}
table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;font-size:85%;text-align:left}
details{margin:0.5em 0}
.missing{background:#fff3cd;padding:4px 8px}
</style></head><body>
<h1>Deep Learning from Scratch, Chapter 6: results</h1>
<p>Seeds: {{ seeds | join(", ") }}. Book-style figures show seed {{ seeds[0] }}; <i>_seeds</i> figures show every
seed. Claims: <a href="claims.md">claims.md</a>, <a href="claims.csv">claims.csv</a>. Every job's provenance
(settings, versions, checksums) is in the provenance JSON beside its tables.</p>
{% for section in sections %}
<h2 id="s{{ section.number }}">{{ section.number }} {{ section.title }}</h2>
{% for m in section.missing %}<p class="missing">{{ m.message }}</p>{% endfor %}
{% for experiment in section.experiments %}
<details><summary>Settings of <code>{{ experiment.name }}</code></summary>{{ experiment.settings }}</details>
{% for figure in experiment.figures %}
<figure id="{{ figure.stem }}"><a href="figures/{{ figure.stem }}.pdf"><img src="figures/{{ figure.stem }}.png"
 width="420" alt="{{ figure.stem }}"></a>
<figcaption><b>{{ figure.stem }}</b>: {{ figure.caption }}</figcaption></figure>
{% endfor %}
{% endfor %}
{% endfor %}
<h2 id="claims">Claims, checked</h2>
{{ claims }}
<h2 id="times">How long each experiment took</h2>
{{ times }}
<p>Job times are wall-clock per job as Snakemake's benchmark records them; jobs run in parallel, so they add up
to more than the pipeline's wall time.</p>
</body></html>
""", autoescape=True)


def index_html(config, claims, captions, benchmark_paths, missing=()):
    """The index page as a string (relative links: it lives in results/). ``captions`` maps
    each drawn figure's stem to the caption it was drawn with; ``missing`` says which book
    figures the config's variants cannot draw (``registry.missing_variants``)."""
    drawn = drawn_figures(config)
    sections = []
    for number, (title, _) in SECTIONS.items():
        experiments = []
        for name, experiment in EXPERIMENTS.items():
            figures = [d for d in drawn if d.figure.experiment == name]
            if experiment.section != number or not figures:
                continue
            experiments.append({
                "name": name,
                "settings": Markup(settings_table(config[name]).to_html(index=False, border=0)),
                "figures": [{"stem": d.stem, "caption": captions[d.stem]} for d in figures],
            })
        lacking = [m for m in missing if m["section"] == number]
        if experiments or lacking:
            sections.append({"number": number, "title": title, "experiments": experiments, "missing": lacking})
    times = experiment_times(benchmark_paths).rename(
        columns={"seconds": "job time (s, summed)", "max_rss_mb": "peak RSS (MB)"})
    return PAGE.render(
        seeds=config["seeds"], sections=sections,
        claims=Markup(display_table(claims).to_html(index=False, border=0, na_rep="")),
        times=Markup(times.to_html(index=False, border=0, float_format=lambda v: f"{v:.1f}")),
    )


def write_index(snakemake):
    """The index job: figures, their captions, the claims and the job times in, the page out."""
    captions = {Path(p).name.removesuffix(".rst"): Path(p).read_text().strip() for p in snakemake.input.captions}
    claims = read_claims(snakemake.input.claims)
    write_text(snakemake.output[0], index_html(snakemake.params.config, claims, captions, snakemake.input.benchmarks,
                                               snakemake.params.missing))
