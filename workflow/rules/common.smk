# Shared definitions: checked config, seeds, library sources as inputs, figure lists.

import os
import re

from snakemake.exceptions import WorkflowError

from dlscratch.config import batchnorm_stds, check_config
from dlscratch.experiments.regularization import baseline_epochs

check_config(config)

SEEDS = config["seeds"]
FIRST_SEED = SEEDS[0]
MNIST = [
    f"{config['mnist_dir']}/{name}"
    for name in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
]


# How many of the --cores one training job claims. A job computes on one core (one BLAS
# thread, see dlscratch.pipeline.job). When --cores asks for more cores than this machine
# gives us, each job claims the excess too, so that no more training jobs run at once
# than there are CPUs: time-sharing a CPU between two jobs made the 5-seed run 14% slower
# (315 s against 277 s on 2 CPUs).
def job_threads():
    try:
        cores = workflow.cores
    except WorkflowError:  # no --cores given (a dry run or lint)
        return 1
    return max(1, cores // len(os.sched_getaffinity(0)))


JOB_THREADS = job_threads()

# Training rules carry a priority roughly proportional to their length (optimizer_mnist
# 50 ... batchnorm 30): Snakemake starts the longest ready jobs first, so the last jobs
# of a run are short ones and the cores do not idle at the end.


wildcard_constraints:
    seed=r"\d+",
    shard=r"\d+",


# Snakemake does not follow imports: the library modules a rule runs are declared as
# inputs, so editing one reruns exactly the rules that use it. (provenance.py is left
# out on purpose: it changes the records a job writes, never its results.)
def lib(*modules):
    return [f"src/dlscratch/{m}.py" for m in modules]


CORE = lib(
    "__init__",
    "functions",
    "layers",
    "network",
    "optimizers",
    "trainer",
    "datasets",
    "seeding",
    "tables",
    "pipeline",
    "experiments/__init__",
    "experiments/common",
)
PLOTTING = lib("__init__", "plotting", "smoothing", "tables", "pipeline")

BOOK_OPTIMIZERS = ["SGD", "Momentum", "AdaGrad", "Adam"]


def present(names, available):
    return [n for n in names if n in available]


# figure name -> optimizers drawn (only figures whose optimizers are configured)
_paths = config["optimizer_paths"]["optimizers"]
PATH_FIGURES = {
    fig: names
    for fig, names in {
        "fig6-03_sgd_path": ["SGD"],
        "fig6-05_momentum_path": ["Momentum"],
        "fig6-06_adagrad_path": ["AdaGrad"],
        "fig6-07_adam_path": ["Adam"],
        "fig6-08_optimizer_paths": present(BOOK_OPTIMIZERS, _paths),
        "fig6-08x_other_optimizer_paths": [
            n for n in _paths if n not in BOOK_OPTIMIZERS
        ],
    }.items()
    if names and all(n in _paths for n in names)
}

_mnist_opts = config["optimizer_mnist"]["optimizers"]
# figure name -> (experiment, variant column, variants drawn, y limits)
LOSS_FIGURES = {
    fig: spec
    for fig, spec in {
        "fig6-09_optimizers_mnist": (
            "optimizer_mnist",
            "optimizer",
            present(BOOK_OPTIMIZERS, _mnist_opts),
            [0, 1],
        ),
        "fig6-09x_all_optimizers_mnist": (
            "optimizer_mnist",
            "optimizer",
            list(_mnist_opts),
            [0, 1],
        ),
        "fig6-15_init_mnist": (
            "init_mnist",
            "init",
            list(config["init_mnist"]["inits"]),
            [0, 2.5],
        ),
    }.items()
    if spec[2]
}

_cases = config["activations"]["cases"]
HISTOGRAM_FIGURES = {
    fig: cases
    for fig, cases in {
        "fig6-10_sigmoid_std1": ["sigmoid_std1"],
        "fig6-11_sigmoid_std001": ["sigmoid_std0.01"],
        "fig6-13_sigmoid_xavier": ["sigmoid_xavier"],
        "fig6-13x_tanh_xavier": ["tanh_xavier"],
        "fig6-14_relu_inits": ["relu_std0.01", "relu_xavier", "relu_he"],
    }.items()
    if all(c in _cases for c in cases)
}

BN_STDS = batchnorm_stds(config)
BN_FIGURES = ["fig6-18_batchnorm_single", "fig6-19_batchnorm_grid"]

LAMBDAS = config["weight_decay"]["lambdas"]


def lambda_label(value):
    return f"{float(value):g}"


REGULARIZATION_FIGURES = ["fig6-20_overfitting", "fig6-23_dropout"] + (
    ["fig6-21_weight_decay"] if len(LAMBDAS) > 1 else []
)
# the unregularized run shared by Figs 6-20 and 6-23 (None: run by each rule)
BASELINE_EPOCHS = baseline_epochs(config["weight_decay"], config["dropout"])
SEPARATE_LAMBDAS = [v for v in LAMBDAS if BASELINE_EPOCHS is None or float(v) != 0.0]
SEPARATE_DROPOUT = ["with"] if BASELINE_EPOCHS is not None else ["without", "with"]

SEARCH_FIGURES = ["fig6-24_random_search", "fig6-24x_random_search_scatter"]

SEARCH_SHARDS = range(config["random_search"]["shards"])


def per_seed(pattern):
    return expand(pattern, seed=SEEDS)


WEIGHT_DECAY_TABLES = expand(
    "results/weight_decay/seed{seed}/lambda{lam}.csv",
    seed=SEEDS,
    lam=[lambda_label(v) for v in LAMBDAS],
)
DROPOUT_TABLES = expand(
    "results/dropout/seed{seed}/{variant}.csv", seed=SEEDS, variant=["without", "with"]
)

# several-seed companions: mean and min-max band over seeds (none with a single seed,
# where a band is only the line of the book-style figure)
SEED_FIGURES = (
    (
        [f"{fig}_seeds" for fig in LOSS_FIGURES]
        + ["fig6-19_batchnorm_grid_seeds"]
        + [f"{fig}_seeds" for fig in REGULARIZATION_FIGURES]
        + ["fig6-24x_random_search_scatter_seeds"]
    )
    if len(SEEDS) > 1
    else []
)

BOOK_FIGURES = (
    list(PATH_FIGURES)
    + list(LOSS_FIGURES)
    + list(HISTOGRAM_FIGURES)
    + BN_FIGURES
    + REGULARIZATION_FIGURES
    + SEARCH_FIGURES
)
ALL_FIGURES = BOOK_FIGURES + SEED_FIGURES

ALL_BENCHMARKS = (
    ["results/benchmarks/optimizer_paths.tsv"]
    + per_seed("results/benchmarks/optimizer_mnist/seed{seed}.tsv")
    + per_seed("results/benchmarks/activations/seed{seed}.tsv")
    + per_seed("results/benchmarks/init_mnist/seed{seed}.tsv")
    + per_seed("results/benchmarks/batchnorm/seed{seed}.tsv")
    + expand(
        "results/benchmarks/weight_decay/seed{seed}_lambda{lam}.tsv",
        seed=SEEDS,
        lam=[lambda_label(v) for v in SEPARATE_LAMBDAS],
    )
    + expand(
        "results/benchmarks/dropout/seed{seed}_{variant}.tsv",
        seed=SEEDS,
        variant=SEPARATE_DROPOUT,
    )
    + (
        per_seed("results/benchmarks/overfit_baseline/seed{seed}.tsv")
        if BASELINE_EPOCHS is not None
        else []
    )
    + expand(
        "results/benchmarks/random_search/seed{seed}_shard{shard}.tsv",
        seed=SEEDS,
        shard=SEARCH_SHARDS,
    )
)


def figure_files(names, exts=("png", "pdf")):
    return expand("results/figures/{fig}.{ext}", fig=names, ext=exts)


def all_outputs():
    """Every figure (book-style and several-seed), every table, the claims and the index."""
    return (
        figure_files(ALL_FIGURES)
        + ["results/optimizer_paths/paths.csv"]
        + expand(
            "results/{experiment}/seed{seed}/summary.csv",
            experiment=["optimizer_mnist", "init_mnist", "random_search"],
            seed=SEEDS,
        )
        + per_seed("results/activations/seed{seed}/stats.csv")
        + per_seed("results/batchnorm/seed{seed}/accuracy.csv")
        + WEIGHT_DECAY_TABLES
        + DROPOUT_TABLES
        + ["results/claims.md", "results/claims.csv", "results/index.html"]
    )


def figure_outputs(figures, caption, category):
    """PNG (shown in the report) and PDF of every figure of a family."""
    files = []
    for fig in figures:
        png = report(
            f"results/figures/{fig}.png",
            caption=f"../report/{caption}.rst",
            category=category,
            labels={"figure": fig},
        )
        files += [png, f"results/figures/{fig}.pdf"]
    return files
