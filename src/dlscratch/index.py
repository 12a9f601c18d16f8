"""results/index.html: every figure with its caption and settings, links to its tables,
the claims table, and how long each experiment took. Written by the pipeline."""

import html
import json
from pathlib import Path

import pandas as pd

# figure (without the _seeds suffix) -> (section, caption, config block, table under results/)
FIGURES = {
    "fig6-03_sgd_path": ("6.1", "SGD on f(x, y) = x²/20 + y²: zig-zags along y, crawls along x.",
                         "optimizer_paths", "optimizer_paths/paths.csv"),
    "fig6-05_momentum_path": ("6.1", "Momentum: rolls like a ball, overshoots and comes back.",
                              "optimizer_paths", "optimizer_paths/paths.csv"),
    "fig6-06_adagrad_path": ("6.1", "AdaGrad: the step along y shrinks fast; straight to the minimum.",
                             "optimizer_paths", "optimizer_paths/paths.csv"),
    "fig6-07_adam_path": ("6.1", "Adam: momentum plus per-parameter step sizes.",
                          "optimizer_paths", "optimizer_paths/paths.csv"),
    "fig6-08_optimizer_paths": ("6.1", "The four book optimizers side by side (all 31 points drawn).",
                                "optimizer_paths", "optimizer_paths/paths.csv"),
    "fig6-08x_other_optimizer_paths": ("6.1", "Optimizers the book's figure lacks (RMSprop, Nesterov).",
                                       "optimizer_paths", "optimizer_paths/paths.csv"),
    "fig6-09_optimizers_mnist": ("6.1", "Training loss on MNIST of SGD, Momentum, AdaGrad, Adam (smoothed).",
                                 "optimizer_mnist", "optimizer_mnist/seed{seed}/loss.csv"),
    "fig6-09x_all_optimizers_mnist": ("6.1", "All configured optimizers on MNIST.",
                                      "optimizer_mnist", "optimizer_mnist/seed{seed}/loss.csv"),
    "fig6-10_sigmoid_std1": ("6.2", "Sigmoid, weight std 1: activations pile up at 0 and 1.",
                             "activations", "activations/seed{seed}/histograms.csv"),
    "fig6-11_sigmoid_std001": ("6.2", "Sigmoid, weight std 0.01: activations concentrate at 0.5.",
                               "activations", "activations/seed{seed}/histograms.csv"),
    "fig6-13_sigmoid_xavier": ("6.2", "Sigmoid, Xavier initialisation: activations spread out.",
                               "activations", "activations/seed{seed}/histograms.csv"),
    "fig6-13x_tanh_xavier": ("6.2", "tanh, Xavier initialisation: a bell shape around 0.",
                             "activations", "activations/seed{seed}/histograms.csv"),
    "fig6-14_relu_inits": ("6.2", "ReLU with std 0.01, Xavier, He (rows): only He keeps the spread across layers.",
                           "activations", "activations/seed{seed}/histograms.csv"),
    "fig6-15_init_mnist": ("6.2", "Initial weight scale on MNIST: std 0.01 does not learn; He learns fastest.",
                           "init_mnist", "init_mnist/seed{seed}/loss.csv"),
    "fig6-18_batchnorm_single": ("6.3", "One weight scale: with (solid) and without (dashed) Batch Normalization.",
                                 "batchnorm", "batchnorm/seed{seed}/accuracy.csv"),
    "fig6-19_batchnorm_grid": ("6.3", "16 weight scales: BatchNorm (solid) vs without (dashed).",
                               "batchnorm", "batchnorm/seed{seed}/accuracy.csv"),
    "fig6-20_overfitting": ("6.4", "300 training images, no regularization: train accuracy → 100%, test far below.",
                            "weight_decay", "weight_decay/seed{seed}/lambda0.csv"),
    "fig6-21_weight_decay": ("6.4", "Weight decay shrinks the train–test gap.",
                             "weight_decay", "weight_decay/seed{seed}/"),
    "fig6-23_dropout": ("6.4", "Without (left) and with (right) Dropout.", "dropout", "dropout/seed{seed}/"),
    "fig6-24_random_search": ("6.5", "Random search: the 20 best trials (solid validation, dashed train).",
                              "random_search", "random_search/seed{seed}/curves.csv"),
    "fig6-24x_random_search_scatter": ("6.5", "Every trial in (lr, weight decay), coloured by validation accuracy.",
                                       "random_search", "random_search/seed{seed}/summary.csv"),
}

