"""The plot job: the figures of one experiment, drawn from its tables only.

The rule passes, per figure, what ``dlscratch.registry`` says of it as configured
(``Drawn.as_params``): its stem, variants, caption template, drawing function (by name,
in ``dlscratch.plotting``), the tables it reads and its options. The job draws the
figure and fills its caption from the settings and from what the drawing found. Each figure is saved as
PNG and PDF, and its caption is written beside it (``results/figures/captions/``), so the
index and the Snakemake report show the caption of the settings it was drawn with.
A named run's experiment that is drawn exactly as the book's run draws it is copied from
the book's figures instead (``dlscratch.atomic.copy_by_name``).
"""


import matplotlib

matplotlib.use("Agg")  # pipeline jobs draw headless and never show anything

from . import plotting  # noqa: E402  (after choosing the backend)
from .captions import render  # noqa: E402
from .declare import resolve  # noqa: E402
from .results import read_run  # noqa: E402
from .text import rst_caption  # noqa: E402


def first_seed(table, seed):
    """The rows of ``seed`` (a table without a seed column is deterministic: all of it)."""
    return table[table["seed"] == seed].reset_index(drop=True) if "seed" in table else table


def draw_figures(snakemake):
    params = snakemake.params
    (tables,) = read_run(params.tables).values()  # the tables of this job's experiment
    outputs = plotting.outputs_by_stem(snakemake.output, exclude=[snakemake.output.get("provenance")])
    for spec in params.figures:
        used = {name: tables[name] if spec["all_seeds"] else first_seed(tables[name], params.seeds[0])
                for name in spec["tables"]}
        options = {**spec["options"], **({"seeds": params.seeds} if spec["all_seeds"] and not spec["band"] else {})}
        figure = resolve(spec["draw"])(used, spec["variants"], params.settings, **options)
        figure, found = figure if isinstance(figure, tuple) else (figure, {})
        caption = render(spec["number"], spec["title"], spec["caption"], settings=params.settings,
                         variants=spec["variants"], seeds=params.seeds, band=spec["band"], **found)
        # the caption, for Snakemake's report: escaped, so a label is shown as text
        plotting.save_outputs(figure, outputs[spec["stem"]], {".rst": rst_caption(caption) + "\n"})
        print(f"{spec['stem']}: {caption}")
