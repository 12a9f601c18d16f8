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

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # pipeline jobs draw headless and never show anything

from . import plotting  # noqa: E402  (after choosing the backend)
from .atomic import write_text  # noqa: E402
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
    outputs = {}
    for path in snakemake.output:
        if path != snakemake.output.get("provenance"):
            outputs.setdefault(Path(path).name.removesuffix(Path(path).suffix), []).append(path)
    for spec in params.figures:
        used = {name: tables[name] if spec["all_seeds"] else first_seed(tables[name], params.seeds[0])
                for name in spec["tables"]}
        options = {**spec["options"], **({"seeds": params.seeds} if spec["all_seeds"] and not spec["band"] else {})}
        figure = resolve(spec["draw"])(used, spec["variants"], params.settings, **options)
        figure, found = figure if isinstance(figure, tuple) else (figure, {})
        caption = render(spec["number"], spec["title"], spec["caption"], settings=params.settings,
                         variants=spec["variants"], seeds=params.seeds, band=spec["band"], **found)
        for path in outputs[spec["stem"]]:
            if path.endswith(".rst"):  # for Snakemake's report: escaped, so a label is shown as text
                write_text(path, rst_caption(caption) + "\n")
            else:
                plotting.save_figure(figure, path)
                # The first save settles the layout; the other formats reuse it instead of running
                # the constrained-layout solver again (the costliest step for many-panel figures).
                # None, not "none": with no engine at all, savefig draws once instead of twice (a
                # placeholder engine still costs a layout pass); the files are byte-identical.
                figure.set_layout_engine(None)
        print(f"{spec['stem']}: {caption}")