SECTIONS = {"6.1": "Parameter updates", "6.2": "Initial weights", "6.3": "Batch Normalization",
            "6.4": "Regularization", "6.5": "Hyperparameter search"}


def experiment_times(benchmark_paths):
    """Per experiment, from Snakemake benchmark files: number of jobs, job wall time summed
    over jobs, and the largest peak RSS (MB). (Their CPU time is left out: Snakemake samples
    it and misses much of a job's time.)"""
    rows = []
    for path in benchmark_paths:
        path = Path(path)
        bench = pd.read_csv(path, sep="\t").iloc[-1]
        experiment = path.stem if path.parent.name == "benchmarks" else path.parent.name
        rows.append({"experiment": experiment, "seconds": float(bench["s"]), "max_rss_mb": float(bench["max_rss"])})
    table = pd.DataFrame(rows, columns=["experiment", "seconds", "max_rss_mb"])
    return table.groupby("experiment", sort=False).agg(
        jobs=("seconds", "size"), seconds=("seconds", "sum"), max_rss_mb=("max_rss_mb", "max")).reset_index()


def _figure_card(name, config):
    base = name.removesuffix("_seeds")
    section, caption, block, table = FIGURES[base]
    seeds = config["seeds"]
    if name.endswith("_seeds"):
        caption = f"Several seeds ({len(seeds)}): mean line and min–max band. " + caption
        table = table.replace("seed{seed}", "seed*")
    else:
        caption = f"Seed {seeds[0]}. " + caption
        table = table.replace("{seed}", str(seeds[0]))
    settings = html.escape(json.dumps(config[block], sort_keys=True))
    link = f'<a href="{html.escape(table)}">{html.escape(table)}</a>' if "*" not in table else html.escape(table)
    return (f'<figure><a href="figures/{name}.pdf"><img src="figures/{name}.png" width="420" alt="{name}"></a>'
            f"<figcaption><b>{name}</b> — {html.escape(caption)}<br>table: {link}<br>"
            f"<small>settings ({block}): <code>{settings}</code></small></figcaption></figure>")


def index_html(figures, config, claims, benchmark_paths):
    """The index page as a string (relative links: it lives in results/)."""
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Chapter 6 results</title>",
             "<style>body{font-family:sans-serif;max-width:1400px;margin:auto}figure{display:inline-block;"
             "vertical-align:top;width:440px;margin:8px}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:3px 6px;font-size:90%}code{font-size:80%}</style></head><body>",
             "<h1>Deep Learning from Scratch, Chapter 6: results</h1>",
             f"<p>Seeds: {config['seeds']}. Book-style figures use the first seed; <i>_seeds</i> figures show all. "
             "Claims: <a href='claims.md'>claims.md</a>, <a href='claims.csv'>claims.csv</a>. "
             "Each job's provenance (settings, versions, checksums) is in the provenance JSON beside its tables.</p>"]
    for section, title in SECTIONS.items():
        names = [f for f in figures if FIGURES[f.removesuffix("_seeds")][0] == section]
        if names:
            parts.append(f"<h2>{section} {title}</h2>")
            parts += [_figure_card(name, config) for name in names]
    parts.append("<h2>Claims, checked</h2><table><tr><th>fig</th><th>claim</th><th>measured</th><th>per seed</th>"
                 "<th>mean [95% CI]</th><th>holds in</th><th>verdict</th></tr>")
    for r in claims.itertuples():
        ci = "" if pd.isna(r.ci95_low) else f" [{r.ci95_low:.4g}, {r.ci95_high:.4g}]"
        mean = "" if pd.isna(r.mean) else f"{r.mean:.4g}"
        cells = [r.claim, r.statement, r.quantity, r.per_seed, mean + ci, r.holds_in, r.verdict]
        parts.append("<tr>" + "".join(f"<td>{html.escape(str(c)) if not pd.isna(c) else ''}</td>" for c in cells)
                     + "</tr>")
    parts.append("</table><h2>How long each experiment took</h2>"
                 "<table><tr><th>experiment</th><th>jobs</th><th>job time (s, summed)</th><th>peak RSS (MB)</th></tr>")
    for r in experiment_times(benchmark_paths).itertuples():
        parts.append(f"<tr><td>{r.experiment}</td><td>{r.jobs}</td><td>{r.seconds:.1f}</td>"
                     f"<td>{r.max_rss_mb:.0f}</td></tr>")
    parts.append("</table><p>Job times are wall-clock per job as Snakemake's benchmark records them; jobs run "
                 "in parallel, so they add up to more than the pipeline's wall time.</p></body></html>")
    return "\n".join(parts) + "\n"
