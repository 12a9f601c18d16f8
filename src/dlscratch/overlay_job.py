"""The overlay job of ``snakemake compare``: for one experiment, every compared run's tables in
(every seed), the overlay of each of its figures (``dlscratch.overlay``: PNG, PDF and its
caption) and every run's headline numbers (``dlscratch.metrics``) out."""

import pandas as pd

from . import plotting as P
from .overlay import draw_overlay, seeds_text

METRICS_SCHEMA_COLUMNS = {"run": "str", "figure": "str", "metric": "str", "seed": "float", "value": "float"}


def overlay_caption(spec, runs, having, seeds, found):
    """What an overlay shows: the figure, the runs, the seeds, the styles, what only some have."""
    from .captions import label

    missing = [run for run in runs if run not in having]
    text = [f"{label(spec['number'])}: {spec['title']}, overlaid: the runs {', '.join(having)} on one set of axes."]
    if missing:
        text.append(f"Not drawn in {', '.join(missing)} (its settings lack what this figure shows).")
    text += [seeds_text({run: seeds[run] for run in having}), found["caption"]]
    return " ".join(t for t in text if t)


def write_overlays(snakemake):
    """The overlay job of one experiment: every compared run's tables in (every seed), the
    overlay of each of its figures (PNG, PDF and caption) and every run's headline numbers out."""
    import matplotlib

    matplotlib.use("Agg")
    from .registry import EXPERIMENTS, FIGURES
    from .results import read_run
    from .tables import write_table

    params = snakemake.params
    name, runs = params.experiment, params.runs
    names = [run["name"] for run in runs]
    tables = {run["name"]: read_run(run["tables"])[name] for run in runs}
    seeds = {run["name"]: run["seeds"] for run in runs}
    outputs = P.outputs_by_stem(snakemake.output, exclude=[snakemake.output.provenance])
    stems = list(dict.fromkeys(f["stem"] for run in runs for f in run["figures"]))
    for stem in stems:
        panels, spec = {}, None
        for run in runs:
            mine = next((f for f in run["figures"] if f["stem"] == stem), None)
            if mine is not None:
                spec = spec or mine
                used = {t: tables[run["name"]][t] for t in mine["tables"]}
                panels[run["name"]] = FIGURES[stem].overlay(used, mine["variants"], run["settings"], **mine["options"])
        figure, found = draw_overlay(panels)
        caption = overlay_caption(spec, names, list(panels), seeds, found)
        P.save_outputs(figure, outputs[stem], {".txt": caption + "\n"})
        print(f"{stem}: {caption}")
    experiment = EXPERIMENTS[name]
    numbers = ", ".join(dict.fromkeys(f["number"] for run in runs for f in run["figures"]))
    rows = []
    for run in runs if experiment.metrics else []:
        own = {t: tables[run["name"]][t] for t in experiment.claims_tables}
        rows += [{"run": run["name"], "figure": numbers, **row} for row in experiment.metrics(own, run["settings"])]
    write_table(pd.DataFrame(rows, columns=list(METRICS_SCHEMA_COLUMNS)), outputs[f"{name}.metrics"][0])
